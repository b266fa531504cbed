/*
 * export-sets.c: the sets of an export and the checks an imported row of
 * each passes before it is staged.  The limits are the tables' own
 * (sql/002, 007, 008); the database checks every row again on commit.
 */
#include <string.h>

#include "export.h"
#include "fields.h"
#include "kpi.h"

#define REQ	true
#define OPT	false
#define V	KPI_VALUE_MAX

static const struct icol team_cols[] = {
	{ "slug", IC_SLUG, REQ, 0, 0, NULL },
	{ "name", IC_STR, REQ, 1, 200, NULL },
	{ "parent", IC_SLUG, OPT, 0, 0, NULL },
	{ "private", IC_BOOL, REQ, 0, 0, NULL },
	{ "framework", IC_CHOICE, REQ, 0, 0, "okr|kpi|hybrid" },
};

static const struct icol user_cols[] = {
	{ "login", IC_LOGIN, REQ, 0, 0, NULL },
	{ "name", IC_STR, REQ, 1, 200, NULL },
};

static const struct icol kpi_cols[] = {
	{ "id", IC_ID, REQ, 0, 0, NULL },
	{ "team", IC_SLUG, REQ, 0, 0, NULL },
	{ "name", IC_STR, REQ, 1, 200, NULL },
	{ "description", IC_STR, REQ, 0, 4000, NULL },
	{ "unit", IC_STR, REQ, 0, 20, NULL },
	{ "direction", IC_CHOICE, REQ, 0, 0, "up|down|range" },
	{ "green", IC_NUM, REQ, -V, V, NULL },
	{ "amber", IC_NUM, REQ, -V, V, NULL },
	{ "green_high", IC_NUM, OPT, -V, V, NULL },
	{ "amber_high", IC_NUM, OPT, -V, V, NULL },
	{ "frequency", IC_CHOICE, REQ, 0, 0, "daily|weekly|monthly" },
	{ "owner", IC_LOGIN, OPT, 0, 0, NULL },
	{ "breach_after", IC_INT, REQ, 1, 100, NULL },
	{ "archived", IC_BOOL, REQ, 0, 0, NULL },
	{ "created_at", IC_TIME, REQ, 0, 0, NULL },
};

static const struct icol objective_cols[] = {
	{ "id", IC_ID, REQ, 0, 0, NULL },
	{ "team", IC_SLUG, REQ, 0, 0, NULL },
	{ "title", IC_STR, REQ, 1, 200, NULL },
	{ "description", IC_STR, REQ, 0, 4000, NULL },
	{ "owner", IC_LOGIN, REQ, 0, 0, NULL },
	{ "type", IC_CHOICE, REQ, 0, 0, "committed|aspirational" },
	{ "parent", IC_ID, OPT, 0, 0, NULL },
	{ "parent_period", IC_PERIOD, OPT, 0, 0, NULL },
	{ "parent_team", IC_SLUG, OPT, 0, 0, NULL },
	{ "parent_title", IC_STR, OPT, 1, 200, NULL },
	{ "weight", IC_NUM, REQ, 1e-9, 1000, NULL },
	{ "rollup", IC_CHOICE, REQ, 0, 0, "auto|krs|children|both" },
	{ "archived", IC_BOOL, REQ, 0, 0, NULL },
	{ "created_at", IC_TIME, REQ, 0, 0, NULL },
	/* Shown, not imported: the importing database computes it. */
	{ "progress", IC_NUM, OPT, 0, 1, NULL },
	{ "grade", IC_NUM, OPT, 0, 1, NULL },
	{ "grade_note", IC_STR, OPT, 0, 2000, NULL },
	/* Shown, not imported: it follows from the grade and the type. */
	{ "met", IC_BOOL, OPT, 0, 0, NULL },
};

static const struct icol contributor_cols[] = {
	{ "objective", IC_ID, REQ, 0, 0, NULL },
	{ "login", IC_LOGIN, REQ, 0, 0, NULL },
};

static const struct icol guardrail_cols[] = {
	{ "objective", IC_ID, REQ, 0, 0, NULL },
	{ "kpi", IC_ID, REQ, 0, 0, NULL },
	{ "added_by", IC_LOGIN, REQ, 0, 0, NULL },
	{ "added_at", IC_TIME, REQ, 0, 0, NULL },
};

static const struct icol kr_cols[] = {
	{ "id", IC_ID, REQ, 0, 0, NULL },
	{ "objective", IC_ID, REQ, 0, 0, NULL },
	{ "title", IC_STR, REQ, 1, 200, NULL },
	{ "type", IC_CHOICE, REQ, 0, 0,
	    "increase|decrease|above|below|boolean" },
	{ "start_value", IC_NUM, REQ, -V, V, NULL },
	{ "target", IC_NUM, REQ, -V, V, NULL },
	{ "current", IC_NUM, REQ, -V, V, NULL },
	{ "unit", IC_STR, REQ, 0, 20, NULL },
	{ "weight", IC_NUM, REQ, 1e-9, 1000, NULL },
	{ "owner", IC_LOGIN, REQ, 0, 0, NULL },
	{ "confidence", IC_INT, OPT, 1, 10, NULL },
	{ "kpi", IC_ID, OPT, 0, 0, NULL },
	{ "created_at", IC_TIME, REQ, 0, 0, NULL },
};

static const struct icol checkin_cols[] = {
	{ "kr", IC_ID, REQ, 0, 0, NULL },
	{ "value", IC_NUM, REQ, -V, V, NULL },
	{ "confidence", IC_INT, OPT, 1, 10, NULL },
	{ "note", IC_STR, REQ, 0, 2000, NULL },
	{ "author", IC_LOGIN, REQ, 0, 0, NULL },
	{ "at", IC_TIME, REQ, 0, 0, NULL },
};

static const struct icol reading_cols[] = {
	{ "kpi", IC_ID, REQ, 0, 0, NULL },
	{ "value", IC_NUM, REQ, -V, V, NULL },
	{ "at", IC_TIME, REQ, 0, 0, NULL },
	{ "note", IC_STR, REQ, 0, KPI_NOTE_MAX, NULL },
	{ "author", IC_LOGIN, REQ, 0, 0, NULL },
	{ "recorded_at", IC_TIME, REQ, 0, 0, NULL },
};

/* The limits of sql/013's retros. */
static const struct icol retro_cols[] = {
	{ "team", IC_SLUG, REQ, 0, 0, NULL },
	{ "author", IC_LOGIN, REQ, 0, 0, NULL },
	{ "note", IC_STR, REQ, 1, 4000, NULL },
	{ "at", IC_TIME, REQ, 0, 0, NULL },
};

#define COLS(a)	(a), (sizeof(a) / sizeof((a)[0]))

/* In the order of the document; an import applies them in its own. */
const struct xset xsets[] = {
	{ "period", ST_EXPORT_PERIOD, &FS_EXPORT_PERIOD, NULL, 0 },
	{ "teams", ST_EXPORT_TEAMS, &FS_EXPORT_TEAMS, COLS(team_cols) },
	{ "users", ST_EXPORT_USERS, &FS_EXPORT_USERS, COLS(user_cols) },
	{ "kpis", ST_EXPORT_KPIS, &FS_EXPORT_KPIS, COLS(kpi_cols) },
	{ "objectives", ST_EXPORT_OBJECTIVES, &FS_EXPORT_OBJECTIVES,
	    COLS(objective_cols) },
	{ "contributors", ST_EXPORT_CONTRIBUTORS, &FS_EXPORT_CONTRIBUTORS,
	    COLS(contributor_cols) },
	{ "guardrails", ST_EXPORT_GUARDRAILS, &FS_EXPORT_GUARDRAILS,
	    COLS(guardrail_cols) },
	{ "key_results", ST_EXPORT_KRS, &FS_EXPORT_KRS, COLS(kr_cols) },
	{ "checkins", ST_EXPORT_CHECKINS, &FS_EXPORT_CHECKINS,
	    COLS(checkin_cols) },
	{ "readings", ST_EXPORT_READINGS, &FS_EXPORT_READINGS,
	    COLS(reading_cols) },
	{ "retros", ST_EXPORT_RETROS, &FS_EXPORT_RETROS, COLS(retro_cols) },
};
const size_t nxsets = sizeof xsets / sizeof xsets[0];

const struct xset *
xset_find(const char *name, size_t len)
{
	for (size_t i = 0; i < nxsets; i++)
		if (strlen(xsets[i].name) == len &&
		    memcmp(xsets[i].name, name, len) == 0)
			return &xsets[i];
	return NULL;
}
