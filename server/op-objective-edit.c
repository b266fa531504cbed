/*
 * op-objective-edit.c: changes to an existing objective (edit, align,
 * unalign, archive, grant and revoke contributors), as tables for the
 * change path (change.h): the objective's context, permission to edit it,
 * its period not closed, the expected version, then one write that
 * answers with the objective as it left it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "change.h"
#include "fields.h"
#include "goals.h"
#include "values.h"

/* objective.update */

struct obj_edit {
	const char	*title, *desc, *owner, *type, *rollup;
};

static int
update_params(struct change *c, const PGresult *ctx, const char **p)
{
	struct obj_edit *e = c->arg;

	p[2] = e->title;
	p[3] = e->desc;
	p[4] = e->owner;
	p[5] = e->type;
	p[6] = e->rollup;
	p[7] = change_version(c);
	return 8;
}

static const struct change_op obj_update = {
	.what = "objective", .id_field = "id",
	.ctx = ST_OBJ_CTX, .nctx = 2, .act = ACT_OBJ_EDIT, .period = PR_OPEN,
	.write = ST_OBJ_UPDATE, .params = update_params,
	.reply = &FS_OBJECTIVE,
};

void
op_objective_update(struct request *req)
{
	struct mp_reader *a = &req->args;
	struct obj_edit e = { NULL };
	int64_t id, version;

	mp_get_int(a, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	mp_get_str(a, "title", MP_OPTIONAL, 1, 200, &e.title);
	mp_get_str(a, "description", MP_OPTIONAL, 0, 4000, &e.desc);
	mp_get_str(a, "owner", MP_OPTIONAL, 1, 200, &e.owner);
	mp_get_str(a, "type", MP_OPTIONAL, 1, 20, &e.type);
	mp_get_str(a, "rollup", MP_OPTIONAL, 1, 20, &e.rollup);
	version = arg_version(req);
	if (req_args_done(req) && objective_kinds_ok(req, e.type, e.rollup))
		change_start(req, &obj_update, &e, sizeof e, id, version);
}

/* objective.align, objective.unalign: the context carries the alignment
 * check, so that the check and the write are still two round trips. */

struct obj_align {
	char	 parent[24], weight[32];
	bool	 has_parent, has_weight;
};

static int
align_ctx_params(struct change *c, const char **p)
{
	struct obj_align *al = c->arg;

	p[3] = al->has_parent ? al->parent : NULL;
	return 4;
}

static bool MUST_CHECK
align_check(struct change *c, const PGresult *ctx)
{
	struct obj_align *al = c->arg;
	const char *why;

	/* Missing or unreadable: the same answer, before any rule that
	 * would tell the parent's team line, period or depth. */
	if (!row_bool(ctx, 0, "parent_found")) {
		req_fail(c->req, E_NOT_FOUND, "parent", "no objective %s",
		    al->parent);
		return false;
	}
	if ((why = row_str(ctx, 0, "refusal")) != NULL) {
		req_fail_rule(c->req, why, "aligning %s under %s breaks %s",
		    c->key, al->parent, why);
		return false;
	}
	return true;
}

static int
align_params(struct change *c, const PGresult *ctx, const char **p)
{
	struct obj_align *al = c->arg;

	p[2] = al->has_parent ? al->parent : NULL;
	p[3] = al->has_weight ? al->weight : NULL;
	p[4] = change_version(c);
	p[5] = al->has_parent ? "objective.align" : "objective.unalign";
	return 6;
}

static const struct change_op obj_align = {
	.what = "objective", .id_field = "id",
	.ctx = ST_OBJ_ALIGN_CTX, .ctx_params = align_ctx_params,
	.act = ACT_OBJ_EDIT, .period = PR_OPEN, .check = align_check,
	.write = ST_OBJ_ALIGN, .params = align_params,
	.reply = &FS_OBJECTIVE,
};

static void
align_op(struct request *req, bool align)
{
	struct mp_reader *a = &req->args;
	struct obj_align al = { .has_parent = align };
	int64_t id, parent = 0, version;
	double weight;

	mp_get_int(a, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	if (align) {
		mp_get_int(a, "parent", MP_REQUIRED, 1, INT64_MAX, &parent);
		al.has_weight = mp_get_double(a, "weight", MP_OPTIONAL, 1e-9,
		    1000, &weight);
	}
	version = arg_version(req);
	if (!req_args_done(req))
		return;
	snprintf(al.parent, sizeof al.parent, "%lld", (long long)parent);
	if (al.has_weight)
		fmt_num(al.weight, sizeof al.weight, weight);
	change_start(req, &obj_align, &al, sizeof al, id, version);
}

void
op_objective_align(struct request *req)
{
	align_op(req, true);
}

void
op_objective_unalign(struct request *req)
{
	align_op(req, false);
}

/* objective.archive */

static const struct change_op obj_archive = {
	.what = "objective", .id_field = "id",
	.ctx = ST_OBJ_CTX, .nctx = 2, .act = ACT_OBJ_EDIT, .period = PR_OPEN,
	.write = ST_OBJ_ARCHIVE, .params = change_version_param,
	.reply = &FS_OBJECTIVE,
};

void
op_objective_archive(struct request *req)
{
	int64_t id, version;

	mp_get_int(&req->args, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	version = arg_version(req);
	if (req_args_done(req))
		change_start(req, &obj_archive, NULL, 0, id, version);
}

/* objective.grant, objective.revoke: the reply names the contributors
 * after the change. */

struct contributor {
	const char	*login;
};

static int
contributor_params(struct change *c, const PGresult *ctx, const char **p)
{
	p[2] = ((struct contributor *)c->arg)->login;
	return 3;
}

static void
no_such_user(struct change *c)
{
	req_fail(c->req, E_NOT_FOUND, "login", "no user '%s'",
	    ((struct contributor *)c->arg)->login);
}

static void
not_contributor(struct change *c)
{
	req_fail(c->req, E_NOT_FOUND, "login", "'%s' is not a contributor",
	    ((struct contributor *)c->arg)->login);
}

static const struct change_op obj_grant = {
	.what = "objective", .id_field = "id",
	.ctx = ST_OBJ_CTX, .nctx = 2, .act = ACT_OBJ_EDIT, .period = PR_OPEN,
	.write = ST_OBJ_GRANT, .params = contributor_params,
	.reply = &FS_OBJ_CONTRIBUTORS, .empty = no_such_user,
};

static const struct change_op obj_revoke = {
	.what = "objective", .id_field = "id",
	.ctx = ST_OBJ_CTX, .nctx = 2, .act = ACT_OBJ_EDIT, .period = PR_OPEN,
	.write = ST_OBJ_REVOKE, .params = contributor_params,
	.reply = &FS_OBJ_CONTRIBUTORS, .empty = not_contributor,
};

static void
contributor_op(struct request *req, const struct change_op *op)
{
	struct mp_reader *a = &req->args;
	struct contributor ct;
	struct change *c;
	int64_t id;

	mp_get_int(a, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	mp_get_str(a, "login", MP_REQUIRED, 1, 63, &ct.login);
	if (!req_args_done(req))
		return;
	c = change_new(req, op, sizeof ct);
	*(struct contributor *)c->arg = ct;
	change_run_id(c, id);
}

void
op_objective_grant(struct request *req)
{
	contributor_op(req, &obj_grant);
}

void
op_objective_revoke(struct request *req)
{
	contributor_op(req, &obj_revoke);
}
