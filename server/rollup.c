/*
 * rollup.c: the executive roll-up (issue 8), in one place: the reads
 * tree, health, review and due, with their argument schemas, their
 * statements (parameters and columns by name) and their reply rows.  The
 * database side, under sql/logic/: the read rule (teams_readable) and the
 * team tree in team.sql, team health, review_items and due_items in
 * review.sql, status and staleness in objective.sql and key_result.sql,
 * the stored progress the tree shows in rollup.sql.
 *
 * Each reads the organisation (or a team's subtree) in a few set-based
 * statements and streams the rows (stream.h): the tree its objectives then
 * its teams, the others one set each.  The period is the one named, else
 * the active one containing today (period_default); the team narrows to
 * its subtree.  First one statement finds both (rollup_ctx), kept with
 * the request (req->kept[0]) for the sets that follow: no state of the
 * op's own.  The final result carries the period and server_ms, the time
 * from dispatch to the final frame (for make bench).
 */
#include <stdio.h>
#include <string.h>

#include "change.h"
#include "op.h"
#include "rollup.h"
#include "row.h"
#include "sql.h"
#include "stream.h"

/* Reply rows.  A tree node the caller may not read comes with its id,
 * title and the rest NULL (packed as nil): only depth, progress and
 * weight are real. */

static const struct field rollup_ctx_f[] = {
	{ "period_id", F_HIDDEN }, { "period", F_HIDDEN },
	{ "team_id", F_HIDDEN },
};
static const struct fieldset FS_ROLLUP_CTX = FIELDSET("period",
    rollup_ctx_f);

static const struct field tree_node_f[] = {
	{ "id", F_INT }, { "parent", F_INT }, { "depth", F_INT },
	{ "hidden", F_BOOL }, { "title", F_STR }, { "team", F_STR },
	{ "owner", F_STR }, { "progress", F_NUM }, { "weight", F_NUM },
	{ "expected", F_NUM }, { "status", F_STR }, { "stale", F_BOOL },
	{ "guardrail_breach", F_BOOL }, { "forecast", F_JSON },
	{ "signoff", F_STR },
};
static const struct fieldset FS_TREE_NODE = FIELDSET("objective",
    tree_node_f);

static const struct field tree_team_f[] = {
	{ "slug", F_STR }, { "parent", F_STR }, { "depth", F_INT },
	{ "progress", F_NUM }, { "objectives", F_INT }, { "limit", F_INT },
	{ "kpis", F_JSON }, { "health", F_INT }, { "weakest", F_STR },
};
static const struct fieldset FS_TREE_TEAM = FIELDSET("team", tree_team_f);

static const struct field health_f[] = {
	{ "team", F_STR }, { "score", F_INT }, { "parts", F_JSON },
	{ "weakest", F_STR },
};
static const struct fieldset FS_HEALTH = FIELDSET("health", health_f);

static const struct field review_f[] = {
	{ "kind", F_STR }, { "team", F_STR }, { "owner", F_STR },
	{ "id", F_INT }, { "message", F_STR },
};
static const struct fieldset FS_REVIEW = FIELDSET("review item", review_f);

static const struct field due_f[] = {
	{ "kind", F_STR }, { "id", F_INT }, { "team", F_STR },
	{ "period", F_STR }, { "title", F_STR }, { "last", F_STR },
	{ "message", F_STR },
};
static const struct fieldset FS_DUE = FIELDSET("due item", due_f);

/* The statements, with their parameters by name (stmt.h). */

#define ROLLUP_LIVE(o)	" " o ".period_id = $period AND NOT " o ".archived"
/*
 * What the caller reads: the teams (rt) and the objectives contributed
 * to (ct), joined (not IN (subquery): r is expanded in each column that
 * uses it, and each copy of a hashed subplan is built again).
 */
#define TREE_READABLE							\
	" rt AS MATERIALIZED (SELECT id FROM teams_readable($caller,"	\
	" $role::text)),"						\
	" ct AS MATERIALIZED (SELECT objective_id"			\
	" FROM objective_contributors WHERE user_id = $caller),"
/* What both forms of the tree return, from n (the nodes, r: readable).
 * A readable node's parent is named only when the caller may read it too
 * (docs/rules.md: a link to what the caller may not read shows no id).
 * owner is the owner's login and po the parent's (id, team_id), each
 * looked up as suits the form: the organisation's by one hash join over
 * all users and objectives, one team's by index, row by row (OFFSET 0
 * keeps the planner from hashing all 100,000 objectives for a hundred,
 * which it chooses from the recursion's guessed size). */
#define TREE_SELECT(owner, po)						\
	" SELECT CASE WHEN n.r THEN n.id END AS id,"			\
	" CASE WHEN n.r AND (prt.id IS NOT NULL"			\
	" OR pct.objective_id IS NOT NULL) THEN n.parent_id END AS parent,"	\
	" n.depth AS depth, NOT n.r AS hidden,"				\
	" CASE WHEN n.r THEN n.title END AS title,"			\
	" CASE WHEN n.r THEN t.slug END AS team,"			\
	" CASE WHEN n.r THEN " owner " END AS owner,"			\
	" n.progress AS progress, n.weight AS weight,"			\
	" CASE WHEN n.r THEN pe.e END AS expected,"			\
	" CASE WHEN n.r THEN objective_status(n.progress, pe.e,"	\
	" ks.conf, pe.off_pct, pe.risk_pct, pe.off_conf, pe.risk_conf)"	\
	" END AS status,"						\
	" CASE WHEN n.r THEN coalesce(ks.stale, false) END AS stale,"	\
	" CASE WHEN n.r THEN gb.objective_id IS NOT NULL END"		\
	" AS guardrail_breach,"						\
	" CASE WHEN n.r AND n.forecast IS NOT NULL THEN"		\
	" json_build_object('progress', n.forecast, 'n_krs',"		\
	" n.forecast_n) END AS forecast,"				\
	" CASE WHEN n.r THEN n.signoff END AS signoff"			\
	" FROM n CROSS JOIN pe JOIN teams t ON t.id = n.team_id"	\
	" LEFT JOIN ks ON ks.objective_id = n.id"			\
	" LEFT JOIN gb ON gb.objective_id = n.id " po			\
	" LEFT JOIN rt prt ON prt.id = po.team_id"			\
	" LEFT JOIN ct pct ON pct.objective_id = po.id"			\
	" ORDER BY n.path"
#define TREE_COLS(o)							\
	o ".id, " o ".parent_id, " o ".team_id, " o ".owner_id, "	\
	o ".title, " o ".progress, " o ".weight, " o ".forecast, "	\
	o ".forecast_n, " o ".signoff"
/* The period's expected progress and the roll-up settings. */
#define TREE_PE								\
	" pe AS (SELECT x.state, period_expected(x.id, now()) AS e,"	\
	" cf.* FROM periods x, rollup_settings cf WHERE x.id = $period),"
/* The key results' staleness and least confidence per objective. */
#define TREE_KS(krs, where)						\
	" ks AS (SELECT k.objective_id,"				\
	" bool_or(kr_stale(k.checked_at, k.created_at, pe.state,"	\
	" pe.stale_days)) AS stale, min(k.confidence) AS conf"		\
	" FROM " krs ", pe WHERE NOT k.removed" where			\
	" GROUP BY k.objective_id),"
#define TREE_DEPTH	"least(coalesce($depth::integer, 1000), 1000)"

const stmt_table rollup_stmts = {
	/* What the roll-up ops read by: the period named (NULL: the
	 * default period) and the team (NULL: none). */
	[ST_ROLLUP_CTX] = { .name = "rollup_ctx", .kind = STMT_READ,
	    .lag_ok = true,
	    .params = "period team",
	    .sql = "SELECT p.id AS period_id, p.name AS period,"
	    " t.id AS team_id"
	    " FROM (SELECT 1) d LEFT JOIN periods p ON p.id = CASE"
	    " WHEN $period::text IS NULL THEN period_default()"
	    " ELSE (SELECT x.id FROM periods x WHERE x.name = $period) END"
	    " LEFT JOIN teams t ON t.slug = $team::text",
	    .returns = &FS_ROLLUP_CTX },

	/* The whole organisation: the period's objectives whose parent is
	 * none, archived or of another period, in preorder.  The recursion
	 * carries only the ids and the path, joined against the period's
	 * (id, parent) pairs read once (lo), not probed row by row through
	 * the index; the rows are joined back by hash once, and the key
	 * results are aggregated in one pass restricted to lo by a hashed
	 * semi-join (issue 8, "Performance").  An objective the caller may
	 * not read keeps only its depth, progress and weight
	 * (docs/rules.md, "Reading"). */
	[ST_TREE_ORG] = { .name = "tree_org", .kind = STMT_READ,
	    .lag_ok = true,
	    .params = "caller role period depth",
	    .sql = "WITH RECURSIVE"
	    TREE_READABLE
	    " lo AS MATERIALIZED (SELECT o.id, o.parent_id FROM objectives o"
	    " WHERE" ROLLUP_LIVE("o") "),"
	    " tr (id, depth, path) AS (SELECT lo.id, 1, ARRAY[lo.id] FROM lo"
	    " WHERE NOT EXISTS (SELECT 1 FROM lo q WHERE q.id = lo.parent_id)"
	    " UNION ALL SELECT c.id, tr.depth + 1, tr.path || c.id"
	    " FROM tr JOIN lo c ON c.parent_id = tr.id"
	    " WHERE tr.depth < " TREE_DEPTH "),"
	    TREE_PE
	    TREE_KS("key_results k", " AND k.objective_id IN (SELECT id FROM lo)")
	    " gb AS (SELECT DISTINCT g.objective_id"
	    " FROM objective_guardrails g JOIN kpi_status s"
	    " ON s.kpi_id = g.kpi_id WHERE s.health = 'red'"
	    " AND s.team_id IN (SELECT id FROM rt)),"
	    " n AS (SELECT " TREE_COLS("o") ", tr.depth, tr.path,"
	    " (rt.id IS NOT NULL OR ct.objective_id IS NOT NULL) AS r"
	    " FROM tr JOIN objectives o ON o.id = tr.id"
	    " LEFT JOIN rt ON rt.id = o.team_id"
	    " LEFT JOIN ct ON ct.objective_id = o.id)"
	    TREE_SELECT("u.login", "JOIN users u ON u.id = n.owner_id"
	    " LEFT JOIN objectives po ON po.id = n.parent_id"),
	    .returns = &FS_TREE_NODE },

	/* One team: its objectives not below another of its objectives,
	 * and their subtrees (in its sub-teams).  The recursion carries the
	 * columns shown, so that no row is looked up again.  The key
	 * results and guardrails are read node by node through their index
	 * (OFFSET 0 keeps the planner from turning that into a scan of
	 * them all, which it estimates cheaper from the recursion's guessed
	 * size). */
	[ST_TREE_TEAM] = { .name = "tree_team", .kind = STMT_READ,
	    .lag_ok = true,
	    .params = "caller role period team depth",
	    .sql = "WITH RECURSIVE"
	    TREE_READABLE
	    " tr (id, parent_id, team_id, owner_id, title, progress, weight,"
	    " forecast, forecast_n, signoff, depth, path) AS (SELECT " TREE_COLS("o") ", 1, ARRAY[o.id]"
	    " FROM objectives o WHERE" ROLLUP_LIVE("o")
	    " AND o.team_id = $team AND NOT EXISTS (SELECT 1"
	    " FROM objectives q WHERE q.id = o.parent_id"
	    " AND q.team_id = $team AND" ROLLUP_LIVE("q") ")"
	    " UNION ALL SELECT " TREE_COLS("c") ", tr.depth + 1,"
	    " tr.path || c.id"
	    " FROM tr JOIN objectives c ON c.parent_id = tr.id"
	    " WHERE" ROLLUP_LIVE("c") " AND tr.depth < " TREE_DEPTH "),"
	    TREE_PE
	    TREE_KS("tr CROSS JOIN LATERAL (SELECT * FROM key_results kk"
	    " WHERE kk.objective_id = tr.id OFFSET 0) k", "")
	    " gb AS (SELECT DISTINCT g.objective_id FROM tr"
	    " JOIN objective_guardrails g ON g.objective_id = tr.id"
	    " CROSS JOIN LATERAL (SELECT x.health, x.team_id FROM kpi_status x"
	    " WHERE x.kpi_id = g.kpi_id OFFSET 0) s"
	    " WHERE s.health = 'red' AND s.team_id IN (SELECT id FROM rt)),"
	    " n AS (SELECT tr.*, (rt.id IS NOT NULL"
	    " OR ct.objective_id IS NOT NULL) AS r FROM tr"
	    " LEFT JOIN rt ON rt.id = tr.team_id"
	    " LEFT JOIN ct ON ct.objective_id = tr.id)"
	    TREE_SELECT("(SELECT x.login FROM users x WHERE x.id = n.owner_id)",
	    "LEFT JOIN LATERAL (SELECT x.id, x.team_id FROM objectives x"
	    " WHERE x.id = n.parent_id OFFSET 0) po ON true"),
	    .returns = &FS_TREE_NODE },

	/* The team tree (team NULL: the organisation's) in preorder, each
	 * team's mean progress, objectives against the limit, KPIs by
	 * health and framework health. */
	[ST_TREE_TEAMS] = { .name = "tree_teams", .kind = STMT_READ,
	    .lag_ok = true,
	    .params = "period team depth",
	    .sql = "SELECT t.slug AS slug, p.slug AS parent, s.depth AS depth,"
	    " ob.progress AS progress, ob.n AS objectives,"
	    " (SELECT value FROM settings WHERE name = 'max_objectives')"
	    " AS \"limit\", json_build_object('green', kp.green, 'amber',"
	    " kp.amber, 'red', kp.red, 'none', kp.none) AS kpis,"
	    " h.score AS health, health_weakest(h.checkins, h.kpis,"
	    " h.alignment, h.focus, h.assessment) AS weakest"
	    " FROM team_tree($team::bigint) s JOIN teams t ON t.id = s.id"
	    " LEFT JOIN teams p ON p.id = s.parent_id"
	    " CROSS JOIN LATERAL (SELECT avg(o.progress) AS progress,"
	    " count(*) AS n FROM objectives o WHERE o.team_id = s.id"
	    " AND" ROLLUP_LIVE("o") ") ob"
	    " CROSS JOIN LATERAL (SELECT"
	    " count(*) FILTER (WHERE k.health = 'green') AS green,"
	    " count(*) FILTER (WHERE k.health = 'amber') AS amber,"
	    " count(*) FILTER (WHERE k.health = 'red') AS red,"
	    " count(*) FILTER (WHERE k.health = 'none') AS none"
	    " FROM kpi_status k WHERE k.team_id = s.id AND NOT k.archived) kp"
	    " LEFT JOIN team_health($period, $team::bigint) h"
	    " ON h.team_id = s.id"
	    " WHERE s.depth <= " TREE_DEPTH
	    " ORDER BY s.path",
	    .returns = &FS_TREE_TEAM },

	/* Each team's health (team NULL: every team), in the order of the
	 * team tree. */
	[ST_HEALTH] = { .name = "health", .kind = STMT_READ,
	    .lag_ok = true,
	    .params = "period team",
	    .sql = "SELECT t.slug AS team, h.score AS score,"
	    " json_build_object('checkins', h.checkins, 'kpis', h.kpis,"
	    " 'alignment', h.alignment, 'focus', h.focus,"
	    " 'assessment', h.assessment) AS parts,"
	    " health_weakest(h.checkins, h.kpis, h.alignment, h.focus,"
	    " h.assessment) AS weakest"
	    " FROM team_health($period, $team::bigint) h"
	    " JOIN team_tree($team::bigint) s ON s.id = h.team_id"
	    " JOIN teams t ON t.id = h.team_id ORDER BY s.path",
	    .returns = &FS_HEALTH },

	/* review_items() (review.sql): the readable ones only; then the
	 * objectives awaiting sign-off too long (signoff.sql), in the
	 * order of the team tree. */
	[ST_REVIEW] = { .name = "review", .kind = STMT_READ,
	    .lag_ok = true,
	    .params = "caller role period team",
	    .sql = "SELECT kind, team, owner, id, message FROM ("
	    " SELECT 1 AS part, row_number() OVER () AS n, r.*"
	    " FROM review_items($caller, $role::text, $period,"
	    " $team::bigint) r"
	    " UNION ALL SELECT 2, row_number() OVER (), s.*"
	    " FROM signoff_review_items($caller, $role::text, $period,"
	    " $team::bigint) s) x ORDER BY part, n",
	    .returns = &FS_REVIEW },

	/* due_items() (review.sql), then the sign-offs awaiting the
	 * caller (signoff.sql). */
	[ST_DUE] = { .name = "due", .kind = STMT_READ,
	    .lag_ok = true,
	    .params = "caller",
	    .sql = "SELECT kind, id, team, period, title, last, message"
	    " FROM (SELECT 1 AS part, row_number() OVER () AS n, d.*"
	    " FROM due_items($caller) d"
	    " UNION ALL SELECT 2, row_number() OVER (), s.*"
	    " FROM signoff_due_items($caller) s) x ORDER BY part, n",
	    .returns = &FS_DUE },
};

/* The ops' arguments. */

#define ROLLUP_NAME_MAX	40

static const struct op_arg scope_args[] = {
	A_STR("period", false, 1, ROLLUP_NAME_MAX),
	A_STR("team", false, 1, ROLLUP_NAME_MAX), A_END
};
static const struct op_arg tree_args[] = {
	A_STR("period", false, 1, ROLLUP_NAME_MAX),
	A_STR("team", false, 1, ROLLUP_NAME_MAX),
	A_INT("depth", false, 1, 1000), A_END
};
static const struct op_arg no_args[] = {
	A_END
};

/*
 * Stream statement st as set `set`: its parameters by name from the
 * caller, the scope found by rollup_ctx (kept[0]) and the depth argument,
 * whichever it declares.
 */
static void
rollup_stream(struct request *req, enum stmt st, const char *set,
    const struct fieldset *fs, void (*done)(struct request *))
{
	const PGresult *ctx = req->kept[0];
	struct stmt_params sp;
	char caller[24], role[16], depth[24];
	int64_t d = 0;

	caller_text(req, caller, role);
	stmt_params_init(&sp, st);
	sp_set_if(&sp, "caller", caller);
	sp_set_if(&sp, "role", role);
	if (ctx != NULL) {
		sp_set_if(&sp, "period", row_text(ctx, 0, "period_id"));
		sp_set_if(&sp, "team", row_null(ctx, 0, "team_id") ? NULL :
		    row_text(ctx, 0, "team_id"));
	}
	if (sp_has(&sp, "depth")) {
		bool given = op_int(req, "depth", &d);

		snprintf(depth, sizeof depth, "%lld", (long long)d);
		sp_set(&sp, "depth", given ? depth : NULL);
	}
	(void)req_stream_named(req, &sp, set, fs, done);
}

/* The final frame: the sets (when not in parts) and what all share: the
 * period, when the op has one, and server_ms. */
static void
rollup_finish(struct request *req)
{
	const char *period = req->kept[0] != NULL ?
	    row_text(req->kept[0], 0, "period") : NULL;
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

/*
 * The scope's row (rollup_ctx): true when the period and the team named
 * exist, the row kept for the sets; else answered and false.
 */
static bool
rollup_scope(struct request *req, const PGresult *res)
{
	const char *period = NULL, *team = NULL;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return false;
	}
	/* Read again (valid: checked before the context was asked for),
	 * to name them in a refusal. */
	(void)op_str(req, "period", &period);
	(void)op_str(req, "team", &team);
	if (PQntuples(res) != 1 || row_null(res, 0, "period_id")) {
		if (period != NULL)
			req_fail(req, E_NOT_FOUND, "period", "no period '%s'",
			    period);
		else
			req_fail(req, E_NOT_FOUND, "period", "no active "
			    "period contains today: give a period");
		return false;
	}
	/* Teams are public: a missing one is the only refusal. */
	if (team != NULL && row_null(res, 0, "team_id")) {
		req_fail(req, E_NOT_FOUND, "team", "no team '%s'", team);
		return false;
	}
	(void)req_keep_result(req, 0, res);
	return true;
}

/* The tree's objectives are out: its teams next. */
static void
tree_objectives_done(struct request *req)
{
	rollup_stream(req, ST_TREE_TEAMS, "teams", &FS_TREE_TEAM,
	    rollup_finish);
}

/* The scope found: the op's first set (the tree's objectives, of one
 * team or of the organisation). */
static void
on_scope(void *arg, const PGresult *res)
{
	struct request *req = arg;

	if (!rollup_scope(req, res))
		return;
	if (strcmp(req->op->name, "tree") == 0)
		rollup_stream(req, row_null(res, 0, "team_id") ? ST_TREE_ORG :
		    ST_TREE_TEAM, "objectives", &FS_TREE_NODE,
		    tree_objectives_done);
	else if (strcmp(req->op->name, "health") == 0)
		rollup_stream(req, ST_HEALTH, "teams", &FS_HEALTH,
		    rollup_finish);
	else
		rollup_stream(req, ST_REVIEW, "items", &FS_REVIEW,
		    rollup_finish);
}

/* tree, health and review: the arguments (period, team, and the tree's
 * depth, read again when its statements are filled), then the scope. */
static void
op_scoped(struct request *req)
{
	const char *period = NULL, *team = NULL;
	struct stmt_params sp;
	int64_t depth;

	(void)op_str(req, "period", &period);
	(void)op_str(req, "team", &team);
	if (req->op->args == tree_args)
		(void)op_int(req, "depth", &depth);
	if (!req_args_done(req))
		return;
	stmt_params_init(&sp, ST_ROLLUP_CTX);
	sp_set(&sp, "period", period);
	sp_set(&sp, "team", team);
	(void)req_db_named(req, &sp, on_scope);
}

/* What is due for the caller, across periods: no scope, no period in the
 * result. */
static void
op_due(struct request *req)
{
	if (req_args_done(req))
		rollup_stream(req, ST_DUE, "items", &FS_DUE, rollup_finish);
}

/* The ops, gathered by dispatch.c. */
const struct op rollup_ops[] = {
	{ .name = "tree", .fn = op_scoped, .flags = OP_SESSION,
	    .args = tree_args },
	{ .name = "health", .fn = op_scoped, .flags = OP_SESSION,
	    .args = scope_args },
	{ .name = "review", .fn = op_scoped, .flags = OP_SESSION,
	    .args = scope_args },
	{ .name = "due", .fn = op_due, .flags = OP_SESSION,
	    .args = no_args },
	{ .name = NULL }
};
