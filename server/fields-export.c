/*
 * fields-export.c: the sets of an export, each the columns of one
 * statement of sql-export.inc, and the replies of the import steps.
 */
#include "fields.h"

static const struct field ctx_fields[] = {
	{ "id", F_HIDDEN }, { "name", F_STR },
};
const struct fieldset FS_EXPORT_CTX = FIELDSET("period", ctx_fields);

static const struct field period_fields[] = {
	{ "name", F_STR }, { "start_date", F_STR }, { "end_date", F_STR },
	{ "state", F_STR },
};
const struct fieldset FS_EXPORT_PERIOD = FIELDSET("period", period_fields);

static const struct field team_fields[] = {
	{ "slug", F_STR }, { "name", F_STR }, { "parent", F_STR },
	{ "private", F_BOOL }, { "framework", F_STR },
};
const struct fieldset FS_EXPORT_TEAMS = FIELDSET("team", team_fields);

static const struct field user_fields[] = {
	{ "login", F_STR }, { "name", F_STR },
};
const struct fieldset FS_EXPORT_USERS = FIELDSET("user", user_fields);

static const struct field kpi_fields[] = {
	{ "id", F_INT }, { "team", F_STR }, { "name", F_STR },
	{ "description", F_STR }, { "unit", F_STR }, { "direction", F_STR },
	{ "green", F_NUM }, { "amber", F_NUM }, { "green_high", F_NUM },
	{ "amber_high", F_NUM }, { "frequency", F_STR }, { "owner", F_STR },
	{ "breach_after", F_INT }, { "archived", F_BOOL },
	{ "created_at", F_STR },
};
const struct fieldset FS_EXPORT_KPIS = FIELDSET("KPI", kpi_fields);

static const struct field objective_fields[] = {
	{ "id", F_INT }, { "team", F_STR }, { "title", F_STR },
	{ "description", F_STR }, { "owner", F_STR }, { "type", F_STR },
	{ "parent", F_INT }, { "parent_period", F_STR },
	{ "parent_team", F_STR }, { "parent_title", F_STR },
	{ "weight", F_NUM }, { "rollup", F_STR }, { "archived", F_BOOL },
	{ "created_at", F_STR }, { "progress", F_NUM }, { "grade", F_NUM },
	{ "grade_note", F_STR }, { "met", F_BOOL },
};
const struct fieldset FS_EXPORT_OBJECTIVES = FIELDSET("objective",
    objective_fields);

static const struct field contributor_fields[] = {
	{ "objective", F_INT }, { "login", F_STR },
};
const struct fieldset FS_EXPORT_CONTRIBUTORS = FIELDSET("contributor",
    contributor_fields);

static const struct field guardrail_fields[] = {
	{ "objective", F_INT }, { "kpi", F_INT }, { "added_by", F_STR },
	{ "added_at", F_STR },
};
const struct fieldset FS_EXPORT_GUARDRAILS = FIELDSET("guardrail",
    guardrail_fields);

static const struct field kr_fields[] = {
	{ "id", F_INT }, { "objective", F_INT }, { "title", F_STR },
	{ "type", F_STR }, { "start_value", F_NUM }, { "target", F_NUM },
	{ "current", F_NUM }, { "unit", F_STR }, { "weight", F_NUM },
	{ "owner", F_STR }, { "confidence", F_INT }, { "kpi", F_INT },
	{ "created_at", F_STR },
};
const struct fieldset FS_EXPORT_KRS = FIELDSET("key result", kr_fields);

static const struct field checkin_fields[] = {
	{ "kr", F_INT }, { "value", F_NUM }, { "confidence", F_INT },
	{ "note", F_STR }, { "author", F_STR }, { "at", F_STR },
};
const struct fieldset FS_EXPORT_CHECKINS = FIELDSET("check-in",
    checkin_fields);

static const struct field reading_fields[] = {
	{ "kpi", F_INT }, { "value", F_NUM }, { "at", F_STR },
	{ "note", F_STR }, { "author", F_STR }, { "recorded_at", F_STR },
};
const struct fieldset FS_EXPORT_READINGS = FIELDSET("reading",
    reading_fields);

static const struct field retro_fields[] = {
	{ "team", F_STR }, { "author", F_STR }, { "note", F_STR },
	{ "at", F_STR },
};
const struct fieldset FS_EXPORT_RETROS = FIELDSET("retrospective note",
    retro_fields);

static const struct field begin_ctx_fields[] = {
	{ "found", F_HIDDEN }, { "state", F_HIDDEN }, { "start_date", F_HIDDEN },
	{ "end_date", F_HIDDEN }, { "has_objectives", F_HIDDEN },
	{ "open_imports", F_HIDDEN },
};
const struct fieldset FS_IMPORT_BEGIN_CTX = FIELDSET("period",
    begin_ctx_fields);

static const struct field begin_fields[] = {
	{ "import", F_INT },
};
const struct fieldset FS_IMPORT_BEGIN = FIELDSET("import", begin_fields);

static const struct field rows_fields[] = {
	{ "found", F_HIDDEN }, { "staged", F_INT }, { "total", F_INT },
};
const struct fieldset FS_IMPORT_ROWS = FIELDSET("import", rows_fields);

static const struct field missing_fields[] = {
	{ "found", F_HIDDEN }, { "users", F_HIDDEN }, { "teams", F_HIDDEN },
	{ "parents", F_HIDDEN },
};
const struct fieldset FS_IMPORT_MISSING = FIELDSET("import",
    missing_fields);

static const struct field commit_fields[] = {
	{ "period", F_STR }, { "objectives", F_INT }, { "key_results", F_INT },
	{ "checkins", F_INT }, { "kpis_created", F_INT }, { "readings", F_INT },
};
const struct fieldset FS_IMPORT_COMMIT = FIELDSET("import", commit_fields);

static const struct field abort_fields[] = {
	{ "found", F_HIDDEN },
};
const struct fieldset FS_IMPORT_ABORT = FIELDSET("import", abort_fields);
