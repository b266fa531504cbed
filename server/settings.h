/*
 * settings.h: what the settings and audit entities (settings.c) show to
 * the rest of cairnd: their op table and their statements.
 */
#ifndef CAIRN_SETTINGS_H
#define CAIRN_SETTINGS_H

#include "op.h"
#include "row.h"
#include "sql.h"

extern const struct op		settings_ops[];	/* ended by a NULL name */
extern const stmt_table		settings_stmts;

#endif
