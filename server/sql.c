/*
 * sql.c: the statement table.  Multi-row changes that must be atomic are
 * single statements with data-modifying CTEs, so that no transaction is ever
 * left open across event-loop turns.
 */
#include "sql.h"

#define USER_COLS(u)							\
	u "id, " u "login, " u "name, " u "role, " u "enabled, "	\
	"to_char(" u "created_at AT TIME ZONE 'UTC', "			\
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

const struct stmt_def stmts[ST_MAX] = {
	[ST_AUTH_BY_LOGIN] = { "auth_by_login",
	    "SELECT id, password_hash, enabled FROM users WHERE login = $1" },

	/* $1 user id, $2 token hash (hex), $3 lifetime in seconds */
	[ST_SESSION_CREATE] = { "session_create",
	    "WITH s AS (INSERT INTO sessions (user_id, token_hash, expires_at)"
	    " VALUES ($1, decode($2, 'hex'), now() + make_interval(secs => $3))"
	    " RETURNING id, user_id, expires_at)"
	    " SELECT s.id, extract(epoch FROM s.expires_at)::bigint, "
	    USER_COLS("u.") " FROM s JOIN users u ON u.id = s.user_id" },

	/* $1 token hash (hex), $2 idle limit in seconds.  Touches last_seen
	 * at most once a minute to keep the write rate low. */
	[ST_SESSION_CHECK] = { "session_check",
	    "WITH s AS (SELECT s.id AS sid, s.user_id, s.expires_at,"
	    " s.last_seen FROM sessions s JOIN users u ON u.id = s.user_id"
	    " WHERE s.token_hash = decode($1, 'hex') AND s.revoked_at IS NULL"
	    " AND s.expires_at > now() AND u.enabled"
	    " AND s.last_seen > now() - make_interval(secs => $2)),"
	    " t AS (UPDATE sessions SET last_seen = now() FROM s"
	    " WHERE sessions.id = s.sid AND s.last_seen < now() - interval '60s')"
	    " SELECT s.sid, extract(epoch FROM s.expires_at)::bigint, "
	    USER_COLS("u.") " FROM s JOIN users u ON u.id = s.user_id" },

	[ST_SESSION_REVOKE] = { "session_revoke",
	    "UPDATE sessions SET revoked_at = now()"
	    " WHERE id = $1 AND revoked_at IS NULL" },

	[ST_USER_GET] = { "user_get",
	    "SELECT " USER_COLS("") " FROM users WHERE login = $1" },

	[ST_USER_LIST] = { "user_list",
	    "SELECT " USER_COLS("") " FROM users ORDER BY login" },

	[ST_USER_CREATE] = { "user_create",
	    "INSERT INTO users (login, name, role, password_hash)"
	    " VALUES ($1, $2, $3, $4) RETURNING " USER_COLS("") },

	/* The target's role and state and how many other enabled admins
	 * remain: the friendly check before user.last_admin's trigger. */
	[ST_USER_ADMIN_STATE] = { "user_admin_state",
	    "SELECT u.role, u.enabled, (SELECT count(*) FROM users o"
	    " WHERE o.role = 'admin' AND o.enabled AND o.id <> u.id)"
	    " FROM users u WHERE u.login = $1" },

	[ST_USER_SET_ROLE] = { "user_set_role",
	    "UPDATE users SET role = $2, updated_at = now()"
	    " WHERE login = $1 RETURNING " USER_COLS("") },

	/* Disabling revokes every session of the user in the same
	 * statement. */
	[ST_USER_DISABLE] = { "user_disable",
	    "WITH u AS (UPDATE users SET enabled = false, updated_at = now()"
	    " WHERE login = $1 RETURNING *),"
	    " s AS (UPDATE sessions SET revoked_at = now() WHERE user_id IN"
	    " (SELECT id FROM u) AND revoked_at IS NULL)"
	    " SELECT " USER_COLS("") " FROM u" },

	[ST_USER_ENABLE] = { "user_enable",
	    "UPDATE users SET enabled = true, updated_at = now()"
	    " WHERE login = $1 RETURNING " USER_COLS("") },

	[ST_USER_PW_BY_LOGIN] = { "user_pw_by_login",
	    "SELECT id, password_hash FROM users WHERE login = $1" },

	/* $1 user id, $2 new hash, $3 session to keep (or NULL): the other
	 * sessions of the user are revoked. */
	[ST_USER_SET_PASSWORD] = { "user_set_password",
	    "WITH u AS (UPDATE users SET password_hash = $2, updated_at = now()"
	    " WHERE id = $1 RETURNING id),"
	    " s AS (UPDATE sessions SET revoked_at = now() WHERE user_id IN"
	    " (SELECT id FROM u) AND revoked_at IS NULL"
	    " AND id IS DISTINCT FROM $3::bigint)"
	    " SELECT id FROM u" },
};
