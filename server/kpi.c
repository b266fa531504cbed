/*
 * kpi.c: the KPI entity, in one place (the layout kr.c describes): its ops
 * (with flags and argument schema), its statements (with parameters and
 * columns by name), its reply objects and its changes (change.h): KPI
 * definitions (create, update, archive) and the reads (get, list,
 * history).  Readings are reading.c; the time and threshold checks both
 * use are kpi-at.c.  Health and staleness are computed by the database
 * (sql/logic/kpi.sql) on every read, from the readings as they are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "change.h"
#include "kpi.h"
#include "op.h"
#include "values.h"
#include "sql-cols.h"

/* Reply objects and contexts. */

static const struct field kpi_f[] = {
	{ "id", F_INT }, { "team", F_STR }, { "name", F_STR },
	{ "description", F_STR }, { "unit", F_STR }, { "direction", F_STR },
	{ "green", F_NUM }, { "amber", F_NUM }, { "green_high", F_NUM },
	{ "amber_high", F_NUM }, { "frequency", F_STR }, { "owner", F_STR },
	{ "breach_after", F_INT }, { "archived", F_BOOL }, { "version", F_INT },
	{ "latest", F_JSON }, { "health", F_STR }, { "stale", F_BOOL },
	{ "recent", F_JSON }, { "forecast", F_JSON }, { "feed", F_JSON },
};
static const struct fieldset FS_KPI = FIELDSET("KPI", kpi_f);

static const struct field reading_f[] = {
	{ "id", F_INT }, { "value", F_NUM }, { "at", F_STR },
	{ "health", F_STR }, { "author", F_STR }, { "via", F_STR },
	{ "note", F_STR },
};
static const struct fieldset FS_KPI_READING = FIELDSET("reading",
    reading_f);

/* Contexts: read by the checks, never packed. */
static const struct field kpi_new_ctx_f[] = {
	{ "team_id", F_HIDDEN }, { "private_team", F_HIDDEN },
	{ "lead_here", F_HIDDEN }, { "lead_above", F_HIDDEN },
	{ "member_here", F_HIDDEN }, { "owner_found", F_HIDDEN },
};
static const struct fieldset FS_KPI_NEW_CTX = FIELDSET("team",
    kpi_new_ctx_f);

static const struct field kpi_ctx_f[] = {
	{ "version", F_HIDDEN }, { "archived", F_HIDDEN },
	{ "private_team", F_HIDDEN }, { "lead_here", F_HIDDEN },
	{ "lead_above", F_HIDDEN }, { "member_here", F_HIDDEN },
	{ "kpi_owner", F_HIDDEN }, { "direction", F_HIDDEN },
	{ "green", F_HIDDEN }, { "amber", F_HIDDEN },
	{ "green_high", F_HIDDEN }, { "amber_high", F_HIDDEN },
	{ "owner_found", F_HIDDEN },
};
static const struct fieldset FS_KPI_CTX = FIELDSET("KPI", kpi_ctx_f);

/*
 * A KPI's reply columns, from a row k of kpis or of a write's RETURNING:
 * health and staleness are computed from k's own columns (the readings
 * are not what the write changes), so a write answers with its new
 * definition, not the snapshot from before the statement.
 */
#define KPI_TIME(x)							\
	"to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define KPI_COLS							\
	"k.id AS id, (SELECT slug FROM teams WHERE id = k.team_id) AS team,"	\
	" k.name AS name, k.description AS description, k.unit AS unit,"	\
	" k.direction AS direction, k.green AS green, k.amber AS amber,"	\
	" k.green_high AS green_high, k.amber_high AS amber_high,"	\
	" k.frequency AS frequency,"					\
	" (SELECT login FROM users WHERE id = k.owner_id) AS owner,"	\
	" k.breach_after AS breach_after, k.archived AS archived,"	\
	" k.version AS version,"					\
	" (SELECT json_build_object('value', r.value, 'at', "		\
	KPI_TIME("r.at") ") FROM kpi_readings r WHERE r.kpi_id = k.id "	\
	KPI_LATEST_FIRST " LIMIT 1) AS latest,"				\
	" kpi_health_of(k.id, k.direction, k.green, k.amber, k.green_high,"	\
	" k.amber_high, k.breach_after) AS health,"			\
	" kpi_stale_of(k.id, k.frequency) AS stale,"			\
	" (SELECT coalesce(json_agg(s.value ORDER BY s.at, s.id), '[]')"	\
	" FROM (SELECT r.value, r.at, r.id FROM kpi_readings r"		\
	" WHERE r.kpi_id = k.id " KPI_LATEST_FIRST " LIMIT 12) s) AS recent,"	\
	" kpi_forecast_of(k.id, k.direction, k.green, k.amber, k.green_high,"	\
	" k.amber_high) AS forecast, kpi_feed_of(k.id) AS feed"

/* A new owner's login ($owner, NULL: none given) names a user. */
#define OWNER_FOUND							\
	" $owner::text IS NULL OR EXISTS (SELECT 1 FROM users"		\
	" WHERE login = $owner::text) AS owner_found"

/*
 * A change of KPI $key by the statement upd (an UPDATE of kpis, after the
 * CTEs in pre), audited as op with the row before and after, answering
 * with the KPI as it left it.
 */
#define KPI_CHANGE(op, pre, upd)					\
	"WITH" pre " b AS (SELECT to_jsonb(x) j FROM kpis x"		\
	" WHERE id = $key), k AS (" upd " RETURNING *),"		\
	AUDIT_NAMED(op, "kpi", "k.id", "(SELECT j FROM b)",		\
	"to_jsonb(k)", "k") " SELECT " KPI_COLS " FROM k"

/* The definition a write sets: NULL fields keep what is stored (an
 * update) or take the default (a creation). */
#define KPI_DEF_PARAMS							\
	"name description unit direction green amber green_high"	\
	" amber_high frequency owner breach_after"

/*
 * The statements, with their parameters by name (stmt.h).  Readings are
 * their own record (author, time): no audit entry; definitions are
 * audited.
 */
const stmt_table kpi_stmts = {
	/* key: the team's slug. */
	[ST_KPI_NEW_CTX] = { .name = "kpi_new_ctx", .kind = STMT_READ,
	    .params = "key caller owner",
	    .sql = "SELECT t.id AS team_id, t.private AS private_team,"
	    " r.lead_here, r.lead_above, r.member_here," OWNER_FOUND
	    " FROM teams t, team_relation($caller, t.id) r"
	    " WHERE t.slug = $key",
	    .returns = &FS_KPI_NEW_CTX },

	/* team: the context's team id; owner NULL: the caller. */
	[ST_KPI_CREATE] = { .name = "kpi_create", .kind = STMT_WRITE,
	    .params = "caller team " KPI_DEF_PARAMS " idem_key idem_hash",
	    .sql = "WITH k AS (INSERT INTO kpis (team_id, name, description,"
	    " unit, direction, green, amber, green_high, amber_high,"
	    " frequency, owner_id, breach_after) VALUES ($team::bigint, $name,"
	    " coalesce($description, ''), coalesce($unit, ''), $direction,"
	    " $green::float8, $amber::float8, $green_high::float8,"
	    " $amber_high::float8, coalesce($frequency, 'weekly'),"
	    " CASE WHEN $owner::text IS NULL THEN $caller::bigint"
	    " ELSE (SELECT id FROM users WHERE login = $owner) END,"
	    " coalesce($breach_after::integer, 1)) RETURNING *),"
	    AUDIT_NAMED("kpi.create", "kpi", "k.id", "NULL", "to_jsonb(k)",
	    "k") "," IDEM_NAMED("kpi.create", "k.id", "k")
	    " SELECT " KPI_COLS " FROM k",
	    .returns = &FS_KPI },

	/* The facts and the definition a partial update is merged with. */
	[ST_KPI_CTX] = { .name = "kpi_ctx", .kind = STMT_READ,
	    .params = "key caller owner",
	    .sql = "SELECT k.id, k.version AS version, k.archived AS archived,"
	    KPI_FACTS("$caller") ", k.direction AS direction,"
	    " k.green AS green, k.amber AS amber, k.green_high AS green_high,"
	    " k.amber_high AS amber_high," OWNER_FOUND
	    KPI_FACTS_FROM("$caller") " WHERE k.id = $key",
	    .returns = &FS_KPI_CTX },

	/* The merged thresholds (all four set); read_version: the version
	 * the context read.  No row: changed meanwhile. */
	[ST_KPI_UPDATE] = { .name = "kpi_update", .kind = STMT_WRITE,
	    .params = "caller key " KPI_DEF_PARAMS " read_version",
	    .sql = KPI_CHANGE("kpi.update", "",
	    "UPDATE kpis SET name = coalesce($name, name),"
	    " description = coalesce($description, description),"
	    " unit = coalesce($unit, unit), direction = $direction,"
	    " green = $green::float8, amber = $amber::float8,"
	    " green_high = $green_high::float8,"
	    " amber_high = $amber_high::float8,"
	    " frequency = coalesce($frequency, frequency),"
	    " owner_id = CASE WHEN $owner::text IS NULL THEN owner_id"
	    " ELSE (SELECT id FROM users WHERE login = $owner) END,"
	    " breach_after = coalesce($breach_after::integer, breach_after),"
	    " version = version + 1, updated_at = now()"
	    " WHERE id = $key AND version = $read_version::integer"),
	    .returns = &FS_KPI },

	/* The row FOR UPDATE first: that waits for the readings in flight,
	 * whose foreign-key checks hold it FOR KEY SHARE, and makes new ones
	 * wait (sql/logic/reading.sql, kpi_readings_check). */
	[ST_KPI_ARCHIVE] = { .name = "kpi_archive", .kind = STMT_WRITE,
	    .params = "caller key version",
	    .sql = KPI_CHANGE("kpi.archive",
	    " l AS (SELECT id FROM kpis WHERE id = $key FOR UPDATE),",
	    "UPDATE kpis SET archived = true, version = version + 1,"
	    " updated_at = now() WHERE id = (SELECT id FROM l) AND NOT archived"
	    " AND ($version::integer IS NULL OR version = $version::integer)"),
	    .returns = &FS_KPI },

	[ST_KPI_GET] = { .name = "kpi_get", .kind = STMT_READ,
	    .params = "id caller role",
	    .sql = "SELECT " KPI_COLS ", can_read_team($caller, $role,"
	    " k.team_id) AS readable FROM kpis k WHERE k.id = $id",
	    .returns = &FS_KPI },

	/* The KPIs the caller may read, not archived; team, health, stale
	 * NULL: any. */
	[ST_KPI_LIST] = { .name = "kpi_list", .kind = STMT_READ,
	    .lag_ok = true,
	    .params = "caller role team health stale limit",
	    .sql = "SELECT * FROM (SELECT " KPI_COLS " FROM kpis k"
	    " WHERE NOT k.archived AND can_read_team($caller, $role, k.team_id)"
	    " AND ($team::text IS NULL OR k.team_id ="
	    " (SELECT id FROM teams WHERE slug = $team))) x"
	    " WHERE ($health::text IS NULL OR x.health = $health)"
	    " AND ($stale::boolean IS NULL OR x.stale = $stale::boolean)"
	    " ORDER BY x.team, x.name, x.id LIMIT $limit::integer",
	    .returns = &FS_KPI },

	/*
	 * KPI id's last `limit` readings, oldest first, each with its health
	 * under the KPI's thresholds now; with readable, the caller may
	 * read the KPI, on every row.  No row: no such KPI; one row with a
	 * NULL id: a KPI with no readings (or one the caller may not read,
	 * whose readings are not joined).
	 */
	[ST_KPI_HISTORY] = { .name = "kpi_history", .kind = STMT_READ,
	    .params = "id caller role limit",
	    .sql = "SELECT h.id, h.value, h.at, h.health, h.author, h.via,"
	    " h.note,"
	    " k.readable FROM (SELECT k.*, can_read_team($caller, $role,"
	    " k.team_id) AS readable FROM kpis k WHERE k.id = $id) k"
	    " LEFT JOIN LATERAL (SELECT r.id, r.value, " KPI_TIME("r.at")
	    " AS at, r.at AS t, kpi_reading_health(k.direction, k.green,"
	    " k.amber, k.green_high, k.amber_high, r.value) AS health,"
	    " u.login AS author, r.via, r.note FROM kpi_readings r"
	    " JOIN users u ON u.id = r.author_id WHERE r.kpi_id = k.id "
	    KPI_LATEST_FIRST " LIMIT $limit::integer) h ON k.readable"
	    " ORDER BY h.t, h.id",
	    .returns = &FS_KPI_READING },
};

/* The ops' arguments. */

#define V	KPI_VALUE_MAX
#define KPI_DEF_ARGS(need)						\
	A_STR("name", need, 1, 200), A_STR("description", false, 0, 4000),	\
	A_STR("unit", false, 0, 20), A_STR("direction", need, 1, 10),	\
	A_NUM("green", need, -V, V), A_NUM("amber", need, -V, V),	\
	A_NUM("green_high", false, -V, V), A_NUM("amber_high", false, -V, V),	\
	A_STR("frequency", false, 1, 10), A_STR("owner", false, 1, 63),	\
	A_INT("breach_after", false, 1, 100)

static const struct op_arg create_args[] = {
	A_STR("team", true, 1, 40), KPI_DEF_ARGS(true), A_END
};
static const struct op_arg update_args[] = {
	A_ID("id", true), KPI_DEF_ARGS(false),
	A_INT("version", false, 1, INT32_MAX), A_END
};
static const struct op_arg archive_args[] = {
	A_ID("id", true), A_INT("version", false, 1, INT32_MAX), A_END
};
static const struct op_arg id_args[] = {
	A_ID("id", true), A_END
};
/* And "stale", a boolean (mp_get_bool: no bounds to declare). */
static const struct op_arg list_args[] = {
	A_STR("team", false, 1, 40), A_STR("health", false, 1, 10),
	A_INT("limit", false, 1, 1000), A_END
};
static const struct op_arg history_args[] = {
	A_ID("id", true), A_INT("limit", false, 1, 1000), A_END
};
#undef V

static const char *const directions[] = { "up", "down", "range", NULL };
static const char *const frequencies[] = { "daily", "weekly", "monthly",
    NULL };
static const char *const healths[] = { "green", "amber", "red", "none",
    NULL };

/* The definition fields of kpi.create and kpi.update. */
struct kpi_def {
	const char	*team, *name, *desc, *unit, *dir, *freq, *owner;
	double		 green, amber, gh, ah;
	bool		 has_green, has_amber, has_gh, has_ah;
	int64_t		 breach;
	bool		 has_breach;
	/* The merged definition, as the write's parameters. */
	const char	*dir_out;
	char		 g[32], a[32], ghs[32], ahs[32], bs[16];
	bool		 range_out;
};

static void
kpi_def_read(struct request *req, void *arg, bool create)
{
	struct kpi_def *d = arg;

	if (create)
		(void)op_str(req, "team", &d->team);
	(void)op_str(req, "name", &d->name);
	(void)op_str(req, "description", &d->desc);
	(void)op_str(req, "unit", &d->unit);
	(void)op_str(req, "direction", &d->dir);
	d->has_green = op_num(req, "green", &d->green);
	d->has_amber = op_num(req, "amber", &d->amber);
	d->has_gh = op_num(req, "green_high", &d->gh);
	d->has_ah = op_num(req, "amber_high", &d->ah);
	(void)op_str(req, "frequency", &d->freq);
	(void)op_str(req, "owner", &d->owner);
	d->has_breach = op_int(req, "breach_after", &d->breach);
}

/* The kinds named; false after answering E_INVALID. */
static bool MUST_CHECK
kpi_kinds_ok(struct request *req, const void *arg)
{
	const struct kpi_def *d = arg;

	return check_choice(req, "direction", d->dir, directions) &&
	    check_choice(req, "frequency", d->freq, frequencies);
}

/*
 * Merge the thresholds given with the stored ones (ctx NULL: none stored,
 * a creation) and check their order; false after answering E_INVALID
 * naming the field.  Changing the direction away from range drops the
 * stored high thresholds.
 */
static bool MUST_CHECK
kpi_def_merge(struct request *req, struct kpi_def *d, const PGresult *ctx)
{
	const char *dir = d->dir, *bad, *why;
	double g = d->green, a = d->amber, gh = d->gh, ah = d->ah;
	bool has_gh = d->has_gh, has_ah = d->has_ah;

	if (ctx != NULL) {
		if (dir == NULL)
			dir = row_text(ctx, 0, "direction");
		if (!d->has_green)
			g = row_num(ctx, 0, "green");
		if (!d->has_amber)
			a = row_num(ctx, 0, "amber");
		if (strcmp(dir, "range") == 0) {
			if (!has_gh && !row_null(ctx, 0, "green_high")) {
				gh = row_num(ctx, 0, "green_high");
				has_gh = true;
			}
			if (!has_ah && !row_null(ctx, 0, "amber_high")) {
				ah = row_num(ctx, 0, "amber_high");
				has_ah = true;
			}
		}
	}
	if ((bad = kpi_thresholds_refusal(dir, g, a, has_gh, gh, has_ah, ah,
	    &why)) != NULL) {
		req_fail(req, E_INVALID, bad, "%s", why);
		return false;
	}
	d->dir_out = dir;
	d->range_out = strcmp(dir, "range") == 0;
	fmt_num(d->g, sizeof d->g, g);
	fmt_num(d->a, sizeof d->a, a);
	fmt_num(d->ghs, sizeof d->ghs, gh);
	fmt_num(d->ahs, sizeof d->ahs, ah);
	snprintf(d->bs, sizeof d->bs, "%lld", (long long)d->breach);
	return true;
}

/* KPI_DEF_PARAMS of kpi_create and kpi_update. */
static void
kpi_def_args(const struct kpi_def *d, struct stmt_params *sp)
{
	sp_set(sp, "name", d->name);
	sp_set(sp, "description", d->desc);
	sp_set(sp, "unit", d->unit);
	sp_set(sp, "direction", d->dir_out);
	sp_set(sp, "green", d->g);
	sp_set(sp, "amber", d->a);
	sp_set(sp, "green_high", d->range_out ? d->ghs : NULL);
	sp_set(sp, "amber_high", d->range_out ? d->ahs : NULL);
	sp_set(sp, "frequency", d->freq);
	sp_set(sp, "owner", d->owner);
	sp_set(sp, "breach_after", d->has_breach ? d->bs : NULL);
}

/* The new owner's login (NULL: none given, as for kpi.archive). */
static void
kpi_ctx_args(struct change *c, struct stmt_params *sp)
{
	sp_set(sp, "owner", ((struct kpi_def *)c->arg)->owner);
}

static bool MUST_CHECK
owner_found(struct change *c, const PGresult *ctx)
{
	struct kpi_def *d = c->arg;

	return ctx_found(c, ctx, "owner_found", "owner", "user", d->owner);
}

static bool MUST_CHECK
not_archived(struct change *c, const PGresult *ctx)
{
	return ctx_rule(c, ctx, "archived", "kpi.archived", "KPI %s is "
	    "archived: it changes no more", c->key);
}

/* kpi.create: in the team's context. */

static void
kpi_create_args(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	sp_set(sp, "team", row_text(ctx, 0, "team_id"));
	kpi_def_args(c->arg, sp);
}

static const struct change_op kpi_create = {
	.what = "team", .id_field = "team",
	.ctx = ST_KPI_NEW_CTX, .ctx_args = kpi_ctx_args,
	.act = ACT_KPI_EDIT, .period = PR_NONE, .check = owner_found,
	.write = ST_KPI_CREATE, .args = kpi_create_args, .reply = &FS_KPI,
	.get = ST_KPI_GET, .keyed = true,
};

static void
op_kpi_create(struct request *req)
{
	struct kpi_def d = { 0 };
	struct change *c;
	struct idem idem;

	kpi_def_read(req, &d, true);
	idem_read(req, &idem);
	if (!req_args_done(req) || !kpi_kinds_ok(req, &d) ||
	    !kpi_def_merge(req, &d, NULL))
		return;
	c = change_new(req, &kpi_create, sizeof d);
	*(struct kpi_def *)c->arg = d;
	c->idem = idem;
	change_run(c, d.team);
}

/* kpi.update and kpi.archive: in the KPI's context. */

static bool MUST_CHECK
kpi_update_check(struct change *c, const PGresult *ctx)
{
	return not_archived(c, ctx) && owner_found(c, ctx) &&
	    kpi_def_merge(c->req, c->arg, ctx);
}

/* Merged with what the context read: written only if that is still the
 * version, so a concurrent edit is never undone. */
static void
kpi_update_args(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	kpi_def_args(c->arg, sp);
	sp_set(sp, "read_version", row_text(ctx, 0, "version"));
}

static const struct change_op kpi_update = {
	.what = "KPI", .id_field = "id",
	.ctx = ST_KPI_CTX, .ctx_args = kpi_ctx_args,
	.act = ACT_KPI_EDIT, .period = PR_NONE, .check = kpi_update_check,
	.write = ST_KPI_UPDATE, .args = kpi_update_args, .reply = &FS_KPI,
};

static void
op_kpi_update(struct request *req)
{
	change_edit(req, &kpi_update, sizeof(struct kpi_def), kpi_def_read,
	    kpi_kinds_ok);
}

static const struct change_op kpi_archive = {
	.what = "KPI", .id_field = "id",
	.ctx = ST_KPI_CTX, .ctx_args = kpi_ctx_args,
	.act = ACT_KPI_EDIT, .period = PR_NONE, .check = not_archived,
	.write = ST_KPI_ARCHIVE, .reply = &FS_KPI,
};

/* No definition fields: the context's owner is NULL. */
static void
kpi_archive_read(struct request *req, void *arg, bool create)
{
}

static void
op_kpi_archive(struct request *req)
{
	change_edit(req, &kpi_archive, sizeof(struct kpi_def),
	    kpi_archive_read, NULL);
}

/* Reads. */

static void
op_kpi_get(struct request *req)
{
	get_by_id(req, &FS_KPI, ST_KPI_GET);
}

static void
on_list(void *arg, const PGresult *res)
{
	reply_list(arg, res, &FS_KPI);
}

static void
op_kpi_list(struct request *req)
{
	const char *team = NULL, *health = NULL;
	bool stale = false, has_stale;
	int64_t limit = 1000;
	char caller[24], role[16], lim[16];
	struct stmt_params sp;

	(void)op_str(req, "team", &team);
	(void)op_str(req, "health", &health);
	has_stale = mp_get_bool(&req->args, "stale", MP_OPTIONAL, &stale);
	(void)op_int(req, "limit", &limit);
	if (!req_args_done(req) || !check_choice(req, "health", health,
	    healths))
		return;
	caller_text(req, caller, role);
	snprintf(lim, sizeof lim, "%lld", (long long)limit);
	stmt_params_init(&sp, ST_KPI_LIST);
	sp_set(&sp, "caller", caller);
	sp_set(&sp, "role", role);
	sp_set(&sp, "team", team);
	sp_set(&sp, "health", health);
	sp_set(&sp, "stale", has_stale ? (stale ? "t" : "f") : NULL);
	sp_set(&sp, "limit", lim);
	(void)req_db_named(req, &sp, on_list);
}

static void
on_history(void *arg, const PGresult *res)
{
	struct request *req = arg;

	/* Missing and unreadable are answered alike (read_found). */
	if (!db_ok(res) || PQntuples(res) == 0 ||
	    !row_bool(res, 0, "readable")) {
		(void)read_found(req, res, "KPI");
		return;
	}
	if (PQntuples(res) == 1 && row_null(res, 0, "id")) {
		msgpack_pack_array(req_result(req), 0);	/* no readings */
		req_reply(req);
		return;
	}
	reply_list(req, res, &FS_KPI_READING);
}

/* kpi.history: the last `limit` readings (default 100), oldest first, in
 * one round trip with the check that the caller may read the KPI. */
static void
op_kpi_history(struct request *req)
{
	struct reader *r;
	struct stmt_params sp;
	int64_t id, limit = 100;
	char lim[16];

	(void)op_int(req, "id", &id);
	(void)op_int(req, "limit", &limit);
	if (!req_args_done(req))
		return;
	r = reader_new(req, id);
	snprintf(lim, sizeof lim, "%lld", (long long)limit);
	stmt_params_init(&sp, ST_KPI_HISTORY);
	sp_set(&sp, "id", r->id);
	sp_set(&sp, "caller", r->caller);
	sp_set(&sp, "role", r->role);
	sp_set(&sp, "limit", lim);
	(void)req_db_named(req, &sp, on_history);
}

/* The ops, gathered by dispatch.c. */
const struct op kpi_ops[] = {
	{ .name = "kpi.create", .fn = op_kpi_create,
	    .flags = OP_SESSION | OP_WRITE, .args = create_args },
	{ .name = "kpi.update", .fn = op_kpi_update,
	    .flags = OP_SESSION | OP_WRITE, .args = update_args },
	{ .name = "kpi.archive", .fn = op_kpi_archive,
	    .flags = OP_SESSION | OP_WRITE, .args = archive_args },
	{ .name = "kpi.get", .fn = op_kpi_get, .flags = OP_SESSION,
	    .args = id_args },
	{ .name = "kpi.list", .fn = op_kpi_list, .flags = OP_SESSION,
	    .args = list_args },
	{ .name = "kpi.history", .fn = op_kpi_history, .flags = OP_SESSION,
	    .args = history_args },
	{ .name = NULL }
};
