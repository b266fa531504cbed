/*
 * housekeep.c: the background deletes (see housekeep.h).  Adding a job is
 * a statement in sql.c and a line in jobs[] below.
 */
#include <stdio.h>
#include <stdlib.h>

#include "housekeep.h"
#include "log.h"
#include "server.h"
#include "xmalloc.h"

struct job {
	const char	*what;
	enum stmt	 st;
	/* Fill p[] (text in buf[]); returns how many parameters. */
	int		(*params)(const struct config *, char buf[][16],
			    const char **p);
};

static int
sessions_params(const struct config *cf, char buf[][16], const char **p)
{
	snprintf(buf[0], 16, "%d", cf->session_keep);
	snprintf(buf[1], 16, "%d", cf->session_idle);
	snprintf(buf[2], 16, "%d", HOUSEKEEP_BATCH);
	for (int i = 0; i < 3; i++)
		p[i] = buf[i];
	return 3;
}

static int
batch_param(const struct config *cf, char buf[][16], const char **p)
{
	snprintf(buf[0], 16, "%d", HOUSEKEEP_BATCH);
	p[0] = buf[0];
	return 1;
}

static const struct job jobs[] = {
	{ "ended sessions", ST_HOUSEKEEP_SESSIONS, sessions_params },
	{ "expired failed-login counts", ST_HOUSEKEEP_THROTTLE, batch_param },
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
	char buf[4][16];
	const char *p[4];
	enum wire_err why;
	int n;

	if (hk->next >= NJOBS) {
		round_done(hk);
		return;
	}
	n = jobs[hk->next].params(hk->srv->cf, buf, p);
	if (!db_query(hk->srv->db, jobs[hk->next].st, n, p, on_deleted, hk,
	    &why)) {
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
