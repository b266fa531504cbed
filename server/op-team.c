/*
 * op-team.c: the team tree and its members.  team.root, team.cycle,
 * team.not_empty and a move's alignment.team are checked here first for a
 * precise error, and again by the triggers of sql/002 and sql/003 inside
 * the change itself (under a lock, so that two moves cannot make a cycle
 * together, nor a move and an alignment a misaligned objective).  Membership changes are checked
 * against the permission table (authz.c).
 */
#include <stdio.h>
#include <string.h>

#include "goals.h"

static void
on_team_members(void *arg, const PGresult *res)
{
	struct request *req = arg;
	msgpack_packer *pk;
	const PGresult *team = req->kept[0];
	const char *kids, *k;
	int n = 0;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	pk = req_result(req);
	pack_team(pk, team, 0, 0, 2);
	/* Children come as one comma-separated string (slugs hold no
	 * commas). */
	mp_pack_key(pk, "children");
	kids = col_str(team, 0, TEAM_NCOLS);
	if (kids != NULL && *kids != '\0')
		for (n = 1, k = kids; (k = strchr(k, ',')) != NULL; k++)
			n++;
	msgpack_pack_array(pk, n);
	for (k = kids; k != NULL && *k; ) {
		const char *e = strchr(k, ',');
		size_t len = e ? (size_t)(e - k) : strlen(k);
		mp_pack_strn(pk, k, len);
		k = e ? e + 1 : NULL;
	}
	mp_pack_key(pk, "members");
	msgpack_pack_array(pk, PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++) {
		msgpack_pack_map(pk, 3);
		mp_kv_str(pk, "login", PQgetvalue(res, i, 0));
		mp_kv_str(pk, "name", PQgetvalue(res, i, 1));
		mp_kv_str(pk, "role", PQgetvalue(res, i, 2));
	}
	req_reply(req);
}

static void
on_team_row(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "slug", "no team '%s'", g->name);
		return;
	}
	/* Keep the team row for the second step. */
	req_keep_result(req, 0, res);
	req_db(req, ST_TEAM_MEMBERS, 1, g->p, on_team_members);
}

/* Reply with the team named slug, its children and members. */
static void
reply_team(struct request *req, const char *slug)
{
	struct gstate *g = req->state;

	if (slug != g->name)
		snprintf(g->name, sizeof g->name, "%s", slug);
	g->p[0] = g->name;
	req_db(req, ST_TEAM_GET, 1, g->p, on_team_row);
}

void
op_team_get(struct request *req)
{
	const char *slug;

	mp_get_str(&req->args, "slug", MP_REQUIRED, 1, 40, &slug);
	if (!req_args_done(req))
		return;
	gstate_new(req);
	reply_team(req, slug);
}

static void
team_row(msgpack_packer *pk, const PGresult *res, int i)
{
	pack_team(pk, res, i, 0, 0);
}

static void
on_team_list(void *arg, const PGresult *res)
{
	req_reply_rows(arg, res, team_row);
}

void
op_team_list(struct request *req)
{
	if (!req_args_done(req))
		return;
	req_db(req, ST_TEAM_LIST, 0, NULL, on_team_list);
}

/* A change that returns the team's columns, or no row when the slug
 * named in field p[] does not exist. */
static void
on_team_changed(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		if (g->name2[0] != '\0')
			req_fail(req, E_NOT_FOUND, "parent", "no team '%s' or "
			    "'%s'", g->name, g->name2);
		else
			req_fail(req, E_NOT_FOUND, "slug", "no team '%s'",
			    g->name);
		return;
	}
	pack_team(req_result(req), res, 0, 0, 0);
	req_reply(req);
}

/*
 * team.root, team.cycle and, for a move, alignment.team of the objectives
 * below the team, checked here for a precise error before the change
 * (whose trigger checks them again under its locks).  flag: create.
 */
static void
on_tree_check(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (!g->flag && !col_bool(res, 0, 0)) {
		req_fail(req, E_NOT_FOUND, "slug", "no team '%s'", g->name);
		return;
	}
	if (g->name2[0] != '\0' && !col_bool(res, 0, 2)) {
		req_fail(req, E_NOT_FOUND, "parent", "no team '%s'", g->name2);
		return;
	}
	if (g->flag && g->name2[0] == '\0' && col_bool(res, 0, 3)) {
		req_fail_rule(req, "team.root", "there is already a root team: "
		    "give a parent");
		return;
	}
	if (!g->flag && col_bool(res, 0, 1)) {
		req_fail_rule(req, "team.root", "the root team cannot be moved "
		    "under another team");
		return;
	}
	if (!g->flag && col_bool(res, 0, 4)) {
		req_fail_rule(req, "team.cycle", "%s cannot move under itself "
		    "or its own sub-team %s", g->name, g->name2);
		return;
	}
	if (!g->flag && !PQgetisnull(res, 0, 5)) {
		long long n = col_int(res, 0, 6);

		req_fail_rule(req, "alignment.team", "moving %s under %s would "
		    "leave objective%s %s%s aligned under a parent outside "
		    "their team's line: unalign or move them first", g->name,
		    g->name2, n > 1 ? "s" : "", PQgetvalue(res, 0, 5),
		    n > 20 ? " (and more)" : "");
		return;
	}
	if (g->flag)
		req_db(req, ST_TEAM_CREATE, 5, g->p, on_team_changed);
	else
		req_db(req, ST_TEAM_MOVE, 3, g->p, on_team_changed);
}

static void
tree_check(struct request *req, const char *slug, const char *parent)
{
	const char *q[2] = { slug, parent };

	req_db(req, ST_TEAM_TREE_CHECK, 2, q, on_tree_check);
}

void
op_team_create(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *slug, *name, *parent = NULL;
	bool priv = false;
	struct gstate *g;

	mp_get_str(a, "slug", MP_REQUIRED, 1, 40, &slug);
	mp_get_str(a, "name", MP_REQUIRED, 1, 200, &name);
	mp_get_str(a, "parent", MP_OPTIONAL, 1, 40, &parent);
	mp_get_bool(a, "private", MP_OPTIONAL, &priv);
	if (!req_args_done(req))
		return;
	if (!valid_slug(slug)) {
		req_fail(req, E_INVALID, "slug", "a slug is 2 to 40 of a-z 0-9 -");
		return;
	}
	g = gstate_new(req);
	snprintf(g->name, sizeof g->name, "%s", slug);
	if (parent != NULL)	/* then a missing row means the parent */
		snprintf(g->name2, sizeof g->name2, "%s", parent);
	g->p[0] = g->caller;
	g->p[1] = slug;
	g->p[2] = name;
	g->p[3] = parent;
	g->p[4] = priv ? "t" : "f";
	g->flag = true;
	tree_check(req, NULL, parent);
}

void
op_team_move(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *slug, *parent;
	struct gstate *g;

	mp_get_str(a, "slug", MP_REQUIRED, 1, 40, &slug);
	mp_get_str(a, "parent", MP_REQUIRED, 1, 40, &parent);
	if (!req_args_done(req))
		return;
	g = gstate_new(req);
	snprintf(g->name, sizeof g->name, "%s", slug);
	snprintf(g->name2, sizeof g->name2, "%s", parent);
	g->p[0] = g->caller;
	g->p[1] = slug;
	g->p[2] = parent;
	g->flag = false;
	tree_check(req, slug, parent);
}

void
op_team_rename(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *slug, *name;
	struct gstate *g;

	mp_get_str(a, "slug", MP_REQUIRED, 1, 40, &slug);
	mp_get_str(a, "name", MP_REQUIRED, 1, 200, &name);
	if (!req_args_done(req))
		return;
	g = gstate_new(req);
	snprintf(g->name, sizeof g->name, "%s", slug);
	g->p[0] = g->caller;
	g->p[1] = slug;
	g->p[2] = name;
	req_db(req, ST_TEAM_RENAME, 3, g->p, on_team_changed);
}

static void
on_team_removed(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "slug", "no team '%s'", g->name);
		return;
	}
	msgpack_pack_true(req_result(req));
	req_reply(req);
}

/* team.not_empty, checked first; the delete trigger checks it again. */
static void
on_remove_check(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "slug", "no team '%s'", g->name);
		return;
	}
	if (col_bool(res, 0, 0)) {
		req_fail_rule(req, "team.not_empty", "team %s still has "
		    "members, sub-teams or objectives", g->name);
		return;
	}
	req_db(req, ST_TEAM_REMOVE, 2, g->p, on_team_removed);
}

void
op_team_remove(struct request *req)
{
	const char *slug;
	struct gstate *g;

	mp_get_str(&req->args, "slug", MP_REQUIRED, 1, 40, &slug);
	if (!req_args_done(req))
		return;
	g = gstate_new(req);
	snprintf(g->name, sizeof g->name, "%s", slug);
	g->p[0] = g->caller;
	g->p[1] = slug;
	req_db(req, ST_TEAM_REMOVE_CHECK, 1, g->p + 1, on_remove_check);
}

/* team.add_member, team.remove_member: context, permission, change. */

static void
on_member_changed(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "login", g->flag ?
		    "no user '%s'" : "'%s' is not a member of this team",
		    g->name2);
		return;
	}
	reply_team(req, g->name);
}

static void
on_member_ctx(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "slug", "no team '%s'", g->name);
		return;
	}
	g->f.private_team = col_bool(res, 0, 1);
	g->f.lead_here = col_bool(res, 0, 2);
	g->f.lead_above = col_bool(res, 0, 3);
	g->f.member_here = col_bool(res, 0, 4);
	if (!authz_allows(ACT_TEAM_MEMBERS, &g->f)) {
		req_fail(req, E_FORBIDDEN, NULL, "you may not %s",
		    authz_action_name(ACT_TEAM_MEMBERS));
		return;
	}
	snprintf(g->aux, sizeof g->aux, "%s", PQgetvalue(res, 0, 0));
	g->p[0] = g->caller;
	g->p[1] = g->aux;
	if (g->flag)
		req_db(req, ST_TEAM_MEMBER_SET, 4, g->p, on_member_changed);
	else
		req_db(req, ST_TEAM_MEMBER_DEL, 3, g->p, on_member_changed);
}

static void
member_op(struct request *req, bool add)
{
	struct mp_reader *a = &req->args;
	const char *slug, *login;
	bool lead = false;
	struct gstate *g;

	mp_get_str(a, "slug", MP_REQUIRED, 1, 40, &slug);
	mp_get_str(a, "login", MP_REQUIRED, 1, 200, &login);
	if (add)
		mp_get_bool(a, "lead", MP_OPTIONAL, &lead);
	if (!req_args_done(req))
		return;
	g = gstate_new(req);
	g->flag = add;
	snprintf(g->name, sizeof g->name, "%s", slug);
	snprintf(g->name2, sizeof g->name2, "%s", login);
	g->p[0] = slug;
	g->p[1] = g->caller;
	g->p[2] = login;
	g->p[3] = lead ? "lead" : "member";
	req_db(req, ST_TEAM_CTX, 2, g->p, on_member_ctx);
}

void
op_team_add_member(struct request *req)
{
	member_op(req, true);
}

void
op_team_remove_member(struct request *req)
{
	member_op(req, false);
}
