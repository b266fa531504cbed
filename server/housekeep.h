/*
 * housekeep.h: background deletes of rows that no longer count: sessions
 * ended (revoked, expired or idle) more than session_keep seconds ago, and
 * failed-login counts past their expiry.  Every housekeep_interval seconds
 * a timer sends bounded deletes (HOUSEKEEP_BATCH rows each) through the
 * asynchronous pool, one at a time, so that the loop never waits and a
 * large backlog never makes one long statement; a batch that came back
 * full is followed by another a second later.  Several cairnd may run it
 * on one database: each skips rows another is deleting.
 */
#ifndef CAIRN_HOUSEKEEP_H
#define CAIRN_HOUSEKEEP_H

#include "attr.h"
#include "sql.h"

#define HOUSEKEEP_BATCH		1000
#define HOUSEKEEP_CATCHUP_S	1

struct server;
struct housekeep;

/* Its statements (the deletes), gathered by entities.c. */
extern const stmt_table	housekeep_stmts;

struct housekeep	*housekeep_start(struct server *) MUST_CHECK;
void			 housekeep_stop(struct housekeep *);

#endif
