/*
 * op-objective-grade.c: objective.grade {id, score, note?, version?}, the
 * review's grade of one objective (docs/rules.md, "Grading"), through the
 * change path: the objective's context, permission (its owner, a lead of
 * its team or of an ancestor team, an admin), the period in review, the
 * expected version, then one write with its audit entry and idempotency
 * key.  The database refuses a grade outside review too (sql/012) and
 * derives met from the grade and the objective's type.
 */
#include <stdio.h>
#include <string.h>

#include "change.h"
#include "fields.h"
#include "goals.h"
#include "values.h"

struct obj_grade {
	char		 score[32];
	const char	*note;	/* NULL: keep the note; "": remove it */
};

static int
grade_params(struct change *c, const PGresult *ctx, const char **p)
{
	struct obj_grade *g = c->arg;

	p[2] = g->score;
	p[3] = g->note;
	p[4] = change_version(c);
	return change_idem_params(c, p, 5);
}

static const struct change_op obj_grade = {
	.what = "objective", .id_field = "id",
	.ctx = ST_OBJ_CTX, .nctx = 2, .act = ACT_OBJ_GRADE,
	.period = PR_REVIEW,
	.write = ST_OBJ_GRADE, .params = grade_params,
	.reply = &FS_OBJECTIVE, .get = ST_OBJ_GET, .keyed = true,
};

void
op_objective_grade(struct request *req)
{
	struct mp_reader *a = &req->args;
	struct obj_grade g = { .note = NULL };
	int64_t id, version;
	double score;
	struct change *c;
	struct idem idem;

	mp_get_int(a, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	mp_get_double(a, "score", MP_REQUIRED, 0.0, 1.0, &score);
	mp_get_str(a, "note", MP_OPTIONAL, 0, 2000, &g.note);
	version = arg_version(req);
	idem_read(req, &idem);
	if (!req_args_done(req))
		return;
	fmt_num(g.score, sizeof g.score, score);
	c = change_new(req, &obj_grade, sizeof g);
	*(struct obj_grade *)c->arg = g;
	c->idem = idem;
	c->version = version;
	change_run_id(c, id);
}
