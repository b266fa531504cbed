/*
 * op-objective-guard.c: objective.guard and objective.unguard, the KPIs
 * that must stay healthy while an objective is pursued.  Two change_op
 * entries on the one change path: the context reads the objective (the
 * caller's relation to its team, its period) and the KPI named (readable
 * by the caller? archived?) in one row; the write adds or removes the
 * guardrail with its audit entry and answers with the objective, its
 * guardrails as the change leaves them.  The trigger of sql/008 checks the
 * period, the archive and the limit again under locks.
 */
#include <stdio.h>
#include <string.h>

#include "attr.h"
#include "change.h"
#include "fields.h"
#include "goals.h"
#include "sql.h"

#define GUARDRAILS_MAX	10	/* as sql/008's trigger */

struct guard_arg {
	int64_t	 id;
	int64_t	 kpi;
	char	 skpi[24];
};

static bool MUST_CHECK
guard_check(struct change *c, const PGresult *ctx, bool add)
{
	struct guard_arg *a = c->arg;

	if (row_null(ctx, 0, "kpi_id") || !row_bool(ctx, 0, "kpi_readable")) {
		req_fail(c->req, E_NOT_FOUND, "kpi", "no KPI %lld",
		    (long long)a->kpi);
		return false;
	}
	if (!add)
		return true;
	if (row_bool(ctx, 0, "kpi_archived")) {
		req_fail_rule(c->req, "kpi.archived", "KPI %lld is archived: "
		    "it guards nothing", (long long)a->kpi);
		return false;
	}
	if (!row_bool(ctx, 0, "guarded") &&
	    row_int(ctx, 0, "nguards") >= GUARDRAILS_MAX) {
		req_fail_rule(c->req, "limit.guardrails", "objective %lld "
		    "already has %d guardrails, the most it may have",
		    (long long)a->id, GUARDRAILS_MAX);
		return false;
	}
	return true;
}

static bool MUST_CHECK
guard_add_check(struct change *c, const PGresult *ctx)
{
	return guard_check(c, ctx, true);
}

static bool MUST_CHECK
guard_remove_check(struct change *c, const PGresult *ctx)
{
	return guard_check(c, ctx, false);
}

/* The context by two ids: $1 the objective, $2 the KPI, $3 caller, $4
 * role (p holds key, caller and role when called). */
static int
guard_ctx_params(struct change *c, const char **p)
{
	struct guard_arg *a = c->arg;

	snprintf(a->skpi, sizeof a->skpi, "%lld", (long long)a->kpi);
	p[3] = c->role;
	p[2] = c->caller;
	p[1] = a->skpi;
	return 4;
}

static int
guard_params(struct change *c, const PGresult *ctx, const char **p)
{
	struct guard_arg *a = c->arg;

	(void)ctx;
	p[2] = a->skpi;
	return 3;
}

static void
guard_gone(struct change *c)
{
	req_fail(c->req, E_NOT_FOUND, "id", "no objective %s", c->key);
}

static const struct change_op guard_op = {
	.what = "objective",
	.id_field = "id",
	.ctx = ST_GUARD_CTX,
	.ctx_params = guard_ctx_params,
	.act = ACT_OBJ_EDIT,
	.period = PR_OPEN,
	.check = guard_add_check,
	.write = ST_GUARD_ADD,
	.params = guard_params,
	.reply = &FS_OBJECTIVE,
	.empty = guard_gone,
};

static const struct change_op unguard_op = {
	.what = "objective",
	.id_field = "id",
	.ctx = ST_GUARD_CTX,
	.ctx_params = guard_ctx_params,
	.act = ACT_OBJ_EDIT,
	.period = PR_OPEN,
	.check = guard_remove_check,
	.write = ST_GUARD_REMOVE,
	.params = guard_params,
	.reply = &FS_OBJECTIVE,
	.empty = guard_gone,
};

static void
guard_run(struct request *req, const struct change_op *op)
{
	struct guard_arg *a;
	struct change *c;
	int64_t id, kpi;

	mp_get_int(&req->args, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	mp_get_int(&req->args, "kpi", MP_REQUIRED, 1, INT64_MAX, &kpi);
	if (!req_args_done(req))
		return;
	c = change_new(req, op, sizeof *a);
	a = c->arg;
	a->id = id;
	a->kpi = kpi;
	change_run_id(c, id);
}

void
op_objective_guard(struct request *req)
{
	guard_run(req, &guard_op);
}

void
op_objective_unguard(struct request *req)
{
	guard_run(req, &unguard_op);
}
