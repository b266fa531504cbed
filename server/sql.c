/*
 * sql.c: the statement table.  Multi-row changes that must be atomic are
 * single statements with data-modifying CTEs, so that no transaction is ever
 * left open across event-loop turns.
 *
 * An entity's statements live in its own file (kr.c: kr_stmts), as a
 * sparse table indexed by enum stmt; the shared column lists in
 * sql-cols.h.  The table is
 * gathered here once at start-up: a slot filled twice or never stops
 * cairnd, so a statement added to the enum and forgotten, or moved and
 * left behind, is found before any client.
 */
#include <string.h>

#include "db.h"
#include "fields.h"
#include "log.h"
#include "sql.h"
#include "sql-cols.h"

struct stmt_def stmts[ST_MAX];

void
stmts_init(const struct stmt_def *const *tables)
{
	static bool done;
	const struct stmt_def *const *t;

	if (done)
		return;
	for (t = tables; *t != NULL; t++) {
		for (int i = 0; i < ST_MAX; i++) {
			if ((*t)[i].name == NULL)
				continue;
			if (stmts[i].name != NULL)
				fatalx("statement %d is defined twice (%s, %s)",
				    i, stmts[i].name, (*t)[i].name);
			stmts[i] = (*t)[i];
		}
	}
	for (int i = 0; i < ST_MAX; i++) {
		if (stmts[i].name == NULL || stmts[i].sql == NULL)
			fatalx("statement %d has no definition", i);
		/* Every statement is filled by name (an empty list: none):
		 * nothing in cairnd fills one by position. */
		if (stmts[i].params == NULL)
			fatalx("statement %s declares no parameters by name "
			    "(.params)", stmts[i].name);
	}
	done = true;
}

void
stmt_params_init(struct stmt_params *sp, enum stmt st)
{
	sp_init(sp, &stmts[st], (int)st);
}
