/*
 * housekeep.c: the background deletes (see housekeep.h).  Adding a job is
 * a statement in housekeep_stmts and a line in jobs[] below.
 */
#include <stdio.h>
#include <stdlib.h>

#include "housekeep.h"
#include "log.h"
#include "server.h"
#include "xmalloc.h"

/* How many rows a delete removed. */
static const struct field housekeep_f[] = { { "deleted", F_HIDDEN } };
static const struct fieldset FS_HOUSEKEEP = FIELDSET("housekeeping",
    housekeep_f);

/*
 * The statements, with their parameters by name (stmt.h), gathered by
 * entities.c: bounded deletes, at most $batch rows each, skipping rows
 * another cairnd is deleting at the same moment.
 */
const stmt_table housekeep_stmts = {
	/* Sessions revoked, expired or idle for more than $keep seconds
	 * ($idle: session_idle). */
	[ST_HOUSEKEEP_SESSIONS] = { .name = "housekeep_sessions",
	    .kind = STMT_WRITE, .params = "keep idle batch",
	    .sql = "WITH d AS (DELETE FROM sessions WHERE id IN (SELECT id"
	    " FROM sessions WHERE revoked_at < now() - make_interval(secs =>"
	    " $keep::integer) OR expires_at < now() - make_interval(secs =>"
	    " $keep::integer) OR last_seen < now() - make_interval(secs =>"
	    " $keep::integer + $idle::integer)"
	    " LIMIT $batch::integer FOR UPDATE SKIP LOCKED) RETURNING 1)"
	    " SELECT count(*) AS deleted FROM d",
	    .returns = &FS_HOUSEKEEP },

	/* Failure counts that no longer count. */
	[ST_HOUSEKEEP_THROTTLE] = { .name = "housekeep_throttle",
	    .kind = STMT_WRITE, .params = "batch",
	    .sql = "WITH d AS (DELETE FROM login_throttle WHERE (login, addr)"
	    " IN (SELECT login, addr FROM login_throttle"
	    " WHERE expires_at < now() ORDER BY expires_at"
	    " LIMIT $batch::integer FOR UPDATE SKIP LOCKED) RETURNING 1)"
	    " SELECT count(*) AS deleted FROM d",
	    .returns = &FS_HOUSEKEEP },

	/* Events older than events_keep_days (sql/logic/event.sql). */
	[ST_HOUSEKEEP_EVENTS] = { .name = "housekeep_events",
	    .kind = STMT_WRITE, .params = "batch",
	    .sql = "SELECT event_prune($batch::integer) AS deleted",
	    .returns = &FS_HOUSEKEEP },
};

struct job {
	const char	*what;
	enum stmt	 st;
};

static const struct job jobs[] = {
	{ "ended sessions", ST_HOUSEKEEP_SESSIONS },
	{ "expired failed-login counts", ST_HOUSEKEEP_THROTTLE },
	{ "events older than events_keep_days", ST_HOUSEKEEP_EVENTS },
};

#define NJOBS	(sizeof jobs / sizeof *jobs)

struct housekeep {
	struct server	*srv;
	struct event	*timer;
	size_t		 next;		/* job to run next in this round */
	bool		 full;		/* a batch this round was full */
	bool		 busy;		/* a delete is in flight */
	bool		 stopped;	/* freed when that delete returns */
};

static void	run_next(struct housekeep *);

static void
schedule(struct housekeep *hk, int s)
{
	struct timeval tv = { s, 0 };

	evtimer_add(hk->timer, &tv);
}

static void
round_done(struct housekeep *hk)
{
	schedule(hk, hk->full ? HOUSEKEEP_CATCHUP_S :
	    hk->srv->cf->housekeep_interval);
	hk->next = 0;
	hk->full = false;
}

static void
on_deleted(void *arg, const PGresult *res)
{
	struct housekeep *hk = arg;
	const struct job *j = &jobs[hk->next];
	long n;

	hk->busy = false;
	if (hk->stopped) {
		free(hk);
		return;
	}
	if (hk->srv->stopping) {
		/* This may have been the last thing the shutdown waited for. */
		server_maybe_done(hk->srv);
		return;
	}
	if (!db_ok(res) || PQntuples(res) != 1) {
		const char *rule, *msg;
		db_error(res, &rule, &msg);
		log_warnx("housekeeping: deleting %s: %s", j->what, msg);
	} else if ((n = row_int(res, 0, "deleted")) > 0) {
		log_debug("housekeeping: deleted %ld %s%s", n, j->what,
		    n >= HOUSEKEEP_BATCH ? " (a full batch: more soon)" : "");
		if (n >= HOUSEKEEP_BATCH)
			hk->full = true;
	}
	hk->next++;
	run_next(hk);
}

static void
run_next(struct housekeep *hk)
{
	const struct config *cf = hk->srv->cf;
	char keep[16], idle[16], batch[16];
	struct stmt_params sp;
	enum wire_err why;

	if (hk->next >= NJOBS) {
		round_done(hk);
		return;
	}
	/* Each job's statement takes those of these it declares. */
	snprintf(keep, sizeof keep, "%d", cf->session_keep);
	snprintf(idle, sizeof idle, "%d", cf->session_idle);
	snprintf(batch, sizeof batch, "%d", HOUSEKEEP_BATCH);
	stmt_params_init(&sp, jobs[hk->next].st);
	sp_set_if(&sp, "keep", keep);
	sp_set_if(&sp, "idle", idle);
	sp_set_if(&sp, "batch", batch);
	if (!db_query_named(hk->srv->db, &sp, on_deleted, hk, &why)) {
		/* No database now (or a full queue): try next time. */
		log_debug("housekeeping: skipped (%s)", why == E_LIMIT ?
		    "database queue full" : "database unavailable");
		round_done(hk);
		return;
	}
	hk->busy = true;
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct housekeep *hk = arg;

	if (hk->srv->stopping || hk->busy)
		return;
	hk->next = 0;
	hk->full = false;
	run_next(hk);
}

struct housekeep *
housekeep_start(struct server *srv)
{
	struct housekeep *hk = xcalloc(1, sizeof *hk);

	hk->srv = srv;
	hk->timer = evtimer_new(srv->base, on_timer, hk);
	schedule(hk, srv->cf->housekeep_interval);
	return hk;
}

void
housekeep_stop(struct housekeep *hk)
{
	if (hk == NULL)
		return;
	event_free(hk->timer);
	hk->timer = NULL;
	/* A delete still in flight comes back (db_free answers it): its
	 * callback frees hk then. */
	if (hk->busy)
		hk->stopped = true;
	else
		free(hk);
}
