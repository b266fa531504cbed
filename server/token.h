/*
 * token.h: what the API token entity (token.c) shows to the rest of
 * cairnd: its op table and statements, and the check dispatch.c runs
 * before every op of a token's connection.
 */
#ifndef CAIRN_TOKEN_H
#define CAIRN_TOKEN_H

#include "attr.h"
#include "db.h"
#include "op.h"
#include "sql.h"

extern const struct op		token_ops[];	/* ended by a NULL name */
extern const stmt_table		token_stmts;

/* Check the connection's token again (live, not expired, its owner
 * enabled), touching its last use, then cb.  False: not sent, answered
 * (as req_db_named). */
bool	token_check(struct request *, db_cb *cb);
/* In cb: refresh the connection's session from the result and true; or,
 * the token gone, end the session, answer (E_AUTH) and false. */
bool	token_recheck(struct request *, const PGresult *) MUST_CHECK;

#endif
