/*
 * period.h: what the period entity (period.c) shows to the rest of
 * cairnd: its op table and its statements.
 */
#ifndef CAIRN_PERIOD_H
#define CAIRN_PERIOD_H

#include "op.h"
#include "row.h"
#include "sql.h"

extern const struct op		period_ops[];	/* ended by a NULL name */
extern const stmt_table		period_stmts;

#endif
