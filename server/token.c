/*
 * token.c: API tokens for scripts (issue 15), in one place (the layout of
 * kr.c): session.token, which opens a connection as a token's owner, and
 * token.add, token.list, token.remove, with their statements by name.
 * What a token's scopes allow, its name and its text are scope.c's.
 *
 * A token is "cairn_" and 32 bytes from the OpenSSL CSPRNG as hex, shown
 * once by token.add; the database keeps only the SHA-256 of the bytes, as
 * for sessions.  Neither is ever logged.
 *
 * A connection opened with a token acts as its owner (every permission
 * check stays the owner's; the write budgets are the owner's) and only
 * within its scopes, checked by dispatch.c before each op.  It is checked
 * against the database again before EVERY op (token_check), so that
 * token.remove, an expiry or the owner's user.disable take effect at once
 * on every cairnd: one indexed query more per op for a token's
 * connection, which scripts use for a few ops.
 *
 * Failed session.token attempts (malformed, unknown, expired, revoked, of
 * a disabled owner: one answer for all) are counted by the login throttle
 * (throttle.c) under the name "(token)" and the source address, so that
 * one address cannot guess tokens fast and is locked out as a login is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "attr.h"
#include "change.h"
#include "log.h"
#include "op.h"
#include "scope.h"
#include "server.h"
#include "sql-cols.h"
#include "throttle.h"
#include "token.h"
#include "user.h"

/* The throttle's name for failed token attempts (no login has parens). */
#define THROTTLE_NAME	"(token)"
/* token.add's expires: one hour to two years, 90 days unless given. */
#define EXPIRES_MIN	3600
#define EXPIRES_MAX	(2 * 366 * 86400)
#define EXPIRES_DEFAULT	(90 * 86400)

/* A token's connection: the token, then its owner (FS_USER's columns). */
static const struct field auth_f[] = {
	{ "tid", F_HIDDEN }, { "tname", F_HIDDEN }, { "tscopes", F_HIDDEN },
	{ "tkpis", F_HIDDEN }, { "texpires", F_HIDDEN },
	{ "id", F_INT }, { "login", F_STR }, { "name", F_STR },
	{ "role", F_STR }, { "enabled", F_BOOL }, { "created", F_STR }
};
static const struct fieldset FS_TOKEN_AUTH = FIELDSET("token", auth_f);

/* A token as token.add and token.list show it (never its text). */
static const struct field token_f[] = {
	{ "name", F_STR }, { "scopes", F_JSON }, { "kpis", F_JSON },
	{ "created", F_STR }, { "expires", F_STR }, { "last_used", F_STR },
	{ "expired", F_BOOL },
};
static const struct fieldset FS_TOKEN = FIELDSET("token", token_f);

static const struct field removed_f[] = { { "name", F_STR } };
static const struct fieldset FS_TOKEN_REMOVED = FIELDSET("token",
    removed_f);

#define TOKEN_TIME(col)							\
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define TOKEN_COLS(t)							\
	" " t "name AS name, to_jsonb(" t "scopes)::text AS scopes,"	\
	" to_jsonb(" t "kpis)::text AS kpis,"				\
	" " TOKEN_TIME(t "created_at") " AS created,"			\
	" " TOKEN_TIME(t "expires_at") " AS expires,"			\
	" " TOKEN_TIME(t "last_used") " AS last_used,"			\
	" coalesce(" t "expires_at <= now(), false) AS expired"
/* The user whose tokens an op is about: the caller, or an admin's user. */
#define TOKEN_OWNER							\
	" CASE WHEN $user::text IS NULL THEN $caller::bigint"		\
	" ELSE (SELECT id FROM users WHERE login = $user::text) END"
/* What the audit log keeps of a token: never its hash. */
#define TOKEN_AUDIT(t)							\
	"jsonb_build_object('name', " t ".name, 'user_id', " t ".user_id,"	\
	" 'scopes', " t ".scopes, 'kpis', " t ".kpis, 'expires', "	\
	t ".expires_at)"

const stmt_table token_stmts = {
	/* token_hash: hex.  A live token of an enabled owner; touches
	 * last_used at most once a minute to keep the write rate low. */
	[ST_TOKEN_AUTH] = { .name = "token_auth", .kind = STMT_WRITE,
	    .params = "token_hash",
	    .sql = "WITH t AS (SELECT t.id, t.user_id, t.name, t.scopes,"
	    " t.kpis, t.expires_at, t.last_used FROM api_tokens t"
	    " JOIN users u ON u.id = t.user_id"
	    " WHERE t.token_hash = decode($token_hash, 'hex') AND u.enabled"
	    " AND (t.expires_at IS NULL OR t.expires_at > now())),"
	    " x AS (UPDATE api_tokens SET last_used = now() FROM t"
	    " WHERE api_tokens.id = t.id AND (t.last_used IS NULL"
	    " OR t.last_used < now() - interval '60s'))"
	    " SELECT t.id AS tid, t.name AS tname,"
	    " array_to_string(t.scopes, ' ') AS tscopes,"
	    " array_to_string(t.kpis, ' ') AS tkpis,"
	    " " TOKEN_TIME("t.expires_at") " AS texpires, " USER_COLS("u.")
	    " FROM t JOIN users u ON u.id = t.user_id",
	    .returns = &FS_TOKEN_AUTH },

	/* scopes, kpis: arrays ('{read}', NULL for no limit); life in
	 * seconds.  No row: the caller has a token of that name. */
	[ST_TOKEN_ADD] = { .name = "token_add", .kind = STMT_WRITE,
	    .params = "caller name token_hash scopes kpis life",
	    .sql = "WITH t AS (INSERT INTO api_tokens (user_id, name,"
	    " token_hash, scopes, kpis, expires_at) VALUES ($caller::bigint,"
	    " $name, decode($token_hash, 'hex'), $scopes::text[],"
	    " $kpis::bigint[], now() + make_interval(secs => $life::bigint))"
	    " ON CONFLICT (user_id, name) DO NOTHING RETURNING *),"
	    AUDIT_BY("$caller", "token.add", "token", "t.id", "NULL",
	    TOKEN_AUDIT("t"), "t")
	    " SELECT" TOKEN_COLS("t.") " FROM t",
	    .returns = &FS_TOKEN },

	[ST_TOKEN_LIST] = { .name = "token_list", .kind = STMT_READ,
	    .params = "caller user",
	    .sql = "SELECT" TOKEN_COLS("t.") " FROM api_tokens t"
	    " WHERE t.user_id =" TOKEN_OWNER " ORDER BY t.name",
	    .returns = &FS_TOKEN },

	/* No row: no such token. */
	[ST_TOKEN_REMOVE] = { .name = "token_remove", .kind = STMT_WRITE,
	    .params = "caller user name",
	    .sql = "WITH d AS (DELETE FROM api_tokens t WHERE t.user_id ="
	    TOKEN_OWNER " AND t.name = $name RETURNING *),"
	    AUDIT_BY("$caller", "token.remove", "token", "d.id",
	    TOKEN_AUDIT("d"), "NULL", "d")
	    " SELECT d.name FROM d",
	    .returns = &FS_TOKEN_REMOVED },
};

/* The ops' arguments (token.add's scopes and kpis are arrays, read with
 * mp_get_array). */
static const struct op_arg auth_args[] = {
	A_STR("token", true, 1, 256), A_END
};
static const struct op_arg add_args[] = {
	A_STR("name", true, 1, 64),
	A_INT("expires", false, EXPIRES_MIN, EXPIRES_MAX), A_END
};
static const struct op_arg list_args[] = {
	A_STR("user", false, 1, 63), A_END
};
static const struct op_arg remove_args[] = {
	A_STR("name", true, 1, 64), A_STR("user", false, 1, 63), A_END
};

/* SHA-256 of the token's bytes, as hex (65 bytes). */
static void
raw_hash(const unsigned char raw[TOKEN_RAW], char *out)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int mdlen;

	EVP_Digest(raw, TOKEN_RAW, md, &mdlen, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[64] = '\0';
}

/* The connection's session from a row of FS_TOKEN_AUTH; false (logged)
 * when the row is not one a token can have. */
static bool MUST_CHECK
token_set(struct conn *c, const PGresult *res, const char *hash)
{
	struct session *s = &c->sess;
	const char *p;
	char *end;
	unsigned scopes = 0;
	char word[32];
	int used;

	memset(s, 0, sizeof *s);
	p = row_text(res, 0, "tscopes");
	while (sscanf(p, " %31s%n", word, &used) == 1) {
		scopes |= scope_bit(word);
		p += used;
	}
	if (!row_null(res, 0, "tkpis"))
		for (p = row_text(res, 0, "tkpis"); *p != '\0';) {
			long long id = strtoll(p, &end, 10);

			if (end == p || s->nkpis == TOKEN_KPIS_MAX) {
				log_conn(LOG_LVL_WARN, c, "a token's KPIs "
				    "are malformed");
				return false;
			}
			s->kpis[s->nkpis++] = id;
			p = end;
		}
	s->valid = true;
	s->token_id = row_int(res, 0, "tid");
	snprintf(s->via, sizeof s->via, "token:%s", row_text(res, 0, "tname"));
	s->scopes = scopes;
	s->user_id = row_int(res, 0, "id");
	snprintf(s->login, sizeof s->login, "%s", row_text(res, 0, "login"));
	s->role = role_parse(row_text(res, 0, "role"));
	snprintf(s->token_hex, sizeof s->token_hex, "%s", hash);
	s->checked_ms = now_ms();
	return true;
}

bool
token_check(struct request *req, db_cb *cb)
{
	struct stmt_params sp;

	stmt_params_init(&sp, ST_TOKEN_AUTH);
	sp_set(&sp, "token_hash", req->conn->sess.token_hex);
	return req_db_named(req, &sp, cb);
}

bool
token_recheck(struct request *req, const PGresult *res)
{
	struct conn *c = req->conn;
	char hash[sizeof c->sess.token_hex];

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return false;
	}
	memcpy(hash, c->sess.token_hex, sizeof hash);
	if (PQntuples(res) != 1 || !token_set(c, res, hash)) {
		log_conn(LOG_LVL_INFO, c, "%s of '%s' no longer valid",
		    c->sess.via, c->sess.login);
		memset(&c->sess, 0, sizeof c->sess);
		req_fail(req, E_AUTH, NULL, "token expired or revoked, or its "
		    "owner disabled");
		return false;
	}
	return true;
}

/* session.token */

static void
on_failure_counted(struct request *req, int delay_ms)
{
	req->defer_ms = delay_ms;
	/* Same words for malformed, unknown, expired, revoked, disabled. */
	req_fail(req, E_AUTH, "token", "invalid or expired token");
}

static void
token_reply(struct request *req)
{
	const PGresult *res = req->kept[0];
	struct rowpack rp;
	msgpack_packer *pk;
	char names[64];

	if (!user_rowpack(req, &rp, res))
		return;
	pk = req_result(req);
	msgpack_pack_map(pk, 5);
	mp_kv_str(pk, "name", row_text(res, 0, "tname"));
	scope_names(req->conn->sess.scopes, names, sizeof names);
	mp_kv_str(pk, "scopes", names);
	mp_pack_key(pk, "kpis");
	msgpack_pack_array(pk, (size_t)req->conn->sess.nkpis);
	for (int i = 0; i < req->conn->sess.nkpis; i++)
		msgpack_pack_int64(pk, req->conn->sess.kpis[i]);
	mp_kv_str(pk, "expires", row_null(res, 0, "texpires") ? "" :
	    row_text(res, 0, "texpires"));
	mp_pack_key(pk, "user");
	rowpack_row(pk, &rp, 0, 0);
	log_conn(LOG_LVL_INFO, req->conn, "'%s' connected with %s",
	    req->conn->sess.login, req->conn->sess.via);
	req_reply(req);
}

static void
on_token_auth(void *arg, const PGresult *res)
{
	struct request *req = arg;
	const char *hash = reader_arg(req, "token_hash");

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		log_conn(LOG_LVL_INFO, req->conn, "failed token attempt");
		throttle_fail(req, THROTTLE_NAME, on_failure_counted);
		return;
	}
	if (!token_set(req->conn, res, hash)) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	(void)req_keep_result(req, 0, res);
	/* The count goes before the reply, as after a login. */
	if (strcmp(reader_arg(req, "failures"), "0") != 0)
		throttle_ok(req, THROTTLE_NAME, token_reply);
	else
		token_reply(req);
}

static void
on_token_throttle(struct request *req, int failures)
{
	struct stmt_params sp;
	char n[16];

	snprintf(n, sizeof n, "%d", failures);
	reader_set(req->reader, "failures", n);
	if (reader_arg(req, "token_hash") == NULL) {
		log_conn(LOG_LVL_INFO, req->conn, "malformed token");
		throttle_fail(req, THROTTLE_NAME, on_failure_counted);
		return;
	}
	stmt_params_init(&sp, ST_TOKEN_AUTH);
	sp_set(&sp, "token_hash", reader_arg(req, "token_hash"));
	(void)req_db_named(req, &sp, on_token_auth);
}

static void
op_session_token(struct request *req)
{
	const char *token;
	unsigned char raw[TOKEN_RAW];
	char hash[65];
	struct reader *r;

	(void)op_str(req, "token", &token);
	if (!req_args_done(req))
		return;
	/* Whatever the outcome, the connection's session is gone. */
	memset(&req->conn->sess, 0, sizeof req->conn->sess);
	r = reader_new(req, 0);
	if (token_parse(token, raw)) {
		raw_hash(raw, hash);
		OPENSSL_cleanse(raw, sizeof raw);
		reader_set(r, "token_hash", hash);
	}
	/* Locked from this address: refused before any look-up. */
	throttle_check(req, THROTTLE_NAME, "token", "failed token attempts",
	    on_token_throttle);
}

/* token.add */

static void
on_added(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct rowpack rp;
	msgpack_packer *pk;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_CONFLICT, "name", "you have a token named '%s' "
		    "already", reader_arg(req, "name"));
		return;
	}
	if (!rowpack_init(&rp, &FS_TOKEN, res)) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	pk = req_result(req);
	msgpack_pack_map(pk, 2);
	/* The only time the token's text is seen. */
	mp_kv_str(pk, "token", reader_arg(req, "token"));
	mp_pack_key(pk, "token_info");
	rowpack_row(pk, &rp, 0, 0);
	log_req(LOG_LVL_INFO, req, "'%s' added token '%s'",
	    req->conn->sess.login, reader_arg(req, "name"));
	req_reply(req);
}

/* The scopes array as a bit set and '{a,b}'; false after answering. */
static bool MUST_CHECK
read_scopes(struct request *req, const msgpack_object *arr, unsigned *bitsp,
    char *out, size_t outlen)
{
	unsigned bits = 0, b;
	char name[32], names[64];

	for (uint32_t i = 0; i < arr->via.array.size; i++) {
		const msgpack_object *o = &arr->via.array.ptr[i];

		if (o->type != MSGPACK_OBJECT_STR || o->via.str.size == 0 ||
		    o->via.str.size >= sizeof name) {
			req_fail(req, E_INVALID, "scopes", "a scope is one of "
			    "read, kpi.record, kr.checkin");
			return false;
		}
		memcpy(name, o->via.str.ptr, o->via.str.size);
		name[o->via.str.size] = '\0';
		if ((b = scope_bit(name)) == 0) {
			req_fail(req, E_INVALID, "scopes", "unknown scope "
			    "'%s': a scope is one of read, kpi.record, "
			    "kr.checkin", name);
			return false;
		}
		bits |= b;
	}
	if (bits == 0) {
		req_fail(req, E_INVALID, "scopes", "give at least one scope: "
		    "read, kpi.record, kr.checkin");
		return false;
	}
	*bitsp = bits;
	scope_names(bits, names, sizeof names);
	snprintf(out, outlen, "{");
	for (char *p = names; *p != '\0'; p++)
		if (*p != ' ')
			snprintf(out + strlen(out), outlen - strlen(out), "%c",
			    *p);
	snprintf(out + strlen(out), outlen - strlen(out), "}");
	return true;
}

/* The kpis array as '{1,2}' (NULL: none given); false after answering. */
static bool MUST_CHECK
read_kpis(struct request *req, const msgpack_object *arr, char *out,
    size_t outlen)
{
	snprintf(out, outlen, "{");
	for (uint32_t i = 0; i < arr->via.array.size; i++) {
		const msgpack_object *o = &arr->via.array.ptr[i];

		if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    o->via.u64 < 1 || o->via.u64 > INT64_MAX) {
			req_fail(req, E_INVALID, "kpis", "kpis are KPI ids");
			return false;
		}
		snprintf(out + strlen(out), outlen - strlen(out), "%s%llu",
		    i ? "," : "", (unsigned long long)o->via.u64);
	}
	snprintf(out + strlen(out), outlen - strlen(out), "}");
	return true;
}

static void
op_token_add(struct request *req)
{
	const msgpack_object *scopes = NULL, *kpis = NULL;
	const char *name;
	int64_t expires = EXPIRES_DEFAULT;
	unsigned bits;
	unsigned char raw[TOKEN_RAW];
	char text[TOKEN_TEXT_LEN + 1], hash[65], sc[64];
	char ks[TOKEN_KPIS_MAX * 21 + 3], caller[24], role[16], life[24];
	struct stmt_params sp;
	struct reader *r;

	(void)op_str(req, "name", &name);
	(void)op_int(req, "expires", &expires);
	mp_get_array(&req->args, "scopes", MP_REQUIRED, 8, &scopes);
	mp_get_array(&req->args, "kpis", MP_OPTIONAL, TOKEN_KPIS_MAX, &kpis);
	if (!req_args_done(req))
		return;
	if (!token_name_valid(name)) {
		req_fail(req, E_INVALID, "name", "a token's name is 1 to 40 of "
		    "a-z 0-9 . _ -, starting with a letter or a digit");
		return;
	}
	if (!read_scopes(req, scopes, &bits, sc, sizeof sc))
		return;
	if (kpis != NULL && kpis->via.array.size == 0)
		kpis = NULL;
	if (kpis != NULL && !(bits & SCOPE_KPI_RECORD)) {
		req_fail(req, E_INVALID, "kpis", "kpis limit the kpi.record "
		    "scope, which this token does not have");
		return;
	}
	if (kpis != NULL && !read_kpis(req, kpis, ks, sizeof ks))
		return;
	if (RAND_bytes(raw, sizeof raw) != 1) {
		req_fail(req, E_INTERNAL, NULL, "no randomness");
		return;
	}
	token_format(raw, text);
	raw_hash(raw, hash);
	OPENSSL_cleanse(raw, sizeof raw);
	r = reader_new(req, 0);
	reader_set(r, "token", text);
	reader_set(r, "name", name);
	OPENSSL_cleanse(text, sizeof text);
	caller_text(req, caller, role);
	snprintf(life, sizeof life, "%lld", (long long)expires);
	stmt_params_init(&sp, ST_TOKEN_ADD);
	sp_set(&sp, "caller", caller);
	sp_set(&sp, "name", name);
	sp_set(&sp, "token_hash", hash);
	sp_set(&sp, "scopes", sc);
	sp_set(&sp, "kpis", kpis != NULL ? ks : NULL);
	sp_set(&sp, "life", life);
	(void)req_db_named(req, &sp, on_added);
}

/* token.list, token.remove: another user's tokens are an admin's. */
static bool MUST_CHECK
may_see(struct request *req, const char *user)
{
	if (user == NULL || req->conn->sess.role == ROLE_ADMIN ||
	    strcmp(user, req->conn->sess.login) == 0)
		return true;
	req_fail(req, E_FORBIDDEN, "user", "only an admin may see another "
	    "user's tokens");
	return false;
}

static void
on_listed(void *arg, const PGresult *res)
{
	struct request *req = arg;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	reply_list(req, res, &FS_TOKEN);
}

static void
op_token_list(struct request *req)
{
	const char *user = NULL;
	char caller[24], role[16];
	struct stmt_params sp;

	(void)op_str(req, "user", &user);
	if (!req_args_done(req) || !may_see(req, user))
		return;
	caller_text(req, caller, role);
	stmt_params_init(&sp, ST_TOKEN_LIST);
	sp_set(&sp, "caller", caller);
	sp_set(&sp, "user", user);
	(void)req_db_named(req, &sp, on_listed);
}

/* token.remove */

static void
on_removed(void *arg, const PGresult *res)
{
	struct request *req = arg;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "name", "no token '%s'",
		    reader_arg(req, "name"));
		return;
	}
	log_req(LOG_LVL_INFO, req, "'%s' removed token '%s'",
	    req->conn->sess.login, reader_arg(req, "name"));
	reply_first(req, res, &FS_TOKEN_REMOVED);
}

static void
op_token_remove(struct request *req)
{
	const char *name, *user = NULL;
	char caller[24], role[16];
	struct stmt_params sp;

	(void)op_str(req, "name", &name);
	(void)op_str(req, "user", &user);
	if (!req_args_done(req) || !may_see(req, user))
		return;
	reader_set(reader_new(req, 0), "name", name);
	caller_text(req, caller, role);
	stmt_params_init(&sp, ST_TOKEN_REMOVE);
	sp_set(&sp, "caller", caller);
	sp_set(&sp, "user", user);
	sp_set(&sp, "name", name);
	(void)req_db_named(req, &sp, on_removed);
}

const struct op token_ops[] = {
	{ .name = "session.token", .fn = op_session_token, .flags = 0,
	    .args = auth_args },
	{ .name = "token.add", .fn = op_token_add,
	    .flags = OP_SESSION | OP_WRITE, .args = add_args },
	{ .name = "token.list", .fn = op_token_list, .flags = OP_SESSION,
	    .args = list_args },
	{ .name = "token.remove", .fn = op_token_remove,
	    .flags = OP_SESSION | OP_WRITE, .args = remove_args },
	{ .name = NULL }
};
