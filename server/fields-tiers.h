/*
 * fields-tiers.h: the fieldsets of the two tiers joined (sql/008): the
 * context of objective.guard and unguard.  An objective's guardrails are
 * fields of FS_OBJECTIVE (fields-goals.c); the assessment's fieldsets are
 * in assessment.c.
 * team.framework and assessment.*.  A team's mode and an objective's
 * guardrails are fields of FS_TEAM (fields-goals.c) and FS_OBJECTIVE
 * (objective.c).
 */
#ifndef CAIRN_FIELDS_TIERS_H
#define CAIRN_FIELDS_TIERS_H

#include "row.h"

/* Contexts of changes (change.h). */

#endif
