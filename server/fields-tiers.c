/*
 * fields-tiers.c: the fieldsets of fields-tiers.h.
 */
#include "fields-tiers.h"

static const struct field question[] = {
	{ "key", F_STR }, { "kind", F_STR }, { "wording", F_STR },
	{ "weight", F_INT }, { "position", F_INT },
};
const struct fieldset FS_QUESTION = FIELDSET("question", question);

/* "framework" is the team's mode after the request. */
static const struct field assessment[] = {
	{ "id", F_INT }, { "team", F_STR }, { "author", F_STR },
	{ "at", F_STR }, { "answers", F_JSON }, { "okr_index", F_NUM },
	{ "kpi_index", F_NUM }, { "recommendation", F_STR },
	{ "drivers", F_JSON }, { "unanswered", F_JSON }, { "weights", F_JSON },
	{ "applied", F_BOOL }, { "framework", F_STR },
};
const struct fieldset FS_ASSESSMENT = FIELDSET("assessment", assessment);

#define TEAM_FACT_FIELDS						\
	{ "team_id", F_HIDDEN }, { "private_team", F_HIDDEN },		\
	{ "lead_here", F_HIDDEN }, { "lead_above", F_HIDDEN },		\
	{ "member_here", F_HIDDEN }

static const struct field team_gov_ctx[] = {
	TEAM_FACT_FIELDS, { "framework", F_HIDDEN },
};
const struct fieldset FS_TEAM_GOV_CTX = FIELDSET("team", team_gov_ctx);

static const struct field assess_ctx[] = {
	TEAM_FACT_FIELDS, { "questions", F_HIDDEN },
};
const struct fieldset FS_ASSESS_CTX = FIELDSET("team", assess_ctx);

static const struct field assess_q_ctx[] = {
	{ "position", F_HIDDEN }, { "weight", F_HIDDEN },
};
const struct fieldset FS_ASSESS_Q_CTX = FIELDSET("question", assess_q_ctx);
