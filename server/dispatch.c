/*
 * dispatch.c: the op table, and the checks every op gets in one place:
 * hello first, a live session, the admin role, then the handler.
 */
#include <string.h>

#include "log.h"
#include "op.h"
#include "server.h"

static const struct op ops[] = {
	{ "hello",		op_hello,		OP_NO_HELLO },
	{ "ping",		op_ping,		0 },
	{ "session.login",	op_session_login,	OP_WRITE },
	{ "session.resume",	op_session_resume,	0 },
	{ "session.logout",	op_session_logout,	OP_SESSION | OP_WRITE },
	{ "session.whoami",	op_session_whoami,	OP_SESSION },
	{ "user.create",	op_user_create,
	    OP_SESSION | OP_ADMIN | OP_WRITE },
	{ "user.list",		op_user_list,		OP_SESSION },
	{ "user.get",		op_user_get,		OP_SESSION },
	{ "user.set_role",	op_user_set_role,
	    OP_SESSION | OP_ADMIN | OP_WRITE },
	{ "user.disable",	op_user_disable,
	    OP_SESSION | OP_ADMIN | OP_WRITE },
	{ "user.enable",	op_user_enable,
	    OP_SESSION | OP_ADMIN | OP_WRITE },
	{ "user.budget",	op_user_budget,
	    OP_SESSION | OP_ADMIN | OP_WRITE },
	{ "user.set_password",	op_user_set_password,
	    OP_SESSION | OP_WRITE },

	{ "team.create",	op_team_create,	OP_SESSION | OP_ADMIN | OP_WRITE },
	{ "team.list",		op_team_list,		OP_SESSION },
	{ "team.get",		op_team_get,		OP_SESSION },
	{ "team.move",		op_team_move,	OP_SESSION | OP_ADMIN | OP_WRITE },
	{ "team.rename",	op_team_rename,	OP_SESSION | OP_ADMIN | OP_WRITE },
	{ "team.remove",	op_team_remove,	OP_SESSION | OP_ADMIN | OP_WRITE },
	{ "team.add_member",	op_team_add_member,	OP_SESSION | OP_WRITE },
	{ "team.remove_member",	op_team_remove_member,	OP_SESSION | OP_WRITE },

	{ "period.create",	op_period_create,
	    OP_SESSION | OP_ADMIN | OP_WRITE },
	{ "period.list",	op_period_list,		OP_SESSION },
	{ "period.set_state",	op_period_set_state,
	    OP_SESSION | OP_ADMIN | OP_WRITE },
	{ "period.close",	op_period_close,
	    OP_SESSION | OP_ADMIN | OP_WRITE },
	{ "period.carry",	op_period_carry,	OP_SESSION | OP_WRITE },
	{ "retro.set",		op_retro_set,		OP_SESSION | OP_WRITE },
	{ "retro.get",		op_retro_get,		OP_SESSION },

	{ "settings.get",	op_settings_get,	OP_SESSION },
	{ "settings.set",	op_settings_set,
	    OP_SESSION | OP_ADMIN | OP_WRITE },
	{ "audit.list",		op_audit_list,		OP_SESSION | OP_ADMIN },

	{ "objective.create",	op_objective_create,	OP_SESSION | OP_WRITE },
	{ "objective.list",	op_objective_list,	OP_SESSION },
	{ "objective.get",	op_objective_get,	OP_SESSION },
	{ "objective.update",	op_objective_update,	OP_SESSION | OP_WRITE },
	{ "objective.align",	op_objective_align,	OP_SESSION | OP_WRITE },
	{ "objective.unalign",	op_objective_unalign,	OP_SESSION | OP_WRITE },
	{ "objective.archive",	op_objective_archive,	OP_SESSION | OP_WRITE },
	{ "objective.grant",	op_objective_grant,	OP_SESSION | OP_WRITE },
	{ "objective.revoke",	op_objective_revoke,	OP_SESSION | OP_WRITE },
	{ "objective.grade",	op_objective_grade,	OP_SESSION | OP_WRITE },

	{ "kr.create",		op_kr_create,		OP_SESSION | OP_WRITE },
	{ "kr.get",		op_kr_get,		OP_SESSION },
	{ "kr.update",		op_kr_update,		OP_SESSION | OP_WRITE },
	{ "kr.remove",		op_kr_remove,		OP_SESSION | OP_WRITE },
	{ "kr.checkin",		op_kr_checkin,		OP_SESSION | OP_WRITE },
	{ "kr.history",		op_kr_history,		OP_SESSION },
	{ "kpi.create",		op_kpi_create,		OP_SESSION | OP_WRITE },
	{ "kpi.update",		op_kpi_update,		OP_SESSION | OP_WRITE },
	{ "kpi.archive",	op_kpi_archive,		OP_SESSION | OP_WRITE },
	{ "kpi.get",		op_kpi_get,		OP_SESSION },
	{ "kpi.list",		op_kpi_list,		OP_SESSION },
	{ "kpi.history",	op_kpi_history,		OP_SESSION },
	{ "kpi.record",		op_kpi_record,		OP_SESSION | OP_WRITE },

	{ "roi.set",		op_roi_set,		OP_SESSION | OP_WRITE },
	{ "roi.get",		op_roi_get,		OP_SESSION },

	{ "team.framework",	op_team_framework,	OP_SESSION | OP_WRITE },
	{ "objective.guard",	op_objective_guard,	OP_SESSION | OP_WRITE },
	{ "objective.unguard",	op_objective_unguard,	OP_SESSION | OP_WRITE },
	{ "assessment.questions", op_assessment_questions, OP_SESSION },
	{ "assessment.create",	op_assessment_create,	OP_SESSION | OP_WRITE },
	{ "assessment.get",	op_assessment_get,	OP_SESSION },
	{ "assessment.set_weight", op_assessment_set_weight,
	    OP_SESSION | OP_ADMIN | OP_WRITE },
	{ "export",		op_export,		OP_SESSION },
	{ "import.begin",	op_import_begin,
	    OP_SESSION | OP_ADMIN | OP_WRITE },
	{ "import.rows",	op_import_rows,	OP_SESSION | OP_ADMIN | OP_WRITE },
	{ "import.commit",	op_import_commit,
	    OP_SESSION | OP_ADMIN | OP_WRITE },
	{ "import.abort",	op_import_abort,
	    OP_SESSION | OP_ADMIN | OP_WRITE },

	{ "tree",		op_tree,		OP_SESSION },
	{ "health",		op_health,		OP_SESSION },
	{ "review",		op_review,		OP_SESSION },
	{ "due",		op_due,			OP_SESSION },
};

const struct op *
op_find(const char *name)
{
	for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
		if (strcmp(ops[i].name, name) == 0)
			return &ops[i];
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
