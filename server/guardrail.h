/*
 * guardrail.h: the guardrail entity (guardrail.c): objective.guard,
 * objective.unguard and their statements.
 */
#ifndef CAIRN_GUARDRAIL_H
#define CAIRN_GUARDRAIL_H

#include "op.h"
#include "sql.h"

extern const struct op		guardrail_ops[];	/* ended by a NULL name */
extern const stmt_table		guardrail_stmts;

#endif
