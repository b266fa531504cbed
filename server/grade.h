/*
 * grade.h: the grade entity (grade.c): objective.grade and its statement.
 */
#ifndef CAIRN_GRADE_H
#define CAIRN_GRADE_H

#include "op.h"
#include "sql.h"

extern const struct op		grade_ops[];	/* ended by a NULL name */
extern const stmt_table		grade_stmts;

#endif
