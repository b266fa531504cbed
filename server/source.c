/*
 * source.c: the source entity (issue 15), in one place: its ops (admin
 * only), their argument schema, its statements with parameters by name,
 * its reply fields and its changes (change.h).  A source is a connection
 * an admin sets up once (a PostgreSQL database or a Prometheus server);
 * feeds read KPI values through it.  Its logic (source_public,
 * source_usable_by_team) lives in sql/logic/source.sql.
 *
 * A source's credential (a password, a bearer token) is sealed here with
 * secret.c before it reaches a statement, and never leaves cairnd again:
 * no reply, audit entry, log line, export or error holds it; replies say
 * only whether one is set (has_secret).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "change.h"
#include "fields.h"
#include "op.h"
#include "pgsource.h"
#include "prom.h"
#include "secret.h"
#include "source.h"
#include "sql-cols.h"

#define NAME_MAX_LEN	40
#define TARGET_MAX	2000
#define CA_MAX		65536
/* A sealed secret as bytea hex text: "\x" and two digits a byte. */
#define SEALED_HEX	(2 * (SECRET_MAX + SECRET_OVERHEAD) + 3)

/* Reply objects and contexts. */

/* A source as source.get and source.list show it. */
static const struct field source_f[] = {
	{ "name", F_STR }, { "kind", F_STR }, { "target", F_STR },
	{ "has_secret", F_BOOL }, { "has_ca", F_BOOL }, { "teams", F_JSON },
	{ "created", F_STR },
};
static const struct fieldset FS_SOURCE = FIELDSET("source", source_f);

/* source.get: one row even for a missing source (id NULL). */
static const struct field source_get_f[] = {
	{ "asked", F_HIDDEN }, { "id", F_HIDDEN },
	{ "name", F_STR }, { "kind", F_STR }, { "target", F_STR },
	{ "has_secret", F_BOOL }, { "has_ca", F_BOOL }, { "teams", F_JSON },
	{ "created", F_STR },
};
static const struct fieldset FS_SOURCE_GET = FIELDSET("source",
    source_get_f);

static const struct field source_ctx_f[] = {
	{ "id", F_HIDDEN }, { "team_id", F_HIDDEN }, { "feeds", F_HIDDEN },
};
static const struct fieldset FS_SOURCE_CTX = FIELDSET("source",
    source_ctx_f);

/* What a run needs: never packed (secret is the sealed form). */
static const struct field source_run_f[] = {
	{ "id", F_HIDDEN }, { "name", F_HIDDEN }, { "kind", F_HIDDEN },
	{ "target", F_HIDDEN }, { "ca_pem", F_HIDDEN }, { "secret", F_HIDDEN },
	{ "timeout_ms", F_HIDDEN },
};
static const struct fieldset FS_SOURCE_RUN = FIELDSET("source",
    source_run_f);

/* The columns a source is shown with, from sources s. */
#define SOURCE_COLS							\
	" s.name, s.kind, s.target, s.secret IS NOT NULL AS has_secret,"\
	" s.ca_pem IS NOT NULL AS has_ca,"				\
	" (SELECT coalesce(json_agg(t.slug ORDER BY t.slug), '[]')"	\
	" FROM source_teams st JOIN teams t ON t.id = st.team_id"	\
	" WHERE st.source_id = s.id) AS teams,"			\
	" to_char(s.created AT TIME ZONE 'UTC',"			\
	" 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS created"

/* The statements, with their parameters by name (stmt.h). */
const stmt_table source_stmts = {
	/* No row: the name is taken. */
	[ST_SOURCE_ADD] = { .name = "source_add", .kind = STMT_WRITE,
	    .params = "caller key kind target ca secret",
	    .sql = "WITH s AS (INSERT INTO sources (name, kind, target,"
	    " ca_pem, secret, created_by) VALUES ($key, $kind, $target, $ca,"
	    " $secret::bytea, $caller::bigint)"
	    " ON CONFLICT (name) DO NOTHING RETURNING *),"
	    AUDIT_NAMED("source.add", "source", "s.id", "NULL",
	    "source_public(to_jsonb(s))", "s")
	    " SELECT id FROM s" },

	[ST_SOURCE_LIST] = { .name = "source_list", .kind = STMT_READ,
	    .params = "",
	    .sql = "SELECT" SOURCE_COLS " FROM sources s ORDER BY s.name",
	    .returns = &FS_SOURCE },

	[ST_SOURCE_GET] = { .name = "source_get", .kind = STMT_READ,
	    .params = "name",
	    .sql = "SELECT $name::text AS asked, s.id," SOURCE_COLS
	    " FROM (SELECT 1) d LEFT JOIN sources s ON s.name = $name",
	    .returns = &FS_SOURCE_GET },

	/* The source named $key and the team $team (NULL: none asked). */
	[ST_SOURCE_CTX] = { .name = "source_ctx", .kind = STMT_READ,
	    .params = "key team",
	    .sql = "SELECT s.id, t.id AS team_id, (SELECT count(*) FROM feeds f"
	    " WHERE f.source_id = s.id) AS feeds FROM (SELECT 1) d"
	    " LEFT JOIN sources s ON s.name = $key"
	    " LEFT JOIN teams t ON t.slug = $team::text",
	    .returns = &FS_SOURCE_CTX },

	[ST_SOURCE_REMOVE] = { .name = "source_remove", .kind = STMT_WRITE,
	    .params = "caller key",
	    .sql = "WITH s AS (DELETE FROM sources WHERE name = $key"
	    " RETURNING *),"
	    AUDIT_NAMED("source.remove", "source", "s.id",
	    "source_public(to_jsonb(s))", "NULL", "s")
	    " SELECT id FROM s" },

	/* No row: allowed already. */
	[ST_SOURCE_ALLOW] = { .name = "source_allow", .kind = STMT_WRITE,
	    .params = "caller key team",
	    .sql = "WITH st AS (INSERT INTO source_teams (source_id, team_id)"
	    " SELECT s.id, t.id FROM sources s, teams t"
	    " WHERE s.name = $key AND t.slug = $team"
	    " ON CONFLICT DO NOTHING RETURNING *),"
	    AUDIT_NAMED("source.allow", "source", "st.source_id", "NULL",
	    "jsonb_build_object('source', $key::text, 'team', $team::text)",
	    "st")
	    " SELECT source_id FROM st" },

	/* No row: not allowed. */
	[ST_SOURCE_DISALLOW] = { .name = "source_disallow",
	    .kind = STMT_WRITE,
	    .params = "caller key team",
	    .sql = "WITH st AS (DELETE FROM source_teams"
	    " WHERE source_id = (SELECT id FROM sources WHERE name = $key)"
	    " AND team_id = (SELECT id FROM teams WHERE slug = $team)"
	    " RETURNING *),"
	    AUDIT_NAMED("source.disallow", "source", "st.source_id",
	    "jsonb_build_object('source', $key::text, 'team', $team::text)",
	    "NULL", "st")
	    " SELECT source_id FROM st" },

	/* What a run of the source needs, and the time it may take. */
	[ST_SOURCE_RUN] = { .name = "source_run", .kind = STMT_READ,
	    .params = "name",
	    .sql = "SELECT id, name, kind, target, ca_pem, secret::text AS"
	    " secret, cairn_setting('source_timeout_ms') AS timeout_ms"
	    " FROM sources WHERE name = $name",
	    .returns = &FS_SOURCE_RUN },
};

/* The ops' arguments. */

#define NAME_ARG	A_STR("name", true, 1, NAME_MAX_LEN)

static const struct op_arg no_args[] = { A_END };
static const struct op_arg name_args[] = { NAME_ARG, A_END };
static const struct op_arg add_args[] = {
	NAME_ARG, A_STR("kind", true, 1, 20),
	A_STR("target", true, 1, TARGET_MAX), A_STR("ca", false, 1, CA_MAX),
	A_STR("secret", false, 1, SECRET_MAX), A_END
};
static const struct op_arg team_args[] = {
	NAME_ARG, A_STR("team", true, 1, 40), A_END
};

/* A change's arguments beside the source's name (its key). */
struct source_args {
	const char	*kind, *target, *ca, *team;	/* in the request */
	bool		 sealed_set;
	char		 sealed[SEALED_HEX];	/* the secret, sealed */
};

static bool
valid_source_name(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > NAME_MAX_LEN || !(islower((unsigned char)s[0]) ||
	    isdigit((unsigned char)s[0])))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '-')
			return false;
	return true;
}

/* http:// or https://, a host, no user information, nothing a shell or a
 * log line would trip over. */
static bool
valid_url(const char *u, char *err, size_t errlen)
{
	const char *host, *end;

	for (const char *p = u; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			snprintf(err, errlen, "a URL has no spaces or control "
			    "characters");
			return false;
		}
	if (strncmp(u, "http://", 7) == 0)
		host = u + 7;
	else if (strncmp(u, "https://", 8) == 0)
		host = u + 8;
	else {
		snprintf(err, errlen, "a Prometheus URL starts with http:// "
		    "or https://");
		return false;
	}
	end = host + strcspn(host, "/?#");
	if (memchr(host, '@', (size_t)(end - host)) != NULL) {
		snprintf(err, errlen, "the URL holds user information: give "
		    "a bearer token with --bearer-token-stdin, not in the URL");
		return false;
	}
	if (end == host || *host == ':') {
		snprintf(err, errlen, "the URL names no host");
		return false;
	}
	return true;
}

static void
no_source(struct request *req, const char *name)
{
	req_fail(req, E_NOT_FOUND, "name", "no source '%s'", name);
}

/* source.list, source.get ---------------------------------------------- */

static void
on_source_list(void *arg, const PGresult *res)
{
	reply_list(arg, res, &FS_SOURCE);
}

static void
op_source_list(struct request *req)
{
	struct stmt_params sp;

	if (!req_args_done(req))
		return;
	stmt_params_init(&sp, ST_SOURCE_LIST);
	(void)req_db_named(req, &sp, on_source_list);
}

static void
on_source_get(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct rowpack rp;

	if (!db_ok(res))
		req_fail_db(req, res);
	else if (PQntuples(res) != 1 ||
	    !rowpack_init(&rp, &FS_SOURCE_GET, res))
		req_fail(req, E_INTERNAL, NULL, "internal error");
	else if (row_null(res, 0, "id"))
		no_source(req, row_text(res, 0, "asked"));
	else {
		rowpack_row(req_result(req), &rp, 0, 0);
		req_reply(req);
	}
}

static void
source_read(struct request *req, const char *name)
{
	struct stmt_params sp;

	stmt_params_init(&sp, ST_SOURCE_GET);
	sp_set(&sp, "name", name);
	(void)req_db_named(req, &sp, on_source_get);
}

static void
op_source_get(struct request *req)
{
	const char *name = NULL;

	(void)op_str(req, "name", &name);
	if (req_args_done(req))
		source_read(req, name);
}

/* The changes ----------------------------------------------------------- */

static void
source_args_write(struct change *c, const PGresult *ctx,
    struct stmt_params *sp)
{
	const struct source_args *a = c->arg;

	sp_set_if(sp, "kind", a->kind);
	sp_set_if(sp, "target", a->target);
	sp_set_if(sp, "ca", a->ca);
	sp_set_if(sp, "secret", a->sealed_set ? a->sealed : NULL);
	sp_set_if(sp, "team", a->team);
}

static void
source_ctx_args(struct change *c, struct stmt_params *sp)
{
	sp_set(sp, "team", ((const struct source_args *)c->arg)->team);
}

static bool
source_found(struct change *c, const PGresult *ctx)
{
	const struct source_args *a = c->arg;

	return ctx_found(c, ctx, "id", "name", "source", c->key) &&
	    (a->team == NULL || ctx_found(c, ctx, "team_id", "team", "team",
	    a->team));
}

/* Answered with the source as source.get shows it. */
static bool
source_done(struct change *c, const PGresult *res)
{
	source_read(c->req, c->key);
	return true;
}

static void
source_taken(struct change *c)
{
	req_fail(c->req, E_CONFLICT, "name", "a source '%s' exists already",
	    c->key);
}

static void
source_gone(struct change *c)
{
	no_source(c->req, c->key);
}

/* Allowed already: nothing to write, the same answer. */
static void
source_reread(struct change *c)
{
	source_read(c->req, c->key);
}

static void
not_allowed(struct change *c)
{
	req_fail(c->req, E_NOT_FOUND, "team", "team '%s' is not allowed to "
	    "use source '%s'", ((const struct source_args *)c->arg)->team,
	    c->key);
}

static const struct change_op source_add = {
	.what = "source", .id_field = "name", .no_ctx = true,
	.write = ST_SOURCE_ADD, .args = source_args_write,
	.done = source_done, .empty = source_taken,
};

/* A source that feeds KPIs stays (and the feeds' foreign key refuses its
 * removal under a race). */
static bool MUST_CHECK
source_unused(struct change *c, const PGresult *ctx)
{
	int64_t n = row_int(ctx, 0, "feeds");

	if (n > 0) {
		req_fail_rule_field(c->req, "name", "source.in_use", "source "
		    "'%s' feeds %lld KPI%s: turn %s off first (cairn kpi feed "
		    "ID --off)", c->key, (long long)n, n == 1 ? "" : "s",
		    n == 1 ? "its feed" : "their feeds");
		return false;
	}
	return true;
}

static const struct change_op source_remove = {
	.what = "source", .id_field = "name",
	.ctx = ST_SOURCE_CTX, .ctx_args = source_ctx_args,
	.found = source_found, .act = ACT_ADMIN, .check = source_unused,
	.write = ST_SOURCE_REMOVE, .reply = NULL, .empty = source_gone,
};

static const struct change_op source_allow = {
	.what = "source", .id_field = "name",
	.ctx = ST_SOURCE_CTX, .ctx_args = source_ctx_args,
	.found = source_found, .act = ACT_ADMIN,
	.write = ST_SOURCE_ALLOW, .args = source_args_write,
	.done = source_done, .empty = source_reread,
};

static const struct change_op source_disallow = {
	.what = "source", .id_field = "name",
	.ctx = ST_SOURCE_CTX, .ctx_args = source_ctx_args,
	.found = source_found, .act = ACT_ADMIN,
	.write = ST_SOURCE_DISALLOW, .args = source_args_write,
	.done = source_done, .empty = not_allowed,
};

/* source.add: the arguments checked, the secret sealed for the name. */
static bool
add_check(struct request *req, const char *name, struct source_args *a,
    const char *secret)
{
	static const char *const kinds[] = { "postgres", "prometheus", NULL };
	const struct secret_key *key;
	uint8_t sealed[SECRET_MAX + SECRET_OVERHEAD];
	size_t n;
	char err[256], *hex;

	if (!valid_source_name(name)) {
		req_fail(req, E_INVALID, "name", "a source's name is 1 to 40 "
		    "of a-z 0-9 _ -, starting with a letter or digit");
		return false;
	}
	if (!check_choice(req, "kind", a->kind, kinds))
		return false;
	if (strcmp(a->kind, "postgres") == 0) {
		if (!pgsrc_conninfo_check(a->target, err, sizeof err)) {
			req_fail(req, E_INVALID, "target", "%s", err);
			return false;
		}
		if (a->ca != NULL) {
			req_fail(req, E_INVALID, "ca", "a PostgreSQL source "
			    "names its CA in the DSN (sslrootcert)");
			return false;
		}
	} else {
		if (!valid_url(a->target, err, sizeof err)) {
			req_fail(req, E_INVALID, "target", "%s", err);
			return false;
		}
		if (a->ca != NULL && strstr(a->ca, "-----BEGIN CERTIFICATE-----")
		    == NULL) {
			req_fail(req, E_INVALID, "ca", "the CA is PEM: "
			    "-----BEGIN CERTIFICATE----- ...");
			return false;
		}
	}
	if (secret == NULL)
		return true;
	if ((key = secret_current()) == NULL) {
		req_fail(req, E_UNAVAILABLE, "secret", "cairnd has no "
		    "secret_key configured: a source's password or token "
		    "cannot be stored (docs/operations.md, \"Sources' "
		    "credentials\")");
		return false;
	}
	if (!secret_seal(key, name, secret, strlen(secret), sealed,
	    sizeof sealed, &n)) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return false;
	}
	hex = secret_bytea_hex(sealed, n);
	snprintf(a->sealed, sizeof a->sealed, "%s", hex);
	a->sealed_set = true;
	free(hex);
	return true;
}

/* The secret's plaintext, wherever the request holds it (the decoded
 * argument and the reader's copy), overwritten before the request is
 * answered: what lingers in memory is the sealed form only. */
static void
wipe_secret(struct request *req, const char *copy)
{
	const msgpack_object *m = req->args_obj;

	if (copy != NULL)
		OPENSSL_cleanse((char *)copy, strlen(copy));
	if (m == NULL || m->type != MSGPACK_OBJECT_MAP)
		return;
	for (uint32_t i = 0; i < m->via.map.size; i++) {
		const msgpack_object *v = &m->via.map.ptr[i].val;

		if (mp_str_eq(&m->via.map.ptr[i].key, "secret") &&
		    v->type == MSGPACK_OBJECT_STR && v->via.str.size > 0)
			OPENSSL_cleanse((char *)v->via.str.ptr,
			    v->via.str.size);
	}
}

static void
op_source_add(struct request *req)
{
	struct source_args a = { .kind = NULL };
	const char *name = NULL, *secret = NULL;
	char plain[SECRET_MAX + 1];
	struct change *c;

	(void)op_str(req, "name", &name);
	(void)op_str(req, "kind", &a.kind);
	(void)op_str(req, "target", &a.target);
	(void)op_str(req, "ca", &a.ca);
	(void)op_str(req, "secret", &secret);
	/* Kept here only until it is sealed: the request's copies are
	 * wiped before anything answers (and frees) the request. */
	if (secret != NULL)
		snprintf(plain, sizeof plain, "%s", secret);
	wipe_secret(req, secret);
	if (!req_args_done(req) || !add_check(req, name, &a, secret != NULL ?
	    plain : NULL)) {
		OPENSSL_cleanse(plain, sizeof plain);
		return;
	}
	OPENSSL_cleanse(plain, sizeof plain);
	c = change_new(req, &source_add, sizeof a);
	*(struct source_args *)c->arg = a;
	OPENSSL_cleanse(&a, sizeof a);
	change_run(c, name);
}

static void
team_change(struct request *req, const struct change_op *op)
{
	struct source_args a = { .kind = NULL };
	const char *name = NULL;
	struct change *c;

	(void)op_str(req, "name", &name);
	if (op != &source_remove)
		(void)op_str(req, "team", &a.team);
	if (!req_args_done(req))
		return;
	c = change_new(req, op, sizeof a);
	*(struct source_args *)c->arg = a;
	change_run(c, name);
}

static void
op_source_remove(struct request *req)
{
	team_change(req, &source_remove);
}

static void
op_source_allow(struct request *req)
{
	team_change(req, &source_allow);
}

static void
op_source_disallow(struct request *req)
{
	team_change(req, &source_disallow);
}

/* source.test ----------------------------------------------------------- */

bool
source_secret_open(const char *name, const char *sealed, char *out,
    size_t outcap, char *err, size_t errlen)
{
	uint8_t *b;
	size_t blen, n;
	bool ok;

	out[0] = '\0';
	if (sealed == NULL)
		return true;
	if (secret_current() == NULL) {
		snprintf(err, errlen, "the source's credential cannot be "
		    "opened: cairnd has no secret_key configured");
		return false;
	}
	if (!secret_bytea_parse(sealed, &b, &blen)) {
		snprintf(err, errlen, "the source's credential is unreadable");
		return false;
	}
	ok = secret_open(secret_current(), secret_previous(), name, b, blen,
	    out, outcap, &n, err, errlen);
	free(b);
	return ok;
}

struct source_test {
	struct request	*req;
	char		 name[NAME_MAX_LEN + 1];
};

/* A probe's answer, of either kind: what it found, or why not. */
static void
probe_done(struct source_test *t, const char *kind, bool ok,
    const char *info, const char *err)
{
	struct request *req = t->req;
	msgpack_packer *pk;

	if (!ok)
		req_fail(req, E_UNAVAILABLE, NULL, "source '%s': %s", t->name,
		    err);
	else {
		pk = req_result(req);
		msgpack_pack_map(pk, 4);
		mp_kv_str(pk, "name", t->name);
		mp_kv_str(pk, "kind", kind);
		mp_kv_bool(pk, "ok", true);
		mp_kv_str(pk, "info", info);
		req_reply(req);
	}
	free(t);
}

static void
on_probe(void *arg, const struct pgsrc_result *r)
{
	probe_done(arg, "postgres", r->ok, r->info, r->err);
}

static void
on_source_run(void *arg, const PGresult *res)
{
	struct request *req = arg;
	char pw[SECRET_MAX + SECRET_OVERHEAD + 1], err[256];
	const char *name;
	struct source_test *t;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		no_source(req, reader_arg(req, "name"));
		return;
	}
	name = row_text(res, 0, "name");
	if (!source_secret_open(name, row_str(res, 0, "secret"), pw,
	    sizeof pw, err, sizeof err)) {
		req_fail(req, E_UNAVAILABLE, NULL, "source '%s': %s", name,
		    err);
		return;
	}
	if (strcmp(row_text(res, 0, "kind"), "prometheus") == 0) {
		source_test_prometheus(req, name, row_text(res, 0, "target"),
		    row_str(res, 0, "ca_pem"), pw[0] != '\0' ? pw : NULL);
		OPENSSL_cleanse(pw, sizeof pw);
		return;
	}
	t = calloc(1, sizeof *t);
	if (t == NULL) {
		OPENSSL_cleanse(pw, sizeof pw);
		req_fail(req, E_INTERNAL, NULL, "out of memory");
		return;
	}
	t->req = req;
	snprintf(t->name, sizeof t->name, "%s", name);
	/* The run copies the password; ours is cleared at once. */
	pgsrc_start(req->conn->srv->base, row_text(res, 0, "target"),
	    pw[0] != '\0' ? pw : NULL, NULL, (int)row_int(res, 0,
	    "timeout_ms"), on_probe, t);
	OPENSSL_cleanse(pw, sizeof pw);
}

static void
op_source_test(struct request *req)
{
	struct reader *r;
	const char *name = NULL;

	(void)op_str(req, "name", &name);
	if (!req_args_done(req))
		return;
	r = reader_new(req, 0);
	reader_set(r, "name", name);
	(void)reader_db(req, ST_SOURCE_RUN, on_source_run);
}

/* A Prometheus probe's info ("Prometheus 2.42.0") is in its err. */
static void
on_prom_probe(void *arg, const struct prom_result *r)
{
	probe_done(arg, "prometheus", r->ok, r->err, r->err);
}

/* source.test of a Prometheus source: its build information
 * (/api/v1/status/buildinfo), through the reader feeds use (prom.c),
 * which copies the token. */
void
source_test_prometheus(struct request *req, const char *name,
    const char *url, const char *ca_pem, const char *token)
{
	struct prom_source ps = { .url = url, .ca_pem = ca_pem,
	    .bearer = token };
	struct source_test *t = calloc(1, sizeof *t);

	if (t == NULL) {
		req_fail(req, E_INTERNAL, NULL, "out of memory");
		return;
	}
	t->req = req;
	snprintf(t->name, sizeof t->name, "%s", name);
	(void)prom_probe_start(req->conn->srv->http, &ps, on_prom_probe, t);
}

/* The ops, gathered by dispatch.c: every one admin only. */
#define SOURCE_ADMIN	(OP_SESSION | OP_ADMIN)
const struct op source_ops[] = {
	{ .name = "source.add", .fn = op_source_add,
	    .flags = SOURCE_ADMIN | OP_WRITE, .args = add_args },
	{ .name = "source.list", .fn = op_source_list, .flags = SOURCE_ADMIN,
	    .args = no_args },
	{ .name = "source.get", .fn = op_source_get, .flags = SOURCE_ADMIN,
	    .args = name_args },
	{ .name = "source.remove", .fn = op_source_remove,
	    .flags = SOURCE_ADMIN | OP_WRITE, .args = name_args },
	{ .name = "source.allow", .fn = op_source_allow,
	    .flags = SOURCE_ADMIN | OP_WRITE, .args = team_args },
	{ .name = "source.disallow", .fn = op_source_disallow,
	    .flags = SOURCE_ADMIN | OP_WRITE, .args = team_args },
	{ .name = "source.test", .fn = op_source_test, .flags = SOURCE_ADMIN,
	    .args = name_args },
	{ .name = NULL }
};
