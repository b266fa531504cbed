/*
 * roi.c: the framework's ROI per team and period, in one place (docs/
 * rules.md, "ROI of the framework"): its ops (roi.set stores inputs,
 * roi.get reports one team or the organisation), its statements with
 * parameters by name, its reply objects and roi.set's change (change.h).
 * The arithmetic is the database's, in numeric and in one place
 * (sql/logic/roi.sql: roi_report, roi_org_report; the inputs' limits in
 * roi_input_refusal, sql/001_baseline.sql, the table's CHECK): this
 * file reads and checks the arguments, applies the permission table and
 * packs the row the statement returns.
 */
#include <float.h>
#include <stdio.h>
#include <string.h>

#include "attr.h"
#include "change.h"
#include "op.h"
#include "roi.h"
#include "row.h"
#include "sql-cols.h"

/* Reply objects and roi.set's context. */

#define ROI_PARTS_FIELDS						\
	{ "days", F_INT }, { "weeks", F_NUM }, { "missing", F_JSON },	\
	{ "productivity", F_NUM }, { "time_savings", F_NUM },		\
	{ "engagement", F_NUM }, { "efficiency", F_NUM },		\
	{ "benefits", F_NUM }, { "cost", F_NUM }, { "net", F_NUM },	\
	{ "roi", F_NUM }, { "roi_message", F_STR },			\
	{ "observed_hours", F_NUM }, { "observed_hours_total", F_NUM },	\
	{ "observed", F_JSON }
#define ROI_TEAM_FIELDS							\
	{ "team", F_STR }, { "period", F_STR }, { "inputs", F_JSON },	\
	ROI_PARTS_FIELDS
/* The caller's relation to the team (change.c's names). */
#define ROI_FACT_FIELDS							\
	{ "private_team", F_HIDDEN }, { "lead_here", F_HIDDEN },	\
	{ "lead_above", F_HIDDEN }, { "member_here", F_HIDDEN }

/* A team's report, with what roi.get checks before sending it. */
static const struct field roi_f[] = {
	ROI_TEAM_FIELDS, { "team_id", F_HIDDEN }, { "period_id", F_HIDDEN },
	ROI_FACT_FIELDS,
};
static const struct fieldset FS_ROI = FIELDSET("ROI", roi_f);

/* roi.set's reply. */
static const struct field roi_write_f[] = { ROI_TEAM_FIELDS };
static const struct fieldset FS_ROI_WRITE = FIELDSET("ROI", roi_write_f);

static const struct field roi_org_f[] = {
	{ "period", F_STR }, { "teams", F_JSON }, { "headcount", F_NUM },
	ROI_PARTS_FIELDS, { "period_id", F_HIDDEN },
};
static const struct fieldset FS_ROI_ORG = FIELDSET("organisation's ROI",
    roi_org_f);

static const struct field roi_set_ctx_f[] = {
	{ "team_id", F_HIDDEN }, { "period_id", F_HIDDEN },
	{ "period_state", F_HIDDEN }, ROI_FACT_FIELDS,
};
static const struct fieldset FS_ROI_SET_CTX = FIELDSET("ROI inputs",
    roi_set_ctx_f);

/* The statements, with their parameters by name (stmt.h). */

#define ROI_PARTS_COLS							\
	"x.days AS days, x.weeks AS weeks, x.missing AS missing,"	\
	" x.productivity AS productivity, x.time_savings AS time_savings,"	\
	" x.engagement AS engagement, x.efficiency AS efficiency,"	\
	" x.benefits AS benefits, x.cost AS cost, x.net AS net,"	\
	" x.roi AS roi, x.roi_message AS roi_message,"			\
	" x.observed_hours AS observed_hours,"				\
	" x.observed_hours_total AS observed_hours_total,"		\
	" x.observed AS observed"
/* A team's report x, of team t in period p (FS_ROI_WRITE). */
#define ROI_TEAM_COLS							\
	"t.slug AS team, p.name AS period, x.inputs_shown AS inputs, "	\
	ROI_PARTS_COLS
/* Team slug team and period name period, each NULL when it names none,
 * and the caller's relation to the team. */
#define ROI_TEAM_PERIOD(team, period)					\
	" FROM (SELECT 1) d LEFT JOIN teams t ON t.slug = " team	\
	" LEFT JOIN periods p ON p.name = " period			\
	" LEFT JOIN LATERAL team_relation($caller, t.id) r ON true"

const stmt_table roi_stmts = {
	/* The caller's relation to the team and the team's report (checked
	 * before it is sent). */
	[ST_ROI_GET] = { .name = "roi_get", .kind = STMT_READ,
	    .params = "team period caller",
	    .sql = "SELECT t.id AS team_id, p.id AS period_id,"
	    " t.private AS private_team, r.lead_here AS lead_here,"
	    " r.lead_above AS lead_above, r.member_here AS member_here, "
	    ROI_TEAM_COLS ROI_TEAM_PERIOD("$team", "$period")
	    " LEFT JOIN LATERAL roi_report(roi_inputs_json(t.id, p.id), t.id,"
	    " p.id) x ON t.id IS NOT NULL AND p.id IS NOT NULL",
	    .returns = &FS_ROI },

	/* The organisation's report. */
	[ST_ROI_ORG] = { .name = "roi_org", .kind = STMT_READ,
	    .params = "period",
	    .sql = "SELECT p.id AS period_id, p.name AS period,"
	    " x.teams AS teams, x.headcount AS headcount, " ROI_PARTS_COLS
	    " FROM (SELECT 1) d LEFT JOIN periods p ON p.name = $period"
	    " LEFT JOIN LATERAL roi_org_report(p.id) x ON p.id IS NOT NULL",
	    .returns = &FS_ROI_ORG },

	/* key: the team's slug.  What roi.set checks. */
	[ST_ROI_SET_CTX] = { .name = "roi_set_ctx", .kind = STMT_READ,
	    .params = "key period caller",
	    .sql = "SELECT t.id AS team_id, p.id AS period_id, p.state AS"
	    " period_state, t.private AS private_team,"
	    " r.lead_here AS lead_here, r.lead_above AS lead_above,"
	    " r.member_here AS member_here" ROI_TEAM_PERIOD("$key", "$period"),
	    .returns = &FS_ROI_SET_CTX },

	/* inputs: the inputs given, a JSON map of name to number: upserted
	 * with who and when, audited (the values before and after), and the
	 * report computed from the inputs as they are now (the stored ones
	 * overlaid with the new: the statement cannot read back its own
	 * writes). */
	[ST_ROI_SET] = { .name = "roi_set", .kind = STMT_WRITE,
	    .params = "caller team_id period_id inputs idem_key idem_hash",
	    .sql = "WITH n AS (SELECT e.key AS name,"
	    " trim_scale(e.value::text::numeric) AS value"
	    " FROM jsonb_each($inputs::jsonb) e),"
	    " t AS (SELECT id, slug FROM teams WHERE id = $team_id),"
	    " p AS (SELECT id, name FROM periods WHERE id = $period_id),"
	    " b AS (SELECT jsonb_object_agg(i.name, i.value) AS j"
	    " FROM roi_inputs i WHERE i.team_id = $team_id"
	    " AND i.period_id = $period_id"
	    " AND i.name IN (SELECT name FROM n)),"
	    " w AS (INSERT INTO roi_inputs (team_id, period_id, name, value,"
	    " set_by) SELECT $team_id, $period_id, n.name, n.value, $caller"
	    " FROM n ON CONFLICT (team_id, period_id, name) DO UPDATE"
	    " SET value = EXCLUDED.value, set_by = EXCLUDED.set_by,"
	    " set_at = now() RETURNING *),"
	    /* AUDIT by hand: its id is what the idempotency key keeps. */
	    " a AS (INSERT INTO audit_log (user_id, op, entity_type,"
	    " entity_id, before, after) SELECT $caller::bigint, 'roi.set',"
	    " 'team', t.id, jsonb_build_object('period', (SELECT name FROM p),"
	    " 'inputs', (SELECT j FROM b)), jsonb_build_object('period',"
	    " (SELECT name FROM p), 'inputs', (SELECT jsonb_object_agg(w.name,"
	    " w.value) FROM w)) FROM t RETURNING id),"
	    IDEM_NAMED("roi.set", "a.id", "a") ","
	    " v AS (SELECT roi_inputs_json($team_id, $period_id) || coalesce("
	    "(SELECT jsonb_object_agg(w.name, roi_input_entry(w.value,"
	    " w.set_by, w.set_at)) FROM w), '{}') AS j)"
	    " SELECT " ROI_TEAM_COLS " FROM t, p, v, LATERAL roi_report(v.j, $team_id, $period_id) x"
	    " WHERE EXISTS (SELECT 1 FROM w)",
	    .returns = &FS_ROI_WRITE },

	/* id: the audit entry of a roi.set.  A retry with its idempotency
	 * key is answered with the report as the inputs are now (what the
	 * first reply showed, unless they were set again since), if the
	 * caller may still read the team. */
	[ST_ROI_SET_REPLAY] = { .name = "roi_set_replay", .kind = STMT_READ,
	    .params = "id caller role",
	    .sql = "SELECT " ROI_TEAM_COLS ", coalesce(can_read_team($caller::bigint, $role::text, t.id),"
	    " false) AS readable FROM audit_log a"
	    " JOIN teams t ON t.id = a.entity_id"
	    " JOIN periods p ON p.name = a.after->>'period',"
	    " LATERAL roi_report(roi_inputs_json(t.id, p.id), t.id, p.id) x"
	    " WHERE a.id = $id::bigint AND a.op = 'roi.set'",
	    .returns = &FS_ROI_WRITE },
};

/*
 * The inputs and their limits, as roi_input_refusal() (sql/001_baseline.sql)
 * has them (the database refuses what slips past these): headcount whole,
 * money to the cent, hours to 0.01, percentages to 0.0001 point.  One
 * list gives both roi.set's argument schema (the bounds) and what
 * roi_decimal keeps.
 */
#define ROI_INPUTS(X)							\
	X("headcount",			1e6,	0, "a whole number of people") \
	X("hourly_cost",		1e12,	2, "an amount to the cent") \
	X("output_value",		1e12,	2, "an amount to the cent") \
	X("productivity_pct",		1000,	4, "a percentage")	\
	X("hours_saved_per_week",	168,	2, "hours a week, to 0.01") \
	X("retention_change_pct",	100,	4, "percentage points")	\
	X("replacement_cost",		1e12,	2, "an amount to the cent") \
	X("efficiency_savings",		1e12,	2, "an amount to the cent") \
	X("framework_hours_per_week",	168,	2, "hours a week, to 0.01") \
	X("tool_cost",			1e12,	2, "an amount to the cent")

static const struct roi_input {
	const char	*name;
	int		 scale;		/* decimals kept */
	const char	*what;		/* for the refusal */
} roi_inputs[] = {
#define ROI_INPUT(n, max, scale, what)	{ n, scale, what },
	ROI_INPUTS(ROI_INPUT)
#undef ROI_INPUT
};
#define ROI_NINPUTS	(sizeof roi_inputs / sizeof roi_inputs[0])

/* The ops' arguments.  roi.get's "org" is a boolean, which the schema
 * (op.h) has no type for: read with mp_get_bool. */
static const struct op_arg set_args[] = {
	A_STR("team", true, 1, 40), A_STR("period", true, 1, 40),
#define ROI_ARG(n, max, scale, what)	A_NUM(n, false, 0, max),
	ROI_INPUTS(ROI_ARG)
#undef ROI_ARG
	A_END
};
static const struct op_arg get_args[] = {
	A_STR("team", false, 1, 40), A_STR("period", true, 1, 40), A_END
};

/* roi.get ---------------------------------------------------------------- */

/* The period named is missing: E_NOT_FOUND, as every ROI op says it. */
static void
no_period(struct request *req, const char *period)
{
	req_fail(req, E_NOT_FOUND, "period", "no period '%s'", period);
}

/* A team the caller may not read is answered as a missing one. */
static void
no_team(struct request *req, const char *team)
{
	req_fail(req, E_NOT_FOUND, "team", "no team '%s'", team);
}

/* The team of roi.get's row (res) exists and the caller may read its
 * ROI; false after answering. */
static bool MUST_CHECK
roi_team_readable(struct request *req, const PGresult *res)
{
	struct authz_facts f = { .role = req->conn->sess.role };

	if (PQntuples(res) == 1) {
		f.private_team = row_bool(res, 0, "private_team");
		f.lead_here = row_bool(res, 0, "lead_here");
		f.lead_above = row_bool(res, 0, "lead_above");
		f.member_here = row_bool(res, 0, "member_here");
	}
	if (PQntuples(res) != 1 || row_null(res, 0, "team_id") ||
	    !authz_allows(ACT_READ, &f)) {
		no_team(req, reader_arg(req, "team"));
		return false;
	}
	if (!authz_allows(ACT_ROI_READ, &f)) {
		req_fail(req, E_FORBIDDEN, "team", "you may not %s",
		    authz_action_name(ACT_ROI_READ));
		return false;
	}
	return true;
}

/* A team's report (a reader with a team) or the organisation's. */
static void
on_roi(void *arg, const PGresult *res)
{
	struct request *req = arg;
	bool org = reader_arg(req, "team") == NULL;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (!org && !roi_team_readable(req, res))
		return;
	if (PQntuples(res) != 1 || row_null(res, 0, "period_id")) {
		no_period(req, reader_arg(req, "period"));
		return;
	}
	reply_first(req, res, org ? &FS_ROI_ORG : &FS_ROI);
}

static void
op_roi_get(struct request *req)
{
	struct session *s = &req->conn->sess;
	const char *team = NULL, *period;
	bool org = false;
	struct reader *r;

	(void)op_str(req, "team", &team);
	mp_get_bool(&req->args, "org", MP_OPTIONAL, &org);
	(void)op_str(req, "period", &period);
	if (!req_args_done(req))
		return;
	if (org == (team != NULL)) {
		req_fail(req, E_INVALID, "team", "give a team, or org: true "
		    "for the whole organisation");
		return;
	}
	/* The organisation's figures: admins and executives only. */
	if (org && s->role != ROLE_ADMIN && s->role != ROLE_EXECUTIVE) {
		req_fail(req, E_FORBIDDEN, "org", "the organisation's ROI is "
		    "for admins and executives");
		return;
	}
	/* Read by team and period, not by an id. */
	r = reader_new(req, 0);
	reader_set(r, "period", period);
	if (!org)
		reader_set(r, "team", team);
	(void)reader_db(req, org ? ST_ROI_ORG : ST_ROI_GET, on_roi);
}

/* roi.set ---------------------------------------------------------------- */

/* The value d as exact decimal text with the input's scale, or false when
 * it has more decimals than the input keeps.  The scaled value is an
 * integer below 2^53, so it is printed exactly and the point placed by
 * hand: no binary rounding reaches the database. */
static bool MUST_CHECK
roi_decimal(const struct roi_input *in, double d, char *buf, size_t len)
{
	static const double ten[] = { 1, 10, 100, 1000, 10000 };
	double scaled = d * ten[in->scale], diff, tol;
	int64_t r = (int64_t)(scaled + 0.5);	/* d >= 0, below 2^53 */
	char digits[32];
	int n;

	diff = scaled > (double)r ? scaled - (double)r : (double)r - scaled;
	tol = 4 * scaled * DBL_EPSILON;
	if (diff > (tol > 1e-6 ? tol : 1e-6))
		return false;
	n = snprintf(digits, sizeof digits, "%0*lld", in->scale + 1,
	    (long long)r);
	if (in->scale == 0)
		snprintf(buf, len, "%s", digits);
	else
		snprintf(buf, len, "%.*s.%s", n - in->scale, digits,
		    digits + n - in->scale);
	return true;
}

/* roi.set's own arguments, read before the change runs; the team's slug
 * is the change's key. */
struct roi_set {
	const char	*period;
	char		 json[ROI_NINPUTS * 64 + 4];
};

/* The context is read by team ($key) and period. */
static void
roi_set_ctx_args(struct change *c, struct stmt_params *sp)
{
	sp_set(sp, "period", ((struct roi_set *)c->arg)->period);
}

static bool MUST_CHECK
roi_set_found(struct change *c, const PGresult *ctx)
{
	if (row_null(ctx, 0, "team_id")) {
		no_team(c->req, c->key);
		return false;
	}
	if (row_null(ctx, 0, "period_id")) {
		no_period(c->req, ((struct roi_set *)c->arg)->period);
		return false;
	}
	return true;
}

static void
roi_set_args(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	sp_set(sp, "team_id", row_str(ctx, 0, "team_id"));
	sp_set(sp, "period_id", row_str(ctx, 0, "period_id"));
	sp_set(sp, "inputs", ((struct roi_set *)c->arg)->json);
}

/* No row from the write: the team went between the two statements. */
static void
roi_set_empty(struct change *c)
{
	no_team(c->req, c->key);
}

/* A closed period is read-only (PR_OPEN): cairnd says period.closed, and
 * the trigger on roi_inputs holds it under the period's lock.  A retry
 * with the key is answered from roi.set's audit entry. */
static const struct change_op roi_set_op = {
	.what = "team", .id_field = "team",
	.ctx = ST_ROI_SET_CTX, .ctx_args = roi_set_ctx_args,
	.found = roi_set_found, .act = ACT_TEAM_GOVERN, .period = PR_OPEN,
	.write = ST_ROI_SET, .args = roi_set_args, .reply = &FS_ROI_WRITE,
	.empty = roi_set_empty, .get = ST_ROI_SET_REPLAY, .keyed = true,
};

/* The inputs given (given[i]: d[i]), as {"name": number, ...} in json
 * (size len): the names are ours, the numbers formatted by roi_decimal;
 * nothing of the client's text goes into it.  False after answering. */
static bool MUST_CHECK
roi_inputs_json(struct request *req, const bool *given, const double *d,
    char *json, size_t len)
{
	char num[40];
	size_t off = 0;

	json[off++] = '{';
	for (size_t i = 0; i < ROI_NINPUTS; i++) {
		const struct roi_input *in = &roi_inputs[i];

		if (!given[i])
			continue;
		if (!roi_decimal(in, d[i], num, sizeof num)) {
			req_fail(req, E_INVALID, in->name, "%s is %s (at most "
			    "%d decimals)", in->name, in->what, in->scale);
			return false;
		}
		off += snprintf(json + off, len - off, "%s\"%s\": %s",
		    off > 1 ? ", " : "", in->name, num);
	}
	snprintf(json + off, len - off, "}");
	if (off > 1)
		return true;
	req_fail(req, E_INVALID, NULL, "give at least one input: headcount, "
	    "hourly_cost, output_value, productivity_pct, "
	    "hours_saved_per_week, retention_change_pct, replacement_cost, "
	    "efficiency_savings, framework_hours_per_week, tool_cost");
	return false;
}

static void
op_roi_set(struct request *req)
{
	const char *team;
	bool given[ROI_NINPUTS];
	double d[ROI_NINPUTS];
	struct roi_set *a;
	struct change *c;

	c = change_new(req, &roi_set_op, sizeof *a);
	a = c->arg;
	(void)op_str(req, "team", &team);
	(void)op_str(req, "period", &a->period);
	for (size_t i = 0; i < ROI_NINPUTS; i++)
		given[i] = op_num(req, roi_inputs[i].name, &d[i]);
	idem_read(req, &c->idem);
	if (req_args_done(req) &&
	    roi_inputs_json(req, given, d, a->json, sizeof a->json))
		change_run(c, team);
}

/* The ops, gathered by dispatch.c. */
const struct op roi_ops[] = {
	{ .name = "roi.set", .fn = op_roi_set,
	    .flags = OP_SESSION | OP_WRITE, .args = set_args },
	{ .name = "roi.get", .fn = op_roi_get, .flags = OP_SESSION,
	    .args = get_args },
	{ .name = NULL }
};
