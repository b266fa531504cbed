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

#include "goals.h"

/* Replying with an objective: the row, then key results, children and
 * contributors when full. */

static void
on_obj_contributors(void *arg, const PGresult *res)
{
	struct request *req = arg;
	const PGresult *o = req->kept[0], *krs = req->kept[1];
	const PGresult *kids = req->kept[2];
	msgpack_packer *pk;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	pk = req_result(req);
	pack_objective(pk, o, 0, 0, 3);
	mp_pack_key(pk, "key_results");
	msgpack_pack_array(pk, PQntuples(krs));
	for (int i = 0; i < PQntuples(krs); i++)
		pack_kr(pk, krs, i, 0);
	/* Children the caller may not read count in the roll-up but show
	 * neither their id nor their title. */
	mp_pack_key(pk, "children");
	msgpack_pack_array(pk, PQntuples(kids));
	for (int i = 0; i < PQntuples(kids); i++) {
		if (!col_bool(kids, i, 5)) {
			msgpack_pack_map(pk, 3);
			mp_kv_bool(pk, "hidden", true);
			mp_kv_double(pk, "progress", col_num(kids, i, 3));
			mp_kv_double(pk, "weight", col_num(kids, i, 4));
			continue;
		}
		msgpack_pack_map(pk, 5);
		mp_kv_int(pk, "id", col_int(kids, i, 0));
		mp_kv_str(pk, "title", PQgetvalue(kids, i, 1));
		mp_kv_str(pk, "team", PQgetvalue(kids, i, 2));
		mp_kv_double(pk, "progress", col_num(kids, i, 3));
		mp_kv_double(pk, "weight", col_num(kids, i, 4));
	}
	mp_pack_key(pk, "contributors");
	msgpack_pack_array(pk, PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++)
		mp_pack_cstr(pk, PQgetvalue(res, i, 0));
	req_reply(req);
}

static void
on_obj_children(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	req_keep_result(req, 2, res);
	req_db(req, ST_OBJ_CONTRIBUTORS, 1, g->p, on_obj_contributors);
}

static void
on_obj_krs(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	req_keep_result(req, 1, res);
	req_db(req, ST_OBJ_CHILDREN, 3, g->p, on_obj_children);
}

static void
on_obj_row(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1 || !col_bool(res, 0, OBJ_NCOLS)) {
		req_fail(req, E_NOT_FOUND, "id", "no objective %s", g->id);
		return;
	}
	if (!g->full) {
		pack_objective(req_result(req), res, 0, 0, 0);
		req_reply(req);
		return;
	}
	req_keep_result(req, 0, res);
	req_db(req, ST_OBJ_KRS, 1, g->p, on_obj_krs);
}

void
reply_objective(struct request *req, int64_t id, bool full)
{
	struct gstate *g = req->state;

	snprintf(g->id, sizeof g->id, "%lld", (long long)id);
	g->full = full;
	g->p[0] = g->id;
	g->p[1] = g->caller;
	g->p[2] = g->role;
	req_db(req, ST_OBJ_GET, 3, g->p, on_obj_row);
}

void
op_objective_get(struct request *req)
{
	int64_t id;

	mp_get_int(&req->args, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	if (!req_args_done(req))
		return;
	gstate_new(req);
	reply_objective(req, id, true);
}

static void
objective_row(msgpack_packer *pk, const PGresult *res, int i)
{
	pack_objective(pk, res, i, 0, 0);
}

static void
on_obj_list(void *arg, const PGresult *res)
{
	req_reply_rows(arg, res, objective_row);
}

void
op_objective_list(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *team = NULL, *period = NULL, *owner = NULL;
	bool mine = false, archived = false;
	struct gstate *g;

	mp_get_str(a, "team", MP_OPTIONAL, 1, 40, &team);
	mp_get_str(a, "period", MP_OPTIONAL, 1, 40, &period);
	mp_get_str(a, "owner", MP_OPTIONAL, 1, 200, &owner);
	mp_get_bool(a, "mine", MP_OPTIONAL, &mine);
	mp_get_bool(a, "archived", MP_OPTIONAL, &archived);
	if (!req_args_done(req))
		return;
	g = gstate_new(req);
	g->p[0] = g->caller;
	g->p[1] = g->role;
	g->p[2] = team;
	g->p[3] = period;
	g->p[4] = mine ? req->conn->sess.login : owner;
	g->p[5] = archived ? "t" : "f";
	req_db(req, ST_OBJ_LIST, 6, g->p, on_obj_list);
}

/* objective.create */

struct obj_new {
	const char	*team, *period, *title, *owner, *type, *desc, *rollup;
	int64_t		 parent;
	double		 weight;
};

static void
on_obj_created(void *arg, const PGresult *res)
{
	struct request *req = arg;

	if (idem_write_failed(req, res))
		return;
	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	reply_objective(req, col_int(res, 0, 0), false);
}

/* A retry with a known idempotency key: the objective, as first. */
static void
obj_created_again(struct request *req, int64_t id)
{
	reply_objective(req, id, false);
}

static void
on_obj_new_ctx(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;
	const char *state, *why;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQgetisnull(res, 0, 0)) {
		req_fail(req, E_NOT_FOUND, "team", "no team '%s'", g->name);
		return;
	}
	if (PQgetisnull(res, 0, 1)) {
		req_fail(req, E_NOT_FOUND, "period", "no period '%s'",
		    g->name2);
		return;
	}
	g->f.lead_here = col_bool(res, 0, 3);
	g->f.lead_above = col_bool(res, 0, 4);
	if (!authz_allows(ACT_OBJ_CREATE, &g->f)) {
		req_fail(req, E_FORBIDDEN, "team", "you may not %s",
		    authz_action_name(ACT_OBJ_CREATE));
		return;
	}
	if (PQgetisnull(res, 0, 5)) {
		req_fail(req, E_NOT_FOUND, "owner", "no user '%s'", g->p[5]);
		return;
	}
	/* Missing or unreadable (obj_new_ctx): the same answer, before the
	 * alignment rules that would tell the parent's line, period or
	 * depth. */
	if (!col_bool(res, 0, 9)) {
		req_fail(req, E_NOT_FOUND, "parent", "no objective %s",
		    g->p[7]);
		return;
	}
	state = PQgetvalue(res, 0, 2);
	if (strcmp(state, "closed") == 0) {
		req_fail_rule(req, "period.closed", "period %s is closed",
		    g->name2);
		return;
	}
	if (strcmp(state, "review") == 0) {
		req_fail_rule(req, "period.not_active", "no new objectives "
		    "while period %s is in review", g->name2);
		return;
	}
	if (!col_bool(res, 0, 6)) {
		req_fail_rule(req, "owner.member", "the owner must belong to "
		    "team %s", g->name);
		return;
	}
	if (col_int(res, 0, 7) >= col_int(res, 0, 8)) {
		idem_fail_rule(req, "limit.objectives", "team %s already has "
		    "%lld objectives in %s (max_objectives)", g->name,
		    (long long)col_int(res, 0, 7), g->name2);
		return;
	}
	if ((why = col_str(res, 0, 10)) != NULL) {
		req_fail_rule(req, why, "this alignment breaks %s", why);
		return;
	}
	snprintf(g->id, sizeof g->id, "%s", PQgetvalue(res, 0, 0));
	snprintf(g->aux, sizeof g->aux, "%s", PQgetvalue(res, 0, 1));
	snprintf(g->num[3], sizeof g->num[3], "%s", PQgetvalue(res, 0, 5));
	g->p[0] = g->caller;
	g->p[1] = g->id;
	g->p[2] = g->aux;
	g->p[5] = g->num[3];
	g->p[10] = idem_key(&g->idem);
	g->p[11] = idem_hash(&g->idem);
	req_db(req, ST_OBJ_CREATE, 12, g->p, on_obj_created);
}

static void
obj_create_fresh(struct request *req)
{
	struct gstate *g = req->state;
	const char *q[5] = { g->name, g->name2, g->caller, g->p[5], g->p[7] };

	req_db(req, ST_OBJ_NEW_CTX, 5, q, on_obj_new_ctx);
}

static bool
valid_rollup(const char *r)
{
	return strcmp(r, "auto") == 0 || strcmp(r, "krs") == 0 ||
	    strcmp(r, "children") == 0 || strcmp(r, "both") == 0;
}

static bool
valid_type(const char *t)
{
	return strcmp(t, "committed") == 0 || strcmp(t, "aspirational") == 0;
}

void
op_objective_create(struct request *req)
{
	struct mp_reader *a = &req->args;
	struct obj_new n = { .type = "committed", .desc = "", .rollup = "auto",
	    .weight = 1 };
	bool have_parent, have_weight;
	struct gstate *g;
	struct idem idem;

	mp_get_str(a, "team", MP_REQUIRED, 1, 40, &n.team);
	mp_get_str(a, "period", MP_REQUIRED, 1, 40, &n.period);
	mp_get_str(a, "title", MP_REQUIRED, 1, 200, &n.title);
	mp_get_str(a, "owner", MP_OPTIONAL, 1, 200, &n.owner);
	have_parent = mp_get_int(a, "parent", MP_OPTIONAL, 1, INT64_MAX,
	    &n.parent);
	have_weight = mp_get_double(a, "weight", MP_OPTIONAL, 1e-9, 1000,
	    &n.weight);
	mp_get_str(a, "type", MP_OPTIONAL, 1, 20, &n.type);
	mp_get_str(a, "description", MP_OPTIONAL, 0, 4000, &n.desc);
	mp_get_str(a, "rollup", MP_OPTIONAL, 1, 20, &n.rollup);
	idem_read(req, &idem);
	if (!req_args_done(req))
		return;
	if (!valid_type(n.type)) {
		req_fail(req, E_INVALID, "type", "type is committed or "
		    "aspirational");
		return;
	}
	if (!valid_rollup(n.rollup)) {
		req_fail(req, E_INVALID, "rollup", "rollup is auto, krs, "
		    "children or both");
		return;
	}
	(void)have_weight;
	g = gstate_new(req);
	g->idem = idem;
	snprintf(g->name, sizeof g->name, "%s", n.team);
	snprintf(g->name2, sizeof g->name2, "%s", n.period);
	if (have_parent)
		snprintf(g->num[0], sizeof g->num[0], "%lld",
		    (long long)n.parent);
	fmt_num(g->num[1], sizeof g->num[1], n.weight);
	/* The context query's parameters, then the insert's ($4..$10). */
	g->p[3] = n.title;
	g->p[4] = n.desc;
	g->p[5] = n.owner ? n.owner : req->conn->sess.login;
	g->p[6] = n.type;
	g->p[7] = have_parent ? g->num[0] : NULL;
	g->p[8] = g->num[1];
	g->p[9] = n.rollup;
	idem_begin(req, obj_created_again, obj_create_fresh);
}
