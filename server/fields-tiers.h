/*
 * fields-tiers.h: the fieldsets of the two tiers joined (sql/008,
 * sql/009): the assessment's questions and results, and the contexts of
 * team.framework and assessment.*.  A team's mode and an objective's
 * guardrails are fields of FS_TEAM (fields-goals.c) and FS_OBJECTIVE
 * (objective.c).
 */
#ifndef CAIRN_FIELDS_TIERS_H
#define CAIRN_FIELDS_TIERS_H

#include "row.h"

extern const struct fieldset FS_QUESTION;	/* assessment.questions */
extern const struct fieldset FS_ASSESSMENT;	/* assessment.create, get */

/* Contexts of changes (change.h). */
extern const struct fieldset FS_TEAM_GOV_CTX;
extern const struct fieldset FS_ASSESS_CTX;
extern const struct fieldset FS_ASSESS_Q_CTX;

#endif
