/*
 * rollup.h: what the roll-up (rollup.c: tree, health, review, due) shows
 * to the rest of cairnd: its op table and its statements.
 */
#ifndef CAIRN_ROLLUP_H
#define CAIRN_ROLLUP_H

#include "op.h"
#include "sql.h"

extern const struct op	rollup_ops[];	/* ended by a NULL name */
extern const stmt_table	rollup_stmts;

#endif
