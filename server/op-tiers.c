/*
 * op-tiers.c: a team's framework mode and the assessment (the guide's
 * decision matrix and KPI checklist).
 *
 * Nothing is scored here: the insert trigger of sql/009 scores every
 * assessment with assessment_score(), the one place the formulas live.
 * cairnd checks the arguments (types, ranges, sizes, keys against the
 * questions the context read) for a precise E_INVALID, and permission
 * (ACT_TEAM_GOVERN) on the change path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "change.h"
#include "fields.h"
#include "goals.h"
#include "log.h"
#include "sql.h"
#include "xmalloc.h"

#define ANSWERS_MAX	64	/* entries in scenarios or checklist */
#define ANSWER_KEY_MAX	40
#define WEIGHT_MIN	1	/* as sql/009's check */
#define WEIGHT_MAX	10
#define HISTORY_MAX	1000

static bool MUST_CHECK
valid_mode(const char *m)
{
	return strcmp(m, "okr") == 0 || strcmp(m, "kpi") == 0 ||
	    strcmp(m, "hybrid") == 0;
}

/* A team was named but is gone by the time of the write. */
static void
team_gone(struct change *c)
{
	req_fail(c->req, E_NOT_FOUND, "team", "no team %s", c->key);
}

/* team.framework {team, mode} */

struct fw_arg {
	char	mode[8];
};

/* $1 caller, $2 the team's slug (the change path's), $3 mode. */
static int
fw_params(struct change *c, const PGresult *ctx, const char **p)
{
	struct fw_arg *a = c->arg;

	(void)ctx;
	p[2] = a->mode;
	return 3;
}

static const struct change_op framework_op = {
	.what = "team",
	.id_field = "team",
	.ctx = ST_TEAM_GOV_CTX,
	.nctx = 3,
	.act = ACT_TEAM_GOVERN,
	.period = PR_NONE,
	.write = ST_TEAM_SET_FRAMEWORK,
	.params = fw_params,
	.reply = &FS_TEAM,
	.empty = team_gone,
};

void
op_team_framework(struct request *req)
{
	const char *team, *mode;
	struct change *c;
	struct fw_arg *a;

	mp_get_str(&req->args, "team", MP_REQUIRED, 1, 40, &team);
	mp_get_str(&req->args, "mode", MP_REQUIRED, 1, 6, &mode);
	if (!req_args_done(req))
		return;
	if (!valid_mode(mode)) {
		req_fail(req, E_INVALID, "mode", "a framework mode is okr, "
		    "kpi or hybrid");
		return;
	}
	c = change_new(req, &framework_op, sizeof *a);
	a = c->arg;
	snprintf(a->mode, sizeof a->mode, "%s", mode);
	change_run(c, team);
}

/* assessment.questions */

static void
on_questions(void *arg, const PGresult *res)
{
	struct request *req = arg;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	reply_list(req, res, &FS_QUESTION);
}

void
op_assessment_questions(struct request *req)
{
	if (!req_args_done(req))
		return;
	req_db(req, ST_ASSESS_QUESTIONS, 0, NULL, on_questions);
}

/* assessment.set_weight {key, weight} (admin: the op table says so) */

struct weight_arg {
	char	weight[8];
};

static int
weight_params(struct change *c, const PGresult *ctx, const char **p)
{
	struct weight_arg *a = c->arg;

	(void)ctx;
	p[2] = a->weight;
	return 3;
}

static void
question_gone(struct change *c)
{
	req_fail(c->req, E_NOT_FOUND, "key", "no question %s", c->key);
}

static const struct change_op weight_op = {
	.what = "question",
	.id_field = "key",
	.ctx = ST_ASSESS_Q_CTX,
	.nctx = 3,
	.act = ACT_ADMIN,
	.period = PR_NONE,
	.write = ST_ASSESS_SET_WEIGHT,
	.params = weight_params,
	.reply = &FS_QUESTION,
	.empty = question_gone,
};

void
op_assessment_set_weight(struct request *req)
{
	const char *key;
	int64_t w;
	struct change *c;
	struct weight_arg *a;

	mp_get_str(&req->args, "key", MP_REQUIRED, 1, ANSWER_KEY_MAX, &key);
	mp_get_int(&req->args, "weight", MP_REQUIRED, WEIGHT_MIN, WEIGHT_MAX,
	    &w);
	if (!req_args_done(req))
		return;
	c = change_new(req, &weight_op, sizeof *a);
	a = c->arg;
	snprintf(a->weight, sizeof a->weight, "%lld", (long long)w);
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

/* $1 caller, $2 the team's slug, $3 the answers, $4 apply. */
static int
assess_params(struct change *c, const PGresult *ctx, const char **p)
{
	struct assess_arg *a = c->arg;

	(void)ctx;
	p[2] = a->json;
	p[3] = a->apply ? "t" : "f";
	return change_idem_params(c, p, 4);
}

static const struct change_op assess_op = {
	.what = "team",
	.id_field = "team",
	.ctx = ST_ASSESS_CTX,
	.nctx = 3,
	.act = ACT_TEAM_GOVERN,
	.period = PR_NONE,
	.check = assess_check,
	.write = ST_ASSESS_CREATE,
	.params = assess_params,
	.reply = &FS_ASSESSMENT,
	.empty = team_gone,
	/* A retry with the key is answered from the assessment it made. */
	.get = ST_ASSESS_REPLAY,
	.keyed = true,
};

void
op_assessment_create(struct request *req)
{
	struct mp_reader *r = &req->args;
	const msgpack_object *m[2] = { NULL, NULL };
	const char *team;
	bool apply = false;
	struct assess_arg *a;
	struct change *c;
	struct idem idem;

	mp_get_str(r, "team", MP_REQUIRED, 1, 40, &team);
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

/* assessment.get {team, history?, limit?} */

struct get_state {
	char	 slug[48];
	char	 caller[24];
	char	 role[16];
	char	 limit[16];
	bool	 history;
};

static void
on_assessment_get(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct get_state *g = req->state;
	struct rowpack rp;
	msgpack_packer *pk;
	int n = 0;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	/* A team the caller may not read is answered as a missing one. */
	if (PQntuples(res) == 0 || !row_bool(res, 0, "readable")) {
		req_fail(req, E_NOT_FOUND, "team", "no team '%s'", g->slug);
		return;
	}
	if (!g->history && row_null(res, 0, "id")) {
		req_fail(req, E_NOT_FOUND, "team", "team %s has no assessment "
		    "yet", g->slug);
		return;
	}
	if (!rowpack_init(&rp, &FS_ASSESSMENT, res)) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	pk = req_result(req);
	if (!g->history) {
		rowpack_row(pk, &rp, 0, 0);
		req_reply(req);
		return;
	}
	/* One row with a NULL id: the team has none. */
	if (!row_null(res, 0, "id"))
		n = PQntuples(res);
	msgpack_pack_array(pk, n);
	for (int i = 0; i < n; i++)
		rowpack_row(pk, &rp, i, 0);
	req_reply(req);
}

static void
get_state_free(void *p)
{
	free(p);
}

void
op_assessment_get(struct request *req)
{
	const char *team;
	int64_t limit = 50;
	bool history = false;
	struct get_state *g;
	const char *p[4];

	mp_get_str(&req->args, "team", MP_REQUIRED, 1, 40, &team);
	mp_get_bool(&req->args, "history", MP_OPTIONAL, &history);
	mp_get_int(&req->args, "limit", MP_OPTIONAL, 1, HISTORY_MAX, &limit);
	if (!req_args_done(req))
		return;
	g = xcalloc(1, sizeof *g);
	req->state = g;
	req->state_free = get_state_free;
	snprintf(g->slug, sizeof g->slug, "%s", team);
	caller_text(req, g->caller, g->role);
	snprintf(g->limit, sizeof g->limit, "%lld", history ?
	    (long long)limit : 1LL);
	g->history = history;
	p[0] = g->slug;
	p[1] = g->caller;
	p[2] = g->role;
	p[3] = g->limit;
	req_db(req, ST_ASSESS_GET, 4, p, on_assessment_get);
}
