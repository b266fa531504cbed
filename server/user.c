/*
 * user.c: the user entity, in one place (the layout of kr.c): its ops with
 * flags and argument schema, its statements with parameters by name, its
 * reply objects and its changes.  Its database logic (user.last_admin's
 * trigger, the write budgets) lives in sql/logic/user.sql.
 *
 * Every change to a user takes change.c's path: the context is the user
 * by login (one row, found or not, so that a missing user is answered
 * "no user 'LOGIN'"), then the checks, then one statement that writes the
 * user with its audit entry.  A new password is hashed off the loop
 * (hashpool.c) between the checks and the write (change_resume).  The
 * admin-only ops are flagged OP_ADMIN in the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cache.h"
#include "change.h"
#include "hashpool.h"
#include "log.h"
#include "login.h"
#include "op.h"
#include "roles.h"
#include "rules.h"
#include "server.h"
#include "sql-cols.h"
#include "throttle.h"
#include "user.h"

#define PASSWORD_MIN	8
#define PASSWORD_MAX	1024

/* Reply objects and contexts. */

#define USER_FIELDS							\
	{ "id", F_INT }, { "login", F_STR }, { "name", F_STR },		\
	{ "role", F_STR }, { "enabled", F_BOOL }, { "created", F_STR }

static const struct field user_f[] = { USER_FIELDS };
const struct fieldset FS_USER = FIELDSET("user", user_f);

/* user_get: the login asked and whether it names a user, then the user
 * (packed with FS_USER). */
static const struct field user_lookup_f[] = {
	{ "asked", F_HIDDEN }, { "found", F_HIDDEN }, USER_FIELDS
};
static const struct fieldset FS_USER_LOOKUP = FIELDSET("user",
    user_lookup_f);

static const struct field user_budget_f[] = {
	{ "login", F_STR }, { "lifted", F_BOOL }
};
static const struct fieldset FS_USER_BUDGET = FIELDSET("user budget",
    user_budget_f);

/* Contexts: read by the checks, never packed. */
static const struct field user_ctx_f[] = {
	{ "found", F_HIDDEN }, { "role", F_HIDDEN }, { "enabled", F_HIDDEN },
	{ "other_admins", F_HIDDEN }
};
static const struct fieldset FS_USER_CTX = FIELDSET("user", user_ctx_f);

static const struct field user_pw_f[] = {
	{ "found", F_HIDDEN }, { "id", F_HIDDEN }, { "password_hash", F_HIDDEN }
};
static const struct fieldset FS_USER_PW = FIELDSET("password check",
    user_pw_f);

static const struct field user_id_f[] = { { "id", F_HIDDEN } };
static const struct fieldset FS_USER_ID = FIELDSET("user id", user_id_f);

/* A user row for the audit log: never the password hash. */
#define USER_JSON(u)	"(to_jsonb(" u ") - 'password_hash')"
/* The user $key, as one row whether it exists or not. */
#define USER_BY_KEY	" FROM (VALUES (1)) v LEFT JOIN users u"	\
	" ON u.login = $key"

/* The statements, with their parameters by name (stmt.h).  $key is the
 * user's login. */
const stmt_table user_stmts = {
	[ST_USER_GET] = { .name = "user_get", .kind = STMT_READ,
	    .params = "login",
	    .sql = "SELECT $login::text AS asked, u.id IS NOT NULL AS found, "
	    USER_COLS("u.") " FROM (VALUES (1)) v LEFT JOIN users u"
	    " ON u.login = $login",
	    .returns = &FS_USER_LOOKUP },

	[ST_USER_LIST] = { .name = "user_list", .kind = STMT_READ,
	    .params = "",
	    .sql = "SELECT " USER_COLS("") " FROM users ORDER BY login",
	    .returns = &FS_USER },

	/* The target's role and state and how many other enabled admins
	 * remain: the friendly check before user.last_admin's trigger. */
	[ST_USER_ADMIN_STATE] = { .name = "user_admin_state",
	    .kind = STMT_READ, .params = "key",
	    .sql = "SELECT u.id IS NOT NULL AS found, u.role, u.enabled,"
	    " (SELECT count(*) FROM users o WHERE o.role = 'admin'"
	    " AND o.enabled AND o.id <> u.id) AS other_admins" USER_BY_KEY,
	    .returns = &FS_USER_CTX },

	/* A login taken meanwhile: no row (the first one's reply). */
	[ST_USER_CREATE] = { .name = "user_create", .kind = STMT_WRITE,
	    .params = "caller key name user_role hash",
	    .sql = "WITH u AS (INSERT INTO users (login, name, role,"
	    " password_hash) VALUES ($key, $name, $user_role, $hash)"
	    " ON CONFLICT DO NOTHING RETURNING *),"
	    AUDIT_NAMED("user.create", "user", "u.id", "NULL",
	    USER_JSON("u"), "u")
	    " SELECT " USER_COLS("u.") " FROM u",
	    .returns = &FS_USER },

	[ST_USER_SET_ROLE] = { .name = "user_set_role", .kind = STMT_WRITE,
	    .params = "caller key user_role",
	    .sql = "WITH b AS (SELECT " USER_JSON("x") " j FROM users x"
	    " WHERE login = $key),"
	    " u AS (UPDATE users SET role = $user_role, updated_at = now()"
	    " WHERE login = $key RETURNING *),"
	    AUDIT_NAMED("user.set_role", "user", "u.id", "(SELECT j FROM b)",
	    USER_JSON("u"), "u")
	    " SELECT " USER_COLS("u.") " FROM u",
	    .returns = &FS_USER },

	/* Disabling revokes every session of the user in the same
	 * statement. */
	[ST_USER_DISABLE] = { .name = "user_disable", .kind = STMT_WRITE,
	    .params = "caller key",
	    .sql = "WITH u AS (UPDATE users SET enabled = false,"
	    " updated_at = now() WHERE login = $key RETURNING *),"
	    " s AS (UPDATE sessions SET revoked_at = now() WHERE user_id IN"
	    " (SELECT id FROM u) AND revoked_at IS NULL),"
	    AUDIT_NAMED("user.disable", "user", "u.id", "NULL",
	    USER_JSON("u"), "u")
	    " SELECT " USER_COLS("") " FROM u",
	    .returns = &FS_USER },

	[ST_USER_ENABLE] = { .name = "user_enable", .kind = STMT_WRITE,
	    .params = "caller key",
	    .sql = "WITH u AS (UPDATE users SET enabled = true,"
	    " updated_at = now() WHERE login = $key RETURNING *),"
	    AUDIT_NAMED("user.enable", "user", "u.id", "NULL",
	    USER_JSON("u"), "u")
	    " SELECT " USER_COLS("") " FROM u",
	    .returns = &FS_USER },

	[ST_USER_PW_BY_LOGIN] = { .name = "user_pw_by_login",
	    .kind = STMT_READ, .params = "key",
	    .sql = "SELECT u.id IS NOT NULL AS found, u.id, u.password_hash"
	    USER_BY_KEY,
	    .returns = &FS_USER_PW },

	/* keep: the session to keep (NULL: none); the user's other
	 * sessions are revoked. */
	[ST_USER_SET_PASSWORD] = { .name = "user_set_password",
	    .kind = STMT_WRITE, .params = "caller key hash keep",
	    .sql = "WITH u AS (UPDATE users SET password_hash = $hash,"
	    " updated_at = now() WHERE login = $key RETURNING id),"
	    " s AS (UPDATE sessions SET revoked_at = now() WHERE user_id IN"
	    " (SELECT id FROM u) AND revoked_at IS NULL"
	    " AND id IS DISTINCT FROM $keep::bigint),"
	    AUDIT_NAMED("user.set_password", "user", "u.id", "NULL", "NULL",
	    "u")
	    " SELECT id FROM u",
	    .returns = &FS_USER_ID },

	/* Lift (lifted true) or restore the user's write budgets (sql/023),
	 * audited with the state before and after.  No row: no such
	 * user. */
	[ST_USER_BUDGET] = { .name = "user_budget", .kind = STMT_WRITE,
	    .params = "caller key lifted",
	    .sql = "WITH u AS (SELECT id, login FROM users WHERE login = $key),"
	    " b AS (SELECT EXISTS (SELECT 1 FROM budget_lifts l, u"
	    " WHERE l.user_id = u.id) AS was),"
	    " i AS (INSERT INTO budget_lifts (user_id, lifted_by)"
	    " SELECT id, $caller::bigint FROM u WHERE $lifted::boolean"
	    " ON CONFLICT (user_id) DO NOTHING RETURNING user_id),"
	    " d AS (DELETE FROM budget_lifts WHERE NOT $lifted::boolean"
	    " AND user_id IN (SELECT id FROM u) RETURNING user_id),"
	    AUDIT_NAMED("user.budget", "user", "u.id",
	    "jsonb_build_object('budgets_lifted', b.was)",
	    "jsonb_build_object('budgets_lifted', $lifted::boolean)", "u, b")
	    " SELECT u.login, $lifted::boolean AS lifted FROM u",
	    .returns = &FS_USER_BUDGET },
};

/* The ops' arguments. */

static const struct op_arg create_args[] = {
	A_STR("login", true, 1, 63), A_STR("name", true, 1, 200),
	A_STR("role", false, 1, 32),
	A_STR("password", false, PASSWORD_MIN, PASSWORD_MAX), A_END
};
static const struct op_arg no_args[] = {
	A_END
};
static const struct op_arg login_args[] = {
	A_STR("login", true, 1, 200), A_END
};
static const struct op_arg role_args[] = {
	A_STR("login", true, 1, 200), A_STR("role", true, 1, 32), A_END
};
/* And "lifted", a boolean (read with mp_get_bool: op.h has no boolean
 * arguments). */
static const struct op_arg budget_args[] = {
	A_STR("login", true, 1, 200), A_END
};
static const struct op_arg password_args[] = {
	A_STR("login", false, 1, 200),
	A_STR("old_password", false, 1, PASSWORD_MAX),
	A_STR("password", true, PASSWORD_MIN, PASSWORD_MAX), A_END
};

/*
 * A change's arguments (c->arg).  The strings point into the request's
 * arguments, which live as long as the request; the change's own bytes
 * are zeroed before they are freed (change.c), so the generated password
 * and the hash leave nothing behind.
 */
struct user_arg {
	const char	*login;		/* as given */
	const char	*name;		/* user.create */
	const char	*role;		/* the new role; NULL: disabling */
	const char	*password;	/* the new password */
	const char	*old_password;	/* changing one's own */
	char		 generated[32];	/* made up by user.create: shown once */
	char		 hash[256];	/* the new password's, hashed */
	int64_t		 user_id;	/* user.set_password's target */
	bool		 lifted;	/* user.budget */
	bool		 self;		/* one's own password */
	int		 failures;	/* old_password failures, this address */
	char		 sid[24];	/* the session kept, as the write's
					 * parameter (sp_set keeps the pointer:
					 * it must outlive the args hook) */
};

#define UARG(c)	((struct user_arg *)(c)->arg)

bool
user_rowpack(struct request *req, struct rowpack *rp, const PGresult *res)
{
	if (rowpack_init(rp, &FS_USER, res))
		return true;
	/* db.c checks every statement's columns at prepare time. */
	req_fail(req, E_INTERNAL, NULL, "a user's columns are missing");
	return false;
}

/* Answers and checks every user op shares. */

static void
no_user(struct request *req, const char *login)
{
	req_fail(req, E_NOT_FOUND, "login", "no user '%s'", login);
}

static void
user_missing(struct change *c)
{
	no_user(c->req, UARG(c)->login);
}

/* Run the change on the user login.  A login longer than a key names no
 * user (sql/001's CHECK: at most 63 characters): answered so rather than
 * cut to another user's login. */
static void
user_run(struct change *c, const char *login)
{
	UARG(c)->login = login;
	if (strlen(login) >= sizeof c->key)
		c->op->empty(c);
	else
		change_run(c, login);
}

static bool
user_found(struct change *c, const PGresult *ctx)
{
	return ctx_found(c, ctx, "found", "login", "user", c->key);
}

static bool MUST_CHECK
valid_role(struct request *req, const char *role)
{
	if (role_parse(role) != ROLE_NONE)
		return true;
	req_fail(req, E_INVALID, "role", "no role '%s' (admin, executive, "
	    "member)", role);
	return false;
}

/* The new password's hash into the change, or answered and false. */
static bool MUST_CHECK
hash_kept(struct change *c, const char *encoded)
{
	if (encoded == NULL || strlen(encoded) >= sizeof UARG(c)->hash) {
		req_fail(c->req, E_INTERNAL, NULL, "password hashing failed");
		return false;
	}
	snprintf(UARG(c)->hash, sizeof UARG(c)->hash, "%s", encoded);
	return true;
}

/* The user's sessions are re-checked at their next op (a changed role,
 * a disabled user), and the cached user goes before the reply: the writer's
 * next read is never older than its write (cache.h; other cairnd hear it
 * from the trigger's NOTIFY). */
static bool
sessions_stale(struct change *c, const PGresult *res)
{
	(void)conns_session_stale(c->req->conn->srv, row_int(res, 0, "id"),
	    0, 0);
	cache_user_forget(c->key);
	return false;
}

static void
user_args(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	sp_set_if(sp, "name", UARG(c)->name);
	sp_set_if(sp, "user_role", UARG(c)->role);
	sp_set_if(sp, "hash", UARG(c)->hash);
}

/* user.create: the login free, the password hashed, then the insert. */

static void
user_exists(struct change *c)
{
	req_fail(c->req, E_CONFLICT, "login", "user '%s' already exists",
	    c->key);
}

static bool
create_free(struct change *c, const PGresult *ctx)
{
	if (!row_bool(ctx, 0, "found"))
		return true;
	user_exists(c);
	return false;
}

/* A new password hashed (user.create, user.set_password): the write. */
static void
on_new_hash(void *arg, bool match, const char *encoded)
{
	struct request *req = arg;

	if (hash_kept(req->change, encoded))
		change_resume(req->change);
}

static bool
create_hash(struct change *c, const PGresult *ctx)
{
	struct request *req = c->req;

	hash_or_fail(req, hashpool_hash(req->conn->srv->hp, &req->conn->akey,
	    UARG(c)->password, on_new_hash, req));
	return false;
}

static bool
create_done(struct change *c, const PGresult *res)
{
	struct request *req = c->req;
	const char *pw = UARG(c)->generated;
	struct rowpack rp;
	msgpack_packer *pk;

	log_conn(LOG_LVL_INFO, req->conn, "user '%s' created by '%s'",
	    c->key, req->conn->sess.login);
	if (!user_rowpack(req, &rp, res))
		return true;
	pk = req_result(req);
	/* The user's fields, plus the generated password, once. */
	rowpack_row(pk, &rp, 0, *pw != '\0');
	if (*pw != '\0')
		mp_kv_str(pk, "password", pw);
	req_reply(req);
	return true;
}

static const struct change_op user_create = {
	.what = "user", .id_field = "login",
	.ctx = ST_USER_ADMIN_STATE, .found = create_free, .act = ACT_ADMIN,
	.check = create_hash,
	.write = ST_USER_CREATE, .args = user_args, .reply = &FS_USER,
	.empty = user_exists, .done = create_done,
};

static void
op_user_create(struct request *req)
{
	struct change *c = change_new(req, &user_create,
	    sizeof(struct user_arg));
	struct user_arg *u = c->arg;
	const char *login, *role = "member";

	(void)op_str(req, "login", &login);
	(void)op_str(req, "name", &u->name);
	(void)op_str(req, "role", &role);
	(void)op_str(req, "password", &u->password);
	if (!req_args_done(req))
		return;
	if (!valid_login(login)) {
		req_fail(req, E_INVALID, "login", "a login is 1 to 63 of "
		    "a-z 0-9 . _ - and starts with a letter or digit");
		return;
	}
	if (!valid_role(req, role))
		return;
	u->role = role;
	if (u->password == NULL) {
		char *pw = password_generate();

		snprintf(u->generated, sizeof u->generated, "%s", pw);
		OPENSSL_cleanse(pw, strlen(pw));
		free(pw);
		u->password = u->generated;
	}
	change_run(c, login);
}

/* user.list, user.get */

static void
on_user_list(void *arg, const PGresult *res)
{
	reply_list(arg, res, &FS_USER);
}

static void
op_user_list(struct request *req)
{
	struct stmt_params sp;

	if (!req_args_done(req))
		return;
	stmt_params_init(&sp, ST_USER_LIST);
	(void)req_db_named(req, &sp, on_user_list);
}

/* The user by login (user_get), for user.get and session.whoami. */
bool
user_get(struct request *req, const char *login, db_cb *cb)
{
	struct stmt_params sp;

	stmt_params_init(&sp, ST_USER_GET);
	sp_set(&sp, "login", login);
	return req_db_named(req, &sp, cb);
}

void
user_reply(struct request *req, const PGresult *res,
    void (*none)(struct request *, const PGresult *))
{
	struct rowpack rp;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (!row_bool(res, 0, "found")) {
		none(req, res);
		return;
	}
	if (!user_rowpack(req, &rp, res))
		return;
	rowpack_row(req_result(req), &rp, 0, 0);
	req_reply(req);
}

static void
user_none(struct request *req, const PGresult *res)
{
	no_user(req, row_text(res, 0, "asked"));
}

/* user.get's reply, kept in the cache (cache.h) unless an invalidation
 * came while it was read (req->cache_gen, taken before the query). */
static void
on_user_get(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct rowpack rp;
	size_t start;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (!row_bool(res, 0, "found")) {
		user_none(req, res);
		return;
	}
	if (!user_rowpack(req, &rp, res))
		return;
	(void)req_result(req);
	start = req->out.size;
	rowpack_row(&req->pk, &rp, 0, 0);
	cache_user_put(req->cache_gen, row_text(res, 0, "login"),
	    row_int(res, 0, "id"), req->out.data + start,
	    req->out.size - start);
	req_reply(req);
}

static void
op_user_get(struct request *req)
{
	const char *login, *packed;
	size_t len;

	(void)op_str(req, "login", &login);
	if (!req_args_done(req))
		return;
	if (cache_user_get(login, &packed, &len)) {
		(void)req_result(req);
		msgpack_sbuffer_write(&req->out, packed, len);
		req_reply(req);
		return;
	}
	req->cache_gen = cache_gen();
	(void)user_get(req, login, on_user_get);
}

/* user.set_role, user.disable: user.last_admin, then the change. */

static bool
last_admin(struct change *c, const PGresult *ctx)
{
	const char *role = UARG(c)->role;

	const char *rule;

	/* role NULL: the target is being disabled. */
	if ((rule = last_admin_refusal(row_text(ctx, 0, "role"),
	    row_bool(ctx, 0, "enabled"), row_int(ctx, 0, "other_admins"),
	    role)) == NULL)
		return true;
	req_fail_rule(c->req, rule, "'%s' is the last enabled "
	    "admin: it cannot be %s", c->key, role == NULL ? "disabled" :
	    "demoted");
	return false;
}

static const struct change_op user_set_role = {
	.what = "user", .id_field = "login",
	.ctx = ST_USER_ADMIN_STATE, .found = user_found, .act = ACT_ADMIN,
	.check = last_admin,
	.write = ST_USER_SET_ROLE, .args = user_args, .reply = &FS_USER,
	.empty = user_missing, .done = sessions_stale,
};

static const struct change_op user_disable = {
	.what = "user", .id_field = "login",
	.ctx = ST_USER_ADMIN_STATE, .found = user_found, .act = ACT_ADMIN,
	.check = last_admin,
	.write = ST_USER_DISABLE, .reply = &FS_USER,
	.empty = user_missing, .done = sessions_stale,
};

/* Nothing to check: a missing user is answered by the write. */
static const struct change_op user_enable = {
	.what = "user", .id_field = "login", .no_ctx = true,
	.write = ST_USER_ENABLE, .reply = &FS_USER,
	.empty = user_missing, .done = sessions_stale,
};

static void
op_user_set_role(struct request *req)
{
	struct change *c = change_new(req, &user_set_role,
	    sizeof(struct user_arg));
	const char *login, *role;

	(void)op_str(req, "login", &login);
	(void)op_str(req, "role", &role);
	if (!req_args_done(req) || !valid_role(req, role))
		return;
	UARG(c)->role = role;
	user_run(c, login);
}

/* user.disable, user.enable: the login only. */
static void
login_change(struct request *req, const struct change_op *op)
{
	struct change *c = change_new(req, op, sizeof(struct user_arg));
	const char *login;

	(void)op_str(req, "login", &login);
	if (req_args_done(req))
		user_run(c, login);
}

static void
op_user_disable(struct request *req)
{
	login_change(req, &user_disable);
}

static void
op_user_enable(struct request *req)
{
	login_change(req, &user_enable);
}

/* user.budget {login, lifted}: lifted true exempts the user from every
 * budget, false applies them again (sql/023; docs/rules.md, "Write
 * budgets").  Nothing to check: a missing user is answered by the
 * write. */

static void
budget_missing(struct change *c)
{
	req_fail(c->req, E_NOT_FOUND, "login", "no such user");
}

static void
budget_args_set(struct change *c, const PGresult *ctx,
    struct stmt_params *sp)
{
	sp_set(sp, "lifted", UARG(c)->lifted ? "true" : "false");
}

static const struct change_op user_budget = {
	.what = "user", .id_field = "login", .no_ctx = true,
	.write = ST_USER_BUDGET, .args = budget_args_set,
	.reply = &FS_USER_BUDGET, .empty = budget_missing,
};

static void
op_user_budget(struct request *req)
{
	struct change *c = change_new(req, &user_budget,
	    sizeof(struct user_arg));
	const char *login;

	(void)op_str(req, "login", &login);
	mp_get_bool(&req->args, "lifted", MP_REQUIRED, &UARG(c)->lifted);
	if (req_args_done(req))
		user_run(c, login);
}

/*
 * user.set_password: one's own (with the old password, counted with
 * login guesses: same login, same address, same counter) or, for an
 * admin, anyone's.  The other sessions of the user are revoked.
 */

static void
on_old_failure_counted(struct request *req, int delay_ms)
{
	req->defer_ms = delay_ms;
	req_fail(req, E_AUTH, "old_password", "wrong password");
}

static void
on_old_verified(void *arg, bool match, const char *encoded)
{
	struct request *req = arg;
	struct change *c = req->change;

	if (!match) {
		log_conn(LOG_LVL_INFO, req->conn,
		    "wrong old password for '%s'", c->key);
		throttle_fail(req, c->key, on_old_failure_counted);
		return;
	}
	hash_or_fail(req, hashpool_hash(req->conn->srv->hp, &req->conn->akey,
	    UARG(c)->password, on_new_hash, req));
}

static bool
password_check(struct change *c, const PGresult *ctx)
{
	struct request *req = c->req;
	struct user_arg *u = c->arg;
	enum hash_refusal r;

	u->user_id = row_int(ctx, 0, "id");
	if (u->self)
		r = hashpool_verify(req->conn->srv->hp, &req->conn->akey,
		    u->old_password, row_text(ctx, 0, "password_hash"),
		    on_old_verified, req);
	else
		r = hashpool_hash(req->conn->srv->hp, &req->conn->akey,
		    u->password, on_new_hash, req);
	hash_or_fail(req, r);
	return false;
}

static void
password_write_args(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	struct user_arg *u = UARG(c);

	snprintf(u->sid, sizeof u->sid, "%lld",
	    (long long)c->req->conn->sess.id);
	sp_set(sp, "hash", u->hash);
	sp_set(sp, "keep", u->self ? u->sid : NULL);
}

static bool
password_done(struct change *c, const PGresult *res)
{
	struct request *req = c->req;

	(void)conns_session_stale(req->conn->srv, UARG(c)->user_id, 0, 0);
	log_conn(LOG_LVL_INFO, req->conn, "password of '%s' changed by '%s'",
	    c->key, req->conn->sess.login);
	msgpack_pack_true(req_result(req));
	/* The old password was right: its streak of failures ends. */
	if (UARG(c)->self && UARG(c)->failures > 0)
		throttle_ok(req, c->key, req_reply);
	else
		req_reply(req);
	return true;
}

/* Who may set whose password is the op's own check (one's own, or an
 * admin): the context has no team facts, so the path's read check and
 * ACT_READ pass. */
static const struct change_op user_set_password = {
	.what = "user", .id_field = "login",
	.ctx = ST_USER_PW_BY_LOGIN, .found = user_found, .act = ACT_READ,
	.check = password_check,
	.write = ST_USER_SET_PASSWORD, .args = password_write_args,
	.empty = user_missing, .done = password_done,
};

static void
on_password_throttle(struct request *req, int failures)
{
	struct change *c = req->change;

	UARG(c)->failures = failures;
	change_run(c, UARG(c)->login);
}

static void
op_user_set_password(struct request *req)
{
	struct session *s = &req->conn->sess;
	struct change *c = change_new(req, &user_set_password,
	    sizeof(struct user_arg));
	struct user_arg *u = c->arg;
	const char *login = s->login;

	(void)op_str(req, "login", &login);
	(void)op_str(req, "old_password", &u->old_password);
	(void)op_str(req, "password", &u->password);
	if (!req_args_done(req))
		return;
	u->self = strcmp(login, s->login) == 0;
	if (!u->self && s->role != ROLE_ADMIN) {
		req_fail(req, E_FORBIDDEN, "login", "only an admin sets "
		    "another user's password");
		return;
	}
	if (u->self && u->old_password == NULL) {
		req_fail(req, E_BAD_REQUEST, "old_password", "missing argument "
		    "'old_password' (needed to change your own password)");
		return;
	}
	if (!u->self) {
		user_run(c, login);
		return;
	}
	/* Locked from this address: refused before any hashing. */
	u->login = login;
	throttle_check(req, login, "old_password", "wrong passwords",
	    on_password_throttle);
}

const struct op user_ops[] = {
	{ .name = "user.create", .fn = op_user_create,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE, .args = create_args },
	{ .name = "user.list", .fn = op_user_list, .flags = OP_SESSION,
	    .args = no_args },
	{ .name = "user.get", .fn = op_user_get, .flags = OP_SESSION,
	    .args = login_args },
	{ .name = "user.set_role", .fn = op_user_set_role,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE, .args = role_args },
	{ .name = "user.disable", .fn = op_user_disable,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE, .args = login_args },
	{ .name = "user.enable", .fn = op_user_enable,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE, .args = login_args },
	{ .name = "user.budget", .fn = op_user_budget,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE, .args = budget_args },
	{ .name = "user.set_password", .fn = op_user_set_password,
	    .flags = OP_SESSION | OP_WRITE, .args = password_args },
	{ .name = NULL }
};
