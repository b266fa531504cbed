/*
 * sql.h: every statement cairnd runs, in one table, prepared on each pooled
 * connection.  One place per entity; each takes parameters.
 */
#ifndef CAIRN_SQL_H
#define CAIRN_SQL_H

enum stmt {
	/* sessions */
	ST_AUTH_BY_LOGIN,
	ST_SESSION_CREATE,
	ST_SESSION_CHECK,
	ST_SESSION_REVOKE,
	/* users */
	ST_USER_GET,
	ST_USER_LIST,
	ST_USER_CREATE,
	ST_USER_ADMIN_STATE,
	ST_USER_SET_ROLE,
	ST_USER_DISABLE,
	ST_USER_ENABLE,
	ST_USER_PW_BY_LOGIN,
	ST_USER_SET_PASSWORD,
	ST_MAX
};

struct stmt_def {
	const char	*name;
	const char	*sql;
};

extern const struct stmt_def stmts[ST_MAX];

/* The columns of a user, in the order pack_user() reads them. */
#define USER_NCOLS	6

#endif
