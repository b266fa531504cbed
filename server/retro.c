/*
 * retro.c: the retrospective entity, in one place (the layout of kr.c): a
 * team's notes for a period at the end of the review (docs/rules.md, "The
 * end of the review"), appended by retro.set and read by retro.get.  The
 * note's rules (not in a closed period, at most RETRO_MAX a team and
 * period) are checked here for the friendly error and again by
 * retros_check (sql/logic/retro.sql).
 */
#include <stdio.h>

#include "attr.h"
#include "change.h"
#include "op.h"
#include "retro.h"
#include "sql-cols.h"

#define RETRO_NOTE_MAX	4000	/* bytes of a note (the table: characters) */
#define RETRO_MAX	100	/* notes per team and period (retros_check) */

/* Reply objects and contexts. */

static const struct field retro_f[] = {
	{ "id", F_INT }, { "team", F_STR }, { "period", F_STR },
	{ "author", F_STR }, { "at", F_STR }, { "note", F_STR },
};
static const struct fieldset FS_RETRO = FIELDSET("retrospective note",
    retro_f);

static const struct field retro_ctx_f[] = {
	{ "team_id", F_HIDDEN }, { "period_id", F_HIDDEN },
	{ "period_state", F_HIDDEN }, { "private_team", F_HIDDEN },
	{ "lead_here", F_HIDDEN }, { "lead_above", F_HIDDEN },
	{ "member_here", F_HIDDEN }, { "notes", F_HIDDEN },
};
static const struct fieldset FS_RETRO_CTX = FIELDSET("team", retro_ctx_f);

/* team and period are the names asked for, whether found or not (the
 * refusal names them), so that the read needs no state of its own. */
static const struct field retro_show_f[] = {
	{ "team", F_STR }, { "period", F_STR }, { "notes", F_JSON },
	{ "team_id", F_HIDDEN }, { "period_id", F_HIDDEN },
	{ "readable", F_HIDDEN },
};
static const struct fieldset FS_RETRO_SHOW = FIELDSET("retrospective",
    retro_show_f);

/* A note (FS_RETRO), from retros n. */
#define RETRO_COLS							\
	"n.id AS id, (SELECT slug FROM teams WHERE id = n.team_id) AS team,"	\
	" (SELECT name FROM periods WHERE id = n.period_id) AS period,"	\
	" (SELECT login FROM users WHERE id = n.author_id) AS author,"	\
	" to_char(n.at AT TIME ZONE 'UTC',"				\
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS at, n.note AS note"

/* The statements, with their parameters by name (stmt.h); $key is the
 * team's slug. */
const stmt_table retro_stmts = {
	/* What retro.set checks. */
	[ST_RETRO_CTX] = { .name = "retro_ctx", .kind = STMT_READ,
	    .params = "key caller period",
	    .sql = "SELECT t.id AS team_id, p.id AS period_id,"
	    " p.state AS period_state, coalesce(t.private, false)"
	    " AS private_team, r.lead_here AS lead_here,"
	    " r.lead_above AS lead_above, r.member_here AS member_here,"
	    " (SELECT count(*) FROM retros x WHERE x.team_id = t.id"
	    " AND x.period_id = p.id) AS notes"
	    " FROM (SELECT 1) d LEFT JOIN teams t ON t.slug = $key"
	    " LEFT JOIN periods p ON p.name = $period"
	    " LEFT JOIN LATERAL team_relation($caller::bigint, t.id) r"
	    " ON true",
	    .returns = &FS_RETRO_CTX },

	/* team and period as the context's ids: the note appended
	 * (retros_check refuses it in a closed period or past the
	 * limit). */
	[ST_RETRO_ADD] = { .name = "retro_add", .kind = STMT_WRITE,
	    .params = "caller team period note idem_key idem_hash",
	    .sql = "WITH n AS (INSERT INTO retros (team_id, period_id,"
	    " author_id, note) VALUES ($team::bigint, $period::bigint,"
	    " $caller::bigint, $note) RETURNING *),"
	    AUDIT_NAMED("retro.set", "retro", "n.id", "NULL", "to_jsonb(n)",
	    "n")
	    "," IDEM_NAMED("retro.set", "n.id", "n")
	    " SELECT " RETRO_COLS " FROM n",
	    .returns = &FS_RETRO },

	/* A retry's reply. */
	[ST_RETRO_GET] = { .name = "retro_get", .kind = STMT_READ,
	    .params = "id caller role",
	    .sql = "SELECT " RETRO_COLS ", can_read_team($caller::bigint,"
	    " $role::text, n.team_id) AS readable FROM retros n"
	    " WHERE n.id = $id",
	    .returns = &FS_RETRO },

	/* The team's notes for the period, oldest first. */
	[ST_RETRO_SHOW] = { .name = "retro_show", .kind = STMT_READ,
	    .params = "team period caller role",
	    .sql = "SELECT t.id AS team_id, p.id AS period_id,"
	    " coalesce(t.slug, $team) AS team,"
	    " coalesce(p.name, $period) AS period,"
	    " coalesce(can_read_team($caller::bigint, $role::text, t.id),"
	    " false) AS readable,"
	    " (SELECT coalesce(json_agg(json_build_object('id', n.id,"
	    " 'author', u.login, 'at', to_char(n.at AT TIME ZONE 'UTC',"
	    " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), 'note', n.note)"
	    " ORDER BY n.id), '[]') FROM retros n"
	    " JOIN users u ON u.id = n.author_id"
	    " WHERE n.team_id = t.id AND n.period_id = p.id) AS notes"
	    " FROM (SELECT 1) d LEFT JOIN teams t ON t.slug = $team"
	    " LEFT JOIN periods p ON p.name = $period",
	    .returns = &FS_RETRO_SHOW },
};

/* The ops' arguments. */

static const struct op_arg set_args[] = {
	A_STR("team", true, 1, 40), A_STR("period", true, 1, 40),
	A_STR("note", true, 1, RETRO_NOTE_MAX), A_END
};
static const struct op_arg get_args[] = {
	A_STR("team", true, 1, 40), A_STR("period", true, 1, 40), A_END
};

/* retro.set: a note appended, in the team's context. ------------------ */

struct retro_new {
	const char	*period, *note;
};

static void
retro_ctx_args(struct change *c, struct stmt_params *sp)
{
	sp_set(sp, "period", ((struct retro_new *)c->arg)->period);
}

static bool MUST_CHECK
retro_found(struct change *c, const PGresult *ctx)
{
	struct retro_new *r = c->arg;

	return ctx_found(c, ctx, "team_id", "team", "team", c->key) &&
	    ctx_found(c, ctx, "period_id", "period", "period", r->period);
}

static bool MUST_CHECK
retro_check(struct change *c, const PGresult *ctx)
{
	if (row_int(ctx, 0, "notes") >= RETRO_MAX) {
		idem_fail_rule(c->req, "limit.retros", "team %s has %d "
		    "retrospective notes for this period: the most allowed",
		    c->key, RETRO_MAX);
		return false;
	}
	return true;
}

/* The team and period as the context found them. */
static void
retro_args(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	sp_set(sp, "team", row_text(ctx, 0, "team_id"));
	sp_set(sp, "period", row_text(ctx, 0, "period_id"));
	sp_set(sp, "note", ((struct retro_new *)c->arg)->note);
}

static const struct change_op retro_set = {
	.what = "team", .id_field = "team",
	.ctx = ST_RETRO_CTX, .ctx_args = retro_ctx_args,
	.found = retro_found, .act = ACT_RETRO, .period = PR_OPEN,
	.check = retro_check,
	.write = ST_RETRO_ADD, .args = retro_args,
	.reply = &FS_RETRO, .get = ST_RETRO_GET, .keyed = true,
};

static void
op_retro_set(struct request *req)
{
	struct retro_new r;
	const char *team;
	struct change *c;
	struct idem idem;

	(void)op_str(req, "team", &team);
	(void)op_str(req, "period", &r.period);
	(void)op_str(req, "note", &r.note);
	idem_read(req, &idem);
	if (!req_args_done(req))
		return;
	c = change_new(req, &retro_set, sizeof r);
	*(struct retro_new *)c->arg = r;
	c->idem = idem;
	change_run(c, team);
}

/* retro.get: the team's notes for the period.  The row names what was
 * asked for, so the callback needs no request state. ------------------ */

/* The statement's one row names a team the caller may read and a period;
 * else answered (a team the caller may not read as a missing one). */
static bool MUST_CHECK
retro_show_found(struct request *req, const PGresult *res)
{
	if (PQntuples(res) != 1)
		req_fail(req, E_INTERNAL, NULL, "internal error");
	else if (row_null(res, 0, "team_id") || !row_bool(res, 0, "readable"))
		req_fail(req, E_NOT_FOUND, "team", "no team '%s'",
		    row_text(res, 0, "team"));
	else if (row_null(res, 0, "period_id"))
		req_fail(req, E_NOT_FOUND, "period", "no period '%s'",
		    row_text(res, 0, "period"));
	else
		return true;
	return false;
}

static void
on_retro_show(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct rowpack rp;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (!retro_show_found(req, res))
		return;
	if (!rowpack_init(&rp, &FS_RETRO_SHOW, res)) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	rowpack_row(req_result(req), &rp, 0, 0);
	req_reply(req);
}

static void
op_retro_get(struct request *req)
{
	struct stmt_params sp;
	const char *team, *period;
	char caller[24], role[16];

	(void)op_str(req, "team", &team);
	(void)op_str(req, "period", &period);
	if (!req_args_done(req))
		return;
	/* Parameters are copied when the query is queued: locals will do. */
	caller_text(req, caller, role);
	stmt_params_init(&sp, ST_RETRO_SHOW);
	sp_set(&sp, "team", team);
	sp_set(&sp, "period", period);
	sp_set(&sp, "caller", caller);
	sp_set(&sp, "role", role);
	(void)req_db_named(req, &sp, on_retro_show);
}

/* The ops, gathered by dispatch.c. */
const struct op retro_ops[] = {
	{ .name = "retro.set", .fn = op_retro_set,
	    .flags = OP_SESSION | OP_WRITE, .args = set_args },
	{ .name = "retro.get", .fn = op_retro_get, .flags = OP_SESSION,
	    .args = get_args },
	{ .name = NULL }
};
