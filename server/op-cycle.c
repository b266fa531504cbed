/*
 * op-cycle.c: the end of the quarterly review (docs/rules.md, "The end of
 * the review"): a team's retrospective notes (retro.set, retro.get), the
 * close of a graded period (period.close) and the carry-over of unmet
 * objectives into the next period (period.carry).  The changes take the
 * change path (change.h); the multi-row writes are single statements
 * calling sql/013_cycle.sql's functions, which check the rules again
 * under their locks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "change.h"
#include "fields.h"
#include "goals.h"
#include "op.h"
#include "rules.h"
#include "xmalloc.h"

#define RETRO_NOTE_MAX	4000	/* bytes of a note (sql/013: characters) */
#define RETRO_MAX	100	/* notes per team and period (retros_check) */
#define CARRY_MAX	2000	/* objectives one carry copies (period_carry):
				 * its reply stays well within a frame */

/* retro.set: a note appended, in the team's context. ------------------ */

struct retro_new {
	const char	*period, *note;
	char		 team_id[24], period_id[24];
};

static int
retro_ctx_params(struct change *c, const char **p)
{
	p[2] = ((struct retro_new *)c->arg)->period;
	return 3;
}

static bool MUST_CHECK
retro_found(struct change *c, const PGresult *ctx)
{
	struct retro_new *r = c->arg;

	return ctx_found(c, ctx, "team_id", "team", "team", c->key) &&
	    ctx_found(c, ctx, "period_id", "period", "period", r->period);
}

static bool MUST_CHECK
retro_check(struct change *c, const PGresult *ctx)
{
	if (row_int(ctx, 0, "notes") >= RETRO_MAX) {
		idem_fail_rule(c->req, "limit.retros", "team %s has %d "
		    "retrospective notes for this period: the most allowed",
		    c->key, RETRO_MAX);
		return false;
	}
	return true;
}

static int
retro_params(struct change *c, const PGresult *ctx, const char **p)
{
	struct retro_new *r = c->arg;

	snprintf(r->team_id, sizeof r->team_id, "%s",
	    row_text(ctx, 0, "team_id"));
	snprintf(r->period_id, sizeof r->period_id, "%s",
	    row_text(ctx, 0, "period_id"));
	p[1] = r->team_id;
	p[2] = r->period_id;
	p[3] = r->note;
	return change_idem_params(c, p, 4);
}

static const struct change_op retro_set = {
	.what = "team", .id_field = "team",
	.ctx = ST_RETRO_CTX, .ctx_params = retro_ctx_params,
	.found = retro_found, .act = ACT_RETRO, .period = PR_OPEN,
	.check = retro_check,
	.write = ST_RETRO_ADD, .params = retro_params,
	.reply = &FS_RETRO, .get = ST_RETRO_GET, .keyed = true,
};

void
op_retro_set(struct request *req)
{
	struct mp_reader *a = &req->args;
	struct retro_new r = { 0 };
	const char *team;
	struct change *c;
	struct idem idem;

	mp_get_str(a, "team", MP_REQUIRED, 1, 40, &team);
	mp_get_str(a, "period", MP_REQUIRED, 1, 40, &r.period);
	mp_get_str(a, "note", MP_REQUIRED, 1, RETRO_NOTE_MAX, &r.note);
	idem_read(req, &idem);
	if (!req_args_done(req))
		return;
	c = change_new(req, &retro_set, sizeof r);
	*(struct retro_new *)c->arg = r;
	c->idem = idem;
	change_run(c, team);
}

/* retro.get: the team's notes for the period. --------------------------- */

struct retro_show {
	char		 caller[24], role[16];
	const char	*team, *period;
	const char	*p[4];
};

static void
on_retro_show(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct retro_show *s = req->state;
	struct rowpack rp;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	/* A team the caller may not read is answered as a missing one. */
	if (PQntuples(res) != 1 || row_null(res, 0, "team_id") ||
	    !row_bool(res, 0, "readable")) {
		req_fail(req, E_NOT_FOUND, "team", "no team '%s'", s->team);
		return;
	}
	if (row_null(res, 0, "period_id")) {
		req_fail(req, E_NOT_FOUND, "period", "no period '%s'",
		    s->period);
		return;
	}
	if (!rowpack_init(&rp, &FS_RETRO_SHOW, res)) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	rowpack_row(req_result(req), &rp, 0, 0);
	req_reply(req);
}

void
op_retro_get(struct request *req)
{
	struct mp_reader *a = &req->args;
	struct retro_show *s;
	const char *team, *period;

	mp_get_str(a, "team", MP_REQUIRED, 1, 40, &team);
	mp_get_str(a, "period", MP_REQUIRED, 1, 40, &period);
	if (!req_args_done(req))
		return;
	s = xcalloc(1, sizeof *s);
	caller_text(req, s->caller, s->role);
	s->team = team;
	s->period = period;
	s->p[0] = team;
	s->p[1] = period;
	s->p[2] = s->caller;
	s->p[3] = s->role;
	req->state = s;
	req->state_free = free;
	req_db(req, ST_RETRO_SHOW, 4, s->p, on_retro_show);
}

/* period.close: graded (or auto-graded), then closed. ------------------- */

struct period_close {
	bool		 autograde;
};

static bool MUST_CHECK
close_check(struct change *c, const PGresult *ctx)
{
	struct period_close *pc = c->arg;
	const char *from = row_text(ctx, 0, "state"), *rule;
	int64_t n = row_int(ctx, 0, "ungraded");

	if ((rule = period_transition_refusal(from, "closed")) != NULL) {
		req_fail_rule(c->req, rule, "period %s cannot go from %s to "
		    "closed", c->key, from);
		return false;
	}
	if (n > 0 && !pc->autograde) {
		req_fail_rule(c->req, "period.ungraded", "period %s has %lld "
		    "objective%s not graded yet: %s%s (grade them, or close "
		    "with auto-grade)", c->key, (long long)n, n == 1 ? "" : "s",
		    row_text(ctx, 0, "first_ungraded"), n > 5 ? ", ..." : "");
		return false;
	}
	return true;
}

static int
close_params(struct change *c, const PGresult *ctx, const char **p)
{
	p[2] = ((struct period_close *)c->arg)->autograde ? "true" : "false";
	return 3;
}

static const struct change_op period_close = {
	.what = "period", .id_field = "name",
	.ctx = ST_PERIOD_CLOSE_CTX, .nctx = 1, .act = ACT_ADMIN,
	.check = close_check,
	.write = ST_PERIOD_CLOSE, .params = close_params,
	.reply = &FS_PERIOD_CLOSED,
};

void
op_period_close(struct request *req)
{
	struct mp_reader *a = &req->args;
	struct period_close pc = { false };
	const char *name;
	struct change *c;

	mp_get_str(a, "name", MP_REQUIRED, 1, 40, &name);
	mp_get_bool(a, "auto_grade", MP_OPTIONAL, &pc.autograde);
	if (!req_args_done(req))
		return;
	c = change_new(req, &period_close, sizeof pc);
	*(struct period_close *)c->arg = pc;
	change_run(c, name);
}

/* period.carry: unmet objectives of FROM copied into TO. ---------------- */

struct carry {
	const char	*to, *team;
	char		 from_id[24], to_id[24], team_id[24];
};

static int
carry_ctx_params(struct change *c, const char **p)
{
	struct carry *k = c->arg;

	p[2] = k->to;
	p[3] = k->team;
	return 4;
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
	int n = 0;

	if (strcmp(from, "review") != 0 && strcmp(from, "closed") != 0) {
		req_fail_rule(c->req, "carry.from_open", "period %s is %s: "
		    "objectives are carried from a period in review or "
		    "closed", c->key, from);
		return false;
	}
	if (strcmp(to, "closed") == 0) {
		req_fail_rule(c->req, "period.closed", "period %s is closed: "
		    "nothing is carried into it", k->to);
		return false;
	}
	if (strcmp(to, "draft") != 0 && strcmp(to, "active") != 0) {
		req_fail_rule(c->req, "period.not_active", "period %s is in "
		    "%s: objectives are carried into a draft or active "
		    "period", k->to, to);
		return false;
	}
	if (row_int(ctx, 0, "candidates") > CARRY_MAX) {
		req_fail_rule(c->req, "limit.carry", "%lld objectives to "
		    "carry: at most %d in one carry (carry team by team)",
		    (long long)row_int(ctx, 0, "candidates"), CARRY_MAX);
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

static int
carry_params(struct change *c, const PGresult *ctx, const char **p)
{
	struct carry *k = c->arg;

	snprintf(k->from_id, sizeof k->from_id, "%s",
	    row_text(ctx, 0, "from_id"));
	snprintf(k->to_id, sizeof k->to_id, "%s", row_text(ctx, 0, "to_id"));
	snprintf(k->team_id, sizeof k->team_id, "%s",
	    row_text(ctx, 0, "team_id"));
	p[1] = k->from_id;
	p[2] = k->to_id;
	p[3] = k->team != NULL ? k->team_id : NULL;
	return change_idem_params(c, p, 4);
}

/* The whole organisation's: admins; one team's (and its sub-teams'):
 * who may create objectives in it. */
#define CARRY_OP(name, action)						\
static const struct change_op name = {					\
	.what = "period", .id_field = "from",				\
	.ctx = ST_CARRY_CTX, .ctx_params = carry_ctx_params,		\
	.found = carry_found, .act = action, .period = PR_NONE,		\
	.check = carry_check,						\
	.write = ST_CARRY, .params = carry_params,			\
	.reply = &FS_CARRY, .get = ST_CARRY_GET, .keyed = true,		\
}
CARRY_OP(carry_org, ACT_ADMIN);
CARRY_OP(carry_team, ACT_OBJ_CREATE);

void
op_period_carry(struct request *req)
{
	struct mp_reader *a = &req->args;
	struct carry k = { 0 };
	const char *from;
	struct change *c;
	struct idem idem;

	mp_get_str(a, "from", MP_REQUIRED, 1, 40, &from);
	mp_get_str(a, "to", MP_REQUIRED, 1, 40, &k.to);
	mp_get_str(a, "team", MP_OPTIONAL, 1, 40, &k.team);
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
