/*
 * grade.c: the grade entity, objective.grade {id, score, note?,
 * version?}, the review's grade of one objective (docs/rules.md,
 * "Grading"), through the change path: the objective's context (obj_ctx),
 * permission (its owner, a lead of its team or of an ancestor team, an
 * admin), the period in review, the expected version, then one write with
 * its audit entry and idempotency key.  The database refuses a grade
 * outside review too and derives met from the grade and the objective's
 * type (sql/logic/grade.sql).
 */
#include <stdio.h>
#include <string.h>

#include "change.h"
#include "grade.h"
#include "objective.h"
#include "values.h"

/* note NULL: keep it; "": remove it.  No row: stale version. */
const stmt_table grade_stmts = {
	[ST_OBJ_GRADE] = { .name = "obj_grade", .kind = STMT_WRITE,
	    .params = "caller key score note version idem_key idem_hash",
	    .sql = OBJ_UPDATE_CTE("grade = $score::float8,"
	    " grade_note = CASE WHEN $note::text IS NULL THEN grade_note"
	    " WHEN $note::text = '' THEN NULL ELSE $note::text END", "")
	    OBJ_AUDIT("objective.grade") "," IDEM_NAMED("objective.grade", "o.id", "o")
	    " SELECT " OBJ_COLS " FROM o",
	    .returns = &FS_OBJECTIVE },
};

static const struct op_arg grade_args[] = {
	A_ID("id", true), A_NUM("score", true, 0.0, 1.0),
	A_STR("note", false, 0, 2000), A_INT("version", false, 1, INT32_MAX),
	A_END
};

struct obj_grade {
	char		 score[32];
	const char	*note;	/* NULL: keep the note; "": remove it */
};

static void
grade_write_args(struct change *c, const PGresult *ctx,
    struct stmt_params *sp)
{
	struct obj_grade *g = c->arg;

	sp_set(sp, "score", g->score);
	sp_set(sp, "note", g->note);
}

static const struct change_op obj_grade = {
	.what = "objective", .id_field = "id",
	.ctx = ST_OBJ_CTX, .act = ACT_OBJ_GRADE, .period = PR_REVIEW,
	.write = ST_OBJ_GRADE, .args = grade_write_args,
	.reply = &FS_OBJECTIVE, .get = ST_OBJ_GET, .keyed = true,
};

static void
op_objective_grade(struct request *req)
{
	struct obj_grade g = { .note = NULL };
	int64_t id, version;
	double score;
	struct change *c;
	struct idem idem;

	(void)op_int(req, "id", &id);
	(void)op_num(req, "score", &score);
	(void)op_str(req, "note", &g.note);
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

/* The ops, gathered by dispatch.c. */
const struct op grade_ops[] = {
	{ .name = "objective.grade", .fn = op_objective_grade,
	    .flags = OP_SESSION | OP_WRITE, .args = grade_args },
	{ .name = NULL }
};
