/*
 * reading.h: what the reading entity (reading.c: kpi.record) shows to the
 * rest of cairnd: its op table and its statements.
 */
#ifndef CAIRN_READING_H
#define CAIRN_READING_H

#include "op.h"
#include "sql.h"

extern const struct op		reading_ops[];	/* ended by a NULL name */
extern const stmt_table		reading_stmts;

#endif
