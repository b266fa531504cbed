/*
 * signoff.c: sign-off by the parent lead (docs/rules.md "Sign-off"), in
 * one place: the ops team.signoff, objective.approve and
 * objective.send_back (with flags and argument schema), their statements
 * (parameters and columns by name), their reply objects and their
 * changes (change.h).  The database's half is sql/logic/signoff.sql: the
 * state a new objective starts in, the transitions there are and who may
 * make them (the trigger signoff_check), which refuses again under locks
 * what the checks here refuse first with a friendlier answer.  The edits
 * that return an approved objective to proposed are objective.c's and
 * kr.c's, with SIGNOFF_REPROPOSE (signoff.h).
 */
#include <stdio.h>
#include <string.h>

#include "attr.h"
#include "change.h"
#include "fields.h"
#include "objective.h"
#include "rules.h"
#include "signoff.h"
#include "sql-cols.h"
#include "team.h"

/* A note is a sentence or a paragraph, not a document. */
#define SIGNOFF_NOTE_MAX	1000

/* Reply objects and contexts. */

static const struct field team_ctx_f[] = {
	{ "team_id", F_HIDDEN }, { "root", F_HIDDEN },
	{ "private_team", F_HIDDEN }, { "lead_here", F_HIDDEN },
	{ "lead_above", F_HIDDEN }, { "lead_parent", F_HIDDEN },
	{ "member_here", F_HIDDEN },
};
static const struct fieldset FS_SIGNOFF_TEAM_CTX = FIELDSET("team",
    team_ctx_f);

static const struct field decide_ctx_f[] = {
	OBJ_FACT_FIELDS, { "version", F_HIDDEN }, { "signoff", F_HIDDEN },
	{ "approver", F_HIDDEN },
};
static const struct fieldset FS_SIGNOFF_CTX = FIELDSET("objective",
    decide_ctx_f);

/* The statements, with their parameters by name (stmt.h). */
const stmt_table signoff_stmts = {
	/* key: the team's slug.  The team, whether it is the root, and the
	 * caller's relation to it and to its parent. */
	[ST_SIGNOFF_TEAM_CTX] = { .name = "signoff_team_ctx",
	    .kind = STMT_READ, .params = "key caller",
	    .sql = "SELECT t.id AS team_id, t.parent_id IS NULL AS root,"
	    " EXISTS (SELECT 1 FROM team_members m"
	    " WHERE m.team_id = t.parent_id AND m.user_id = $caller::bigint"
	    " AND m.role = 'lead') AS lead_parent,"
	    TEAM_FACTS("$caller") " WHERE t.slug = $key",
	    .returns = &FS_SIGNOFF_TEAM_CTX },

	/* key: the team's slug; on: the setting.  The objectives already
	 * there keep the sign-off they were created with. */
	[ST_SIGNOFF_TEAM_SET] = { .name = "signoff_team_set",
	    .kind = STMT_WRITE, .params = "caller key on",
	    .sql = "WITH b AS (SELECT to_jsonb(x) j FROM teams x"
	    " WHERE slug = $key),"
	    " t AS (UPDATE teams SET signoff = $on::boolean"
	    " WHERE slug = $key RETURNING *),"
	    AUDIT_NAMED("team.signoff", "team", "t.id", "(SELECT j FROM b)",
	    "to_jsonb(t)", "t")
	    " SELECT " TEAM_COLS("t.") " FROM t",
	    .returns = &FS_TEAM },

	/* The objective, the caller's facts, its sign-off state and whether
	 * the caller may decide on it (signoff_approver, which the trigger
	 * asks again). */
	[ST_SIGNOFF_CTX] = { .name = "signoff_ctx", .kind = STMT_READ,
	    .params = "key caller",
	    .sql = OBJ_CTX_SQL("o.version, o.signoff AS signoff,"
	    " signoff_approver($caller::bigint, o.id) AS approver", ""),
	    .returns = &FS_SIGNOFF_CTX },

	/* state: approved or sent_back; audit_op: objective.approve or
	 * objective.send_back.  Only from proposed: no row when another
	 * decision or nothing changed it meanwhile (the trigger sets
	 * signoff_at and checks the approver again). */
	[ST_SIGNOFF_DECIDE] = { .name = "signoff_decide", .kind = STMT_WRITE,
	    .params = "caller key state note version audit_op",
	    .sql = OBJ_UPDATE_CTE("signoff = $state::text,"
	    " signoff_by = $caller::bigint, signoff_note = $note::text",
	    " AND signoff = 'proposed'")
	    " a AS (INSERT INTO audit_log (user_id, op, entity_type,"
	    " entity_id, before, after) SELECT $caller::bigint,"
	    " $audit_op::text, 'objective', o.id, (SELECT j FROM b),"
	    " to_jsonb(o) FROM o)"
	    " SELECT " OBJ_COLS " FROM o",
	    .returns = &FS_OBJECTIVE },
};

/* The ops' arguments. */

static const struct op_arg team_args[] = {
	A_STR("team", true, 1, 40), A_STR("mode", true, 1, 3), A_END
};
static const struct op_arg approve_args[] = {
	A_ID("id", true), A_STR("note", false, 1, SIGNOFF_NOTE_MAX), A_END
};
static const struct op_arg send_back_args[] = {
	A_ID("id", true), A_STR("note", true, 1, SIGNOFF_NOTE_MAX), A_END
};

/* team.signoff {team, mode: on|off} */

static bool MUST_CHECK
team_signoff_check(struct change *c, const PGresult *ctx)
{
	/* Turning it off is always possible; on, only under a parent. */
	if (strcmp(c->arg, "t") != 0)
		return true;
	return ctx_rule(c, ctx, "root", "signoff.root", "team %s is the "
	    "root: nobody above it signs off", c->key);
}

static void
team_signoff_args(struct change *c, const PGresult *ctx,
    struct stmt_params *sp)
{
	sp_set(sp, "on", c->arg);
}

static void
team_gone(struct change *c)
{
	req_fail(c->req, E_NOT_FOUND, "team", "no team %s", c->key);
}

static const struct change_op team_signoff_op = {
	.what = "team", .id_field = "team", .ctx = ST_SIGNOFF_TEAM_CTX,
	.act = ACT_SIGNOFF_SET, .period = PR_NONE,
	.check = team_signoff_check,
	.write = ST_SIGNOFF_TEAM_SET, .args = team_signoff_args,
	.reply = &FS_TEAM, .empty = team_gone,
};

static void
op_team_signoff(struct request *req)
{
	const char *team, *mode;
	struct change *c;

	(void)op_str(req, "team", &team);
	(void)op_str(req, "mode", &mode);
	if (!req_args_done(req))
		return;
	if (strcmp(mode, "on") != 0 && strcmp(mode, "off") != 0) {
		req_fail(req, E_INVALID, "mode", "sign-off is on or off");
		return;
	}
	c = change_new(req, &team_signoff_op, 2);
	memcpy(c->arg, strcmp(mode, "on") == 0 ? "t" : "f", 2);
	change_run(c, team);
}

/* objective.approve {id, note?}, objective.send_back {id, note} */

struct decision {
	const char	*state, *audit_op;
	char		 note[SIGNOFF_NOTE_MAX + 1];
	bool		 has_note;
};

static bool MUST_CHECK
decide_check(struct change *c, const PGresult *ctx)
{
	const char *st = row_str(ctx, 0, "signoff");
	const char *why = signoff_refusal(st, row_bool(ctx, 0, "approver"),
	    row_bool(ctx, 0, "obj_owner"));

	if (why == NULL)
		return true;
	if (strcmp(why, "signoff.approver") == 0)
		req_fail_rule(c->req, why, "only a lead of the parent team or "
		    "the owner of the parent objective signs off objective %s",
		    c->key);
	else if (strcmp(why, "signoff.self") == 0)
		req_fail_rule(c->req, why, "objective %s is yours: someone "
		    "above signs it off", c->key);
	else
		req_fail_rule(c->req, why, "objective %s is %s, not proposed: "
		    "nothing to sign off", c->key, st != NULL ?
		    st : "without sign-off");
	return false;
}

static void
decide_args(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	struct decision *d = c->arg;

	sp_set(sp, "state", d->state);
	sp_set(sp, "note", d->has_note ? d->note : NULL);
	sp_set(sp, "audit_op", d->audit_op);
}

/* Decided (or edited) meanwhile: no longer proposed. */
static void
decide_raced(struct change *c)
{
	req_fail_rule(c->req, "signoff.state", "objective %s is no longer "
	    "proposed: it was decided meanwhile", c->key);
}

static const struct change_op decide_op = {
	.what = "objective", .id_field = "id", .ctx = ST_SIGNOFF_CTX,
	.act = ACT_READ, .period = PR_OPEN, .check = decide_check,
	.write = ST_SIGNOFF_DECIDE, .args = decide_args,
	.reply = &FS_OBJECTIVE, .empty = decide_raced,
};

static void
decide(struct request *req, const char *state, const char *audit_op)
{
	struct decision d = { .state = state, .audit_op = audit_op };
	const char *note = NULL;
	int64_t id;

	(void)op_int(req, "id", &id);
	d.has_note = op_str(req, "note", &note);
	if (!req_args_done(req))
		return;
	if (d.has_note)
		snprintf(d.note, sizeof d.note, "%s", note);
	change_start(req, &decide_op, &d, sizeof d, id, -1);
}

static void
op_objective_approve(struct request *req)
{
	decide(req, "approved", "objective.approve");
}

static void
op_objective_send_back(struct request *req)
{
	decide(req, "sent_back", "objective.send_back");
}

/* The ops, gathered by dispatch.c. */
const struct op signoff_ops[] = {
	{ .name = "team.signoff", .fn = op_team_signoff,
	    .flags = OP_SESSION | OP_WRITE, .args = team_args },
	{ .name = "objective.approve", .fn = op_objective_approve,
	    .flags = OP_SESSION | OP_WRITE, .args = approve_args },
	{ .name = "objective.send_back", .fn = op_objective_send_back,
	    .flags = OP_SESSION | OP_WRITE, .args = send_back_args },
	{ .name = NULL }
};
