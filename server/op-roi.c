/*
 * op-roi.c: the framework's ROI per team and period (docs/rules.md, "ROI
 * of the framework").  roi.set stores inputs; roi.get reports one team or
 * the organisation.  The arithmetic is the database's, in numeric and in
 * one place (sql/011_roi.sql): this file reads and checks the arguments,
 * applies the permission table and packs the row the statement returns.
 */
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "change.h"
#include "fields.h"
#include "op.h"
#include "row.h"
#include "sql.h"
#include "xmalloc.h"

/*
 * The inputs and their limits, as sql/011's roi_input_refusal() has them
 * (the database refuses what slips past these): headcount whole, money
 * to the cent, hours to 0.01, percentages to 0.0001 point.
 */
static const struct roi_input {
	const char	*name;
	double		 max;
	int		 scale;		/* decimals kept */
	const char	*what;		/* for the refusal */
} roi_inputs[] = {
	{ "headcount",			1e6,	0, "a whole number of people" },
	{ "hourly_cost",		1e12,	2, "an amount to the cent" },
	{ "output_value",		1e12,	2, "an amount to the cent" },
	{ "productivity_pct",		1000,	4, "a percentage" },
	{ "hours_saved_per_week",	168,	2, "hours a week, to 0.01" },
	{ "retention_change_pct",	100,	4, "percentage points" },
	{ "replacement_cost",		1e12,	2, "an amount to the cent" },
	{ "efficiency_savings",		1e12,	2, "an amount to the cent" },
	{ "framework_hours_per_week",	168,	2, "hours a week, to 0.01" },
	{ "tool_cost",			1e12,	2, "an amount to the cent" },
};
#define ROI_NINPUTS	(sizeof roi_inputs / sizeof roi_inputs[0])

/* roi.get ---------------------------------------------------------------- */

struct roi_get {
	char		 caller[24];
	const char	*team;
	const char	*period;
	const char	*p[3];
};

static void
roi_reply(struct request *req, const PGresult *res,
    const struct fieldset *fs)
{
	struct rowpack rp;

	if (!rowpack_init(&rp, fs, res)) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	rowpack_row(req_result(req), &rp, 0, 0);
	req_reply(req);
}

static void
on_roi_team(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct roi_get *g = req->state;
	struct authz_facts f = { 0 };

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	f.role = req->conn->sess.role;
	f.private_team = row_bool(res, 0, "private_team");
	f.lead_here = row_bool(res, 0, "lead_here");
	f.lead_above = row_bool(res, 0, "lead_above");
	f.member_here = row_bool(res, 0, "member_here");
	/* A team the caller may not read is answered as a missing one. */
	if (PQntuples(res) != 1 || row_null(res, 0, "team_id") ||
	    !authz_allows(ACT_READ, &f)) {
		req_fail(req, E_NOT_FOUND, "team", "no team '%s'", g->team);
		return;
	}
	if (!authz_allows(ACT_ROI_READ, &f)) {
		req_fail(req, E_FORBIDDEN, "team", "you may not %s",
		    authz_action_name(ACT_ROI_READ));
		return;
	}
	if (row_null(res, 0, "period_id")) {
		req_fail(req, E_NOT_FOUND, "period", "no period '%s'",
		    g->period);
		return;
	}
	roi_reply(req, res, &FS_ROI);
}

static void
on_roi_org(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct roi_get *g = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1 || row_null(res, 0, "period_id")) {
		req_fail(req, E_NOT_FOUND, "period", "no period '%s'",
		    g->period);
		return;
	}
	roi_reply(req, res, &FS_ROI_ORG);
}

void
op_roi_get(struct request *req)
{
	struct mp_reader *a = &req->args;
	struct session *s = &req->conn->sess;
	const char *team = NULL, *period;
	bool org = false;
	struct roi_get *g;

	mp_get_str(a, "team", MP_OPTIONAL, 1, 40, &team);
	mp_get_bool(a, "org", MP_OPTIONAL, &org);
	mp_get_str(a, "period", MP_REQUIRED, 1, 40, &period);
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
	g = xcalloc(1, sizeof *g);
	req->state = g;
	req->state_free = free;
	snprintf(g->caller, sizeof g->caller, "%lld", (long long)s->user_id);
	g->team = team;
	g->period = period;
	if (org) {
		g->p[0] = period;
		req_db(req, ST_ROI_ORG, 1, g->p, on_roi_org);
		return;
	}
	g->p[0] = team;
	g->p[1] = period;
	g->p[2] = g->caller;
	req_db(req, ST_ROI_GET, 3, g->p, on_roi_team);
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

/* roi.set's own arguments, read before the change runs. */
struct roi_set {
	const char	*team;
	const char	*period;
	char		 json[ROI_NINPUTS * 64 + 4];
};

/* The context is read by team and period, not by one key. */
static int
roi_set_ctx_params(struct change *c, const char **p)
{
	struct roi_set *a = c->arg;

	p[0] = a->team;
	p[1] = a->period;
	p[2] = c->caller;
	return 3;
}

static bool MUST_CHECK
roi_set_found(struct change *c, const PGresult *ctx)
{
	struct roi_set *a = c->arg;

	if (row_null(ctx, 0, "team_id")) {
		req_fail(c->req, E_NOT_FOUND, "team", "no team '%s'", a->team);
		return false;
	}
	if (row_null(ctx, 0, "period_id")) {
		req_fail(c->req, E_NOT_FOUND, "period", "no period '%s'",
		    a->period);
		return false;
	}
	return true;
}

static int
roi_set_params(struct change *c, const PGresult *ctx, const char **p)
{
	struct roi_set *a = c->arg;

	p[0] = c->caller;
	p[1] = row_str(ctx, 0, "team_id");
	p[2] = row_str(ctx, 0, "period_id");
	p[3] = a->json;
	return change_idem_params(c, p, 4);
}

/* No row from the write: the team went between the two statements. */
static void
roi_set_empty(struct change *c)
{
	struct roi_set *a = c->arg;

	req_fail(c->req, E_NOT_FOUND, "team", "no team '%s'", a->team);
}

/* A closed period is read-only (PR_OPEN): cairnd says period.closed, and
 * the trigger on roi_inputs holds it under the period's lock. */
static const struct change_op roi_set_op = {
	.what = "team",
	.id_field = "team",
	.ctx = ST_ROI_SET_CTX,
	.nctx = 3,
	.ctx_params = roi_set_ctx_params,
	.found = roi_set_found,
	.act = ACT_TEAM_GOVERN,
	.period = PR_OPEN,
	.write = ST_ROI_SET,
	.params = roi_set_params,
	.reply = &FS_ROI_WRITE,
	.empty = roi_set_empty,
	/* A retry with the key is answered from roi.set's audit entry. */
	.get = ST_ROI_SET_REPLAY,
	.keyed = true,
};

void
op_roi_set(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *team, *period;
	char num[ROI_NINPUTS][40];
	bool given[ROI_NINPUTS] = { false };
	double d[ROI_NINPUTS];
	struct change *c;
	struct roi_set *g;
	struct idem idem;
	size_t n = 0, off;

	mp_get_str(a, "team", MP_REQUIRED, 1, 40, &team);
	mp_get_str(a, "period", MP_REQUIRED, 1, 40, &period);
	for (size_t i = 0; i < ROI_NINPUTS; i++)
		given[i] = mp_get_double(a, roi_inputs[i].name, MP_OPTIONAL,
		    0, roi_inputs[i].max, &d[i]);
	idem_read(req, &idem);
	if (!req_args_done(req))
		return;
	for (size_t i = 0; i < ROI_NINPUTS; i++) {
		if (!given[i])
			continue;
		if (!roi_decimal(&roi_inputs[i], d[i], num[i], sizeof num[i])) {
			req_fail(req, E_INVALID, roi_inputs[i].name, "%s is %s "
			    "(at most %d decimals)", roi_inputs[i].name,
			    roi_inputs[i].what, roi_inputs[i].scale);
			return;
		}
		n++;
	}
	if (n == 0) {
		req_fail(req, E_INVALID, NULL, "give at least one input: "
		    "headcount, hourly_cost, output_value, productivity_pct, "
		    "hours_saved_per_week, retention_change_pct, "
		    "replacement_cost, efficiency_savings, "
		    "framework_hours_per_week, tool_cost");
		return;
	}
	c = change_new(req, &roi_set_op, sizeof *g);
	c->idem = idem;
	g = c->arg;
	g->team = team;
	g->period = period;
	/* {"name": number, ...}: the names are ours, the numbers formatted
	 * above; nothing of the client's text goes into it. */
	off = 0;
	g->json[off++] = '{';
	for (size_t i = 0; i < ROI_NINPUTS; i++)
		if (given[i])
			off += snprintf(g->json + off, sizeof g->json - off,
			    "%s\"%s\": %s", off > 1 ? ", " : "",
			    roi_inputs[i].name, num[i]);
	snprintf(g->json + off, sizeof g->json - off, "}");
	change_run(c, team);
}
