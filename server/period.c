/*
 * period.c: the period entity, in one place (the layout of kr.c): its ops
 * with their argument schema, its statements with parameters by name, its
 * reply objects and its changes (change.h).  A period goes draft -> active
 * -> review -> closed, and review -> active (reopen); the end of the
 * review closes it (graded, or auto-graded) and carries its unmet
 * objectives into the next period (docs/rules.md, "The end of the
 * review").  Every transition is checked here for the friendly error and
 * again by sql/logic/period.sql's triggers; closing and carrying are
 * single statements calling period_close() and period_carry()
 * (sql/logic/period.sql, sql/logic/carry.sql), which check the rules
 * again under their locks.
 */
#include <stdio.h>
#include <string.h>

#include "attr.h"
#include "change.h"
#include "op.h"
#include "period.h"
#include "rules.h"
#include "values.h"
#include "sql-cols.h"

#define NAME_MAX_LEN	40	/* a period's name (its CHECK constraint) */
#define CARRY_MAX	2000	/* objectives one carry copies (period_carry):
				 * its reply stays well within a frame */

/* Reply objects and contexts. */

static const struct field period_f[] = {
	{ "id", F_INT }, { "name", F_STR }, { "start", F_STR },
	{ "end", F_STR }, { "state", F_STR },
};
static const struct fieldset FS_PERIOD = FIELDSET("period", period_f);

static const struct field new_ctx_f[] = { { "taken", F_HIDDEN } };
static const struct fieldset FS_PERIOD_NEW_CTX = FIELDSET("period",
    new_ctx_f);

static const struct field close_ctx_f[] = {
	{ "id", F_HIDDEN }, { "state", F_HIDDEN }, { "ungraded", F_HIDDEN },
	{ "first_ungraded", F_HIDDEN },
};
static const struct fieldset FS_PERIOD_CLOSE_CTX = FIELDSET("period",
    close_ctx_f);

static const struct field closed_f[] = {
	{ "id", F_INT }, { "name", F_STR }, { "start", F_STR },
	{ "end", F_STR }, { "state", F_STR }, { "auto_graded", F_INT },
};
static const struct fieldset FS_PERIOD_CLOSED = FIELDSET("period", closed_f);

static const struct field carry_ctx_f[] = {
	{ "from_id", F_HIDDEN }, { "from_state", F_HIDDEN },
	{ "to_id", F_HIDDEN }, { "to_state", F_HIDDEN },
	{ "team_id", F_HIDDEN }, { "team_found", F_HIDDEN },
	{ "private_team", F_HIDDEN }, { "lead_here", F_HIDDEN },
	{ "lead_above", F_HIDDEN }, { "member_here", F_HIDDEN },
	{ "misfits", F_HIDDEN }, { "candidates", F_HIDDEN },
};
static const struct fieldset FS_CARRY_CTX = FIELDSET("period", carry_ctx_f);

static const struct field carry_f[] = {
	{ "id", F_INT }, { "from", F_STR }, { "to", F_STR },
	{ "team", F_STR }, { "copied", F_JSON }, { "count", F_INT },
};
static const struct fieldset FS_CARRY = FIELDSET("carry", carry_f);

/* A period (FS_PERIOD), from periods p. */
#define PERIOD_COLS							\
	"p.id AS id, p.name AS name,"					\
	" to_char(p.start_date, 'YYYY-MM-DD') AS start,"		\
	" to_char(p.end_date, 'YYYY-MM-DD') AS \"end\", p.state AS state"

/* What a carry copied (FS_CARRY), from period_carries c. */
#define CARRY_COLS							\
	"c.id AS id, (SELECT name FROM periods WHERE id = c.from_period)"	\
	" AS \"from\", (SELECT name FROM periods WHERE id = c.to_period)"	\
	" AS \"to\", (SELECT slug FROM teams WHERE id = c.team_id) AS team,"	\
	" c.copied AS copied, jsonb_array_length(c.copied) AS count"

/* The statements, with their parameters by name (stmt.h); $key is the
 * period's name (period.carry: the period carried from). */
const stmt_table period_stmts = {
	/* Whether the name is taken, for the friendly error. */
	[ST_PERIOD_NEW_CTX] = { .name = "period_new_ctx", .kind = STMT_READ,
	    .params = "key",
	    .sql = "SELECT EXISTS (SELECT 1 FROM periods WHERE name = $key)"
	    " AS taken",
	    .returns = &FS_PERIOD_NEW_CTX },

	/* No row: the name was taken meanwhile (the UNIQUE constraint). */
	[ST_PERIOD_CREATE] = { .name = "period_create", .kind = STMT_WRITE,
	    .params = "caller key start end",
	    .sql = "WITH p AS (INSERT INTO periods (name, start_date,"
	    " end_date) VALUES ($key, $start::date, $end::date)"
	    " ON CONFLICT (name) DO NOTHING RETURNING *),"
	    AUDIT_NAMED("period.create", "period", "p.id", "NULL",
	    "to_jsonb(p)", "p")
	    " SELECT " PERIOD_COLS " FROM p",
	    .returns = &FS_PERIOD },

	[ST_PERIOD_LIST] = { .name = "period_list", .kind = STMT_READ,
	    .params = "",
	    .sql = "SELECT " PERIOD_COLS " FROM periods p"
	    " ORDER BY p.start_date, p.name",
	    .returns = &FS_PERIOD },

	/* period.set_state's context: the period as it is. */
	[ST_PERIOD_GET] = { .name = "period_get", .kind = STMT_READ,
	    .params = "key",
	    .sql = "SELECT " PERIOD_COLS " FROM periods p WHERE p.name = $key",
	    .returns = &FS_PERIOD },

	[ST_PERIOD_SET_STATE] = { .name = "period_set_state",
	    .kind = STMT_WRITE, .params = "caller key state",
	    .sql = "WITH o AS (SELECT to_jsonb(x) j FROM periods x"
	    " WHERE name = $key),"
	    " p AS (UPDATE periods SET state = $state WHERE name = $key"
	    " RETURNING *),"
	    AUDIT_NAMED("period.set_state", "period", "p.id",
	    "(SELECT j FROM o)", "to_jsonb(p)", "p")
	    " SELECT " PERIOD_COLS " FROM p",
	    .returns = &FS_PERIOD },

	/* What period.close checks. */
	[ST_PERIOD_CLOSE_CTX] = { .name = "period_close_ctx",
	    .kind = STMT_READ, .params = "key",
	    .sql = "SELECT p.id AS id, p.state AS state,"
	    " (SELECT count(*) FROM objectives o WHERE o.period_id = p.id"
	    " AND NOT o.archived AND o.grade IS NULL) AS ungraded,"
	    " period_ungraded(p.id, 5) AS first_ungraded"
	    " FROM periods p WHERE p.name = $key",
	    .returns = &FS_PERIOD_CLOSE_CTX },

	/* period_close() grades (if asked), closes and audits in this one
	 * statement; the state shown is the one it left (this statement
	 * cannot read it back). */
	[ST_PERIOD_CLOSE] = { .name = "period_close", .kind = STMT_WRITE,
	    .params = "caller key auto_grade",
	    .sql = "SELECT p.id AS id, p.name AS name,"
	    " to_char(p.start_date, 'YYYY-MM-DD') AS start,"
	    " to_char(p.end_date, 'YYYY-MM-DD') AS \"end\","
	    " 'closed'::text AS state,"
	    " period_close(p.id, $caller::bigint, $auto_grade::boolean)"
	    " AS auto_graded FROM periods p WHERE p.name = $key",
	    .returns = &FS_PERIOD_CLOSED },

	/* What period.carry checks; team: a slug, NULL for the whole
	 * organisation. */
	[ST_CARRY_CTX] = { .name = "carry_ctx", .kind = STMT_READ,
	    .params = "key caller to team",
	    .sql = "SELECT f.id AS from_id, f.state AS from_state,"
	    " t.id AS to_id, t.state AS to_state, tm.id AS team_id,"
	    " $team::text IS NULL OR tm.id IS NOT NULL AS team_found,"
	    " coalesce(tm.private, false) AS private_team,"
	    " coalesce(r.lead_here, false) AS lead_here,"
	    " coalesce(r.lead_above, false) AS lead_above,"
	    " coalesce(r.member_here, false) AS member_here,"
	    " CASE WHEN f.id IS NOT NULL AND t.id IS NOT NULL"
	    " AND ($team::text IS NULL OR tm.id IS NOT NULL)"
	    " THEN carry_misfits(f.id, t.id, tm.id) END AS misfits,"
	    " CASE WHEN f.id IS NOT NULL AND t.id IS NOT NULL"
	    " AND ($team::text IS NULL OR tm.id IS NOT NULL)"
	    " THEN (SELECT count(*) FROM carry_candidates(f.id, t.id, tm.id))"
	    " END AS candidates"
	    " FROM (SELECT 1) d LEFT JOIN periods f ON f.name = $key"
	    " LEFT JOIN periods t ON t.name = $to"
	    " LEFT JOIN teams tm ON tm.slug = $team"
	    " LEFT JOIN LATERAL team_relation($caller::bigint, tm.id) r"
	    " ON true",
	    .returns = &FS_CARRY_CTX },

	/* from, to and team (NULL: all) as ids: period_carry() copies, all
	 * or nothing, and returns the carry's row. */
	[ST_CARRY] = { .name = "period_carry", .kind = STMT_WRITE,
	    .params = "caller from to team idem_key idem_hash",
	    .sql = "SELECT " CARRY_COLS " FROM period_carry($caller::bigint,"
	    " $from::bigint, $to::bigint, $team::bigint, $idem_key::text,"
	    " $idem_hash::text) c",
	    .returns = &FS_CARRY },

	/* A retry's reply (the caller's own carries only: the key is
	 * theirs). */
	[ST_CARRY_GET] = { .name = "carry_get", .kind = STMT_READ,
	    .params = "id caller role",
	    .sql = "SELECT " CARRY_COLS ", c.by_id = $caller::bigint"
	    " OR $role::text = 'admin' AS readable"
	    " FROM period_carries c WHERE c.id = $id",
	    .returns = &FS_CARRY },
};

/* The ops' arguments. */

static const struct op_arg create_args[] = {
	A_STR("name", true, 1, NAME_MAX_LEN), A_STR("start", true, 1, 10),
	A_STR("end", true, 1, 10), A_END
};
static const struct op_arg set_state_args[] = {
	A_STR("name", true, 1, NAME_MAX_LEN), A_STR("state", true, 1, 16),
	A_END
};
/* And auto_grade, a boolean (op.h declares no booleans: mp_get_bool). */
static const struct op_arg close_args[] = {
	A_STR("name", true, 1, NAME_MAX_LEN), A_END
};
static const struct op_arg carry_args[] = {
	A_STR("from", true, 1, NAME_MAX_LEN), A_STR("to", true, 1,
	    NAME_MAX_LEN), A_STR("team", false, 1, 40), A_END
};
static const struct op_arg no_args[] = { A_END };

/* The one text of a refused transition (set_state and close). */
static bool MUST_CHECK
transition_allowed(struct change *c, const char *from, const char *to)
{
	const char *rule = period_transition_refusal(from, to);

	if (rule == NULL)
		return true;
	req_fail_rule(c->req, rule, "period %s cannot go from %s to %s",
	    c->key, from, to);
	return false;
}

/* period.create: the name is the key. ----------------------------------- */

struct period_new {
	const char	*start, *end;
};

static void
period_taken(struct change *c)
{
	req_fail(c->req, E_CONFLICT, "name", "period '%s' already exists",
	    c->key);
}

static bool MUST_CHECK
create_check(struct change *c, const PGresult *ctx)
{
	if (!row_bool(ctx, 0, "taken"))
		return true;
	period_taken(c);
	return false;
}

static void
create_args_fill(struct change *c, const PGresult *ctx,
    struct stmt_params *sp)
{
	struct period_new *pn = c->arg;

	sp_set(sp, "start", pn->start);
	sp_set(sp, "end", pn->end);
}

static const struct change_op period_create = {
	.what = "period", .id_field = "name",
	.ctx = ST_PERIOD_NEW_CTX, .act = ACT_ADMIN, .check = create_check,
	.write = ST_PERIOD_CREATE, .args = create_args_fill,
	.reply = &FS_PERIOD, .empty = period_taken,
};

static void
op_period_create(struct request *req)
{
	struct period_new pn;
	const char *name;
	struct change *c;

	(void)op_str(req, "name", &name);
	(void)op_str(req, "start", &pn.start);
	(void)op_str(req, "end", &pn.end);
	if (!req_args_done(req))
		return;
	if (!valid_date(pn.start) || !valid_date(pn.end)) {
		req_fail(req, E_INVALID, valid_date(pn.start) ? "end" :
		    "start", "dates are YYYY-MM-DD");
		return;
	}
	if (strcmp(pn.end, pn.start) < 0) {
		req_fail(req, E_INVALID, "end", "a period ends on or after "
		    "its start");
		return;
	}
	c = change_new(req, &period_create, sizeof pn);
	*(struct period_new *)c->arg = pn;
	change_run(c, name);
}

/* period.list ----------------------------------------------------------- */

static void
on_period_list(void *arg, const PGresult *res)
{
	reply_list(arg, res, &FS_PERIOD);
}

static void
op_period_list(struct request *req)
{
	struct stmt_params sp;

	if (!req_args_done(req))
		return;
	stmt_params_init(&sp, ST_PERIOD_LIST);
	(void)req_db_named(req, &sp, on_period_list);
}

/* period.set_state: the period's row is the context. -------------------- */

static const char *const target_states[] = {
	"active", "review", "closed", NULL
};

struct period_state {
	const char	*state;
};

static bool MUST_CHECK
set_state_check(struct change *c, const PGresult *ctx)
{
	return transition_allowed(c, row_text(ctx, 0, "state"),
	    ((struct period_state *)c->arg)->state);
}

static void
set_state_args_fill(struct change *c, const PGresult *ctx,
    struct stmt_params *sp)
{
	sp_set(sp, "state", ((struct period_state *)c->arg)->state);
}

static const struct change_op period_set_state = {
	.what = "period", .id_field = "name",
	.ctx = ST_PERIOD_GET, .act = ACT_ADMIN, .check = set_state_check,
	.write = ST_PERIOD_SET_STATE, .args = set_state_args_fill,
	.reply = &FS_PERIOD,
};

static void
op_period_set_state(struct request *req)
{
	struct period_state ps;
	const char *name;
	struct change *c;

	(void)op_str(req, "name", &name);
	(void)op_str(req, "state", &ps.state);
	if (!req_args_done(req) ||
	    !check_choice(req, "state", ps.state, target_states))
		return;
	c = change_new(req, &period_set_state, sizeof ps);
	*(struct period_state *)c->arg = ps;
	change_run(c, name);
}

/* period.close: graded (or auto-graded), then closed. ------------------- */

struct period_close {
	bool		 autograde;
};

static bool MUST_CHECK
close_check(struct change *c, const PGresult *ctx)
{
	struct period_close *pc = c->arg;
	int64_t n = row_int(ctx, 0, "ungraded");

	if (!transition_allowed(c, row_text(ctx, 0, "state"), "closed"))
		return false;
	if (n > 0 && !pc->autograde) {
		req_fail_rule(c->req, "period.ungraded", "period %s has %lld "
		    "objective%s not graded yet: %s%s (grade them, or close "
		    "with auto-grade)", c->key, (long long)n, n == 1 ? "" : "s",
		    row_text(ctx, 0, "first_ungraded"), n > 5 ? ", ..." : "");
		return false;
	}
	return true;
}

static void
close_args_fill(struct change *c, const PGresult *ctx,
    struct stmt_params *sp)
{
	sp_set(sp, "auto_grade", ((struct period_close *)c->arg)->autograde ?
	    "true" : "false");
}

static const struct change_op period_close = {
	.what = "period", .id_field = "name",
	.ctx = ST_PERIOD_CLOSE_CTX, .act = ACT_ADMIN, .check = close_check,
	.write = ST_PERIOD_CLOSE, .args = close_args_fill,
	.reply = &FS_PERIOD_CLOSED,
};

static void
op_period_close(struct request *req)
{
	struct period_close pc = { .autograde = false };
	const char *name;
	struct change *c;

	(void)op_str(req, "name", &name);
	mp_get_bool(&req->args, "auto_grade", MP_OPTIONAL, &pc.autograde);
	if (!req_args_done(req))
		return;
	c = change_new(req, &period_close, sizeof pc);
	*(struct period_close *)c->arg = pc;
	change_run(c, name);
}

/* period.carry: unmet objectives of FROM copied into TO. ---------------- */

struct carry {
	const char	*to, *team;
};

static void
carry_ctx_args(struct change *c, struct stmt_params *sp)
{
	struct carry *k = c->arg;

	sp_set(sp, "to", k->to);
	sp_set(sp, "team", k->team);
}

static bool MUST_CHECK
carry_found(struct change *c, const PGresult *ctx)
{
	struct carry *k = c->arg;
	struct authz_facts f = { .role = c->f.role };

	if (!ctx_found(c, ctx, "from_id", "from", "period", c->key) ||
	    !ctx_found(c, ctx, "to_id", "to", "period", k->to) ||
	    !ctx_found(c, ctx, "team_found", "team", "team",
	    k->team != NULL ? k->team : ""))
		return false;
	/* A team the caller may not read is a missing team (change.c
	 * would name the period). */
	f.private_team = row_bool(ctx, 0, "private_team");
	f.member_here = row_bool(ctx, 0, "member_here");
	f.lead_above = row_bool(ctx, 0, "lead_above");
	if (k->team != NULL && !authz_allows(ACT_READ, &f)) {
		req_fail(c->req, E_NOT_FOUND, "team", "no team '%s'", k->team);
		return false;
	}
	return true;
}

static bool MUST_CHECK
carry_check(struct change *c, const PGresult *ctx)
{
	struct carry *k = c->arg;
	const char *from = row_text(ctx, 0, "from_state");
	const char *to = row_text(ctx, 0, "to_state");
	const char *misfits = row_str(ctx, 0, "misfits");
	long long candidates = row_int(ctx, 0, "candidates");
	const char *rule = carry_refusal(from, to, candidates, CARRY_MAX);
	int n = 0;

	if (rule != NULL) {
		if (strcmp(rule, "carry.from_open") == 0)
			req_fail_rule(c->req, rule, "period %s is %s: objectives "
			    "are carried from a period in review or closed",
			    c->key, from);
		else if (strcmp(rule, "period.closed") == 0)
			req_fail_rule(c->req, rule, "period %s is closed: "
			    "nothing is carried into it", k->to);
		else if (strcmp(rule, "period.not_active") == 0)
			req_fail_rule(c->req, rule, "period %s is in %s: "
			    "objectives are carried into a draft or active "
			    "period", k->to, to);
		else
			req_fail_rule(c->req, rule, "%lld objectives to carry: "
			    "at most %d in one carry (carry team by team)",
			    candidates, CARRY_MAX);
		return false;
	}
	if (misfits != NULL) {
		for (const char *s = misfits; *s != '\0'; s++)
			n += *s == '#';
		idem_fail_rule(c->req, "limit.objectives", "%d objective%s "
		    "would not fit the objective limit of %s in %s "
		    "(max_objectives): %s", n, n == 1 ? "" : "s",
		    n == 1 ? "its team" : "their teams", k->to, misfits);
		return false;
	}
	return true;
}

/* The periods and the team as the context found them (ids: the write
 * copies between exactly these, whatever is renamed meanwhile). */
static void
carry_args_fill(struct change *c, const PGresult *ctx,
    struct stmt_params *sp)
{
	struct carry *k = c->arg;

	sp_set(sp, "from", row_text(ctx, 0, "from_id"));
	sp_set(sp, "to", row_text(ctx, 0, "to_id"));
	sp_set(sp, "team", k->team != NULL ? row_text(ctx, 0, "team_id") :
	    NULL);
}

/* The whole organisation's: admins; one team's (and its sub-teams'):
 * who may create objectives in it. */
#define CARRY_OP(name, action)						\
static const struct change_op name = {					\
	.what = "period", .id_field = "from",				\
	.ctx = ST_CARRY_CTX, .ctx_args = carry_ctx_args,		\
	.found = carry_found, .act = action, .period = PR_NONE,		\
	.check = carry_check,						\
	.write = ST_CARRY, .args = carry_args_fill,			\
	.reply = &FS_CARRY, .get = ST_CARRY_GET, .keyed = true,		\
}
CARRY_OP(carry_org, ACT_ADMIN);
CARRY_OP(carry_team, ACT_OBJ_CREATE);

static void
op_period_carry(struct request *req)
{
	struct carry k = { .team = NULL };
	const char *from;
	struct change *c;
	struct idem idem;

	(void)op_str(req, "from", &from);
	(void)op_str(req, "to", &k.to);
	(void)op_str(req, "team", &k.team);
	idem_read(req, &idem);
	if (!req_args_done(req))
		return;
	if (strcmp(from, k.to) == 0) {
		req_fail(req, E_INVALID, "to", "a period is not carried into "
		    "itself");
		return;
	}
	c = change_new(req, k.team != NULL ? &carry_team : &carry_org,
	    sizeof k);
	*(struct carry *)c->arg = k;
	c->idem = idem;
	change_run(c, from);
}

/* The ops, gathered by dispatch.c. */
const struct op period_ops[] = {
	{ .name = "period.create", .fn = op_period_create,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE, .args = create_args },
	{ .name = "period.list", .fn = op_period_list, .flags = OP_SESSION,
	    .args = no_args },
	{ .name = "period.set_state", .fn = op_period_set_state,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE,
	    .args = set_state_args },
	{ .name = "period.close", .fn = op_period_close,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE, .args = close_args },
	{ .name = "period.carry", .fn = op_period_carry,
	    .flags = OP_SESSION | OP_WRITE, .args = carry_args },
	{ .name = NULL }
};
