/*
 * dispatch.c: the op table, and the checks every op gets in one place:
 * hello first, a live session (an API token's checked again before every
 * op), the token's scopes (scope.c), the admin role, then the handler.  Each
 * entity's file holds its ops (kr.c's kr_ops ...), gathered here.
 */
#include <string.h>

#include "cache.h"
#include "assessment.h"
#include "comment.h"
#include "contributor.h"
#include "export.h"
#include "feed.h"
#include "grade.h"
#include "hook.h"
#include "notify.h"
#include "guardrail.h"
#include "import.h"
#include "kpi.h"
#include "kr.h"
#include "log.h"
#include "mpack.h"
#include "objective.h"
#include "op.h"
#include "period.h"
#include "reading.h"
#include "retro.h"
#include "roi.h"
#include "rollup.h"
#include "server.h"
#include "session.h"
#include "signoff.h"
#include "settings.h"
#include "scope.h"
#include "source.h"
#include "inbox.h"
#include "watch.h"
#include "team.h"
#include "token.h"
#include "user.h"

/* The entity tables, each ended by a NULL name (one line per entity
 * file). */
static const struct op *const entity_ops[] = {
	kr_ops,
	export_ops,
	import_ops,
	kpi_ops,
	reading_ops,
	user_ops,
	session_ops,
	team_ops,
	rollup_ops,
	objective_ops,
	signoff_ops,
	contributor_ops,
	guardrail_ops,
	grade_ops,
	period_ops,
	retro_ops,
	settings_ops,
	roi_ops,
	assessment_ops,
	feed_ops,
	token_ops,
	source_ops,
	watch_ops,
	inbox_ops,
	comment_ops,
	notify_ops,
	hook_ops,
};

/* Every op name once: checked at the first look-up (start-up's first
 * request), as the statement table is checked when it is gathered. */
static void
ops_check(void)
{
	static bool done;
	const struct op *a, *b;
	size_t n = sizeof entity_ops / sizeof *entity_ops;

	if (done)
		return;
	for (size_t t = 0; t < n; t++)
		for (a = entity_ops[t]; a->name != NULL; a++) {
			for (size_t u = t; u < n; u++)
				for (b = u == t ? a + 1 : entity_ops[u];
				    b->name != NULL; b++)
					if (strcmp(a->name, b->name) == 0)
						fatalx("op %s is declared "
						    "twice", a->name);
		}
	done = true;
}

const struct op *
op_find(const char *name)
{
	const struct op *op;

	ops_check();
	for (size_t t = 0; t < sizeof entity_ops / sizeof *entity_ops; t++)
		for (op = entity_ops[t]; op->name != NULL; op++)
			if (strcmp(op->name, name) == 0)
				return op;
	return NULL;
}

static void
run(struct request *req)
{
	const struct op *op = req->op;
	struct session *s = &req->conn->sess;

	/* An API token's connection: only what its scopes allow (scope.h),
	 * and then only what its owner may. */
	if ((op->flags & OP_SESSION) && s->token_id != 0 &&
	    !scope_allows(s->scopes, op->name, (op->flags & OP_WRITE) != 0)) {
		char names[64];

		scope_names(s->scopes, names, sizeof names);
		req_fail(req, E_FORBIDDEN, NULL, "this token's scopes (%s) do "
		    "not allow %s", names, op->name);
		return;
	}
	if ((op->flags & OP_ADMIN) && s->role != ROLE_ADMIN) {
		req_fail(req, E_FORBIDDEN, NULL, "%s needs the admin role",
		    op->name);
		return;
	}
	if (!mp_reader_init(&req->args, req->args_obj)) {
		req_fail_args(req);
		return;
	}
	op->fn(req);
}

/* A token's re-check came back. */
static void
on_token_check(void *arg, const PGresult *res)
{
	struct request *req = arg;

	if (token_recheck(req, res))
		run(req);
}

/* The session re-check came back. */
static void
on_session_check(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct session *s = &req->conn->sess;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		s->valid = false;
		req_fail(req, E_AUTH, NULL, "session expired or revoked: "
		    "log in again");
		return;
	}
	s->role = role_parse(row_text(res, 0, "role"));
	s->checked_ms = now_ms();
	s->stale = false;
	cache_session_checked(s);
	run(req);
}

void
dispatch(struct request *req)
{
	struct conn *c = req->conn;
	struct session *s = &c->sess;
	const struct op *op;

	if (req->preset != E_OK) {
		req_fail(req, req->preset, NULL, "%s", req->preset_msg);
		return;
	}
	/* Stopping (issue 6 item 9): a request not started yet is answered,
	 * in order, without running it.  (After decoding: the answer needs
	 * the request's id.) */
	if (c->srv->stopping) {
		req_fail(req, E_UNAVAILABLE, NULL, "server shutting down");
		return;
	}
	op = op_find(req->op_name);
	if (!c->hello_done && (op == NULL || !(op->flags & OP_NO_HELLO))) {
		req->close_after = true;
		req_fail(req, E_PROTO, NULL, "the first request must be hello");
		return;
	}
	if (op == NULL) {
		/* Echoed only when it is UTF-8: the message is a msgpack
		 * str, and a strict client refuses one that is not. */
		if (mp_utf8_valid(req->op_name, strlen(req->op_name)))
			req_fail(req, E_UNKNOWN_OP, NULL, "unknown op '%s'",
			    req->op_name);
		else
			req_fail(req, E_UNKNOWN_OP, NULL, "unknown op (its "
			    "name is not UTF-8)");
		return;
	}
	req->op = op;
	if (!(op->flags & OP_SESSION)) {
		run(req);
		return;
	}
	if (!s->valid) {
		req_fail(req, E_AUTH, NULL, "not logged in");
		return;
	}
	/* A token is checked again before every op, so that its removal,
	 * its expiry and its owner's disabling hold at once on every
	 * cairnd (docs/operations.md, "API tokens"). */
	if (s->token_id != 0) {
		(void)token_check(req, on_token_check);
		return;
	}
	/* The session is cached on the connection and checked against the
	 * database again when a change anywhere made it stale (cache.h: a
	 * NOTIFY from the writer's transaction), when the invalidations
	 * cannot be heard, at its expiry, and at the latest each
	 * session_recheck seconds. */
	if (!cache_session_fresh(s) || now_ms() - s->checked_ms >=
	    (uint64_t)c->srv->cf->session_recheck * 1000) {
		(void)session_check(req, s->token_hex, on_session_check);
		return;
	}
	run(req);
}
