/*
 * op-team.c: the team tree and its members.  team.root, team.cycle,
 * team.not_empty and a move's alignment.team are checked here first for a
 * precise error, and again by the triggers of sql/002 and sql/003 inside
 * the change itself (under a lock, so that two moves cannot make a cycle
 * together, nor a move and an alignment a misaligned objective).  Membership changes are checked
 * against the permission table (authz.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "fields.h"
#include "goals.h"
#include "values.h"
#include "xmalloc.h"

/* What a team op keeps between its steps. */
struct team_state {
	char		 caller[24], role[16];
	char		 slug[64];	/* the team named */
	char		 other[64];	/* the parent, or the member's login */
	char		 team_id[24];
	bool		 create;	/* team.create, or team.add_member */
	const char	*p[6];		/* the write's parameters */
};

static struct team_state *
team_state_new(struct request *req, const char *slug)
{
	struct team_state *ts = xcalloc(1, sizeof *ts);

	caller_text(req, ts->caller, ts->role);
	snprintf(ts->slug, sizeof ts->slug, "%s", slug);
	req->state = ts;
	req->state_free = free;
	return ts;
}

static void
on_team_members(void *arg, const PGresult *res)
{
	struct request *req = arg;
	msgpack_packer *pk;
	const PGresult *team = req->kept[0];
	struct rowpack rt, rm;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (!rowpack_init(&rt, &FS_TEAM_GET, team) ||
	    !rowpack_init(&rm, &FS_MEMBER, res)) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	pk = req_result(req);
	rowpack_row(pk, &rt, 0, 1);
	mp_pack_key(pk, "members");
	msgpack_pack_array(pk, PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++)
		rowpack_row(pk, &rm, i, 0);
	req_reply(req);
}

static void
on_team_row(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct team_state *ts = req->state;
	const char *p[1] = { ts->slug };

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "slug", "no team '%s'", ts->slug);
		return;
	}
	/* Keep the team row for the second step. */
	req_keep_result(req, 0, res);
	req_db(req, ST_TEAM_MEMBERS, 1, p, on_team_members);
}

/* Reply with the team the state names, its children and members. */
static void
reply_team(struct request *req)
{
	struct team_state *ts = req->state;
	const char *p[1] = { ts->slug };

	req_db(req, ST_TEAM_GET, 1, p, on_team_row);
}

void
op_team_get(struct request *req)
{
	const char *slug;

	mp_get_str(&req->args, "slug", MP_REQUIRED, 1, 40, &slug);
	if (!req_args_done(req))
		return;
	team_state_new(req, slug);
	reply_team(req);
}

static void
on_team_list(void *arg, const PGresult *res)
{
	reply_list(arg, res, &FS_TEAM);
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
	struct team_state *ts = req->state;
	struct rowpack rp;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		if (ts->other[0] != '\0')
			req_fail(req, E_NOT_FOUND, "parent", "no team '%s' or "
			    "'%s'", ts->slug, ts->other);
		else
			req_fail(req, E_NOT_FOUND, "slug", "no team '%s'",
			    ts->slug);
		return;
	}
	if (!rowpack_init(&rp, &FS_TEAM, res)) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	rowpack_row(req_result(req), &rp, 0, 0);
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
	struct team_state *ts = req->state;
	bool create = ts->create;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (!create && !row_bool(res, 0, "team_found")) {
		req_fail(req, E_NOT_FOUND, "slug", "no team '%s'", ts->slug);
		return;
	}
	if (ts->other[0] != '\0' && !row_bool(res, 0, "parent_found")) {
		req_fail(req, E_NOT_FOUND, "parent", "no team '%s'", ts->other);
		return;
	}
	if (create && ts->other[0] == '\0' && row_bool(res, 0, "root_exists")) {
		req_fail_rule(req, "team.root", "there is already a root team: "
		    "give a parent");
		return;
	}
	if (!create && row_bool(res, 0, "is_root")) {
		req_fail_rule(req, "team.root", "the root team cannot be moved "
		    "under another team");
		return;
	}
	if (!create && row_bool(res, 0, "cycle")) {
		req_fail_rule(req, "team.cycle", "%s cannot move under itself "
		    "or its own sub-team %s", ts->slug, ts->other);
		return;
	}
	if (!create && !row_null(res, 0, "misaligned")) {
		long long n = row_int(res, 0, "nmisaligned");

		req_fail_rule(req, "alignment.team", "moving %s under %s would "
		    "leave objective%s %s%s aligned under a parent outside "
		    "their team's line: unalign or move them first", ts->slug,
		    ts->other, n > 1 ? "s" : "", row_text(res, 0, "misaligned"),
		    n > 20 ? " (and more)" : "");
		return;
	}
	if (create)
		req_db(req, ST_TEAM_CREATE, 5, ts->p, on_team_changed);
	else
		req_db(req, ST_TEAM_MOVE, 3, ts->p, on_team_changed);
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
	struct team_state *ts;

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
	ts = team_state_new(req, slug);
	if (parent != NULL)	/* then a missing row means the parent */
		snprintf(ts->other, sizeof ts->other, "%s", parent);
	ts->p[0] = ts->caller;
	ts->p[1] = slug;
	ts->p[2] = name;
	ts->p[3] = parent;
	ts->p[4] = priv ? "t" : "f";
	ts->create = true;
	tree_check(req, NULL, parent);
}

void
op_team_move(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *slug, *parent;
	struct team_state *ts;

	mp_get_str(a, "slug", MP_REQUIRED, 1, 40, &slug);
	mp_get_str(a, "parent", MP_REQUIRED, 1, 40, &parent);
	if (!req_args_done(req))
		return;
	ts = team_state_new(req, slug);
	snprintf(ts->other, sizeof ts->other, "%s", parent);
	ts->p[0] = ts->caller;
	ts->p[1] = slug;
	ts->p[2] = parent;
	tree_check(req, slug, parent);
}

void
op_team_rename(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *slug, *name;
	struct team_state *ts;

	mp_get_str(a, "slug", MP_REQUIRED, 1, 40, &slug);
	mp_get_str(a, "name", MP_REQUIRED, 1, 200, &name);
	if (!req_args_done(req))
		return;
	ts = team_state_new(req, slug);
	ts->p[0] = ts->caller;
	ts->p[1] = slug;
	ts->p[2] = name;
	req_db(req, ST_TEAM_RENAME, 3, ts->p, on_team_changed);
}

static void
on_team_removed(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct team_state *ts = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "slug", "no team '%s'", ts->slug);
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
	struct team_state *ts = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "slug", "no team '%s'", ts->slug);
		return;
	}
	if (row_bool(res, 0, "not_empty")) {
		req_fail_rule(req, "team.not_empty", "team %s still has "
		    "members, sub-teams, objectives, KPIs or assessments",
		    ts->slug);
		return;
	}
	req_db(req, ST_TEAM_REMOVE, 2, ts->p, on_team_removed);
}

void
op_team_remove(struct request *req)
{
	const char *slug;
	struct team_state *ts;

	mp_get_str(&req->args, "slug", MP_REQUIRED, 1, 40, &slug);
	if (!req_args_done(req))
		return;
	ts = team_state_new(req, slug);
	ts->p[0] = ts->caller;
	ts->p[1] = slug;
	req_db(req, ST_TEAM_REMOVE_CHECK, 1, ts->p + 1, on_remove_check);
}

/* team.add_member, team.remove_member: context, permission, change. */

static void
on_member_changed(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct team_state *ts = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "login", ts->create ?
		    "no user '%s'" : "'%s' is not a member of this team",
		    ts->other);
		return;
	}
	reply_team(req);
}

static void
on_member_ctx(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct team_state *ts = req->state;
	struct authz_facts f = { .role = req->conn->sess.role };

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "slug", "no team '%s'", ts->slug);
		return;
	}
	f.private_team = row_bool(res, 0, "private_team");
	f.lead_here = row_bool(res, 0, "lead_here");
	f.lead_above = row_bool(res, 0, "lead_above");
	f.member_here = row_bool(res, 0, "member_here");
	if (!authz_allows(ACT_TEAM_MEMBERS, &f)) {
		req_fail(req, E_FORBIDDEN, NULL, "you may not %s",
		    authz_action_name(ACT_TEAM_MEMBERS));
		return;
	}
	snprintf(ts->team_id, sizeof ts->team_id, "%s",
	    row_text(res, 0, "id"));
	ts->p[0] = ts->caller;
	ts->p[1] = ts->team_id;
	if (ts->create)
		req_db(req, ST_TEAM_MEMBER_SET, 4, ts->p, on_member_changed);
	else
		req_db(req, ST_TEAM_MEMBER_DEL, 3, ts->p, on_member_changed);
}

static void
member_op(struct request *req, bool add)
{
	struct mp_reader *a = &req->args;
	const char *slug, *login;
	bool lead = false;
	struct team_state *ts;

	mp_get_str(a, "slug", MP_REQUIRED, 1, 40, &slug);
	mp_get_str(a, "login", MP_REQUIRED, 1, 200, &login);
	if (add)
		mp_get_bool(a, "lead", MP_OPTIONAL, &lead);
	if (!req_args_done(req))
		return;
	ts = team_state_new(req, slug);
	ts->create = add;
	snprintf(ts->other, sizeof ts->other, "%s", login);
	ts->p[0] = slug;
	ts->p[1] = ts->caller;
	ts->p[2] = login;
	ts->p[3] = lead ? "lead" : "member";
	req_db(req, ST_TEAM_CTX, 2, ts->p, on_member_ctx);
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
