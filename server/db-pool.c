/*
 * db-pool.c: a pool's life (see db.h): its creation, with each
 * statement's text compiled and the start-up hold, its settings, its
 * figures, and its end.  The machinery that runs its connections is
 * db.c's; this file only calls in (db_wire, dbc_wire, fail_waiting).
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>

#include "db-int.h"
#include "log.h"
#include "stmt.h"
#include "xmalloc.h"

/* End of the start-up hold: whoever still waits gets E_UNAVAILABLE. */
static void
on_hold_end(evutil_socket_t fd, short what, void *arg)
{
	struct db *db = arg;

	if (db->nup == 0 && db->nwaiting > 0) {
		log_warnx("db: no connection within %d s of start-up; failing "
		    "%zu waiting queries", db->connect_timeout, db->nwaiting);
		fail_waiting(db);
	}
}

/*
 * Each statement's text as prepared: a named one compiled (stmt.h), which
 * stops cairnd when its declaration and its text disagree; a positional
 * one as written.
 */
static char **
db_compile(const struct stmt_def *tab, int ntab)
{
	char **sql = xcalloc(ntab > 0 ? ntab : 1, sizeof *sql);
	char err[256];

	for (int i = 0; i < ntab; i++) {
		if (tab[i].lag_ok && tab[i].kind != STMT_READ)
			fatalx("db: statement %s writes: it cannot be lag_ok",
			    tab[i].name);
		if (tab[i].params == NULL) {
			sql[i] = xstrdup(tab[i].sql);
			continue;
		}
		if (!stmt_compile(&tab[i], &sql[i], err, sizeof err))
			fatalx("db: %s", err);
	}
	return sql;
}

void
db_set_hooks(struct db *db, const struct db_hooks *h)
{
	db->hooks = *h;
}

struct db *
db_new_table(struct event_base *base, const char *conninfo, int size,
    size_t max_waiting, int connect_timeout, const struct stmt_def *tab,
    int ntab)
{
	struct db *db = xcalloc(1, sizeof *db);
	struct timeval hold = { connect_timeout, 0 };
	char *err = NULL;

	db->base = base;
	snprintf(db->label, sizeof db->label, "db");
	db->conninfo = xstrdup(conninfo);
	if ((db->opts = PQconninfoParse(conninfo, &err)) == NULL)
		fatalx("db: bad connection string: %s", err ? err :
		    "out of memory");
	db_hosts_parse(db);
	db->tab = tab;
	db->ntab = ntab;
	db->shapes = xcalloc(ntab, sizeof *db->shapes);
	db->sql = db_compile(tab, ntab);
	db->hold_until_ms = db_mono_ms() + (uint64_t)connect_timeout * 1000;
	db->hold_ev = evtimer_new(base, on_hold_end, db);
	evtimer_add(db->hold_ev, &hold);
	db->size = size;
	db->max_waiting = max_waiting;
	db->connect_timeout = connect_timeout;
	db->statement_timeout = 30000;
	db->pipeline = 32;
	db_wire(db);
	TAILQ_INIT(&db->waiting);
	TAILQ_INIT(&db->swaiting);
	db->max_streams = size / 2 > 0 ? size / 2 : 1;
	db->max_all = size > 1 ? size - 1 : 1;
	db->c = xcalloc(size, sizeof *db->c);
	for (int i = 0; i < size; i++) {
		struct dbc *c = &db->c[i];
		c->db = db;
		c->idx = i;
		c->backoff_ms = BACKOFF_MIN_MS;
		TAILQ_INIT(&c->inflight);
		dbc_wire(c);
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
	/*
	 * What is still in flight or waiting (a shutdown past its grace) is
	 * answered as lost, so that its owner frees what it holds; nothing
	 * new is accepted meanwhile.
	 */
	db->closing = true;
	for (int i = 0; i < db->size; i++) {
		struct dbc *c = &db->c[i];
		struct query *q;

		while ((q = TAILQ_FIRST(&c->inflight)) != NULL) {
			TAILQ_REMOVE(&c->inflight, q, entry);
			c->ninflight--;
			db->inflight--;
			q->cb(q->arg, NULL);
			query_free(q);
		}
	}
	fail_waiting(db);
	for (int i = 0; i < db->size; i++) {
		struct dbc *c = &db->c[i];
		dbc_lookups_cancel(c);
		if (c->ev != NULL)
			event_free(c->ev);
		event_free(c->timer);
		event_free(c->sync_ev);
		event_free(c->resume_ev);
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
	while ((w = TAILQ_FIRST(&db->swaiting)) != NULL) {
		TAILQ_REMOVE(&db->swaiting, w, entry);
		query_free(w);
	}
	for (int i = 0; i < db->ntab; i++)
		free(db->shapes[i].types);
	for (int i = 0; i < db->ntab; i++)
		free(db->sql[i]);
	free(db->sql);
	free(db->shapes);
	event_free(db->hold_ev);
	PQconninfoFree(db->opts);
	db_hosts_free(db);
	free(db->wrote_ms);
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

void
db_stats(const struct db *db, struct db_stats *st)
{
	*st = (struct db_stats){ .size = db->size, .up = db->nup,
	    .inflight = db->inflight, .waiting = db->nwaiting + db->nswaiting,
	    .streams = db->nstreams, .stream_slots = db->max_streams,
	    .errors = db->nerrors, .reconnects = db->nreconnects };
	for (int i = 0; i < db->size; i++)
		if (db->c[i].state == DBC_BUSY)
			st->busy++;
}
