/*
 * guardrail.c: the guardrail entity, objective.guard and
 * objective.unguard: the KPIs that must stay healthy while an objective
 * is pursued.  Two change_op entries on the one change path: the context
 * reads the objective (the caller's relation to its team, its period) and
 * the KPI named (readable by the caller? archived?) in one row; the write
 * adds or removes the guardrail with its audit entry and answers with the
 * objective, its guardrails as the change leaves them.  The trigger of
 * sql/logic/guardrail.sql checks the period, the archive and the limit
 * again under locks.
 */
#include <stdio.h>
#include <string.h>

#include "attr.h"
#include "change.h"
#include "guardrail.h"
#include "objective.h"

#define GUARDRAILS_MAX	10	/* as logic/guardrail.sql's trigger */

static const struct field guard_ctx_f[] = {
	{ "id", F_HIDDEN }, { "period_state", F_HIDDEN },
	{ "obj_owner", F_HIDDEN }, { "private_team", F_HIDDEN },
	{ "lead_here", F_HIDDEN }, { "lead_above", F_HIDDEN },
	{ "member_here", F_HIDDEN }, { "contributor", F_HIDDEN },
	{ "kpi_id", F_HIDDEN }, { "kpi_archived", F_HIDDEN },
	{ "kpi_readable", F_HIDDEN }, { "guarded", F_HIDDEN },
	{ "nguards", F_HIDDEN },
};
static const struct fieldset FS_GUARD_CTX = FIELDSET("objective",
    guard_ctx_f);

/*
 * A guardrail's write (nm): the row g inserted or deleted by change, with
 * its audit entry (before and after: g or NULL), answering with the
 * objective and ids, the KPIs that guard it after the change.
 */
#define GUARD_WRITE(nm, op, change, before, after, ids) {		\
	.name = nm, .kind = STMT_WRITE, .params = "caller key kpi",	\
	.sql = "WITH g AS (" change " RETURNING *),"			\
	AUDIT_NAMED(op, "objective", "g.objective_id", before, after, "g")	\
	" SELECT " OBJ_COLS_G(ids) " FROM objectives o"			\
	" WHERE o.id = $key::bigint", .returns = &FS_OBJECTIVE }

/* The statements, with their parameters by name (stmt.h). */
const stmt_table guardrail_stmts = {
	/* The objective's facts and period, the KPI (NULL: none), whether
	 * the caller may read its team, whether it guards already, and how
	 * many guardrails the objective has. */
	[ST_GUARD_CTX] = { .name = "guard_ctx", .kind = STMT_READ,
	    .params = "key kpi caller role",
	    .sql = OBJ_CTX_SQL("k.id AS kpi_id, k.archived AS kpi_archived,"
	    " coalesce(can_read_team($caller::bigint, $role::text,"
	    " k.team_id), false) AS kpi_readable,"
	    " EXISTS (SELECT 1 FROM objective_guardrails g"
	    " WHERE g.objective_id = o.id AND g.kpi_id = k.id) AS guarded,"
	    " (SELECT count(*) FROM objective_guardrails g"
	    " WHERE g.objective_id = o.id) AS nguards",
	    " LEFT JOIN kpis k ON k.id = $kpi::bigint"),
	    .returns = &FS_GUARD_CTX },

	/* A KPI that guards already: no row inserted, no audit entry, the
	 * same reply. */
	[ST_GUARD_ADD] = GUARD_WRITE("guard_add", "objective.guard",
	    "INSERT INTO objective_guardrails (objective_id, kpi_id, added_by)"
	    " VALUES ($key::bigint, $kpi::bigint, $caller::bigint)"
	    " ON CONFLICT DO NOTHING",
	    "NULL", "to_jsonb(g)", "(SELECT array_agg(DISTINCT x)"
	    " FROM unnest(objective_guardrail_ids(o.id) || $kpi::bigint) x)"),
	[ST_GUARD_REMOVE] = GUARD_WRITE("guard_remove", "objective.unguard",
	    "DELETE FROM objective_guardrails"
	    " WHERE objective_id = $key::bigint AND kpi_id = $kpi::bigint",
	    "to_jsonb(g)", "NULL", "array_remove("
	    "objective_guardrail_ids(o.id), $kpi::bigint)"),
};

static const struct op_arg guard_args[] = {
	A_ID("id", true), A_ID("kpi", true), A_END
};

/* The KPI named, as the statements' $kpi. */
struct guard_arg {
	char	 kpi[24];
};

/* A KPI missing or unreadable: the same answer. */
static bool MUST_CHECK
guard_unguard_check(struct change *c, const PGresult *ctx)
{
	struct guard_arg *a = c->arg;

	if (row_null(ctx, 0, "kpi_id") || !row_bool(ctx, 0, "kpi_readable")) {
		req_fail(c->req, E_NOT_FOUND, "kpi", "no KPI %s", a->kpi);
		return false;
	}
	return true;
}

static bool MUST_CHECK
guard_check(struct change *c, const PGresult *ctx)
{
	struct guard_arg *a = c->arg;

	if (!guard_unguard_check(c, ctx))
		return false;
	if (!ctx_rule(c, ctx, "kpi_archived", "kpi.archived", "KPI %s is "
	    "archived: it guards nothing", a->kpi))
		return false;
	if (!row_bool(ctx, 0, "guarded") &&
	    row_int(ctx, 0, "nguards") >= GUARDRAILS_MAX) {
		req_fail_rule(c->req, "limit.guardrails", "objective %s "
		    "already has %d guardrails, the most it may have", c->key,
		    GUARDRAILS_MAX);
		return false;
	}
	return true;
}

static void
guard_kpi_arg(struct change *c, struct stmt_params *sp)
{
	sp_set(sp, "kpi", ((struct guard_arg *)c->arg)->kpi);
}

static void
guard_write_args(struct change *c, const PGresult *ctx,
    struct stmt_params *sp)
{
	guard_kpi_arg(c, sp);
}

static void
guard_gone(struct change *c)
{
	req_fail(c->req, E_NOT_FOUND, "id", "no objective %s", c->key);
}

/* Guard and unguard differ in their check and their write. */
#define GUARD_OP(chk, wr)						\
	.what = "objective", .id_field = "id", .ctx = ST_GUARD_CTX,	\
	.ctx_args = guard_kpi_arg, .act = ACT_OBJ_EDIT,			\
	.period = PR_OPEN, .check = (chk), .write = (wr),		\
	.args = guard_write_args, .reply = &FS_OBJECTIVE,		\
	.empty = guard_gone

static const struct change_op guard_op = {
	GUARD_OP(guard_check, ST_GUARD_ADD)
};
static const struct change_op unguard_op = {
	GUARD_OP(guard_unguard_check, ST_GUARD_REMOVE)
};

static void
guard_run(struct request *req, const struct change_op *op)
{
	struct guard_arg a;
	int64_t id, kpi;

	(void)op_int(req, "id", &id);
	(void)op_int(req, "kpi", &kpi);
	if (!req_args_done(req))
		return;
	snprintf(a.kpi, sizeof a.kpi, "%lld", (long long)kpi);
	change_start(req, op, &a, sizeof a, id, -1);
}

static void
op_objective_guard(struct request *req)
{
	guard_run(req, &guard_op);
}

static void
op_objective_unguard(struct request *req)
{
	guard_run(req, &unguard_op);
}

/* The ops, gathered by dispatch.c. */
const struct op guardrail_ops[] = {
	{ .name = "objective.guard", .fn = op_objective_guard,
	    .flags = OP_SESSION | OP_WRITE, .args = guard_args },
	{ .name = "objective.unguard", .fn = op_objective_unguard,
	    .flags = OP_SESSION | OP_WRITE, .args = guard_args },
	{ .name = NULL }
};
