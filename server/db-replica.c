/*
 * db-replica.c: streaming replicas beside the primary's pool, and which of
 * them serves a read (see db.h, "Replicas").
 *
 * Each replica (--db-replica) gets a pool of its own, like the primary's
 * but preparing only the statements declared lag_ok (stmt.h).  A timer
 * asks each replica its replay lag every LAG_EVERY_MS; a read of a lag_ok
 * statement goes to a replica whose lag is below max_replica_lag_ms, the
 * next usable one in turn, and to the primary otherwise.  The lag counted
 * is the one measured plus the time since it was asked, so a replica
 * whose replay stopped right after it answered, or that stopped
 * answering, is dropped by the time it could exceed the bound.
 *
 * The lag is measured on the replica itself, not from the primary's
 * pg_stat_replication: it needs no privilege there (replay_lag is hidden
 * from roles without pg_read_all_stats), it keeps working while the
 * primary is gone, and it is what the replica will serve.  A replica
 * whose WAL receiver is not running has an unknown lag (it may be missing
 * any amount of WAL) and is not used; one that has replayed all it
 * received has lag 0; else the lag is the age of the last transaction it
 * replayed, which may overstate it (an idle primary's first write after a
 * long pause) but never understates it.  A replica that has been promoted
 * (not in recovery) has lag 0: it is a primary now.
 *
 * A client reads its own writes: a write sent for a user is noted in the
 * primary's wrote_ms (db.c, at its sending and at its commit), and that
 * user's lag_ok reads stay on the primary for max_replica_lag_ms after it.
 * That holds within one cairnd; across several behind a load balancer
 * see docs/operations.md ("Replicas").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db-int.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

#define LAG_EVERY_MS	500

struct replica {
	struct replicas		*rs;
	struct db		*db;
	char			 name[80];	/* host:port, no secret */
	bool			 asking;	/* a lag query in flight */
	uint64_t		 asked_ms;	/* when it was sent */
	bool			 known;		/* lag_ms holds a measure */
	int64_t			 lag_ms;
	uint64_t		 measured_ms;	/* when that was asked */
	bool			 was_usable;	/* for the log's transitions */
	uint64_t		 reads;		/* reads routed here */
};

struct replicas {
	struct db		*primary;
	struct stmt_def		*tab;		/* the primary's, and the lag */
	enum stmt		 st_lag;	/* its index */
	int			 n, next;	/* next: the next one's turn */
	struct replica		 r[DB_MAXREPLICAS];
	int			 max_lag_ms;
	int			 every_ms;
	uint64_t		 reads_primary;	/* lag_ok reads on the primary */
	struct event		*timer;
};

/* The replay lag in ms, NULL when unknown (see above). */
static const struct stmt_def lag_stmt = {
	.name = "cairn_replica_lag", .kind = STMT_READ, .params = "",
	.lag_ok = true,
	.sql = "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0::bigint"
	" WHEN NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN NULL"
	" WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()"
	" THEN 0::bigint"
	" ELSE (extract(epoch FROM clock_timestamp() -"
	" pg_last_xact_replay_timestamp()) * 1000)::bigint END AS lag_ms",
};

/* host:port of a connection string, for the logs and the metrics. */
static void
replica_name(const char *conninfo, char *out, size_t len)
{
	PQconninfoOption *o = PQconninfoParse(conninfo, NULL);
	const char *host = NULL, *addr = NULL, *port = NULL;

	for (PQconninfoOption *p = o; p != NULL && p->keyword != NULL; p++) {
		if (strcmp(p->keyword, "host") == 0)
			host = p->val;
		else if (strcmp(p->keyword, "hostaddr") == 0)
			addr = p->val;
		else if (strcmp(p->keyword, "port") == 0)
			port = p->val;
	}
	snprintf(out, len, "%s:%s", host != NULL && *host != '\0' ? host :
	    addr != NULL && *addr != '\0' ? addr : "local",
	    port != NULL && *port != '\0' ? port : "5432");
	PQconninfoFree(o);
}

/* Usable now: up, measured, and the lag with the time since under the
 * bound. */
static bool
usable(const struct replica *r, uint64_t now)
{
	return r->known && db_any_up(r->db) &&
	    r->lag_ms + (int64_t)(now - r->measured_ms) <
	    r->rs->max_lag_ms;
}

static void
on_lag(void *arg, const PGresult *res)
{
	struct replica *r = arg;
	bool now_usable;

	r->asking = false;
	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK &&
	    PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
		r->lag_ms = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		if (r->lag_ms < 0)
			r->lag_ms = 0;	/* clocks: replayed "in the future" */
		r->measured_ms = r->asked_ms;
		r->known = true;
	} else
		r->known = false;
	metrics_replica_lag(r->name, r->known ? (double)r->lag_ms / 1000.0 :
	    -1.0);
	now_usable = usable(r, db_mono_ms());
	if (now_usable != r->was_usable) {
		if (now_usable)
			log_info("db replica %s: lag %lld ms, under "
			    "max_replica_lag_ms (%d): serving reads", r->name,
			    (long long)r->lag_ms, r->rs->max_lag_ms);
		else if (r->known)
			log_info("db replica %s: lag %lld ms, over "
			    "max_replica_lag_ms (%d): reads go to the primary",
			    r->name, (long long)r->lag_ms, r->rs->max_lag_ms);
		else
			log_info("db replica %s: lag unknown (%s): reads go to "
			    "the primary", r->name, res == NULL ? "no answer" :
			    PQresultStatus(res) != PGRES_TUPLES_OK ?
			    PQresultErrorMessage(res) : "no WAL receiver");
	}
	r->was_usable = now_usable;
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct replicas *rs = arg;
	enum wire_err why;

	for (int i = 0; i < rs->n; i++) {
		struct replica *r = &rs->r[i];

		if (r->asking)
			continue;	/* a slow answer: its age counts */
		if (!db_any_up(r->db)) {
			if (r->known || r->was_usable)
				on_lag(r, NULL);
			continue;
		}
		r->asked_ms = db_mono_ms();
		if (db_query(r->db, rs->st_lag, 0, NULL, on_lag, r, &why))
			r->asking = true;
	}
}

void
db_replicas_start(struct db *primary, const char *const *urls, int n,
    int max_lag_ms)
{
	struct replicas *rs;
	struct timeval tv;

	if (n <= 0)
		return;
	if (n > DB_MAXREPLICAS)
		fatalx("db: at most %d replicas", DB_MAXREPLICAS);
	rs = xcalloc(1, sizeof *rs);
	rs->primary = primary;
	rs->n = n;
	rs->max_lag_ms = max_lag_ms;
	/* Asked often enough that a replica within the bound is usable
	 * between two answers. */
	rs->every_ms = max_lag_ms / 4 < LAG_EVERY_MS ? max_lag_ms / 4 :
	    LAG_EVERY_MS;
	if (rs->every_ms < 20)
		rs->every_ms = 20;
	rs->tab = xcalloc(primary->ntab + 1, sizeof *rs->tab);
	memcpy(rs->tab, primary->tab, primary->ntab * sizeof *rs->tab);
	rs->tab[primary->ntab] = lag_stmt;
	rs->st_lag = (enum stmt)primary->ntab;
	primary->wrote_ms = xcalloc(DB_WRITERS, sizeof *primary->wrote_ms);
	for (int i = 0; i < n; i++) {
		struct replica *r = &rs->r[i];

		r->rs = rs;
		replica_name(urls[i], r->name, sizeof r->name);
		/* Its connections only start in the next turn of the loop:
		 * lag_only is set before any statement is prepared. */
		r->db = db_new_table(primary->base, urls[i], primary->size,
		    primary->max_waiting, primary->connect_timeout, rs->tab,
		    primary->ntab + 1);
		r->db->lag_only = true;
		r->db->statement_timeout = primary->statement_timeout;
		r->db->pipeline = primary->pipeline;
		snprintf(r->db->label, sizeof r->db->label, "db replica %s",
		    r->name);
		log_info("db replica %s: reads that tolerate %d ms of lag may "
		    "go there", r->name, max_lag_ms);
	}
	rs->timer = event_new(primary->base, -1, EV_PERSIST, on_timer, rs);
	tv.tv_sec = rs->every_ms / 1000;
	tv.tv_usec = (rs->every_ms % 1000) * 1000;
	event_add(rs->timer, &tv);
	primary->replicas = rs;
}

void
db_replicas_free(struct db *primary)
{
	struct replicas *rs = primary->replicas;

	if (rs == NULL)
		return;
	event_free(rs->timer);
	for (int i = 0; i < rs->n; i++)
		db_free(rs->r[i].db);
	free(rs->tab);
	free(rs);
	primary->replicas = NULL;
}

struct db *
db_route(struct db *primary, enum stmt st, int64_t user)
{
	struct replicas *rs = primary->replicas;
	uint64_t now, wrote;

	if (rs == NULL || !primary->tab[st].lag_ok)
		return primary;
	now = db_mono_ms();
	wrote = user != 0 ? primary->wrote_ms[(uint64_t)user % DB_WRITERS] :
	    0;
	if (wrote != 0 && now - wrote < (uint64_t)rs->max_lag_ms) {
		rs->reads_primary++;
		metrics_db_read(false);
		log_debug("db: %s for user %lld on the primary (it wrote %llu "
		    "ms ago)", primary->tab[st].name, (long long)user,
		    (unsigned long long)(now - wrote));
		return primary;
	}
	for (int k = 0; k < rs->n; k++) {
		int i = (rs->next + k) % rs->n;
		struct replica *r = &rs->r[i];

		if (!usable(r, now))
			continue;
		rs->next = (i + 1) % rs->n;
		r->reads++;
		metrics_db_read(true);
		log_debug("db: %s for user %lld on replica %s (lag %lld ms)",
		    primary->tab[st].name, (long long)user, r->name,
		    (long long)r->lag_ms);
		return r->db;
	}
	rs->reads_primary++;
	metrics_db_read(false);
	log_debug("db: %s for user %lld on the primary (no replica within "
	    "%d ms)", primary->tab[st].name, (long long)user, rs->max_lag_ms);
	return primary;
}

bool
db_query_routed(struct db *primary, int64_t user, enum stmt st, int n,
    const char *const *params, db_cb *cb, void *arg, enum wire_err *why)
{
	struct db *db = db_route(primary, st, user);

	/* A replica that cannot queue it (its queue full): the primary. */
	if (db != primary && db_query(db, st, n, params, cb, arg, why))
		return true;
	return db_query_as(primary, user, st, n, params, cb, arg, why);
}

struct dbq *
db_stream_routed(struct db *primary, int64_t user, enum stmt st, int n,
    const char *const *params, bool may_pause, db_row_cb *row, db_cb *done,
    void *arg, enum wire_err *why)
{
	struct db *db = db_route(primary, st, user);
	struct dbq *q;

	if (db != primary && (q = db_stream(db, st, n, params, may_pause, row,
	    done, arg, why)) != NULL)
		return q;
	return db_stream(primary, st, n, params, may_pause, row, done, arg,
	    why);
}

int
db_replica_stats(const struct db *primary, struct db_replica_stat *out,
    int max, uint64_t *reads_primary)
{
	const struct replicas *rs = primary->replicas;
	uint64_t now = db_mono_ms();
	int n = 0;

	*reads_primary = rs != NULL ? rs->reads_primary : 0;
	for (int i = 0; rs != NULL && i < rs->n && n < max; i++, n++) {
		const struct replica *r = &rs->r[i];

		snprintf(out[n].name, sizeof out[n].name, "%s", r->name);
		out[n].up = db_any_up(r->db);
		out[n].known = r->known;
		out[n].lag_s = r->known ? (double)r->lag_ms / 1000.0 : -1.0;
		out[n].usable = usable(r, now);
		out[n].reads = r->reads;
	}
	return n;
}
