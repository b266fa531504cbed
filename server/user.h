/*
 * user.h: what the user entity (user.c) shows to the rest of cairnd: its
 * op table, its statements, and a user as replies show it, which the
 * session ops (session.c) also answer with.
 */
#ifndef CAIRN_USER_H
#define CAIRN_USER_H

#include "attr.h"
#include "db.h"
#include "op.h"
#include "row.h"
#include "sql.h"

extern const struct op		user_ops[];	/* ended by a NULL name */
extern const stmt_table		user_stmts;
/* A user: id, login, name, role, enabled, created. */
extern const struct fieldset	FS_USER;

/* A user's columns (FS_USER), from the row u ("u.", or "" for none). */
#define USER_COLS(u)							\
	u "id, " u "login, " u "name, " u "role, " u "enabled, "	\
	"to_char(" u "created_at AT TIME ZONE 'UTC', "			\
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS created"

/* FS_USER's columns in res (a statement returning users), or answered
 * (E_INTERNAL) and false: pack each user with rowpack_row. */
bool	user_rowpack(struct request *, struct rowpack *, const PGresult *)
	    MUST_CHECK;
/* Run user_get (one row: asked, found, then FS_USER's columns) for the
 * user login, then cb.  False: not sent, answered (as req_db_named). */
bool	user_get(struct request *, const char *login, db_cb *cb);
/* Answer with the user of a user_get result; none answers when it names
 * no user. */
void	user_reply(struct request *, const PGresult *,
	    void (*none)(struct request *, const PGresult *));

#endif
