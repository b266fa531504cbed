/*
 * call.c: one connection per run.  It is opened lazily by the first call,
 * so that a command can ask for a password before connecting (a server
 * may drop a connection that sits idle while someone types), and is never
 * used unless peer_connect verified the server.
 *
 * Every request gets the next id, starting at 1.  The reply stays in
 * c->doc until the next call: results point into it, so copy what must
 * outlive that.
 */
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "client.h"
#include "frame.h"
#include "json.h"
#include "wire.h"
#include "xmalloc.h"

/* Retries of a connection cairnd closed before TLS. */
#define CONNECT_RETRIES	5

static const msgpack_object nil_object = { .type = MSGPACK_OBJECT_NIL };

int	open_quiet(struct client *);

/* Record a locally found error (not reported); returns its exit status. */
static MUST_CHECK int
local_error(struct client *c, const char *code, const char *fmt, va_list ap)
{
	c->err = NULL;
	snprintf(c->lcode, sizeof c->lcode, "%s", code);
	vsnprintf(c->lmsg, sizeof c->lmsg, fmt, ap);
	return cairn_exit_code(code, strlen(code));
}

int
local_errorf(struct client *c, const char *code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = local_error(c, code, fmt, ap);
	va_end(ap);
	return rc;
}

/* Report a local error, like a server's; returns its exit status. */
int
client_fail(struct client *c, const char *code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = local_error(c, code, fmt, ap);
	va_end(ap);
	client_report(c);
	return rc;
}

bool
client_failed_with(const struct client *c, const char *code)
{
	const msgpack_object *o;

	if (c->err != NULL)
		return (o = mp_map_get(c->err, WIRE_CODE)) != NULL &&
		    mp_str_eq(o, code);
	return strcmp(c->lcode, code) == 0;
}

void
client_report(struct client *c)
{
	const msgpack_object *code, *msg, *rule;

	/* Keep what was printed before the error ahead of it. */
	fflush(stdout);
	if (c->json) {
		/* The server's whole error map, so no key is ever lost. */
		fputs("{\"error\":", stderr);
		if (c->err != NULL)
			json_print(stderr, c->err);
		else {
			fputs("{\"code\":", stderr);
			json_print_str(stderr, c->lcode, strlen(c->lcode));
			fputs(",\"message\":", stderr);
			json_print_str(stderr, c->lmsg, strlen(c->lmsg));
			putc('}', stderr);
		}
		fputs("}\n", stderr);
		return;
	}
	fputs("cairn: ", stderr);
	if (c->err == NULL)
		out_text(stderr, c->lmsg, strlen(c->lmsg));
	else {
		code = map_get_type(c->err, WIRE_CODE, MSGPACK_OBJECT_STR);
		msg = map_get_type(c->err, WIRE_MESSAGE, MSGPACK_OBJECT_STR);
		rule = map_get_type(c->err, WIRE_RULE, MSGPACK_OBJECT_STR);
		if (msg == NULL)
			msg = code;
		out_text(stderr, msg->via.str.ptr, msg->via.str.size);
		if (rule != NULL && mp_str_eq(code, "E_RULE")) {
			fputs(" (rule ", stderr);
			out_text(stderr, rule->via.str.ptr, rule->via.str.size);
			putc(')', stderr);
		}
	}
	putc('\n', stderr);
}

/* Check the envelope of the reply to request id. */
int
client_check_reply(struct client *c, uint64_t id, const msgpack_object **result)
{
	const msgpack_object *root = c->doc.root, *ok, *rid, *err, *res;

	ok = map_get_type(root, WIRE_OK, MSGPACK_OBJECT_BOOLEAN);
	rid = map_get_type(root, WIRE_ID, MSGPACK_OBJECT_POSITIVE_INTEGER);
	if (ok == NULL || rid == NULL)
		return local_errorf(c, "E_PROTO", "bad reply from server");
	if (ok->via.boolean) {
		if (rid->via.u64 != id)
			return local_errorf(c, "E_PROTO", "reply to request %llu"
			    " while waiting for %llu",
			    (unsigned long long)rid->via.u64,
			    (unsigned long long)id);
		if ((res = mp_map_get(root, WIRE_RESULT)) == NULL)
			res = &nil_object;
		if (result != NULL)
			*result = res;
		return CX_OK;
	}
	/* Id 0: the server could not read ours (see docs/protocol.md). */
	err = map_get_type(root, WIRE_ERROR, MSGPACK_OBJECT_MAP);
	if (err == NULL || (rid->via.u64 != id && rid->via.u64 != 0) ||
	    map_get_type(err, WIRE_CODE, MSGPACK_OBJECT_STR) == NULL)
		return local_errorf(c, "E_PROTO", "bad error reply from server");
	c->err = err;
	res = mp_map_get(err, WIRE_CODE);
	return cairn_exit_code(res->via.str.ptr, res->via.str.size);
}

/*
 * A string longer than the server's max_string is refused before the
 * server has read any argument's name: say which one it was, and the
 * limit when the server announced it (then without sending anything).
 */
static MUST_CHECK int
check_strings(struct client *c, const struct reqargs *ra, bool refused)
{
	const char *key;
	size_t len;

	if (ra == NULL || (key = req_longest_str(ra, &len)) == NULL)
		return CX_OK;
	if (c->max_string != 0 && len > c->max_string)
		return local_errorf(c, "E_LIMIT", "argument '%s' is %zu bytes; "
		    "the server takes at most %llu in one string (max_string)",
		    key, len, (unsigned long long)c->max_string);
	if (refused)
		return local_errorf(c, "E_LIMIT", "argument '%s' (%zu bytes) "
		    "is longer than the server takes in one string "
		    "(max_string)", key, len);
	return CX_OK;
}

/* The server's "string too long", which names no argument. */
static bool
string_too_long(const struct client *c)
{
	const msgpack_object *code, *msg;

	if (c->err == NULL || mp_map_get(c->err, WIRE_FIELD) != NULL)
		return false;
	code = mp_map_get(c->err, WIRE_CODE);
	msg = mp_map_get(c->err, WIRE_MESSAGE);
	return code != NULL && msg != NULL && mp_str_eq(code, "E_LIMIT") &&
	    mp_str_eq(msg, "string too long");
}

/* Pack request id (op, ra, asking for parts if parts is set) into sb. */
static void
pack_request(msgpack_sbuffer *sb, uint64_t id, const char *op,
    const struct reqargs *ra, bool parts)
{
	msgpack_packer pk;
	bool args = ra != NULL && ra->n > 0;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2 + args + parts);
	mp_kv_uint(&pk, WIRE_ID, id);
	mp_kv_str(&pk, WIRE_OP, op);
	if (args) {
		mp_pack_key(&pk, WIRE_ARGS);
		req_pack(&pk, ra);
	}
	if (parts)
		mp_kv_bool(&pk, WIRE_PARTS, true);
}

/* Forget the last reply before reading the next one into c->doc. */
static void
reply_clear(struct client *c)
{
	client_parts_free(c);
	mp_doc_free(&c->doc);
	c->err = NULL;
}

/* Check the reply to request id, now in c->doc; name the argument the
 * server could not when it is one of ra's. */
static MUST_CHECK int
check_reply(struct client *c, uint64_t id, const struct reqargs *ra,
    const msgpack_object **result)
{
	int rc, named;

	rc = client_check_reply(c, id, result);
	/* E_LIMIT either way, so the exit status stays what the server's
	 * error gives. */
	if (rc != CX_OK && string_too_long(c) &&
	    (named = check_strings(c, ra, true)) != CX_OK)
		rc = named;
	return rc;
}

/* Read the reply to request id (sent already) and check it. */
static MUST_CHECK int
read_reply(struct client *c, uint64_t id, const struct reqargs *ra,
    const msgpack_object **result)
{
	reply_clear(c);
	if (!peer_read_doc(&c->peer, &c->doc))
		return local_errorf(c, c->peer.fail == PEER_EPROTO ?
		    "E_PROTO" : CE_CONNECT, "%s", c->peer.err);
	return check_reply(c, id, ra, result);
}

/*
 * Send op as request id, asking for parts if parts is set, and read the
 * (first) reply into c->doc.  A part frame is left there for the caller
 * (client_call_parts) to handle and read on; anything else is checked.
 */
static MUST_CHECK int
send_request(struct client *c, uint64_t id, const char *op,
    const struct reqargs *ra, bool parts, const msgpack_object **result)
{
	struct timespec t0, t1;
	msgpack_sbuffer sb;
	size_t size;
	bool ok;
	int rc;

	reply_clear(c);
	if ((rc = check_strings(c, ra, false)) != CX_OK)
		return rc;
	pack_request(&sb, id, op, ra, parts);
	size = sb.size;
	if (c->max_frame != 0 && size > c->max_frame)
		ok = false;
	else {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ok = peer_roundtrip(&c->peer, &sb, &c->doc);
		clock_gettime(CLOCK_MONOTONIC, &t1);
	}
	/* The request may hold a password. */
	OPENSSL_cleanse(sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	if (c->max_frame != 0 && size > c->max_frame)
		return local_errorf(c, "E_LIMIT", "request too large (%zu "
		    "bytes; the server takes %llu)", size,
		    (unsigned long long)c->max_frame);
	if (!ok)
		return local_errorf(c, c->peer.fail == PEER_EPROTO ?
		    "E_PROTO" : CE_CONNECT, "%s", c->peer.err);
	c->rtt_ms = ((t1.tv_sec - t0.tv_sec) * 1000000000LL +
	    (t1.tv_nsec - t0.tv_nsec) + 500) / 1000 / 1000.0;
	if (parts && client_is_part(c, id))
		return CX_OK;
	return check_reply(c, id, ra, result);
}

static MUST_CHECK int
roundtrip(struct client *c, const char *op, const struct reqargs *ra,
    const msgpack_object **result)
{
	return send_request(c, ++c->next_id, op, ra, false, result);
}

/* The first reply of a request that asked for parts (see parts.c). */
int
client_send_parts(struct client *c, const char *op, const struct reqargs *ra,
    uint64_t *id, const msgpack_object **result)
{
	int rc;

	if ((rc = open_quiet(c)) != CX_OK)
		return rc;
	*id = ++c->next_id;
	return send_request(c, *id, op, ra, true, result);
}

/*
 * Connect; a connection that cairnd closes before TLS (over its limits on
 * connections not yet logged in, which drop at random from half of them,
 * as OpenSSH's MaxStartups) is tried again after a growing, jittered
 * pause: 0.1 s to 1.6 s, about 3 s in all.  Nothing was sent, so a retry
 * is always safe.
 */
static MUST_CHECK bool
connect_retrying(struct client *c)
{
	unsigned int r;
	int i, ms;

	for (i = 0; ; i++) {
		if (peer_connect(&c->peer, c->server, c->ca, CAIRN_TIMEOUT_MS))
			return true;
		if (c->peer.fail != PEER_ECLOSED || i == CONNECT_RETRIES)
			return false;
		peer_close(&c->peer);
		if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
			r = 0;
		ms = (100 << i) / 2 + (int)(r % (100U << i)) / 2;
		usleep((useconds_t)ms * 1000);
	}
}

/* Whether the saved session may be resumed on c->server; if not, *rc is
 * the error (reported after hello's, as ever). */
static bool
may_resume(struct client *c, int *rc)
{
	if (c->cfg.token == NULL) {
		*rc = local_errorf(c, "E_AUTH",
		    "not logged in: run cairn login LOGIN");
		return false;
	}
	/* A token is a credential for the server that issued it: never
	 * hand it to another one named by --server or CAIRN_SERVER. */
	if (c->cfg.server != NULL && strcmp(c->cfg.server, c->server) != 0) {
		*rc = local_errorf(c, "E_AUTH", "not logged in to %s (the "
		    "saved session is for %s): run cairn login LOGIN",
		    c->server, c->cfg.server);
		return false;
	}
	return true;
}

/*
 * Send n packed requests as frames in one write, so one TLS record: a
 * server that answers the first and closes (hello refused) has read them
 * all, and a later write cannot meet its reset and lose that answer.
 * Wipes them (the resume holds a token).
 */
static MUST_CHECK bool
send_packed(struct client *c, msgpack_sbuffer *sb, size_t n)
{
	unsigned char *buf, *p;
	size_t len = 0, i;
	bool ok;

	for (i = 0; i < n; i++)
		len += FRAME_HEADER_SIZE + sb[i].size;
	p = buf = xmalloc(len);
	for (i = 0; i < n; i++) {
		frame_put_header(p, (uint32_t)sb[i].size);
		memcpy(p + FRAME_HEADER_SIZE, sb[i].data, sb[i].size);
		p += FRAME_HEADER_SIZE + sb[i].size;
		OPENSSL_cleanse(sb[i].data, sb[i].size);
		msgpack_sbuffer_destroy(&sb[i]);
	}
	ok = peer_write(&c->peer, buf, len);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return ok;
}

/*
 * Connect, hello and, if the command needs it, resume; not reported.
 *
 * hello and session.resume go out together (the server executes and
 * answers pipelined requests in order, docs/protocol.md): one round trip
 * less for every command that needs a session, and nothing else changes.
 * hello's reply is read and checked first, and if hello failed the server
 * never ran the resume behind it (it needs a successful hello).  The
 * resume is checked against the max_frame and max_string that hello
 * announces, as before, ahead of its reply.
 */
int
open_quiet(struct client *c)
{
	const msgpack_object *res, *mf, *ms;
	struct reqargs hello = { 0 }, resume = { 0 };
	msgpack_sbuffer sb[2];
	uint64_t hello_id, resume_id = 0;
	size_t resume_size = 0, n = 1;
	int rc, why = CX_OK;

	if (c->open)
		return CX_OK;
	if (!connect_retrying(c)) {
		rc = local_errorf(c, c->peer.fail == PEER_ECONNECT ?
		    CE_CONNECT : CE_TLS, "%s", c->peer.err);
		peer_close(&c->peer);
		return rc;
	}
	c->open = true;
	req_int(&hello, "proto", CAIRN_PROTO_VERSION);
	req_str(&hello, "client", "cairn/" CAIRN_VERSION);
	hello_id = ++c->next_id;
	pack_request(&sb[0], hello_id, "hello", &hello, false);
	if ((c->cmd->flags & CMD_RESUME) && c->api_token != NULL) {
		/* An API token instead of the saved session (cron, CI). */
		req_str(&resume, "token", c->api_token);
		resume_id = ++c->next_id;
		pack_request(&sb[n++], resume_id, "session.token", &resume,
		    false);
		resume_size = sb[1].size;
	} else if ((c->cmd->flags & CMD_RESUME) && may_resume(c, &why)) {
		req_str(&resume, "token", c->cfg.token);
		resume_id = ++c->next_id;
		pack_request(&sb[n++], resume_id, "session.resume", &resume,
		    false);
		resume_size = sb[1].size;
	}
	if (!send_packed(c, sb, n))
		return local_errorf(c, CE_CONNECT, "%s", c->peer.err);
	if ((rc = read_reply(c, hello_id, &hello, &res)) != CX_OK)
		return rc;
	mf = map_get_type(res, "max_frame", MSGPACK_OBJECT_POSITIVE_INTEGER);
	if (mf != NULL) {
		c->max_frame = mf->via.u64;
		/* Replies may be as large as the server's own limit. */
		c->peer.max_frame = mf->via.u64;
	}
	ms = map_get_type(res, "max_string", MSGPACK_OBJECT_POSITIVE_INTEGER);
	if (ms != NULL)
		c->max_string = ms->via.u64;
	if ((c->cmd->flags & CMD_RESUME) == 0)
		return CX_OK;
	if (resume_id == 0)
		return why;
	/* What send_request would have said instead of sending it (the
	 * server answers hello before any frame too large behind it). */
	if ((rc = check_strings(c, &resume, false)) != CX_OK)
		return rc;
	if (c->max_frame != 0 && resume_size > c->max_frame)
		return local_errorf(c, "E_LIMIT", "request too large (%zu "
		    "bytes; the server takes %llu)", resume_size,
		    (unsigned long long)c->max_frame);
	return read_reply(c, resume_id, &resume, NULL);
}

int
client_open(struct client *c)
{
	int rc;

	if ((rc = open_quiet(c)) != CX_OK)
		client_report(c);
	return rc;
}

/*
 * Call op; on failure the error is kept for the caller, not reported.  A
 * keyed write or a read whose connection dropped is sent again on a new
 * connection (retry.c says which, and when).
 */
int
client_try(struct client *c, const char *op, const struct reqargs *ra,
    const msgpack_object **result)
{
	bool dropped;
	int rc, i;

	for (i = 0; ; i++) {
		rc = open_quiet(c);
		/* open_quiet leaves c->open set once connected: a failure
		 * after that is a dropped connection, not a refused one. */
		dropped = c->open;
		if (rc == CX_OK)
			rc = roundtrip(c, op, ra, result);
		if (rc == CX_OK || !client_may_retry(c, op, ra, i, dropped))
			return rc;
	}
}

/* Call op; on failure report the error and return the exit status. */
int
client_call(struct client *c, const char *op, const struct reqargs *ra,
    const msgpack_object **result)
{
	int rc;

	if ((rc = client_try(c, op, ra, result)) != CX_OK)
		client_report(c);
	return rc;
}

/*
 * Call op carrying an idempotency key (the caller put it in ra): on a lost
 * connection or E_UNAVAILABLE, reconnect (hello, resume the saved session)
 * and send the same request again (client_try, retry.c).  The server
 * answers a retry of a write that did commit with its first result, so
 * the retry cannot duplicate it.  The error, if any, is kept for the
 * caller (not reported).
 */
int
client_try_idem(struct client *c, const char *op, const struct reqargs *ra,
    const msgpack_object **result)
{
	return client_try(c, op, ra, result);
}

static MUST_CHECK int
call_idempotent(struct client *c, const char *op, const struct reqargs *ra,
    const msgpack_object **result)
{
	int rc;

	if ((rc = client_try_idem(c, op, ra, result)) != CX_OK)
		client_report(c);
	return rc;
}

/* A fresh random idempotency key in buf (33 bytes at least). */
int
client_new_idem_key(struct client *c, char *buf, size_t len)
{
	unsigned char rnd[16];

	if (len < 2 * sizeof rnd + 1 || RAND_bytes(rnd, sizeof rnd) != 1)
		return client_fail(c, CE_CLIENT, "no random bytes for "
		    "an idempotency key");
	for (size_t i = 0; i < sizeof rnd; i++)
		snprintf(buf + 2 * i, 3, "%02x", rnd[i]);
	return CX_OK;
}

/*
 * The usual command: the table's op, with the positional arguments under
 * the table's keys, the options that have a key, and whatever the caller
 * put in extra (NULL for nothing).  A CMD_IDEM command gets a fresh
 * idempotency key unless --idempotency-key chose one.
 */
int
cmd_request(struct client *c, const struct cmd_args *a,
    struct reqargs *extra, const msgpack_object **result)
{
	struct reqargs ra = { 0 }, *r = extra != NULL ? extra : &ra;

	req_positionals(r, a, c->cmd->keys);
	req_options(r, a);
	if ((c->cmd->flags & CMD_IDEM) == 0)
		return client_call(c, c->cmd->op, r, result);
	if (args_get(a, "idempotency-key") == NULL) {
		int rc = client_new_idem_key(c, c->idem_key,
		    sizeof c->idem_key);

		if (rc != CX_OK)
			return rc;
		req_str(r, "idempotency_key", c->idem_key);
	}
	return call_idempotent(c, c->cmd->op, r, result);
}

/*
 * cmd_request, and with --json print the result: *result is left set
 * only when it is the caller's to print for people.
 */
int
cmd_fetch(struct client *c, const struct cmd_args *a, struct reqargs *extra,
    const msgpack_object **result)
{
	int rc;

	*result = NULL;
	if ((rc = cmd_request(c, a, extra, result)) != CX_OK || !c->json)
		return rc;
	out_json(*result);
	*result = NULL;
	return CX_OK;
}

/*
 * The creating commands (team, period, obj, kr add): the new object with
 * --json, else what names it from now on.
 */
int
cmd_created(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res;
	const char *name = "id";
	int rc;

	if (strcmp(c->cmd->name, "team") == 0)
		name = "slug";
	else if (strcmp(c->cmd->name, "period") == 0)
		name = "name";
	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	out_field(stdout, res, name);
	putchar('\n');
	return CX_OK;
}

/* A command whose result is an array shown as a table of cols. */
int
cmd_fetch_table(struct client *c, struct cmd_args *a,
    const struct column *cols)
{
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	out_table(cols, res);
	return CX_OK;
}

/* team rm, kr rm: "WHAT: removed". */
int
cmd_removed(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	out_text(stdout, a->argv[0], strlen(a->argv[0]));
	puts(": removed");
	return CX_OK;
}

void
client_close(struct client *c)
{
	client_parts_free(c);
	mp_doc_free(&c->doc);
	c->err = NULL;
	if (c->open)
		peer_close(&c->peer);
	c->open = false;
	config_free(&c->cfg);
}
