/*
 * contributor.h: objective.grant and objective.revoke (contributor.c).
 */
#ifndef CAIRN_CONTRIBUTOR_H
#define CAIRN_CONTRIBUTOR_H

#include "op.h"
#include "sql.h"

extern const struct op		contributor_ops[];	/* ended by a NULL name */
extern const stmt_table		contributor_stmts;

#endif
