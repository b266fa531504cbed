/*
 * assessment.h: what the assessment entity (assessment.c: a team's
 * framework mode and its assessments) shows to the rest of cairnd: its op
 * table and its statements.
 */
#ifndef CAIRN_ASSESSMENT_H
#define CAIRN_ASSESSMENT_H

#include "op.h"
#include "sql.h"

extern const struct op		assessment_ops[];	/* ended by a NULL name */
extern const stmt_table		assessment_stmts;

#endif
