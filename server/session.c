/*
 * session.c: the session entity and the connection's opening, in one
 * place (the layout of kr.c): hello, ping, session.login, resume, logout
 * and whoami, with their statements by name.
 *
 * A token is 32 bytes from the OpenSSL CSPRNG, sent to the client once as
 * 64 hex characters; the database keeps only its SHA-256.  Neither is ever
 * logged.
 *
 * session.login and session.logout take change.c's path.  A login has no
 * caller yet: its context is the user by login (one row whether the user
 * exists or not), its check verifies the password off the loop (hashpool.c)
 * after the throttle (throttle.c) let it through, and the write, resumed
 * after the hash (change_resume), stores the new session.  Logout has
 * nothing to check (no_ctx).  The session re-check of every op is
 * dispatch.c's, with session_check below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "attr.h"
#include "change.h"
#include "hashpool.h"
#include "log.h"
#include "op.h"
#include "roles.h"
#include "server.h"
#include "cache.h"
#include "session.h"
#include "throttle.h"
#include "user.h"

#define TOKEN_BYTES	32

/* session_create, session_check: sid and expires, the token's hash (as
 * asked), then the user. */
static const struct field session_f[] = {
	{ "sid", F_HIDDEN }, { "expires", F_HIDDEN }, { "token", F_HIDDEN },
	{ "id", F_INT }, { "login", F_STR }, { "name", F_STR },
	{ "role", F_STR }, { "enabled", F_BOOL }, { "created", F_STR }
};
static const struct fieldset FS_SESSION = FIELDSET("session", session_f);

/* A login's context: read, never packed. */
static const struct field auth_f[] = {
	{ "found", F_HIDDEN }, { "id", F_HIDDEN }, { "password_hash", F_HIDDEN },
	{ "enabled", F_HIDDEN }
};
static const struct fieldset FS_AUTH = FIELDSET("login check", auth_f);

static const struct field sid_f[] = { { "sid", F_HIDDEN } };
static const struct fieldset FS_SID = FIELDSET("session id", sid_f);

/* The session, with its expiry and the token's hash, and its user. */
#define SESSION_COLS							\
	" s.sid, extract(epoch FROM s.expires_at)::bigint AS expires,"	\
	" $token_hash::text AS token, " USER_COLS("u.")			\
	" FROM s JOIN users u ON u.id = s.user_id"

/* The statements, with their parameters by name (stmt.h). */
const stmt_table session_stmts = {
	[ST_AUTH_BY_LOGIN] = { .name = "auth_by_login", .kind = STMT_READ,
	    .params = "login",
	    .sql = "SELECT u.id IS NOT NULL AS found, u.id, u.password_hash,"
	    " u.enabled FROM (VALUES (1)) v LEFT JOIN users u"
	    " ON u.login = $login",
	    .returns = &FS_AUTH },

	/* token_hash: hex; life: in seconds. */
	[ST_SESSION_CREATE] = { .name = "session_create", .kind = STMT_WRITE,
	    .params = "user token_hash life",
	    .sql = "WITH s AS (INSERT INTO sessions (user_id, token_hash,"
	    " expires_at) VALUES ($user, decode($token_hash, 'hex'),"
	    " now() + make_interval(secs => $life))"
	    " RETURNING id AS sid, user_id, expires_at)"
	    " SELECT" SESSION_COLS,
	    .returns = &FS_SESSION },

	/* idle: the idle limit in seconds.  Touches last_seen at most once
	 * a minute to keep the write rate low. */
	[ST_SESSION_CHECK] = { .name = "session_check", .kind = STMT_WRITE,
	    .params = "token_hash idle",
	    .sql = "WITH s AS (SELECT s.id AS sid, s.user_id, s.expires_at,"
	    " s.last_seen FROM sessions s JOIN users u ON u.id = s.user_id"
	    " WHERE s.token_hash = decode($token_hash, 'hex')"
	    " AND s.revoked_at IS NULL AND s.expires_at > now() AND u.enabled"
	    " AND s.last_seen > now() - make_interval(secs => $idle)),"
	    " t AS (UPDATE sessions SET last_seen = now() FROM s"
	    " WHERE sessions.id = s.sid AND s.last_seen < now() - interval '60s')"
	    " SELECT" SESSION_COLS,
	    .returns = &FS_SESSION },

	/* key: the session; one row even if it was revoked meanwhile. */
	[ST_SESSION_REVOKE] = { .name = "session_revoke", .kind = STMT_WRITE,
	    .params = "key",
	    .sql = "WITH r AS (UPDATE sessions SET revoked_at = now()"
	    " WHERE id = $key AND revoked_at IS NULL)"
	    " SELECT $key::bigint AS sid",
	    .returns = &FS_SID },
};

/* The ops' arguments. */

static const struct op_arg no_args[] = {
	A_END
};
static const struct op_arg hello_args[] = {
	A_INT("proto", true, 0, INT64_MAX), A_STR("client", true, 1, 200),
	A_END
};
static const struct op_arg login_args[] = {
	A_STR("login", true, 1, 200), A_STR("password", true, 1, 1024), A_END
};
static const struct op_arg resume_args[] = {
	A_STR("token", true, 1, 256), A_END
};

/* hello, ping: the two ops that need no session. */

static void
op_hello(struct request *req)
{
	struct conn *c = req->conn;
	int64_t proto;
	const char *client;
	msgpack_packer *pk;

	(void)op_int(req, "proto", &proto);
	(void)op_str(req, "client", &client);
	if (!mp_reader_end(&req->args)) {
		req->close_after = !c->hello_done;
		req_fail_args(req);
		return;
	}
	if (proto != CAIRN_PROTO_VERSION) {
		req->close_after = true;
		req_fail(req, E_PROTO, "proto", "protocol version %lld is not "
		    "supported (this server speaks %d)", (long long)proto,
		    CAIRN_PROTO_VERSION);
		return;
	}
	c->hello_done = true;
	pk = req_result(req);
	msgpack_pack_map(pk, 6);
	mp_kv_int(pk, "proto", CAIRN_PROTO_VERSION);
	mp_kv_str(pk, "server", "cairnd");
	mp_kv_str(pk, "version", CAIRN_VERSION);
	mp_kv_uint(pk, "max_frame", c->srv->cf->max_frame);
	/* The limit until this connection has logged in. */
	mp_kv_uint(pk, "startup_max_frame", c->srv->cf->startup_max_frame);
	/* So that a client can name the argument that is too long. */
	mp_kv_uint(pk, "max_string", c->srv->cf->max_string);
	req_reply(req);
}

static void
op_ping(struct request *req)
{
	struct timespec ts;
	msgpack_packer *pk;

	if (!req_args_done(req))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	pk = req_result(req);
	msgpack_pack_map(pk, 1);
	mp_kv_int(pk, "time", (int64_t)ts.tv_sec * 1000 +
	    ts.tv_nsec / 1000000);
	req_reply(req);
}

/* Tokens. */

static void
hex(const unsigned char *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* SHA-256 of the token's 32 bytes, as hex; false if it is malformed. */
static bool MUST_CHECK
token_hash(const char *token, char out[2 * TOKEN_BYTES + 1])
{
	unsigned char raw[TOKEN_BYTES], md[32];
	unsigned int mdlen;

	if (strlen(token) != 2 * TOKEN_BYTES)
		return false;
	for (int i = 0; i < TOKEN_BYTES; i++) {
		unsigned v;
		if (sscanf(token + 2 * i, "%2x", &v) != 1 ||
		    strchr("0123456789abcdef", token[2 * i]) == NULL ||
		    strchr("0123456789abcdef", token[2 * i + 1]) == NULL)
			return false;
		raw[i] = v;
	}
	EVP_Digest(raw, sizeof raw, md, &mdlen, EVP_sha256(), NULL);
	hex(md, 32, out);
	OPENSSL_cleanse(raw, sizeof raw);
	return true;
}

/* Fill the connection's session from a row of FS_SESSION. */
static void
session_set(struct conn *c, const PGresult *res)
{
	struct session *s = &c->sess;
	uint64_t gen = s->check_gen;

	memset(s, 0, sizeof *s);
	s->check_gen = gen;
	s->valid = true;
	s->id = row_int(res, 0, "sid");
	s->expires = row_int(res, 0, "expires");
	s->user_id = row_int(res, 0, "id");
	snprintf(s->login, sizeof s->login, "%s", row_text(res, 0, "login"));
	s->role = role_parse(row_text(res, 0, "role"));
	snprintf(s->token_hex, sizeof s->token_hex, "%s",
	    row_text(res, 0, "token"));
	s->checked_ms = now_ms();
	cache_session_checked(s);
}

/* The session of a row of FS_SESSION, on the connection and packed as the
 * reply of a login (with its token) or a resume (token NULL): its expiry
 * and its user.  False: answered (E_INTERNAL). */
static bool MUST_CHECK
session_reply(struct request *req, const PGresult *res, const char *token)
{
	struct rowpack rp;
	msgpack_packer *pk;

	if (!user_rowpack(req, &rp, res))
		return false;
	session_set(req->conn, res);
	pk = req_result(req);
	msgpack_pack_map(pk, token != NULL ? 3 : 2);
	if (token != NULL)
		mp_kv_str(pk, "token", token);
	mp_kv_int(pk, "expires", req->conn->sess.expires);
	mp_pack_key(pk, "user");
	rowpack_row(pk, &rp, 0, 0);
	if (token != NULL)
		log_conn(LOG_LVL_INFO, req->conn, "'%s' logged in",
		    req->conn->sess.login);
	return true;
}

bool
session_check(struct request *req, const char *token_hash, db_cb *cb)
{
	struct stmt_params sp;
	char idle[16];

	/* An invalidation heard while this runs leaves the session to be
	 * checked again (cache_session_checked). */
	req->conn->sess.check_gen = cache_gen();
	snprintf(idle, sizeof idle, "%d", req->conn->srv->cf->session_idle);
	stmt_params_init(&sp, ST_SESSION_CHECK);
	sp_set(&sp, "token_hash", token_hash);
	sp_set(&sp, "idle", idle);
	return req_db_named(req, &sp, cb);
}

/* session.login */

/* A login's arguments and progress (c->arg, zeroed before it is freed:
 * change.c).  The strings point into the request's arguments. */
struct login_arg {
	const char	*login, *password;
	int64_t		 user_id;	/* 0: no enabled user of that login */
	int		 failures;	/* this address's, before this try */
	char		 token[2 * TOKEN_BYTES + 1];
	char		 token_hash[2 * TOKEN_BYTES + 1];
	/* The write's parameters as text: sp_set keeps pointers, which must
	 * outlive the args hook (the statement is sent after it returns). */
	char		 uid[24], life[16];
};

#define LARG(c)	((struct login_arg *)(c)->arg)

static void
on_failure_counted(struct request *req, int delay_ms)
{
	req->defer_ms = delay_ms;
	/* Same words for unknown login, wrong password, disabled user. */
	req_fail(req, E_AUTH, NULL, "invalid login or password");
}

static void
on_verified(void *arg, bool match, const char *encoded)
{
	struct request *req = arg;
	struct login_arg *l = LARG(req->change);
	unsigned char raw[TOKEN_BYTES];

	if (!match || l->user_id == 0) {
		log_conn(LOG_LVL_INFO, req->conn, "failed login for '%s'",
		    l->login);
		throttle_fail(req, l->login, on_failure_counted);
		return;
	}
	if (RAND_bytes(raw, sizeof raw) != 1) {
		req_fail(req, E_INTERNAL, NULL, "no randomness");
		return;
	}
	hex(raw, sizeof raw, l->token);
	OPENSSL_cleanse(raw, sizeof raw);
	if (!token_hash(l->token, l->token_hash)) {
		/* hex() just wrote it: a malformed token is our bug. */
		req_fail(req, E_INTERNAL, NULL, "a new token is malformed");
		return;
	}
	change_resume(req->change);
}

static void
login_ctx_args(struct change *c, struct stmt_params *sp)
{
	sp_set(sp, "login", LARG(c)->login);
}

/* Unknown and disabled users still cost a hash, so that timing does not
 * tell them apart from a wrong password. */
static bool
login_verify(struct change *c, const PGresult *ctx)
{
	struct request *req = c->req;
	const char *encoded = req->conn->srv->dummy_hash;

	if (row_bool(ctx, 0, "found")) {
		encoded = row_text(ctx, 0, "password_hash");
		if (row_bool(ctx, 0, "enabled"))
			LARG(c)->user_id = row_int(ctx, 0, "id");
	}
	hash_or_fail(req, hashpool_verify(req->conn->srv->hp,
	    &req->conn->akey, LARG(c)->password, encoded, on_verified, req));
	return false;
}

static void
login_args_set(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	struct login_arg *l = LARG(c);

	snprintf(l->uid, sizeof l->uid, "%lld", (long long)l->user_id);
	snprintf(l->life, sizeof l->life, "%d",
	    c->req->conn->srv->cf->session_max);
	sp_set(sp, "user", l->uid);
	sp_set(sp, "token_hash", l->token_hash);
	sp_set(sp, "life", l->life);
}

static bool
login_done(struct change *c, const PGresult *res)
{
	struct request *req = c->req;
	struct login_arg *l = c->arg;

	if (!session_reply(req, res, l->token))
		return true;
	/* The reply waits for the count to go: a client that logs in again
	 * at once must not find itself still counted. */
	if (l->failures > 0)
		throttle_ok(req, l->login, req_reply);
	else
		req_reply(req);
	return true;
}

static void
login_lost(struct change *c)
{
	req_fail(c->req, E_INTERNAL, NULL, "internal error");
}

/* No caller yet: the context has no team facts, so the path's read
 * check and ACT_READ pass; the password is the check. */
static const struct change_op session_login = {
	.what = "user", .id_field = "login",
	.ctx = ST_AUTH_BY_LOGIN, .ctx_args = login_ctx_args, .act = ACT_READ,
	.check = login_verify,
	.write = ST_SESSION_CREATE, .args = login_args_set,
	.reply = &FS_SESSION, .empty = login_lost, .done = login_done,
};

static void
on_throttle_checked(struct request *req, int failures)
{
	struct change *c = req->change;

	LARG(c)->failures = failures;
	change_run(c, LARG(c)->login);
}

static void
op_session_login(struct request *req)
{
	const char *login, *password;
	struct change *c;
	enum hash_refusal r;

	(void)op_str(req, "login", &login);
	(void)op_str(req, "password", &password);
	if (!req_args_done(req))
		return;
	req->conn->sess.check_gen = cache_gen();
	/* This address's hashes are all waiting: refused before any work,
	 * so that its excess costs nobody else a database query. */
	if ((r = hashpool_room(req->conn->srv->hp, &req->conn->akey)) !=
	    HASH_QUEUED) {
		hash_or_fail(req, r);
		return;
	}
	c = change_new(req, &session_login, sizeof(struct login_arg));
	LARG(c)->login = login;
	LARG(c)->password = password;
	/* Locked from this address: refused before any hashing. */
	throttle_check(req, login, NULL, "failed logins", on_throttle_checked);
}

/* session.resume */

static void
on_resumed(void *arg, const PGresult *res)
{
	struct request *req = arg;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_AUTH, NULL, "session expired or revoked: log "
		    "in again");
		return;
	}
	if (session_reply(req, res, NULL))
		req_reply(req);
}

static void
op_session_resume(struct request *req)
{
	const char *token;
	char hash[2 * TOKEN_BYTES + 1];

	(void)op_str(req, "token", &token);
	if (!req_args_done(req))
		return;
	if (!token_hash(token, hash)) {
		req_fail(req, E_AUTH, "token", "malformed session token");
		return;
	}
	/* A resume replaces whatever session the connection had. */
	req->conn->sess.valid = false;
	(void)session_check(req, hash, on_resumed);
}

/* session.logout */

static bool
logout_done(struct change *c, const PGresult *res)
{
	struct conn *conn = c->req->conn;

	/* Other connections sharing the token notice at their next op. */
	(void)conns_session_stale(conn->srv, 0, conn->sess.id, 0);
	log_conn(LOG_LVL_INFO, conn, "'%s' logged out", conn->sess.login);
	memset(&conn->sess, 0, sizeof conn->sess);
	return false;
}

/* One's own session: nothing to check. */
static const struct change_op session_logout = {
	.what = "session", .id_field = "session", .no_ctx = true,
	.write = ST_SESSION_REVOKE, .empty = login_lost, .done = logout_done,
};

static void
op_session_logout(struct request *req)
{
	if (req_args_done(req))
		change_start(req, &session_logout, NULL, 0,
		    req->conn->sess.id, -1);
}

/* session.whoami */

static void
user_gone(struct request *req, const PGresult *res)
{
	req_fail(req, E_AUTH, NULL, "session user is gone");
}

static void
on_whoami(void *arg, const PGresult *res)
{
	user_reply(arg, res, user_gone);
}

static void
op_session_whoami(struct request *req)
{
	if (req_args_done(req))
		(void)user_get(req, req->conn->sess.login, on_whoami);
}

const struct op session_ops[] = {
	{ .name = "hello", .fn = op_hello, .flags = OP_NO_HELLO,
	    .args = hello_args },
	{ .name = "ping", .fn = op_ping, .flags = 0, .args = no_args },
	{ .name = "session.login", .fn = op_session_login,
	    .flags = OP_WRITE, .args = login_args },
	{ .name = "session.resume", .fn = op_session_resume, .flags = 0,
	    .args = resume_args },
	{ .name = "session.logout", .fn = op_session_logout,
	    .flags = OP_SESSION | OP_WRITE, .args = no_args },
	{ .name = "session.whoami", .fn = op_session_whoami,
	    .flags = OP_SESSION, .args = no_args },
	{ .name = NULL }
};
