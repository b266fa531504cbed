/*
 * export.c: the export entity, in one place: the sets of an export (their
 * statements, reply fields and the checks an imported row of each passes,
 * one table that import.c reads too) and the export op, which streams
 * everything of a period the caller may read set by set (stream.h) in the
 * table's order: the period, teams, users, KPIs, objectives,
 * contributors, guardrails, key results, check-ins, readings, retros,
 * comments.
 * Each set is one statement over the caller's read rule; no set is ever
 * held whole in cairnd.  The final result names the format and each
 * set's columns (for a CSV header of a set that had no rows).  A client
 * that did not ask for parts is answered E_LIMIT: the sets are more than a
 * gathered result holds.  Its database logic (export_teams,
 * export_kpi_ids, export_time) lives in sql/logic/export.sql.
 *
 * The sets are read by separate statements, so an export taken while
 * others write may show a check-in whose key result came after the key
 * results were read; docs/operations.md says to export a period in
 * review or closed (or a quiet one) when it must be exact.
 */
#include <stdio.h>
#include <string.h>

#include "change.h"
#include "export.h"
#include "kpi.h"
#include "op.h"
#include "stream.h"

/* Reply objects: each set's columns are the document's (docs/protocol.md
 * "Export"). */

static const struct field ctx_fields[] = {
	{ "id", F_HIDDEN }, { "name", F_STR },
};
static const struct fieldset FS_EXPORT_CTX = FIELDSET("period", ctx_fields);

static const struct field period_fields[] = {
	{ "name", F_STR }, { "start_date", F_STR }, { "end_date", F_STR },
	{ "state", F_STR },
};
static const struct fieldset FS_EXPORT_PERIOD = FIELDSET("period",
    period_fields);

static const struct field team_fields[] = {
	{ "slug", F_STR }, { "name", F_STR }, { "parent", F_STR },
	{ "private", F_BOOL }, { "framework", F_STR }, { "signoff", F_BOOL },
};
static const struct fieldset FS_EXPORT_TEAMS = FIELDSET("team", team_fields);

static const struct field user_fields[] = {
	{ "login", F_STR }, { "name", F_STR },
};
static const struct fieldset FS_EXPORT_USERS = FIELDSET("user", user_fields);

static const struct field kpi_fields[] = {
	{ "id", F_INT }, { "team", F_STR }, { "name", F_STR },
	{ "description", F_STR }, { "unit", F_STR }, { "direction", F_STR },
	{ "green", F_NUM }, { "amber", F_NUM }, { "green_high", F_NUM },
	{ "amber_high", F_NUM }, { "frequency", F_STR }, { "owner", F_STR },
	{ "breach_after", F_INT }, { "archived", F_BOOL },
	{ "created_at", F_STR },
};
static const struct fieldset FS_EXPORT_KPIS = FIELDSET("KPI", kpi_fields);

static const struct field objective_fields[] = {
	{ "id", F_INT }, { "team", F_STR }, { "title", F_STR },
	{ "description", F_STR }, { "owner", F_STR }, { "type", F_STR },
	{ "parent", F_INT }, { "parent_period", F_STR },
	{ "parent_team", F_STR }, { "parent_title", F_STR },
	{ "weight", F_NUM }, { "rollup", F_STR }, { "archived", F_BOOL },
	{ "created_at", F_STR }, { "progress", F_NUM }, { "grade", F_NUM },
	{ "grade_note", F_STR }, { "met", F_BOOL }, { "signoff", F_STR },
	{ "proposed_at", F_STR }, { "signoff_by", F_STR },
	{ "signoff_at", F_STR }, { "signoff_note", F_STR },
};
static const struct fieldset FS_EXPORT_OBJECTIVES = FIELDSET("objective",
    objective_fields);

static const struct field contributor_fields[] = {
	{ "objective", F_INT }, { "login", F_STR },
};
static const struct fieldset FS_EXPORT_CONTRIBUTORS = FIELDSET("contributor",
    contributor_fields);

static const struct field guardrail_fields[] = {
	{ "objective", F_INT }, { "kpi", F_INT }, { "added_by", F_STR },
	{ "added_at", F_STR },
};
static const struct fieldset FS_EXPORT_GUARDRAILS = FIELDSET("guardrail",
    guardrail_fields);

static const struct field kr_fields[] = {
	{ "id", F_INT }, { "objective", F_INT }, { "title", F_STR },
	{ "type", F_STR }, { "start_value", F_NUM }, { "target", F_NUM },
	{ "current", F_NUM }, { "unit", F_STR }, { "weight", F_NUM },
	{ "owner", F_STR }, { "confidence", F_INT }, { "kpi", F_INT },
	{ "created_at", F_STR },
};
static const struct fieldset FS_EXPORT_KRS = FIELDSET("key result",
    kr_fields);

static const struct field checkin_fields[] = {
	{ "kr", F_INT }, { "value", F_NUM }, { "confidence", F_INT },
	{ "note", F_STR }, { "author", F_STR }, { "at", F_STR },
};
static const struct fieldset FS_EXPORT_CHECKINS = FIELDSET("check-in",
    checkin_fields);

static const struct field reading_fields[] = {
	{ "kpi", F_INT }, { "value", F_NUM }, { "at", F_STR },
	{ "note", F_STR }, { "author", F_STR }, { "recorded_at", F_STR },
};
static const struct fieldset FS_EXPORT_READINGS = FIELDSET("reading",
    reading_fields);

static const struct field retro_fields[] = {
	{ "team", F_STR }, { "author", F_STR }, { "note", F_STR },
	{ "at", F_STR },
};
static const struct fieldset FS_EXPORT_RETROS = FIELDSET("retrospective note",
    retro_fields);

/* A comment names its thing by the document's ids; a check-in (which the
 * document gives no id) by its key result and its time. */
static const struct field comment_fields[] = {
	{ "thing", F_STR }, { "objective", F_INT }, { "kr", F_INT },
	{ "kpi", F_INT }, { "checkin_at", F_STR }, { "author", F_STR },
	{ "text", F_STR }, { "at", F_STR }, { "edited_at", F_STR },
};
static const struct fieldset FS_EXPORT_COMMENTS = FIELDSET("comment",
    comment_fields);

/*
 * The statements, with their parameters by name (stmt.h).  Each set is
 * one statement of $period (its id), $caller and $role, ordered by id so
 * that an import that takes new ids in the same order gives back the same
 * document.  References are the exporting database's ids (the document's
 * keys), users by login, teams by slug, times in UTC (export_time).
 *
 * The read rule of an export, inlined in every statement so that the
 * planner sees the tables (a function returning the ids hides their
 * number from it, and it then loops): objective ALIAS is of the period
 * and of a team the caller may read (export_teams: the rule once per
 * team), or the caller contributes to it.
 */
#define X_OBJ(a)							\
	" (" a ".period_id = $period::bigint AND (" a ".team_id IN"	\
	" (SELECT id FROM export_teams($caller, $role)) OR EXISTS"	\
	" (SELECT 1 FROM objective_contributors xc"			\
	" WHERE xc.objective_id = " a ".id"				\
	" AND xc.user_id = $caller::bigint)))"
#define X_KPIS	" (SELECT id FROM export_kpi_ids($period, $caller, $role))"
/* The teams whose retrospective notes the caller may read (retro.get's
 * rule, can_read_team) among the exported ones (up). */
#define X_RETRO_TEAMS							\
	" (SELECT id FROM up WHERE id IN"				\
	" (SELECT id FROM export_teams($caller, $role)))"
/* The teams of the objectives and KPIs and their ancestors (team names
 * are no secret: team.list). */
#define X_UP								\
	"WITH RECURSIVE up (id) AS ("					\
	" SELECT DISTINCT o.team_id FROM objectives o WHERE" X_OBJ("o")	\
	" UNION SELECT k.team_id FROM kpis k WHERE k.id IN" X_KPIS	\
	" UNION SELECT t.parent_id FROM teams t JOIN up ON t.id = up.id"	\
	" WHERE t.parent_id IS NOT NULL)"

/* A set's statement: every one takes the same three parameters. */
#define SET_STMT(nm, text, fields)					\
	{ .name = (nm), .kind = STMT_READ, .lag_ok = true,		\
	    .params = "period caller role", .sql = text,		\
	    .returns = &(fields) }

const stmt_table export_stmts = {
	/* The period to export, if any: always a row, its id NULL when
	 * there is none (the name answers either way). */
	[ST_EXPORT_CTX] = { .name = "export_ctx", .kind = STMT_READ,
	    .lag_ok = true,
	    .params = "name",
	    .sql = "SELECT p.id AS id, $name::text AS name"
	    " FROM (SELECT 1) d LEFT JOIN periods p ON p.name = $name",
	    .returns = &FS_EXPORT_CTX },

	[ST_EXPORT_PERIOD] = { .name = "export_period", .kind = STMT_READ,
	    .lag_ok = true,
	    .params = "period",
	    .sql = "SELECT p.name AS name, p.start_date::text AS start_date,"
	    " p.end_date::text AS end_date, p.state AS state"
	    " FROM periods p WHERE p.id = $period::bigint",
	    .returns = &FS_EXPORT_PERIOD },

	[ST_EXPORT_TEAMS] = SET_STMT("export_teams",
	    X_UP
	    " SELECT t.slug AS slug, t.name AS name, pt.slug AS parent,"
	    " t.private AS private, t.framework AS framework,"
	    " t.signoff AS signoff"
	    " FROM teams t LEFT JOIN teams pt ON pt.id = t.parent_id"
	    " WHERE t.id IN (SELECT id FROM up) ORDER BY t.id",
	    FS_EXPORT_TEAMS),

	/* Every user a row of the export names. */
	[ST_EXPORT_USERS] = SET_STMT("export_users",
	    X_UP
	    " SELECT u.login AS login, u.name AS name FROM users u"
	    " WHERE u.id IN ("
	    " SELECT o.owner_id FROM objectives o WHERE" X_OBJ("o")
	    " UNION SELECT o.signoff_by FROM objectives o WHERE" X_OBJ("o")
	    " UNION SELECT k.owner_id FROM key_results k"
	    " JOIN objectives o ON o.id = k.objective_id"
	    " WHERE NOT k.removed AND" X_OBJ("o")
	    " AND kpi_readable($caller, $role, k.kpi_id)"
	    " UNION SELECT c.author_id FROM checkins c"
	    " JOIN key_results k ON k.id = c.kr_id"
	    " JOIN objectives o ON o.id = k.objective_id"
	    " WHERE NOT k.removed AND" X_OBJ("o")
	    " UNION SELECT c.user_id FROM objective_contributors c"
	    " JOIN objectives o ON o.id = c.objective_id WHERE" X_OBJ("o")
	    " UNION SELECT g.added_by FROM objective_guardrails g"
	    " JOIN objectives o ON o.id = g.objective_id"
	    " WHERE g.kpi_id IN" X_KPIS " AND" X_OBJ("o")
	    " UNION SELECT k.owner_id FROM kpis k WHERE k.id IN" X_KPIS
	    " UNION SELECT r.author_id FROM kpi_readings r, periods p"
	    " WHERE p.id = $period::bigint AND r.kpi_id IN" X_KPIS
	    " AND r.at >= p.start_date::timestamptz"
	    " AND r.at < (p.end_date + 1)::timestamptz"
	    " UNION SELECT r.author_id FROM retros r"
	    " WHERE r.period_id = $period::bigint"
	    " AND r.team_id IN" X_RETRO_TEAMS
	    " UNION SELECT x.author_id FROM comment_export($period::bigint,"
	    " $caller::bigint, $role::text) x)"
	    " ORDER BY u.login",
	    FS_EXPORT_USERS),

	[ST_EXPORT_KPIS] = SET_STMT("export_kpis",
	    "SELECT k.id AS id, t.slug AS team, k.name AS name,"
	    " k.description AS description, k.unit AS unit,"
	    " k.direction AS direction, k.green AS green, k.amber AS amber,"
	    " k.green_high AS green_high, k.amber_high AS amber_high,"
	    " k.frequency AS frequency, ow.login AS owner,"
	    " k.breach_after AS breach_after, k.archived AS archived,"
	    " export_time(k.created_at) AS created_at"
	    " FROM kpis k JOIN teams t ON t.id = k.team_id"
	    " LEFT JOIN users ow ON ow.id = k.owner_id"
	    " WHERE k.id IN" X_KPIS " ORDER BY k.id",
	    FS_EXPORT_KPIS),

	/* A parent in the period is named by its id; one in an enclosing
	 * period (a year's objective) by period, team and title, which the
	 * importing database must hold; one the caller may not read
	 * (objective.get's rule, in the period or not) not at all: no id,
	 * title, team or period. */
	[ST_EXPORT_OBJECTIVES] = SET_STMT("export_objectives",
	    "SELECT o.id AS id, t.slug AS team, o.title AS title,"
	    " o.description AS description, ow.login AS owner,"
	    " o.type AS type,"
	    " CASE WHEN par.period_id = o.period_id THEN o.parent_id END"
	    " AS parent,"
	    " CASE WHEN par.period_id <> o.period_id THEN pp.name END"
	    " AS parent_period,"
	    " CASE WHEN par.period_id <> o.period_id THEN pt.slug END"
	    " AS parent_team,"
	    " CASE WHEN par.period_id <> o.period_id THEN par.title END"
	    " AS parent_title,"
	    " o.weight AS weight, o.rollup AS rollup, o.archived AS archived,"
	    " export_time(o.created_at) AS created_at,"
	    " o.progress AS progress, o.grade AS grade,"
	    " o.grade_note AS grade_note, o.met AS met,"
	    " o.signoff AS signoff, export_time(o.proposed_at) AS proposed_at,"
	    " sb.login AS signoff_by, export_time(o.signoff_at) AS signoff_at,"
	    " o.signoff_note AS signoff_note"
	    " FROM objectives o JOIN teams t ON t.id = o.team_id"
	    " JOIN users ow ON ow.id = o.owner_id"
	    " LEFT JOIN users sb ON sb.id = o.signoff_by"
	    " LEFT JOIN objectives par ON par.id = o.parent_id"
	    " AND (CASE WHEN par.period_id = o.period_id THEN" X_OBJ("par")
	    " ELSE can_read_objective($caller, $role, par.id) END)"
	    " LEFT JOIN periods pp ON pp.id = par.period_id"
	    " LEFT JOIN teams pt ON pt.id = par.team_id"
	    " WHERE" X_OBJ("o") " ORDER BY o.id",
	    FS_EXPORT_OBJECTIVES),

	[ST_EXPORT_CONTRIBUTORS] = SET_STMT("export_contributors",
	    "SELECT c.objective_id AS objective, u.login AS login"
	    " FROM objective_contributors c JOIN users u ON u.id = c.user_id"
	    " JOIN objectives o ON o.id = c.objective_id WHERE" X_OBJ("o")
	    " ORDER BY c.objective_id, u.login",
	    FS_EXPORT_CONTRIBUTORS),

	/* Guardrails on KPIs the export holds. */
	[ST_EXPORT_GUARDRAILS] = SET_STMT("export_guardrails",
	    "SELECT g.objective_id AS objective, g.kpi_id AS kpi,"
	    " u.login AS added_by, export_time(g.added_at) AS added_at"
	    " FROM objective_guardrails g JOIN users u ON u.id = g.added_by"
	    " JOIN objectives o ON o.id = g.objective_id"
	    " WHERE g.kpi_id IN" X_KPIS " AND" X_OBJ("o")
	    " ORDER BY g.objective_id, g.kpi_id",
	    FS_EXPORT_GUARDRAILS),

	/* Removed key results are left out, with their check-ins; a binding
	 * to a KPI the export does not hold is nil.  One bound to a KPI the
	 * caller may not read is left out too: kr.get withholds its start,
	 * current value and progress (sql/022), which are that KPI's
	 * readings, and the import needs them. */
	[ST_EXPORT_KRS] = SET_STMT("export_key_results",
	    "SELECT k.id AS id, k.objective_id AS objective, k.title AS title,"
	    " k.type AS type, k.start_value AS start_value,"
	    " k.target AS target, k.current AS current, k.unit AS unit,"
	    " k.weight AS weight, ow.login AS owner,"
	    " k.confidence AS confidence,"
	    " CASE WHEN k.kpi_id IN" X_KPIS " THEN k.kpi_id END AS kpi,"
	    " export_time(k.created_at) AS created_at"
	    " FROM key_results k JOIN users ow ON ow.id = k.owner_id"
	    " JOIN objectives o ON o.id = k.objective_id"
	    " WHERE NOT k.removed AND" X_OBJ("o")
	    " AND kpi_readable($caller, $role, k.kpi_id)"
	    " ORDER BY k.id",
	    FS_EXPORT_KRS),

	[ST_EXPORT_CHECKINS] = SET_STMT("export_checkins",
	    "SELECT c.kr_id AS kr, c.value AS value,"
	    " c.confidence AS confidence, c.note AS note,"
	    " u.login AS author, export_time(c.at) AS at"
	    " FROM checkins c JOIN key_results k ON k.id = c.kr_id"
	    " JOIN objectives o ON o.id = k.objective_id"
	    " JOIN users u ON u.id = c.author_id"
	    " WHERE NOT k.removed AND" X_OBJ("o")
	    " ORDER BY c.id",
	    FS_EXPORT_CHECKINS),

	/* The readings taken within the period's days. */
	[ST_EXPORT_READINGS] = SET_STMT("export_readings",
	    "SELECT r.kpi_id AS kpi, r.value AS value, export_time(r.at) AS at,"
	    " r.note AS note, u.login AS author,"
	    " export_time(r.recorded_at) AS recorded_at"
	    " FROM kpi_readings r JOIN users u ON u.id = r.author_id,"
	    " periods p WHERE p.id = $period::bigint AND r.kpi_id IN" X_KPIS
	    " AND r.at >= p.start_date::timestamptz"
	    " AND r.at < (p.end_date + 1)::timestamptz"
	    " ORDER BY r.id",
	    FS_EXPORT_READINGS),

	/* The retrospective notes of the period's exported teams that the
	 * caller may read (retro.get's rule): an ancestor of a readable team,
	 * or the team of an objective contributed to, may be private. */
	[ST_EXPORT_RETROS] = SET_STMT("export_retros",
	    X_UP
	    " SELECT t.slug AS team, u.login AS author, r.note AS note,"
	    " export_time(r.at) AS at"
	    " FROM retros r JOIN teams t ON t.id = r.team_id"
	    " JOIN users u ON u.id = r.author_id"
	    " WHERE r.period_id = $period::bigint"
	    " AND r.team_id IN" X_RETRO_TEAMS
	    " ORDER BY r.id",
	    FS_EXPORT_RETROS),

	/* The comments the caller may read on what the export holds
	 * (comment_export, sql/logic/comment.sql). */
	[ST_EXPORT_COMMENTS] = SET_STMT("export_comments",
	    "SELECT x.thing AS thing, x.objective AS objective, x.kr AS kr,"
	    " x.kpi AS kpi, x.checkin_at AS checkin_at, u.login AS author,"
	    " x.body AS text, x.at AS at, x.edited_at AS edited_at"
	    " FROM comment_export($period::bigint, $caller::bigint,"
	    " $role::text) x JOIN users u ON u.id = x.author_id"
	    " ORDER BY x.id",
	    FS_EXPORT_COMMENTS),
};

/*
 * The checks an imported row of each set passes before it is staged
 * (import.c): the limits are the tables' own (sql/001_baseline.sql); the
 * database checks every row again on commit.  A column is required unless
 * marked optional (nil or absent: SQL NULL).
 */
#define COL(n, how, ...)	{ .name = (n), .check = how, __VA_ARGS__ }
#define V	KPI_VALUE_MAX
#define TEXT(lo, hi)	IC_STR, .min = (lo), .max = (hi)
#define NUM(lo, hi)	IC_NUM, .min = (lo), .max = (hi)
#define VALUE		NUM(-V, V)
#define WEIGHT		NUM(1e-9, 1000)
#define CONFIDENCE	IC_INT, .min = 1, .max = 10, .optional = true
#define OPTIONAL	.optional = true

static const struct icol team_cols[] = {
	COL("slug", IC_SLUG), COL("name", TEXT(1, 200)),
	COL("parent", IC_SLUG, OPTIONAL), COL("private", IC_BOOL),
	COL("framework", IC_CHOICE, .choices = "okr|kpi|hybrid"),
	/* Absent in an export from before sign-off (signoff_import). */
	COL("signoff", IC_BOOL, OPTIONAL),
};

static const struct icol user_cols[] = {
	COL("login", IC_LOGIN), COL("name", TEXT(1, 200)),
};

static const struct icol kpi_cols[] = {
	COL("id", IC_ID), COL("team", IC_SLUG), COL("name", TEXT(1, 200)),
	COL("description", TEXT(0, 4000)), COL("unit", TEXT(0, 20)),
	COL("direction", IC_CHOICE, .choices = "up|down|range"),
	COL("green", VALUE), COL("amber", VALUE),
	COL("green_high", VALUE, OPTIONAL), COL("amber_high", VALUE, OPTIONAL),
	COL("frequency", IC_CHOICE, .choices = "daily|weekly|monthly"),
	COL("owner", IC_LOGIN, OPTIONAL),
	COL("breach_after", IC_INT, .min = 1, .max = 100),
	COL("archived", IC_BOOL), COL("created_at", IC_TIME),
};

static const struct icol objective_cols[] = {
	COL("id", IC_ID), COL("team", IC_SLUG), COL("title", TEXT(1, 200)),
	COL("description", TEXT(0, 4000)), COL("owner", IC_LOGIN),
	COL("type", IC_CHOICE, .choices = "committed|aspirational"),
	COL("parent", IC_ID, OPTIONAL),
	COL("parent_period", IC_PERIOD, OPTIONAL),
	COL("parent_team", IC_SLUG, OPTIONAL),
	COL("parent_title", TEXT(1, 200), OPTIONAL),
	COL("weight", WEIGHT),
	COL("rollup", IC_CHOICE, .choices = "auto|krs|children|both"),
	COL("archived", IC_BOOL), COL("created_at", IC_TIME),
	/* Shown, not imported: the importing database computes it. */
	COL("progress", NUM(0, 1), OPTIONAL), COL("grade", NUM(0, 1), OPTIONAL),
	COL("grade_note", TEXT(0, 2000), OPTIONAL),
	/* Shown, not imported: it follows from the grade and the type. */
	COL("met", IC_BOOL, OPTIONAL),
	/* Imported as recorded (signoff_import, sql/logic/signoff.sql); the
	 * limits are the table's (sql/008_signoff.sql). */
	COL("signoff", IC_CHOICE, .choices = "proposed|approved|sent_back",
	    OPTIONAL),
	COL("proposed_at", IC_TIME, OPTIONAL),
	COL("signoff_by", IC_LOGIN, OPTIONAL),
	COL("signoff_at", IC_TIME, OPTIONAL),
	COL("signoff_note", TEXT(0, 1000), OPTIONAL),
};

static const struct icol contributor_cols[] = {
	COL("objective", IC_ID), COL("login", IC_LOGIN),
};

static const struct icol guardrail_cols[] = {
	COL("objective", IC_ID), COL("kpi", IC_ID), COL("added_by", IC_LOGIN),
	COL("added_at", IC_TIME),
};

static const struct icol kr_cols[] = {
	COL("id", IC_ID), COL("objective", IC_ID), COL("title", TEXT(1, 200)),
	COL("type", IC_CHOICE,
	    .choices = "increase|decrease|above|below|boolean"),
	COL("start_value", VALUE), COL("target", VALUE), COL("current", VALUE),
	COL("unit", TEXT(0, 20)), COL("weight", WEIGHT), COL("owner", IC_LOGIN),
	COL("confidence", CONFIDENCE), COL("kpi", IC_ID, OPTIONAL),
	COL("created_at", IC_TIME),
};

static const struct icol checkin_cols[] = {
	COL("kr", IC_ID), COL("value", VALUE), COL("confidence", CONFIDENCE),
	COL("note", TEXT(0, 2000)), COL("author", IC_LOGIN), COL("at", IC_TIME),
};

static const struct icol reading_cols[] = {
	COL("kpi", IC_ID), COL("value", VALUE), COL("at", IC_TIME),
	COL("note", TEXT(0, KPI_NOTE_MAX)), COL("author", IC_LOGIN),
	COL("recorded_at", IC_TIME),
};

/* The limits of the retros table. */
static const struct icol retro_cols[] = {
	COL("team", IC_SLUG), COL("author", IC_LOGIN),
	COL("note", TEXT(1, 4000)),
	COL("at", IC_TIME),
};

/* The limits of the comments table (sql/009_comments.sql): the thing's
 * column that applies is checked by the import (import.reference). */
static const struct icol comment_cols[] = {
	COL("thing", IC_CHOICE, .choices = "objective|kr|checkin|kpi"),
	COL("objective", IC_ID, OPTIONAL), COL("kr", IC_ID, OPTIONAL),
	COL("kpi", IC_ID, OPTIONAL), COL("checkin_at", IC_TIME, OPTIONAL),
	COL("author", IC_LOGIN), COL("text", TEXT(1, 16000)),
	COL("at", IC_TIME), COL("edited_at", IC_TIME, OPTIONAL),
};

#define SET(n, stmt, fields, icols)					\
	{ .name = (n), .st = (stmt), .fs = &(fields), .cols = (icols),	\
	    .ncols = sizeof(icols) / sizeof((icols)[0]) }

/* In the order of the document; an import applies them in its own. */
const struct xset xsets[] = {
	{ .name = "period", .st = ST_EXPORT_PERIOD, .fs = &FS_EXPORT_PERIOD },
	SET("teams", ST_EXPORT_TEAMS, FS_EXPORT_TEAMS, team_cols),
	SET("users", ST_EXPORT_USERS, FS_EXPORT_USERS, user_cols),
	SET("kpis", ST_EXPORT_KPIS, FS_EXPORT_KPIS, kpi_cols),
	SET("objectives", ST_EXPORT_OBJECTIVES, FS_EXPORT_OBJECTIVES,
	    objective_cols),
	SET("contributors", ST_EXPORT_CONTRIBUTORS, FS_EXPORT_CONTRIBUTORS,
	    contributor_cols),
	SET("guardrails", ST_EXPORT_GUARDRAILS, FS_EXPORT_GUARDRAILS,
	    guardrail_cols),
	SET("key_results", ST_EXPORT_KRS, FS_EXPORT_KRS, kr_cols),
	SET("checkins", ST_EXPORT_CHECKINS, FS_EXPORT_CHECKINS, checkin_cols),
	SET("readings", ST_EXPORT_READINGS, FS_EXPORT_READINGS, reading_cols),
	SET("retros", ST_EXPORT_RETROS, FS_EXPORT_RETROS, retro_cols),
	SET("comments", ST_EXPORT_COMMENTS, FS_EXPORT_COMMENTS, comment_cols),
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

/* export ------------------------------------------------------------------ */

static const struct op_arg export_args[] = {
	A_STR("period", true, 1, 40), A_END
};

static void
finish(struct request *req)
{
	msgpack_packer *pk = req_result_sets(req, 3);

	mp_kv_str(pk, "format", EXPORT_FORMAT);
	mp_kv_int(pk, "version", EXPORT_VERSION);
	mp_pack_key(pk, "columns");
	msgpack_pack_map(pk, nxsets);
	for (size_t i = 0; i < nxsets; i++) {
		const struct fieldset *fs = xsets[i].fs;
		int n = 0;

		for (int j = 0; j < fs->n; j++)
			n += fs->f[j].type != F_HIDDEN;
		mp_pack_key(pk, xsets[i].name);
		msgpack_pack_array(pk, n);
		for (int j = 0; j < fs->n; j++)
			if (fs->f[j].type != F_HIDDEN)
				mp_pack_cstr(pk, fs->f[j].name);
	}
	req_reply(req);
}

/*
 * The export's state is the request's reader (change.h): its id is the
 * period's, with the caller and role every set's statement takes, and its
 * fieldset that of the set last streamed (NULL before the first), which
 * says which set comes next.
 */
static void
next_set(struct request *req)
{
	struct reader *r = req->reader;
	const struct xset *s = &xsets[0];
	struct stmt_params sp;

	if (r->fs != NULL) {
		while (s->fs != r->fs)
			s++;
		s++;
	}
	if (s == &xsets[nxsets]) {
		finish(req);
		return;
	}
	r->fs = s->fs;
	stmt_params_init(&sp, s->st);
	sp_set_if(&sp, "period", r->id);
	sp_set_if(&sp, "caller", r->caller);
	sp_set_if(&sp, "role", r->role);
	(void)req_stream_named(req, &sp, s->name, s->fs, next_set);
}

static void
on_ctx(void *arg, const PGresult *res)
{
	struct request *req = arg;

	if (!db_ok(res))
		req_fail_db(req, res);
	else if (row_null(res, 0, "id"))
		req_fail(req, E_NOT_FOUND, "period", "no period %s",
		    row_text(res, 0, "name"));
	else {
		(void)reader_new(req, row_int(res, 0, "id"));
		next_set(req);
	}
}

static void
op_export(struct request *req)
{
	const char *period = NULL;
	struct stmt_params sp;

	(void)op_str(req, "period", &period);
	if (!req_args_done(req))
		return;
	/* An export is meant to be larger than a frame: gathering it for
	 * one frame would only fail later, after all its queries. */
	if (!req_parts(req)) {
		req_fail(req, E_LIMIT, NULL, "an export is sent in parts only: "
		    "ask for parts (\"parts\": true in the request)");
		return;
	}
	stmt_params_init(&sp, ST_EXPORT_CTX);
	sp_set(&sp, "name", period);
	(void)req_db_named(req, &sp, on_ctx);
}

/* The ops, gathered by dispatch.c. */
const struct op export_ops[] = {
	{ .name = "export", .fn = op_export, .flags = OP_SESSION,
	    .args = export_args },
	{ .name = NULL }
};
