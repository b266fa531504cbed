/*
 * goals.h: what the goal-hierarchy ops (op-team.c, op-period.c,
 * op-objective*.c, op-kr.c, op-admin.c) share besides the change path
 * (change.h) and the fieldsets (fields.h): values as parameters and the
 * checks on them.
 */
#ifndef CAIRN_GOALS_H
#define CAIRN_GOALS_H

#include "authz.h"
#include "idem.h"
#include "op.h"

void		 fmt_num(char *, size_t, double);
bool		 valid_slug(const char *);
bool		 valid_date(const char *);
/* The kinds of objective.create and objective.update (NULL: not given);
 * false after answering E_INVALID. */
bool		 objective_kinds_ok(struct request *, const char *type,
		    const char *rollup);

#endif
