/*
 * stream.c: results in parts (see stream.h and docs/protocol.md).
 *
 * One set is streamed at a time.  In parts mode a row is packed into the
 * part buffer, and the part goes out as a frame when it is full; the
 * database is read again only once the connection's output has drained.
 * Otherwise rows are gathered per set, up to max_frame in all, for the one
 * final frame.  Either way, a failure is kept and answered when the query
 * ends: the request must outlive its query, whose rows keep coming.
 *
 * A stream in parts holds a pool connection, and PostgreSQL blocked
 * writing to us is beyond statement_timeout, so a reader that stops
 * reading would hold the connection as long as it liked.  Three limits
 * keep one user from stalling the others (docs/protocol.md):
 *   - a stream paused for its reader that does not drain for
 *     stream_stall_timeout is cancelled (db_stream_cancel) and answered
 *     E_LIMIT; its slot is free at once;
 *   - a stream that waits that long for a slot is answered E_LIMIT, so that
 *     nobody waits behind held streams for longer than one stall timeout;
 *   - a user has at most max_streams_per_user requests in parts streaming
 *     at once, and never every slot.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "attr.h"
#include "frame.h"
#include "log.h"
#include "stmt.h"
#include "stream.h"
#include "xmalloc.h"

/* A set gathered for the final frame (not in parts mode). */
struct gathered {
	const char		*name;
	msgpack_sbuffer		 rows;
	uint32_t		 n;
};

struct stream {
	struct request		*req;
	struct dbq		*q;
	const char		*set;
	const struct fieldset	*fs;
	struct rowpack		 rp;
	bool			 rp_ready;
	void			(*done)(struct request *);
	/* The part being filled (parts mode). */
	msgpack_sbuffer		 part;
	msgpack_packer		 pk;
	uint32_t		 npart;
	msgpack_sbuffer		 one;		/* the row being packed */
	msgpack_packer		 onepk;
	bool			 paused;
	/* A failure, answered when the query ends. */
	enum wire_err		 err;
	char			 errmsg[200];
	struct gathered		 sets[STREAM_SETS_MAX];
	int			 nsets;
	size_t			 gathered;	/* bytes in sets */
	uint64_t		 nrows;
	size_t			 out_peak;	/* most output held, bytes */
	/* Results in parts only: the stall and slot-wait deadline. */
	struct event		*tick;
	uint64_t		 paused_ms;	/* since when paused */
	uint64_t		 waiting_ms;	/* since when waiting for a slot */
	bool			 counted;	/* one of its user's streams */
	bool			 cancelled;	/* answer errmsg, E_LIMIT */
};

bool
req_parts(const struct request *req)
{
	return req->parts;
}

static void
stream_free(void *arg)
{
	struct stream *s = arg;

	for (int i = 0; i < s->nsets; i++)
		msgpack_sbuffer_destroy(&s->sets[i].rows);
	msgpack_sbuffer_destroy(&s->part);
	msgpack_sbuffer_destroy(&s->one);
	if (s->tick != NULL)
		event_free(s->tick);
	free(s);
}

static struct stream *
stream_of(struct request *req)
{
	struct stream *s = req->stream;

	if (s == NULL) {
		s = xcalloc(1, sizeof *s);
		s->req = req;
		msgpack_sbuffer_init(&s->part);
		msgpack_packer_init(&s->pk, &s->part, msgpack_sbuffer_write);
		msgpack_sbuffer_init(&s->one);
		msgpack_packer_init(&s->onepk, &s->one, msgpack_sbuffer_write);
		req->stream = s;
		req->stream_free = stream_free;
	}
	return s;
}

static void
stream_fail(struct stream *s, enum wire_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
stream_fail(struct stream *s, enum wire_err e, const char *fmt, ...)
{
	va_list ap;

	if (s->err != E_OK)
		return;
	s->err = e;
	va_start(ap, fmt);
	vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
	va_end(ap);
	/* Nothing more is kept: the rows still to come are dropped. */
	for (int i = 0; i < s->nsets; i++)
		msgpack_sbuffer_destroy(&s->sets[i].rows);
	s->nsets = 0;
	s->part.size = 0;
	s->npart = 0;
}

/* The envelope of a part frame of n rows, without the rows. */
static void
part_envelope(msgpack_sbuffer *sb, uint64_t id, const char *set, uint32_t n)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	mp_kv_uint(&pk, WIRE_ID, id);
	mp_kv_bool(&pk, WIRE_OK, true);
	mp_pack_key(&pk, WIRE_PART);
	msgpack_pack_map(&pk, 2);
	mp_kv_str(&pk, WIRE_SET, set);
	mp_pack_key(&pk, WIRE_ROWS);
	msgpack_pack_array(&pk, n);
}

/* Bytes a part envelope may take beyond its rows. */
#define PART_ENVELOPE_MAX	128

/* Send the part; an empty one only if forced (a set with no rows still
 * names itself, so that the client has every set). */
static void
send_part(struct stream *s, bool force)
{
	struct conn *c = s->req->conn;
	unsigned char hdr[FRAME_HEADER_SIZE];
	msgpack_sbuffer env;
	struct evbuffer *out;

	if (s->npart == 0 && !force)
		return;
	msgpack_sbuffer_init(&env);
	part_envelope(&env, s->req->id, s->set, s->npart);
	if (c->state != CONN_DEAD) {
		out = bufferevent_get_output(c->bev);
		frame_put_header(hdr, (uint32_t)(env.size + s->part.size));
		evbuffer_add(out, hdr, sizeof hdr);
		evbuffer_add(out, env.data, env.size);
		evbuffer_add(out, s->part.data, s->part.size);
		c->last_reply_ms = now_ms();
		if (evbuffer_get_length(out) > s->out_peak)
			s->out_peak = evbuffer_get_length(out);
	}
	msgpack_sbuffer_destroy(&env);
	s->part.size = 0;
	s->npart = 0;
}

/* Whether the client is behind: its output holds more than we allow. */
static bool MUST_CHECK
reader_behind(const struct stream *s)
{
	struct conn *c = s->req->conn;

	if (c->state == CONN_DEAD)
		return false;		/* nobody reads: drain the query */
	return evbuffer_get_length(bufferevent_get_output(c->bev)) >
	    STREAM_OUT_HIGH;
}

/* One packed row (in s->one) into the part, sent when full. */
static void
add_to_part(struct stream *s)
{
	size_t max = s->req->conn->srv->cf->max_frame;
	size_t fill = max / 2 < STREAM_PART_BYTES ? max / 2 :
	    STREAM_PART_BYTES;

	if (s->one.size + PART_ENVELOPE_MAX > max) {
		stream_fail(s, E_LIMIT, "a row of %s is %zu bytes, more than "
		    "a frame holds (max_frame %zu)", s->set, s->one.size, max);
		return;
	}
	if (s->part.size + s->one.size + PART_ENVELOPE_MAX > max)
		send_part(s, false);
	msgpack_sbuffer_write(&s->part, s->one.data, s->one.size);
	s->npart++;
	if (s->part.size >= fill)
		send_part(s, false);
}

/* One packed row into its set, for the final frame. */
static void
add_to_set(struct stream *s)
{
	size_t max = s->req->conn->srv->cf->max_frame;
	struct gathered *g = &s->sets[s->nsets - 1];

	s->gathered += s->one.size;
	if (s->gathered > max) {
		stream_fail(s, E_LIMIT, "result too large (more than %zu "
		    "bytes): ask for it in parts", max);
		return;
	}
	msgpack_sbuffer_write(&g->rows, s->one.data, s->one.size);
	g->n++;
}

static bool MUST_CHECK
on_rows(void *arg, const PGresult *res)
{
	struct stream *s = arg;

	if (s->err != E_OK || !req_alive(s->req))
		return true;		/* dropped; let the query end */
	if (!s->rp_ready) {
		if (!rowpack_init(&s->rp, s->fs, res)) {
			stream_fail(s, E_INTERNAL, "the rows of %s lack a "
			    "column", s->set);
			return true;
		}
		s->rp_ready = true;
	}
	/* Every result of the stream has the statement's columns (db.c
	 * checks its shape), so the indices found once stay right. */
	s->rp.res = res;
	for (int i = 0; i < PQntuples(res) && s->err == E_OK; i++) {
		s->one.size = 0;
		rowpack_row(&s->onepk, &s->rp, i, 0);
		s->nrows++;
		if (s->req->parts)
			add_to_part(s);
		else
			add_to_set(s);
	}
	s->rp.res = NULL;
	if (s->req->parts && s->err == E_OK && reader_behind(s)) {
		struct conn *c = s->req->conn;
		int stall = c->srv->cf->stream_stall_timeout;
		struct timeval tv = { stall, 0 };

		s->paused = true;
		s->paused_ms = now_ms();
		/* The write callback (stream_drained) once it is below the
		 * low mark, not only once it is empty. */
		bufferevent_setwatermark(c->bev, EV_WRITE, STREAM_OUT_LOW, 0);
		evtimer_add(s->tick, &tv);
		return false;
	}
	return true;
}

static void
on_done(void *arg, const PGresult *res)
{
	struct stream *s = arg;
	struct request *req = s->req;

	s->q = NULL;
	s->paused = false;
	if (s->tick != NULL)
		evtimer_del(s->tick);
	if (s->cancelled) {
		req_fail(req, E_LIMIT, NULL, "%s", s->errmsg);
		return;
	}
	if (res == NULL) {
		req_fail(req, E_UNAVAILABLE, NULL,
		    "database connection lost, try again");
		return;
	}
	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (s->err != E_OK) {
		req_fail(req, s->err, NULL, "%s", s->errmsg);
		return;
	}
	if (req->parts)
		send_part(s, s->nrows == 0);
	/* The peak is what the pause bounds (STREAM_OUT_HIGH plus a part):
	 * tests check it where RSS means little (under ASan). */
	log_req(LOG_LVL_DEBUG, req, "%llu rows of %s, output peaked at %zu KiB",
	    (unsigned long long)s->nrows, s->set, s->out_peak / 1024);
	s->done(req);
}

/*
 * The stall and slot-wait deadline.  Waiting for a slot: the slots are held
 * by streams that are either progressing or cancelled within a stall
 * timeout, so one more is already too long.  Paused: the reader has not
 * taken STREAM_OUT_HIGH - STREAM_OUT_LOW bytes in that time.
 */
/*
 * When the first stream that holds a slot and is already paused on its
 * reader reaches its stall deadline (and is cancelled, freeing its slot);
 * 0 if none is paused.  A stream seen progressing when a set began to
 * wait may pause just after: the waiter then waits for that deadline
 * rather than being refused a moment before the slot comes free.
 */
static uint64_t
stall_due_ms(const struct server *srv)
{
	uint64_t stall = (uint64_t)srv->cf->stream_stall_timeout * 1000;
	uint64_t due = 0;
	const struct conn *c;

	TAILQ_FOREACH(c, &srv->conns, entry) {
		const struct stream *o;
		if (c->active == NULL || (o = c->active->stream) == NULL ||
		    o->q == NULL || !o->paused || o->cancelled ||
		    !db_stream_started(o->q))
			continue;
		if (due == 0 || o->paused_ms + stall < due)
			due = o->paused_ms + stall;
	}
	return due;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct stream *s = arg;
	struct request *req = s->req;
	struct server *srv = req->conn->srv;
	int stall = srv->cf->stream_stall_timeout;

	if (s->q == NULL)
		return;
	if (!db_stream_started(s->q)) {
		/* Past one stall timeout, wait on only for a slot that a
		 * stalled stream is about to free, and never past two. */
		uint64_t due = stall_due_ms(srv), now = now_ms();
		if (due != 0 && due + 100 <= s->waiting_ms + 2000ULL * stall) {
			uint64_t left = due > now ? due - now + 100 : 100;
			struct timeval tv = { left / 1000, (left % 1000) * 1000 };
			evtimer_add(s->tick, &tv);
			return;
		}
		stream_fail(s, E_LIMIT, "all %d streaming slots stayed busy "
		    "for %d s (stream_stall_timeout), try again",
		    db_stream_slots(srv->db), stall);
	} else if (s->paused) {
		uint64_t held = now_ms() - s->paused_ms;
		if (held < (uint64_t)stall * 1000) {
			/* Paused again since: wait for the rest. */
			struct timeval tv = { 0, 0 };
			uint64_t left = (uint64_t)stall * 1000 - held;
			tv.tv_sec = left / 1000;
			tv.tv_usec = (left % 1000) * 1000;
			evtimer_add(s->tick, &tv);
			return;
		}
		stream_fail(s, E_LIMIT, "stream stalled: the client read "
		    "too little of the result in %d s (stream_stall_timeout); "
		    "the parts sent are void", stall);
		log_req(LOG_LVL_INFO, req, "stream of %s stalled for %d s, "
		    "cancelled", s->set, stall);
	} else
		return;
	s->cancelled = true;
	/* on_done runs (and may free the request) before this returns. */
	db_stream_cancel(srv->db, s->q, "closed to cancel a stalled stream");
}

/* The streams in parts its user has at once, over all its connections.
 * One request per connection runs at a time, so walking the connections
 * finds them all (a closed one's stream reads on to its end unpaused). */
static int
user_streams(const struct server *srv, int64_t user_id)
{
	const struct conn *c;
	int n = 0;

	TAILQ_FOREACH(c, &srv->conns, entry) {
		const struct stream *o;
		if (!c->sess.valid || c->sess.user_id != user_id ||
		    c->active == NULL || (o = c->active->stream) == NULL)
			continue;
		if (o->counted)
			n++;
	}
	return n;
}

/* max_streams_per_user, and never every slot: someone else gets one. */
static int
user_stream_cap(const struct server *srv)
{
	int slots = db_stream_slots(srv->db);
	int cap = srv->cf->max_streams_per_user;

	if (slots > 1 && cap > slots - 1)
		cap = slots - 1;
	return cap;
}

/* A request in parts counts from its first set until it is answered. */
static bool __attribute__((warn_unused_result))
stream_admit(struct request *req, struct stream *s)
{
	struct server *srv = req->conn->srv;
	int cap;

	if (!req->parts || s->counted)
		return true;
	cap = user_stream_cap(srv);
	if (req->conn->sess.valid &&
	    user_streams(srv, req->conn->sess.user_id) >= cap) {
		req_fail(req, E_LIMIT, NULL, "you have %d results in parts "
		    "streaming already (max_streams_per_user %d): read them "
		    "or close their connections first", cap, cap);
		return false;
	}
	s->counted = true;
	s->tick = evtimer_new(srv->base, on_tick, s);
	return true;
}

bool
req_stream(struct request *req, enum stmt st, int n, const char *const *p,
    const char *set, const struct fieldset *fs,
    void (*done)(struct request *))
{
	struct stream *s = stream_of(req);
	struct server *srv = req->conn->srv;
	enum wire_err why;

	if (!stream_admit(req, s))
		return false;
	if (!req->parts) {
		if (s->nsets == STREAM_SETS_MAX) {
			/* A bug of the op, but no reason to stop serving. */
			log_req(LOG_LVL_WARN, req,
			    "more than %d sets in one result", STREAM_SETS_MAX);
			req_fail(req, E_LIMIT, NULL, "too many sets for one "
			    "frame: ask for the result in parts");
			return false;
		}
		s->sets[s->nsets].name = set;
		msgpack_sbuffer_init(&s->sets[s->nsets].rows);
		s->sets[s->nsets].n = 0;
		s->nsets++;
	}
	s->set = set;
	s->fs = fs;
	s->rp_ready = false;
	s->nrows = 0;
	s->done = done;
	s->q = db_stream_routed(srv->db, req->conn->sess.valid ?
	    req->conn->sess.user_id : 0, st, n, p, req->parts, on_rows,
	    on_done, s, &why);
	if (s->q != NULL) {
		if (s->tick != NULL) {
			/* The deadline for a slot (each set waits anew). */
			struct timeval tv = {
				.tv_sec = srv->cf->stream_stall_timeout };
			s->waiting_ms = now_ms();
			evtimer_add(s->tick, &tv);
		}
		return true;
	}
	if (why == E_LIMIT)
		req_fail(req, E_LIMIT, NULL, "server busy, try again");
	else
		req_fail(req, E_UNAVAILABLE, NULL,
		    "database unavailable, try again later");
	return false;
}

bool
req_stream_named(struct request *req, const struct stmt_params *sp,
    const char *set, const struct fieldset *fs,
    void (*done)(struct request *))
{
	return req_params_ready(req, sp) && req_stream(req, (enum stmt)sp->st,
	    sp->n, sp->v, set, fs, done);
}

msgpack_packer *
req_result_sets(struct request *req, int nextra)
{
	struct stream *s = req->stream;
	msgpack_packer *pk = req_result(req);
	int nsets = s != NULL ? s->nsets : 0;

	msgpack_pack_map(pk, nsets + nextra);
	for (int i = 0; i < nsets; i++) {
		mp_pack_key(pk, s->sets[i].name);
		msgpack_pack_array(pk, s->sets[i].n);
		msgpack_sbuffer_write(&req->out, s->sets[i].rows.data,
		    s->sets[i].rows.size);
		/* Copied into the reply: no need to hold it twice. */
		msgpack_sbuffer_destroy(&s->sets[i].rows);
		msgpack_sbuffer_init(&s->sets[i].rows);
	}
	return pk;
}

void
stream_drained(struct conn *c)
{
	struct request *req = c->active;
	struct stream *s;

	if (req == NULL || (s = req->stream) == NULL || !s->paused ||
	    s->q == NULL)
		return;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) >
	    STREAM_OUT_LOW)
		return;
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	s->paused = false;
	db_stream_resume(s->q);
}

void
stream_release(struct conn *c)
{
	struct request *req = c->active;
	struct stream *s;

	if (req == NULL || (s = req->stream) == NULL || !s->paused ||
	    s->q == NULL)
		return;
	s->paused = false;
	db_stream_resume(s->q);
}
