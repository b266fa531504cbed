/*
 * retro.h: what the retrospective entity (retro.c) shows to the rest of
 * cairnd: its op table and its statements.
 */
#ifndef CAIRN_RETRO_H
#define CAIRN_RETRO_H

#include "op.h"
#include "row.h"
#include "sql.h"

extern const struct op		retro_ops[];	/* ended by a NULL name */
extern const stmt_table		retro_stmts;

#endif
