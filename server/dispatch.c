/*
 * dispatch.c: the op table, and the checks every op gets in one place:
 * hello first, a live session, the admin role, then the handler.  The
 * entities' own tables (kr.c's kr_ops ...) are gathered here; the ops not
 * yet moved to their entity's file are listed below.
 */
#include <string.h>

#include "assessment.h"
#include "kr.h"
#include "log.h"
#include "op.h"
#include "roi.h"
#include "server.h"

static const struct op *op_find_in(const char *, const struct op *, size_t);

static const struct op ops[] = {
	{ .name = "hello", .fn = op_hello,
	    .flags = OP_NO_HELLO },
	{ .name = "ping", .fn = op_ping,
	    .flags = 0 },
	{ .name = "session.login", .fn = op_session_login,
	    .flags = OP_WRITE },
	{ .name = "session.resume", .fn = op_session_resume,
	    .flags = 0 },
	{ .name = "session.logout", .fn = op_session_logout,
	    .flags = OP_SESSION | OP_WRITE },
	{ .name = "session.whoami", .fn = op_session_whoami,
	    .flags = OP_SESSION },
	{ .name = "user.create", .fn = op_user_create,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE },
	{ .name = "user.list", .fn = op_user_list,
	    .flags = OP_SESSION },
	{ .name = "user.get", .fn = op_user_get,
	    .flags = OP_SESSION },
	{ .name = "user.set_role", .fn = op_user_set_role,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE },
	{ .name = "user.disable", .fn = op_user_disable,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE },
	{ .name = "user.enable", .fn = op_user_enable,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE },
	{ .name = "user.budget", .fn = op_user_budget,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE },
	{ .name = "user.set_password", .fn = op_user_set_password,
	    .flags = OP_SESSION | OP_WRITE },

	{ .name = "team.create", .fn = op_team_create,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE },
	{ .name = "team.list", .fn = op_team_list,
	    .flags = OP_SESSION },
	{ .name = "team.get", .fn = op_team_get,
	    .flags = OP_SESSION },
	{ .name = "team.move", .fn = op_team_move,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE },
	{ .name = "team.rename", .fn = op_team_rename,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE },
	{ .name = "team.remove", .fn = op_team_remove,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE },
	{ .name = "team.add_member", .fn = op_team_add_member,
	    .flags = OP_SESSION | OP_WRITE },
	{ .name = "team.remove_member", .fn = op_team_remove_member,
	    .flags = OP_SESSION | OP_WRITE },

	{ .name = "period.create", .fn = op_period_create,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE },
	{ .name = "period.list", .fn = op_period_list,
	    .flags = OP_SESSION },
	{ .name = "period.set_state", .fn = op_period_set_state,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE },
	{ .name = "period.close", .fn = op_period_close,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE },
	{ .name = "period.carry", .fn = op_period_carry,
	    .flags = OP_SESSION | OP_WRITE },
	{ .name = "retro.set", .fn = op_retro_set,
	    .flags = OP_SESSION | OP_WRITE },
	{ .name = "retro.get", .fn = op_retro_get,
	    .flags = OP_SESSION },

	{ .name = "settings.get", .fn = op_settings_get,
	    .flags = OP_SESSION },
	{ .name = "settings.set", .fn = op_settings_set,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE },
	{ .name = "audit.list", .fn = op_audit_list,
	    .flags = OP_SESSION | OP_ADMIN },

	{ .name = "objective.create", .fn = op_objective_create,
	    .flags = OP_SESSION | OP_WRITE },
	{ .name = "objective.list", .fn = op_objective_list,
	    .flags = OP_SESSION },
	{ .name = "objective.get", .fn = op_objective_get,
	    .flags = OP_SESSION },
	{ .name = "objective.update", .fn = op_objective_update,
	    .flags = OP_SESSION | OP_WRITE },
	{ .name = "objective.align", .fn = op_objective_align,
	    .flags = OP_SESSION | OP_WRITE },
	{ .name = "objective.unalign", .fn = op_objective_unalign,
	    .flags = OP_SESSION | OP_WRITE },
	{ .name = "objective.archive", .fn = op_objective_archive,
	    .flags = OP_SESSION | OP_WRITE },
	{ .name = "objective.grant", .fn = op_objective_grant,
	    .flags = OP_SESSION | OP_WRITE },
	{ .name = "objective.revoke", .fn = op_objective_revoke,
	    .flags = OP_SESSION | OP_WRITE },
	{ .name = "objective.grade", .fn = op_objective_grade,
	    .flags = OP_SESSION | OP_WRITE },

	{ .name = "kpi.create", .fn = op_kpi_create,
	    .flags = OP_SESSION | OP_WRITE },
	{ .name = "kpi.update", .fn = op_kpi_update,
	    .flags = OP_SESSION | OP_WRITE },
	{ .name = "kpi.archive", .fn = op_kpi_archive,
	    .flags = OP_SESSION | OP_WRITE },
	{ .name = "kpi.get", .fn = op_kpi_get,
	    .flags = OP_SESSION },
	{ .name = "kpi.list", .fn = op_kpi_list,
	    .flags = OP_SESSION },
	{ .name = "kpi.history", .fn = op_kpi_history,
	    .flags = OP_SESSION },
	{ .name = "kpi.record", .fn = op_kpi_record,
	    .flags = OP_SESSION | OP_WRITE },

	{ .name = "objective.guard", .fn = op_objective_guard,
	    .flags = OP_SESSION | OP_WRITE },
	{ .name = "objective.unguard", .fn = op_objective_unguard,
	    .flags = OP_SESSION | OP_WRITE },
	{ .name = "export", .fn = op_export,
	    .flags = OP_SESSION },
	{ .name = "import.begin", .fn = op_import_begin,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE },
	{ .name = "import.rows", .fn = op_import_rows,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE },
	{ .name = "import.commit", .fn = op_import_commit,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE },
	{ .name = "import.abort", .fn = op_import_abort,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE },

	{ .name = "tree", .fn = op_tree,
	    .flags = OP_SESSION },
	{ .name = "health", .fn = op_health,
	    .flags = OP_SESSION },
	{ .name = "review", .fn = op_review,
	    .flags = OP_SESSION },
	{ .name = "due", .fn = op_due,
	    .flags = OP_SESSION },
};

/* The entity tables, each ended by a NULL name (one line per entity
 * file). */
static const struct op *const entity_ops[] = {
	kr_ops,
	roi_ops,
	assessment_ops,
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
			if (op_find_in(a->name, ops, sizeof ops / sizeof *ops))
				fatalx("op %s is declared twice", a->name);
			for (size_t u = t; u < n; u++)
				for (b = u == t ? a + 1 : entity_ops[u];
				    b->name != NULL; b++)
					if (strcmp(a->name, b->name) == 0)
						fatalx("op %s is declared "
						    "twice", a->name);
		}
	done = true;
}

static const struct op *
op_find_in(const char *name, const struct op *tab, size_t n)
{
	for (size_t i = 0; i < n && tab[i].name != NULL; i++)
		if (strcmp(tab[i].name, name) == 0)
			return &tab[i];
	return NULL;
}

const struct op *
op_find(const char *name)
{
	const struct op *op;

	ops_check();
	if ((op = op_find_in(name, ops, sizeof ops / sizeof *ops)) != NULL)
		return op;
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
		req_fail(req, E_UNKNOWN_OP, NULL, "unknown op '%s'",
		    req->op_name);
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
	/* The session is cached on the connection and re-checked against the
	 * database when stale (revoked or changed by this server) or older
	 * than session_recheck seconds (changes made by another server). */
	if (s->stale || now_ms() - s->checked_ms >=
	    (uint64_t)c->srv->cf->session_recheck * 1000) {
		char idle[16];
		const char *p[2] = { s->token_hex, idle };

		snprintf(idle, sizeof idle, "%d", c->srv->cf->session_idle);
		req_db(req, ST_SESSION_CHECK, 2, p, on_session_check);
		return;
	}
	run(req);
}
