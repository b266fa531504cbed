/*
 * request.c: building and sending a reply.  A request is answered exactly
 * once, by req_reply() (after req_result()) or req_fail*(); that frees it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "frame.h"
#include "hashpool.h"
#include "log.h"
#include "metrics.h"
#include "op.h"
#include "server.h"
#include "xmalloc.h"

/* Requests by op and code, and their latency (docs/operations.md,
 * "Metrics").  The op is the table's name, or "unknown" for a name that is
 * not in it: a client never makes a label of its own. */
static const double latency_bounds[] = { 0.0005, 0.001, 0.0025, 0.005,
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };
static struct metric_def M_REQUESTS = METRIC_COUNTER_DEF(
    "cairn_requests_total", "Requests answered, by op and code (ok or "
    "the error code).", "op,code");
static struct metric_def M_LATENCY = METRIC_HISTOGRAM_DEF(
    "cairn_request_duration_seconds", "Time from a request's frame read to "
    "its answer queued, by op.", "op", latency_bounds);
static struct metric_def M_BUDGETS = METRIC_COUNTER_DEF(
    "cairn_budget_refusals_total", "Writes refused by a write budget "
    "(E_LIMIT), by budget.", "budget");
static struct metric_def M_THROTTLES = METRIC_COUNTER_DEF(
    "cairn_throttle_refusals_total", "Requests refused by a throttle "
    "(E_LIMIT), by throttle.", "throttle");

void
req_metrics_declare(void)
{
	metric_declare(&M_REQUESTS);
	metric_declare(&M_LATENCY);
	metric_declare(&M_BUDGETS);
	metric_declare(&M_THROTTLES);
}

void
req_count_throttle(const char *which)
{
	metric_inc(&M_THROTTLES, METRIC_LV(which));
}

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A request is answered: counted, timed, and logged at debug. */
static void
req_count(struct request *req)
{
	const char *op = req->op != NULL ? req->op->name : "unknown";
	const char *code = req->code == E_OK ? "ok" : wire_err_name(req->code);
	uint64_t us = now_us() - req->started_us;

	metric_inc(&M_REQUESTS, METRIC_LV(op, code));
	metric_observe(&M_LATENCY, METRIC_LV(op), (double)us / 1e6);
	log_ctx_at(LOG_LVL_DEBUG, &(struct log_ctx){
	    .conn = req->conn->serial, .peer = req->conn->peer,
	    .user = req->conn->sess.valid ? req->conn->sess.login : NULL,
	    .op = req->op_name, .code = code, .ms = (long long)(us / 1000) },
	    "id=%llu %s %llums", (unsigned long long)req->id, code,
	    (unsigned long long)(us / 1000));
}

uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct request *
req_new(struct conn *c, char *raw, size_t rawlen)
{
	struct request *req = xcalloc(1, sizeof *req);

	req->conn = c;
	req->started_ms = now_ms();
	req->started_us = now_us();
	msgpack_sbuffer_init(&req->out);
	msgpack_packer_init(&req->pk, &req->out, msgpack_sbuffer_write);
	snprintf(req->op_name, sizeof req->op_name, "?");
	req->raw = raw;
	req->rawlen = rawlen;
	req->decoded = raw == NULL;
	if (raw != NULL)
		c->buffered += FRAME_HEADER_SIZE + rawlen;
	return req;
}

void
req_preset(struct request *req, enum wire_err e, const char *msg)
{
	if (req->preset != E_OK)
		return;
	req->preset = e;
	snprintf(req->preset_msg, sizeof req->preset_msg, "%s", msg);
}

/* The raw frame is no longer held: it stops counting against
 * max_buffered. */
static char *
take_raw(struct request *req)
{
	char *raw = req->raw;

	if (raw != NULL)
		req->conn->buffered -= FRAME_HEADER_SIZE + req->rawlen;
	req->raw = NULL;
	return raw;
}

void
req_decode(struct request *req, size_t max_elements)
{
	struct conn *c = req->conn;
	const msgpack_object *root, *v;
	enum mp_status st;
	char msg[128];
	int seen[4] = { 0, 0, 0, 0 };

	if (req->decoded)
		return;
	req->decoded = true;
	st = mp_decode_take(&req->doc, take_raw(req), req->rawlen,
	    &c->srv->limits, max_elements);
	if (st == MP_TOO_MANY) {
		snprintf(msg, sizeof msg, "more than %zu MessagePack elements "
		    "in one request", max_elements);
		req_preset(req, E_LIMIT, msg);
		return;
	}
	if (st != MP_OK) {
		req_preset(req, st == MP_TOO_DEEP || st == MP_STR_TOO_LONG ?
		    E_LIMIT : E_BAD_REQUEST, mp_status_str(st));
		return;
	}
	root = req->doc.root;
	if (root->type != MSGPACK_OBJECT_MAP) {
		req_preset(req, E_BAD_REQUEST, "a request must be a map");
		return;
	}
	v = mp_map_get(root, WIRE_ID);
	if (v == NULL || v->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
		req_preset(req, E_BAD_REQUEST,
		    "'id' must be an unsigned integer");
		return;
	}
	req->id = v->via.u64;
	v = mp_map_get(root, WIRE_OP);
	if (v == NULL || v->type != MSGPACK_OBJECT_STR ||
	    v->via.str.size == 0 || v->via.str.size >= sizeof req->op_name ||
	    memchr(v->via.str.ptr, '\0', v->via.str.size) != NULL) {
		req_preset(req, E_BAD_REQUEST, "'op' must be a short string");
		return;
	}
	snprintf(req->op_name, sizeof req->op_name, "%.*s",
	    (int)v->via.str.size, v->via.str.ptr);
	req->args_obj = mp_map_get(root, WIRE_ARGS);
	for (uint32_t i = 0; i < root->via.map.size; i++) {
		const msgpack_object *k = &root->via.map.ptr[i].key;
		if (mp_str_eq(k, WIRE_ID))
			seen[0]++;
		else if (mp_str_eq(k, WIRE_OP))
			seen[1]++;
		else if (mp_str_eq(k, WIRE_ARGS))
			seen[2]++;
		else if (mp_str_eq(k, WIRE_PARTS)) {
			const msgpack_object *pv = &root->via.map.ptr[i].val;
			seen[3]++;
			if (pv->type != MSGPACK_OBJECT_BOOLEAN)
				req_preset(req, E_BAD_REQUEST,
				    "'parts' must be a boolean");
			else
				req->parts = pv->via.boolean;
		} else
			req_preset(req, E_BAD_REQUEST,
			    "unknown key in request envelope");
	}
	if (seen[0] > 1 || seen[1] > 1 || seen[2] > 1 || seen[3] > 1)
		req_preset(req, E_BAD_REQUEST,
		    "duplicate key in request envelope");
}

static void
on_delay(evutil_socket_t fd, short what, void *arg)
{
	req_reply(arg);
}

static void
envelope(struct request *req, bool ok)
{
	req->out.size = 0;
	msgpack_pack_map(&req->pk, 3);
	mp_pack_key(&req->pk, WIRE_ID);
	msgpack_pack_uint64(&req->pk, req->id);
	mp_kv_bool(&req->pk, WIRE_OK, ok);
	mp_pack_key(&req->pk, ok ? WIRE_RESULT : WIRE_ERROR);
}

msgpack_packer *
req_result(struct request *req)
{
	envelope(req, true);
	req->code = E_OK;
	req->result_open = true;
	return &req->pk;
}

bool
req_alive(const struct request *req)
{
	return req->conn->state != CONN_DEAD;
}

void
req_free(struct request *req)
{
	if (req->path_free != NULL)
		req->path_free(req);
	if (req->stream_free != NULL)
		req->stream_free(req->stream);
	if (req->watch_free != NULL)
		req->watch_free(req->watch);
	if (req->delay != NULL)
		event_free(req->delay);
	for (int i = 0; i < 3; i++)
		PQclear(req->kept[i]);
	free(take_raw(req));
	mp_reader_free(&req->args);
	mp_doc_free(&req->doc);
	msgpack_sbuffer_destroy(&req->out);
	free(req);
}

const PGresult *
req_keep_result(struct request *req, int slot, const PGresult *res)
{
	PQclear(req->kept[slot]);
	req->kept[slot] = PQcopyResult(res, PG_COPYRES_ATTRS |
	    PG_COPYRES_TUPLES);
	if (req->kept[slot] == NULL)
		fatalx("out of memory copying a result");
	return req->kept[slot];
}

void
req_reply(struct request *req)
{
	struct conn *c = req->conn;
	unsigned char hdr[FRAME_HEADER_SIZE];
	bool close_after;

	if (req->defer_ms > 0) {
		/* Answer later: slows password guessing without blocking
		 * anyone else. */
		struct timeval tv = { req->defer_ms / 1000,
		    (req->defer_ms % 1000) * 1000 };
		req->defer_ms = 0;
		req->delay = evtimer_new(c->srv->base, on_delay, req);
		evtimer_add(req->delay, &tv);
		return;
	}
	if (req->out.size > c->srv->cf->max_frame) {
		/* The result would not fit in a frame the client accepts. */
		req->result_open = false;
		req_fail(req, E_LIMIT, NULL, "result too large (%zu bytes)",
		    req->out.size);
		return;
	}
	if (c->state != CONN_DEAD) {
		struct evbuffer *out = bufferevent_get_output(c->bev);
		frame_put_header(hdr, (uint32_t)req->out.size);
		evbuffer_add(out, hdr, sizeof hdr);
		evbuffer_add(out, req->out.data, req->out.size);
		c->last_reply_ms = now_ms();
	}
	req_count(req);
	TAILQ_REMOVE(&c->queue, req, entry);
	c->nqueue--;
	if (c->active == req)
		c->active = NULL;
	close_after = req->close_after;
	req_free(req);
	c->req_done(c, close_after);
}

static void
vfail(struct request *req, enum wire_err code, const char *field,
    const char *rule, const char *fmt, va_list ap)
{
	char msg[512];
	int n = 2 + (field != NULL && *field) + (rule != NULL);

	vsnprintf(msg, sizeof msg, fmt, ap);
	envelope(req, false);
	req->code = code;
	msgpack_pack_map(&req->pk, n);
	mp_kv_str(&req->pk, WIRE_CODE, wire_err_name(code));
	mp_kv_str(&req->pk, WIRE_MESSAGE, msg);
	if (field != NULL && *field)
		mp_kv_str(&req->pk, WIRE_FIELD, field);
	if (rule != NULL)
		mp_kv_str(&req->pk, WIRE_RULE, rule);
	req->result_open = false;
	if (code == E_INTERNAL)
		log_req(LOG_LVL_WARN, req, "internal error: %s", msg);
	req_reply(req);
}

void
req_fail(struct request *req, enum wire_err code, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(req, code, field, NULL, fmt, ap);
	va_end(ap);
}

void
req_fail_rule(struct request *req, const char *rule, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(req, E_RULE, NULL, rule, fmt, ap);
	va_end(ap);
}

void
req_fail_rule_field(struct request *req, const char *field, const char *rule,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(req, E_RULE, field, rule, fmt, ap);
	va_end(ap);
}

void
req_fail_args(struct request *req)
{
	req_fail(req, req->args.err, req->args.field, "%s", req->args.msg);
}

bool
req_args_done(struct request *req)
{
	if (mp_reader_end(&req->args))
		return true;
	req_fail_args(req);
	return false;
}

void
req_reply_rows(struct request *req, const PGresult *res,
    void (*pack)(msgpack_packer *, const PGresult *, int))
{
	msgpack_packer *pk;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	pk = req_result(req);
	msgpack_pack_array(pk, PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++)
		pack(pk, res, i);
	req_reply(req);
}

msgpack_packer *
req_error(struct request *req, enum wire_err code, const char *msg,
    int nextra)
{
	envelope(req, false);
	req->code = code;
	msgpack_pack_map(&req->pk, 2 + nextra);
	mp_kv_str(&req->pk, WIRE_CODE, wire_err_name(code));
	mp_kv_str(&req->pk, WIRE_MESSAGE, msg);
	req->result_open = false;
	return &req->pk;
}

void
req_fail_budget(struct request *req, const char *budget, int64_t retry_after,
    const char *msg)
{
	envelope(req, false);
	req->code = E_LIMIT;
	metric_inc(&M_BUDGETS, METRIC_LV(budget));
	msgpack_pack_map(&req->pk, 4);
	mp_kv_str(&req->pk, WIRE_CODE, wire_err_name(E_LIMIT));
	mp_kv_str(&req->pk, WIRE_MESSAGE, msg);
	mp_kv_str(&req->pk, WIRE_BUDGET, budget);
	mp_kv_int(&req->pk, WIRE_RETRY_AFTER, retry_after);
	req->result_open = false;
	req_reply(req);
}

void
req_fail_db(struct request *req, const PGresult *res)
{
	const char *rule, *msg;
	enum wire_err e = db_error(res, &rule, &msg);
	int64_t secs;

	if (e == E_LIMIT && db_budget(res, &secs)) {
		req_fail_budget(req, rule, secs, msg);
		return;
	}
	if (e == E_RULE)
		req_fail_rule(req, rule, "%s", msg);
	else
		req_fail(req, e, NULL, "%s", msg);
}

bool
req_params_ready(struct request *req, const struct stmt_params *sp)
{
	char msg[200];

	if (sp_ready(sp, msg, sizeof msg))
		return true;
	log_req(LOG_LVL_WARN, req, "%s", msg);
	req_fail(req, E_INTERNAL, NULL, "internal error");
	return false;
}

bool
req_db_named(struct request *req, const struct stmt_params *sp, db_cb *cb)
{
	enum wire_err why;

	if (!req_params_ready(req, sp))
		return false;
	/* A read declared lag_ok may go to a replica (db.h, "Replicas");
	 * a write is noted for the session's user. */
	if (db_query_routed(req->conn->srv->db, req->conn->sess.valid ?
	    req->conn->sess.user_id : 0, (enum stmt)sp->st, sp->n, sp->v, cb,
	    req, &why))
		return true;
	if (why == E_LIMIT)
		req_fail(req, E_LIMIT, NULL, "server busy, try again");
	else
		req_fail(req, E_UNAVAILABLE, NULL,
		    "database unavailable, try again later");
	return false;
}


void
hash_or_fail(struct request *req, enum hash_refusal r)
{
	if (r == HASH_QUEUED)
		return;
	req_count_throttle(r == HASH_FULL ? "hash_queue" : "hash_per_addr");
	req_fail(req, E_LIMIT, NULL, "%s", hash_refusal_str(r));
}
