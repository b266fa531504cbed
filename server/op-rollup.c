/*
 * op-rollup.c: the executive roll-up (issue 8): tree, health, review, due.
 *
 * Each reads the organisation (or a team's subtree) in a few set-based
 * statements (sql-rollup.inc, sql/014_rollup.sql) and streams the rows
 * (stream.h): the tree its objectives then its teams, the others one set
 * each.  The period is the one named, else the active one containing
 * today (period_default); the team narrows to its subtree.  The final
 * result carries the period and server_ms, the time from dispatch to the
 * final frame (for make bench).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "fields.h"
#include "op.h"
#include "row.h"
#include "sql.h"
#include "stream.h"
#include "xmalloc.h"

#define ROLLUP_NAME_MAX	40
#define ROLLUP_DEPTH_MAX 1000

enum rollup_kind { RK_TREE, RK_HEALTH, RK_REVIEW };

struct rollup {
	enum rollup_kind kind;
	char		 caller[24], role[16];
	char		 period_id[24], team_id[24], depth[16];
	char		 period[ROLLUP_NAME_MAX + 1];
	const char	*period_arg, *team_arg;	/* into the request */
	bool		 has_team, has_depth;
	const char	*p[5];
};

/* The final frame: the sets (when not in parts) and what all share. */
static void
rollup_finish(struct request *req, const char *period)
{
	msgpack_packer *pk = req_result_sets(req, period != NULL ? 2 : 1);
	uint64_t ms = now_ms() - req->started_ms;

	if (period != NULL) {
		msgpack_pack_str_with_body(pk, "period", 6);
		msgpack_pack_str_with_body(pk, period, strlen(period));
	}
	msgpack_pack_str_with_body(pk, "server_ms", 9);
	msgpack_pack_uint64(pk, ms);
	req_reply(req);
}

static void
rollup_done(struct request *req)
{
	struct rollup *r = req->state;

	rollup_finish(req, r->period);
}

/* The tree's objectives are out: its teams next. */
static void
tree_objectives_done(struct request *req)
{
	struct rollup *r = req->state;

	r->p[0] = r->period_id;
	r->p[1] = r->has_team ? r->team_id : NULL;
	r->p[2] = r->has_depth ? r->depth : NULL;
	req_stream(req, ST_TREE_TEAMS, 3, r->p, "teams", &FS_TREE_TEAM,
	    rollup_done);
}

static void
on_rollup_ctx(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct rollup *r = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1 || row_null(res, 0, "period_id")) {
		if (r->period_arg != NULL)
			req_fail(req, E_NOT_FOUND, "period", "no period '%s'",
			    r->period_arg);
		else
			req_fail(req, E_NOT_FOUND, "period", "no active "
			    "period contains today: give a period");
		return;
	}
	/* Teams are public: a missing one is the only refusal. */
	if (r->team_arg != NULL && row_null(res, 0, "team_id")) {
		req_fail(req, E_NOT_FOUND, "team", "no team '%s'",
		    r->team_arg);
		return;
	}
	snprintf(r->period_id, sizeof r->period_id, "%s",
	    row_text(res, 0, "period_id"));
	snprintf(r->period, sizeof r->period, "%s",
	    row_text(res, 0, "period"));
	snprintf(r->team_id, sizeof r->team_id, "%s",
	    row_text(res, 0, "team_id"));
	switch (r->kind) {
	case RK_TREE:
		r->p[0] = r->caller;
		r->p[1] = r->role;
		r->p[2] = r->period_id;
		r->p[3] = r->has_team ? r->team_id : NULL;
		r->p[4] = r->has_depth ? r->depth : NULL;
		req_stream(req, r->has_team ? ST_TREE_TEAM : ST_TREE_ORG, 5,
		    r->p, "objectives", &FS_TREE_NODE, tree_objectives_done);
		break;
	case RK_HEALTH:
		r->p[0] = r->period_id;
		r->p[1] = r->has_team ? r->team_id : NULL;
		req_stream(req, ST_HEALTH, 2, r->p, "teams", &FS_HEALTH,
		    rollup_done);
		break;
	case RK_REVIEW:
		r->p[0] = r->caller;
		r->p[1] = r->role;
		r->p[2] = r->period_id;
		r->p[3] = r->has_team ? r->team_id : NULL;
		req_stream(req, ST_REVIEW, 4, r->p, "items", &FS_REVIEW,
		    rollup_done);
		break;
	}
}

/* The arguments every roll-up op takes: period, team (and depth). */
static void
rollup_start(struct request *req, enum rollup_kind kind)
{
	struct mp_reader *a = &req->args;
	const char *period = NULL, *team = NULL;
	int64_t depth = 0;
	bool has_depth = false;
	struct rollup *r;

	mp_get_str(a, "period", MP_OPTIONAL, 1, ROLLUP_NAME_MAX, &period);
	mp_get_str(a, "team", MP_OPTIONAL, 1, ROLLUP_NAME_MAX, &team);
	if (kind == RK_TREE)
		has_depth = mp_get_int(a, "depth", MP_OPTIONAL, 1,
		    ROLLUP_DEPTH_MAX, &depth);
	if (!req_args_done(req))
		return;
	r = xcalloc(1, sizeof *r);
	req->state = r;
	req->state_free = free;
	r->kind = kind;
	caller_text(req, r->caller, r->role);
	r->period_arg = period;
	r->team_arg = team;
	r->has_team = team != NULL;
	r->has_depth = has_depth;
	snprintf(r->depth, sizeof r->depth, "%lld", (long long)depth);
	r->p[0] = period;
	r->p[1] = team;
	req_db(req, ST_ROLLUP_CTX, 2, r->p, on_rollup_ctx);
}

void
op_tree(struct request *req)
{
	rollup_start(req, RK_TREE);
}

void
op_health(struct request *req)
{
	rollup_start(req, RK_HEALTH);
}

void
op_review(struct request *req)
{
	rollup_start(req, RK_REVIEW);
}

static void
due_done(struct request *req)
{
	rollup_finish(req, NULL);
}

/* What is due for the caller, across periods: no arguments. */
void
op_due(struct request *req)
{
	struct rollup *r;

	if (!req_args_done(req))
		return;
	r = xcalloc(1, sizeof *r);
	req->state = r;
	req->state_free = free;
	caller_text(req, r->caller, r->role);
	r->p[0] = r->caller;
	req_stream(req, ST_DUE, 1, r->p, "items", &FS_DUE, due_done);
}
