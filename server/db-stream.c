/*
 * db-stream.c: streams, queries whose rows come one at a time to a
 * callback that may pause them (see db.h, db_stream): when one may start,
 * on which connection, and what ends it.  The pool (db.c) runs a started
 * stream's connection and calls in here; this file reaches a connection
 * only through the pool's start and lost pointers, so that it depends on
 * nothing of db.c (tests/check-deps.py).
 */
#include <sys/queue.h>

#include "db-int.h"

/*
 * A stream runs alone on a connection with nothing else in flight (it may
 * pause for its reader, and nothing may wait behind it).  Streams that may
 * pause (results in parts) take at most max_streams connections, half the
 * pool; all streams together at most max_all, so that one connection at
 * least always serves ordinary queries.  A stream that never pauses (rows
 * gathered for one reply) does not wait behind the ones that may: it
 * needs only a quiet connection.
 */
static bool
stream_startable(const struct db *db, const struct query *q)
{
	if (db->nstreams >= db->max_all)
		return false;
	return !q->may_pause || db->nheld < db->max_streams;
}

/* Some waiting stream could start if a connection were quiet. */
bool
streams_startable(const struct db *db)
{
	if (db->nswaiting == 0 || db->nstreams >= db->max_all)
		return false;
	return db->nswaiting > db->nswaiting_held ||
	    db->nheld < db->max_streams;
}

/* Nothing in flight and every sync answered: a stream may start here
 * (single-row mode needs its query at the head of libpq's queue). */
static bool
dbc_quiet(const struct dbc *c)
{
	return c->state == DBC_IDLE && !c->sync_due &&
	    c->syncs_seen == c->syncs_sent;
}

void
swaiting_remove(struct db *db, struct query *q)
{
	TAILQ_REMOVE(&db->swaiting, q, entry);
	db->nswaiting--;
	if (q->may_pause)
		db->nswaiting_held--;
}

/* Start the waiting streams that may start, first come first served
 * within each kind. */
void
serve_streams(struct db *db)
{
	struct query *q, *next;

	for (q = TAILQ_FIRST(&db->swaiting); q != NULL &&
	    streams_startable(db); q = next) {
		next = TAILQ_NEXT(q, entry);
		if (!stream_startable(db, q))
			continue;
		struct dbc *c = NULL;
		for (int i = 0; i < db->size && c == NULL; i++)
			if (dbc_quiet(&db->c[i]))
				c = &db->c[i];
		if (c == NULL)
			return;
		swaiting_remove(db, q);
		db->start(c, q);
	}
}

/* The stream on c is over (done, lost or cancelled): its slot is free. */
void
dbc_stream_ended(struct dbc *c)
{
	if (!c->streaming)
		return;
	c->streaming = false;
	c->db->nstreams--;
	if (c->held)
		c->db->nheld--;
	c->held = false;
}

struct dbq *
db_stream(struct db *db, enum stmt st, int n, const char *const *params,
    bool may_pause, db_row_cb *row, db_cb *done, void *arg,
    enum wire_err *why)
{
	struct query *q;

	if (!db_can_queue(db, db->nswaiting, why))
		return NULL;
	q = query_new(st, n, params, done, arg);
	q->pool = db;
	q->row = row;
	q->may_pause = may_pause;
	db->inflight++;
	TAILQ_INSERT_TAIL(&db->swaiting, q, entry);
	db->nswaiting++;
	if (may_pause)
		db->nswaiting_held++;
	serve_streams(db);
	return (struct dbq *)q;
}

void
db_stream_resume(struct dbq *h)
{
	struct query *q = (struct query *)h;

	if (!q->paused)
		return;
	q->paused = false;
	if (q->owner != NULL)
		event_active(q->owner->resume_ev, EV_TIMEOUT, 0);
}

int
db_stream_slots(const struct db *db)
{
	return db->max_streams;
}

bool
db_stream_started(const struct dbq *h)
{
	return ((const struct query *)h)->owner != NULL;
}

/*
 * PostgreSQL may be blocked writing to us, where neither statement_timeout
 * nor a cancel request that waits for its reply helps at once (PQcancel
 * also connects synchronously): the surest way out is to close the
 * connection.  The backend's next write then fails and it ends; the pool
 * reconnects in the background (BACKOFF_MIN_MS).  The stream is alone on
 * its connection, so no other query is lost.
 */
void
db_stream_cancel(struct db *given, struct dbq *h, const char *why)
{
	struct query *q = (struct query *)h;
	/* The pool it was queued on: a replica's, when it was routed. */
	struct db *db = q->pool;

	if (q->owner != NULL) {
		q->owner->db->lost(q->owner, why);
		return;
	}
	swaiting_remove(db, q);
	db->inflight--;
	q->cb(q->arg, NULL);
	query_free(q);
	serve_streams(db);
}
