/*
 * notify.h: each user's notification preferences and the admin's "send
 * what is scheduled now" (issue 16, notify.c): notify.show, notify.set,
 * notify.run.
 */
#ifndef CAIRN_NOTIFY_H
#define CAIRN_NOTIFY_H

#include "op.h"
#include "sql.h"

extern const struct op		notify_ops[];	/* ended by a NULL name */
extern const stmt_table		notify_stmts;

#endif
