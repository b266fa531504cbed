/*
 * metrics-server.c: cairnd's own metrics (metrics-server.h).  Most are
 * read when scraped, from the parts that hold them (a callback each): a
 * scrape costs a walk of the connections and nothing else.  What lives in
 * the database (outbox, feeds, the schema's version) is read every
 * metrics_interval seconds by one asynchronous query, never per scrape,
 * so that scraping cannot load the database.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hashpool.h"
#include "log.h"
#include "metrics-http.h"
#include "metrics-server.h"
#include "metrics.h"
#include "migrate.h"
#include "server.h"
#include "watch.h"
#include "xmalloc.h"

static const struct field dbgauge_f[] = {
	{ "schema_version", F_HIDDEN },
	{ "outbox_pending", F_HIDDEN },
	{ "outbox_retrying", F_HIDDEN },
	{ "outbox_failed", F_HIDDEN },
	{ "feeds_due", F_HIDDEN },
	{ "feeds_running", F_HIDDEN },
	{ "feeds_failing", F_HIDDEN },
	{ "feeds_lag", F_HIDDEN },
};
static const struct fieldset FS_DBGAUGE = FIELDSET("metrics", dbgauge_f);

/*
 * One read of everything the metrics take from the database.  Pending:
 * not sent nor given up; retrying: of them, tried and failed at least
 * once; failed: given up (kept until housekeeping removes them).  A feed
 * is due when its slot (or retry) has come and no cairnd holds it;
 * running while a lease holds it; failing after a failed run; its lag is
 * how long the oldest due one has waited.
 */
const stmt_table metrics_stmts = {
	[ST_METRICS_DB] = { .name = "metrics_db", .kind = STMT_READ,
	    .params = "",
	    .sql = "SELECT"
	    " (SELECT max(version) FROM schema_migrations) AS schema_version,"
	    " (SELECT count(*) FROM outbox WHERE sent_at IS NULL"
	    "  AND dropped_at IS NULL) AS outbox_pending,"
	    " (SELECT count(*) FROM outbox WHERE sent_at IS NULL"
	    "  AND dropped_at IS NULL AND tries > 0) AS outbox_retrying,"
	    " (SELECT count(*) FROM outbox WHERE dropped_at IS NOT NULL)"
	    "  AS outbox_failed,"
	    " (SELECT count(*) FROM feeds WHERE coalesce(retry_at, due) <= now()"
	    "  AND (lease_until IS NULL OR lease_until < now())) AS feeds_due,"
	    " (SELECT count(*) FROM feeds WHERE lease_until >= now())"
	    "  AS feeds_running,"
	    " (SELECT count(*) FROM feeds WHERE failures > 0) AS feeds_failing,"
	    " (SELECT coalesce(extract(epoch FROM now() -"
	    "  min(coalesce(retry_at, due))), 0)::float8 FROM feeds"
	    "  WHERE coalesce(retry_at, due) <= now()"
	    "  AND (lease_until IS NULL OR lease_until < now())) AS feeds_lag",
	    .returns = &FS_DBGAUGE },
};

struct mserver {
	struct server	*srv;
	struct mhttp	*http;
	struct event	*timer;
	bool		 busy;		/* the query is in flight */
	bool		 stopped;	/* freed when it returns */
	int		 latest;	/* the last migration compiled in */
	int		 schema;	/* the database's, as last read */
	double		 db[7];		/* outbox_pending ... feeds_lag */
	double		 db_read_at;	/* unix time of the last read; 0 */
	double		 start_real;	/* unix time at start */
	uint64_t	 start_mono_ms;
};

static struct mserver	*the_ms;	/* one per cairnd */

static double
wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Connections by state: handshake, startup (TLS up, not logged in),
 * logged_in, draining (being closed, or the server is stopping). */
static void
m_conns(struct metric_out *o, void *arg)
{
	struct server *srv = the_ms->srv;
	double n[4] = { 0, 0, 0, 0 };
	struct conn *c;

	TAILQ_FOREACH(c, &srv->conns, entry) {
		if (c->state == CONN_CLOSING || srv->stopping)
			n[3]++;
		else if (c->state == CONN_HANDSHAKE)
			n[0]++;
		else if (!c->sess.valid)
			n[1]++;
		else
			n[2]++;
	}
	metric_sample(o, METRIC_LV("handshake"), n[0]);
	metric_sample(o, METRIC_LV("startup"), n[1]);
	metric_sample(o, METRIC_LV("logged_in"), n[2]);
	metric_sample(o, METRIC_LV("draining"), n[3]);
}

enum { G_BUILD, G_START, G_UPTIME, G_READY, G_DRAINING, G_POOL_SIZE,
	G_POOL_UP, G_POOL_BUSY, G_INFLIGHT, G_WAITING, G_DB_ERRORS,
	G_RECONNECTS, G_STREAMS, G_STREAM_SLOTS, G_HASH_QUEUE, G_HASH_JOBS,
	G_WATCHERS, G_SCHEMA, G_OUTBOX_PENDING, G_OUTBOX_RETRYING,
	G_OUTBOX_FAILED, G_FEEDS_DUE, G_FEEDS_RUNNING, G_FEEDS_FAILING,
	G_FEEDS_LAG, G_DB_READ_AT, G_MAX };

static void	m_one(struct metric_out *, void *);

/* Each value read when scraped: arg is its G_ index. */
#define G(i, t, n, h) [i] = { .type = (t), .name = (n), .help = (h),	\
	.fn = m_one, .arg = (void *)(intptr_t)(i) }
#define GG(i, n, h)	G(i, METRIC_GAUGE, n, h)
#define GC(i, n, h)	G(i, METRIC_COUNTER, n, h)
static struct metric_def gauges[G_MAX] = {
	[G_BUILD] = { .type = METRIC_GAUGE, .name = "cairn_build_info",
	    .help = "Always 1; the version is a label.", .labels = "version",
	    .fn = m_one, .arg = (void *)(intptr_t)G_BUILD },
	GG(G_START, "cairn_process_start_time_seconds",
	    "When cairnd started, in unix seconds."),
	GG(G_UPTIME, "cairn_uptime_seconds", "Seconds since cairnd started."),
	GG(G_READY, "cairn_ready", "1 when /readyz answers 200, else 0."),
	GG(G_DRAINING, "cairn_draining",
	    "1 from SIGTERM (drain_delay, then the stop), else 0."),
	GG(G_POOL_SIZE, "cairn_db_pool_connections",
	    "Database connections the pool keeps (db_pool)."),
	GG(G_POOL_UP, "cairn_db_pool_up",
	    "Pool connections up and taking queries."),
	GG(G_POOL_BUSY, "cairn_db_pool_busy",
	    "Pool connections with queries in flight."),
	GG(G_INFLIGHT, "cairn_db_queries_in_flight",
	    "Queries sent and not yet answered."),
	GG(G_WAITING, "cairn_db_queries_waiting",
	    "Queries waiting for a pool connection (bounded by db_queue)."),
	GC(G_DB_ERRORS, "cairn_db_connection_errors_total",
	    "Pool connections lost or failing to come up."),
	GC(G_RECONNECTS, "cairn_db_reconnects_total",
	    "Pool connections that came up again after being up."),
	GG(G_STREAMS, "cairn_db_stream_slots_in_use",
	    "Results in parts running on a pool connection."),
	GG(G_STREAM_SLOTS, "cairn_db_stream_slots",
	    "Results in parts that may pause at once (half the pool)."),
	GG(G_HASH_QUEUE, "cairn_hash_queue",
	    "Password hashes waiting for a hash thread (bounded by "
	    "hash_queue)."),
	GG(G_HASH_JOBS, "cairn_hash_jobs",
	    "Password hashes waiting or running."),
	GG(G_WATCHERS, "cairn_watchers", "Event streams (cairn watch) open."),
	GG(G_SCHEMA, "cairn_db_schema_version",
	    "The database's last migration, as last read."),
	GG(G_OUTBOX_PENDING, "cairn_outbox_pending",
	    "Notifications not yet sent nor given up (all cairnd)."),
	GG(G_OUTBOX_RETRYING, "cairn_outbox_retrying",
	    "Of the pending notifications, those that failed at least once."),
	GG(G_OUTBOX_FAILED, "cairn_outbox_failed",
	    "Notifications given up, kept until housekeeping removes them."),
	GG(G_FEEDS_DUE, "cairn_feeds_due",
	    "KPI feeds whose run is due and not taken by any cairnd."),
	GG(G_FEEDS_RUNNING, "cairn_feeds_running",
	    "KPI feeds held by a cairnd's lease (running)."),
	GG(G_FEEDS_FAILING, "cairn_feeds_failing",
	    "KPI feeds whose last run failed."),
	GG(G_FEEDS_LAG, "cairn_feeds_lag_seconds",
	    "How long the oldest due feed has waited past its slot."),
	GG(G_DB_READ_AT, "cairn_db_gauges_read_timestamp_seconds",
	    "When the database gauges (outbox, feeds, schema) were last "
	    "read, in unix seconds; 0: not yet."),
};
#undef G
#undef GG
#undef GC

static void
m_one(struct metric_out *o, void *arg)
{
	struct mserver *ms = the_ms;
	struct server *srv = ms->srv;
	struct db_stats st = { 0 };
	int i = (int)(intptr_t)arg;
	char why[8];
	double v = 0;

	if (srv->db != NULL)
		db_stats(srv->db, &st);
	switch (i) {
	case G_BUILD:
		metric_sample(o, METRIC_LV(CAIRN_VERSION), 1);
		return;
	case G_START:	v = ms->start_real; break;
	case G_UPTIME:	v = (now_ms() - ms->start_mono_ms) / 1000.0; break;
	case G_READY:	v = mserver_ready(ms, why, sizeof why); break;
	case G_DRAINING: v = srv->draining || srv->stopping; break;
	case G_POOL_SIZE: v = st.size; break;
	case G_POOL_UP:	v = st.up; break;
	case G_POOL_BUSY: v = st.busy; break;
	case G_INFLIGHT: v = st.inflight; break;
	case G_WAITING:	v = st.waiting; break;
	case G_DB_ERRORS: v = st.errors; break;
	case G_RECONNECTS: v = st.reconnects; break;
	case G_STREAMS:	v = st.streams; break;
	case G_STREAM_SLOTS: v = st.stream_slots; break;
	case G_HASH_QUEUE: v = srv->hp ? hashpool_queued(srv->hp) : 0; break;
	case G_HASH_JOBS: v = srv->hp ? hashpool_busy(srv->hp) : 0; break;
	case G_WATCHERS: v = watch_count(); break;
	case G_SCHEMA:	v = ms->schema; break;
	case G_DB_READ_AT: v = ms->db_read_at; break;
	default:
		v = ms->db[i - G_OUTBOX_PENDING];
		break;
	}
	metric_sample(o, NULL, v);
}

static struct metric_def M_CONNS = { .type = METRIC_GAUGE,
	.name = "cairn_connections", .help = "Client connections by state: "
	"handshake, startup (not logged in), logged_in, draining.",
	.labels = "state", .fn = m_conns };

static bool
ready(void *arg, char *why, size_t len)
{
	return mserver_ready(arg, why, len);
}

bool
mserver_ready(const struct mserver *ms, char *why, size_t len)
{
	const struct server *srv = ms->srv;

	if (srv->stopping)
		snprintf(why, len, "stopping");
	else if (srv->draining)
		snprintf(why, len, "draining (SIGTERM): stopping in drain_delay");
	else if (srv->db == NULL || !db_any_up(srv->db))
		snprintf(why, len, "database unreachable: no pool connection "
		    "is up");
	else if (ms->schema != ms->latest)
		snprintf(why, len, "schema not current: the database is at "
		    "migration %d, this cairnd runs %d", ms->schema,
		    ms->latest);
	else
		return true;
	return false;
}

static void	schedule(struct mserver *, int);

static void
on_read(void *arg, const PGresult *res)
{
	struct mserver *ms = arg;
	static const char *const cols[] = { "outbox_pending",
	    "outbox_retrying", "outbox_failed", "feeds_due", "feeds_running",
	    "feeds_failing", "feeds_lag" };

	ms->busy = false;
	if (ms->stopped) {
		free(ms);
		return;
	}
	if (ms->srv->stopping) {
		server_maybe_done(ms->srv);
		return;
	}
	if (!db_ok(res) || PQntuples(res) != 1) {
		const char *rule, *msg;

		db_error(res, &rule, &msg);
		log_warnx_rl("metrics db", "metrics: reading the database "
		    "gauges: %s", msg);
	} else {
		ms->schema = (int)row_int(res, 0, "schema_version");
		for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
			ms->db[i] = row_num(res, 0, cols[i]);
		ms->db_read_at = wall();
	}
	schedule(ms, ms->srv->cf->metrics_interval);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct mserver *ms = arg;
	struct stmt_params sp;
	enum wire_err why;

	if (ms->srv->stopping || ms->busy || ms->srv->db == NULL)
		return;
	stmt_params_init(&sp, ST_METRICS_DB);
	if (!db_query_named(ms->srv->db, &sp, on_read, ms, &why)) {
		/* No connection up (or the queue full): try again later;
		 * /readyz already says so. */
		schedule(ms, ms->srv->cf->metrics_interval);
		return;
	}
	ms->busy = true;
}

static void
schedule(struct mserver *ms, int s)
{
	struct timeval tv = { s, 0 };

	evtimer_add(ms->timer, &tv);
}

struct mserver *
mserver_new(struct server *srv, char *err, size_t errlen)
{
	struct mserver *ms = xcalloc(1, sizeof *ms);

	ms->srv = srv;
	ms->start_real = wall();
	ms->start_mono_ms = now_ms();
	for (const struct migration *m = migrations; m->version != 0; m++)
		if (m->version > ms->latest)
			ms->latest = m->version;
	/* migrate() brought it to this version before serving. */
	ms->schema = ms->latest;
	if (srv->cf->metrics != NULL && (ms->http = mhttp_new(srv->base,
	    srv->cf->metrics, srv->cf->metrics_remote != 0, ready, ms, err,
	    errlen)) == NULL) {
		free(ms);
		return NULL;
	}
	the_ms = ms;
	for (int i = 0; i < G_MAX; i++)
		metric_declare(&gauges[i]);
	metric_declare(&M_CONNS);
	req_metrics_declare();
	metrics_replica_declare();
	ms->timer = evtimer_new(srv->base, on_timer, ms);
	return ms;
}

void
mserver_begin(struct mserver *ms)
{
	/* The first read soon, so that the gauges are filled. */
	schedule(ms, 1);
}

void
mserver_free(struct mserver *ms)
{
	if (ms == NULL)
		return;
	mhttp_free(ms->http);
	event_free(ms->timer);
	metrics_reset();
	the_ms = NULL;
	/* A read in flight comes back (db_free answers it): freed then. */
	if (ms->busy)
		ms->stopped = true;
	else
		free(ms);
}
