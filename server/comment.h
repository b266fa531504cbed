/*
 * comment.h: what the comment entity (comment.c) shows to the rest of
 * cairnd: its op table and statements.
 */
#ifndef CAIRN_COMMENT_H
#define CAIRN_COMMENT_H

#include "op.h"
#include "sql.h"

extern const struct op		comment_ops[];	/* ended by a NULL name */
extern const stmt_table		comment_stmts;

#endif
