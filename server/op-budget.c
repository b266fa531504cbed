/*
 * op-budget.c: user.budget, an admin lifting or restoring one user's
 * write budgets (sql/023; docs/rules.md, "Write budgets").  Admin only
 * (the op table); audited in the same statement as the change.
 */
#include <stdbool.h>

#include "change.h"
#include "fields.h"
#include "op.h"

static void
on_budget(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct rowpack rp;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "login", "no such user");
		return;
	}
	if (!rowpack_init(&rp, &FS_USER_BUDGET, res)) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	rowpack_row(req_result(req), &rp, 0, 0);
	req_reply(req);
}

/* user.budget {login, lifted}: lifted true exempts the user from every
 * budget, false applies them again. */
void
op_user_budget(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *login;
	bool lifted = false;
	char caller[24], role[16];

	mp_get_str(a, "login", MP_REQUIRED, 1, 200, &login);
	mp_get_bool(a, "lifted", MP_REQUIRED, &lifted);
	if (!req_args_done(req))
		return;
	caller_text(req, caller, role);
	/* Parameters are copied by req_db: locals will do. */
	const char *p[3] = { caller, login, lifted ? "true" : "false" };
	req_db(req, ST_USER_BUDGET, 3, p, on_budget);
}
