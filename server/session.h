/*
 * session.h: what the session entity (session.c) shows to the rest of
 * cairnd: its op table (with hello and ping, the connection's opening), its
 * statements, and the session check every op's dispatch may run.
 */
#ifndef CAIRN_SESSION_H
#define CAIRN_SESSION_H

#include "attr.h"
#include "db.h"
#include "op.h"
#include "sql.h"

extern const struct op		session_ops[];	/* ended by a NULL name */
extern const stmt_table		session_stmts;

/* Check the session of token_hash (hex; idle limit from the config),
 * touching its last use, then cb: one row (sid, expires, token, then the
 * user's columns) if it is live.  False: not sent, answered (as
 * req_db_named). */
bool	session_check(struct request *, const char *token_hash, db_cb *cb);

#endif
