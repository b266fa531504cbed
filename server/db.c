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
 * so callers need not guard against re-entry.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "xmalloc.h"

#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	5000
#define DB_STALL_MS	10

struct query {
	TAILQ_ENTRY(query)	 entry;
	enum stmt		 st;
	int			 n;
	char			**params;	/* one allocation */
	db_cb			*cb;
	void			*arg;
	PGresult		*res;		/* its first result */
	bool			 ended;		/* results done, sync next */
	bool			 own_sync;	/* a write: wait for its sync */
	bool			 aborted;	/* PIPELINE_ABORTED: send again */
	uint64_t		 sent_ms;
};
TAILQ_HEAD(queryq, query);

enum dbc_state { DBC_DOWN, DBC_CONNECTING, DBC_PREPARING, DBC_IDLE,
	DBC_BUSY };
enum dbc_timer { T_NONE, T_RECONNECT, T_CONNECT_TIMEOUT, T_FAIL };

struct dbc {
	struct db	*db;
	int		 idx;
	PGconn		*pg;
	enum dbc_state	 state;
	struct event	*ev;
	int		 ev_fd;
	short		 ev_what;
	struct event	*timer;
	enum dbc_timer	 timer_why;
	int		 prep;		/* -1: settings, then statements */
	int		 backoff_ms;
	struct queryq	 inflight;	/* sent, in order */
	int		 ninflight;
	bool		 sync_due;	/* reads sent without a sync yet */
	struct event	*sync_ev;	/* sends it at the end of the turn */
	PGresult	*res;		/* while PREPARING */
};

struct db {
	struct event_base	*base;
	char			*conninfo;
	int			 size;
	struct dbc		*c;
	struct queryq		 waiting;
	size_t			 nwaiting, max_waiting;
	int			 connect_timeout;
	int			 nup;
	size_t			 inflight;
	int			 statement_timeout;
	int			 pipeline;	/* queries per connection */
};

static void	on_event(evutil_socket_t, short, void *);
static void	on_timer(evutil_socket_t, short, void *);
static void	dbc_connect(struct dbc *);
static void	dbc_lost(struct dbc *, const char *);
static void	dbc_start(struct dbc *, struct query *);

static void
query_free(struct query *q)
{
	PQclear(q->res);
	free(q->params);
	free(q);
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* May another query be pipelined onto c now? */
static bool
dbc_can_take(const struct dbc *c, uint64_t now)
{
	const struct query *head;

	if (c->state == DBC_IDLE)
		return true;
	if (c->state != DBC_BUSY || c->ninflight >= c->db->pipeline)
		return false;
	head = TAILQ_FIRST(&c->inflight);
	return head == NULL || now - head->sent_ms < DB_STALL_MS;
}

static void
arm(struct dbc *c, short what)
{
	int fd = PQsocket(c->pg);

	/*
	 * The event is persistent and changed only when the socket or the
	 * wanted events change: most queries need no epoll_ctl at all.  The
	 * socket may change across reconnects: re-read it each time.
	 */
	if (c->ev != NULL && c->ev_fd == fd && c->ev_what == what)
		return;
	if (c->ev != NULL && c->ev_fd != fd) {
		event_free(c->ev);
		c->ev = NULL;
	}
	if (c->ev == NULL)
		c->ev = event_new(c->db->base, fd, what | EV_PERSIST, on_event,
		    c);
	else {
		event_del(c->ev);
		event_assign(c->ev, c->db->base, fd, what | EV_PERSIST,
		    on_event, c);
	}
	c->ev_fd = fd;
	c->ev_what = what;
	event_add(c->ev, NULL);
}

static void
set_timer(struct dbc *c, enum dbc_timer why, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	c->timer_why = why;
	evtimer_add(c->timer, &tv);
}

static void
clear_timer(struct dbc *c)
{
	c->timer_why = T_NONE;
	evtimer_del(c->timer);
}

/* After sending: flush, then wait for the reply. */
static void
arm_flush(struct dbc *c)
{
	int r = PQflush(c->pg);

	if (r == -1)
		dbc_lost(c, PQerrorMessage(c->pg));
	else
		arm(c, r == 1 ? EV_READ | EV_WRITE : EV_READ);
}

static void
send_prepare(struct dbc *c)
{
	int ok;

	if (c->prep < 0) {
		char v[32];
		const char *p[1] = { v };

		snprintf(v, sizeof v, "%d", c->db->statement_timeout);
		ok = PQsendQueryParams(c->pg, "SELECT set_config("
		    "'statement_timeout', $1, false)", 1, NULL, p, NULL, NULL,
		    0);
	} else
		ok = PQsendPrepare(c->pg, stmts[c->prep].name,
		    stmts[c->prep].sql, 0, NULL);
	if (!ok) {
		dbc_lost(c, PQerrorMessage(c->pg));
		return;
	}
	arm_flush(c);
}

static void
serve_waiting(struct dbc *c)
{
	struct db *db = c->db;
	struct query *q;
	uint64_t now = mono_ms();

	while ((q = TAILQ_FIRST(&db->waiting)) != NULL && dbc_can_take(c, now)) {
		TAILQ_REMOVE(&db->waiting, q, entry);
		db->nwaiting--;
		dbc_start(c, q);
	}
}

static void
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
}

/* Preparation step done (PQgetResult returned NULL). */
static void
prepared(struct dbc *c)
{
	PGresult *res = c->res;
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	c->res = NULL;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		log_warnx("db: preparing %s: %s", c->prep < 0 ? "settings" :
		    stmts[c->prep].name, res ? PQresultErrorMessage(res) :
		    "no result");
		PQclear(res);
		dbc_lost(c, "statement preparation failed");
		return;
	}
	PQclear(res);
	if (++c->prep < ST_MAX) {
		send_prepare(c);
		return;
	}
	if (PQenterPipelineMode(c->pg) != 1) {
		dbc_lost(c, "cannot enter pipeline mode");
		return;
	}
	c->state = DBC_IDLE;
	c->backoff_ms = BACKOFF_MIN_MS;
	c->db->nup++;
	log_debug("db: connection %d ready (%d up)", c->idx, c->db->nup);
	if (c->db->nup == 1 || c->db->nup == c->db->size)
		log_info("db: %d of %d connections up", c->db->nup,
		    c->db->size);
	arm(c, EV_READ);
	serve_waiting(c);
}

/* The head query's sync arrived: it is done. */
static void
finish(struct dbc *c)
{
	struct query *q = TAILQ_FIRST(&c->inflight);
	PGresult *res = q->res;

	TAILQ_REMOVE(&c->inflight, q, entry);
	c->ninflight--;
	q->res = NULL;
	if (c->ninflight == 0)
		c->state = DBC_IDLE;
	/* Refill before the callback, so the queue stays first-in
	 * first-out even if the callback queries again. */
	serve_waiting(c);
	c->db->inflight--;
	q->cb(q->arg, res);
	PQclear(res);
	query_free(q);
}

/*
 * A read aborted because an earlier read of its batch failed: back to the
 * front of the waiting queue, in order, to be sent again.
 */
static void
requeue(struct dbc *c, struct query *q, struct query **after)
{
	struct db *db = c->db;

	TAILQ_REMOVE(&c->inflight, q, entry);
	c->ninflight--;
	if (c->ninflight == 0)
		c->state = DBC_IDLE;
	PQclear(q->res);
	q->res = NULL;
	q->aborted = q->ended = false;
	if (*after == NULL)
		TAILQ_INSERT_HEAD(&db->waiting, q, entry);
	else
		TAILQ_INSERT_AFTER(&db->waiting, *after, q, entry);
	*after = q;
	db->nwaiting++;
}

/* End of a loop turn: one sync for the reads sent during it. */
static void
on_sync_due(evutil_socket_t fd, short what, void *arg)
{
	struct dbc *c = arg;

	if (!c->sync_due || c->state == DBC_DOWN)
		return;
	c->sync_due = false;
	if (!PQpipelineSync(c->pg)) {
		dbc_lost(c, PQerrorMessage(c->pg));
		return;
	}
	arm_flush(c);
}

static void
on_readable(struct dbc *c)
{
	PGresult *r;

	if (!PQconsumeInput(c->pg) || PQstatus(c->pg) == CONNECTION_BAD) {
		dbc_lost(c, PQerrorMessage(c->pg));
		return;
	}
	if (c->state == DBC_PREPARING) {
		while (!PQisBusy(c->pg)) {
			if ((r = PQgetResult(c->pg)) == NULL) {
				prepared(c);
				return;
			}
			if (c->res == NULL)
				c->res = r;
			else
				PQclear(r);
		}
		arm(c, EV_READ);
		return;
	}
	/* Pipeline: per query, its result(s) then NULL; syncs come between
	 * (after each write, after each batch of reads). */
	struct query *requeue_at = NULL;
	while (c->state == DBC_BUSY && !PQisBusy(c->pg)) {
		struct query *q = TAILQ_FIRST(&c->inflight);

		r = PQgetResult(c->pg);
		if (r == NULL) {
			if (q == NULL || q->ended)
				break;		/* nothing more for now */
			if (q->aborted) {
				requeue(c, q, &requeue_at);
				continue;
			}
			if (q->own_sync) {
				q->ended = true;	/* commit comes with sync */
				continue;
			}
			finish(c);
			if (c->state == DBC_DOWN)
				return;
			continue;
		}
		switch (PQresultStatus(r)) {
		case PGRES_PIPELINE_SYNC:
			/* A write's sync confirms its commit; a batch's sync
			 * belongs to reads already answered. */
			PQclear(r);
			if (q != NULL && q->own_sync && q->ended) {
				finish(c);
				if (c->state == DBC_DOWN)
					return;
			}
			continue;
		case PGRES_PIPELINE_ABORTED:
			PQclear(r);
			if (q != NULL)
				q->aborted = true;
			continue;
		default:
			break;
		}
		if (q != NULL && q->res == NULL)
			q->res = r;
		else
			PQclear(r);
	}
	if (requeue_at != NULL) {
		log_debug("db: connection %d: reads after a failed one in "
		    "their batch are sent again", c->idx);
		serve_waiting(c);
	}
	if (c->state == DBC_IDLE) {
		PGnotify *n;
		while ((n = PQnotifies(c->pg)) != NULL)
			PQfreemem(n);
	}
	if (c->state != DBC_DOWN)
		arm_flush(c);
}

static void
on_event(evutil_socket_t fd, short what, void *arg)
{
	struct dbc *c = arg;

	switch (c->state) {
	case DBC_CONNECTING:
		switch (PQconnectPoll(c->pg)) {
		case PGRES_POLLING_READING:
			arm(c, EV_READ);
			break;
		case PGRES_POLLING_WRITING:
			arm(c, EV_WRITE);
			break;
		case PGRES_POLLING_OK:
			clear_timer(c);
			if (PQsetnonblocking(c->pg, 1) != 0) {
				dbc_lost(c, "cannot set non-blocking");
				break;
			}
			c->state = DBC_PREPARING;
			c->prep = -1;
			send_prepare(c);
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
				arm(c, EV_READ | EV_WRITE);
				return;
			}
		}
		if (what & EV_READ)
			on_readable(c);
		else
			arm(c, EV_READ);
		return;
	case DBC_DOWN:
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
on_notice(void *arg, const char *msg)
{
	struct dbc *c = arg;

	log_debug("db: connection %d: %.*s", c->idx, (int)strcspn(msg, "\n"),
	    msg);
}

static void
dbc_connect(struct dbc *c)
{
	c->pg = PQconnectStart(c->db->conninfo);
	if (c->pg == NULL || PQstatus(c->pg) == CONNECTION_BAD) {
		dbc_lost(c, c->pg ? PQerrorMessage(c->pg) : "out of memory");
		return;
	}
	/* libpq would print notices on stderr itself: log them instead. */
	PQsetNoticeProcessor(c->pg, on_notice, c);
	c->state = DBC_CONNECTING;
	set_timer(c, T_CONNECT_TIMEOUT, c->db->connect_timeout * 1000);
	arm(c, EV_WRITE);
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
		log_warnx("db: connection %d lost: %s", c->idx, msg);
	else
		log_debug("db: connection %d: %s", c->idx, msg);
	if (c->ev != NULL) {
		event_free(c->ev);
		c->ev = NULL;
	}
	clear_timer(c);
	PQclear(c->res);
	c->res = NULL;
	PQfinish(c->pg);
	c->pg = NULL;
	TAILQ_INIT(&lost);
	TAILQ_CONCAT(&lost, &c->inflight, entry);
	c->ninflight = 0;
	c->sync_due = false;
	event_del(c->sync_ev);
	c->state = DBC_DOWN;
	if (was_up)
		db->nup--;
	set_timer(c, T_RECONNECT, c->backoff_ms);
	c->backoff_ms *= 2;
	if (c->backoff_ms > BACKOFF_MAX_MS)
		c->backoff_ms = BACKOFF_MAX_MS;
	while ((q = TAILQ_FIRST(&lost)) != NULL) {
		TAILQ_REMOVE(&lost, q, entry);
		db->inflight--;
		q->cb(q->arg, NULL);
		query_free(q);
	}
	/* Fail fast: with no connection up, nobody should wait for one. */
	if (db->nup == 0)
		fail_waiting(db);
}

static void
dbc_start(struct dbc *c, struct query *q)
{
	bool read = stmts[q->st].kind == STMT_READ;

	TAILQ_INSERT_TAIL(&c->inflight, q, entry);
	c->ninflight++;
	c->state = DBC_BUSY;
	q->sent_ms = mono_ms();
	q->own_sync = !read;
	/* A write never joins the implicit transaction of pending reads:
	 * close their batch first. */
	if (!read && c->sync_due) {
		c->sync_due = false;
		if (!PQpipelineSync(c->pg))
			goto fail;
	}
	if (!PQsendQueryPrepared(c->pg, stmts[q->st].name, q->n,
	    (const char *const *)q->params, NULL, NULL, 0))
		goto fail;
	if (read) {
		if (!c->sync_due) {
			c->sync_due = true;
			event_active(c->sync_ev, EV_TIMEOUT, 0);
		}
		return;
	}
	if (!PQpipelineSync(c->pg))
		goto fail;
	arm_flush(c);
	return;
fail:
	/* Report from the loop, never from inside db_query(). */
	set_timer(c, T_FAIL, 0);
}

struct db *
db_new(struct event_base *base, const char *conninfo, int size,
    size_t max_waiting, int connect_timeout)
{
	struct db *db = xcalloc(1, sizeof *db);

	db->base = base;
	db->conninfo = xstrdup(conninfo);
	db->size = size;
	db->max_waiting = max_waiting;
	db->connect_timeout = connect_timeout;
	db->statement_timeout = 30000;
	db->pipeline = 32;
	TAILQ_INIT(&db->waiting);
	db->c = xcalloc(size, sizeof *db->c);
	for (int i = 0; i < size; i++) {
		struct dbc *c = &db->c[i];
		c->db = db;
		c->idx = i;
		c->backoff_ms = BACKOFF_MIN_MS;
		TAILQ_INIT(&c->inflight);
		c->timer = evtimer_new(base, on_timer, c);
		c->sync_ev = event_new(base, -1, 0, on_sync_due, c);
		dbc_connect(c);
	}
	return db;
}

void
db_set_statement_timeout(struct db *db, int ms)
{
	db->statement_timeout = ms;
}

void
db_set_pipeline(struct db *db, int n)
{
	db->pipeline = n;
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	for (int i = 0; i < db->size; i++) {
		struct dbc *c = &db->c[i];
		if (c->ev != NULL)
			event_free(c->ev);
		event_free(c->timer);
		event_free(c->sync_ev);
		PQclear(c->res);
		struct query *q;
		while ((q = TAILQ_FIRST(&c->inflight)) != NULL) {
			TAILQ_REMOVE(&c->inflight, q, entry);
			query_free(q);
		}
		PQfinish(c->pg);
	}
	struct query *w;
	while ((w = TAILQ_FIRST(&db->waiting)) != NULL) {
		TAILQ_REMOVE(&db->waiting, w, entry);
		query_free(w);
	}
	free(db->c);
	free(db->conninfo);
	free(db);
}

bool
db_any_up(const struct db *db)
{
	return db->nup > 0;
}

size_t
db_busy(const struct db *db)
{
	return db->inflight;
}

bool
db_query(struct db *db, enum stmt st, int n, const char *const *params,
    db_cb *cb, void *arg, enum wire_err *why)
{
	struct query *q;
	size_t total = n * sizeof(char *);
	char *p;

	if (db->nup == 0) {
		*why = E_UNAVAILABLE;
		return false;
	}
	if (db->nwaiting >= db->max_waiting) {
		*why = E_LIMIT;
		return false;
	}
	for (int i = 0; i < n; i++)
		if (params[i] != NULL)
			total += strlen(params[i]) + 1;
	q = xcalloc(1, sizeof *q);
	q->st = st;
	q->n = n;
	q->cb = cb;
	q->arg = arg;
	q->params = xmalloc(total);
	p = (char *)(q->params + n);
	for (int i = 0; i < n; i++) {
		if (params[i] == NULL) {
			q->params[i] = NULL;
			continue;
		}
		size_t l = strlen(params[i]) + 1;
		memcpy(p, params[i], l);
		q->params[i] = p;
		p += l;
	}
	db->inflight++;
	if (TAILQ_EMPTY(&db->waiting)) {
		/* An idle connection first; else the least loaded one that
		 * can take another query without waiting behind a slow one. */
		struct dbc *best = NULL;
		uint64_t now = mono_ms();
		for (int i = 0; i < db->size; i++) {
			struct dbc *c = &db->c[i];
			if (c->state == DBC_IDLE) {
				best = c;
				break;
			}
			if (dbc_can_take(c, now) && (best == NULL ||
			    c->ninflight < best->ninflight))
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
db_ok(const PGresult *res)
{
	ExecStatusType st;

	if (res == NULL)
		return false;
	st = PQresultStatus(res);
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

enum wire_err
db_error(const PGresult *res, const char **rule, const char **msg)
{
	const char *state, *m;

	*rule = NULL;
	if (res == NULL) {
		*msg = "database unavailable, try again later";
		return E_UNAVAILABLE;
	}
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (state == NULL)
		state = "XX000";
	if (strncmp(state, "CA", 2) == 0) {
		/* Our triggers: the message is the rule's name. */
		const char *d = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
		*rule = m ? m : "unknown";
		*msg = d ? d : "refused by a rule";
		return E_RULE;
	}
	if (strcmp(state, "23505") == 0) {
		*msg = "already exists";
		return E_CONFLICT;
	}
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0) {
		*msg = "concurrent change, try again";
		return E_CONFLICT;
	}
	if (strncmp(state, "23", 2) == 0 || strncmp(state, "22", 2) == 0) {
		*msg = m ? m : "invalid value";
		return E_INVALID;
	}
	if (strcmp(state, "57014") == 0) {
		*msg = "database statement timeout";
		return E_UNAVAILABLE;
	}
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
	    strncmp(state, "53", 2) == 0) {
		*msg = "database unavailable, try again later";
		return E_UNAVAILABLE;
	}
	log_warnx("db: unexpected error %s: %s", state, m ? m : "");
	*msg = "internal error";
	return E_INTERNAL;
}
