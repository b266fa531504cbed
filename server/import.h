/*
 * import.h: what the import entity (import.c) shows to the rest of
 * cairnd: its op table and its statements.
 */
#ifndef CAIRN_IMPORT_H
#define CAIRN_IMPORT_H

#include "op.h"
#include "sql.h"

extern const struct op		import_ops[];	/* ended by a NULL name */
extern const stmt_table		import_stmts;

#endif
