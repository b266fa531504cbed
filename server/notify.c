/*
 * notify.c: notification preferences and scheduled runs (issue 16), in
 * one place: notify.show and notify.set (each user their own: where mail
 * goes, reminders, digest, alerts, and mentions -- a mention, a sign-off
 * request or decision: person to person, kept apart from the alerts so
 * that turning those off silences no one writing to you -- each on by
 * default) and notify.run (an admin sends what a schedule would send,
 * now: reminders, digest, or the alert sweep).  The rules of who gets what are sql/logic/notify.sql's;
 * sending is notifyrun.c's.
 */
#include <stdio.h>
#include <string.h>

#include "change.h"
#include "fields.h"
#include "mail.h"
#include "notify.h"
#include "notifyrun.h"
#include "op.h"
#include "sql-cols.h"

static const struct field prefs_f[] = {
	{ "login", F_STR }, { "email", F_STR }, { "reminders", F_BOOL },
	{ "digest", F_BOOL }, { "alerts", F_BOOL }, { "mentions", F_BOOL },
};
static const struct fieldset FS_NOTIFY_PREFS = FIELDSET("preferences",
    prefs_f);

static const struct field run_f[] = { { "written", F_INT } };
static const struct fieldset FS_NOTIFY_RUN = FIELDSET("run", run_f);

#define PREFS_COLS(p)							\
	" u.login, " p "email, coalesce(" p "reminders, true) AS reminders,"\
	" coalesce(" p "digest, true) AS digest,"			\
	" coalesce(" p "alerts, true) AS alerts,"			\
	" coalesce(" p "mentions, true) AS mentions"

const stmt_table notify_stmts = {
	[ST_NOTIFY_SHOW] = { .name = "notify_show", .kind = STMT_READ,
	    .params = "caller",
	    .sql = "SELECT" PREFS_COLS("p.") " FROM users u"
	    " LEFT JOIN notify_prefs p ON p.user_id = u.id"
	    " WHERE u.id = $caller::bigint",
	    .returns = &FS_NOTIFY_PREFS },

	/* Each NULL: kept (or the default); email '': none. */
	[ST_NOTIFY_SET] = { .name = "notify_set", .kind = STMT_WRITE,
	    .params = "caller email reminders digest alerts mentions",
	    .sql = "WITH b AS (SELECT to_jsonb(x) j FROM notify_prefs x"
	    " WHERE user_id = $caller::bigint),"
	    " p AS (INSERT INTO notify_prefs AS n (user_id, email, reminders,"
	    " digest, alerts, mentions) VALUES ($caller::bigint,"
	    " nullif($email::text, ''), coalesce($reminders::boolean, true),"
	    " coalesce($digest::boolean, true),"
	    " coalesce($alerts::boolean, true),"
	    " coalesce($mentions::boolean, true))"
	    " ON CONFLICT (user_id) DO UPDATE SET"
	    " email = CASE WHEN $email::text IS NULL THEN n.email"
	    " ELSE nullif($email::text, '') END,"
	    " reminders = coalesce($reminders::boolean, n.reminders),"
	    " digest = coalesce($digest::boolean, n.digest),"
	    " alerts = coalesce($alerts::boolean, n.alerts),"
	    " mentions = coalesce($mentions::boolean, n.mentions)"
	    " RETURNING *),"
	    AUDIT_NAMED("notify.set", "notify", "p.user_id", "(SELECT j FROM b)",
	    "to_jsonb(p)", "p")
	    " SELECT" PREFS_COLS("p.") " FROM p JOIN users u"
	    " ON u.id = p.user_id",
	    .returns = &FS_NOTIFY_PREFS },

	/* $what: reminders, digest or alerts (checked by the caller). */
	[ST_NOTIFY_RUN] = { .name = "notify_run", .kind = STMT_WRITE,
	    .params = "caller what",
	    .sql = "WITH r AS (SELECT CASE $what::text"
	    " WHEN 'reminders' THEN notify_reminders()"
	    " WHEN 'digest' THEN notify_digest()"
	    " WHEN 'alerts' THEN alert_sweep() END AS written),"
	    AUDIT_NAMED("notify.run", "notify_run", "0", "NULL",
	    "jsonb_build_object('what', $what::text, 'written', r.written)",
	    "r")
	    " SELECT written FROM r",
	    .returns = &FS_NOTIFY_RUN },
};

static const struct op_arg no_args[] = { A_END };
static const struct op_arg set_args[] = {
	A_STR("email", false, 0, MAIL_ADDR_MAX), A_BOOL("reminders", false),
	A_BOOL("digest", false), A_BOOL("alerts", false),
	A_BOOL("mentions", false), A_END
};
static const struct op_arg run_args[] = {
	A_STR("what", true, 1, 20), A_END
};

/* The preferences, and whether this cairnd sends mail at all. */
static void
on_prefs(void *arg, const PGresult *res)
{
	struct request *req = arg;
	const struct config *cf = req->conn->srv->cf;
	struct rowpack rp;
	msgpack_packer *pk;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1 || !rowpack_init(&rp, &FS_NOTIFY_PREFS, res)) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	pk = req_result(req);
	msgpack_pack_map(pk, 2);
	mp_pack_key(pk, "preferences");
	rowpack_row(pk, &rp, 0, 0);
	mp_kv_bool(pk, "mail", cf->smtp_host != NULL);
	req_reply(req);
}

static void
op_notify_show(struct request *req)
{
	char caller[24], role[16];
	struct stmt_params sp;

	if (!req_args_done(req))
		return;
	caller_text(req, caller, role);
	stmt_params_init(&sp, ST_NOTIFY_SHOW);
	sp_set(&sp, "caller", caller);
	(void)req_db_named(req, &sp, on_prefs);
}

static void
op_notify_set(struct request *req)
{
	const char *email = NULL;
	static const char *const names[] = { "reminders", "digest", "alerts",
	    "mentions" };
	enum { NPREFS = sizeof names / sizeof *names };
	bool b[NPREFS];
	bool given[NPREFS];
	char caller[24], role[16];
	struct stmt_params sp;

	(void)op_str(req, "email", &email);
	for (int i = 0; i < NPREFS; i++)
		given[i] = op_bool(req, names[i], &b[i]);
	if (!req_args_done(req))
		return;
	if (email != NULL && email[0] != '\0' && !mail_addr_ok(email)) {
		req_fail(req, E_INVALID, "email", "'%s' is not an address "
		    "(local@domain, no spaces; \"\" for none)", email);
		return;
	}
	caller_text(req, caller, role);
	stmt_params_init(&sp, ST_NOTIFY_SET);
	sp_set(&sp, "caller", caller);
	sp_set(&sp, "email", email);
	for (int i = 0; i < NPREFS; i++)
		sp_set(&sp, names[i], given[i] ? (b[i] ? "true" : "false") :
		    NULL);
	(void)req_db_named(req, &sp, on_prefs);
}

static void
on_run(void *arg, const PGresult *res)
{
	struct request *req = arg;
	msgpack_packer *pk;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	pk = req_result(req);
	msgpack_pack_map(pk, 2);
	mp_kv_str(pk, "what", reader_arg(req, "what"));
	mp_kv_int(pk, "written", PQntuples(res) == 1 ?
	    row_int(res, 0, "written") : 0);
	log_req(LOG_LVL_INFO, req, "'%s' ran %s", req->conn->sess.login,
	    reader_arg(req, "what"));
	notifyrun_kick(req->conn->srv->notify);
	req_reply(req);
}

static void
op_notify_run(struct request *req)
{
	static const char *const whats[] = { "reminders", "digest", "alerts",
	    NULL };
	const char *what = NULL;
	char caller[24], role[16];
	struct stmt_params sp;
	struct reader *r;

	(void)op_str(req, "what", &what);
	if (!req_args_done(req) || !check_choice(req, "what", what, whats))
		return;
	r = reader_new(req, 0);
	reader_set(r, "what", what);
	caller_text(req, caller, role);
	stmt_params_init(&sp, ST_NOTIFY_RUN);
	sp_set(&sp, "caller", caller);
	sp_set(&sp, "what", what);
	(void)req_db_named(req, &sp, on_run);
}

const struct op notify_ops[] = {
	{ .name = "notify.show", .fn = op_notify_show, .flags = OP_SESSION,
	    .args = no_args },
	{ .name = "notify.set", .fn = op_notify_set,
	    .flags = OP_SESSION | OP_WRITE, .args = set_args },
	{ .name = "notify.run", .fn = op_notify_run,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE, .args = run_args },
	{ .name = NULL }
};
