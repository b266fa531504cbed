/*
 * signoff.h: sign-off by the parent lead (signoff.c; docs/rules.md
 * "Sign-off"): its op table, its statements, and the part of a write that
 * returns an approved or sent-back objective to proposed, which the edits
 * of an objective and of its key results (objective.c, kr.c) carry in
 * their own statement.
 */
#ifndef CAIRN_SIGNOFF_H
#define CAIRN_SIGNOFF_H

#include "op.h"
#include "row.h"
#include "sql.h"

extern const struct op		signoff_ops[];	/* ended by a NULL name */
extern const stmt_table		signoff_stmts;

/*
 * CTEs s and sp of a write by $caller that edits a key result of
 * objective obj (an SQL expression): when cond holds (the edit touches
 * what was signed off: a title, a target, a key result added or removed),
 * an approved or sent-back objective becomes proposed, with its audit
 * entry objective.propose (the trigger signoff_check sets proposed_at to
 * now(), which is how sp knows this statement proposed it).  The
 * objective's row is updated (so locked) whenever it has a sign-off at
 * all, cond or not: an approval committed meanwhile is then seen by the
 * CASE (READ COMMITTED re-reads a row it waited for), and an approval
 * after this edit waits for it -- an edit never slips past an approval
 * unproposed.  Ends with a comma.
 */
#define SIGNOFF_REPROPOSE(obj, cond)					\
	" s AS (UPDATE objectives SET signoff = CASE WHEN signoff IN"	\
	" ('approved', 'sent_back') AND (" cond ") THEN 'proposed'"	\
	" ELSE signoff END WHERE id = (" obj ") AND signoff IS NOT NULL"	\
	" RETURNING id, signoff, proposed_at),"				\
	SIGNOFF_PROPOSE_AUDIT("s")
/* The audit entry objective.propose of row o (of objectives, or a CTE
 * with its id, signoff and proposed_at) when this statement made it
 * proposed. */
#define SIGNOFF_PROPOSE_AUDIT(o)					\
	" sp AS (INSERT INTO audit_log (user_id, op, entity_type,"	\
	" entity_id, before, after) SELECT $caller::bigint,"		\
	" 'objective.propose', 'objective', " o ".id, NULL,"		\
	" jsonb_build_object('signoff', " o ".signoff) FROM " o		\
	" WHERE " o ".signoff = 'proposed' AND " o ".proposed_at = now()),"

/* An objective's sign-off as a reply shows it (FS_OBJECTIVE), from o. */
#define SIGNOFF_COLS(o)							\
	" " o ".signoff AS signoff,"					\
	" cairn_time(" o ".proposed_at) AS proposed_at,"		\
	" (SELECT login FROM users WHERE id = " o ".signoff_by)"	\
	" AS signoff_by, cairn_time(" o ".signoff_at) AS signoff_at,"	\
	" " o ".signoff_note AS signoff_note,"
#define SIGNOFF_FIELDS							\
	{ "signoff", F_STR }, { "proposed_at", F_STR },			\
	{ "signoff_by", F_STR }, { "signoff_at", F_STR },		\
	{ "signoff_note", F_STR }

#endif
