/*
 * kr.h: what the key-result entity (kr.c) shows to the rest of cairnd:
 * its op table, its statements, and its reply object, which objective.get
 * also shows.
 */
#ifndef CAIRN_KR_H
#define CAIRN_KR_H

#include "op.h"
#include "row.h"
#include "sql.h"

extern const struct op		kr_ops[];	/* ended by a NULL name */
extern const stmt_table		kr_stmts;
extern const struct fieldset	FS_KR;		/* a key result */
/* ... with its forecast (kr.get, objective.get's key results) */
extern const struct fieldset	FS_KR_SHOW;

#endif
