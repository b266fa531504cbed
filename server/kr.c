/*
 * kr.c: the key-result entity, in one place: its ops (with flags and
 * argument schema), its statements (with parameters and columns by name),
 * its reply objects and its changes (change.h): key results and their
 * check-ins.  Its database logic (kr_progress, checkins_apply ...) lives
 * in its SQL file under sql/.
 *
 * The layout every entity follows: server/<entity>.c, flat beside the
 * rest, exporting <entity>_ops (gathered by dispatch.c) and <entity>_stmts
 * (a stmt_table gathered by sql.c), and in <entity>.h only what other
 * entities show of it (here FS_KR, in objective.get).  The statements'
 * enum values stay in sql.h (one table of prepared statements); the SQL
 * fragments every entity shares (AUDIT_NAMED, IDEM_NAMED, OBJ_FACTS) in
 * sql-cols.h.  A new column of key results is, in this file, its line in
 * KR_COLS_WITH and FS_KR, its parameter in the writes and its argument in
 * the ops' schemas; then a migration that alters the table, the SQL file
 * if a function reads it, client/cmd-kr.c and the docs.
 *
 * Progress is computed by the database functions kr_progress and
 * objective_progress on every read, so it is always consistent with the
 * stored values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "fields.h"
#include "authz.h"
#include "idem.h"
#include "kr.h"
#include "op.h"
#include "rules.h"
#include "signoff.h"
#include "values.h"
#include "sql-cols.h"

/* Reply objects and contexts. */

#define KR_FIELDS							\
	{ "id", F_INT }, { "objective", F_INT }, { "title", F_STR },	\
	{ "type", F_STR }, { "start", F_NUM }, { "target", F_NUM },	\
	{ "current", F_NUM }, { "unit", F_STR }, { "weight", F_NUM },	\
	{ "owner", F_STR }, { "progress", F_NUM }, { "attainment", F_NUM }, \
	{ "confidence", F_INT }, { "version", F_INT }, { "kpi", F_INT },	\
	{ "kpi_hidden", F_BOOL }, { "stale", F_BOOL }
static const struct field kr_f[] = { KR_FIELDS };
const struct fieldset FS_KR = FIELDSET("key result", kr_f);
/* kr.get's reply, and each key result of objective.get's: the same and
 * the forecast, which a change's reply (a check-in's above all) does not
 * compute. */
static const struct field kr_show_f[] = { KR_FIELDS,
	{ "forecast", F_JSON } };
const struct fieldset FS_KR_SHOW = FIELDSET("key result", kr_show_f);

static const struct field checkin_f[] = {
	{ "id", F_INT }, { "value", F_NUM }, { "confidence", F_INT },
	{ "note", F_STR }, { "author", F_STR }, { "via", F_STR },
	{ "at", F_STR },
};
static const struct fieldset FS_CHECKIN = FIELDSET("check-in", checkin_f);

/* Contexts: every column is read by the checks, none is packed. */
static const struct field kr_ctx_f[] = {
	OBJ_FACT_FIELDS, { "version", F_HIDDEN }, { "type", F_HIDDEN },
	{ "kr_owner", F_HIDDEN }, { "bound", F_HIDDEN },
};
static const struct fieldset FS_KR_CTX = FIELDSET("key result", kr_ctx_f);

static const struct field kr_new_ctx_f[] = {
	OBJ_FACT_FIELDS, { "krs", F_HIDDEN },
	{ "max_krs", F_HIDDEN }, { "kpi_found", F_HIDDEN },
	{ "kpi_archived", F_HIDDEN }, { "kpi_unit", F_HIDDEN },
	{ "kpi_latest", F_HIDDEN },
};
static const struct fieldset FS_KR_NEW_CTX = FIELDSET("objective",
    kr_new_ctx_f);

/*
 * A key result (FS_KR), from a row k of key_results, with its current
 * value, confidence, version and time of the last check-in given (a
 * check-in answers with the values its trigger sets, which this statement
 * cannot read back).  stale: sql/012's kr_stale, with its period's state.
 * A key result bound to a KPI that reader u (role r) may not read shows
 * neither the KPI's id nor its start (by default the KPI's reading when
 * it was bound), current value, progress, attainment or staleness, each
 * of which would give one of that KPI's readings or their times (sql/022,
 * docs/rules.md "Reading: private teams").  kpi_readable is a SQL function
 * with a subquery, which PostgreSQL cannot inline: it is asked only for a
 * bound key result (CASE and OR evaluate left to right), not seven times
 * per row for every key result.
 */
#define KR_SEEN(u, r, x)						\
	" CASE WHEN k.kpi_id IS NULL OR kpi_readable(" u ", " r ","	\
	" k.kpi_id) THEN " x " END"
#define KR_COLS_WITH(cur, conf, ver, chk, u, r)				\
	"k.id AS id, k.objective_id AS objective, k.title AS title,"	\
	" k.type AS type," KR_SEEN(u, r, "k.start_value") " AS start,"	\
	" k.target AS target,"						\
	KR_SEEN(u, r, cur) " AS current, k.unit AS unit,"		\
	" k.weight AS weight,"						\
	" (SELECT login FROM users WHERE id = k.owner_id) AS owner,"	\
	KR_SEEN(u, r, "kr_progress(k.type, k.start_value, k.target, "	\
	cur ")") " AS progress,"					\
	KR_SEEN(u, r, "kr_attainment(k.type, k.start_value, k.target, "	\
	cur ")") " AS attainment, " conf " AS confidence, " ver		\
	" AS version," KR_SEEN(u, r, "k.kpi_id") " AS kpi,"		\
	" (k.kpi_id IS NOT NULL AND NOT kpi_readable(" u ", " r ","	\
	" k.kpi_id)) AS kpi_hidden,"					\
	KR_SEEN(u, r, "kr_stale(" chk ", k.created_at, (SELECT p.state"	\
	" FROM objectives x JOIN periods p ON p.id = x.period_id"	\
	" WHERE x.id = k.objective_id))") " AS stale"
#define KR_COLS_FOR(u, r)						\
	KR_COLS_WITH("k.current", "k.confidence", "k.version",		\
	"k.checked_at", u, r)
/* In a write's reply: the caller as the reader. */
#define KR_COLS		KR_COLS_FOR(WRITER_NAMED_U, WRITER_NAMED_R)
/* In a read's: the reader given as $caller and $role. */
#define KR_READ_COLS	KR_COLS_FOR("$caller::bigint", "$role::text")

/* The statements, with their parameters by name (stmt.h). */
const stmt_table kr_stmts = {
	/* The objective's facts and the key result's. */
	[ST_KR_CTX] = { .name = "kr_ctx", .kind = STMT_READ,
	    .params = "key caller",
	    .sql = "SELECT k.id, k.objective_id," OBJ_FACTS("$caller") ","
	    " k.version, k.type, k.owner_id = $caller AS kr_owner,"
	    " k.kpi_id IS NOT NULL AS bound"
	    " FROM key_results k JOIN objectives o ON o.id = k.objective_id"
	    " JOIN teams t ON t.id = o.team_id"
	    " JOIN periods p ON p.id = o.period_id,"
	    " team_relation($caller, o.team_id) r"
	    " WHERE k.id = $key AND NOT k.removed",
	    .returns = &FS_KR_CTX },

	/* obj_ctx and the KPI a new key result is bound to (its latest
	 * value the default start).  A KPI the caller may not read counts
	 * as missing. */
	[ST_KR_NEW_CTX] = { .name = "kr_new_ctx", .kind = STMT_READ,
	    .params = "key caller role kpi",
	    .sql = "SELECT o.id," OBJ_FACTS("$caller") ", (SELECT count(*)"
	    " FROM key_results k WHERE k.objective_id = o.id"
	    " AND NOT k.removed) AS krs,"
	    " cairn_setting('max_key_results') AS max_krs,"
	    " x.id IS NOT NULL AND coalesce(can_read_team($caller, $role,"
	    " x.team_id), false) AS kpi_found, x.archived AS kpi_archived,"
	    " x.unit AS kpi_unit, (SELECT r.value FROM kpi_readings r"
	    " WHERE r.kpi_id = x.id " KPI_LATEST_FIRST " LIMIT 1) AS kpi_latest"
	    OBJ_FACTS_FROM("$caller") " LEFT JOIN kpis x ON x.id = $kpi::bigint"
	    " WHERE o.id = $key",
	    .returns = &FS_KR_NEW_CTX },

	/* key: the objective; kpi: the KPI it follows (NULL: none).  No
	 * row: no such owner (and no key stored). */
	[ST_KR_CREATE] = { .name = "kr_create", .kind = STMT_WRITE,
	    .params = "caller key title type start target unit weight owner"
	    " kpi idem_key idem_hash",
	    .sql = "WITH k AS (INSERT INTO key_results (objective_id, title,"
	    " type, start_value, target, current, unit, weight, owner_id,"
	    " kpi_id) SELECT $key, $title, $type, $start::float8,"
	    " $target::float8, $start::float8, $unit, $weight::float8, u.id,"
	    " $kpi::bigint FROM users u WHERE u.login = $owner RETURNING *),"
	    /* A key result added changes what was signed off. */
	    SIGNOFF_REPROPOSE("SELECT objective_id FROM k", "true")
	    AUDIT_NAMED("kr.create", "kr", "k.id", "NULL", "to_jsonb(k)", "k")
	    "," IDEM_NAMED("kr.create", "k.id", "k")
	    " SELECT " KR_COLS " FROM k",
	    .returns = &FS_KR },

	[ST_KR_GET] = { .name = "kr_get", .kind = STMT_READ,
	    .params = "id caller role",
	    .sql = "SELECT " KR_READ_COLS ","
	    " can_read_objective($caller, $role, o.id) AS readable,"
	    " kr_forecast_of(k.id) AS forecast"
	    " FROM key_results k JOIN objectives o ON o.id = k.objective_id"
	    " WHERE k.id = $id AND NOT k.removed",
	    .returns = &FS_KR },

	/* The key results of objective id, for objective.get, with their
	 * forecasts (O(1) each from their stored trend_* sums). */
	[ST_OBJ_KRS] = { .name = "obj_krs", .kind = STMT_READ,
	    .params = "id caller role",
	    .sql = "SELECT " KR_READ_COLS ", kr_forecast_of(k.id) AS forecast"
	    " FROM key_results k WHERE k.objective_id = $id"
	    " AND NOT k.removed ORDER BY k.id",
	    .returns = &FS_KR_SHOW },

	/* NULL fields are kept.  No row: stale version. */
	[ST_KR_UPDATE] = { .name = "kr_update", .kind = STMT_WRITE,
	    .params = "caller key title type start target unit weight owner"
	    " version",
	    .sql = "WITH b AS (SELECT to_jsonb(x) j FROM key_results x"
	    " WHERE id = $key),"
	    " k AS (UPDATE key_results SET title = coalesce($title, title),"
	    " type = coalesce($type, type),"
	    " start_value = coalesce($start::float8, start_value),"
	    " target = coalesce($target::float8, target),"
	    " unit = coalesce($unit, unit),"
	    " weight = coalesce($weight::float8, weight),"
	    " owner_id = CASE WHEN $owner::text IS NULL THEN owner_id"
	    " ELSE (SELECT id FROM users WHERE login = $owner) END,"
	    " version = version + 1"
	    " WHERE id = $key"
	    " AND ($version::integer IS NULL OR version = $version::integer)"
	    " RETURNING *),"
	    /* Its title, type, start or target: what was signed off. */
	    SIGNOFF_REPROPOSE("SELECT objective_id FROM k",
	    "SELECT k.title <> x.title OR k.type <> x.type"
	    " OR k.start_value <> x.start_value OR k.target <> x.target"
	    " FROM k, jsonb_populate_record(NULL::key_results,"
	    " (SELECT j FROM b)) x")
	    AUDIT_NAMED("kr.update", "kr", "k.id", "(SELECT j FROM b)",
	    "to_jsonb(k)", "k")
	    " SELECT " KR_COLS " FROM k",
	    .returns = &FS_KR },

	[ST_KR_REMOVE] = { .name = "kr_remove", .kind = STMT_WRITE,
	    .params = "caller key",
	    .sql = "WITH b AS (SELECT to_jsonb(x) j FROM key_results x"
	    " WHERE id = $key),"
	    " k AS (UPDATE key_results SET removed = true,"
	    " version = version + 1 WHERE id = $key AND NOT removed"
	    " RETURNING *),"
	    SIGNOFF_REPROPOSE("SELECT objective_id FROM k", "true")
	    AUDIT_NAMED("kr.remove", "kr", "k.id", "(SELECT j FROM b)", "NULL",
	    "k")
	    " SELECT " KR_COLS " FROM k",
	    .returns = &FS_KR },

	/* The insert's trigger (checkins_apply) sets the key result's
	 * current value and confidence and bumps its version; the reply
	 * shows what it set.  A retry's reply reads the key result, as the
	 * first reply did. */
	[ST_KR_CHECKIN] = { .name = "kr_checkin", .kind = STMT_WRITE,
	    .params = "caller key value confidence note via idem_key idem_hash",
	    .sql = "WITH c AS (INSERT INTO checkins (kr_id, value, confidence,"
	    " note, author_id, via) VALUES ($key, $value::float8,"
	    " $confidence::smallint, coalesce($note, ''), $caller, $via)"
	    " RETURNING *),"
	    AUDIT_NAMED_VIA("kr.checkin", "kr", "c.kr_id", "NULL", "to_jsonb(c)",
	    "c")
	    "," IDEM_NAMED("kr.checkin", "c.kr_id", "c")
	    " SELECT " KR_COLS_WITH("c.value",
	    "coalesce(c.confidence, k.confidence)", "k.version + 1", "c.at",
	    WRITER_NAMED_U, WRITER_NAMED_R)
	    " FROM c JOIN key_results k ON k.id = c.kr_id",
	    .returns = &FS_KR },

	[ST_KR_HISTORY] = { .name = "kr_history", .kind = STMT_READ,
	    .params = "id",
	    .sql = "SELECT c.id, c.value, c.confidence, c.note,"
	    " u.login AS author, c.via, to_char(c.at AT TIME ZONE 'UTC',"
	    " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS at"
	    " FROM checkins c JOIN users u ON u.id = c.author_id"
	    " WHERE c.kr_id = $id ORDER BY c.id",
	    .returns = &FS_CHECKIN },
};

/* The ops' arguments. */

#define KR_FIELD_ARGS(need)						\
	A_STR("title", need, 1, 200), A_STR("type", need, 1, 20),	\
	A_NUM("target", need, -1e15, 1e15),				\
	A_NUM("start", false, -1e15, 1e15), A_STR("unit", false, 0, 20),	\
	A_NUM("weight", false, 1e-9, 1000), A_STR("owner", false, 1, 63)

static const struct op_arg create_args[] = {
	A_ID("objective", true), KR_FIELD_ARGS(true), A_ID("kpi", false),
	A_END
};
static const struct op_arg update_args[] = {
	A_ID("id", true), KR_FIELD_ARGS(false), A_INT("version", false, 1,
	    INT32_MAX), A_END
};
static const struct op_arg id_args[] = {
	A_ID("id", true), A_END
};
static const struct op_arg checkin_args[] = {
	A_ID("id", true), A_NUM("value", true, -1e15, 1e15),
	A_INT("confidence", false, 1, 10), A_STR("note", false, 0, 2000),
	A_END
};

static const char *const kr_types[] = {
	"increase", "decrease", "above", "below", "boolean", NULL
};

/* The fields of kr.create and kr.update, as the write's parameters. */
struct kr_fields {
	const char	*title, *type, *unit, *owner;
	char		 start[32], target[32], weight[32];
	bool		 has_start, has_target, has_weight;
	char		 kpi[24];	/* kr.create: the KPI it follows */
	bool		 has_kpi, start_given;
};

static void
kr_field_args(const struct kr_fields *k, struct stmt_params *sp)
{
	sp_set(sp, "title", k->title);
	sp_set(sp, "type", k->type);
	sp_set(sp, "start", k->has_start ? k->start : NULL);
	sp_set(sp, "target", k->has_target ? k->target : NULL);
	sp_set(sp, "unit", k->unit);
	sp_set(sp, "weight", k->has_weight ? k->weight : NULL);
	sp_set(sp, "owner", k->owner);
}

static void
kr_fields_read(struct request *req, void *arg, bool create)
{
	struct kr_fields *k = arg;
	double start = 0, target = 0, weight = 1;

	(void)op_str(req, "title", &k->title);
	(void)op_str(req, "type", &k->type);
	k->has_target = op_num(req, "target", &target);
	k->has_start = op_num(req, "start", &start);
	(void)op_str(req, "unit", &k->unit);
	k->has_weight = op_num(req, "weight", &weight);
	(void)op_str(req, "owner", &k->owner);
	k->start_given = k->has_start;
	if (create) {
		int64_t kpi;

		if ((k->has_kpi = op_int(req, "kpi", &kpi)))
			snprintf(k->kpi, sizeof k->kpi, "%lld", (long long)kpi);
		/* Defaults of a new key result. */
		k->has_start = k->has_weight = true;
		if (k->unit == NULL)
			k->unit = "";
		if (k->owner == NULL)
			k->owner = req->conn->sess.login;
	}
	fmt_num(k->start, sizeof k->start, start);
	fmt_num(k->target, sizeof k->target, target);
	fmt_num(k->weight, sizeof k->weight, weight);
}

static void
op_kr_get(struct request *req)
{
	get_by_id(req, &FS_KR_SHOW, ST_KR_GET);
}

/* kr.create: in the objective's context. */

static bool
kr_create_check(struct change *c, const PGresult *ctx)
{
	if (row_int(ctx, 0, "krs") >= row_int(ctx, 0, "max_krs")) {
		idem_fail_rule(c->req, "limit.key_results", "objective %s "
		    "already has %s key results (max_key_results)", c->key,
		    row_text(ctx, 0, "krs"));
		return false;
	}
	return true;
}

static void
kr_create_args(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	struct kr_fields *k = c->arg;

	kr_field_args(k, sp);
	sp_set(sp, "kpi", k->has_kpi ? k->kpi : NULL);
}

static void
kr_no_owner(struct change *c)
{
	struct kr_fields *k = c->arg;

	req_fail(c->req, E_NOT_FOUND, "owner", "no user '%s'", k->owner);
}

static const struct change_op kr_create = {
	.what = "objective", .id_field = "objective",
	.ctx = ST_OBJ_CTX, .act = ACT_OBJ_EDIT, .period = PR_NEW,
	.check = kr_create_check,
	.write = ST_KR_CREATE, .args = kr_create_args, .reply = &FS_KR,
	.empty = kr_no_owner, .get = ST_KR_GET, .keyed = true,
};

/* Bound to a KPI (sql/007): the KPI's unit, and its latest value as the
 * default start; its readings move the key result from then on. */

static void
kr_bound_ctx_args(struct change *c, struct stmt_params *sp)
{
	sp_set(sp, "kpi", ((struct kr_fields *)c->arg)->kpi);
}

static bool
kr_bound_check(struct change *c, const PGresult *ctx)
{
	struct kr_fields *k = c->arg;
	const char *unit = row_text(ctx, 0, "kpi_unit"), *why;

	if (!row_bool(ctx, 0, "kpi_found")) {
		req_fail(c->req, E_NOT_FOUND, "kpi", "no KPI %s", k->kpi);
		return false;
	}
	if (row_bool(ctx, 0, "kpi_archived")) {
		req_fail_rule(c->req, "kpi.archived", "KPI %s is archived: "
		    "nothing new follows it", k->kpi);
		return false;
	}
	if (strcmp(k->type, "boolean") == 0) {
		req_fail(c->req, E_INVALID, "type", "a key result bound to a "
		    "KPI follows its readings: increase, decrease, above or "
		    "below, not boolean");
		return false;
	}
	if (k->unit[0] != '\0' && strcmp(k->unit, unit) != 0) {
		req_fail(c->req, E_INVALID, "unit", "a key result bound to "
		    "KPI %s has its unit ('%s')", k->kpi, unit);
		return false;
	}
	k->unit = unit;		/* the context outlives the write's params */
	if (!k->start_given) {
		if (row_null(ctx, 0, "kpi_latest")) {
			req_fail(c->req, E_INVALID, "start", "KPI %s has no "
			    "reading yet: give the start", k->kpi);
			return false;
		}
		fmt_num(k->start, sizeof k->start,
		    row_num(ctx, 0, "kpi_latest"));
	}
	if ((why = kr_shape_refusal(k->type, strtod(k->start, NULL),
	    strtod(k->target, NULL))) != NULL) {
		req_fail(c->req, E_INVALID, "target", "%s", why);
		return false;
	}
	return kr_create_check(c, ctx);
}

static const struct change_op kr_create_bound = {
	.what = "objective", .id_field = "objective",
	.ctx = ST_KR_NEW_CTX, .ctx_args = kr_bound_ctx_args,
	.act = ACT_OBJ_EDIT, .period = PR_NEW, .check = kr_bound_check,
	.write = ST_KR_CREATE, .args = kr_create_args, .reply = &FS_KR,
	.empty = kr_no_owner, .get = ST_KR_GET, .keyed = true,
};

static void
op_kr_create(struct request *req)
{
	struct kr_fields k = { 0 };
	struct change *c;
	struct idem idem;
	int64_t obj;
	const char *why;

	(void)op_int(req, "objective", &obj);
	kr_fields_read(req, &k, true);
	idem_read(req, &idem);
	if (!req_args_done(req) || !check_choice(req, "type", k.type, kr_types))
		return;
	/* A bound one's start may come from its KPI: checked then. */
	if (!k.has_kpi && (why = kr_shape_refusal(k.type, strtod(k.start,
	    NULL), strtod(k.target, NULL))) != NULL) {
		req_fail(req, E_INVALID, "target", "%s", why);
		return;
	}
	c = change_new(req, k.has_kpi ? &kr_create_bound : &kr_create,
	    sizeof k);
	*(struct kr_fields *)c->arg = k;
	c->idem = idem;
	change_run_id(c, obj);
}

/* kr.update and kr.remove: in the key result's context. */

static void
kr_update_args(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	kr_field_args(c->arg, sp);
}

/* A bound key result keeps its KPI's unit. */
static bool
kr_update_check(struct change *c, const PGresult *ctx)
{
	struct kr_fields *k = c->arg;

	if (row_bool(ctx, 0, "bound") && k->unit != NULL) {
		req_fail(c->req, E_INVALID, "unit", "key result %s follows a "
		    "KPI and has its unit", c->key);
		return false;
	}
	return true;
}

/* A start/target/type that no longer fit is refused by the table's CHECK
 * constraints (E_INVALID). */
static const struct change_op kr_update = {
	.what = "key result", .id_field = "id",
	.ctx = ST_KR_CTX, .act = ACT_OBJ_EDIT, .period = PR_OPEN,
	.check = kr_update_check,
	.write = ST_KR_UPDATE, .args = kr_update_args, .reply = &FS_KR,
};

/* The fields' values; false after answering. */
static bool
kr_fields_valid(struct request *req, const void *k)
{
	return check_choice(req, "type", ((const struct kr_fields *)k)->type,
	    kr_types);
}

static void
op_kr_update(struct request *req)
{
	change_edit(req, &kr_update, sizeof(struct kr_fields), kr_fields_read,
	    kr_fields_valid);
}

static const struct change_op kr_remove = {
	.what = "key result", .id_field = "id",
	.ctx = ST_KR_CTX, .act = ACT_OBJ_EDIT, .period = PR_OPEN,
	.write = ST_KR_REMOVE, .reply = NULL,
};

static void
op_kr_remove(struct request *req)
{
	int64_t id;

	(void)op_int(req, "id", &id);
	if (!req_args_done(req))
		return;
	change_run_id(change_new(req, &kr_remove, 0), id);
}

/* kr.checkin */

struct checkin {
	char		 value[32], confidence[8];
	bool		 has_confidence;
	const char	*note;
};

static bool
checkin_check(struct change *c, const PGresult *ctx)
{
	struct checkin *ci = c->arg;

	if (!ctx_rule(c, ctx, "bound", "kr.bound", "key result %s follows a "
	    "KPI: record a reading of the KPI instead", c->key))
		return false;
	if (strcmp(row_text(ctx, 0, "type"), "boolean") == 0 &&
	    strcmp(ci->value, "0") != 0 && strcmp(ci->value, "1") != 0) {
		req_fail(c->req, E_INVALID, "value", "a boolean key result "
		    "takes 0 or 1");
		return false;
	}
	return true;
}

static void
checkin_write_args(struct change *c, const PGresult *ctx,
    struct stmt_params *sp)
{
	struct checkin *ci = c->arg;

	sp_set(sp, "value", ci->value);
	sp_set(sp, "confidence", ci->has_confidence ? ci->confidence : NULL);
	sp_set(sp, "note", ci->note);
}

static const struct change_op kr_checkin = {
	.what = "key result", .id_field = "id",
	.ctx = ST_KR_CTX, .act = ACT_CHECKIN, .period = PR_STARTED,
	.check = checkin_check,
	.write = ST_KR_CHECKIN, .args = checkin_write_args, .reply = &FS_KR,
	.get = ST_KR_GET, .keyed = true,
};

static void
op_kr_checkin(struct request *req)
{
	struct checkin ci = { .note = NULL };
	int64_t id, confidence = 0;
	double value;
	struct change *c;
	struct idem idem;

	(void)op_int(req, "id", &id);
	(void)op_num(req, "value", &value);
	ci.has_confidence = op_int(req, "confidence", &confidence);
	(void)op_str(req, "note", &ci.note);
	idem_read(req, &idem);
	if (!req_args_done(req))
		return;
	fmt_num(ci.value, sizeof ci.value, value);
	snprintf(ci.confidence, sizeof ci.confidence, "%lld",
	    (long long)confidence);
	c = change_new(req, &kr_checkin, sizeof ci);
	*(struct checkin *)c->arg = ci;
	c->idem = idem;
	change_run_id(c, id);
}

/* kr.history: readable by whoever may read the key result. */

static void
on_history(void *arg, const PGresult *res)
{
	reply_list(arg, res, &FS_CHECKIN);
}

static void
on_history_kr(void *arg, const PGresult *res)
{
	struct request *req = arg;

	if (read_found(req, res, "key result"))
		(void)reader_db(req, ST_KR_HISTORY, on_history);
}

static void
op_kr_history(struct request *req)
{
	read_by_id(req, ST_KR_GET, on_history_kr);
}

/* The ops, gathered by dispatch.c. */
const struct op kr_ops[] = {
	{ .name = "kr.create", .fn = op_kr_create,
	    .flags = OP_SESSION | OP_WRITE, .args = create_args },
	{ .name = "kr.get", .fn = op_kr_get, .flags = OP_SESSION,
	    .args = id_args },
	{ .name = "kr.update", .fn = op_kr_update,
	    .flags = OP_SESSION | OP_WRITE, .args = update_args },
	{ .name = "kr.remove", .fn = op_kr_remove,
	    .flags = OP_SESSION | OP_WRITE, .args = id_args },
	{ .name = "kr.checkin", .fn = op_kr_checkin,
	    .flags = OP_SESSION | OP_WRITE, .args = checkin_args },
	{ .name = "kr.history", .fn = op_kr_history, .flags = OP_SESSION,
	    .args = id_args },
	{ .name = NULL }
};
