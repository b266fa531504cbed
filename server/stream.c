/*
 * stream.c: results in parts (see stream.h and docs/protocol.md).
 *
 * One set is streamed at a time.  In parts mode a row is packed into the
 * part buffer, and the part goes out as a frame when it is full; the
 * database is read again only once the connection's output has drained.
 * Otherwise rows are gathered per set, up to max_frame in all, for the one
 * final frame.  Either way, a failure is kept and answered when the query
 * ends: the request must outlive its query, whose rows keep coming.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include <event2/bufferevent.h>

#include "frame.h"
#include "log.h"
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
	}
	msgpack_sbuffer_destroy(&env);
	s->part.size = 0;
	s->npart = 0;
}

/* Whether the client is behind: its output holds more than we allow. */
static bool
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

static bool
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
		s->paused = true;
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
	log_debug("conn %llu: %s: %llu rows of %s",
	    (unsigned long long)req->conn->serial, req->op_name,
	    (unsigned long long)s->nrows, s->set);
	s->done(req);
}

bool
req_stream(struct request *req, enum stmt st, int n, const char *const *p,
    const char *set, const struct fieldset *fs,
    void (*done)(struct request *))
{
	struct stream *s = stream_of(req);
	enum wire_err why;

	if (!req->parts) {
		if (s->nsets == STREAM_SETS_MAX)
			fatalx("%s: more than %d sets in one result",
			    req->op_name, STREAM_SETS_MAX);
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
	s->q = db_stream(req->conn->srv->db, st, n, p, on_rows, on_done, s,
	    &why);
	if (s->q != NULL)
		return true;
	if (why == E_LIMIT)
		req_fail(req, E_LIMIT, NULL, "server busy, try again");
	else
		req_fail(req, E_UNAVAILABLE, NULL,
		    "database unavailable, try again later");
	return false;
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
