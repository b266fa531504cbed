/*
 * entities.c: the statement tables of the entity files (kr.c's kr_stmts
 * ...), gathered into the pool's table at start-up.  It sits above them all, so that sql.c, which the
 * change path and the request layer use, never depends on an entity file
 * (tests/check-deps.py); dispatch.c gathers the entities' op tables the
 * same way.
 */
#include "assessment.h"
#include "comment.h"
#include "contributor.h"
#include "db.h"
#include "export.h"
#include "events.h"
#include "feed.h"
#include "feedrun.h"
#include "grade.h"
#include "guardrail.h"
#include "housekeep.h"
#include "idem.h"
#include "import.h"
#include "inbox.h"
#include "kpi.h"
#include "kr.h"
#include "metrics-server.h"
#include "hook.h"
#include "notify.h"
#include "notifyrun.h"
#include "objective.h"
#include "period.h"
#include "reading.h"
#include "retro.h"
#include "roi.h"
#include "rollup.h"
#include "session.h"
#include "settings.h"
#include "signoff.h"
#include "source.h"
#include "sql.h"
#include "team.h"
#include "throttle.h"
#include "token.h"
#include "user.h"
#include "watch.h"

/* One line per entity file (and per module that runs statements of its
 * own: idem.c, throttle.c, housekeep.c). */
static const struct stmt_def *const entity_stmts[] = {
	kr_stmts,
	export_stmts,
	import_stmts,
	kpi_stmts,
	reading_stmts,
	user_stmts,
	session_stmts,
	team_stmts,
	rollup_stmts,
	objective_stmts,
	signoff_stmts,
	contributor_stmts,
	guardrail_stmts,
	grade_stmts,
	period_stmts,
	retro_stmts,
	settings_stmts,
	idem_stmts,
	throttle_stmts,
	housekeep_stmts,
	roi_stmts,
	assessment_stmts,
	feed_stmts,
	feedrun_stmts,
	token_stmts,
	source_stmts,
	events_stmts,
	watch_stmts,
	inbox_stmts,
	comment_stmts,
	notify_stmts,
	hook_stmts,
	notifyrun_stmts,
	metrics_stmts,
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
