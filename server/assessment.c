/*
 * assessment.c: a team's framework mode and the assessment (the guide's
 * decision matrix and KPI checklist), in one place: the ops team.framework
 * and assessment.* (with flags and argument schema), their statements with
 * parameters by name, their reply objects and their changes (change.h).
 *
 * Nothing is scored here: the insert trigger of sql/logic/assessment.sql
 * scores every assessment with assessment_score(), the one place the
 * formulas live.  cairnd checks the arguments (types, ranges, sizes, keys
 * against the questions the context read) for a precise E_INVALID, and
 * permission (ACT_TEAM_GOVERN) on the change path.
 */
#include <stdio.h>
#include <string.h>

#include "assessment.h"
#include "attr.h"
#include "change.h"
#include "fields.h"
#include "log.h"
#include "op.h"
#include "sql-cols.h"
#include "team.h"

#define ANSWERS_MAX	64	/* entries in scenarios or checklist */
#define ANSWER_KEY_MAX	40
#define WEIGHT_MIN	1	/* as the table's check */
#define WEIGHT_MAX	10
#define HISTORY_MAX	1000

/* Reply objects and contexts. */

static const struct field question_f[] = {
	{ "key", F_STR }, { "kind", F_STR }, { "wording", F_STR },
	{ "weight", F_INT }, { "position", F_INT },
};
static const struct fieldset FS_QUESTION = FIELDSET("question", question_f);

/* "framework" is the team's mode after the request. */
static const struct field assessment_f[] = {
	{ "id", F_INT }, { "team", F_STR }, { "author", F_STR },
	{ "at", F_STR }, { "answers", F_JSON }, { "okr_index", F_NUM },
	{ "kpi_index", F_NUM }, { "recommendation", F_STR },
	{ "drivers", F_JSON }, { "unanswered", F_JSON }, { "weights", F_JSON },
	{ "applied", F_BOOL }, { "framework", F_STR },
};
static const struct fieldset FS_ASSESSMENT = FIELDSET("assessment",
    assessment_f);

/* The caller's relation to a team, as sql-cols.h's TEAM_FACTS names it. */
#define TEAM_FACT_FIELDS						\
	{ "team_id", F_HIDDEN }, { "private_team", F_HIDDEN },		\
	{ "lead_here", F_HIDDEN }, { "lead_above", F_HIDDEN },		\
	{ "member_here", F_HIDDEN }

static const struct field team_gov_ctx_f[] = {
	TEAM_FACT_FIELDS, { "framework", F_HIDDEN },
};
static const struct fieldset FS_TEAM_GOV_CTX = FIELDSET("team",
    team_gov_ctx_f);

static const struct field assess_ctx_f[] = {
	TEAM_FACT_FIELDS, { "questions", F_HIDDEN },
};
static const struct fieldset FS_ASSESS_CTX = FIELDSET("team", assess_ctx_f);

static const struct field assess_q_ctx_f[] = {
	{ "position", F_HIDDEN }, { "weight", F_HIDDEN },
};
static const struct fieldset FS_ASSESS_Q_CTX = FIELDSET("question",
    assess_q_ctx_f);

/* The statements, with their parameters by name (stmt.h). */

/* An assessment, from the row n. */
#define ASSESSMENT_COLS							\
	"n.id AS id, (SELECT slug FROM teams WHERE id = n.team_id)"	\
	" AS team, (SELECT login FROM users WHERE id = n.author_id)"	\
	" AS author, to_char(n.at AT TIME ZONE 'UTC',"			\
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS at,"			\
	" n.answers AS answers, n.okr_index AS okr_index,"		\
	" n.kpi_index AS kpi_index, n.recommendation AS recommendation,"	\
	" n.drivers AS drivers, n.unanswered AS unanswered,"		\
	" n.weights AS weights, n.applied AS applied"
/* An assessment n of team t as reader $caller ($role) sees it. */
#define ASSESSMENT_READ_COLS						\
	"SELECT " ASSESSMENT_COLS ", t.framework AS framework,"		\
	" coalesce(can_read_team($caller::bigint, $role::text, t.id),"	\
	" false) AS readable"
/* The row of table whose column col is $key, updated (set) as the row a,
 * with its audit entry (op on type idexpr, before and after). */
#define SET_BY_KEY(table, col, set, a, op, type, idexpr)		\
	"WITH b AS (SELECT to_jsonb(x) j FROM " table " x"		\
	" WHERE " col " = $key),"					\
	" " a " AS (UPDATE " table " SET " set " WHERE " col " = $key"	\
	" RETURNING *),"						\
	AUDIT_NAMED(op, type, idexpr, "(SELECT j FROM b)",		\
	"to_jsonb(" a ")", a)
#define QUESTION_COLS							\
	"key AS key, kind AS kind, wording AS wording, weight AS weight,"	\
	" position AS position"

const stmt_table assessment_stmts = {
	/* key: the team's slug.  The team and the caller's relation to
	 * it. */
	[ST_TEAM_GOV_CTX] = { .name = "team_gov_ctx", .kind = STMT_READ,
	    .params = "key caller",
	    .sql = "SELECT t.id AS team_id, t.framework AS framework,"
	    TEAM_FACTS("$caller") " WHERE t.slug = $key",
	    .returns = &FS_TEAM_GOV_CTX },

	/* The same, and the questions there are ("kind:key,...", for
	 * assessment.create's check of the answers' keys). */
	[ST_ASSESS_CTX] = { .name = "assess_ctx", .kind = STMT_READ,
	    .params = "key caller",
	    .sql = "SELECT t.id AS team_id, (SELECT string_agg(q.kind || ':'"
	    " || q.key, ',' ORDER BY q.position) FROM assessment_questions q)"
	    " AS questions," TEAM_FACTS("$caller") " WHERE t.slug = $key",
	    .returns = &FS_ASSESS_CTX },

	/* key: the team's slug. */
	[ST_TEAM_SET_FRAMEWORK] = { .name = "team_set_framework",
	    .kind = STMT_WRITE, .params = "caller key mode",
	    .sql = SET_BY_KEY("teams", "slug", "framework = $mode", "t",
	    "team.framework", "team", "t.id")
	    " SELECT " TEAM_COLS("t.") " FROM t",
	    .returns = &FS_TEAM },

	[ST_ASSESS_QUESTIONS] = { .name = "assess_questions",
	    .kind = STMT_READ, .params = "",
	    .sql = "SELECT " QUESTION_COLS
	    " FROM assessment_questions ORDER BY position",
	    .returns = &FS_QUESTION },

	/* key: the question's. */
	[ST_ASSESS_Q_CTX] = { .name = "assess_q_ctx", .kind = STMT_READ,
	    .params = "key",
	    .sql = "SELECT position AS position, weight AS weight"
	    " FROM assessment_questions WHERE key = $key",
	    .returns = &FS_ASSESS_Q_CTX },

	[ST_ASSESS_SET_WEIGHT] = { .name = "assess_set_weight",
	    .kind = STMT_WRITE, .params = "caller key weight",
	    .sql = SET_BY_KEY("assessment_questions", "key",
	    "weight = $weight::integer", "q", "assessment.set_weight",
	    "assessment_question", "q.position")
	    " SELECT " QUESTION_COLS " FROM q",
	    .returns = &FS_QUESTION },

	/* key: the team's slug; answers: JSON.  The insert's trigger scores
	 * the answers (assessment_score); with apply the team's mode becomes
	 * the recommendation in the same statement, with its own audit
	 * entry. */
	[ST_ASSESS_CREATE] = { .name = "assess_create", .kind = STMT_WRITE,
	    .params = "caller key answers apply idem_key idem_hash",
	    .sql = "WITH n AS (INSERT INTO assessments (team_id, author_id,"
	    " answers, applied) SELECT x.id, $caller::bigint,"
	    " $answers::jsonb, $apply::boolean"
	    " FROM teams x WHERE x.slug = $key RETURNING *),"
	    " b AS (SELECT to_jsonb(x) j FROM teams x WHERE slug = $key),"
	    " t AS (UPDATE teams SET framework = n.recommendation FROM n"
	    " WHERE teams.id = n.team_id AND n.applied RETURNING teams.*),"
	    AUDIT_NAMED("assessment.create", "assessment", "n.id", "NULL",
	    "to_jsonb(n)", "n") ","
	    " f AS (INSERT INTO audit_log (user_id, op, entity_type,"
	    " entity_id, before, after) SELECT $caller::bigint,"
	    " 'team.framework', 'team', t.id, (SELECT j FROM b), to_jsonb(t)"
	    " FROM t),"
	    IDEM_NAMED("assessment.create", "n.id", "n")
	    " SELECT " ASSESSMENT_COLS ", CASE WHEN n.applied"
	    " THEN n.recommendation ELSE (SELECT framework FROM teams"
	    " WHERE id = n.team_id) END AS framework FROM n",
	    .returns = &FS_ASSESSMENT },

	/* id: an assessment.  A retry of assessment.create with its
	 * idempotency key, answered from the assessment it made. */
	[ST_ASSESS_REPLAY] = { .name = "assess_replay", .kind = STMT_READ,
	    .params = "id caller role",
	    .sql = ASSESSMENT_READ_COLS
	    " FROM assessments n JOIN teams t ON t.id = n.team_id"
	    " WHERE n.id = $id::bigint",
	    .returns = &FS_ASSESSMENT },

	/* The team's limit newest: one row with a NULL id when the team has
	 * none; no row, no team. */
	[ST_ASSESS_GET] = { .name = "assess_get", .kind = STMT_READ,
	    .params = "team caller role limit",
	    .sql = ASSESSMENT_READ_COLS " FROM teams t LEFT JOIN LATERAL (SELECT * FROM assessments x"
	    " WHERE x.team_id = t.id ORDER BY x.id DESC"
	    " LIMIT $limit::integer) n"
	    " ON true WHERE t.slug = $team ORDER BY n.id DESC",
	    .returns = &FS_ASSESSMENT },
};

/* The ops' arguments.  The answer maps and the booleans (apply, history)
 * have no type in the schema (op.h): read with mp_get_map, mp_get_bool. */
static const struct op_arg framework_args[] = {
	A_STR("team", true, 1, 40), A_STR("mode", true, 1, 6), A_END
};
static const struct op_arg no_args[] = { A_END };
static const struct op_arg weight_args[] = {
	A_STR("key", true, 1, ANSWER_KEY_MAX),
	A_INT("weight", true, WEIGHT_MIN, WEIGHT_MAX), A_END
};
static const struct op_arg create_args[] = {
	A_STR("team", true, 1, 40), A_END
};
static const struct op_arg get_args[] = {
	A_STR("team", true, 1, 40), A_INT("limit", false, 1, HISTORY_MAX),
	A_END
};

/* A team was named but is gone by the time of the write. */
static void
team_gone(struct change *c)
{
	req_fail(c->req, E_NOT_FOUND, "team", "no team %s", c->key);
}

/* team.framework {team, mode} */

static void
framework_args_set(struct change *c, const PGresult *ctx,
    struct stmt_params *sp)
{
	sp_set(sp, "mode", c->arg);
}

static const struct change_op framework_op = {
	.what = "team", .id_field = "team", .ctx = ST_TEAM_GOV_CTX,
	.act = ACT_TEAM_GOVERN, .period = PR_NONE,
	.write = ST_TEAM_SET_FRAMEWORK, .args = framework_args_set,
	.reply = &FS_TEAM, .empty = team_gone,
};

static bool MUST_CHECK
valid_mode(const char *m)
{
	return strcmp(m, "okr") == 0 || strcmp(m, "kpi") == 0 ||
	    strcmp(m, "hybrid") == 0;
}

static void
op_team_framework(struct request *req)
{
	const char *team, *mode;
	struct change *c;

	(void)op_str(req, "team", &team);
	(void)op_str(req, "mode", &mode);
	if (!req_args_done(req))
		return;
	if (!valid_mode(mode)) {
		req_fail(req, E_INVALID, "mode", "a framework mode is okr, "
		    "kpi or hybrid");
		return;
	}
	c = change_new(req, &framework_op, strlen(mode) + 1);
	memcpy(c->arg, mode, strlen(mode) + 1);
	change_run(c, team);
}

/* assessment.questions */

static void
on_questions(void *arg, const PGresult *res)
{
	reply_list(arg, res, &FS_QUESTION);
}

static void
op_assessment_questions(struct request *req)
{
	struct stmt_params sp;

	if (!req_args_done(req))
		return;
	stmt_params_init(&sp, ST_ASSESS_QUESTIONS);
	(void)req_db_named(req, &sp, on_questions);
}

/* assessment.set_weight {key, weight} (admin: the op table says so) */

static void
weight_args_set(struct change *c, const PGresult *ctx,
    struct stmt_params *sp)
{
	sp_set(sp, "weight", c->arg);
}

static void
question_gone(struct change *c)
{
	req_fail(c->req, E_NOT_FOUND, "key", "no question %s", c->key);
}

static const struct change_op weight_op = {
	.what = "question", .id_field = "key", .ctx = ST_ASSESS_Q_CTX,
	.act = ACT_ADMIN, .period = PR_NONE,
	.write = ST_ASSESS_SET_WEIGHT, .args = weight_args_set,
	.reply = &FS_QUESTION, .empty = question_gone,
};

static void
op_assessment_set_weight(struct request *req)
{
	const char *key;
	int64_t w;
	struct change *c;

	(void)op_str(req, "key", &key);
	(void)op_int(req, "weight", &w);
	if (!req_args_done(req))
		return;
	c = change_new(req, &weight_op, 8);
	snprintf(c->arg, 8, "%lld", (long long)w);
	change_run(c, key);
}

/* assessment.create {team, scenarios, checklist, apply} */

/* {"scenarios": {...}, "checklist": {...}}: 64 entries of at most
 * 40 + 16 bytes each, twice, and the frame. */
#define ANSWERS_JSON	(2 * ANSWERS_MAX * (ANSWER_KEY_MAX + 16) + 64)

struct assess_arg {
	char	 json[ANSWERS_JSON];
	size_t	 len;
	bool	 apply;
	/* The keys, to check against the questions (the context's). */
	char	 keys[2][ANSWERS_MAX][ANSWER_KEY_MAX + 1];
	int	 nkeys[2];
};

static const char *const kind_arg[2] = { "scenarios", "checklist" };
static const char *const kind_name[2] = { "scenario", "checklist" };

static bool MUST_CHECK
valid_key(const char *s, size_t n)
{
	if (n < 1 || n > ANSWER_KEY_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((s[i] < 'a' || s[i] > 'z') && s[i] != '_')
			return false;
	return true;
}

static void
append(struct assess_arg *a, const char *s)
{
	size_t n = strlen(s);

	/* Sized for the most the readers let through. */
	if (a->len + n >= sizeof a->json)
		fatalx("assessment answers overflow");
	memcpy(a->json + a->len, s, n + 1);
	a->len += n;
}

/*
 * Read one of the answer maps (kind 0: scenarios 0..5, 1: checklist
 * booleans) into a, its keys and its JSON.  False after answering.
 */
static bool MUST_CHECK
read_answers(struct request *req, struct assess_arg *a, int kind,
    const msgpack_object *m)
{
	const char *name = kind_arg[kind];
	char field[16 + ANSWER_KEY_MAX], item[ANSWER_KEY_MAX + 16];

	if (m->via.map.size > ANSWERS_MAX) {
		req_fail(req, E_INVALID, name, "%s: at most %d answers", name,
		    ANSWERS_MAX);
		return false;
	}
	for (uint32_t i = 0; i < m->via.map.size; i++) {
		const msgpack_object *k = &m->via.map.ptr[i].key;
		const msgpack_object *v = &m->via.map.ptr[i].val;
		char *key;

		if (k->type != MSGPACK_OBJECT_STR ||
		    !valid_key(k->via.str.ptr, k->via.str.size)) {
			req_fail(req, E_INVALID, name, "%s: a question's key "
			    "is 1 to %d of a-z and _", name, ANSWER_KEY_MAX);
			return false;
		}
		key = a->keys[kind][a->nkeys[kind]];
		memcpy(key, k->via.str.ptr, k->via.str.size);
		key[k->via.str.size] = '\0';
		snprintf(field, sizeof field, "%s.%s", name, key);
		for (int j = 0; j < a->nkeys[kind]; j++)
			if (strcmp(a->keys[kind][j], key) == 0) {
				req_fail(req, E_INVALID, field, "%s is answered "
				    "twice", field);
				return false;
			}
		if (kind == 0 && (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    v->via.u64 > 5)) {
			req_fail(req, E_INVALID, field, "%s: a scenario is "
			    "answered with an integer from 0 to 5", field);
			return false;
		}
		if (kind == 1 && v->type != MSGPACK_OBJECT_BOOLEAN) {
			req_fail(req, E_INVALID, field, "%s: a checklist "
			    "question is answered true or false", field);
			return false;
		}
		a->nkeys[kind]++;
		/* Keys are [a-z_]: nothing to escape. */
		if (kind == 0)
			snprintf(item, sizeof item, "%s\"%s\": %u",
			    i ? ", " : "", key, (unsigned)v->via.u64);
		else
			snprintf(item, sizeof item, "%s\"%s\": %s",
			    i ? ", " : "", key, v->via.boolean ? "true" :
			    "false");
		append(a, item);
	}
	return true;
}

/* Whether "kind:key" is among the context's questions ("k:a,k:b"). */
static bool MUST_CHECK
known(const char *list, const char *kind, const char *key)
{
	size_t kl = strlen(kind), n = strlen(key);

	for (const char *p = list; p != NULL && *p != '\0'; ) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == kl + 1 + n && memcmp(p, kind, kl) == 0 &&
		    p[kl] == ':' && memcmp(p + kl + 1, key, n) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* Every key names a question of its kind (as the context read them). */
static bool MUST_CHECK
assess_check(struct change *c, const PGresult *ctx)
{
	struct assess_arg *a = c->arg;
	const char *list = row_text(ctx, 0, "questions");
	char field[16 + ANSWER_KEY_MAX];

	for (int kind = 0; kind < 2; kind++)
		for (int i = 0; i < a->nkeys[kind]; i++) {
			if (known(list, kind_name[kind], a->keys[kind][i]))
				continue;
			snprintf(field, sizeof field, "%s.%s", kind_arg[kind],
			    a->keys[kind][i]);
			req_fail(c->req, E_INVALID, field, "no %s question "
			    "'%s'", kind_name[kind], a->keys[kind][i]);
			return false;
		}
	return true;
}

static void
assess_args(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	struct assess_arg *a = c->arg;

	sp_set(sp, "answers", a->json);
	sp_set(sp, "apply", a->apply ? "t" : "f");
}

/* A retry with the key is answered from the assessment it made. */
static const struct change_op assess_op = {
	.what = "team", .id_field = "team", .ctx = ST_ASSESS_CTX,
	.act = ACT_TEAM_GOVERN, .period = PR_NONE, .check = assess_check,
	.write = ST_ASSESS_CREATE, .args = assess_args,
	.reply = &FS_ASSESSMENT, .empty = team_gone,
	.get = ST_ASSESS_REPLAY, .keyed = true,
};

static void
op_assessment_create(struct request *req)
{
	struct mp_reader *r = &req->args;
	const msgpack_object *m[2] = { NULL, NULL };
	const char *team;
	bool apply = false;
	struct assess_arg *a;
	struct change *c;
	struct idem idem;

	(void)op_str(req, "team", &team);
	mp_get_map(r, "scenarios", MP_OPTIONAL, &m[0]);
	mp_get_map(r, "checklist", MP_OPTIONAL, &m[1]);
	mp_get_bool(r, "apply", MP_OPTIONAL, &apply);
	idem_read(req, &idem);
	if (!req_args_done(req))
		return;
	c = change_new(req, &assess_op, sizeof *a);
	c->idem = idem;
	a = c->arg;
	a->apply = apply;
	for (int kind = 0; kind < 2; kind++) {
		append(a, kind ? "}, \"checklist\": {" : "{\"scenarios\": {");
		if (m[kind] != NULL && !read_answers(req, a, kind, m[kind]))
			return;	/* answered; the change goes with req */
	}
	append(a, "}}");
	change_run(c, team);
}

/* assessment.get {team, history?, limit?}: read by the team's slug and
 * the limit, the reader's own parameters. */

/* The team's assessments (res) as the caller may see them: false after
 * answering. */
static bool MUST_CHECK
assessment_found(struct request *req, const PGresult *res, bool history)
{
	const char *team = reader_arg(req, "team");

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return false;
	}
	/* A team the caller may not read is answered as a missing one. */
	if (PQntuples(res) == 0 || !row_bool(res, 0, "readable")) {
		req_fail(req, E_NOT_FOUND, "team", "no team '%s'", team);
		return false;
	}
	if (!history && row_null(res, 0, "id")) {
		req_fail(req, E_NOT_FOUND, "team", "team %s has no assessment "
		    "yet", team);
		return false;
	}
	return true;
}

static void
on_assessment_latest(void *arg, const PGresult *res)
{
	struct request *req = arg;

	if (assessment_found(req, res, false))
		reply_first(req, res, &FS_ASSESSMENT);
}

static void
on_assessment_history(void *arg, const PGresult *res)
{
	struct request *req = arg;

	if (!assessment_found(req, res, true))
		return;
	/* One row with a NULL id: the team has none. */
	if (row_null(res, 0, "id")) {
		msgpack_pack_array(req_result(req), 0);
		req_reply(req);
		return;
	}
	reply_list(req, res, &FS_ASSESSMENT);
}

static void
op_assessment_get(struct request *req)
{
	const char *team;
	int64_t limit = 50;
	bool history = false;
	char n[24];
	struct reader *r;

	(void)op_str(req, "team", &team);
	mp_get_bool(&req->args, "history", MP_OPTIONAL, &history);
	(void)op_int(req, "limit", &limit);
	if (!req_args_done(req))
		return;
	snprintf(n, sizeof n, "%lld", history ? (long long)limit : 1LL);
	r = reader_new(req, 0);
	reader_set(r, "team", team);
	reader_set(r, "limit", n);
	(void)reader_db(req, ST_ASSESS_GET, history ? on_assessment_history :
	    on_assessment_latest);
}

/* The ops, gathered by dispatch.c. */
const struct op assessment_ops[] = {
	{ .name = "team.framework", .fn = op_team_framework,
	    .flags = OP_SESSION | OP_WRITE, .args = framework_args },
	{ .name = "assessment.questions", .fn = op_assessment_questions,
	    .flags = OP_SESSION, .args = no_args },
	{ .name = "assessment.create", .fn = op_assessment_create,
	    .flags = OP_SESSION | OP_WRITE, .args = create_args },
	{ .name = "assessment.get", .fn = op_assessment_get,
	    .flags = OP_SESSION, .args = get_args },
	{ .name = "assessment.set_weight", .fn = op_assessment_set_weight,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE, .args = weight_args },
	{ .name = NULL }
};
