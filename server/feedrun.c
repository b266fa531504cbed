/*
 * feedrun.c: the feeds' schedule (feedrun.h).  Each second, while fewer
 * than feed_concurrency runs are in flight, the runner takes the feeds
 * that are due (one statement: FOR UPDATE SKIP LOCKED, then a lease in the
 * row), runs each on its source (sourcerun.c), and records the reading or
 * the error (sql/logic/feed.sql: feed_record, feed_failed).
 *
 * Several cairnd over one database: a feed's row is taken by one of them
 * (SKIP LOCKED: the others pass it by), and its lease keeps it theirs
 * until the run ends or the lease runs out (source_timeout_ms plus
 * FEED_LEASE_SLACK_S).  A cairnd that dies mid-run leaves the lease to run
 * out; whoever takes the slot then records it once, because a feed's
 * reading is keyed by its KPI and slot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "feedrun.h"
#include "log.h"
#include "server.h"
#include "sourcerun.h"
#include "sql.h"
#include "xmalloc.h"

#define FEED_TICK_MS		1000	/* at most between two looks */
#define FEED_BUSY_MS		100	/* due feeds another cairnd holds */
#define FEED_LEASE_SLACK_S	30

/* The feeds taken, with what a run needs. */
static const struct field claim_f[] = {
	{ "kpi_id", F_HIDDEN }, { "slot", F_HIDDEN }, { "query", F_HIDDEN },
	{ "source_name", F_HIDDEN }, { "kind", F_HIDDEN },
	{ "target", F_HIDDEN }, { "ca_pem", F_HIDDEN }, { "secret", F_HIDDEN },
	{ "timeout_ms", F_HIDDEN },
};
static const struct fieldset FS_FEED_CLAIM = FIELDSET("feed", claim_f);

static const struct field next_f[] = { { "ms", F_HIDDEN } };
static const struct fieldset FS_FEED_NEXT = FIELDSET("feed", next_f);

static const struct field done_f[] = { { "reading", F_HIDDEN } };
static const struct fieldset FS_FEED_DONE = FIELDSET("feed run", done_f);

/* The statements, with their parameters by name (stmt.h), gathered by
 * entities.c. */
const stmt_table feedrun_stmts = {
	/* Up to feed_concurrency - $inflight due feeds of live KPIs, oldest
	 * slot first, leased to $me for the source's timeout and the slack;
	 * a lease that ran out is taken again. */
	[ST_FEED_CLAIM] = { .name = "feed_claim", .kind = STMT_WRITE,
	    .params = "me inflight slack",
	    .sql = "WITH cf AS (SELECT (SELECT value FROM settings"
	    " WHERE name = 'feed_concurrency') AS n, coalesce((SELECT value"
	    " FROM settings WHERE name = 'source_timeout_ms'), 5000) AS t),"
	    " c AS (SELECT f.kpi_id FROM feeds f JOIN kpis k ON k.id = f.kpi_id"
	    " WHERE NOT k.archived AND coalesce(f.retry_at, f.due) <= now()"
	    " AND (f.lease_until IS NULL OR f.lease_until < now())"
	    " ORDER BY coalesce(f.retry_at, f.due)"
	    " LIMIT greatest(0, (SELECT n FROM cf) - $inflight::integer)"
	    " FOR UPDATE OF f SKIP LOCKED)"
	    " UPDATE feeds f SET lease_by = $me, lease_until = now() +"
	    " make_interval(secs => (SELECT t FROM cf) / 1000.0"
	    " + $slack::integer) FROM c, sources s"
	    " WHERE f.kpi_id = c.kpi_id AND s.id = f.source_id"
	    " RETURNING f.kpi_id, coalesce(f.retry_at, f.due)::text AS slot,"
	    " f.query, s.name AS source_name, s.kind, s.target, s.ca_pem,"
	    " s.secret, (SELECT t FROM cf) AS timeout_ms",
	    .returns = &FS_FEED_CLAIM },

	/* In how many ms the next feed not taken falls due (0: now; NULL:
	 * none), so that a run starts at its slot, not at the next tick. */
	[ST_FEED_NEXT] = { .name = "feed_next", .kind = STMT_READ,
	    .params = "",
	    .sql = "SELECT greatest(0, ceil(1000 * extract(epoch FROM"
	    " min(coalesce(f.retry_at, f.due)) - clock_timestamp())))::integer"
	    " AS ms FROM feeds f WHERE f.lease_until IS NULL"
	    " OR f.lease_until < now()",
	    .returns = &FS_FEED_NEXT },

	/* The run's reading, or (value NULL) its error. */
	[ST_FEED_DONE] = { .name = "feed_done", .kind = STMT_WRITE,
	    .params = "kpi slot value at error",
	    .sql = "SELECT CASE WHEN $error::text IS NULL THEN"
	    " feed_record($kpi::bigint, $slot::timestamptz, false,"
	    " $value::float8, $at::timestamptz) END AS reading,"
	    " CASE WHEN $error::text IS NOT NULL THEN feed_failed($kpi::bigint,"
	    " $slot::timestamptz, false, $error) END AS failed",
	    .returns = &FS_FEED_DONE },
};

struct run {
	TAILQ_ENTRY(run)	 entry;
	struct feedrun		*fr;
	struct source_run	*sr;
	int64_t			 kpi;
	char			 slot[64];
	char			 source[48];
	struct source_result	 res;
	bool			 refused;	/* feed_record refused: record
						 * that as the error */
};
TAILQ_HEAD(runq, run);

struct feedrun {
	struct server	*srv;
	struct event	*timer;
	char		 me[96];
	struct runq	 runs;		/* on their source */
	int		 inflight;	/* runs + their final statements */
	bool		 claiming;	/* a claim or its look ahead */
	bool		 took;		/* the last claim took feeds */
	int		 pending;	/* statements in flight */
	bool		 stopped;	/* freed when the last returns */
};

static void	claim(struct feedrun *);
static void	look_ahead(struct feedrun *, bool took);

static void
tick(struct feedrun *fr, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(fr->timer, &tv);
}

/* A statement of ours returned: false when the runner is gone. */
static bool
returned(struct feedrun *fr)
{
	fr->pending--;
	if (fr->srv->stopping && !fr->stopped)
		server_maybe_done(fr->srv);	/* this may have been the last */
	if (!fr->stopped)
		return true;
	if (fr->pending == 0)
		free(fr);
	return false;
}

static void	record(struct run *);

static void
on_done(void *arg, const PGresult *res)
{
	struct run *r = arg;
	struct feedrun *fr = r->fr;
	const char *rule, *msg;

	if (!returned(fr)) {
		free(r);
		return;
	}
	if (!db_ok(res)) {
		(void)db_error(res, &rule, &msg);
		if (r->res.ok && !r->refused) {
			/* The reading was refused (a rule of kpi_readings,
			 * the source no longer allowed): that is the run's
			 * error, shown on the feed. */
			r->refused = true;
			r->res.ok = false;
			snprintf(r->res.err, sizeof r->res.err, "%s", msg);
			record(r);
			return;
		}
		log_warnx("feed of KPI %lld: recording the run: %s",
		    (long long)r->kpi, msg);
	} else if (r->res.ok) {
		log_debug("feed of KPI %lld (%s): slot %s recorded%s",
		    (long long)r->kpi, r->source, r->slot,
		    row_null(res, 0, "reading") ? " before" : "");
	} else {
		log_info("feed of KPI %lld (%s): slot %s failed: %s",
		    (long long)r->kpi, r->source, r->slot, r->res.err);
	}
	fr->inflight--;
	free(r);
	claim(fr);
}

static void
record(struct run *r)
{
	struct feedrun *fr = r->fr;
	char kpi[24], value[40], at[40];
	struct stmt_params sp;
	enum wire_err why;

	snprintf(kpi, sizeof kpi, "%lld", (long long)r->kpi);
	stmt_params_init(&sp, ST_FEED_DONE);
	sp_set(&sp, "kpi", kpi);
	sp_set(&sp, "slot", r->slot);
	if (r->res.ok) {
		snprintf(value, sizeof value, "%.17g", r->res.value);
		sp_set(&sp, "value", value);
		if (r->res.has_at) {
			source_time_text(at, sizeof at, r->res.at);
			sp_set(&sp, "at", at);
		} else
			sp_set(&sp, "at", NULL);
		sp_set(&sp, "error", NULL);
	} else {
		sp_set(&sp, "value", NULL);
		sp_set(&sp, "at", NULL);
		sp_set(&sp, "error", r->res.err);
	}
	if (!db_query_named(fr->srv->db, &sp, on_done, r, &why)) {
		/* No database now: the lease runs out and the slot is run
		 * again. */
		log_info("feed of KPI %lld: not recorded (%s): the slot runs "
		    "again when its lease ends", (long long)r->kpi,
		    why == E_LIMIT ? "database queue full" :
		    "database unavailable");
		fr->inflight--;
		free(r);
		return;
	}
	fr->pending++;
}

static void
on_run(void *arg, const struct source_result *res)
{
	struct run *r = arg;

	TAILQ_REMOVE(&r->fr->runs, r, entry);
	r->sr = NULL;
	r->res = *res;
	record(r);
}

static void
on_claim(void *arg, const PGresult *res)
{
	struct feedrun *fr = arg;
	struct source_spec s;
	struct run *r;
	int n;

	if (!returned(fr))
		return;
	if (!db_ok(res)) {
		const char *rule, *msg;

		fr->claiming = false;
		(void)db_error(res, &rule, &msg);
		log_warnx("feeds: taking the due feeds: %s", msg);
		tick(fr, FEED_TICK_MS);
		return;
	}
	n = PQntuples(res);
	for (int i = 0; i < n; i++) {
		r = xcalloc(1, sizeof *r);
		r->fr = fr;
		r->kpi = row_int(res, i, "kpi_id");
		snprintf(r->slot, sizeof r->slot, "%s",
		    row_text(res, i, "slot"));
		source_spec_from(&s, res, i);
		snprintf(r->source, sizeof r->source, "%s", s.name);
		TAILQ_INSERT_TAIL(&fr->runs, r, entry);
		fr->inflight++;
		r->sr = source_run_start(fr->srv, &s,
		    row_text(res, i, "query"), on_run, r);
	}
	look_ahead(fr, n > 0);
}

static void
on_next(void *arg, const PGresult *res)
{
	struct feedrun *fr = arg;
	int ms = FEED_TICK_MS;

	if (!returned(fr))
		return;
	fr->claiming = false;
	if (db_ok(res) && PQntuples(res) == 1 && !row_null(res, 0, "ms"))
		ms = (int)row_int(res, 0, "ms");
	/* Due now yet not taken: held by another cairnd (or past this one's
	 * feed_concurrency): look again soon, not at once.  A slot a few ms
	 * ahead (the timer fired just before it) is waited for exactly. */
	if (ms == 0 && !fr->took)
		ms = FEED_BUSY_MS;
	tick(fr, ms < FEED_TICK_MS ? ms : FEED_TICK_MS);
}

/*
 * After a claim: when the next slot falls, so that the timer fires then
 * (a feed's lag is then its run's time, not up to a tick's).  Claiming is
 * kept set until the answer, so that no other claim starts between.
 */
static void
look_ahead(struct feedrun *fr, bool took)
{
	struct stmt_params sp;
	enum wire_err why;

	fr->took = took;
	stmt_params_init(&sp, ST_FEED_NEXT);
	if (!db_query_named(fr->srv->db, &sp, on_next, fr, &why)) {
		fr->claiming = false;
		tick(fr, FEED_TICK_MS);
		return;
	}
	fr->pending++;
}

static void
claim(struct feedrun *fr)
{
	char inflight[16], slack[16];
	struct stmt_params sp;
	enum wire_err why;

	if (fr->claiming || fr->srv->stopping)
		return;
	snprintf(inflight, sizeof inflight, "%d", fr->inflight);
	snprintf(slack, sizeof slack, "%d", FEED_LEASE_SLACK_S);
	stmt_params_init(&sp, ST_FEED_CLAIM);
	sp_set(&sp, "me", fr->me);
	sp_set(&sp, "inflight", inflight);
	sp_set(&sp, "slack", slack);
	if (!db_query_named(fr->srv->db, &sp, on_claim, fr, &why)) {
		tick(fr, FEED_TICK_MS);
		return;
	}
	fr->claiming = true;
	fr->pending++;
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	claim(arg);
}

struct feedrun *
feedrun_start(struct server *srv)
{
	struct feedrun *fr = xcalloc(1, sizeof *fr);
	char host[64];

	fr->srv = srv;
	TAILQ_INIT(&fr->runs);
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "?");
	host[sizeof host - 1] = '\0';
	snprintf(fr->me, sizeof fr->me, "%s:%ld", host, (long)getpid());
	if ((fr->timer = evtimer_new(srv->base, on_timer, fr)) == NULL)
		fatalx("out of memory");
	tick(fr, FEED_TICK_MS);
	return fr;
}

/*
 * Shutdown: the runs on their sources are dropped unrecorded (their
 * leases run out, and the slots run again, on this cairnd when it is
 * back or on another); statements in flight are waited for, and free
 * the runner when the last returns.
 */
void
feedrun_stop(struct feedrun *fr)
{
	struct run *r;

	if (fr == NULL)
		return;
	event_free(fr->timer);
	while ((r = TAILQ_FIRST(&fr->runs)) != NULL) {
		TAILQ_REMOVE(&fr->runs, r, entry);
		source_run_cancel(r->sr);
		free(r);
	}
	fr->stopped = true;
	if (fr->pending == 0)
		free(fr);
}

bool
feedrun_busy(const struct feedrun *fr)
{
	return fr != NULL && !fr->stopped && fr->pending > 0;
}
