/*
 * hook.c: team webhooks (issue 16), in one place: hook.add, hook.list,
 * hook.remove, hook.test, their argument schema and their statements by
 * name.  Admins and the leads of the team (or of a team above it) manage
 * a team's hooks; the database checks the same (hook_may_manage, in each
 * statement's WHERE), so that a lead who stopped being one meanwhile
 * changes nothing.
 *
 * A hook's signing secret ("whsec_" and 32 bytes of the OpenSSL CSPRNG
 * as hex) is made here, shown once by hook.add, and stored sealed with
 * secret.c (additional data "hook:URL"): the database alone does not
 * give it, and no reply, audit entry or log line holds it again.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "change.h"
#include "fields.h"
#include "hook.h"
#include "notifyrun.h"
#include "op.h"
#include "secret.h"
#include "sql-cols.h"

#define URL_MAX		2000
#define KINDS_MAX	20
#define KIND_MAX	40
#define SECRET_RAW	32
#define SECRET_TEXT	(6 + 2 * SECRET_RAW)	/* whsec_ and hex */
#define SEALED_HEX	(2 * (SECRET_MAX + SECRET_OVERHEAD) + 3)

static const struct field hook_f[] = {
	{ "id", F_INT }, { "team", F_STR }, { "url", F_STR },
	{ "format", F_STR }, { "kinds", F_JSON }, { "created_by", F_STR },
	{ "created", F_STR }, { "failures", F_INT }, { "last_error", F_STR },
	{ "last_error_at", F_STR }, { "last_ok", F_STR },
	{ "disabled", F_BOOL }, { "pending", F_INT },
};
static const struct fieldset FS_HOOK = FIELDSET("hook", hook_f);

/* A write's outcome: whether the hook (or team) exists, whether the
 * caller manages it, and what was written. */
static const struct field outcome_f[] = {
	{ "found", F_HIDDEN }, { "allowed", F_HIDDEN }, { "id", F_HIDDEN },
	{ "delivery", F_HIDDEN },
};
static const struct fieldset FS_HOOK_OUTCOME = FIELDSET("hook",
    outcome_f);

#define HOOK_COLS							\
	" h.id, t.slug AS team, h.url, h.format,"			\
	" to_jsonb(h.kinds)::text AS kinds, cb.login AS created_by,"	\
	" cairn_time(h.created) AS created, h.failures, h.last_error,"	\
	" cairn_time(h.last_error_at) AS last_error_at,"		\
	" cairn_time(h.last_ok) AS last_ok,"				\
	" h.disabled_at IS NOT NULL AS disabled,"			\
	" (SELECT count(*) FROM outbox x WHERE x.hook_id = h.id"	\
	" AND x.sent_at IS NULL AND x.dropped_at IS NULL) AS pending"	\
	" FROM hooks h JOIN teams t ON t.id = h.team_id"		\
	" JOIN users cb ON cb.id = h.created_by"

/* The hook $id and whether the caller manages it. */
#define HOOK_CTX							\
	" c AS (SELECT h.id, h.team_id, hook_may_manage($caller::bigint,"\
	" $role, h.team_id) AS allowed FROM hooks h"			\
	" WHERE h.id = $id::bigint)"
#define HOOK_AUDIT(h)							\
	"jsonb_build_object('team_id', " h ".team_id, 'url', " h ".url,"	\
	" 'format', " h ".format, 'kinds', " h ".kinds)"

const stmt_table hook_stmts = {
	/* kinds: a text array; secret: sealed, bytea hex. */
	[ST_HOOK_ADD] = { .name = "hook_add", .kind = STMT_WRITE,
	    .params = "caller role team url format kinds secret",
	    .sql = "WITH c AS (SELECT t.id, hook_may_manage($caller::bigint,"
	    " $role, t.id) AS allowed FROM teams t WHERE t.slug = $team),"
	    " h AS (INSERT INTO hooks (team_id, url, format, kinds, secret,"
	    " created_by) SELECT c.id, $url, $format, $kinds::text[],"
	    " $secret::bytea, $caller::bigint FROM c WHERE c.allowed"
	    " RETURNING *),"
	    AUDIT_NAMED("hook.add", "hook", "h.id", "NULL", HOOK_AUDIT("h"),
	    "h")
	    " SELECT c.id IS NOT NULL AS found, coalesce(c.allowed, false)"
	    " AS allowed, h.id, NULL::text AS delivery FROM (SELECT 1) d"
	    " LEFT JOIN c ON true LEFT JOIN h ON true",
	    .returns = &FS_HOOK_OUTCOME },

	/* $team NULL: every team's the caller manages. */
	[ST_HOOK_LIST] = { .name = "hook_list", .kind = STMT_READ,
	    .params = "caller role team id",
	    .sql = "SELECT" HOOK_COLS
	    " WHERE hook_may_manage($caller::bigint, $role, h.team_id)"
	    " AND ($team::text IS NULL OR t.slug = $team)"
	    " AND ($id::bigint IS NULL OR h.id = $id::bigint)"
	    " ORDER BY t.slug, h.id",
	    .returns = &FS_HOOK },

	[ST_HOOK_REMOVE] = { .name = "hook_remove", .kind = STMT_WRITE,
	    .params = "caller role id",
	    .sql = "WITH" HOOK_CTX ","
	    " d AS (DELETE FROM hooks h USING c WHERE h.id = c.id"
	    " AND c.allowed RETURNING h.*),"
	    AUDIT_NAMED("hook.remove", "hook", "d.id", HOOK_AUDIT("d"),
	    "NULL", "d")
	    " SELECT c.id IS NOT NULL AS found, coalesce(c.allowed, false)"
	    " AS allowed, d.id, NULL::text AS delivery FROM (SELECT 1) x"
	    " LEFT JOIN c ON true LEFT JOIN d ON true",
	    .returns = &FS_HOOK_OUTCOME },

	/* A test message; a disabled hook is enabled again by it (how a
	 * fixed receiver is put back), its failures forgotten. */
	[ST_HOOK_TEST] = { .name = "hook_test", .kind = STMT_WRITE,
	    .params = "caller role id",
	    .sql = "WITH" HOOK_CTX ","
	    " e AS (UPDATE hooks h SET disabled_at = NULL, failures = 0"
	    " FROM c WHERE h.id = c.id AND c.allowed RETURNING h.id),"
	    " o AS (INSERT INTO outbox (channel, kind, hook_id, data)"
	    " SELECT 'hook', 'hook.test', e.id, jsonb_build_object('by',"
	    " (SELECT login FROM users WHERE id = $caller::bigint)) FROM e"
	    " RETURNING id, delivery)"
	    " SELECT c.id IS NOT NULL AS found, coalesce(c.allowed, false)"
	    " AS allowed, o.id, o.delivery::text AS delivery"
	    " FROM (SELECT 1) x LEFT JOIN c ON true LEFT JOIN o ON true",
	    .returns = &FS_HOOK_OUTCOME },
};

static const struct op_arg add_args[] = {
	A_STR("team", true, 2, 40), A_STR("url", true, 9, URL_MAX),
	A_STR("format", false, 1, 10), A_END
};
static const struct op_arg list_args[] = {
	A_STR("team", false, 2, 40), A_END
};
static const struct op_arg id_args[] = { A_ID("id", true), A_END };

/* https://, a host, no user information, no spaces or control
 * characters. */
static bool MUST_CHECK
valid_hook_url(const char *u, char *err, size_t errlen)
{
	const char *host, *end;

	for (const char *p = u; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			snprintf(err, errlen, "a URL has no spaces or control "
			    "characters");
			return false;
		}
	if (strncmp(u, "https://", 8) != 0) {
		snprintf(err, errlen, "a hook's URL starts with https://");
		return false;
	}
	host = u + 8;
	end = host + strcspn(host, "/?#");
	if (end == host || *host == ':' ||
	    memchr(host, '@', (size_t)(end - host)) != NULL) {
		snprintf(err, errlen, "the URL names no host, or holds user "
		    "information");
		return false;
	}
	return true;
}

/* An event kind as events.kind allows it. */
static bool
valid_kind(const char *s, size_t n)
{
	int dots = 0;

	if (n == 0 || n > KIND_MAX || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '.')
			dots++;
		else if (!islower((unsigned char)s[i]) && s[i] != '_')
			return false;
	return dots <= 1;
}

/* The kinds array as '{a,b}' ('{}' when absent); false after
 * answering. */
static bool MUST_CHECK
read_kinds(struct request *req, const msgpack_object *arr, char *out,
    size_t outlen)
{
	snprintf(out, outlen, "{");
	for (uint32_t i = 0; arr != NULL && i < arr->via.array.size; i++) {
		const msgpack_object *o = &arr->via.array.ptr[i];

		if (o->type != MSGPACK_OBJECT_STR ||
		    !valid_kind(o->via.str.ptr, o->via.str.size)) {
			req_fail(req, E_INVALID, "kinds", "a kind is an event "
			    "kind: checkin, kpi.health_changed, ...");
			return false;
		}
		snprintf(out + strlen(out), outlen - strlen(out), "%s%.*s",
		    i ? "," : "", (int)o->via.str.size, o->via.str.ptr);
	}
	snprintf(out + strlen(out), outlen - strlen(out), "}");
	return true;
}

static void
on_list(void *arg, const PGresult *res)
{
	reply_list(arg, res, &FS_HOOK);
}

static void
op_hook_list(struct request *req)
{
	const char *team = NULL;
	char caller[24], role[16];
	struct stmt_params sp;

	(void)op_str(req, "team", &team);
	if (!req_args_done(req))
		return;
	caller_text(req, caller, role);
	stmt_params_init(&sp, ST_HOOK_LIST);
	sp_set(&sp, "caller", caller);
	sp_set(&sp, "role", role);
	sp_set(&sp, "team", team);
	sp_set(&sp, "id", NULL);
	(void)req_db_named(req, &sp, on_list);
}

/* The outcome row of a write; false after answering when it changed
 * nothing. */
static bool MUST_CHECK
outcome(struct request *req, const PGresult *res, const char *what,
    const char *name)
{
	if (!db_ok(res)) {
		req_fail_db(req, res);
		return false;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return false;
	}
	if (!row_bool(res, 0, "found")) {
		req_fail(req, E_NOT_FOUND, what, "no %s '%s'", what, name);
		return false;
	}
	if (!row_bool(res, 0, "allowed")) {
		req_fail(req, E_FORBIDDEN, what, "only admins and the leads "
		    "of the team (or of a team above it) manage its hooks");
		return false;
	}
	if (row_null(res, 0, "id")) {
		req_fail(req, E_CONFLICT, what, "%s '%s' changed meanwhile",
		    what, name);
		return false;
	}
	return true;
}

/* hook.add -------------------------------------------------------------- */

static void
on_added(void *arg, const PGresult *res)
{
	struct request *req = arg;
	const char *secret = reader_arg(req, "secret");
	char copy[SECRET_TEXT + 1];
	msgpack_packer *pk;

	/* The reader's copy is wiped now: answering frees the reader. */
	snprintf(copy, sizeof copy, "%s", secret != NULL ? secret : "");
	if (secret != NULL)
		OPENSSL_cleanse((char *)secret, strlen(secret));
	if (outcome(req, res, "team", reader_arg(req, "team"))) {
		pk = req_result(req);
		msgpack_pack_map(pk, 5);
		mp_kv_int(pk, "id", row_int(res, 0, "id"));
		mp_kv_str(pk, "team", reader_arg(req, "team"));
		mp_kv_str(pk, "url", reader_arg(req, "url"));
		mp_kv_str(pk, "format", reader_arg(req, "format"));
		/* The only time the secret is seen. */
		mp_kv_str(pk, "secret", copy);
		log_req(LOG_LVL_INFO, req, "'%s' added hook %lld of team %s",
		    req->conn->sess.login, (long long)row_int(res, 0, "id"),
		    reader_arg(req, "team"));
		req_reply(req);
	}
	OPENSSL_cleanse(copy, sizeof copy);
}

static void
op_hook_add(struct request *req)
{
	const msgpack_object *kinds = NULL;
	const char *team = NULL, *url = NULL, *format = "json";
	static const char *const formats[] = { "json", "slack", NULL };
	unsigned char raw[SECRET_RAW];
	uint8_t sealed[SECRET_TEXT + SECRET_OVERHEAD];
	char text[SECRET_TEXT + 1], aad[URL_MAX + 8], err[200];
	char ks[KINDS_MAX * (KIND_MAX + 1) + 3], caller[24], role[16], *hex;
	struct stmt_params sp;
	struct reader *r;
	size_t n;

	(void)op_str(req, "team", &team);
	(void)op_str(req, "url", &url);
	(void)op_str(req, "format", &format);
	mp_get_array(&req->args, "kinds", MP_OPTIONAL, KINDS_MAX, &kinds);
	if (!req_args_done(req))
		return;
	if (!check_choice(req, "format", format, formats))
		return;
	if (!valid_hook_url(url, err, sizeof err)) {
		req_fail(req, E_INVALID, "url", "%s", err);
		return;
	}
	if (!read_kinds(req, kinds, ks, sizeof ks))
		return;
	if (secret_current() == NULL) {
		req_fail(req, E_UNAVAILABLE, "secret", "cairnd has no "
		    "secret_key configured: a hook's signing secret cannot be "
		    "stored (docs/operations.md, \"Sources' credentials\")");
		return;
	}
	if (RAND_bytes(raw, sizeof raw) != 1) {
		req_fail(req, E_INTERNAL, NULL, "no random bytes");
		return;
	}
	memcpy(text, "whsec_", 6);
	for (size_t i = 0; i < SECRET_RAW; i++)
		snprintf(text + 6 + 2 * i, 3, "%02x", raw[i]);
	OPENSSL_cleanse(raw, sizeof raw);
	snprintf(aad, sizeof aad, "hook:%s", url);
	if (!secret_seal(secret_current(), aad, text, SECRET_TEXT, sealed,
	    sizeof sealed, &n)) {
		OPENSSL_cleanse(text, sizeof text);
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	hex = secret_bytea_hex(sealed, n);
	r = reader_new(req, 0);
	reader_set(r, "team", team);
	reader_set(r, "url", url);
	reader_set(r, "format", format);
	reader_set(r, "secret", text);
	OPENSSL_cleanse(text, sizeof text);
	caller_text(req, caller, role);
	stmt_params_init(&sp, ST_HOOK_ADD);
	sp_set(&sp, "caller", caller);
	sp_set(&sp, "role", role);
	sp_set(&sp, "team", team);
	sp_set(&sp, "url", url);
	sp_set(&sp, "format", format);
	sp_set(&sp, "kinds", ks);
	sp_set(&sp, "secret", hex);
	(void)req_db_named(req, &sp, on_added);
	free(hex);
}

/* hook.remove, hook.test ------------------------------------------------ */

static void
on_removed(void *arg, const PGresult *res)
{
	struct request *req = arg;
	msgpack_packer *pk;

	if (!outcome(req, res, "hook", reader_arg(req, "id")))
		return;
	pk = req_result(req);
	msgpack_pack_map(pk, 1);
	mp_kv_int(pk, "id", row_int(res, 0, "id"));
	req_reply(req);
}

static void
on_tested(void *arg, const PGresult *res)
{
	struct request *req = arg;
	msgpack_packer *pk;

	if (!outcome(req, res, "hook", reader_arg(req, "id")))
		return;
	pk = req_result(req);
	msgpack_pack_map(pk, 3);
	mp_kv_str(pk, "hook", reader_arg(req, "id"));
	mp_kv_int(pk, "message", row_int(res, 0, "id"));
	mp_kv_str(pk, "delivery", row_text(res, 0, "delivery"));
	notifyrun_kick(req->conn->srv->notify);
	req_reply(req);
}

static void
by_id(struct request *req, enum stmt st, db_cb *cb)
{
	int64_t id = 0;
	char idtext[24], caller[24], role[16];
	struct stmt_params sp;
	struct reader *r;

	(void)op_int(req, "id", &id);
	if (!req_args_done(req))
		return;
	snprintf(idtext, sizeof idtext, "%lld", (long long)id);
	r = reader_new(req, id);
	reader_set(r, "id", idtext);
	caller_text(req, caller, role);
	stmt_params_init(&sp, st);
	sp_set(&sp, "caller", caller);
	sp_set(&sp, "role", role);
	sp_set(&sp, "id", idtext);
	(void)req_db_named(req, &sp, cb);
}

static void
op_hook_remove(struct request *req)
{
	by_id(req, ST_HOOK_REMOVE, on_removed);
}

static void
op_hook_test(struct request *req)
{
	by_id(req, ST_HOOK_TEST, on_tested);
}

const struct op hook_ops[] = {
	{ .name = "hook.add", .fn = op_hook_add,
	    .flags = OP_SESSION | OP_WRITE, .args = add_args },
	{ .name = "hook.list", .fn = op_hook_list, .flags = OP_SESSION,
	    .args = list_args },
	{ .name = "hook.remove", .fn = op_hook_remove,
	    .flags = OP_SESSION | OP_WRITE, .args = id_args },
	{ .name = "hook.test", .fn = op_hook_test,
	    .flags = OP_SESSION | OP_WRITE, .args = id_args },
	{ .name = NULL }
};
