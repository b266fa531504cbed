/*
 * db.h: a pool of PostgreSQL connections driven by the event loop through
 * libpq's asynchronous API.  Nothing here blocks.
 *
 * Statements are prepared on every connection as it comes up (sql.c holds
 * them), so a query names a statement and passes text parameters; no SQL is
 * ever built from user text.  When all connections are busy a query waits
 * in a FIFO queue; when none is up, db_query() fails at once so that the
 * caller can answer E_UNAVAILABLE, and the pool keeps reconnecting with
 * backoff in the background.
 */
#ifndef CAIRN_DB_H
#define CAIRN_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "sql.h"
#include "wire.h"

struct db;

/*
 * res is NULL when the connection was lost (E_UNAVAILABLE).  It is owned by
 * the pool and cleared after the callback returns.
 */
typedef void db_cb(void *arg, const PGresult *res);

struct db	*db_new(struct event_base *, const char *conninfo, int size,
		    size_t max_waiting, int connect_timeout);
/* The same with a statement table of one's own (tests). */
struct db	*db_new_table(struct event_base *, const char *conninfo,
		    int size, size_t max_waiting, int connect_timeout,
		    const struct stmt_def *, int n);
void		 db_free(struct db *);
void		 db_set_statement_timeout(struct db *, int);
void		 db_set_pipeline(struct db *, int);
bool		 db_any_up(const struct db *);
size_t		 db_busy(const struct db *);	/* queries not yet answered */
/* For the metrics (metrics-server.c): the pool as it is now. */
struct db_stats {
	int		 size, up, busy;	/* connections */
	size_t		 inflight, waiting;	/* queries */
	int		 streams, stream_slots;	/* running; that may pause */
	uint64_t	 errors, reconnects;	/* since start */
};
void		 db_stats(const struct db *, struct db_stats *);

/*
 * Hooks for the event stream (events.c), called from the loop: committed()
 * after a write's sync confirmed its commit (any write statement, once
 * per write); notified() for each NOTIFY a connection received; up() when
 * a connection has come up and may take queries (a LISTEN is lost with
 * its connection, so it is issued again there).  Any may be NULL.
 */
struct db_hooks {
	void	(*committed)(void *arg);
	void	(*notified)(void *arg, const char *channel,
		    const char *payload);
	void	(*up)(void *arg);
	void	(*down)(void *arg);	/* a connection that was up is lost */
	void	*arg;
};
void		 db_set_hooks(struct db *, const struct db_hooks *);

/* Params are copied.  False: no connection up or queue full (*why). */
bool		 db_query(struct db *, enum stmt, int nparams,
		    const char *const *params, db_cb *, void *arg,
		    enum wire_err *why);

/* The same on behalf of user (a session's user id; 0: cairnd's own): a
 * write by a user is noted, so that the routing (db-replica.c) keeps that
 * user's lag-tolerant reads on the primary while a replica may not have
 * it yet.  db_query() is db_query_as() for user 0. */
bool		 db_query_as(struct db *, int64_t user, enum stmt,
		    int nparams, const char *const *params, db_cb *,
		    void *arg, enum wire_err *why);

/* The same for a statement with named parameters (stmt.h): one left
 * unset or not declared is logged with its name and refused (E_INTERNAL
 * in *why). */
struct stmt_params;
bool		 db_query_named(struct db *, const struct stmt_params *,
		    db_cb *, void *arg, enum wire_err *why)
		    __attribute__((warn_unused_result));

/*
 * A query whose rows are handed over as they arrive (libpq's single-row
 * mode), for results too large to hold: row(arg, res) for each result
 * holding rows (one row, or all of them if single-row mode could not be
 * set), returning false to pause until db_stream_resume(); then done(arg,
 * res) once with the final result (no rows), an error, or NULL when the
 * connection was lost or the stream cancelled.  A stream runs alone on a
 * connection, so a paused one delays no other query.  Streams that may
 * pause (may_pause) take at most half the pool at once, and the others
 * wait; all streams together leave one connection to ordinary queries.
 * NULL: not queued (*why).
 */
struct dbq;
typedef bool db_row_cb(void *arg, const PGresult *res);
struct dbq	*db_stream(struct db *, enum stmt, int nparams,
		    const char *const *params, bool may_pause, db_row_cb *row,
		    db_cb *done, void *arg, enum wire_err *why);
void		 db_stream_resume(struct dbq *);
/* How many streams that may pause run at once (half the pool). */
int		 db_stream_slots(const struct db *);
/* Whether the stream has its connection yet (else it waits for one). */
bool		 db_stream_started(const struct dbq *);
/* End the stream now: done(arg, NULL) runs before this returns, and its
 * slot is free.  A running one loses its connection (see db-stream.c). */
void		 db_stream_cancel(struct db *, struct dbq *, const char *why);

/*
 * Replicas (db-replica.c): a pool per streaming replica, for the reads
 * declared lag_ok (stmt.h).  db_route() picks where such a read of user's
 * goes: a replica whose replay lag, measured every 500 ms (or a quarter
 * of the bound), is under max_lag_ms, unless user wrote within max_lag_ms
 * (a client reads its own writes); else the primary.  Any other statement
 * goes to the primary.  The _routed calls queue there, falling back to
 * the primary when the replica's queue is full.
 */
#define DB_MAXREPLICAS	8
void		 db_replicas_start(struct db *primary,
		    const char *const *conninfos, int n, int max_lag_ms);
void		 db_replicas_free(struct db *primary);
struct db	*db_route(struct db *primary, enum stmt, int64_t user);
bool		 db_query_routed(struct db *primary, int64_t user, enum stmt,
		    int nparams, const char *const *params, db_cb *,
		    void *arg, enum wire_err *why);
struct dbq	*db_stream_routed(struct db *primary, int64_t user, enum stmt,
		    int nparams, const char *const *params, bool may_pause,
		    db_row_cb *row, db_cb *done, void *arg,
		    enum wire_err *why);
/* For the metrics (cairn_db_replica_lag_seconds{replica},
 * cairn_db_reads_total{target}): each replica's state, n of them at most
 * (the number filled is returned), and the lag_ok reads the primary
 * served (*reads_primary).  lag_s is the last measure, -1 when unknown;
 * usable: reads go there now. */
struct db_replica_stat {
	char		 name[80];	/* host:port */
	bool		 up;		/* a connection of its pool is up */
	bool		 known;
	bool		 usable;
	double		 lag_s;
	uint64_t	 reads;		/* lag_ok reads it served */
};
int		 db_replica_stats(const struct db *primary,
		    struct db_replica_stat *, int max,
		    uint64_t *reads_primary);

/* Map a failed result to a wire error; rule gets a rule name for E_RULE. */
enum wire_err	 db_error(const PGresult *, const char **rule,
		    const char **msg);
bool		 db_ok(const PGresult *);
/* A write budget's refusal (sql/023, SQLSTATE CB001): true with the whole
 * seconds until it refills (at least 1). */
bool		 db_budget(const PGresult *, int64_t *secs)
		    __attribute__((warn_unused_result));

#endif
