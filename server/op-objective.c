/*
 * op-objective.c: objectives.  Each change reads its context in one
 * statement (the caller's relation to the team, the period's state, the
 * counts and the alignment check), decides permission (authz.c) and the
 * rules here for a precise error, then writes with its audit entry in one
 * statement; the triggers of sql/002 check the rules again under locks, so
 * that two racing requests cannot break one together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "change.h"
#include "fields.h"
#include "goals.h"
#include "kr.h"
#include "rules.h"
#include "values.h"
#include "xmalloc.h"

/* objective.get: the row, then key results, children and contributors. */

static void
on_obj_contributors(void *arg, const PGresult *res)
{
	struct request *req = arg;
	const PGresult *o = req->kept[0], *krs = req->kept[1];
	const PGresult *kids = req->kept[2];
	struct rowpack ro, rk, rc;
	msgpack_packer *pk;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (!rowpack_init(&ro, &FS_OBJECTIVE, o) ||
	    !rowpack_init(&rk, &FS_KR, krs) ||
	    !rowpack_init(&rc, &FS_OBJ_CHILD, kids)) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	pk = req_result(req);
	rowpack_row(pk, &ro, 0, 3);
	mp_pack_key(pk, "key_results");
	msgpack_pack_array(pk, PQntuples(krs));
	for (int i = 0; i < PQntuples(krs); i++)
		rowpack_row(pk, &rk, i, 0);
	/* Children the caller may not read count in the roll-up but show
	 * neither their id nor their title. */
	mp_pack_key(pk, "children");
	msgpack_pack_array(pk, PQntuples(kids));
	for (int i = 0; i < PQntuples(kids); i++) {
		if (row_bool(kids, i, "readable")) {
			rowpack_row(pk, &rc, i, 0);
			continue;
		}
		msgpack_pack_map(pk, 3);
		mp_kv_bool(pk, "hidden", true);
		mp_kv_double(pk, "progress", row_num(kids, i, "progress"));
		mp_kv_double(pk, "weight", row_num(kids, i, "weight"));
	}
	mp_pack_key(pk, "contributors");
	msgpack_pack_array(pk, PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++)
		mp_pack_cstr(pk, row_text(res, i, "login"));
	req_reply(req);
}

static void
on_obj_children(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct reader *g = req->reader;
	const char *p[1] = { g->id };

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	req_keep_result(req, 2, res);
	req_db(req, ST_OBJ_CONTRIBUTORS, 1, p, on_obj_contributors);
}

static void
on_obj_krs(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct reader *g = req->reader;
	const char *p[3] = { g->id, g->caller, g->role };

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	req_keep_result(req, 1, res);
	req_db(req, ST_OBJ_CHILDREN, 3, p, on_obj_children);
}

static void
on_obj_row(void *arg, const PGresult *res)
{
	struct request *req = arg;

	if (!read_found(req, res, "objective"))
		return;
	req_keep_result(req, 0, res);
	(void)reader_db(req, ST_OBJ_KRS, on_obj_krs);
}

void
op_objective_get(struct request *req)
{
	read_by_id(req, ST_OBJ_GET, on_obj_row);
}

void
op_objective_list(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *team = NULL, *period = NULL, *owner = NULL;
	bool mine = false, archived = false;
	struct reader *g;

	mp_get_str(a, "team", MP_OPTIONAL, 1, 40, &team);
	mp_get_str(a, "period", MP_OPTIONAL, 1, 40, &period);
	mp_get_str(a, "owner", MP_OPTIONAL, 1, 200, &owner);
	mp_get_bool(a, "mine", MP_OPTIONAL, &mine);
	mp_get_bool(a, "archived", MP_OPTIONAL, &archived);
	if (!req_args_done(req))
		return;
	g = reader_new(req, 0);
	const char *p[6] = { g->caller, g->role, team, period,
	    mine ? req->conn->sess.login : owner, archived ? "t" : "f" };
	read_list(req, ST_OBJ_LIST, 6, p, &FS_OBJECTIVE);
}

/* objective.create: in the context of the team, period, owner and
 * parent named. */

struct obj_new {
	const char	*team, *period, *title, *owner, *type, *desc, *rollup;
	char		 parent[24], weight[32];
	bool		 has_parent;
	char		 team_id[24], period_id[24], owner_id[24];
};

static int
obj_new_ctx_params(struct change *c, const char **p)
{
	struct obj_new *n = c->arg;

	p[0] = n->team;
	p[1] = n->period;
	p[2] = c->caller;
	p[3] = n->owner;
	p[4] = n->has_parent ? n->parent : NULL;
	return 5;
}

/* The team and the period must exist before permission means anything. */
static bool MUST_CHECK
obj_new_found(struct change *c, const PGresult *ctx)
{
	struct obj_new *n = c->arg;

	return ctx_found(c, ctx, "team_id", "team", "team", n->team) &&
	    ctx_found(c, ctx, "period_id", "period", "period", n->period);
}

static bool MUST_CHECK
obj_new_check(struct change *c, const PGresult *ctx)
{
	struct obj_new *n = c->arg;
	const char *why;

	if (row_null(ctx, 0, "owner_id")) {
		req_fail(c->req, E_NOT_FOUND, "owner", "no user '%s'",
		    n->owner);
		return false;
	}
	/* Missing or unreadable (obj_new_ctx): the same answer, before the
	 * alignment rules that would tell the parent's line, period or
	 * depth. */
	if (!row_bool(ctx, 0, "parent_found")) {
		req_fail(c->req, E_NOT_FOUND, "parent", "no objective %s",
		    n->parent);
		return false;
	}
	if (!row_bool(ctx, 0, "owner_member")) {
		req_fail_rule(c->req, "owner.member", "the owner must belong "
		    "to team %s", n->team);
		return false;
	}
	if ((why = framework_objective_refusal(row_str(ctx, 0,
	    "framework"))) != NULL) {
		req_fail_rule(c->req, why, "team %s is in kpi mode: it holds "
		    "KPIs, not objectives", n->team);
		return false;
	}
	if (row_int(ctx, 0, "objectives") >=
	    row_int(ctx, 0, "max_objectives")) {
		idem_fail_rule(c->req, "limit.objectives", "team %s already "
		    "has %lld objectives in %s (max_objectives)", n->team,
		    (long long)row_int(ctx, 0, "objectives"), n->period);
		return false;
	}
	if ((why = row_str(ctx, 0, "refusal")) != NULL) {
		req_fail_rule(c->req, why, "this alignment breaks %s", why);
		return false;
	}
	return true;
}

static int
obj_new_params(struct change *c, const PGresult *ctx, const char **p)
{
	struct obj_new *n = c->arg;

	snprintf(n->team_id, sizeof n->team_id, "%s",
	    row_text(ctx, 0, "team_id"));
	snprintf(n->period_id, sizeof n->period_id, "%s",
	    row_text(ctx, 0, "period_id"));
	snprintf(n->owner_id, sizeof n->owner_id, "%s",
	    row_text(ctx, 0, "owner_id"));
	{
		/* $2..$10, in obj_create's order. */
		const char *v[] = { n->team_id, n->period_id, n->title,
		    n->desc, n->owner_id, n->type,
		    n->has_parent ? n->parent : NULL, n->weight, n->rollup };

		memcpy(p + 1, v, sizeof v);
	}
	return change_idem_params(c, p, 10);
}

static const struct change_op obj_create = {
	.what = "team", .id_field = "team",
	.ctx = ST_OBJ_NEW_CTX, .ctx_params = obj_new_ctx_params,
	.found = obj_new_found, .act = ACT_OBJ_CREATE, .period = PR_NEW,
	.check = obj_new_check,
	.write = ST_OBJ_CREATE, .params = obj_new_params,
	.reply = &FS_OBJECTIVE, .get = ST_OBJ_GET, .keyed = true,
};

static const char *const obj_types[] = {
	"committed", "aspirational", NULL
};
static const char *const obj_rollups[] = {
	"auto", "krs", "children", "both", NULL
};

/* For objective.update too: false after answering. */
bool
objective_kinds_ok(struct request *req, const char *type, const char *rollup)
{
	return check_choice(req, "type", type, obj_types) &&
	    check_choice(req, "rollup", rollup, obj_rollups);
}

void
op_objective_create(struct request *req)
{
	struct mp_reader *a = &req->args;
	struct obj_new n = { .type = "committed", .desc = "", .rollup = "auto" };
	int64_t parent;
	double weight = 1;
	struct change *c;
	struct idem idem;

	mp_get_str(a, "team", MP_REQUIRED, 1, 40, &n.team);
	mp_get_str(a, "period", MP_REQUIRED, 1, 40, &n.period);
	mp_get_str(a, "title", MP_REQUIRED, 1, 200, &n.title);
	mp_get_str(a, "owner", MP_OPTIONAL, 1, 200, &n.owner);
	n.has_parent = mp_get_int(a, "parent", MP_OPTIONAL, 1, INT64_MAX,
	    &parent);
	mp_get_double(a, "weight", MP_OPTIONAL, 1e-9, 1000, &weight);
	mp_get_str(a, "type", MP_OPTIONAL, 1, 20, &n.type);
	mp_get_str(a, "description", MP_OPTIONAL, 0, 4000, &n.desc);
	mp_get_str(a, "rollup", MP_OPTIONAL, 1, 20, &n.rollup);
	idem_read(req, &idem);
	if (!req_args_done(req) || !objective_kinds_ok(req, n.type, n.rollup))
		return;
	if (n.owner == NULL)
		n.owner = req->conn->sess.login;
	if (n.has_parent)
		snprintf(n.parent, sizeof n.parent, "%lld", (long long)parent);
	fmt_num(n.weight, sizeof n.weight, weight);
	c = change_new(req, &obj_create, sizeof n);
	*(struct obj_new *)c->arg = n;
	c->idem = idem;
	change_run(c, n.team);
}
