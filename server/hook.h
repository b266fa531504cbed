/*
 * hook.h: team webhooks (issue 16, hook.c): hook.add, hook.list,
 * hook.remove, hook.test.  Sending is notifyrun.c's.
 */
#ifndef CAIRN_HOOK_H
#define CAIRN_HOOK_H

#include "op.h"
#include "sql.h"

extern const struct op		hook_ops[];	/* ended by a NULL name */
extern const stmt_table		hook_stmts;

#endif
