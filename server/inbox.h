/*
 * inbox.h: the ops of cairn inbox (inbox.c).
 */
#ifndef CAIRN_INBOX_H
#define CAIRN_INBOX_H

#include "op.h"
#include "sql.h"

extern const struct op		inbox_ops[];	/* ended by a NULL name */
extern const stmt_table		inbox_stmts;

#endif
