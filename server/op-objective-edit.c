/*
 * op-objective-edit.c: changes to an existing objective: edit, align,
 * unalign, archive, grant and revoke contributors.  All go through
 * with_objective(): context, permission, period and version checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goals.h"

typedef void obj_next(struct request *);

static void
on_obj_ctx(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "id", "no objective %s", g->id);
		return;
	}
	facts_from_ctx(g, res);
	/* One the caller may not read is answered as a missing one. */
	if (!authz_allows(ACT_READ, &g->f)) {
		req_fail(req, E_NOT_FOUND, "id", "no objective %s", g->id);
		return;
	}
	if (!authz_allows(ACT_OBJ_EDIT, &g->f)) {
		fail_forbidden(req, ACT_OBJ_EDIT);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 2), "closed") == 0) {
		req_fail_rule(req, "period.closed", "the objective's period is "
		    "closed");
		return;
	}
	if (g->version >= 0 && g->version != col_int(res, 0, 9)) {
		req_fail(req, E_CONFLICT, "version", "objective %s is at "
		    "version %s, not %lld: reload and retry", g->id,
		    PQgetvalue(res, 0, 9), (long long)g->version);
		return;
	}
	g->next(req);
}

/* Load objective id's context for an edit, then run next. */
static void
with_objective(struct request *req, int64_t id, int64_t version,
    obj_next *next)
{
	struct gstate *g = req->state;

	snprintf(g->id, sizeof g->id, "%lld", (long long)id);
	g->version = version;
	if (version >= 0)
		snprintf(g->num[3], sizeof g->num[3], "%lld",
		    (long long)version);
	g->next = next;
	const char *q[2] = { g->id, g->caller };
	req_db(req, ST_OBJ_CTX, 2, q, on_obj_ctx);
}

/* A change returned the objective's id, or no row: a stale version. */
static void
on_obj_changed(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;

	if (!change_applied(req, res, "objective"))
		return;
	reply_objective(req, strtoll(g->id, NULL, 10), g->full);
}

static const char *
version_param(struct gstate *g)
{
	return g->version >= 0 ? g->num[3] : NULL;
}

/* objective.update */

static void
update_next(struct request *req)
{
	struct gstate *g = req->state;

	g->p[0] = g->caller;
	g->p[1] = g->id;
	g->p[7] = version_param(g);
	req_db(req, ST_OBJ_UPDATE, 8, g->p, on_obj_changed);
}

void
op_objective_update(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *title = NULL, *desc = NULL, *owner = NULL, *type = NULL;
	const char *rollup = NULL;
	int64_t id, version = -1;
	struct gstate *g;

	mp_get_int(a, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	mp_get_str(a, "title", MP_OPTIONAL, 1, 200, &title);
	mp_get_str(a, "description", MP_OPTIONAL, 0, 4000, &desc);
	mp_get_str(a, "owner", MP_OPTIONAL, 1, 200, &owner);
	mp_get_str(a, "type", MP_OPTIONAL, 1, 20, &type);
	mp_get_str(a, "rollup", MP_OPTIONAL, 1, 20, &rollup);
	mp_get_int(a, "version", MP_OPTIONAL, 1, INT32_MAX, &version);
	if (!req_args_done(req))
		return;
	if (type != NULL && strcmp(type, "committed") != 0 &&
	    strcmp(type, "aspirational") != 0) {
		req_fail(req, E_INVALID, "type", "type is committed or "
		    "aspirational");
		return;
	}
	if (rollup != NULL && strcmp(rollup, "auto") != 0 &&
	    strcmp(rollup, "krs") != 0 && strcmp(rollup, "children") != 0 &&
	    strcmp(rollup, "both") != 0) {
		req_fail(req, E_INVALID, "rollup", "rollup is auto, krs, "
		    "children or both");
		return;
	}
	g = gstate_new(req);
	g->p[2] = title;
	g->p[3] = desc;
	g->p[4] = owner;
	g->p[5] = type;
	g->p[6] = rollup;
	with_objective(req, id, version, update_next);
}

/* objective.align, objective.unalign */

static void
align_write(struct request *req)
{
	struct gstate *g = req->state;

	g->p[0] = g->caller;
	g->p[1] = g->id;
	g->p[2] = g->aux[0] ? g->aux : NULL;
	g->p[3] = g->num[1][0] ? g->num[1] : NULL;
	g->p[4] = version_param(g);
	g->p[5] = g->aux[0] ? "objective.align" : "objective.unalign";
	req_db(req, ST_OBJ_ALIGN, 6, g->p, on_obj_changed);
}

static void
on_align_check(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;
	const char *why;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	/* Missing or unreadable: the same answer, before any rule that
	 * would tell the parent's team line, period or depth. */
	if (PQntuples(res) != 1 || !col_bool(res, 0, 0)) {
		req_fail(req, E_NOT_FOUND, "parent", "no objective %s", g->aux);
		return;
	}
	if ((why = col_str(res, 0, 1)) != NULL) {
		req_fail_rule(req, why, "aligning %s under %s breaks %s",
		    g->id, g->aux, why);
		return;
	}
	align_write(req);
}

static void
align_next(struct request *req)
{
	struct gstate *g = req->state;

	if (g->aux[0] == '\0') {
		align_write(req);	/* unalign */
		return;
	}
	g->p[0] = g->id;
	g->p[1] = g->aux;
	g->p[2] = g->caller;
	g->p[3] = g->role;
	req_db(req, ST_OBJ_ALIGN_CHECK, 4, g->p, on_align_check);
}

void
op_objective_align(struct request *req)
{
	struct mp_reader *a = &req->args;
	int64_t id, parent, version = -1;
	double weight;
	bool have_weight;
	struct gstate *g;

	mp_get_int(a, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	mp_get_int(a, "parent", MP_REQUIRED, 1, INT64_MAX, &parent);
	have_weight = mp_get_double(a, "weight", MP_OPTIONAL, 1e-9, 1000,
	    &weight);
	mp_get_int(a, "version", MP_OPTIONAL, 1, INT32_MAX, &version);
	if (!req_args_done(req))
		return;
	g = gstate_new(req);
	snprintf(g->aux, sizeof g->aux, "%lld", (long long)parent);
	if (have_weight)
		fmt_num(g->num[1], sizeof g->num[1], weight);
	with_objective(req, id, version, align_next);
}

void
op_objective_unalign(struct request *req)
{
	struct mp_reader *a = &req->args;
	int64_t id, version = -1;

	mp_get_int(a, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	mp_get_int(a, "version", MP_OPTIONAL, 1, INT32_MAX, &version);
	if (!req_args_done(req))
		return;
	gstate_new(req);
	with_objective(req, id, version, align_next);
}

/* objective.archive */

static void
archive_next(struct request *req)
{
	struct gstate *g = req->state;

	g->p[0] = g->caller;
	g->p[1] = g->id;
	g->p[2] = version_param(g);
	req_db(req, ST_OBJ_ARCHIVE, 3, g->p, on_obj_changed);
}

void
op_objective_archive(struct request *req)
{
	struct mp_reader *a = &req->args;
	int64_t id, version = -1;

	mp_get_int(a, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	mp_get_int(a, "version", MP_OPTIONAL, 1, INT32_MAX, &version);
	if (!req_args_done(req))
		return;
	gstate_new(req);
	with_objective(req, id, version, archive_next);
}

/* objective.grant, objective.revoke */

static void
on_contributor(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "login", g->flag ? "no user '%s'" :
		    "'%s' is not a contributor", g->name);
		return;
	}
	reply_objective(req, strtoll(g->id, NULL, 10), true);
}

static void
contributor_next(struct request *req)
{
	struct gstate *g = req->state;

	g->p[0] = g->caller;
	g->p[1] = g->id;
	g->p[2] = g->name;
	req_db(req, g->flag ? ST_OBJ_GRANT : ST_OBJ_REVOKE, 3, g->p,
	    on_contributor);
}

static void
contributor_op(struct request *req, bool grant)
{
	struct mp_reader *a = &req->args;
	int64_t id;
	const char *login;
	struct gstate *g;

	mp_get_int(a, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	mp_get_str(a, "login", MP_REQUIRED, 1, 63, &login);
	if (!req_args_done(req))
		return;
	g = gstate_new(req);
	g->flag = grant;
	snprintf(g->name, sizeof g->name, "%s", login);
	with_objective(req, id, -1, contributor_next);
}

void
op_objective_grant(struct request *req)
{
	contributor_op(req, true);
}

void
op_objective_revoke(struct request *req)
{
	contributor_op(req, false);
}
