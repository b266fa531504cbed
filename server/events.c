/*
 * events.c: the sequencer, the LISTEN connection and the ring of recent
 * events (events.h).
 *
 * The connection is a pool of one (db.c) of its own: it comes up, prepares
 * the statements, reconnects with backoff like the request pool's, and is
 * never lent to a request, so a slow request never delays an event and a
 * flood of events never takes a request's connection.  When it comes up
 * (first time or after a loss) it LISTENs again and reads from the last
 * seq it has: a NOTIFY sent while it was down is lost, the rows are not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event-ring.h"
#include "events.h"
#include "log.h"
#include "mpack.h"
#include "row.h"
#include "samples.h"
#include "sql.h"
#include "stmt.h"
#include "xmalloc.h"

/* What a frame shows of an event, and what the reading rule reads. */
static const struct field ev_f[] = {
	{ "seq", F_INT }, { "at", F_STR }, { "kind", F_STR },
	{ "entity", F_STR }, { "id", F_INT }, { "team", F_STR },
	{ "period", F_STR }, { "actor", F_STR }, { "source", F_STR },
	{ "summary", F_STR },
	{ "audience", F_HIDDEN }, { "team_id", F_HIDDEN },
	{ "period_id", F_HIDDEN }, { "objective_id", F_HIDDEN },
	{ "user_id", F_HIDDEN }, { "owner_id", F_HIDDEN },
	{ "actor_id", F_HIDDEN },
};
static const struct fieldset FS_EVENT = FIELDSET("event", ev_f);

static const struct field seq_f[] = { { "n", F_INT } };
static const struct fieldset FS_SEQUENCED = FIELDSET("sequenced", seq_f);

const stmt_table events_stmts = {
	/* Issued again each time the connection comes up. */
	[ST_EVENT_LISTEN] = { .name = "event_listen", .kind = STMT_READ,
	    .params = "", .sql = "LISTEN cairn_events" },
	[ST_CACHE_LISTEN] = { .name = "cache_listen", .kind = STMT_READ,
	    .params = "", .sql = "LISTEN cairn_cache" },
	/* Where a cairnd starts: the last seq given, so that it delivers
	 * what happens from then on (older events are read from the table
	 * by a watcher's --since). */
	[ST_EVENT_TOP] = { .name = "event_top", .kind = STMT_READ,
	    .params = "", .sql = "SELECT last_seq AS n FROM events_state",
	    .returns = &FS_SEQUENCED },
	[ST_EVENT_SEQUENCE] = { .name = "event_sequence",
	    .kind = STMT_WRITE, .params = "lim",
	    .sql = "SELECT event_sequence($lim::integer) AS n",
	    .returns = &FS_SEQUENCED },
	[ST_EVENT_FETCH] = { .name = "event_fetch", .kind = STMT_READ,
	    .params = "after lim",
	    .sql = "SELECT * FROM events_after($after::bigint,"
	    " $lim::integer)",
	    .returns = &FS_EVENT },
};

#define SEQUENCE_LIM	"5000"
#if EVENTS_RING < 2 * EVENTS_PAGE
#error "a read's events must all be in the ring when the sink runs"
#endif

struct events {
	struct event_base	*base;
	struct db		*db;
	struct events_cache_hooks cache;	/* main.c's (cache.h) */
	struct event		*sweep;		/* EVENTS_SWEEP_MS */
	struct event		*kick;		/* a poke, from the loop */
	bool			 seq_running, seq_again;
	bool			 kick_pending;	/* kick is scheduled */
	uint64_t		 seq_started_ms;	/* the last run's start */
	uint64_t		 poked_ms;	/* the kick's first poke */
	uint64_t		 fetch_ms;	/* the read's start */
	struct samples		 wait, run, read;	/* events_report */
	bool			 fetch_running;
	int64_t			 heard;		/* highest seq NOTIFYed */
	int64_t			 top;		/* highest seq read */
	bool			 top_known;	/* read from the table once */
	struct ev_ring		 ring;		/* the latest events */
	events_sink		*sink;
	void			*sink_arg;
	char			 after[24];	/* fetch's parameter */
};

static void	fetch(struct events *);

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
static void	sequence(struct events *);

static enum ev_audience
audience(const char *s)
{
	if (strcmp(s, "all") == 0)
		return EVA_ALL;
	if (strcmp(s, "team") == 0)
		return EVA_TEAM;
	if (strcmp(s, "user") == 0)
		return EVA_USER;
	return EVA_ADMIN;		/* the narrowest, for anything else */
}

static int64_t
id_or_0(const PGresult *res, int row, const char *name)
{
	return row_null(res, row, name) ? 0 : row_int(res, row, name);
}

/* "2026-12-06T08:15:40.123Z" as Unix ms; 0 when malformed. */
static int64_t
at_ms(const char *s)
{
	struct tm tm = { 0 };
	int ms = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
	    &ms) != 7)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

bool
ev_from_row(struct ev *e, const PGresult *res, int row)
{
	struct rowpack rp;
	msgpack_sbuffer sb;
	msgpack_packer pk;

	memset(e, 0, sizeof *e);
	if (!rowpack_init(&rp, &FS_EVENT, res))
		return false;
	e->seq = row_int(res, row, "seq");
	e->audience = audience(row_text(res, row, "audience"));
	e->team_id = id_or_0(res, row, "team_id");
	e->period_id = id_or_0(res, row, "period_id");
	e->objective_id = id_or_0(res, row, "objective_id");
	e->user_id = id_or_0(res, row, "user_id");
	e->owner_id = id_or_0(res, row, "owner_id");
	e->actor_id = id_or_0(res, row, "actor_id");
	snprintf(e->kind, sizeof e->kind, "%s", row_text(res, row, "kind"));
	e->at_ms = at_ms(row_text(res, row, "at"));
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	rowpack_row(&pk, &rp, row, 0);
	e->packed = sb.data;		/* the sbuffer's, now ours */
	e->size = sb.size;
	return true;
}

/* Sequencing ------------------------------------------------------------ */

static void
on_sequenced(void *arg, const PGresult *res)
{
	struct events *ev = arg;
	bool more = false;

	ev->seq_running = false;
	samples_add(&ev->run, (int64_t)(mono_ms() - ev->seq_started_ms));
	if (res == NULL || !db_ok(res))
		log_warnx("events: sequencing failed: %s", res == NULL ?
		    "connection lost" : PQresultErrorMessage(res));
	else
		more = row_int(res, 0, "n") >= atoi(SEQUENCE_LIM);
	if (more || ev->seq_again) {
		ev->seq_again = false;
		sequence(ev);
	}
}

static void
sequence(struct events *ev)
{
	struct stmt_params sp;
	enum wire_err why;

	if (ev->seq_running) {
		ev->seq_again = true;
		return;
	}
	stmt_params_init(&sp, ST_EVENT_SEQUENCE);
	sp_set(&sp, "lim", SEQUENCE_LIM);
	if (db_query_named(ev->db, &sp, on_sequenced, ev, &why)) {
		ev->seq_running = true;
		ev->seq_started_ms = mono_ms();
	}
	/* else: the connection is down; the sweep or its coming up runs it */
}

static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
	struct events *ev = arg;

	ev->kick_pending = false;
	samples_add(&ev->wait, (int64_t)(mono_ms() - ev->poked_ms));
	sequence(ev);
}

static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct events *ev = arg;
	struct timeval tv = { EVENTS_SWEEP_MS / 1000,
	    (EVENTS_SWEEP_MS % 1000) * 1000 };

	sequence(ev);
	if (!ev->fetch_running && ev->heard > ev->top)
		fetch(ev);
	evtimer_add(ev->sweep, &tv);
}

/*
 * A write committed.  The run starts at once when the last one started
 * EVENTS_BATCH_MS ago or more, else when that much has passed: the
 * changes of those milliseconds are then numbered, read and sent
 * together, one frame write per watcher for all of them instead of one
 * per change (a watcher's cost is in its writes, 1,000 of them per
 * batch), at the price of at most EVENTS_BATCH_MS of delay.  From the
 * pool's callback: the run starts from the loop, after it returns.
 */
void
events_poke(struct events *ev)
{
	uint64_t since;
	struct timeval tv = { 0, 0 };

	if (ev == NULL || ev->kick_pending)
		return;
	ev->kick_pending = true;
	ev->poked_ms = mono_ms();
	since = ev->poked_ms - ev->seq_started_ms;
	if (since < EVENTS_BATCH_MS)
		tv.tv_usec = (suseconds_t)(EVENTS_BATCH_MS - since) * 1000;
	event_add(ev->kick, &tv);
}

/* Reading --------------------------------------------------------------- */

static void
on_fetched(void *arg, const PGresult *res)
{
	struct events *ev = arg;
	static const struct ev *fresh[EVENTS_PAGE];
	int n, nfresh = 0;
	bool bad = false;

	ev->fetch_running = false;
	samples_add(&ev->read, (int64_t)(mono_ms() - ev->fetch_ms));
	if (res == NULL || !db_ok(res)) {
		log_warnx("events: reading events failed: %s", res == NULL ?
		    "connection lost" : PQresultErrorMessage(res));
		return;			/* the sweep tries again */
	}
	n = PQntuples(res);
	for (int i = 0; i < n && i < EVENTS_PAGE; i++) {
		struct ev e;

		if (!ev_from_row(&e, res, i)) {
			log_warnx("events: a malformed event row");
			bad = true;	/* those before it still go out */
			break;
		}
		if (e.seq <= ev->top) {		/* cannot happen: seq > after */
			ev_clear(&e);
			continue;
		}
		ev->top = e.seq;
		/* The ring (EVENTS_RING) holds more than a page: none of
		 * this read's events is pushed out before the sink runs. */
		fresh[nfresh++] = ring_push(&ev->ring, &e);
	}
	if (ev->sink != NULL && nfresh > 0)
		ev->sink(ev->sink_arg, fresh, nfresh);
	if (bad)
		return;			/* the sweep tries again */
	ev->top_known = true;
	if (n == EVENTS_PAGE || ev->heard > ev->top)
		fetch(ev);
}

static void
fetch(struct events *ev)
{
	struct stmt_params sp;
	enum wire_err why;
	static char lim[16];

	if (ev->fetch_running || !ev->top_known)
		return;
	snprintf(lim, sizeof lim, "%d", EVENTS_PAGE);
	snprintf(ev->after, sizeof ev->after, "%lld", (long long)ev->top);
	stmt_params_init(&sp, ST_EVENT_FETCH);
	sp_set(&sp, "after", ev->after);
	sp_set(&sp, "lim", lim);
	if (db_query_named(ev->db, &sp, on_fetched, ev, &why)) {
		ev->fetch_running = true;
		ev->fetch_ms = mono_ms();
	}
}

static void
on_notified(void *arg, const char *channel, const char *payload)
{
	struct events *ev = arg;
	long long s;
	char *end;

	if (strcmp(channel, "cairn_cache") == 0) {
		if (ev->cache.notified != NULL)
			ev->cache.notified(payload);
		return;
	}
	if (strcmp(channel, "cairn_events") != 0)
		return;
	s = strtoll(payload, &end, 10);
	if (*end != '\0' || s <= 0)
		return;
	if (s > ev->heard)
		ev->heard = s;
	if (ev->heard > ev->top)
		fetch(ev);
}

static void
on_listening(void *arg, const PGresult *res)
{
	struct events *ev = arg;

	if (res == NULL || !db_ok(res)) {
		log_warnx("events: LISTEN failed: %s", res == NULL ?
		    "connection lost" : PQresultErrorMessage(res));
		return;
	}
	log_debug("events: listening from seq %lld", (long long)ev->top);
}

static void
on_top(void *arg, const PGresult *res)
{
	struct events *ev = arg;

	if (res == NULL || !db_ok(res) || PQntuples(res) != 1) {
		log_warnx("events: reading the last seq failed: %s",
		    res == NULL ? "connection lost" :
		    PQresultErrorMessage(res));
		return;
	}
	if (!ev->top_known) {
		ev->top = row_int(res, 0, "n");
		ev->top_known = true;
	}
	fetch(ev);
	sequence(ev);
}

static void
on_cache_listening(void *arg, const PGresult *res)
{
	struct events *ev = arg;

	if (res == NULL || !db_ok(res)) {
		log_warnx("cache: LISTEN failed: %s", res == NULL ?
		    "connection lost" : PQresultErrorMessage(res));
		return;
	}
	if (ev->cache.listening != NULL)
		ev->cache.listening();
}

/* The connection went down: what this cairnd caches can no longer hear
 * of changes (cache.h). */
static void
on_down(void *arg)
{
	struct events *ev = arg;

	if (ev->cache.lost != NULL)
		ev->cache.lost();
}

/* The connection came up: LISTEN, then read what was missed (the first
 * time: from the last seq given, see ST_EVENT_TOP), then sequence what
 * waits. */
static void
on_up(void *arg)
{
	struct events *ev = arg;
	struct stmt_params sp;
	enum wire_err why;

	ev->fetch_running = false;
	ev->seq_running = false;
	stmt_params_init(&sp, ST_CACHE_LISTEN);
	if (!db_query_named(ev->db, &sp, on_cache_listening, ev, &why))
		return;
	stmt_params_init(&sp, ST_EVENT_LISTEN);
	if (!db_query_named(ev->db, &sp, on_listening, ev, &why))
		return;
	if (ev->top_known) {
		fetch(ev);
		sequence(ev);
		return;
	}
	stmt_params_init(&sp, ST_EVENT_TOP);
	if (!db_query_named(ev->db, &sp, on_top, ev, &why))
		log_debug("events: the connection went down again");
}

/* Setting up ------------------------------------------------------------ */

struct events *
events_new(struct event_base *base, const char *conninfo,
    int connect_timeout)
{
	struct events *ev = xcalloc(1, sizeof *ev);
	struct db_hooks h = { .notified = on_notified, .up = on_up,
	    .down = on_down, .arg = ev };
	struct timeval tv;

	ev->base = base;
	ev->db = db_new_table(base, conninfo, 1, 256, connect_timeout,
	    stmts, ST_MAX);
	db_set_hooks(ev->db, &h);
	ev->kick = evtimer_new(base, on_kick, ev);
	ev->sweep = evtimer_new(base, on_sweep, ev);
	if (ev->kick == NULL || ev->sweep == NULL)
		fatalx("events: cannot make the timers");
	tv.tv_sec = EVENTS_SWEEP_MS / 1000;
	tv.tv_usec = (EVENTS_SWEEP_MS % 1000) * 1000;
	evtimer_add(ev->sweep, &tv);
	return ev;
}

void
events_set_cache_hooks(struct events *ev, const struct events_cache_hooks *h)
{
	ev->cache = *h;
}

void
events_set_sink(struct events *ev, events_sink *fn, void *arg)
{
	ev->sink = fn;
	ev->sink_arg = arg;
}

void
events_report(struct events *ev)
{
	char w[80], r[80], f[80];

	samples_take(&ev->wait, w, sizeof w);
	samples_take(&ev->run, r, sizeof r);
	samples_take(&ev->read, f, sizeof f);
	log_info("events: the wait for a batch (EVENTS_BATCH_MS): %s; the "
	    "sequencer's run: %s; the read of new events: %s", w, r, f);
}

int64_t
events_top(const struct events *ev)
{
	return ev->top;
}

bool
events_replay(const struct events *ev, int64_t after, int64_t upto,
    void (*fn)(void *, const struct ev *), void *arg)
{
	if (after >= ev->top || after >= upto)
		return true;
	return ring_replay(&ev->ring, after, upto, fn, arg);
}

void
events_free(struct events *ev)
{
	if (ev == NULL)
		return;
	db_free(ev->db);
	event_free(ev->kick);
	event_free(ev->sweep);
	ring_clear(&ev->ring);
	free(ev);
}
