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
	char err[256];

	if (done)
		return;
	if (!stmt_gather(tables, stmts, ST_MAX, err, sizeof err))
		fatalx("%s", err);
	done = true;
}

void
stmt_params_init(struct stmt_params *sp, enum stmt st)
{
	sp_init(sp, &stmts[st], (int)st);
}
