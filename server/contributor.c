/*
 * contributor.c: an objective's contributors, the users granted the right
 * to check in its key results without being in its team (docs/rules.md,
 * "Permissions"): objective.grant and objective.revoke, each an edit of
 * the objective (OBJ_EDIT: its context, permission and period), answered
 * with the contributors after the change.  objective.get lists them
 * (objective.c); the table is objective_contributors.
 */
#include <stdint.h>

#include "change.h"
#include "contributor.h"
#include "objective.h"

const stmt_table contributor_stmts = {
	/* No row: no such user.  The contributors after the grant: those
	 * before and the new one. */
	[ST_OBJ_GRANT] = { .name = "obj_grant", .kind = STMT_WRITE,
	    .params = "caller key login",
	    .sql = "WITH u AS (SELECT id FROM users WHERE login = $login),"
	    " c AS (INSERT INTO objective_contributors (objective_id, user_id)"
	    " SELECT $key, u.id FROM u ON CONFLICT DO NOTHING RETURNING *),"
	    AUDIT_NAMED("objective.grant", "objective", "c.objective_id",
	    "NULL", "to_jsonb(c)", "c")
	    " SELECT $key::bigint AS id, (SELECT json_agg(l ORDER BY l) FROM"
	    " (SELECT x.login AS l FROM objective_contributors oc"
	    " JOIN users x ON x.id = oc.user_id WHERE oc.objective_id = $key"
	    " UNION SELECT $login) s) AS contributors FROM u",
	    .returns = &FS_OBJ_CONTRIBUTORS },

	/* No row: not a contributor. */
	[ST_OBJ_REVOKE] = { .name = "obj_revoke", .kind = STMT_WRITE,
	    .params = "caller key login",
	    .sql = "WITH c AS (DELETE FROM objective_contributors"
	    " WHERE objective_id = $key AND user_id ="
	    " (SELECT id FROM users WHERE login = $login) RETURNING *),"
	    AUDIT_NAMED("objective.revoke", "objective", "c.objective_id",
	    "to_jsonb(c)", "NULL", "c")
	    " SELECT $key::bigint AS id, (SELECT coalesce(json_agg(x.login"
	    " ORDER BY x.login), '[]') FROM objective_contributors oc"
	    " JOIN users x ON x.id = oc.user_id WHERE oc.objective_id = $key"
	    " AND x.login <> $login) AS contributors FROM c",
	    .returns = &FS_OBJ_CONTRIBUTORS },
};

static const struct op_arg login_args[] = {
	A_ID("id", true), A_STR("login", true, 1, 63), A_END
};

/* objective.grant, objective.revoke: the reply names the contributors
 * after the change. */

struct contributor {
	const char	*login;
};

static void
contributor_args(struct change *c, const PGresult *ctx,
    struct stmt_params *sp)
{
	sp_set(sp, "login", ((struct contributor *)c->arg)->login);
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
	OBJ_EDIT(ST_OBJ_GRANT, .args = contributor_args,
	    .reply = &FS_OBJ_CONTRIBUTORS, .empty = no_such_user)
};

static const struct change_op obj_revoke = {
	OBJ_EDIT(ST_OBJ_REVOKE, .args = contributor_args,
	    .reply = &FS_OBJ_CONTRIBUTORS, .empty = not_contributor)
};

static void
contributor_op(struct request *req, const struct change_op *op)
{
	struct contributor ct;
	int64_t id;

	(void)op_int(req, "id", &id);
	(void)op_str(req, "login", &ct.login);
	if (req_args_done(req))
		change_start(req, op, &ct, sizeof ct, id, -1);
}

static void
op_objective_grant(struct request *req)
{
	contributor_op(req, &obj_grant);
}

static void
op_objective_revoke(struct request *req)
{
	contributor_op(req, &obj_revoke);
}

/* The ops, gathered by dispatch.c. */
const struct op contributor_ops[] = {
	{ .name = "objective.grant", .fn = op_objective_grant,
	    .flags = OP_SESSION | OP_WRITE, .args = login_args },
	{ .name = "objective.revoke", .fn = op_objective_revoke,
	    .flags = OP_SESSION | OP_WRITE, .args = login_args },
	{ .name = NULL }
};
