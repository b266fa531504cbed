/*
 * objective.h: what the objective entity (objective.c) shows to the rest
 * of cairnd: its op table, its statements, and the objective as a reply
 * object, with its columns, which its guardrails (guardrail.c) and its
 * grade (grade.c) answer with too.  Its context ST_OBJ_CTX (key, caller)
 * is also kr.create's.
 */
#ifndef CAIRN_OBJECTIVE_H
#define CAIRN_OBJECTIVE_H

#include "op.h"
#include "row.h"
#include "sql.h"
#include "signoff.h"
#include "sql-cols.h"

extern const struct op		objective_ops[];	/* ended by a NULL name */
extern const stmt_table		objective_stmts;
extern const struct fieldset	FS_OBJECTIVE;		/* an objective */
/* {id, contributors}: objective.get's contributors, and the reply of
 * objective.grant and revoke (contributor.c). */
extern const struct fieldset	FS_OBJ_CONTRIBUTORS;

/* The change_op of an edit in the objective's context (obj_ctx), the
 * permission to change the objective and a period not closed. */
#define OBJ_EDIT(wr, ...)						\
	.what = "objective", .id_field = "id", .ctx = ST_OBJ_CTX,	\
	.act = ACT_OBJ_EDIT, .period = PR_OPEN, .write = (wr), __VA_ARGS__

/* An objective's guardrails (logic/guardrail.sql), given the array of
 * their KPI ids: a statement that guards or unguards passes the set it
 * leaves.  Those reader u (role r) may not read are hidden, and their
 * health does not count in the breach (docs/rules.md "Reading: private
 * teams"). */
#define GUARD_COLS(ids, u, r)						\
	" guardrails_json_for(" ids ", " u ", " r ") AS guardrails,"	\
	" guardrail_breach_for(" ids ", " u ", " r ") AS guardrail_breach"

/*
 * An objective (FS_OBJECTIVE), from a row o of objectives: the stored row
 * or the one an INSERT or UPDATE returned, so that a write answers with
 * the objective as it left it (progress from o.rollup, not from the row
 * before the statement).  prog is its progress: computed for a write's
 * reply (OBJ_COLS), the stored roll-up for reads (OBJ_READ_COLS), which
 * the triggers keep equal to it.  Status by pace (docs/rules.md) from that
 * progress, the period's elapsed fraction and the lowest confidence of its
 * key results; while the period is in review, the suggested grade is that
 * progress.
 */
#define OBJ_COLS_PG(prog, ids, u, r)					\
	"o.id AS id, (SELECT slug FROM teams WHERE id = o.team_id) AS team,"	\
	" (SELECT name FROM periods WHERE id = o.period_id) AS period,"	\
	" o.title AS title, o.description AS description,"		\
	" (SELECT login FROM users WHERE id = o.owner_id) AS owner,"	\
	" o.type AS type,"						\
	" objective_parent_for(o.parent_id, " u ", " r ") AS parent,"	\
	" objective_parent_hidden(o.parent_id, " u ", " r ")"		\
	" AS parent_hidden, o.weight AS weight,"			\
	" o.rollup AS rollup,"						\
	" " prog " AS progress,"					\
	" period_expected(o.period_id, now()) AS expected,"		\
	" objective_status(" prog ", period_expected(o.period_id, now()),"	\
	" objective_min_confidence(o.id)) AS status,"			\
	" o.grade AS grade, o.grade_note AS grade_note, o.met AS met,"	\
	" CASE WHEN (SELECT state FROM periods WHERE id = o.period_id)"	\
	" = 'review' THEN " prog " END AS suggested_grade,"		\
	" o.version AS version, o.archived AS archived,"		\
	SIGNOFF_COLS("o")						\
	GUARD_COLS(ids, u, r)
/* In a write's reply, with the guardrails ids: the caller ($caller) as
 * the reader. */
#define OBJ_COLS_G(ids)							\
	OBJ_COLS_PG("objective_progress_as(o.id, o.rollup)", ids,	\
	WRITER_NAMED_U, WRITER_NAMED_R)
#define OBJ_COLS	OBJ_COLS_G("objective_guardrail_ids(o.id)")
/* In a read's: the reader given as $caller and $role. */
#define OBJ_READ_COLS							\
	OBJ_COLS_PG("o.progress", "objective_guardrail_ids(o.id)",	\
	"$caller::bigint", "$role::text")

/* The context of a change to objective $key: its id, the caller's facts
 * (OBJ_FACTS, change.c) and cols; joins between its FROM and WHERE. */
#define OBJ_CTX_SQL(cols, joins)					\
	"SELECT o.id," OBJ_FACTS("$caller") ", " cols			\
	OBJ_FACTS_FROM("$caller") joins " WHERE o.id = $key"

/*
 * A change of objective $key at the expected $version (NULL: any): its
 * row before as b (for the audit entry), the updated row as o, with its
 * version bumped; sets the columns changed, where more conditions.  Then
 * OBJ_AUDIT(op), the audit entry of o.
 */
#define OBJ_UPDATE_CTE(sets, where)					\
	"WITH b AS (SELECT to_jsonb(x) j FROM objectives x WHERE id = $key),"	\
	" o AS (UPDATE objectives SET " sets ", version = version + 1"	\
	" WHERE id = $key AND ($version::integer IS NULL"		\
	" OR version = $version::integer)" where " RETURNING *),"
#define OBJ_AUDIT(op)							\
	AUDIT_NAMED(op, "objective", "o.id", "(SELECT j FROM b)",	\
	"to_jsonb(o)", "o")

#endif
