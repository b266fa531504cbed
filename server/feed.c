/*
 * feed.c: the feed entity, in one place (the layout kr.c describes): a
 * KPI read from a source (source.c) on a schedule.  Its ops set a KPI's
 * feed, turn it off, and run it once at once (how a lead tests a query);
 * the schedule itself is feedrun.c's, the database logic (the next slot,
 * the backoff, what a run records) sql/logic/feed.sql.
 *
 * Who may: a lead of the KPI's team (or of a team above it) or an admin,
 * as for changing the KPI (ACT_KPI_EDIT); the source must be allowed to
 * the KPI's team (source.allow).  A feed's readings are recorded as the
 * user who set it, so that every rule of kpi.record holds for them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "change.h"
#include "feed.h"
#include "sourcerun.h"
#include "op.h"
#include "sql-cols.h"
#include "values.h"
#include "xmalloc.h"

/* Reply objects and contexts. */

static const struct field feed_f[] = {
	{ "kpi", F_INT }, { "feed", F_JSON },
};
static const struct fieldset FS_FEED = FIELDSET("feed", feed_f);

static const struct field run_f[] = {
	{ "kpi", F_INT }, { "reading", F_INT }, { "value", F_NUM },
	{ "at", F_STR }, { "error", F_STR }, { "failed", F_HIDDEN },
};
static const struct fieldset FS_FEED_RUN = FIELDSET("feed run", run_f);

/* Read by the checks and by a run, never packed. */
static const struct field feed_ctx_f[] = {
	{ "archived", F_HIDDEN }, { "private_team", F_HIDDEN },
	{ "lead_here", F_HIDDEN }, { "lead_above", F_HIDDEN },
	{ "member_here", F_HIDDEN }, { "kpi_owner", F_HIDDEN },
	{ "source_id", F_HIDDEN }, { "source_refused", F_HIDDEN },
	{ "has_feed", F_HIDDEN }, { "query", F_HIDDEN },
	{ "source_name", F_HIDDEN }, { "kind", F_HIDDEN },
	{ "target", F_HIDDEN }, { "ca_pem", F_HIDDEN },
	{ "secret", F_HIDDEN }, { "timeout_ms", F_HIDDEN },
};
static const struct fieldset FS_FEED_CTX = FIELDSET("KPI", feed_ctx_f);

/* What a KPI's feed writes in the audit log: never a credential (a feed
 * holds none; its source does). */
#define FEED_JSON(f)							\
	"(SELECT to_jsonb(x) - 'lease_until' - 'lease_by' FROM feeds x"	\
	" WHERE x.kpi_id = " f ")"

/* The statements, with their parameters by name (stmt.h). */
const stmt_table feed_stmts = {
	/* KPI $key with the caller's facts, and the source: $source by
	 * name, or (NULL) the feed's own. */
	[ST_FEED_CTX] = { .name = "feed_ctx", .kind = STMT_READ,
	    .params = "key caller source",
	    .sql = "SELECT k.archived AS archived," KPI_FACTS("$caller") ","
	    " s.id AS source_id, s.name AS source_name, s.kind AS kind,"
	    " s.target AS target, s.ca_pem AS ca_pem, s.secret AS secret,"
	    " s.id IS NOT NULL AND NOT source_usable_by_team(s.id, k.team_id)"
	    " AS source_refused, f.kpi_id IS NOT NULL AS has_feed,"
	    " f.query AS query, (SELECT value FROM settings"
	    " WHERE name = 'source_timeout_ms') AS timeout_ms"
	    " FROM kpis k JOIN teams t ON t.id = k.team_id"
	    " CROSS JOIN team_relation($caller, k.team_id) r"
	    " LEFT JOIN feeds f ON f.kpi_id = k.id"
	    " LEFT JOIN sources s ON s.id = CASE WHEN $source::text IS NULL"
	    " THEN f.source_id ELSE (SELECT id FROM sources"
	    " WHERE name = $source) END WHERE k.id = $key",
	    .returns = &FS_FEED_CTX },

	/* Set (or replace) the feed: its first run at once, on its own
	 * offset into the interval; a replaced feed starts again with no
	 * failures. */
	[ST_FEED_SET] = { .name = "feed_set", .kind = STMT_WRITE,
	    .params = "caller key source_id query every",
	    .sql = "WITH b AS (SELECT " FEED_JSON("$key::bigint") " AS j),"
	    " f AS (INSERT INTO feeds (kpi_id, source_id, query, every, set_by,"
	    " due) VALUES ($key::bigint, $source_id::bigint, $query,"
	    " $every::integer, $caller::bigint, now() + feed_jitter($key::bigint,"
	    " $every::integer)) ON CONFLICT (kpi_id) DO UPDATE SET"
	    " source_id = excluded.source_id, query = excluded.query,"
	    " every = excluded.every, set_by = excluded.set_by, set_at = now(),"
	    " due = excluded.due, retry_at = NULL, lease_until = NULL,"
	    " lease_by = NULL, last_error = NULL, failures = 0,"
	    " failing_since = NULL RETURNING *),"
	    AUDIT_NAMED("kpi.feed", "kpi", "f.kpi_id", "(SELECT j FROM b)",
	    "to_jsonb(f) - 'lease_until' - 'lease_by'", "f")
	    " SELECT f.kpi_id AS kpi, feed_json(f::feeds, s) AS feed FROM f"
	    " JOIN sources s ON s.id = f.source_id",
	    .returns = &FS_FEED },

	/* No row: the KPI had no feed. */
	[ST_FEED_OFF] = { .name = "feed_off", .kind = STMT_WRITE,
	    .params = "caller key",
	    .sql = "WITH f AS (DELETE FROM feeds WHERE kpi_id = $key::bigint"
	    " RETURNING *),"
	    AUDIT_NAMED("kpi.feed_off", "kpi", "f.kpi_id",
	    "to_jsonb(f) - 'lease_until' - 'lease_by'", "NULL", "f")
	    " SELECT f.kpi_id AS kpi, NULL::json AS feed FROM f",
	    .returns = &FS_FEED },

	/* A run at once (kpi.feed_run): its reading on a slot of its own,
	 * or its error shown on the feed.  $error NULL: the run read
	 * $value (at $at, NULL: now). */
	[ST_FEED_RUN_DONE] = { .name = "feed_run_done", .kind = STMT_WRITE,
	    .params = "key value at error",
	    .sql = "SELECT $key::bigint AS kpi, CASE WHEN $error::text IS NULL"
	    " THEN feed_record($key::bigint, clock_timestamp(), true,"
	    " $value::float8, $at::timestamptz) END AS reading,"
	    " $value::float8 AS value, cairn_time(coalesce($at::timestamptz,"
	    " now())) AS at, $error::text AS error,"
	    " CASE WHEN $error::text IS NOT NULL THEN feed_failed($key::bigint,"
	    " clock_timestamp(), true, $error) END AS failed",
	    .returns = &FS_FEED_RUN },
};

/* The ops' arguments. */

static const struct op_arg set_args[] = {
	A_ID("id", true), A_STR("source", true, 1, 40),
	A_STR("query", true, 1, FEED_QUERY_MAX),
	A_INT("every", true, FEED_EVERY_MIN, FEED_EVERY_MAX), A_END
};
static const struct op_arg id_args[] = {
	A_ID("id", true), A_END
};

struct feed_arg {
	const char	*source, *query;
	char		 source_id[24], every[16];
	int64_t		 every_s;
	/* kpi.feed_run: what the run read, for the write. */
	struct source_result res;
	char		 value[40], at[40];
};

#define FARG(c)	((struct feed_arg *)(c)->arg)

static bool MUST_CHECK
not_archived(struct change *c, const PGresult *ctx)
{
	return ctx_rule(c, ctx, "archived", "kpi.archived", "KPI %s is "
	    "archived: it takes no feed", c->key);
}

static bool MUST_CHECK
source_ok(struct change *c, const PGresult *ctx, const char *name)
{
	if (!ctx_found(c, ctx, "source_id", "source", "source", name))
		return false;
	return ctx_rule(c, ctx, "source_refused", "feed.source", "source "
	    "'%s' is not allowed to this KPI's team (source allow)",
	    row_text(ctx, 0, "source_name"));
}

/* kpi.feed */

static bool MUST_CHECK
set_check(struct change *c, const PGresult *ctx)
{
	if (!not_archived(c, ctx) || !source_ok(c, ctx, FARG(c)->source))
		return false;
	snprintf(FARG(c)->source_id, sizeof FARG(c)->source_id, "%s",
	    row_text(ctx, 0, "source_id"));
	return true;
}

static void
set_ctx_args(struct change *c, struct stmt_params *sp)
{
	sp_set(sp, "source", FARG(c)->source);
}

static void
set_args_fill(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	sp_set(sp, "source_id", FARG(c)->source_id);
	sp_set(sp, "query", FARG(c)->query);
	sp_set(sp, "every", FARG(c)->every);
}

static const struct change_op feed_set = {
	.what = "KPI", .id_field = "id",
	.ctx = ST_FEED_CTX, .ctx_args = set_ctx_args,
	.act = ACT_KPI_EDIT, .period = PR_NONE, .check = set_check,
	.write = ST_FEED_SET, .args = set_args_fill, .reply = &FS_FEED,
};

static void
op_kpi_feed(struct request *req)
{
	struct feed_arg a = { 0 };
	int64_t id;

	(void)op_int(req, "id", &id);
	(void)op_str(req, "source", &a.source);
	(void)op_str(req, "query", &a.query);
	(void)op_int(req, "every", &a.every_s);
	if (!req_args_done(req))
		return;
	snprintf(a.every, sizeof a.every, "%lld", (long long)a.every_s);
	change_start(req, &feed_set, &a, sizeof a, id, -1);
}

/* kpi.feed_off */

static void
no_source(struct change *c, struct stmt_params *sp)
{
	sp_set(sp, "source", NULL);
}

static bool MUST_CHECK
has_feed(struct change *c, const PGresult *ctx)
{
	if (!row_bool(ctx, 0, "has_feed")) {
		req_fail(c->req, E_NOT_FOUND, "id", "KPI %s has no feed",
		    c->key);
		return false;
	}
	return true;
}

/* Turned off meanwhile by someone else. */
static void
off_empty(struct change *c)
{
	req_fail(c->req, E_NOT_FOUND, "id", "KPI %s has no feed", c->key);
}

static const struct change_op feed_off = {
	.what = "KPI", .id_field = "id",
	.ctx = ST_FEED_CTX, .ctx_args = no_source,
	.act = ACT_KPI_EDIT, .period = PR_NONE, .check = has_feed,
	.write = ST_FEED_OFF, .reply = &FS_FEED, .empty = off_empty,
};

static void
op_kpi_feed_off(struct request *req)
{
	struct feed_arg a = { 0 };
	int64_t id;

	(void)op_int(req, "id", &id);
	if (!req_args_done(req))
		return;
	change_start(req, &feed_off, &a, sizeof a, id, -1);
}

/*
 * kpi.feed_run: the feed's query run once at once, through the same
 * runner as the schedule (feedrun.c), its reading recorded on a slot of
 * its own; the schedule is left alone.  The check starts the run and
 * returns false without answering; the run's end resumes the change
 * (change_resume), whose write records the reading or the error.  The
 * request is the connection's active one until then, so it outlives the
 * run even if the client goes away (the reading is then recorded all the
 * same, as a write already started is).
 */
static void
on_run(void *arg, const struct source_result *r)
{
	struct change *c = arg;
	struct feed_arg *a = FARG(c);

	a->res = *r;
	if (r->ok) {
		fmt_num(a->value, sizeof a->value, r->value);
		if (r->has_at)
			source_time_text(a->at, sizeof a->at, r->at);
	}
	change_resume(c);
}

static bool MUST_CHECK
run_check(struct change *c, const PGresult *ctx)
{
	struct source_spec src;

	if (!has_feed(c, ctx) || !not_archived(c, ctx) ||
	    !source_ok(c, ctx, NULL))
		return false;
	source_spec_from(&src, ctx, 0);
	source_run_start(c->req->conn->srv, &src, row_text(ctx, 0, "query"),
	    on_run, c);
	return false;
}

static void
run_args(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	struct feed_arg *a = FARG(c);

	if (a->res.ok) {
		sp_set(sp, "value", a->value);
		sp_set(sp, "at", a->res.has_at ? a->at : NULL);
		sp_set(sp, "error", NULL);
	} else {
		sp_set(sp, "value", NULL);
		sp_set(sp, "at", NULL);
		sp_set(sp, "error", a->res.err);
	}
}

static const struct change_op feed_run = {
	.what = "KPI", .id_field = "id",
	.ctx = ST_FEED_CTX, .ctx_args = no_source,
	.act = ACT_KPI_EDIT, .period = PR_NONE, .check = run_check,
	.write = ST_FEED_RUN_DONE, .args = run_args, .reply = &FS_FEED_RUN,
};

static void
op_kpi_feed_run(struct request *req)
{
	struct feed_arg a = { 0 };
	int64_t id;

	(void)op_int(req, "id", &id);
	if (!req_args_done(req))
		return;
	change_start(req, &feed_run, &a, sizeof a, id, -1);
}

/* The ops, gathered by dispatch.c. */
const struct op feed_ops[] = {
	{ .name = "kpi.feed", .fn = op_kpi_feed,
	    .flags = OP_SESSION | OP_WRITE, .args = set_args },
	{ .name = "kpi.feed_off", .fn = op_kpi_feed_off,
	    .flags = OP_SESSION | OP_WRITE, .args = id_args },
	{ .name = "kpi.feed_run", .fn = op_kpi_feed_run,
	    .flags = OP_SESSION | OP_WRITE, .args = id_args },
	{ .name = NULL }
};
