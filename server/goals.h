/*
 * goals.h: what the goal-hierarchy ops (op-team.c, op-period.c,
 * op-objective*.c, op-kr.c, op-admin.c) share besides the change path
 * (change.h) and the fieldsets (fields.h): the checks on their values
 * (values.h holds the values themselves).
 */
#ifndef CAIRN_GOALS_H
#define CAIRN_GOALS_H

#include "attr.h"
#include "authz.h"
#include "idem.h"
#include "op.h"

#endif
