/*
 * op-period.c: periods and their states.  draft -> active -> review ->
 * closed, and review -> active (reopen).  Checked here for the friendly
 * error, enforced by the periods_check_state trigger.
 */
#include <stdio.h>
#include <string.h>

#include "goals.h"
#include "rules.h"

static void
on_period(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "name", "no period '%s'", g->name);
		return;
	}
	pack_period(req_result(req), res, 0, 0);
	req_reply(req);
}

static void
on_period_created(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;
	const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (st != NULL && strcmp(st, "23505") == 0) {
		req_fail(req, E_CONFLICT, "name", "period '%s' already exists",
		    g->name);
		return;
	}
	on_period(arg, res);
}

void
op_period_create(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *name, *start, *end;
	struct gstate *g;

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
	g = gstate_new(req);
	snprintf(g->name, sizeof g->name, "%s", name);
	g->p[0] = g->caller;
	g->p[1] = name;
	g->p[2] = start;
	g->p[3] = end;
	req_db(req, ST_PERIOD_CREATE, 4, g->p, on_period_created);
}

static void
period_row(msgpack_packer *pk, const PGresult *res, int i)
{
	pack_period(pk, res, i, 0);
}

static void
on_period_list(void *arg, const PGresult *res)
{
	req_reply_rows(arg, res, period_row);
}

void
op_period_list(struct request *req)
{
	if (!req_args_done(req))
		return;
	req_db(req, ST_PERIOD_LIST, 0, NULL, on_period_list);
}

static void
on_period_state(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;
	const char *rule;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "name", "no period '%s'", g->name);
		return;
	}
	rule = period_transition_refusal(PQgetvalue(res, 0, 4), g->name2);
	if (rule != NULL) {
		req_fail_rule(req, rule, "period %s cannot go from %s to %s",
		    g->name, PQgetvalue(res, 0, 4), g->name2);
		return;
	}
	g->p[0] = g->caller;
	g->p[1] = g->name;
	g->p[2] = g->name2;
	req_db(req, ST_PERIOD_SET_STATE, 3, g->p, on_period);
}

void
op_period_set_state(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *name, *state;
	struct gstate *g;

	mp_get_str(a, "name", MP_REQUIRED, 1, 40, &name);
	mp_get_str(a, "state", MP_REQUIRED, 1, 16, &state);
	if (!req_args_done(req))
		return;
	if (strcmp(state, "active") != 0 && strcmp(state, "review") != 0 &&
	    strcmp(state, "closed") != 0) {
		req_fail(req, E_INVALID, "state", "state is active, review or "
		    "closed");
		return;
	}
	g = gstate_new(req);
	snprintf(g->name, sizeof g->name, "%s", name);
	snprintf(g->name2, sizeof g->name2, "%s", state);
	g->p[0] = g->name;
	req_db(req, ST_PERIOD_GET, 1, g->p, on_period_state);
}
