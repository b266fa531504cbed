/*
 * entities.c: the statement tables of the entity files (kr.c's kr_stmts
 * ...) and of the sql-*.inc parts not yet moved, gathered into the pool's
 * table at start-up.  It sits above them all, so that sql.c, which the
 * change path and the request layer use, never depends on an entity file
 * (tests/check-deps.py); dispatch.c gathers the entities' op tables the
 * same way.
 */
#include "assessment.h"
#include "db.h"
#include "kr.h"
#include "roi.h"
#include "sql.h"

/* One line per entity file; the legacy table until the last is moved. */
static const struct stmt_def *const entity_stmts[] = {
	sql_legacy_stmts,
	kr_stmts,
	roi_stmts,
	assessment_stmts,
	NULL
};

struct db *
db_new(struct event_base *base, const char *conninfo, int size,
    size_t max_waiting, int connect_timeout)
{
	stmts_init(entity_stmts);
	return db_new_table(base, conninfo, size, max_waiting,
	    connect_timeout, stmts, ST_MAX);
}
