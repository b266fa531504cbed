/*
 * objective.c: the objective entity, in one place (kr.c is the model):
 * its ops (with flags and argument schema), its statements (parameters
 * and columns by name), its reply objects and its changes (change.h):
 * objective.create, list, get, update, align, unalign and archive.  Its
 * contributors (grant, revoke) live in contributor.c, its guardrails in
 * guardrail.c, its grade in grade.c; its
 * database logic (alignment_refusal, objectives_check, the roll-up ...)
 * in sql/logic/objective.sql.
 *
 * Each change reads its context in one statement (the caller's relation
 * to the team, the period's state, the counts and the alignment check),
 * decides permission (authz.c) and the rules here for a precise error,
 * then writes with its audit entry in one statement; the triggers check
 * the rules again under locks, so that two racing requests cannot break
 * one together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "change.h"
#include "fields.h"
#include "kr.h"
#include "objective.h"
#include "rules.h"
#include "signoff.h"
#include "values.h"

/* Reply objects and contexts. */

#define OBJECTIVE_FIELDS						\
	{ "id", F_INT }, { "team", F_STR }, { "period", F_STR },	\
	{ "title", F_STR }, { "description", F_STR }, { "owner", F_STR }, \
	{ "type", F_STR }, { "parent", F_INT }, { "parent_hidden", F_BOOL }, \
	{ "weight", F_NUM }, { "rollup", F_STR }, { "progress", F_NUM },	\
	{ "expected", F_NUM },						\
	{ "status", F_STR }, { "grade", F_NUM }, { "grade_note", F_STR }, \
	{ "met", F_BOOL }, { "suggested_grade", F_NUM }, { "version", F_INT }, \
	{ "archived", F_BOOL }, SIGNOFF_FIELDS, { "guardrails", F_JSON },	\
	{ "guardrail_breach", F_BOOL }
static const struct field objective_f[] = { OBJECTIVE_FIELDS };
const struct fieldset FS_OBJECTIVE = FIELDSET("objective", objective_f);
/* objective.get's: the same and the forecast (the stored roll-up's,
 * docs/rules.md "Forecasts") and its comments' count and last one
 * (comment_digest, docs/rules.md "Comments"), which lists and changes do
 * not carry. */
static const struct field objective_show_f[] = { OBJECTIVE_FIELDS,
	{ "forecast", F_JSON }, { "comments", F_JSON } };
static const struct fieldset FS_OBJECTIVE_SHOW = FIELDSET("objective",
    objective_show_f);

/* A child the caller may not read shows only progress and weight
 * (on_obj_contributors packs it). */
static const struct field child_f[] = {
	{ "id", F_INT }, { "title", F_STR }, { "team", F_STR },
	{ "progress", F_NUM }, { "weight", F_NUM }, { "readable", F_HIDDEN },
};
static const struct fieldset FS_OBJ_CHILD = FIELDSET("objective", child_f);

static const struct field contributors_f[] = {
	{ "id", F_INT }, { "contributors", F_JSON },
};
const struct fieldset FS_OBJ_CONTRIBUTORS = FIELDSET("objective",
    contributors_f);

static const struct field login_f[] = {
	{ "login", F_STR },
};
static const struct fieldset FS_LOGIN = FIELDSET("user", login_f);

/* Contexts: every column is read by the checks, none is packed. */
static const struct field ctx_f[] = {
	OBJ_FACT_FIELDS, { "version", F_HIDDEN }, { "archived", F_HIDDEN },
	{ "krs", F_HIDDEN }, { "max_krs", F_HIDDEN },
};
static const struct fieldset FS_OBJ_CTX = FIELDSET("objective", ctx_f);

static const struct field align_ctx_f[] = {
	OBJ_FACT_FIELDS, { "version", F_HIDDEN },
	{ "parent_found", F_HIDDEN }, { "refusal", F_HIDDEN },
};
static const struct fieldset FS_OBJ_ALIGN_CTX = FIELDSET("objective",
    align_ctx_f);

static const struct field new_ctx_f[] = {
	{ "team_id", F_HIDDEN }, { "period_id", F_HIDDEN },
	{ "framework", F_HIDDEN },
	{ "period_state", F_HIDDEN }, { "lead_here", F_HIDDEN },
	{ "lead_above", F_HIDDEN }, { "owner_id", F_HIDDEN },
	{ "owner_member", F_HIDDEN }, { "objectives", F_HIDDEN },
	{ "max_objectives", F_HIDDEN }, { "parent_found", F_HIDDEN },
	{ "refusal", F_HIDDEN },
};
static const struct fieldset FS_OBJ_NEW_CTX = FIELDSET("objective",
    new_ctx_f);

/* The statements, with their parameters by name (stmt.h). */
const stmt_table objective_stmts = {
	/* The context of a change to objective key or to its key results
	 * (kr.create). */
	[ST_OBJ_CTX] = { .name = "obj_ctx", .kind = STMT_READ,
	    .params = "key caller",
	    .sql = OBJ_CTX_SQL("o.team_id, o.version, o.archived,"
	    " (SELECT count(*) FROM key_results k"
	    " WHERE k.objective_id = o.id AND NOT k.removed) AS krs,"
	    " cairn_setting('max_key_results') AS max_krs", ""),
	    .returns = &FS_OBJ_CTX },

	/* obj_ctx and the alignment check under parent (NULL: unalign).  A
	 * parent the caller may not read counts as missing. */
	[ST_OBJ_ALIGN_CTX] = { .name = "obj_align_ctx", .kind = STMT_READ,
	    .params = "key caller role parent",
	    .sql = OBJ_CTX_SQL("o.version, $parent::bigint IS NULL"
	    " OR EXISTS (SELECT 1 FROM objectives WHERE id = $parent::bigint"
	    " AND can_read_objective($caller, $role, id)) AS parent_found,"
	    " CASE WHEN $parent::bigint IS NOT NULL THEN alignment_refusal("
	    "o.id, o.team_id, o.period_id, $parent::bigint) END AS refusal",
	    ""),
	    .returns = &FS_OBJ_ALIGN_CTX },

	/* team slug, period name, owner login, parent id: everything
	 * objective.create checks, in one row. */
	[ST_OBJ_NEW_CTX] = { .name = "obj_new_ctx", .kind = STMT_READ,
	    .params = "team period caller owner parent",
	    .sql = "SELECT t.id AS team_id, p.id AS period_id,"
	    " p.state AS period_state, t.framework AS framework,"
	    " coalesce(r.lead_here, false) AS lead_here,"
	    " coalesce(r.lead_above, false) AS lead_above, ow.id AS owner_id,"
	    " EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = t.id"
	    " AND m.user_id = ow.id) AS owner_member,"
	    " (SELECT count(*) FROM objectives x WHERE x.team_id = t.id"
	    " AND x.period_id = p.id AND NOT x.archived) AS objectives,"
	    " cairn_setting('max_objectives') AS max_objectives,"
	    /* A parent the caller may not read is answered as a missing
	     * one (the role as stored: this query has no role parameter). */
	    " $parent::bigint IS NULL OR EXISTS (SELECT 1 FROM objectives"
	    " WHERE id = $parent::bigint AND can_read_objective("
	    "$caller::bigint, (SELECT role FROM users"
	    " WHERE id = $caller::bigint), id)) AS parent_found,"
	    " CASE WHEN $parent::bigint IS NOT NULL AND t.id IS NOT NULL"
	    " AND p.id IS NOT NULL THEN alignment_refusal(NULL, t.id, p.id,"
	    " $parent::bigint) END AS refusal"
	    " FROM (SELECT 1) d LEFT JOIN teams t ON t.slug = $team"
	    " LEFT JOIN periods p ON p.name = $period"
	    " LEFT JOIN LATERAL team_relation($caller, t.id) r ON true"
	    " LEFT JOIN users ow ON ow.login = $owner",
	    .returns = &FS_OBJ_NEW_CTX },

	/* team, period, owner: ids, from the context. */
	[ST_OBJ_CREATE] = { .name = "obj_create", .kind = STMT_WRITE,
	    .params = "caller team period title description owner type"
	    " parent weight rollup idem_key idem_hash",
	    .sql = "WITH o AS (INSERT INTO objectives (team_id, period_id,"
	    " title, description, owner_id, type, parent_id, weight, rollup)"
	    " VALUES ($team, $period, $title, $description, $owner, $type,"
	    " $parent::bigint, $weight::float8, $rollup) RETURNING *),"
	    AUDIT_NAMED("objective.create", "objective", "o.id", "NULL",
	    "to_jsonb(o)", "o")
	    "," SIGNOFF_PROPOSE_AUDIT("o")
	    IDEM_NAMED("objective.create", "o.id", "o")
	    " SELECT " OBJ_COLS " FROM o",
	    .returns = &FS_OBJECTIVE },

	/* The objective, readable or not, with its stored forecast. */
	[ST_OBJ_GET] = { .name = "obj_get", .kind = STMT_READ,
	    .params = "id caller role",
	    .sql = "SELECT " OBJ_READ_COLS ","
	    " can_read_objective($caller, $role, o.id) AS readable,"
	    " CASE WHEN o.forecast IS NOT NULL THEN json_build_object("
	    "'progress', o.forecast, 'n_krs', o.forecast_n,"
	    " 'krs', o.forecast_of) END AS forecast,"
	    " comment_digest(o.id) AS comments"
	    " FROM objectives o WHERE o.id = $id",
	    .returns = &FS_OBJECTIVE_SHOW },

	/* Each filter NULL: any. */
	[ST_OBJ_LIST] = { .name = "obj_list", .kind = STMT_READ,
	    .lag_ok = true,
	    .params = "caller role team period owner archived",
	    .sql = "SELECT " OBJ_READ_COLS " FROM objectives o"
	    " JOIN teams t ON t.id = o.team_id"
	    " JOIN periods p ON p.id = o.period_id"
	    " WHERE can_read_objective($caller, $role, o.id)"
	    " AND ($team::text IS NULL OR t.slug = $team)"
	    " AND ($period::text IS NULL OR p.name = $period)"
	    " AND ($owner::text IS NULL OR o.owner_id ="
	    " (SELECT id FROM users WHERE login = $owner))"
	    " AND ($archived::boolean OR NOT o.archived)"
	    " ORDER BY o.id",
	    .returns = &FS_OBJECTIVE },

	[ST_OBJ_CHILDREN] = { .name = "obj_children", .kind = STMT_READ,
	    .params = "id caller role",
	    .sql = "SELECT c.id, c.title, t.slug AS team,"
	    " c.progress AS progress, c.weight,"
	    " can_read_objective($caller, $role, c.id) AS readable"
	    " FROM objectives c JOIN teams t ON t.id = c.team_id"
	    " WHERE c.parent_id = $id AND NOT c.archived ORDER BY c.id",
	    .returns = &FS_OBJ_CHILD },

	[ST_OBJ_CONTRIBUTORS] = { .name = "obj_contributors",
	    .kind = STMT_READ, .params = "id",
	    .sql = "SELECT u.login FROM objective_contributors c"
	    " JOIN users u ON u.id = c.user_id WHERE c.objective_id = $id"
	    " ORDER BY u.login",
	    .returns = &FS_LOGIN },

	/* NULL fields are kept; owner a login.  No row: stale version.  A
	 * new title returns an approved objective to proposed, any edit a
	 * sent-back one (docs/rules.md "Sign-off"), with its audit entry:
	 * the CASE reads the row as locked, so an approval committed
	 * meanwhile is seen. */
	[ST_OBJ_UPDATE] = { .name = "obj_update", .kind = STMT_WRITE,
	    .params = "caller key title description owner type rollup"
	    " version",
	    .sql = OBJ_UPDATE_CTE("title = coalesce($title, title),"
	    " description = coalesce($description, description),"
	    " owner_id = CASE WHEN $owner::text IS NULL THEN owner_id"
	    " ELSE (SELECT id FROM users WHERE login = $owner) END,"
	    " type = coalesce($type, type),"
	    " rollup = coalesce($rollup, rollup),"
	    " signoff = CASE WHEN signoff = 'sent_back' OR (signoff ="
	    " 'approved' AND $title::text IS DISTINCT FROM NULL"
	    " AND $title::text <> title) THEN 'proposed' ELSE signoff END", "")
	    SIGNOFF_PROPOSE_AUDIT("o")
	    OBJ_AUDIT("objective.update") " SELECT " OBJ_COLS " FROM o",
	    .returns = &FS_OBJECTIVE },

	/* parent NULL: unalign; audit_op the op's name for the audit log.
	 * The alignment lock (logic/objective.sql) is taken before the
	 * row's (the WHERE's init plan runs before the row is locked): the
	 * roll-up then locks the new parent's chain, which must not hold a
	 * racing alignment's own row. */
	[ST_OBJ_ALIGN] = { .name = "obj_align", .kind = STMT_WRITE,
	    .params = "caller key parent weight version audit_op",
	    .sql = OBJ_UPDATE_CTE("parent_id = $parent::bigint,"
	    " weight = coalesce($weight::float8, weight)",
	    " AND (SELECT pg_advisory_xact_lock(7270005)) IS NOT NULL")
	    " a AS (INSERT INTO audit_log (user_id, op, entity_type,"
	    " entity_id, before, after) SELECT $caller, $audit_op,"
	    " 'objective', o.id, (SELECT j FROM b), to_jsonb(o) FROM o)"
	    " SELECT " OBJ_COLS " FROM o",
	    .returns = &FS_OBJECTIVE },

	[ST_OBJ_ARCHIVE] = { .name = "obj_archive", .kind = STMT_WRITE,
	    .params = "caller key version",
	    .sql = OBJ_UPDATE_CTE("archived = true", "")
	    OBJ_AUDIT("objective.archive") " SELECT " OBJ_COLS " FROM o",
	    .returns = &FS_OBJECTIVE },
};

/* The ops' arguments. */

#define OBJ_TEXT_ARGS							\
	A_STR("description", false, 0, 4000),				\
	A_STR("owner", false, 1, 200), A_STR("type", false, 1, 20),	\
	A_STR("rollup", false, 1, 20)
#define VERSION_ARG	A_INT("version", false, 1, INT32_MAX)

static const struct op_arg create_args[] = {
	A_STR("team", true, 1, 40), A_STR("period", true, 1, 40),
	A_STR("title", true, 1, 200), A_ID("parent", false),
	A_NUM("weight", false, 1e-9, 1000), OBJ_TEXT_ARGS, A_END
};
static const struct op_arg list_args[] = {
	A_STR("team", false, 1, 40), A_STR("period", false, 1, 40),
	A_STR("owner", false, 1, 200), A_BOOL("mine", false),
	A_BOOL("archived", false), A_END
};
static const struct op_arg id_args[] = {
	A_ID("id", true), A_END
};
static const struct op_arg update_args[] = {
	A_ID("id", true), A_STR("title", false, 1, 200), OBJ_TEXT_ARGS,
	VERSION_ARG, A_END
};
static const struct op_arg align_args[] = {
	A_ID("id", true), A_ID("parent", true),
	A_NUM("weight", false, 1e-9, 1000), VERSION_ARG, A_END
};
static const struct op_arg version_args[] = {
	A_ID("id", true), VERSION_ARG, A_END
};

/* objective.get: the row, then key results, children and contributors. */

static void
on_obj_contributors(void *arg, const PGresult *res)
{
	struct request *req = arg;
	const PGresult *o = req->kept[0], *krs = req->kept[1];
	const PGresult *kids = req->kept[2];
	struct rowpack ro, rk, rc;
	msgpack_packer *pk;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (!rowpack_init(&ro, &FS_OBJECTIVE_SHOW, o) ||
	    !rowpack_init(&rk, &FS_KR_SHOW, krs) ||
	    !rowpack_init(&rc, &FS_OBJ_CHILD, kids)) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	pk = req_result(req);
	rowpack_row(pk, &ro, 0, 3);
	mp_pack_key(pk, "key_results");
	msgpack_pack_array(pk, PQntuples(krs));
	for (int i = 0; i < PQntuples(krs); i++)
		rowpack_row(pk, &rk, i, 0);
	/* Children the caller may not read count in the roll-up but show
	 * neither their id nor their title. */
	mp_pack_key(pk, "children");
	msgpack_pack_array(pk, PQntuples(kids));
	for (int i = 0; i < PQntuples(kids); i++) {
		if (row_bool(kids, i, "readable")) {
			rowpack_row(pk, &rc, i, 0);
			continue;
		}
		msgpack_pack_map(pk, 3);
		mp_kv_bool(pk, "hidden", true);
		mp_kv_double(pk, "progress", row_num(kids, i, "progress"));
		mp_kv_double(pk, "weight", row_num(kids, i, "weight"));
	}
	mp_pack_key(pk, "contributors");
	msgpack_pack_array(pk, PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++)
		mp_pack_cstr(pk, row_text(res, i, "login"));
	req_reply(req);
}

/* Keep a part of objective.get's reply (slot), then read the next. */
static void
obj_get_next(struct request *req, const PGresult *res, int slot,
    enum stmt next, db_cb *cb)
{
	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	req_keep_result(req, slot, res);
	(void)reader_db(req, next, cb);
}

static void
on_obj_children(void *arg, const PGresult *res)
{
	obj_get_next(arg, res, 2, ST_OBJ_CONTRIBUTORS, on_obj_contributors);
}

static void
on_obj_krs(void *arg, const PGresult *res)
{
	obj_get_next(arg, res, 1, ST_OBJ_CHILDREN, on_obj_children);
}

static void
on_obj_row(void *arg, const PGresult *res)
{
	struct request *req = arg;

	if (read_found(req, res, "objective"))
		obj_get_next(req, res, 0, ST_OBJ_KRS, on_obj_krs);
}

static void
op_objective_get(struct request *req)
{
	read_by_id(req, ST_OBJ_GET, on_obj_row);
}

/* objective.list */

static void
on_obj_list(void *arg, const PGresult *res)
{
	reply_list(arg, res, &FS_OBJECTIVE);
}

static void
op_objective_list(struct request *req)
{
	const char *team = NULL, *period = NULL, *owner = NULL;
	bool mine = false, archived = false;
	char caller[24], role[16];
	struct stmt_params sp;

	(void)op_str(req, "team", &team);
	(void)op_str(req, "period", &period);
	(void)op_str(req, "owner", &owner);
	(void)op_bool(req, "mine", &mine);
	(void)op_bool(req, "archived", &archived);
	if (!req_args_done(req))
		return;
	caller_text(req, caller, role);
	stmt_params_init(&sp, ST_OBJ_LIST);
	sp_set(&sp, "caller", caller);
	sp_set(&sp, "role", role);
	sp_set(&sp, "team", team);
	sp_set(&sp, "period", period);
	sp_set(&sp, "owner", mine ? req->conn->sess.login : owner);
	sp_set(&sp, "archived", archived ? "t" : "f");
	(void)req_db_named(req, &sp, on_obj_list);
}

/* objective.create: in the context of the team, period, owner and
 * parent named. */

struct obj_new {
	const char	*team, *period, *title, *owner, *type, *desc, *rollup;
	char		 parent[24], weight[32];
	bool		 has_parent;
};

static const char *
obj_parent(const struct obj_new *n)
{
	return n->has_parent ? n->parent : NULL;
}

static void
obj_new_ctx_args(struct change *c, struct stmt_params *sp)
{
	struct obj_new *n = c->arg;

	sp_set(sp, "team", n->team);
	sp_set(sp, "period", n->period);
	sp_set(sp, "owner", n->owner);
	sp_set(sp, "parent", obj_parent(n));
}

/* The team and the period must exist before permission means anything. */
static bool MUST_CHECK
obj_new_found(struct change *c, const PGresult *ctx)
{
	struct obj_new *n = c->arg;

	return ctx_found(c, ctx, "team_id", "team", "team", n->team) &&
	    ctx_found(c, ctx, "period_id", "period", "period", n->period);
}

/* A parent missing or unreadable: the same answer, before the alignment
 * rules that would tell its line, period or depth. */
static bool MUST_CHECK
parent_found(struct change *c, const PGresult *ctx, const char *parent)
{
	if (row_bool(ctx, 0, "parent_found"))
		return true;
	req_fail(c->req, E_NOT_FOUND, "parent", "no objective %s", parent);
	return false;
}

static bool MUST_CHECK
obj_new_check(struct change *c, const PGresult *ctx)
{
	struct obj_new *n = c->arg;
	const char *why;

	if (row_null(ctx, 0, "owner_id")) {
		req_fail(c->req, E_NOT_FOUND, "owner", "no user '%s'",
		    n->owner);
		return false;
	}
	if (!parent_found(c, ctx, n->parent))
		return false;
	if (!row_bool(ctx, 0, "owner_member")) {
		req_fail_rule(c->req, "owner.member", "the owner must belong "
		    "to team %s", n->team);
		return false;
	}
	if ((why = framework_objective_refusal(row_str(ctx, 0,
	    "framework"))) != NULL) {
		req_fail_rule(c->req, why, "team %s is in kpi mode: it holds "
		    "KPIs, not objectives", n->team);
		return false;
	}
	if (row_int(ctx, 0, "objectives") >=
	    row_int(ctx, 0, "max_objectives")) {
		idem_fail_rule(c->req, "limit.objectives", "team %s already "
		    "has %lld objectives in %s (max_objectives)", n->team,
		    (long long)row_int(ctx, 0, "objectives"), n->period);
		return false;
	}
	if ((why = row_str(ctx, 0, "refusal")) != NULL) {
		req_fail_rule(c->req, why, "this alignment breaks %s", why);
		return false;
	}
	return true;
}

/* The ids the context found (it outlives the write's parameters). */
static void
obj_new_args(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	struct obj_new *n = c->arg;

	sp_set(sp, "team", row_text(ctx, 0, "team_id"));
	sp_set(sp, "period", row_text(ctx, 0, "period_id"));
	sp_set(sp, "owner", row_text(ctx, 0, "owner_id"));
	sp_set(sp, "title", n->title);
	sp_set(sp, "description", n->desc);
	sp_set(sp, "type", n->type);
	sp_set(sp, "parent", obj_parent(n));
	sp_set(sp, "weight", n->weight);
	sp_set(sp, "rollup", n->rollup);
}

static const struct change_op obj_create = {
	.what = "team", .id_field = "team",
	.ctx = ST_OBJ_NEW_CTX, .ctx_args = obj_new_ctx_args,
	.found = obj_new_found, .act = ACT_OBJ_CREATE, .period = PR_NEW,
	.check = obj_new_check,
	.write = ST_OBJ_CREATE, .args = obj_new_args,
	.reply = &FS_OBJECTIVE, .get = ST_OBJ_GET, .keyed = true,
};

static const char *const obj_types[] = {
	"committed", "aspirational", NULL
};
static const char *const obj_rollups[] = {
	"auto", "krs", "children", "both", NULL
};

/* The kinds of objective.create and objective.update (NULL: not given);
 * false after answering E_INVALID. */
static bool MUST_CHECK
objective_kinds_ok(struct request *req, const char *type, const char *rollup)
{
	return check_choice(req, "type", type, obj_types) &&
	    check_choice(req, "rollup", rollup, obj_rollups);
}

static void
op_objective_create(struct request *req)
{
	struct obj_new n = { .type = "committed", .desc = "", .rollup = "auto" };
	int64_t parent;
	double weight = 1;
	struct change *c;
	struct idem idem;

	(void)op_str(req, "team", &n.team);
	(void)op_str(req, "period", &n.period);
	(void)op_str(req, "title", &n.title);
	(void)op_str(req, "owner", &n.owner);
	n.has_parent = op_int(req, "parent", &parent);
	(void)op_num(req, "weight", &weight);
	(void)op_str(req, "type", &n.type);
	(void)op_str(req, "description", &n.desc);
	(void)op_str(req, "rollup", &n.rollup);
	idem_read(req, &idem);
	if (!req_args_done(req) || !objective_kinds_ok(req, n.type, n.rollup))
		return;
	if (n.owner == NULL)
		n.owner = req->conn->sess.login;
	if (n.has_parent)
		snprintf(n.parent, sizeof n.parent, "%lld", (long long)parent);
	fmt_num(n.weight, sizeof n.weight, weight);
	c = change_new(req, &obj_create, sizeof n);
	*(struct obj_new *)c->arg = n;
	c->idem = idem;
	change_run(c, n.team);
}

/* objective.update */

struct obj_edit {
	const char	*title, *desc, *owner, *type, *rollup;
};

static void
obj_edit_read(struct request *req, void *arg, bool create)
{
	struct obj_edit *e = arg;

	(void)create;
	(void)op_str(req, "title", &e->title);
	(void)op_str(req, "description", &e->desc);
	(void)op_str(req, "owner", &e->owner);
	(void)op_str(req, "type", &e->type);
	(void)op_str(req, "rollup", &e->rollup);
}

static bool
obj_edit_valid(struct request *req, const void *arg)
{
	const struct obj_edit *e = arg;

	return objective_kinds_ok(req, e->type, e->rollup);
}

static void
obj_edit_args(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	struct obj_edit *e = c->arg;

	sp_set(sp, "title", e->title);
	sp_set(sp, "description", e->desc);
	sp_set(sp, "owner", e->owner);
	sp_set(sp, "type", e->type);
	sp_set(sp, "rollup", e->rollup);
}

static const struct change_op obj_update = {
	OBJ_EDIT(ST_OBJ_UPDATE, .args = obj_edit_args,
	    .reply = &FS_OBJECTIVE)
};

static void
op_objective_update(struct request *req)
{
	change_edit(req, &obj_update, sizeof(struct obj_edit), obj_edit_read,
	    obj_edit_valid);
}

/* objective.align, objective.unalign: the context carries the alignment
 * check, so that the check and the write are still two round trips. */

struct obj_align {
	char	 parent[24], weight[32];
	bool	 has_parent, has_weight;
};

static void
align_ctx_args(struct change *c, struct stmt_params *sp)
{
	struct obj_align *al = c->arg;

	sp_set(sp, "parent", al->has_parent ? al->parent : NULL);
}

static bool MUST_CHECK
align_check(struct change *c, const PGresult *ctx)
{
	struct obj_align *al = c->arg;
	const char *why;

	if (!parent_found(c, ctx, al->parent))
		return false;
	if ((why = row_str(ctx, 0, "refusal")) != NULL) {
		req_fail_rule(c->req, why, "aligning %s under %s breaks %s",
		    c->key, al->parent, why);
		return false;
	}
	return true;
}

static void
align_write_args(struct change *c, const PGresult *ctx,
    struct stmt_params *sp)
{
	struct obj_align *al = c->arg;

	sp_set(sp, "parent", al->has_parent ? al->parent : NULL);
	sp_set(sp, "weight", al->has_weight ? al->weight : NULL);
	sp_set(sp, "audit_op", al->has_parent ? "objective.align" :
	    "objective.unalign");
}

static const struct change_op obj_align = {
	.what = "objective", .id_field = "id",
	.ctx = ST_OBJ_ALIGN_CTX, .ctx_args = align_ctx_args,
	.act = ACT_OBJ_EDIT, .period = PR_OPEN, .check = align_check,
	.write = ST_OBJ_ALIGN, .args = align_write_args,
	.reply = &FS_OBJECTIVE,
};

static void
align_op(struct request *req, bool align)
{
	struct obj_align al = { .has_parent = align };
	int64_t id, parent = 0, version;
	double weight;

	(void)op_int(req, "id", &id);
	if (align) {
		(void)op_int(req, "parent", &parent);
		al.has_weight = op_num(req, "weight", &weight);
	}
	version = arg_version(req);
	if (!req_args_done(req))
		return;
	snprintf(al.parent, sizeof al.parent, "%lld", (long long)parent);
	if (al.has_weight)
		fmt_num(al.weight, sizeof al.weight, weight);
	change_start(req, &obj_align, &al, sizeof al, id, version);
}

static void
op_objective_align(struct request *req)
{
	align_op(req, true);
}

static void
op_objective_unalign(struct request *req)
{
	align_op(req, false);
}

/* objective.archive */

static const struct change_op obj_archive = {
	OBJ_EDIT(ST_OBJ_ARCHIVE, .reply = &FS_OBJECTIVE)
};

static void
op_objective_archive(struct request *req)
{
	int64_t id, version;

	(void)op_int(req, "id", &id);
	version = arg_version(req);
	if (req_args_done(req))
		change_start(req, &obj_archive, NULL, 0, id, version);
}

/* The ops, gathered by dispatch.c. */
const struct op objective_ops[] = {
	{ .name = "objective.create", .fn = op_objective_create,
	    .flags = OP_SESSION | OP_WRITE, .args = create_args },
	{ .name = "objective.list", .fn = op_objective_list,
	    .flags = OP_SESSION, .args = list_args },
	{ .name = "objective.get", .fn = op_objective_get,
	    .flags = OP_SESSION, .args = id_args },
	{ .name = "objective.update", .fn = op_objective_update,
	    .flags = OP_SESSION | OP_WRITE, .args = update_args },
	{ .name = "objective.align", .fn = op_objective_align,
	    .flags = OP_SESSION | OP_WRITE, .args = align_args },
	{ .name = "objective.unalign", .fn = op_objective_unalign,
	    .flags = OP_SESSION | OP_WRITE, .args = version_args },
	{ .name = "objective.archive", .fn = op_objective_archive,
	    .flags = OP_SESSION | OP_WRITE, .args = version_args },
	{ .name = NULL }
};
