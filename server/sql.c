/*
 * sql.c: the statement table.  Multi-row changes that must be atomic are
 * single statements with data-modifying CTEs, so that no transaction is ever
 * left open across event-loop turns.  The entries live in one sql-*.inc
 * per area, the shared column lists in sql-cols.h.
 */
#include "fields.h"
#include "sql.h"
#include "sql-cols.h"

const struct stmt_def stmts[ST_MAX] = {
#include "sql-people.inc"
#include "sql-goals.inc"
#include "sql-sys.inc"
#include "sql-kpi.inc"
#include "sql-roi.inc"
#include "sql-tiers.inc"
#include "sql-cycle.inc"
#include "sql-export.inc"
#include "sql-pace.inc"
#include "sql-rollup.inc"
#include "sql-budget.inc"
};
