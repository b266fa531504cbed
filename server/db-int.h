/*
 * db-int.h: the insides of the pool (db.c), shared with the code that
 * brings a connection up (db-conn.c), with its creation and end
 * (db-pool.c), its queries (db-query.c) and streams (db-stream.c), and
 * with the replicas' pools and the routing of reads (db-replica.c).
 * Nothing else includes it.
 */
#ifndef CAIRN_DB_INT_H
#define CAIRN_DB_INT_H

#include <sys/queue.h>

#include <stdint.h>

#include "attr.h"
#include "db.h"

#define BACKOFF_MIN_MS	100
/* Short: it bounds how soon writes resume after a failover
 * (docs/operations.md, "Replicas and failover"). */
#define BACKOFF_MAX_MS	2000
/* Hosts in one connection string (host=a,b,c): each may need a lookup. */
#define DB_MAXHOSTS	8
/* Slots of the recent writers' table (db_query_as): a power of two. */
#define DB_WRITERS	4096

struct query {
	TAILQ_ENTRY(query)	 entry;
	struct dbc		*owner;		/* the connection it was sent on */
	uint64_t		 seg;		/* the sync that closes it */
	enum stmt		 st;
	int			 n;
	char			**params;	/* one allocation */
	db_cb			*cb;
	void			*arg;
	PGresult		*res;		/* its result (an error wins) */
	bool			 ended;		/* results done, sync next */
	bool			 own_sync;	/* a write: wait for its sync */
	bool			 aborted;	/* PIPELINE_ABORTED: send again */
	uint64_t		 sent_ms;
	struct db		*pool;		/* the pool it was queued on */
	int64_t			 user;		/* who asked (0: cairnd) */
	db_row_cb		*row;		/* a stream: rows as they come */
	bool			 paused;	/* a stream waiting for its reader */
	bool			 may_pause;	/* a stream that may pause: held */
};
TAILQ_HEAD(queryq, query);

enum dbc_state { DBC_DOWN, DBC_RESOLVING, DBC_CONNECTING, DBC_PREPARING,
	DBC_IDLE, DBC_BUSY };
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
	int		 prep;		/* -1: settings, then 2i: prepare
					 * statement i, 2i+1: describe it */
	/* One host name lookup per host of the list that needs one
	 * (db->lookup[i]); a pending one is waited for, never doubled. */
	struct dbc_lookup {
		struct dbc	*c;
		int		 i;
		struct lookup	*l;		/* pending, or NULL */
		bool		 ok;		/* addr holds this round's */
		char		 addr[48];
	}		 lk[DB_MAXHOSTS];
	int		 first_host;	/* tried first next time (db-conn.c) */
	int		 backoff_ms;
	struct queryq	 inflight;	/* sent, in order */
	int		 ninflight;
	bool		 sync_due;	/* reads sent without a sync yet */
	uint64_t	 syncs_sent;	/* pipeline syncs sent ... */
	uint64_t	 syncs_seen;	/* ... and answered, since connecting */
	struct event	*sync_ev;	/* sends it at the end of the turn */
	bool		 streaming;	/* a stream holds the connection */
	bool		 held;		/* ... one that may pause */
	struct event	*resume_ev;	/* a paused stream reads again */
	PGresult	*res;		/* while PREPARING */
	bool		 been_up;	/* up before: the next up reconnects */
};

/* What a statement returns, as PostgreSQL described it when it was
 * prepared: every result is checked against it before it is delivered. */
struct shape {
	bool			 known;
	int			 nfields;
	Oid			*types;
};

struct db {
	struct event_base	*base;
	char			 label[96];	/* "db", "db replica H:P" */
	char			*conninfo;
	PQconninfoOption	*opts;		/* conninfo, parsed */
	/* The connection string's host list, split (db-conn.c): hosts[i]
	 * with its port and the hostaddr given for it (or ""); lookup[i]
	 * when hosts[i] is a name that must be resolved off the loop. */
	int			 nhosts;
	char			*hosts[DB_MAXHOSTS];
	char			*ports[DB_MAXHOSTS];
	char			*hostaddrs[DB_MAXHOSTS];
	bool			 lookup[DB_MAXHOSTS];
	bool			 any_lookup;
	/* A replica's pool (db-replica.c) prepares only the statements
	 * declared lag_ok: the rest are never sent there. */
	bool			 lag_only;
	/* The primary's recent writers (db-replica.c allocates it when
	 * replicas are configured; NULL otherwise): slot user % DB_WRITERS
	 * holds the monotonic ms of a write by a user hashed there, at its
	 * sending and again at its commit.  Read by the routing. */
	uint64_t		*wrote_ms;
	void			*replicas;	/* db-replica.c's, or NULL */
	const struct stmt_def	*tab;		/* the statements */
	int			 ntab;
	struct shape		*shapes;	/* one per statement */
	char			**sql;		/* the text prepared, named
						 * parameters as $1..$n */
	uint64_t		 hold_until_ms;	/* start-up: hold queries */
	struct event		*hold_ev;
	bool			 ever_up;
	bool			 closing;	/* db_free() is running */
	int			 size;
	struct dbc		*c;
	struct queryq		 waiting;
	size_t			 nwaiting, max_waiting;
	struct queryq		 swaiting;	/* streams, for a quiet dbc */
	size_t			 nswaiting;
	size_t			 nswaiting_held;	/* of them, may pause */
	int			 nstreams, max_all;	/* streams running */
	int			 nheld, max_streams;	/* of them, may pause */
	int			 connect_timeout;
	int			 nup;
	size_t			 inflight;
	int			 statement_timeout;
	int			 pipeline;	/* queries per connection */
	/* What a connection tells its pool (db.c's db_wire sets them): its
	 * socket is ready (on_event), it is lost (lost), it is up and may
	 * take queries (ready); and how a stream starts on a quiet
	 * connection (start).
	 * db-conn.c and db-stream.c call back through these, so that they
	 * depend on nothing of db.c (tests/check-deps.py). */
	void			(*on_event)(evutil_socket_t, short, void *);
	void			(*lost)(struct dbc *, const char *);
	void			(*ready)(struct dbc *);
	void			(*start)(struct dbc *, struct query *);
	struct db_hooks		 hooks;		/* db_set_hooks() */
	uint64_t		 nerrors;	/* lost, or failed to come up */
	uint64_t		 nreconnects;	/* came up again (db_stats) */
};

/* db.c: the machinery that runs a pool's connections */
void	 db_wire(struct db *);		/* its callbacks, at creation */
void	 dbc_wire(struct dbc *);	/* a connection's events */
void	 fail_waiting(struct db *);	/* every waiting query lost */

/* db-query.c: a query's life, and whether the pool may queue one */
uint64_t db_mono_ms(void);
bool	 db_holding(const struct db *);
struct query *query_new(enum stmt, int, const char *const *, db_cb *, void *);
void	 query_free(struct query *);
bool	 db_can_queue(const struct db *, size_t, enum wire_err *) MUST_CHECK;

/* db-stream.c: which waiting stream starts where, and its end */
bool	 streams_startable(const struct db *);
void	 swaiting_remove(struct db *, struct query *);
void	 serve_streams(struct db *);
void	 dbc_stream_ended(struct dbc *);

/* db-conn.c: a connection's socket and timer, its start-up */
void	 dbc_arm(struct dbc *, short);
void	 dbc_arm_flush(struct dbc *);
void	 dbc_arm_connecting(struct dbc *, short);
void	 dbc_set_timer(struct dbc *, enum dbc_timer, int);
void	 dbc_clear_timer(struct dbc *);
void	 dbc_connect(struct dbc *);
void	 dbc_send_prepare(struct dbc *);
void	 dbc_prepared(struct dbc *);
bool	 db_shape_fits(const struct db *, enum stmt, const PGresult *);
/* Split the host list of db->opts into db->hosts ... (fatal when it is
 * malformed or too long). */
void	 db_hosts_parse(struct db *);
void	 db_hosts_free(struct db *);
void	 dbc_lookups_cancel(struct dbc *);

#endif
