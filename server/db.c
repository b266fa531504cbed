/*
 * db.c: the asynchronous PostgreSQL pool (see db.h).
 *
 * Each connection is a small state machine driven by one libevent event on
 * its socket: DOWN -> CONNECTING (PQconnectPoll) -> PREPARING (one
 * PQsendPrepare per statement) -> IDLE <-> BUSY.  A lost connection fails
 * its queries with a NULL result and reconnects with exponential backoff.
 *
 * Ready connections run in libpq's pipeline mode, and a busy connection may
 * take up to db_pipeline queries at once.  A statement that writes is sent
 * with its own sync point and answered only when that sync confirms its
 * commit.  Reads (declared STMT_READ in sql.c) sent in one turn of
 * the loop share one sync, sent at the end of the turn: one write to the
 * socket instead of one per query.  A read is answered as soon as its rows
 * are in; if one read of a batch fails, the reads after it come back
 * PIPELINE_ABORTED and are queued again.  That saves the
 * round trip and the wake-ups per query under load.  A query is queued
 * behind another only while that one is young (DB_STALL_MS): a query held
 * by a lock does not collect others behind it; they wait for a free
 * connection instead.
 * Callbacks always run from the event loop, never from inside db_query(),
 * so callers need not guard against re-entry.  When a stream may start
 * and what ends one is db-stream.c's; a query's allocation db-query.c's;
 * the pool's creation, settings and end db-pool.c's.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db-int.h"
#include "log.h"
#include "stmt.h"

#define DB_STALL_MS	10

static void	on_timer(evutil_socket_t, short, void *);
static void	dbc_lost(struct dbc *, const char *);
static void	dbc_serve_waiting(struct dbc *);
static void	dbc_on_event(evutil_socket_t, short, void *);
static void	dbc_start(struct dbc *, struct query *);
static void	on_readable(struct dbc *);

/*
 * While a stream waits and may start, the first connection not streaming
 * takes no new queries, so that it drains and the stream gets it even
 * under load.
 */
static bool
dbc_reserved(const struct dbc *c)
{
	const struct db *db = c->db;

	if (!streams_startable(db))
		return false;
	for (int i = 0; i < db->size; i++) {
		const struct dbc *o = &db->c[i];
		if (!o->streaming && (o->state == DBC_IDLE ||
		    o->state == DBC_BUSY))
			return o == c;
	}
	return false;
}

/* May another query be pipelined onto c now? */
static bool
dbc_can_take(const struct dbc *c, uint64_t now)
{
	const struct query *head;

	if (c->streaming || dbc_reserved(c))
		return false;
	if (c->state == DBC_IDLE)
		return true;
	if (c->state != DBC_BUSY || c->ninflight >= c->db->pipeline)
		return false;
	head = TAILQ_FIRST(&c->inflight);
	return head == NULL || now - head->sent_ms < DB_STALL_MS;
}

/* A paused stream: read nothing more until db_stream_resume(); PostgreSQL
 * then waits on its socket, and cairnd holds no more than libpq's buffer. */
static void
disarm(struct dbc *c)
{
	if (c->ev != NULL && c->ev_what != 0) {
		event_del(c->ev);
		c->ev_what = 0;
	}
}

static void
on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct dbc *c = arg;

	if (c->state == DBC_BUSY)
		on_readable(c);
}

static void
dbc_serve_waiting(struct dbc *c)
{
	struct db *db = c->db;
	struct query *q;
	uint64_t now = db_mono_ms();

	serve_streams(db);

	while ((q = TAILQ_FIRST(&db->waiting)) != NULL && dbc_can_take(c, now)) {
		TAILQ_REMOVE(&db->waiting, q, entry);
		db->nwaiting--;
		dbc_start(c, q);
	}
}

void
fail_waiting(struct db *db)
{
	struct query *q;

	while ((q = TAILQ_FIRST(&db->waiting)) != NULL) {
		TAILQ_REMOVE(&db->waiting, q, entry);
		db->nwaiting--;
		db->inflight--;
		q->cb(q->arg, NULL);
		query_free(q);
	}
	while ((q = TAILQ_FIRST(&db->swaiting)) != NULL) {
		swaiting_remove(db, q);
		db->inflight--;
		q->cb(q->arg, NULL);
		query_free(q);
	}
}

/*
 * A write by user (sent, or confirmed): reads that may go to a replica
 * stay on the primary for that user until max_replica_lag_ms has passed
 * (db-replica.c), so that a client reads its own writes.  Users sharing a
 * slot only read from the primary more often.
 */
static void
note_write(struct db *db, const struct query *q)
{
	if (db->wrote_ms != NULL && q->user != 0 &&
	    db->tab[q->st].kind == STMT_WRITE)
		db->wrote_ms[(uint64_t)q->user % DB_WRITERS] = db_mono_ms();
}

/* The head query is done: deliver its result. */
static void
finish(struct dbc *c)
{
	struct query *q = TAILQ_FIRST(&c->inflight);
	PGresult *res = q->res;

	TAILQ_REMOVE(&c->inflight, q, entry);
	c->ninflight--;
	q->res = NULL;
	if (q->row != NULL)
		dbc_stream_ended(c);
	if (c->ninflight == 0)
		c->state = DBC_IDLE;
	/* Refill before the callback, so the queue stays first-in
	 * first-out even if the callback queries again. */
	dbc_serve_waiting(c);
	c->db->inflight--;
	if (q->own_sync && res != NULL &&
	    (PQresultStatus(res) == PGRES_TUPLES_OK ||
	    PQresultStatus(res) == PGRES_COMMAND_OK)) {
		note_write(c->db, q);
		if (c->db->hooks.committed != NULL)
			c->db->hooks.committed(c->db->hooks.arg);
	}
	q->cb(q->arg, res);
	PQclear(res);
	query_free(q);
}

/*
 * A read aborted because an earlier read of its batch failed: set aside,
 * in order, to go back to the front of the waiting queue once this turn's
 * results are all read (requeue_done).  Until then it is on no list that
 * anything else walks.
 */
static void
requeue(struct dbc *c, struct query *q, struct queryq *aside)
{
	TAILQ_REMOVE(&c->inflight, q, entry);
	c->ninflight--;
	if (c->ninflight == 0)
		c->state = DBC_IDLE;
	PQclear(q->res);
	q->res = NULL;
	q->owner = NULL;
	q->aborted = q->ended = false;
	TAILQ_INSERT_TAIL(aside, q, entry);
}

/* Put the reads set aside back at the front of the waiting queue, in one
 * splice, and send them again (or fail them if no connection is up). */
static void
requeue_done(struct db *db, struct queryq *aside)
{
	struct dbc *c;
	size_t n = 0;
	struct query *q;

	if (TAILQ_EMPTY(aside))
		return;
	TAILQ_FOREACH(q, aside, entry)
		n++;
	TAILQ_CONCAT(aside, &db->waiting, entry);
	TAILQ_CONCAT(&db->waiting, aside, entry);
	db->nwaiting += n;
	log_debug("db: %zu reads after a failed one in their batch are sent "
	    "again", n);
	if (db->nup == 0) {
		fail_waiting(db);
		return;
	}
	for (int i = 0; i < db->size && !TAILQ_EMPTY(&db->waiting); i++) {
		c = &db->c[i];
		if (c->state == DBC_IDLE || c->state == DBC_BUSY)
			dbc_serve_waiting(c);
	}
}

/* Send a sync point: it closes the queries sent since the last one. */
static bool
send_sync(struct dbc *c)
{
	if (!PQpipelineSync(c->pg))
		return false;
	c->syncs_sent++;
	return true;
}

/* End of a loop turn: one sync for the reads sent during it. */
static void
on_sync_due(evutil_socket_t fd, short what, void *arg)
{
	struct dbc *c = arg;

	if (!c->sync_due || c->state == DBC_DOWN)
		return;
	c->sync_due = false;
	if (!send_sync(c)) {
		dbc_lost(c, PQerrorMessage(c->pg));
		return;
	}
	dbc_arm_flush(c);
}

static bool
is_error(const PGresult *r)
{
	ExecStatusType st = PQresultStatus(r);

	return st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK;
}

/*
 * Results arrive in the order queries were sent; each query's results come
 * before the sync that closes it (q->seg).  Anything else (a result with no
 * query, a result after its query's sync, columns other than its
 * statement's, a query of another connection at our head) means our books
 * and the server's disagree: the connection is dropped, failing what is in
 * flight, rather than hand anyone an answer that is not theirs.
 */
static bool
result_fits(struct dbc *c, const struct query *q, const PGresult *r,
    const char **why)
{
	ExecStatusType st = PQresultStatus(r);

	if (q == NULL) {
		*why = "a result with no query in flight";
		return false;
	}
	if (q->owner != c) {
		*why = "a query of another connection in flight here";
		return false;
	}
	if (q->seg != c->syncs_seen) {
		*why = "a result after its query's sync";
		return false;
	}
	if (q->ended && st != PGRES_FATAL_ERROR) {
		*why = "a second result for a finished query";
		return false;
	}
	if (st == PGRES_SINGLE_TUPLE && q->row == NULL) {
		*why = "a single row for a query that is no stream";
		return false;
	}
	if ((st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK ||
	    st == PGRES_SINGLE_TUPLE) && !db_shape_fits(c->db, q->st, r)) {
		*why = "columns other than its statement's";
		return false;
	}
	return true;
}

/*
 * Keep the result that decides the query's fate: the first one, unless a
 * later one is an error (a write whose commit fails at its sync reports
 * the error after its rows; the error must win).
 */
static void
keep_result(struct query *q, PGresult *r)
{
	if (q->res == NULL || (is_error(r) && !is_error(q->res))) {
		PQclear(q->res);
		q->res = r;
	} else
		PQclear(r);
}

static void
on_readable(struct dbc *c)
{
	struct queryq aside;
	const char *why;
	PGresult *r;

	if (!PQconsumeInput(c->pg) || PQstatus(c->pg) == CONNECTION_BAD) {
		dbc_lost(c, PQerrorMessage(c->pg));
		return;
	}
	if (c->state == DBC_PREPARING) {
		while (!PQisBusy(c->pg)) {
			if ((r = PQgetResult(c->pg)) == NULL) {
				dbc_prepared(c);
				return;
			}
			if (c->res == NULL)
				c->res = r;
			else
				PQclear(r);
		}
		dbc_arm(c, EV_READ);
		return;
	}
	/* Pipeline: per query, its result(s) then NULL; syncs come between
	 * (after each write, after each batch of reads). */
	TAILQ_INIT(&aside);
	int nulls = 0;
	while (c->state == DBC_BUSY && !PQisBusy(c->pg)) {
		struct query *q = TAILQ_FIRST(&c->inflight);

		if (q != NULL && q->paused)
			break;		/* its reader is behind: wait */
		r = PQgetResult(c->pg);
		if (r == NULL && q != NULL && q->ended && nulls++ == 0)
			continue;	/* after a commit error: its sync next */
		if (r != NULL)
			nulls = 0;
		if (r == NULL) {
			if (q == NULL || q->ended)
				break;		/* nothing more for now */
			if (q->aborted) {
				requeue(c, q, &aside);
				continue;
			}
			if (q->res == NULL) {
				why = "a query ended with no result";
				goto mismatch;
			}
			if (q->own_sync) {
				q->ended = true;	/* commit comes with sync */
				continue;
			}
			finish(c);
			if (c->state == DBC_DOWN)
				goto out;
			continue;
		}
		switch (PQresultStatus(r)) {
		case PGRES_PIPELINE_SYNC:
			PQclear(r);
			/* A write's sync confirms its commit (or brings the
			 * error that undid it); a batch's sync belongs to
			 * reads already answered. */
			if (q != NULL && q->seg == c->syncs_seen &&
			    !(q->own_sync && q->ended)) {
				why = "a sync before its queries' results";
				goto mismatch;
			}
			c->syncs_seen++;
			if (q != NULL && q->own_sync && q->ended) {
				finish(c);
				if (c->state == DBC_DOWN)
					goto out;
			}
			continue;
		case PGRES_PIPELINE_ABORTED:
			PQclear(r);
			if (q == NULL || q->owner != c ||
			    q->seg != c->syncs_seen) {
				why = "an aborted result with no query";
				goto mismatch;
			}
			q->aborted = true;
			continue;
		default:
			break;
		}
		if (!result_fits(c, q, r, &why)) {
			PQclear(r);
			goto mismatch;
		}
		if (q->row != NULL && (PQresultStatus(r) == PGRES_SINGLE_TUPLE ||
		    (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0))) {
			/* A stream's rows go to its owner as they come; the
			 * last result (no rows, or all of them when single-row
			 * mode could not be set) still ends it. */
			if (!q->row(q->arg, r))
				q->paused = true;
			if (PQresultStatus(r) == PGRES_SINGLE_TUPLE) {
				PQclear(r);
				continue;
			}
		}
		keep_result(q, r);
	}
	if (c->state != DBC_DOWN) {
		PGnotify *n;
		while ((n = PQnotifies(c->pg)) != NULL) {
			if (c->db->hooks.notified != NULL)
				c->db->hooks.notified(c->db->hooks.arg,
				    n->relname, n->extra);
			PQfreemem(n);
		}
	}
	if (c->state != DBC_DOWN) {
		struct query *h = TAILQ_FIRST(&c->inflight);
		if (h != NULL && h->paused)
			disarm(c);
		else
			dbc_arm_flush(c);
	}
	if (!TAILQ_EMPTY(&c->db->swaiting))
		serve_streams(c->db);
out:
	requeue_done(c->db, &aside);
	return;
mismatch:
	log_warnx("%s: connection %d: %s: dropping the connection rather "
	    "than deliver a result to the wrong query", c->db->label, c->idx,
	    why);
	dbc_lost(c, why);
	requeue_done(c->db, &aside);
}

static void
dbc_on_event(evutil_socket_t fd, short what, void *arg)
{
	struct dbc *c = arg;

	switch (c->state) {
	case DBC_CONNECTING:
		switch (PQconnectPoll(c->pg)) {
		case PGRES_POLLING_READING:
			dbc_arm_connecting(c, EV_READ);
			break;
		case PGRES_POLLING_WRITING:
			dbc_arm_connecting(c, EV_WRITE);
			break;
		case PGRES_POLLING_OK:
			dbc_clear_timer(c);
			if (PQsetnonblocking(c->pg, 1) != 0) {
				dbc_lost(c, "cannot set non-blocking");
				break;
			}
			c->state = DBC_PREPARING;
			c->prep = -1;
			dbc_send_prepare(c);
			break;
		default:
			dbc_lost(c, PQerrorMessage(c->pg));
			break;
		}
		return;
	case DBC_PREPARING:
	case DBC_BUSY:
	case DBC_IDLE:
		if (what & EV_WRITE) {
			int r = PQflush(c->pg);
			if (r == -1) {
				dbc_lost(c, PQerrorMessage(c->pg));
				return;
			}
			if (r == 1 && !(what & EV_READ)) {
				dbc_arm(c, EV_READ | EV_WRITE);
				return;
			}
		}
		if (what & EV_READ)
			on_readable(c);
		else
			dbc_arm(c, EV_READ);
		return;
	case DBC_DOWN:
	case DBC_RESOLVING:
		return;
	}
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct dbc *c = arg;
	enum dbc_timer why = c->timer_why;

	c->timer_why = T_NONE;
	switch (why) {
	case T_RECONNECT:
		dbc_connect(c);
		break;
	case T_CONNECT_TIMEOUT:
		dbc_lost(c, "connect timeout");
		break;
	case T_FAIL:
		dbc_lost(c, PQerrorMessage(c->pg));
		break;
	case T_NONE:
		break;
	}
}

static void
dbc_lost(struct dbc *c, const char *why)
{
	struct db *db = c->db;
	struct queryq lost;
	struct query *q;
	bool was_up = c->state == DBC_IDLE || c->state == DBC_BUSY;
	char msg[256];

	snprintf(msg, sizeof msg, "%s", why ? why : "");
	msg[strcspn(msg, "\n")] = '\0';
	if (was_up || c->backoff_ms == BACKOFF_MIN_MS)
		log_warnx("%s: connection %d lost: %s", c->db->label, c->idx,
		    msg);
	else
		log_debug("%s: connection %d: %s", c->db->label, c->idx, msg);
	if (c->ev != NULL) {
		event_free(c->ev);
		c->ev = NULL;
	}
	dbc_clear_timer(c);
	PQclear(c->res);
	c->res = NULL;
	PQfinish(c->pg);
	c->pg = NULL;
	TAILQ_INIT(&lost);
	TAILQ_CONCAT(&lost, &c->inflight, entry);
	c->ninflight = 0;
	c->sync_due = false;
	c->syncs_sent = c->syncs_seen = 0;
	event_del(c->sync_ev);
	event_del(c->resume_ev);
	c->state = DBC_DOWN;
	if (was_up)
		db->nup--;
	db->nerrors++;
	if (was_up && db->hooks.down != NULL)
		db->hooks.down(db->hooks.arg);
	/* The next attempt starts at the next host of a list (db-conn.c). */
	c->first_host = (c->first_host + 1) % DB_MAXHOSTS;
	dbc_set_timer(c, T_RECONNECT, c->backoff_ms);
	c->backoff_ms *= 2;
	if (c->backoff_ms > BACKOFF_MAX_MS)
		c->backoff_ms = BACKOFF_MAX_MS;
	dbc_stream_ended(c);
	while ((q = TAILQ_FIRST(&lost)) != NULL) {
		TAILQ_REMOVE(&lost, q, entry);
		db->inflight--;
		q->cb(q->arg, NULL);
		query_free(q);
	}
	/* Fail fast: with no connection up, nobody should wait for one
	 * (except at start-up, until the first one is up or the hold ends). */
	if (db->nup == 0 && !db_holding(db))
		fail_waiting(db);
	else
		/* The lost stream's slot is free now: a stream waiting for
		 * one starts on a quiet connection without waiting for some
		 * other query to end (a stalled stream cancelled, held.sh). */
		serve_streams(db);
}

static void
dbc_start(struct dbc *c, struct query *q)
{
	bool read = c->db->tab[q->st].kind == STMT_READ;

	TAILQ_INSERT_TAIL(&c->inflight, q, entry);
	c->ninflight++;
	c->state = DBC_BUSY;
	q->owner = c;
	q->sent_ms = db_mono_ms();
	q->own_sync = !read;
	/* A write never joins the implicit transaction of pending reads:
	 * close their batch first. */
	if (!read && c->sync_due) {
		c->sync_due = false;
		if (!send_sync(c))
			goto fail;
	}
	q->seg = c->syncs_sent;
	note_write(c->db, q);
	if (!PQsendQueryPrepared(c->pg, c->db->tab[q->st].name, q->n,
	    (const char *const *)q->params, NULL, NULL, 0))
		goto fail;
	if (q->row != NULL) {
		/* Alone on a quiet connection, so the query is at the head of
		 * libpq's queue and single-row mode can be set.  If it cannot,
		 * the rows still come, in one result (and memory). */
		c->streaming = true;
		c->held = q->may_pause;
		c->db->nstreams++;
		if (c->held)
			c->db->nheld++;
		q->own_sync = true;
		if (!PQsetSingleRowMode(c->pg))
			log_warnx("%s: connection %d: single-row mode refused;"
			    " the result comes whole", c->db->label, c->idx);
		read = false;
	}
	if (read) {
		if (!c->sync_due) {
			c->sync_due = true;
			event_active(c->sync_ev, EV_TIMEOUT, 0);
		}
		return;
	}
	if (!send_sync(c))
		goto fail;
	dbc_arm_flush(c);
	return;
fail:
	/* Report from the loop, never from inside db_query(). */
	dbc_set_timer(c, T_FAIL, 0);
}

/* A connection came up: the others of the pool waiting out their
 * backoff try now (the database, or a new primary, is back: the pool
 * need not come back one backoff at a time); serve what waits, then tell
 * the hooks. */
static void
dbc_ready(struct dbc *c)
{
	if (c->been_up)
		c->db->nreconnects++;
	c->been_up = true;
	for (int i = 0; i < c->db->size; i++) {
		struct dbc *o = &c->db->c[i];

		if (o->state == DBC_DOWN && o->timer_why == T_RECONNECT) {
			o->backoff_ms = BACKOFF_MIN_MS;
			dbc_set_timer(o, T_RECONNECT, 0);
		}
	}
	dbc_serve_waiting(c);
	if (c->db->hooks.up != NULL)
		c->db->hooks.up(c->db->hooks.arg);
}

/* What db_new_table (db-pool.c) takes from here: the pool's callbacks,
 * and a connection's timer and the events that send its sync and resume
 * its stream. */
void
db_wire(struct db *db)
{
	db->on_event = dbc_on_event;
	db->lost = dbc_lost;
	db->ready = dbc_ready;
	db->start = dbc_start;
}

void
dbc_wire(struct dbc *c)
{
	c->timer = evtimer_new(c->db->base, on_timer, c);
	c->sync_ev = event_new(c->db->base, -1, 0, on_sync_due, c);
	c->resume_ev = event_new(c->db->base, -1, 0, on_resume, c);
}

bool
db_query(struct db *db, enum stmt st, int n, const char *const *params,
    db_cb *cb, void *arg, enum wire_err *why)
{
	return db_query_as(db, 0, st, n, params, cb, arg, why);
}

bool
db_query_as(struct db *db, int64_t user, enum stmt st, int n,
    const char *const *params, db_cb *cb, void *arg, enum wire_err *why)
{
	struct query *q;

	if (!db_can_queue(db, db->nwaiting, why))
		return false;
	q = query_new(st, n, params, cb, arg);
	q->pool = db;
	q->user = user;
	db->inflight++;
	if (TAILQ_EMPTY(&db->waiting)) {
		/* An idle connection first; else the least loaded one that
		 * can take another query without waiting behind a slow one. */
		struct dbc *best = NULL;
		uint64_t now = db_mono_ms();
		for (int i = 0; i < db->size; i++) {
			struct dbc *c = &db->c[i];
			if (!dbc_can_take(c, now))
				continue;
			if (c->state == DBC_IDLE) {
				best = c;
				break;
			}
			if (best == NULL || c->ninflight < best->ninflight)
				best = c;
		}
		if (best != NULL) {
			dbc_start(best, q);
			return true;
		}
	}
	TAILQ_INSERT_TAIL(&db->waiting, q, entry);
	db->nwaiting++;
	return true;
}

bool
db_query_named(struct db *db, const struct stmt_params *sp, db_cb *cb,
    void *arg, enum wire_err *why)
{
	char msg[200];

	if (!sp_ready(sp, msg, sizeof msg)) {
		log_warnx("%s", msg);
		*why = E_INTERNAL;
		return false;
	}
	return db_query(db, (enum stmt)sp->st, sp->n, sp->v, cb, arg, why);
}

