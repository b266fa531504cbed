/*
 * fields-kpi.c: the fieldsets of fields-kpi.h.  The JSON key of a packed
 * field is its column name.
 */
#include "fields-kpi.h"

static const struct field kpi[] = {
	{ "id", F_INT }, { "team", F_STR }, { "name", F_STR },
	{ "description", F_STR }, { "unit", F_STR }, { "direction", F_STR },
	{ "green", F_NUM }, { "amber", F_NUM }, { "green_high", F_NUM },
	{ "amber_high", F_NUM }, { "frequency", F_STR }, { "owner", F_STR },
	{ "breach_after", F_INT }, { "archived", F_BOOL }, { "version", F_INT },
	{ "latest", F_JSON }, { "health", F_STR }, { "stale", F_BOOL },
	{ "recent", F_JSON },
};
const struct fieldset FS_KPI = FIELDSET("KPI", kpi);

static const struct field reading[] = {
	{ "id", F_INT }, { "value", F_NUM }, { "at", F_STR },
	{ "health", F_STR }, { "author", F_STR }, { "note", F_STR },
};
const struct fieldset FS_KPI_READING = FIELDSET("reading", reading);

static const struct field recorded[] = {
	{ "recorded", F_INT },
};
const struct fieldset FS_KPI_RECORDED = FIELDSET("readings", recorded);

/* Contexts: read by the checks, never packed. */

static const struct field kpi_new_ctx[] = {
	{ "team_id", F_HIDDEN }, { "private_team", F_HIDDEN },
	{ "lead_here", F_HIDDEN }, { "lead_above", F_HIDDEN },
	{ "member_here", F_HIDDEN }, { "owner_found", F_HIDDEN },
};
const struct fieldset FS_KPI_NEW_CTX = FIELDSET("team", kpi_new_ctx);

static const struct field kpi_ctx[] = {
	{ "version", F_HIDDEN }, { "archived", F_HIDDEN },
	{ "private_team", F_HIDDEN }, { "lead_here", F_HIDDEN },
	{ "lead_above", F_HIDDEN }, { "member_here", F_HIDDEN },
	{ "kpi_owner", F_HIDDEN }, { "direction", F_HIDDEN },
	{ "green", F_HIDDEN }, { "amber", F_HIDDEN },
	{ "green_high", F_HIDDEN }, { "amber_high", F_HIDDEN },
	{ "owner_found", F_HIDDEN },
};
const struct fieldset FS_KPI_CTX = FIELDSET("KPI", kpi_ctx);

static const struct field kpi_record_ctx[] = {
	{ "id", F_HIDDEN }, { "archived", F_HIDDEN },
	{ "private_team", F_HIDDEN }, { "lead_here", F_HIDDEN },
	{ "lead_above", F_HIDDEN }, { "member_here", F_HIDDEN },
	{ "kpi_owner", F_HIDDEN }, { "closed_periods", F_HIDDEN },
};
const struct fieldset FS_KPI_RECORD_CTX = FIELDSET("KPI", kpi_record_ctx);

