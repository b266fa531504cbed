/*
 * team.c: the team entity, in one place: the team tree and its members --
 * its ops (with flags and argument schema), its statements (parameters and
 * columns by name), its reply objects and its changes (change.h).  Its
 * database logic (team_relation, team_ancestors, team_move_misaligned and
 * the triggers teams_check_tree, teams_check_delete) lives in
 * sql/logic/team.sql.
 *
 * team.root, team.cycle, team.not_empty and a move's alignment.team are
 * checked here first for a precise error, and again by those triggers
 * inside the change itself (under a lock, so that two moves cannot make a
 * cycle together, nor a move and an alignment a misaligned objective).
 * Membership changes are checked against the permission table (authz.c).
 */
#include <stdio.h>
#include <string.h>

#include "change.h"
#include "fields.h"
#include "op.h"
#include "team.h"
#include "values.h"
#include "sql-cols.h"

/* Reply objects and contexts. */

/* A team (team.h: team.framework answers with it too). */
static const struct field team_f[] = {
	{ "id", F_INT }, { "slug", F_STR }, { "name", F_STR },
	{ "parent", F_STR }, { "private", F_BOOL }, { "framework", F_STR },
	{ "signoff", F_BOOL },
};
const struct fieldset FS_TEAM = FIELDSET("team", team_f);

/* team.get: the team, its children's slugs and its members.  asked: the
 * slug asked for, so that a missing team is named without keeping it. */
static const struct field team_get_f[] = {
	{ "asked", F_HIDDEN },
	{ "id", F_INT }, { "slug", F_STR }, { "name", F_STR },
	{ "parent", F_STR }, { "private", F_BOOL }, { "framework", F_STR },
	{ "signoff", F_BOOL }, { "children", F_JSON }, { "members", F_JSON },
};
static const struct fieldset FS_TEAM_GET = FIELDSET("team", team_get_f);

/* Contexts: every column is read by the checks, none is packed. */
static const struct field team_ctx_f[] = {
	{ "id", F_HIDDEN }, { "lead_here", F_HIDDEN },
	{ "lead_above", F_HIDDEN }, { "not_empty", F_HIDDEN },
};
static const struct fieldset FS_TEAM_CTX = FIELDSET("team", team_ctx_f);

static const struct field team_tree_f[] = {
	{ "team_found", F_HIDDEN }, { "is_root", F_HIDDEN },
	{ "parent_found", F_HIDDEN }, { "root_exists", F_HIDDEN },
	{ "cycle", F_HIDDEN }, { "misaligned", F_HIDDEN },
	{ "nmisaligned", F_HIDDEN },
};
static const struct fieldset FS_TEAM_TREE = FIELDSET("team", team_tree_f);

/* The statements, with their parameters by name (stmt.h). */
const stmt_table team_stmts = {
	/* The team named $key (one row even when there is none: id NULL)
	 * and the caller's relation to it.  private_team is not read: a
	 * team is public knowledge (team.list shows every one), so a
	 * member op on a private team is answered E_FORBIDDEN, never as a
	 * missing team (docs/rules.md "Reading: private teams").
	 * not_empty: team.not_empty, for team.remove. */
	[ST_TEAM_CTX] = { .name = "team_ctx", .kind = STMT_READ,
	    .params = "key caller",
	    .sql = "SELECT t.id, r.lead_here, r.lead_above,"
	    " EXISTS (SELECT 1 FROM team_members WHERE team_id = t.id)"
	    " OR EXISTS (SELECT 1 FROM teams c WHERE c.parent_id = t.id)"
	    " OR EXISTS (SELECT 1 FROM objectives o WHERE o.team_id = t.id)"
	    " OR EXISTS (SELECT 1 FROM kpis k WHERE k.team_id = t.id)"
	    " OR EXISTS (SELECT 1 FROM assessments a WHERE a.team_id = t.id)"
	    " AS not_empty FROM (SELECT 1) d"
	    " LEFT JOIN teams t ON t.slug = $key"
	    " LEFT JOIN LATERAL team_relation($caller, t.id) r ON true",
	    .returns = &FS_TEAM_CTX },

	/* team: the team moved (NULL: a new team); parent: its parent
	 * (NULL: none).  Does the team exist, is it the root, does the
	 * parent exist, is there a root already, would the move make a
	 * cycle, which objectives would it misalign. */
	[ST_TEAM_TREE_CHECK] = { .name = "team_tree_check", .kind = STMT_READ,
	    .params = "team parent",
	    .sql = "SELECT t.id IS NOT NULL AS team_found,"
	    " t.parent_id IS NULL AND t.id IS NOT NULL AS is_root,"
	    " p.id IS NOT NULL AS parent_found,"
	    " EXISTS (SELECT 1 FROM teams WHERE parent_id IS NULL)"
	    " AS root_exists,"
	    " t.id IS NOT NULL AND p.id IS NOT NULL AND EXISTS (SELECT 1"
	    " FROM team_ancestors(p.id) a WHERE a.id = t.id) AS cycle,"
	    /* alignment.team: the objectives the move would leave aligned
	     * outside their team line (the first 20, and how many). */
	    " (SELECT string_agg(x::text, ', ' ORDER BY x) FROM (SELECT x"
	    " FROM team_move_misaligned(t.id, p.id) x LIMIT 20) m)"
	    " AS misaligned,"
	    " (SELECT count(*) FROM team_move_misaligned(t.id, p.id))"
	    " AS nmisaligned FROM (SELECT 1) d"
	    " LEFT JOIN teams t ON t.slug = $team"
	    " LEFT JOIN teams p ON p.slug = $parent",
	    .returns = &FS_TEAM_TREE },

	/* key: the new team's slug.  No row: the parent does not exist. */
	[ST_TEAM_CREATE] = { .name = "team_create", .kind = STMT_WRITE,
	    .params = "caller key name parent private",
	    .sql = "WITH p AS (SELECT id FROM teams WHERE slug = $parent),"
	    " t AS (INSERT INTO teams (slug, name, parent_id, private)"
	    " SELECT $key, $name, (SELECT id FROM p), $private::boolean"
	    " WHERE $parent::text IS NULL OR EXISTS (SELECT 1 FROM p)"
	    " RETURNING *),"
	    AUDIT_NAMED("team.create", "team", "t.id", "NULL", "to_jsonb(t)",
	    "t")
	    " SELECT t.id, t.slug, t.name, $parent::text AS parent,"
	    " t.private, t.framework AS framework, t.signoff AS signoff FROM t",
	    .returns = &FS_TEAM },

	/* Parents before children: ordered by the path from the root. */
	[ST_TEAM_LIST] = { .name = "team_list", .kind = STMT_WRITE,
	    .params = "",
	    .sql = "WITH RECURSIVE tr (id, path) AS (SELECT id, ARRAY[slug]"
	    " FROM teams WHERE parent_id IS NULL UNION ALL"
	    " SELECT c.id, tr.path || c.slug FROM teams c"
	    " JOIN tr ON c.parent_id = tr.id)"
	    " SELECT " TEAM_COLS("t.") " FROM tr JOIN teams t ON t.id = tr.id"
	    " ORDER BY tr.path",
	    .returns = &FS_TEAM },

	/* One row even for a missing team (id NULL), with the slug asked
	 * for; the members as team.get has always listed them (login,
	 * name, role, by login: json_build_object keeps that order). */
	[ST_TEAM_GET] = { .name = "team_get", .kind = STMT_READ,
	    .params = "slug",
	    .sql = "SELECT $slug::text AS asked, " TEAM_COLS("t.") ","
	    " (SELECT coalesce(json_agg(c.slug ORDER BY c.slug), '[]')"
	    " FROM teams c WHERE c.parent_id = t.id) AS children,"
	    " (SELECT coalesce(json_agg(json_build_object('login', u.login,"
	    " 'name', u.name, 'role', m.role) ORDER BY u.login), '[]')"
	    " FROM team_members m JOIN users u ON u.id = m.user_id"
	    " WHERE m.team_id = t.id) AS members"
	    " FROM (SELECT 1) d LEFT JOIN teams t ON t.slug = $slug",
	    .returns = &FS_TEAM_GET },

	/* key: the team; parent: its new parent.  No row: the parent does
	 * not exist. */
	[ST_TEAM_MOVE] = { .name = "team_move", .kind = STMT_WRITE,
	    .params = "caller key parent",
	    .sql = "WITH p AS (SELECT id FROM teams WHERE slug = $parent),"
	    " o AS (SELECT to_jsonb(x) j FROM teams x WHERE slug = $key),"
	    " t AS (UPDATE teams SET parent_id = (SELECT id FROM p)"
	    " WHERE slug = $key AND EXISTS (SELECT 1 FROM p) RETURNING *),"
	    AUDIT_NAMED("team.move", "team", "t.id", "(SELECT j FROM o)",
	    "to_jsonb(t)", "t")
	    " SELECT t.id, t.slug, t.name, $parent::text AS parent,"
	    " t.private, t.framework AS framework, t.signoff AS signoff FROM t",
	    .returns = &FS_TEAM },

	[ST_TEAM_RENAME] = { .name = "team_rename", .kind = STMT_WRITE,
	    .params = "caller key name",
	    .sql = "WITH o AS (SELECT to_jsonb(x) j FROM teams x"
	    " WHERE slug = $key),"
	    " t AS (UPDATE teams SET name = $name WHERE slug = $key"
	    " RETURNING *),"
	    AUDIT_NAMED("team.rename", "team", "t.id", "(SELECT j FROM o)",
	    "to_jsonb(t)", "t")
	    " SELECT " TEAM_COLS("t.") " FROM t",
	    .returns = &FS_TEAM },

	[ST_TEAM_REMOVE] = { .name = "team_remove", .kind = STMT_WRITE,
	    .params = "caller key",
	    .sql = "WITH t AS (DELETE FROM teams WHERE slug = $key"
	    " RETURNING *),"
	    AUDIT_NAMED("team.remove", "team", "t.id", "to_jsonb(t)", "NULL",
	    "t")
	    " SELECT id FROM t" },

	/* team: the team's id (from its context).  No row: no such user. */
	[ST_TEAM_MEMBER_SET] = { .name = "team_member_set",
	    .kind = STMT_WRITE,
	    .params = "caller team login role",
	    .sql = "WITH u AS (SELECT id FROM users WHERE login = $login),"
	    " m AS (INSERT INTO team_members (team_id, user_id, role)"
	    " SELECT $team, u.id, $role FROM u ON CONFLICT (team_id, user_id)"
	    " DO UPDATE SET role = EXCLUDED.role RETURNING *),"
	    AUDIT_NAMED("team.add_member", "team", "m.team_id", "NULL",
	    "to_jsonb(m)", "m")
	    " SELECT user_id FROM m" },

	/* No row: not a member. */
	[ST_TEAM_MEMBER_DEL] = { .name = "team_member_del",
	    .kind = STMT_WRITE,
	    .params = "caller team login",
	    .sql = "WITH m AS (DELETE FROM team_members WHERE team_id = $team"
	    " AND user_id = (SELECT id FROM users WHERE login = $login)"
	    " RETURNING *),"
	    AUDIT_NAMED("team.remove_member", "team", "m.team_id",
	    "to_jsonb(m)", "NULL", "m")
	    " SELECT user_id FROM m" },
};

/* The ops' arguments. */

#define SLUG_ARG	A_STR("slug", true, 1, 40)
#define NAME_ARG	A_STR("name", true, 1, 200)
#define LOGIN_ARG	A_STR("login", true, 1, 200)

static const struct op_arg no_args[] = {
	A_END
};
static const struct op_arg slug_args[] = {
	SLUG_ARG, A_END
};
static const struct op_arg create_args[] = {
	SLUG_ARG, NAME_ARG, A_STR("parent", false, 1, 40),
	A_BOOL("private", false), A_END
};
static const struct op_arg move_args[] = {
	SLUG_ARG, A_STR("parent", true, 1, 40), A_END
};
static const struct op_arg rename_args[] = {
	SLUG_ARG, NAME_ARG, A_END
};
static const struct op_arg add_member_args[] = {
	SLUG_ARG, LOGIN_ARG, A_BOOL("lead", false), A_END
};
static const struct op_arg remove_member_args[] = {
	SLUG_ARG, LOGIN_ARG, A_END
};

/* A team change's arguments beside its slug (the change's key), read by
 * the op's schema: each field means the same in every op. */
struct team_args {
	const char	*name;		/* create, rename */
	const char	*parent;	/* create (NULL: the root), move */
	const char	*login;		/* add_member, remove_member */
	bool		 priv;		/* create */
	bool		 lead;		/* add_member */
};

/* The op's arguments in its schema's order (so the first error is the
 * first argument's); returns the slug. */
static const char *
team_args_read(struct request *req, struct team_args *a)
{
	const char *slug = NULL;

	for (const struct op_arg *x = req->op->args; x->name != NULL; x++) {
		const char *n = x->name;

		if (strcmp(n, "slug") == 0)
			(void)op_str(req, n, &slug);
		else if (strcmp(n, "name") == 0)
			(void)op_str(req, n, &a->name);
		else if (strcmp(n, "parent") == 0)
			(void)op_str(req, n, &a->parent);
		else if (strcmp(n, "login") == 0)
			(void)op_str(req, n, &a->login);
		else if (strcmp(n, "private") == 0)
			(void)op_bool(req, n, &a->priv);
		else if (strcmp(n, "lead") == 0)
			(void)op_bool(req, n, &a->lead);
	}
	return slug;
}

static void
no_team(struct request *req, const char *slug)
{
	req_fail(req, E_NOT_FOUND, "slug", "no team '%s'", slug);
}

/* Reads: a named statement with at most one parameter. */
static void
team_read(struct request *req, enum stmt st, const char *slug, db_cb *cb)
{
	struct stmt_params sp;

	stmt_params_init(&sp, st);
	if (slug != NULL)
		sp_set(&sp, "slug", slug);
	(void)req_db_named(req, &sp, cb);
}

static void
on_team_list(void *arg, const PGresult *res)
{
	reply_list(arg, res, &FS_TEAM);
}

static void
op_team_list(struct request *req)
{
	if (req_args_done(req))
		team_read(req, ST_TEAM_LIST, NULL, on_team_list);
}

/* The team, its children and its members; a missing one is named by the
 * slug asked for. */
static void
on_team_get(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct rowpack rp;

	if (!db_ok(res))
		req_fail_db(req, res);
	else if (PQntuples(res) != 1 || !rowpack_init(&rp, &FS_TEAM_GET, res))
		req_fail(req, E_INTERNAL, NULL, "internal error");
	else if (row_null(res, 0, "id"))
		no_team(req, row_text(res, 0, "asked"));
	else {
		rowpack_row(req_result(req), &rp, 0, 0);
		req_reply(req);
	}
}

static void
op_team_get(struct request *req)
{
	const char *slug = NULL;

	(void)op_str(req, "slug", &slug);
	if (req_args_done(req))
		team_read(req, ST_TEAM_GET, slug, on_team_get);
}

/* What an empty write means: the team, or the parent named, is gone. */
static void
team_gone(struct change *c)
{
	const struct team_args *a = c->arg;

	if (a->parent != NULL)
		req_fail(c->req, E_NOT_FOUND, "parent", "no team '%s' or '%s'",
		    c->key, a->parent);
	else
		no_team(c->req, c->key);
}

/* Every write's own parameters, by name: those it declares.  team: the
 * team's id, from its context (team_ctx). */
static void
team_args_write(struct change *c, const PGresult *ctx,
    struct stmt_params *sp)
{
	const struct team_args *a = c->arg;

	sp_set_if(sp, "name", a->name);
	sp_set_if(sp, "parent", a->parent);
	sp_set_if(sp, "private", a->priv ? "t" : "f");
	sp_set_if(sp, "login", a->login);
	sp_set_if(sp, "role", a->lead ? "lead" : "member");
	if (sp_has(sp, "team"))
		sp_set(sp, "team", row_text(ctx, 0, "id"));
}

/* team.create and team.move: the tree check (team_tree_check). */

static bool
parent_found(struct change *c, const PGresult *ctx)
{
	const struct team_args *a = c->arg;

	return a->parent == NULL || ctx_found(c, ctx, "parent_found",
	    "parent", "team", a->parent);
}

static void
create_ctx_args(struct change *c, struct stmt_params *sp)
{
	sp_set(sp, "team", NULL);
	sp_set(sp, "parent", ((const struct team_args *)c->arg)->parent);
}

static bool
create_check(struct change *c, const PGresult *ctx)
{
	return ((const struct team_args *)c->arg)->parent != NULL ||
	    ctx_rule(c, ctx, "root_exists", "team.root", "there is already "
	    "a root team: give a parent");
}

static const struct change_op team_create = {
	.what = "team", .id_field = "slug",
	.ctx = ST_TEAM_TREE_CHECK, .ctx_args = create_ctx_args,
	.found = parent_found, .act = ACT_ADMIN, .check = create_check,
	.write = ST_TEAM_CREATE, .args = team_args_write, .reply = &FS_TEAM,
	.empty = team_gone,
};

static void
move_ctx_args(struct change *c, struct stmt_params *sp)
{
	sp_set(sp, "team", c->key);
	sp_set(sp, "parent", ((const struct team_args *)c->arg)->parent);
}

static bool
move_found(struct change *c, const PGresult *ctx)
{
	return ctx_found(c, ctx, "team_found", "slug", "team", c->key) &&
	    parent_found(c, ctx);
}

/* team.root, team.cycle, then alignment.team of the objectives below. */
static bool
move_check(struct change *c, const PGresult *ctx)
{
	const char *parent = ((const struct team_args *)c->arg)->parent;
	long long n;

	if (!ctx_rule(c, ctx, "is_root", "team.root", "the root team cannot "
	    "be moved under another team") ||
	    !ctx_rule(c, ctx, "cycle", "team.cycle", "%s cannot move under "
	    "itself or its own sub-team %s", c->key, parent))
		return false;
	if (row_null(ctx, 0, "misaligned"))
		return true;
	n = row_int(ctx, 0, "nmisaligned");
	req_fail_rule(c->req, "alignment.team", "moving %s under %s would "
	    "leave objective%s %s%s aligned under a parent outside their "
	    "team's line: unalign or move them first", c->key, parent,
	    n > 1 ? "s" : "", row_text(ctx, 0, "misaligned"),
	    n > 20 ? " (and more)" : "");
	return false;
}

static const struct change_op team_move = {
	.what = "team", .id_field = "slug",
	.ctx = ST_TEAM_TREE_CHECK, .ctx_args = move_ctx_args,
	.found = move_found, .act = ACT_ADMIN, .check = move_check,
	.write = ST_TEAM_MOVE, .args = team_args_write, .reply = &FS_TEAM,
	.empty = team_gone,
};

/* team.rename, team.remove and the members: in the team's context
 * (team_ctx). */

static bool
team_found(struct change *c, const PGresult *ctx)
{
	return ctx_found(c, ctx, "id", "slug", "team", c->key);
}

static const struct change_op team_rename = {
	.what = "team", .id_field = "slug",
	.ctx = ST_TEAM_CTX, .found = team_found, .act = ACT_ADMIN,
	.write = ST_TEAM_RENAME, .args = team_args_write, .reply = &FS_TEAM,
	.empty = team_gone,
};

/* team.not_empty, checked first; the delete trigger checks it again. */
static bool
remove_check(struct change *c, const PGresult *ctx)
{
	return ctx_rule(c, ctx, "not_empty", "team.not_empty", "team %s still "
	    "has members, sub-teams, objectives, KPIs or assessments", c->key);
}

static const struct change_op team_remove = {
	.what = "team", .id_field = "slug",
	.ctx = ST_TEAM_CTX, .found = team_found, .act = ACT_ADMIN,
	.check = remove_check, .write = ST_TEAM_REMOVE, .reply = NULL,
	.empty = team_gone,
};

/* team.add_member, team.remove_member: answered with the team as team.get
 * shows it. */

static bool
member_done(struct change *c, const PGresult *res)
{
	team_read(c->req, ST_TEAM_GET, c->key, on_team_get);
	return true;
}

static void
no_user(struct change *c)
{
	req_fail(c->req, E_NOT_FOUND, "login", "no user '%s'",
	    ((const struct team_args *)c->arg)->login);
}

static void
not_member(struct change *c)
{
	req_fail(c->req, E_NOT_FOUND, "login", "'%s' is not a member of this "
	    "team", ((const struct team_args *)c->arg)->login);
}

static const struct change_op team_add_member = {
	.what = "team", .id_field = "slug",
	.ctx = ST_TEAM_CTX, .found = team_found, .act = ACT_TEAM_MEMBERS,
	.write = ST_TEAM_MEMBER_SET, .args = team_args_write,
	.done = member_done, .empty = no_user,
};

static const struct change_op team_remove_member = {
	.what = "team", .id_field = "slug",
	.ctx = ST_TEAM_CTX, .found = team_found, .act = ACT_TEAM_MEMBERS,
	.write = ST_TEAM_MEMBER_DEL, .args = team_args_write,
	.done = member_done, .empty = not_member,
};

/* The change each writing op makes. */
static const struct {
	const char		*op;
	const struct change_op	*change;
} team_changes[] = {
	{ "team.create", &team_create },
	{ "team.move", &team_move },
	{ "team.rename", &team_rename },
	{ "team.remove", &team_remove },
	{ "team.add_member", &team_add_member },
	{ "team.remove_member", &team_remove_member },
};

static void
op_team_change(struct request *req)
{
	const struct change_op *op = NULL;
	struct team_args a = { .name = NULL };
	const char *slug = team_args_read(req, &a);
	struct change *c;

	for (size_t i = 0; i < sizeof team_changes / sizeof *team_changes; i++)
		if (strcmp(team_changes[i].op, req->op->name) == 0)
			op = team_changes[i].change;
	if (!req_args_done(req))
		return;
	if (op == NULL) {	/* an op of team_ops missing above: a bug */
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	/* A new team's slug is checked here; any other is looked up. */
	if (op == &team_create && !valid_slug(slug)) {
		req_fail(req, E_INVALID, "slug", "a slug is 2 to 40 of a-z 0-9 -");
		return;
	}
	c = change_new(req, op, sizeof a);
	*(struct team_args *)c->arg = a;
	change_run(c, slug);
}

/* The ops, gathered by dispatch.c. */
const struct op team_ops[] = {
	{ .name = "team.create", .fn = op_team_change,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE, .args = create_args },
	{ .name = "team.list", .fn = op_team_list, .flags = OP_SESSION,
	    .args = no_args },
	{ .name = "team.get", .fn = op_team_get, .flags = OP_SESSION,
	    .args = slug_args },
	{ .name = "team.move", .fn = op_team_change,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE, .args = move_args },
	{ .name = "team.rename", .fn = op_team_change,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE, .args = rename_args },
	{ .name = "team.remove", .fn = op_team_change,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE, .args = slug_args },
	{ .name = "team.add_member", .fn = op_team_change,
	    .flags = OP_SESSION | OP_WRITE, .args = add_member_args },
	{ .name = "team.remove_member", .fn = op_team_change,
	    .flags = OP_SESSION | OP_WRITE, .args = remove_member_args },
	{ .name = NULL }
};
