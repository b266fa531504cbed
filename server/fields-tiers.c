/*
 * fields-tiers.c: the fieldsets of fields-tiers.h.
 */
#include "fields-tiers.h"

static const struct field guard_ctx[] = {
	{ "id", F_HIDDEN }, { "period_state", F_HIDDEN },
	{ "obj_owner", F_HIDDEN }, { "private_team", F_HIDDEN },
	{ "lead_here", F_HIDDEN }, { "lead_above", F_HIDDEN },
	{ "member_here", F_HIDDEN }, { "contributor", F_HIDDEN },
	{ "kpi_id", F_HIDDEN }, { "kpi_archived", F_HIDDEN },
	{ "kpi_readable", F_HIDDEN }, { "guarded", F_HIDDEN },
	{ "nguards", F_HIDDEN },
};
const struct fieldset FS_GUARD_CTX = FIELDSET("objective", guard_ctx);
