/*
 * bench-conn.c: the load connections of cairn-bench.  Each is a
 * bufferevent_openssl that says hello, resumes the session, then keeps
 * --depth requests in flight while the clock runs, timing each one from
 * the moment it is queued to the moment its response is parsed.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include <openssl/err.h>

#include "bench.h"
#include "date.h"
#include "frame.h"
#include "tls.h"
#include "wire.h"
#include "xmalloc.h"

uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* {"id": id, "op": op, "args": {...nargs pairs follow}} (no args if 0). */
void
pack_begin(msgpack_packer *pk, uint64_t id, const char *op, size_t nargs)
{
	msgpack_pack_map(pk, nargs > 0 ? 3 : 2);
	mp_kv_uint(pk, WIRE_ID, id);
	mp_kv_str(pk, WIRE_OP, op);
	if (nargs > 0) {
		mp_pack_key(pk, WIRE_ARGS);
		msgpack_pack_map(pk, nargs);
	}
}

void
pack_hello(msgpack_packer *pk, uint64_t id)
{
	pack_begin(pk, id, "hello", 2);
	mp_kv_uint(pk, "proto", CAIRN_PROTO_VERSION);
	mp_kv_str(pk, "client", BENCH_CLIENT);
}

/*
 * Look at a response.  Returns false (with why) when it is not a response
 * at all.  Otherwise *ok tells success; on failure code/msg describe it.
 */
bool
parse_response(const msgpack_object *root, uint64_t *id, bool *ok,
    const msgpack_object **result, char *code, size_t codelen, char *msg,
    size_t msglen, const char **why)
{
	const msgpack_object *o, *err, *c, *m;

	if (root->type != MSGPACK_OBJECT_MAP) {
		*why = "response is not a map";
		return false;
	}
	o = mp_map_get(root, WIRE_ID);
	if (o == NULL || o->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
		*why = "response without an id";
		return false;
	}
	*id = o->via.u64;
	o = mp_map_get(root, WIRE_OK);
	if (o == NULL || o->type != MSGPACK_OBJECT_BOOLEAN) {
		*why = "response without ok";
		return false;
	}
	*ok = o->via.boolean;
	*result = mp_map_get(root, WIRE_RESULT);
	if (*ok)
		return true;
	err = mp_map_get(root, WIRE_ERROR);
	c = mp_map_get(err, WIRE_CODE);
	m = mp_map_get(err, WIRE_MESSAGE);
	if (c != NULL && c->type == MSGPACK_OBJECT_STR)
		snprintf(code, codelen, "%.*s", (int)c->via.str.size,
		    c->via.str.ptr);
	else
		snprintf(code, codelen, "?");
	if (m != NULL && m->type == MSGPACK_OBJECT_STR)
		snprintf(msg, msglen, "%.*s", (int)m->via.str.size,
		    m->via.str.ptr);
	else
		snprintf(msg, msglen, "(no message)");
	return true;
}

static void
add_sample(struct bench *b, uint64_t ns)
{
	if (b->nlat == b->caplat) {
		b->caplat *= 2;
		b->lat = xrealloc(b->lat, b->caplat * sizeof *b->lat);
	}
	b->lat[b->nlat++] = ns;
}

/* Connections. */

static void	conn_close(struct conn *);
static void	conn_readcb(struct bufferevent *, void *);
static void	conn_eventcb(struct bufferevent *, short, void *);
static bool	conn_connect(struct conn *) MUST_CHECK;
static void	conn_fill(struct conn *);
static void	conn_queue(struct conn *, uint64_t, uint64_t,
		    const unsigned char *, size_t, int64_t);

static void
maybe_finish(struct bench *b)
{
	/* A watch never ends: the run ends at the stop. */
	if (b->phase == PH_DRAIN && (b->inflight == 0 || b->op == OP_WATCH))
		event_base_loopbreak(b->base);
	else if (b->dead == b->nclients && b->phase != PH_SETUP) {
		if (b->t_stop == 0)
			b->t_stop = now_ns();
		event_base_loopbreak(b->base);
	}
}

static void
conn_fail(struct conn *c, const char *fmt, const char *arg)
{
	struct bench *b = c->b;

	fprintf(stderr, "cairn-bench: connection %d: ", c->idx);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	conn_close(c);
	/* The requests kept after a drop were never answered either. */
	b->inflight -= c->count + c->npend;
	c->count = 0;
	if ((c->state == CS_READY || c->t_drop != 0) && b->phase != PH_SETUP)
		b->lost++;
	c->state = CS_DEAD;
	b->dead++;
	if (b->phase == PH_SETUP) {
		/* Every connection must be up before the clock starts. */
		b->failed = true;
		event_base_loopbreak(b->base);
	} else
		maybe_finish(b);
}

/* The connection of c is made again (--reconnect), a drop ago. */
static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	if (!conn_connect(c)) {
		c->b->reconnect_fails++;
		conn_fail(c, "%s", "cannot reconnect");
	}
}

/*
 * The connection dropped (closed, reset, refused): with --reconnect and
 * once the run has started, keep its requests still in flight to send
 * again and make it anew after a backoff; otherwise it is lost.  Only
 * ops that are safe to send twice take --reconnect (a keyed check-in, a
 * read, a ping): the server records a keyed check-in once however often
 * it arrives.
 */
static void
conn_lost(struct conn *c, const char *fmt, const char *arg)
{
	struct bench *b = c->b;
	struct timeval tv;
	long ms;

	if (!b->reconnect || b->phase == PH_SETUP || c->state == CS_DEAD) {
		conn_fail(c, fmt, arg);
		return;
	}
	if (c->attempts > 0)
		b->reconnect_fails++;
	if (++c->attempts > RECONNECT_TRIES) {
		conn_fail(c, fmt, arg);
		return;
	}
	if (c->t_drop == 0) {
		c->t_drop = now_ns();
		b->drops++;
	}
	/* The ring holds this connection's hello and resume too: those are
	 * sent anew, the rest kept in order for after them. */
	for (; c->count > 0; c->count--) {
		size_t h = c->head;

		c->head = (c->head + 1) % (size_t)b->depth;
		if (c->ids[h] < ID_FIRST) {
			b->inflight--;
			continue;
		}
		c->pend[c->npend++] = (struct pending){ .id = c->ids[h],
		    .sent = c->sent[h], .buf = xmalloc(c->reqlen[h]),
		    .len = c->reqlen[h], .kr = c->slotkr[h] };
		memcpy(c->pend[c->npend - 1].buf, c->req[h], c->reqlen[h]);
	}
	c->head = 0;
	conn_close(c);
	c->state = CS_CONNECTING;
	ms = RECONNECT_MS << (c->attempts - 1 < 5 ? c->attempts - 1 : 5);
	if (ms > RECONNECT_MAX_MS)
		ms = RECONNECT_MAX_MS;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (c->retry_ev == NULL)
		c->retry_ev = evtimer_new(b->base, retry_cb, c);
	evtimer_add(c->retry_ev, &tv);
}

/* Back from a drop, ready again: the kept requests first, in order. */
static void
conn_resend(struct conn *c)
{
	struct bench *b = c->b;

	for (size_t i = 0; i < c->npend; i++) {
		conn_queue(c, c->pend[i].id, c->pend[i].sent, c->pend[i].buf,
		    c->pend[i].len, c->pend[i].kr);
		free(c->pend[i].buf);
	}
	b->resent += c->npend;
	c->npend = 0;
	if (b->phase == PH_RUN && b->rate == 0)
		conn_fill(c);
}

/* Queue the framed request buf in the next slot, remembering its id,
 * send time and bytes (sent again should the connection drop). */
static void
conn_queue(struct conn *c, uint64_t id, uint64_t sent,
    const unsigned char *buf, size_t len, int64_t kr)
{
	unsigned char hdr[FRAME_HEADER_SIZE];
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t slot;

	frame_put_header(hdr, (uint32_t)len);
	evbuffer_add(out, hdr, sizeof hdr);
	evbuffer_add(out, buf, len);
	slot = (c->head + c->count) % (size_t)c->b->depth;
	c->ids[slot] = id;
	c->sent[slot] = sent;
	c->slotkr[slot] = kr;
	if (c->reqcap[slot] < len) {
		c->req[slot] = xrealloc(c->req[slot], len);
		c->reqcap[slot] = len;
	}
	memcpy(c->req[slot], buf, len);
	c->reqlen[slot] = len;
	c->count++;
}

/* Frame the packed request and queue it; remember its id and send time. */
static void
conn_send_kr(struct conn *c, uint64_t id, int64_t kr)
{
	conn_queue(c, id, now_ns(), (const unsigned char *)c->sbuf.data,
	    c->sbuf.size, kr);
	msgpack_sbuffer_clear(&c->sbuf);
	c->b->inflight++;
}

static void
conn_send(struct conn *c, uint64_t id)
{
	conn_send_kr(c, id, 0);
}

static void
conn_send_op(struct conn *c)
{
	struct bench *b = c->b;
	msgpack_packer pk;
	uint64_t id = c->next_id++;

	msgpack_packer_init(&pk, &c->sbuf, msgpack_sbuffer_write);
	if (b->op == OP_READ) {
		pack_begin(&pk, id, "user.get", 1);
		mp_kv_str(&pk, "login", b->login);
	} else if (b->op == OP_RECORD) {
		/* One reading per request, as a lead records by hand. */
		pack_begin(&pk, id, "kpi.record", 1);
		mp_pack_key(&pk, "readings");
		msgpack_pack_array(&pk, 1);
		msgpack_pack_map(&pk, 2);
		mp_kv_int(&pk, "kpi", b->kpi);
		mp_kv_double(&pk, "value", (double)(id % 1000));
	} else if (b->op == OP_CHECKIN) {
		/*
		 * As `cairn kr checkin` sends it: a value, a confidence and a
		 * fresh idempotency key (the CLI sends one with every write).
		 */
		char key[64];
		int64_t kr = c->krs[c->nextkr];

		c->nextkr = (c->nextkr + 1) % c->nkrs;
		snprintf(key, sizeof key, "%s-%d-%llu", b->nonce, c->idx,
		    (unsigned long long)id);
		/* With --acked the key is also the note: the check-in's
		 * row names its key, for the database to be checked. */
		pack_begin(&pk, id, "kr.checkin", b->acked != NULL ? 5 : 4);
		mp_kv_int(&pk, "id", kr);
		mp_kv_double(&pk, "value", (double)(id % 97));
		mp_kv_int(&pk, "confidence", (int64_t)(1 + id % 10));
		mp_kv_str(&pk, "idempotency_key", key);
		if (b->acked != NULL)
			mp_kv_str(&pk, "note", key);
	} else if (b->op == OP_WATCH) {
		pack_begin(&pk, id, "event.watch", 0);
	} else if (b->op == OP_CALL) {
		/* pack_begin's envelope, with "parts": true. */
		msgpack_pack_map(&pk, 4);
		mp_kv_uint(&pk, WIRE_ID, id);
		mp_kv_str(&pk, WIRE_OP, b->call_op);
		mp_kv_bool(&pk, WIRE_PARTS, true);
		mp_pack_key(&pk, WIRE_ARGS);
		msgpack_pack_map(&pk, (size_t)b->ncall_args);
		for (int i = 0; i < b->ncall_args; i++)
			mp_kv_str(&pk, b->call_key[i], b->call_val[i]);
	} else
		pack_begin(&pk, id, "ping", 0);
	conn_send_kr(c, id, b->op == OP_CHECKIN ?
	    c->krs[(c->nextkr + c->nkrs - 1) % c->nkrs] : 0);
}

/* --rate: this tick's share of the requests, round robin over the
 * connections that have room. */
static void
rate_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench *b = arg;

	if (b->phase != PH_RUN)
		return;
	b->rate_acc += b->rate / 100;
	for (int tries = 0; b->rate_acc >= 1 && tries < b->nclients;) {
		struct conn *c = &b->conns[b->rate_next];
		b->rate_next = (b->rate_next + 1) % b->nclients;
		if (c->state != CS_READY || c->count >= (size_t)b->depth) {
			tries++;
			continue;
		}
		conn_send_op(c);
		b->rate_acc -= 1;
		tries = 0;
	}
	if (b->rate_acc > b->nclients)
		b->rate_acc = b->nclients;	/* behind: do not burst */
}

static void
conn_fill(struct conn *c)
{
	while (c->count < (size_t)c->b->depth)
		conn_send_op(c);
}

static void
start_run(struct bench *b)
{
	struct timeval tv;

	b->phase = PH_RUN;
	b->t_start = now_ns();
	if (b->op == OP_CALL) {		/* one request, no timer */
		conn_send_op(&b->conns[0]);
		return;
	}
	tv.tv_sec = (time_t)b->duration;
	tv.tv_usec = (suseconds_t)((b->duration - (double)tv.tv_sec) * 1e6);
	evtimer_add(b->stop_ev, &tv);
	if (b->rate > 0) {
		struct timeval tick = { 0, 10000 };
		b->rate_ev = event_new(b->base, -1, EV_PERSIST, rate_cb, b);
		event_add(b->rate_ev, &tick);
		return;
	}
	for (int i = 0; i < b->nclients; i++)
		conn_fill(&b->conns[i]);
}

void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench *b = arg;

	b->phase = PH_DRAIN;
	b->t_stop = now_ns();
	maybe_finish(b);
}

void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench *b = arg;

	fprintf(stderr, "cairn-bench: hard deadline reached (duration + %d "
	    "s); giving up\n", GRACE_SECONDS);
	b->failed = true;
	event_base_loopbreak(b->base);
}

/* n digits at p as a number; -1 when one is not a digit. */
static int
digits(const char *p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* An event's "at" (YYYY-MM-DDTHH:MM:SS.mmmZ) in ns, 0 when malformed; not
 * by sscanf() and timegm(): 100,000 a second on cairnd's own cores. */
static uint64_t
at_ns(const msgpack_object *at)
{
	char day[11];
	const char *s;
	int y, mo, d, h, mi, se, ms;

	if (at == NULL || at->type != MSGPACK_OBJECT_STR ||
	    at->via.str.size != 24)
		return 0;
	s = at->via.str.ptr;
	memcpy(day, s, 10);
	day[10] = '\0';
	if (date_check(day, &y, &mo, &d) != DATE_OK || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != '.' || s[23] != 'Z' ||
	    (h = digits(s + 11, 2)) < 0 || (mi = digits(s + 14, 2)) < 0 ||
	    (se = digits(s + 17, 2)) < 0 || (ms = digits(s + 20, 3)) < 0)
		return 0;
	return ((uint64_t)date_days(y, mo, d) * 86400 + (uint64_t)h * 3600 +
	    (uint64_t)mi * 60 + (uint64_t)se) * 1000000000ULL +
	    (uint64_t)ms * 1000000ULL;
}

/* --op watch: a frame of the watch.  Each event's latency is from its
 * "at" (written in the change's transaction, just before its commit) to
 * now, by the wall clock of this machine. */
static void
watch_frame(struct conn *c, const msgpack_object *obj, bool ok,
    const char *code, const char *msg)
{
	struct bench *b = c->b;
	const msgpack_object *ev;
	struct timespec ts;
	uint64_t t, now;

	if (!ok) {
		char m[400];
		snprintf(m, sizeof m, "event.watch: %s: %s", code, msg);
		b->errors++;
		conn_fail(c, "%s", m);
		return;
	}
	if ((ev = mp_map_get(obj, WIRE_EVENT)) == NULL ||
	    ev->type != MSGPACK_OBJECT_MAP || b->phase != PH_RUN)
		return;			/* "watching", or outside the run */
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	if ((t = at_ns(mp_map_get(ev, "at"))) == 0 || t > now)
		t = now;
	b->requests++;
	add_sample(b, now - t);
}

/* One response, in order.  Returns false if the connection was closed. */
static bool
conn_response(struct conn *c, const char *payload, size_t len)
{
	struct bench *b = c->b;
	msgpack_object obj;
	const msgpack_object *result;
	char code[64], msg[256];
	const char *why;
	uint64_t id, now = now_ns();
	size_t off = 0;
	bool ok, parsed, part = false;

	/*
	 * Checked like everywhere else, then unpacked into one zone that is
	 * cleared, not freed, after each response: the generator should not
	 * spend the CPU it shares with the server on malloc.
	 */
	if (mp_check((const unsigned char *)payload, len, &b->lim) != MP_OK ||
	    msgpack_unpack(payload, len, &off, &b->zone, &obj) !=
	    MSGPACK_UNPACK_SUCCESS) {
		msgpack_zone_clear(&b->zone);
		conn_fail(c, "%s", "bad MessagePack from the server");
		return false;
	}
	parsed = parse_response(&obj, &id, &ok, &result, code, sizeof code,
	    msg, sizeof msg, &why);
	if (parsed && b->op == OP_CALL && c->state == CS_READY) {
		const msgpack_object *ms;

		part = mp_map_get(&obj, WIRE_PART) != NULL;
		b->bytes += len;
		if (part)
			b->parts++;
		else if (ok && (ms = mp_map_get(result, "server_ms")) != NULL &&
		    ms->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
			b->server_ms = (int64_t)ms->via.u64;
	}
	if (parsed && b->op == OP_WATCH && c->state == CS_READY) {
		watch_frame(c, &obj, ok, code, msg);
		msgpack_zone_clear(&b->zone);
		return c->state != CS_DEAD;
	}
	msgpack_zone_clear(&b->zone);
	if (!parsed) {
		conn_fail(c, "%s", why);
		return false;
	}
	if (part && c->count > 0 && c->ids[c->head] == id)
		return true;	/* more of the answer to come */
	if (c->count == 0 || c->ids[c->head] != id) {
		char m[96];
		snprintf(m, sizeof m, "unexpected response id %llu",
		    (unsigned long long)id);
		conn_fail(c, "%s", m);
		return false;
	}
	uint64_t sent = c->sent[c->head];
	int64_t kr = c->slotkr[c->head];
	c->head = (c->head + 1) % (size_t)b->depth;
	c->count--;
	b->inflight--;

	switch (c->state) {
	case CS_HELLO:
	case CS_RESUME:
		if (!ok) {
			char m[400];
			snprintf(m, sizeof m, "%s: %s: %s", c->state ==
			    CS_HELLO ? "hello" : "session.resume", code, msg);
			conn_fail(c, "%s", m);
			return false;
		}
		if (c->state == CS_HELLO && b->token != NULL) {
			msgpack_packer pk;
			msgpack_packer_init(&pk, &c->sbuf,
			    msgpack_sbuffer_write);
			pack_begin(&pk, ID_RESUME, "session.resume", 1);
			mp_kv_str(&pk, "token", b->token);
			conn_send(c, ID_RESUME);
			c->state = CS_RESUME;
			return true;
		}
		c->state = CS_READY;
		if (b->phase != PH_SETUP) {	/* back after a drop */
			conn_resend(c);
			return true;
		}
		if (++b->ready == b->nclients)
			start_run(b);
		return true;
	case CS_READY:
		break;
	default:
		conn_fail(c, "%s", "response in an unexpected state");
		return false;
	}
	if (ok && c->t_drop != 0) {
		/* The first success since the drop: recovered. */
		if (now - c->t_drop > b->recover_max)
			b->recover_max = now - c->t_drop;
		c->t_drop = 0;
		c->attempts = 0;
	}
	if (ok && b->acked != NULL && b->op == OP_CHECKIN)
		fprintf(b->acked, "%s-%d-%llu %lld %llu\n", b->nonce, c->idx,
		    (unsigned long long)id, (long long)kr,
		    (unsigned long long)(id % 97));
	if (!ok) {
		if (b->errors++ == 0) {
			snprintf(b->first_code, sizeof b->first_code, "%s",
			    code);
			snprintf(b->first_err, sizeof b->first_err, "%s: %s",
			    code, msg);
		}
	}
	if (b->phase == PH_RUN && b->op == OP_CALL) {
		b->requests++;
		add_sample(b, now - sent);
		b->phase = PH_DRAIN;
		b->t_stop = now;
		maybe_finish(b);
	} else if (b->phase == PH_RUN) {
		b->requests++;
		add_sample(b, now - sent);
		if (b->rate == 0)
			conn_send_op(c);
	} else
		maybe_finish(b);
	return true;
}

static void
conn_readcb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	unsigned char *p;
	size_t avail, n;

	while ((avail = evbuffer_get_length(in)) >= FRAME_HEADER_SIZE) {
		p = evbuffer_pullup(in, FRAME_HEADER_SIZE);
		switch (frame_peek(p, avail, DEFAULT_MAX_FRAME, &n)) {
		case FRAME_NEED_MORE:
			return;
		case FRAME_ZERO:
		case FRAME_TOO_BIG:
			conn_fail(c, "%s", "bad frame from the server");
			return;
		case FRAME_OK:
			break;
		}
		p = evbuffer_pullup(in, FRAME_HEADER_SIZE + n);
		if (!conn_response(c, (const char *)p + FRAME_HEADER_SIZE, n))
			return;
		evbuffer_drain(in, FRAME_HEADER_SIZE + n);
	}
}

static void
conn_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	char why[256];
	unsigned long e;
	int fd, one = 1, serr, soerr = 0;
	socklen_t sl = sizeof soerr;

	if (what & BEV_EVENT_CONNECTED) {
		msgpack_packer pk;

		fd = bufferevent_getfd(bev);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c->state = CS_HELLO;
		msgpack_packer_init(&pk, &c->sbuf, msgpack_sbuffer_write);
		pack_hello(&pk, ID_HELLO);
		conn_send(c, ID_HELLO);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		conn_lost(c, "%s", "connection closed by the server");
		return;
	}
	/*
	 * Find the most telling reason: a socket error (refused, reset), a
	 * failed certificate check, else what OpenSSL queued.  libevent
	 * queues a bare SSL_get_error() code (no library) for a syscall
	 * failure, which says nothing by itself.
	 */
	serr = EVUTIL_SOCKET_ERROR();
	if ((fd = bufferevent_getfd(bev)) != -1 && getsockopt(fd, SOL_SOCKET,
	    SO_ERROR, &soerr, &sl) == 0 && soerr != 0)
		serr = soerr;
	snprintf(why, sizeof why, "%s", serr != 0 ?
	    evutil_socket_error_to_string(serr) : "connection error");
	while ((e = bufferevent_get_openssl_error(bev)) != 0)
		if (ERR_GET_LIB(e) != 0 && soerr == 0)
			ERR_error_string_n(e, why, sizeof why);
	if (c->state == CS_CONNECTING) {
		long vr = SSL_get_verify_result(
		    bufferevent_openssl_get_ssl(bev));
		if (vr != X509_V_OK)
			snprintf(why, sizeof why, "certificate verify "
			    "failed: %s", X509_verify_cert_error_string(vr));
	}
	conn_lost(c, c->state == CS_CONNECTING ? "cannot connect or TLS "
	    "handshake failed: %s" : "connection error: %s", why);
}

bool
conn_open(struct bench *b, struct conn *c, int idx)
{
	c->b = b;
	c->idx = idx;
	c->state = CS_CONNECTING;
	c->next_id = ID_FIRST;
	if (b->op == OP_CHECKIN) {
		/* Lines idx, idx + N, idx + 2N ... of --kr-file. */
		c->krs = xcalloc(b->nkrs / (size_t)b->nclients + 1,
		    sizeof *c->krs);
		for (size_t i = (size_t)idx; i < b->nkrs;
		    i += (size_t)b->nclients)
			c->krs[c->nkrs++] = b->krs[i];
	}
	c->ids = xcalloc(b->depth, sizeof *c->ids);
	c->sent = xcalloc(b->depth, sizeof *c->sent);
	c->req = xcalloc(b->depth, sizeof *c->req);
	c->reqlen = xcalloc(b->depth, sizeof *c->reqlen);
	c->reqcap = xcalloc(b->depth, sizeof *c->reqcap);
	c->slotkr = xcalloc(b->depth, sizeof *c->slotkr);
	c->pend = xcalloc(b->depth, sizeof *c->pend);
	msgpack_sbuffer_init(&c->sbuf);
	return conn_connect(c);
}

/* A new TLS connection for c (at the start, or after a drop). */
static bool
conn_connect(struct conn *c)
{
	struct bench *b = c->b;
	SSL *ssl;

	c->state = CS_CONNECTING;
	if ((ssl = SSL_new(b->ctx)) == NULL ||
	    !tls_client_expect_host(ssl, b->host)) {
		char why[256];
		tls_last_error(why, sizeof why);
		fprintf(stderr, "cairn-bench: TLS set-up: %s\n", why);
		SSL_free(ssl);
		return false;
	}
	c->bev = bufferevent_openssl_socket_new(b->base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		fprintf(stderr, "cairn-bench: bufferevent_openssl_socket_new "
		    "failed\n");
		SSL_free(ssl);
		return false;
	}
	bufferevent_setcb(c->bev, conn_readcb, NULL, conn_eventcb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&b->addr,
	    (int)b->addrlen) == -1) {
		fprintf(stderr, "cairn-bench: connect: %s\n", strerror(errno));
		return false;
	}
	return true;
}

/* Say goodbye properly (close_notify), so the server logs a clean close. */
static void
conn_close(struct conn *c)
{
	SSL *ssl;

	if (c->bev == NULL)
		return;
	ssl = bufferevent_openssl_get_ssl(c->bev);
	if (ssl != NULL && SSL_is_init_finished(ssl))
		SSL_shutdown(ssl);
	ERR_clear_error();
	bufferevent_free(c->bev);
	c->bev = NULL;
}

void
conn_free(struct conn *c)
{
	conn_close(c);
	if (c->retry_ev != NULL)
		event_free(c->retry_ev);
	for (size_t i = 0; c->req != NULL && i < (size_t)c->b->depth; i++)
		free(c->req[i]);
	for (size_t i = 0; i < c->npend; i++)
		free(c->pend[i].buf);
	free(c->req);
	free(c->reqlen);
	free(c->reqcap);
	free(c->slotkr);
	free(c->pend);
	free(c->ids);
	free(c->sent);
	free(c->krs);
	msgpack_sbuffer_destroy(&c->sbuf);
}
