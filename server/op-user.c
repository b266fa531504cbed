/*
 * op-user.c: user administration.  The admin-only ops are flagged OP_ADMIN
 * in the op table; user.last_admin is checked here for a friendly error and
 * enforced by a trigger (sql/001) against races.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "fields-user.h"
#include "hashpool.h"
#include "log.h"
#include "login.h"
#include "op.h"
#include "roles.h"
#include "server.h"
#include "throttle.h"
#include "users.h"
#include "xmalloc.h"

#define PASSWORD_MIN	8
#define PASSWORD_MAX	1024

/* Reply with the one user in res, or E_NOT_FOUND. */
static void
reply_user(struct request *req, const PGresult *res, const char *login)
{
	struct rowpack rp;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "login", "no user '%s'", login);
		return;
	}
	if (!user_rowpack(req, &rp, res))
		return;
	rowpack_row(req_result(req), &rp, 0, 0);
	req_reply(req);
}

/* State shared by the multi-step user ops. */
struct user_state {
	char		*login, *name, *role;
	char		*password;	/* generated, shown once */
	char		*old_password, *new_password;
	int64_t		 user_id;
	bool		 self;
	bool		 changes_session;	/* mark sessions stale after */
	int		 failures;	/* old_password failures, this address */
};

static void
user_state_free(void *p)
{
	struct user_state *us = p;
	char **secret[] = { &us->password, &us->old_password,
	    &us->new_password };

	for (size_t i = 0; i < 3; i++)
		if (*secret[i] != NULL) {
			OPENSSL_cleanse(*secret[i], strlen(*secret[i]));
			free(*secret[i]);
		}
	free(us->login);
	free(us->name);
	free(us->role);
	free(us);
}

static struct user_state *
user_state(struct request *req)
{
	struct user_state *us = xcalloc(1, sizeof *us);

	req->state = us;
	req->state_free = user_state_free;
	return us;
}

/* user.create */

static void
on_user_created(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct user_state *us = req->state;
	struct rowpack rp;
	msgpack_packer *pk;

	if (!db_ok(res)) {
		const char *state = res ? PQresultErrorField(res,
		    PG_DIAG_SQLSTATE) : NULL;
		if (state != NULL && strcmp(state, "23505") == 0)
			req_fail(req, E_CONFLICT, "login",
			    "user '%s' already exists", us->login);
		else
			req_fail_db(req, res);
		return;
	}
	log_conn(LOG_LVL_INFO, req->conn, "user '%s' created by '%s'",
	    us->login, req->conn->sess.login);
	if (!user_rowpack(req, &rp, res))
		return;
	pk = req_result(req);
	/* The user's fields, plus the generated password, once. */
	rowpack_row(pk, &rp, 0, us->password != NULL);
	if (us->password != NULL)
		mp_kv_str(pk, "password", us->password);
	req_reply(req);
}

static void
on_new_hash(void *arg, bool match, const char *encoded)
{
	struct request *req = arg;
	struct user_state *us = req->state;
	char caller[24];
	const char *p[5] = { us->login, us->name, us->role, encoded, caller };

	if (encoded == NULL) {
		req_fail(req, E_INTERNAL, NULL, "password hashing failed");
		return;
	}
	snprintf(caller, sizeof caller, "%lld",
	    (long long)req->conn->sess.user_id);
	req_db(req, ST_USER_CREATE, 5, p, on_user_created);
}

void
op_user_create(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *login, *name, *role = "member", *password = NULL;
	struct user_state *us;

	mp_get_str(a, "login", MP_REQUIRED, 1, 63, &login);
	mp_get_str(a, "name", MP_REQUIRED, 1, 200, &name);
	mp_get_str(a, "role", MP_OPTIONAL, 1, 32, &role);
	mp_get_str(a, "password", MP_OPTIONAL, PASSWORD_MIN, PASSWORD_MAX,
	    &password);
	if (!req_args_done(req))
		return;
	if (!valid_login(login)) {
		req_fail(req, E_INVALID, "login", "a login is 1 to 63 of "
		    "a-z 0-9 . _ - and starts with a letter or digit");
		return;
	}
	if (role_parse(role) == ROLE_NONE) {
		req_fail(req, E_INVALID, "role", "no role '%s' (admin, executive, member)",
		    role);
		return;
	}
	us = user_state(req);
	us->login = xstrdup(login);
	us->name = xstrdup(name);
	us->role = xstrdup(role);
	if (password == NULL)
		password = us->password = password_generate();
	hash_or_fail(req, hashpool_hash(req->conn->srv->hp, &req->conn->akey,
	    password, on_new_hash, req));
}

/* user.list, user.get */

static void
on_user_list(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct rowpack rp;
	msgpack_packer *pk;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (!user_rowpack(req, &rp, res))
		return;
	pk = req_result(req);
	msgpack_pack_array(pk, PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++)
		rowpack_row(pk, &rp, i, 0);
	req_reply(req);
}

void
op_user_list(struct request *req)
{
	if (!req_args_done(req))
		return;
	req_db(req, ST_USER_LIST, 0, NULL, on_user_list);
}

static void
on_user_row(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct user_state *us = req->state;

	if (db_ok(res) && PQntuples(res) == 1 && us->changes_session)
		conns_session_stale(req->conn->srv, row_int(res, 0, "id"), 0);
	reply_user(req, res, us->login);
}

/* Read the login argument into a fresh user_state, or answer. */
static struct user_state *
login_arg(struct request *req, const char **extra, const char *extra_name)
{
	struct mp_reader *a = &req->args;
	const char *login;
	struct user_state *us;

	mp_get_str(a, "login", MP_REQUIRED, 1, 200, &login);
	if (extra != NULL)
		mp_get_str(a, extra_name, MP_REQUIRED, 1, 32, extra);
	if (!mp_reader_end(a)) {
		req_fail_args(req);
		return NULL;
	}
	us = user_state(req);
	us->login = xstrdup(login);
	return us;
}

void
op_user_get(struct request *req)
{
	struct user_state *us = login_arg(req, NULL, NULL);
	const char *p[1];

	if (us == NULL)
		return;
	p[0] = us->login;
	req_db(req, ST_USER_GET, 1, p, on_user_row);
}

/* user.set_role, user.disable: check user.last_admin, then change. */

static void
on_admin_state(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct user_state *us = req->state;
	char caller[24];
	const char *p[3] = { us->login, us->role, caller };
	bool is_admin, enabled;
	long others;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "login", "no user '%s'", us->login);
		return;
	}
	is_admin = strcmp(row_text(res, 0, "role"), "admin") == 0;
	enabled = row_bool(res, 0, "enabled");
	others = row_int(res, 0, "other_admins");
	/* The change removes an enabled admin if the target is one and
	 * it is being disabled (role NULL) or demoted. */
	if (is_admin && enabled && others == 0 &&
	    (us->role == NULL || strcmp(us->role, "admin") != 0)) {
		req_fail_rule(req, "user.last_admin", "'%s' is the last "
		    "enabled admin: it cannot be %s", us->login,
		    us->role == NULL ? "disabled" : "demoted");
		return;
	}
	us->changes_session = true;
	snprintf(caller, sizeof caller, "%lld",
	    (long long)req->conn->sess.user_id);
	if (us->role != NULL)
		req_db(req, ST_USER_SET_ROLE, 3, p, on_user_row);
	else {
		p[1] = caller;
		req_db(req, ST_USER_DISABLE, 2, p, on_user_row);
	}
}

void
op_user_set_role(struct request *req)
{
	const char *role, *p[1];
	struct user_state *us = login_arg(req, &role, "role");

	if (us == NULL)
		return;
	if (role_parse(role) == ROLE_NONE) {
		req_fail(req, E_INVALID, "role", "no role '%s' (admin, executive, member)",
		    role);
		return;
	}
	us->role = xstrdup(role);
	p[0] = us->login;
	req_db(req, ST_USER_ADMIN_STATE, 1, p, on_admin_state);
}

void
op_user_disable(struct request *req)
{
	struct user_state *us = login_arg(req, NULL, NULL);
	const char *p[1];

	if (us == NULL)
		return;
	p[0] = us->login;
	req_db(req, ST_USER_ADMIN_STATE, 1, p, on_admin_state);
}

void
op_user_enable(struct request *req)
{
	struct user_state *us = login_arg(req, NULL, NULL);
	char caller[24];
	const char *p[2] = { NULL, caller };

	if (us == NULL)
		return;
	p[0] = us->login;
	snprintf(caller, sizeof caller, "%lld",
	    (long long)req->conn->sess.user_id);
	us->changes_session = true;
	req_db(req, ST_USER_ENABLE, 2, p, on_user_row);
}

/* user.set_password */

static void
on_password_set(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct user_state *us = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "login", "no user '%s'", us->login);
		return;
	}
	conns_session_stale(req->conn->srv, us->user_id, 0);
	log_conn(LOG_LVL_INFO, req->conn, "password of '%s' changed by '%s'",
	    us->login, req->conn->sess.login);
	msgpack_pack_true(req_result(req));
	/* The old password was right: its streak of failures ends. */
	if (us->self && us->failures > 0)
		throttle_ok(req, us->login, req_reply);
	else
		req_reply(req);
}

static void
on_password_hashed(void *arg, bool match, const char *encoded)
{
	struct request *req = arg;
	struct user_state *us = req->state;
	char uid[24], sid[24], caller[24];
	const char *p[4] = { uid, encoded, us->self ? sid : NULL, caller };

	if (encoded == NULL) {
		req_fail(req, E_INTERNAL, NULL, "password hashing failed");
		return;
	}
	snprintf(uid, sizeof uid, "%lld", (long long)us->user_id);
	snprintf(sid, sizeof sid, "%lld", (long long)req->conn->sess.id);
	snprintf(caller, sizeof caller, "%lld",
	    (long long)req->conn->sess.user_id);
	req_db(req, ST_USER_SET_PASSWORD, 4, p, on_password_set);
}

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
	struct user_state *us = req->state;

	if (!match) {
		/* Guessing through a stolen session counts with login
		 * guesses: same login, same address, same counter. */
		log_conn(LOG_LVL_INFO, req->conn,
		    "wrong old password for '%s'", us->login);
		throttle_fail(req, us->login, on_old_failure_counted);
		return;
	}
	hash_or_fail(req, hashpool_hash(req->conn->srv->hp, &req->conn->akey,
	    us->new_password, on_password_hashed, req));
}

static void
on_password_target(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct user_state *us = req->state;
	enum hash_refusal r;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "login", "no user '%s'", us->login);
		return;
	}
	us->user_id = row_int(res, 0, "id");
	if (us->self)
		r = hashpool_verify(req->conn->srv->hp, &req->conn->akey,
		    us->old_password, row_text(res, 0, "password_hash"),
		    on_old_verified, req);
	else
		r = hashpool_hash(req->conn->srv->hp, &req->conn->akey,
		    us->new_password, on_password_hashed, req);
	hash_or_fail(req, r);
}

static void
on_password_throttle(struct request *req, int failures)
{
	struct user_state *us = req->state;
	const char *p[1] = { us->login };

	us->failures = failures;
	req_db(req, ST_USER_PW_BY_LOGIN, 1, p, on_password_target);
}

void
op_user_set_password(struct request *req)
{
	struct mp_reader *a = &req->args;
	struct session *s = &req->conn->sess;
	const char *login = s->login, *old = NULL, *pw, *p[1];
	struct user_state *us;

	mp_get_str(a, "login", MP_OPTIONAL, 1, 200, &login);
	mp_get_str(a, "old_password", MP_OPTIONAL, 1, PASSWORD_MAX, &old);
	mp_get_str(a, "password", MP_REQUIRED, PASSWORD_MIN, PASSWORD_MAX,
	    &pw);
	if (!req_args_done(req))
		return;
	us = user_state(req);
	us->login = xstrdup(login);
	us->self = strcmp(login, s->login) == 0;
	if (!us->self && s->role != ROLE_ADMIN) {
		req_fail(req, E_FORBIDDEN, "login", "only an admin sets "
		    "another user's password");
		return;
	}
	if (us->self && old == NULL) {
		req_fail(req, E_BAD_REQUEST, "old_password", "missing argument "
		    "'old_password' (needed to change your own password)");
		return;
	}
	if (old != NULL)
		us->old_password = xstrdup(old);
	us->new_password = xstrdup(pw);
	if (us->self) {
		/* Locked from this address: refused before any hashing. */
		throttle_check(req, us->login, "old_password",
		    "wrong passwords", on_password_throttle);
		return;
	}
	p[0] = us->login;
	req_db(req, ST_USER_PW_BY_LOGIN, 1, p, on_password_target);
}
