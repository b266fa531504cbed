/*
 * op-period.c: periods and their states.  draft -> active -> review ->
 * closed, and review -> active (reopen).  Checked here for the friendly
 * error, enforced by the periods_check_state trigger.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "change.h"
#include "fields.h"
#include "goals.h"
#include "rules.h"
#include "values.h"
#include "xmalloc.h"

struct period_new {
	char		 caller[24], role[16];
	char		 name[64];
};

static void
on_period_created(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct period_new *pn = req->state;
	const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	struct rowpack rp;

	if (st != NULL && strcmp(st, "23505") == 0) {
		req_fail(req, E_CONFLICT, "name", "period '%s' already exists",
		    pn->name);
		return;
	}
	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1 || !rowpack_init(&rp, &FS_PERIOD, res)) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	rowpack_row(req_result(req), &rp, 0, 0);
	req_reply(req);
}

void
op_period_create(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *name, *start, *end;
	struct period_new *pn;

	mp_get_str(a, "name", MP_REQUIRED, 1, 40, &name);
	mp_get_str(a, "start", MP_REQUIRED, 1, 10, &start);
	mp_get_str(a, "end", MP_REQUIRED, 1, 10, &end);
	if (!req_args_done(req))
		return;
	if (!valid_date(start) || !valid_date(end)) {
		req_fail(req, E_INVALID, valid_date(start) ? "end" : "start",
		    "dates are YYYY-MM-DD");
		return;
	}
	if (strcmp(end, start) < 0) {
		req_fail(req, E_INVALID, "end", "a period ends on or after "
		    "its start");
		return;
	}
	pn = xcalloc(1, sizeof *pn);
	caller_text(req, pn->caller, pn->role);
	snprintf(pn->name, sizeof pn->name, "%s", name);
	req->state = pn;
	req->state_free = free;
	const char *p[4] = { pn->caller, name, start, end };
	req_db(req, ST_PERIOD_CREATE, 4, p, on_period_created);
}

static void
on_period_list(void *arg, const PGresult *res)
{
	reply_list(arg, res, &FS_PERIOD);
}

void
op_period_list(struct request *req)
{
	if (!req_args_done(req))
		return;
	req_db(req, ST_PERIOD_LIST, 0, NULL, on_period_list);
}

/* period.set_state: the period's row is the context. */

struct period_state {
	const char	*state;
};

static bool MUST_CHECK
transition_check(struct change *c, const PGresult *ctx)
{
	struct period_state *ps = c->arg;
	const char *from = row_text(ctx, 0, "state"), *rule;

	if ((rule = period_transition_refusal(from, ps->state)) != NULL) {
		req_fail_rule(c->req, rule, "period %s cannot go from %s to "
		    "%s", c->key, from, ps->state);
		return false;
	}
	return true;
}

static int
set_state_params(struct change *c, const PGresult *ctx, const char **p)
{
	p[2] = ((struct period_state *)c->arg)->state;
	return 3;
}

static const struct change_op period_set_state = {
	.what = "period", .id_field = "name",
	.ctx = ST_PERIOD_GET, .nctx = 1, .act = ACT_ADMIN,
	.check = transition_check,
	.write = ST_PERIOD_SET_STATE, .params = set_state_params,
	.reply = &FS_PERIOD,
};

void
op_period_set_state(struct request *req)
{
	struct mp_reader *a = &req->args;
	struct period_state ps;
	const char *name;
	struct change *c;

	mp_get_str(a, "name", MP_REQUIRED, 1, 40, &name);
	mp_get_str(a, "state", MP_REQUIRED, 1, 16, &ps.state);
	if (!req_args_done(req))
		return;
	if (strcmp(ps.state, "active") != 0 && strcmp(ps.state, "review") != 0 &&
	    strcmp(ps.state, "closed") != 0) {
		req_fail(req, E_INVALID, "state", "state is active, review or "
		    "closed");
		return;
	}
	c = change_new(req, &period_set_state, sizeof ps);
	*(struct period_state *)c->arg = ps;
	change_run(c, name);
}
