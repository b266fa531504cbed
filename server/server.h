/*
 * server.h: the objects cairnd is made of and how they own each other.
 *
 *   server  owns the listener, the TLS context, the db pool, the hash pool,
 *           the login throttle and the list of connections.
 *   conn    owns its bufferevent (which owns the SSL and the socket) and its
 *           queue of requests.  conn_close() is the one way a connection
 *           ends; if a request is still waiting on the database or a hash
 *           worker, the conn lingers (marked dead) until it comes back.
 *   request owns its frame: the raw bytes while it waits in the queue, the
 *           decoded document once it is dispatched (req_decode), then its
 *           argument reader and its reply buffer.  req_reply()/req_fail()
 *           send and free it.
 */
#ifndef CAIRN_SERVER_H
#define CAIRN_SERVER_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stdint.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <msgpack.h>
#include <openssl/ssl.h>

#include "addrcount.h"
#include "attr.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "mpack.h"
#include "roles.h"
#include "wire.h"

struct db;
struct hashpool;
struct throttle;
struct op;
struct idem;

struct session {
	bool		 valid;
	int64_t		 id;		/* sessions.id */
	int64_t		 user_id;
	char		 login[64];
	enum role	 role;
	char		 token_hex[65];	/* SHA-256 of the token, hex */
	int64_t		 expires;	/* unix seconds */
	uint64_t	 checked_ms;	/* monotonic ms of last db check */
	uint64_t	 checked_epoch;	/* cache.c's epoch at that check */
	uint64_t	 check_gen;	/* cache.c's gen when it was sent */
	bool		 stale;		/* re-check before the next op */
	/* An API token's connection (session.token, token.c): id 0 for a
	 * session opened with a password.  Checked again before every op
	 * (dispatch.c), within its scopes (scope.h); kpis: the only KPIs
	 * its kpi.record may record (nkpis 0: any). */
	int64_t		 token_id;
	char		 via[48];	/* "token:NAME" */
	unsigned	 scopes;
	int		 nkpis;
	int64_t		 kpis[64];
};

/* Where the connection's writes come from: its token, or "user". */
static inline const char *
session_via(const struct session *s)
{
	return s->token_id != 0 ? s->via : "user";
}

struct request {
	TAILQ_ENTRY(request)	 entry;
	struct conn		*conn;
	char			*raw;		/* the frame, until decoded */
	size_t			 rawlen;
	bool			 decoded;	/* req_decode() has run */
	uint64_t		 id;
	char			 op_name[64];
	const struct op		*op;
	struct mp_doc		 doc;
	const msgpack_object	*args_obj;
	struct mp_reader	 args;
	msgpack_sbuffer		 out;
	msgpack_packer		 pk;
	uint64_t		 cache_gen;	/* cache.h, at its read */
	bool			 result_open;	/* envelope written */
	enum wire_err		 preset;	/* decode error to answer */
	char			 preset_msg[200];
	bool			 close_after;	/* E_PROTO etc. */
	/* The change path's state (change.h), one typed member each: a
	 * change (the op's own arguments in its arg), and the read that may
	 * answer it (reply_get); both freed by path_free.  No op keeps a
	 * state of its own beside them. */
	struct change		*change;
	struct reader		*reader;
	void			(*path_free)(struct request *);
	struct idem		*idem;		/* in change: idem_begin() */
	PGresult		*kept[3];	/* results kept for later steps */
	bool			 parts;		/* may answer in parts */
	struct stream		*stream;	/* stream.c's, or NULL */
	void			(*stream_free)(void *);
	void			*watch;		/* watch.c's watcher, or NULL */
	void			(*watch_free)(void *);
	struct event		*delay;		/* deferred reply */
	int			 defer_ms;	/* delay the next reply */
	uint64_t		 started_ms;
	uint64_t		 started_us;	/* the latency metric */
	enum wire_err		 code;		/* the answer's (metrics, log) */
};
TAILQ_HEAD(requestq, request);

enum conn_state { CONN_HANDSHAKE, CONN_OPEN, CONN_CLOSING, CONN_DEAD };

struct conn {
	TAILQ_ENTRY(conn)	 entry;
	struct server		*srv;
	uint64_t		 serial;
	char			 peer[64];
	struct addrkey		 akey;		/* counted in srv->addrs */
	struct bufferevent	*bev;
	enum conn_state		 state;
	bool			 hello_done;
	bool			 read_paused;	/* EV_READ off: queue full */
	bool			 in_kick;
	struct session		 sess;
	struct requestq		 queue;
	size_t			 nqueue;
	size_t			 buffered;	/* bytes of frames not decoded */
	size_t			 wm_high;	/* read watermark in force */
	struct event		*hello_timer;	/* hello_timeout */
	bool			 startup;	/* not logged in: counted in
						 * srv->nstartups, under the
						 * startup_* limits */
	struct event		*grace_timer;	/* login_grace */
	struct request		*active;	/* head, being executed */
	uint64_t		 last_reply_ms;	/* for the idle timeout */
	/* Set by conn.c: request.c calls it once a reply is written and its
	 * request freed (close_after: run nothing more, close once flushed),
	 * so that the request layer never calls into the connection that
	 * owns it (tests/check-deps.py). */
	void			(*req_done)(struct conn *, bool close_after);
};
TAILQ_HEAD(connq, conn);

/*
 * Logging about a connection or a request: every line names the connection
 * (its serial and address) the same way, "conn 12 10.0.0.7: ", and a
 * request's lines add the op, "conn 12 10.0.0.7: kr.checkin: "; in JSON
 * (log_format) each is a field, with the user once logged in (log.h's
 * struct log_ctx).  The format must be a string literal (printf-checked).
 * lvl is LOG_LVL_WARN, LOG_LVL_INFO or LOG_LVL_DEBUG.
 */
#define CONN_FMT	"conn %llu %s: "
#define CONN_ARGS(c)	(unsigned long long)(c)->serial, (c)->peer
#define LOG_CTX(c, opname)						\
	(&(struct log_ctx){ .conn = (unsigned long long)(c)->serial,	\
	    .peer = (c)->peer,						\
	    .user = (c)->sess.valid ? (c)->sess.login : NULL,		\
	    .op = (opname), .ms = -1 })
#define log_conn(lvl, c, fmt, ...)					\
	log_ctx_at(lvl, LOG_CTX(c, NULL), fmt, ##__VA_ARGS__)
#define log_req(lvl, r, fmt, ...)					\
	log_ctx_at(lvl, LOG_CTX((r)->conn, (r)->op_name), fmt, ##__VA_ARGS__)
/* Rate-limited (log.h's log_rl), for what a peer can cause in bulk: the
 * connection stays in the message (a held-back line keeps no context). */
#define log_conn_rl(lvl, key, c, fmt, ...)				\
	log_rl(lvl, key, CONN_FMT fmt, CONN_ARGS(c), ##__VA_ARGS__)

struct server {
	struct config		*cf;
	struct event_base	*base;
	struct evconnlistener	*listener;
	SSL_CTX			*ssl_ctx;
	struct db		*db;
	struct hashpool		*hp;
	struct throttle		*throttle;
	struct http_loop	*http;		/* outgoing HTTP(S), http-loop.h */
	struct notifyrun	*notify;	/* the outbox's sender */
	struct connq		 conns;
	size_t			 nconns;
	struct addrcount	*addrs;		/* connections per address */
	size_t			 conns_reserve;	/* resolved from the config */
	size_t			 nstartups;	/* conns not logged in */
	struct addrcount	*startups;	/* ... per address */
	uint64_t		 next_serial;
	bool			 stopping;
	/* SIGTERM: /readyz answers 503 for drain_delay before stopping
	 * (metrics-server.c), so that a load balancer stops sending. */
	bool			 draining;
	/* The loop has returned: what is torn down after it may answer
	 * requests (db_free fails what is left), but there is nothing left
	 * to wait for. */
	bool			 loop_done;
	/* Runs a decoded request (dispatch.c's dispatch(), set by main.c):
	 * conn.c calls the op table through this, so that the connection
	 * layer does not depend on the handlers that depend on it. */
	void			(*dispatch)(struct request *);
	struct event		*sig_term, *sig_int, *sig_hup;
	struct event		*stop_timer;
	struct event		*drain_timer;	/* drain_delay, then stop */
	struct event		*log_timer;	/* log_rl_flush() each second */
	struct event		*accept_pause;	/* after EMFILE and the like */
	struct mp_limits	 limits;
	char			*dummy_hash;	/* verify for unknown logins */
};

/* conn.c */
void	 conn_accept(struct server *, evutil_socket_t, struct sockaddr *,
	    int);
void	 conn_close(struct conn *, const char *reason);
void	 conn_kick(struct conn *);
/* Shutdown: read no more; answer what was received; close once flushed. */
void	 conn_stop(struct conn *);
/* Free the queued requests that have not started. */
void	 conn_drop_queue(struct conn *);
/* Shutdown: end the loop once the server is stopping and nothing is left
 * (no connection, no query, no hash job). */
void	 server_maybe_done(struct server *);
/* The limits a connection is under now: the startup_* ones until it has
 * logged in (docs/operations.md, "Before login"). */
size_t	 conn_max_frame(const struct conn *);
size_t	 conn_max_elements(const struct conn *);
/* Mark sessions to be re-checked at their next op (revocation, role), and
 * their watches at once: those of the user, the session or the API token
 * (0: not that one).  Returns how many connections. */
size_t	 conns_session_stale(struct server *, int64_t user_id,
	    int64_t session_id, int64_t token_id);

/* request.c */
/* Decode the frame and check the envelope (once; errors are kept in
 * req->preset to be answered in order), at most max_elements in all.  conn_kick() calls it just before
 * dispatch, so that one decoded request at most exists per connection. */
void	 req_decode(struct request *, size_t max_elements);
/* A request of c, not queued; raw (malloc'd, rawlen bytes) becomes its
 * own, NULL for one answered from preset alone. */
struct request	*req_new(struct conn *, char *raw, size_t rawlen);
void	 req_preset(struct request *, enum wire_err, const char *);
msgpack_packer	*req_result(struct request *);
void	 req_reply(struct request *);
void	 req_fail(struct request *, enum wire_err, const char *field,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void	 req_fail_rule(struct request *, const char *rule, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));
/* The same, naming the argument that trips the rule. */
void	 req_fail_rule_field(struct request *, const char *field,
	    const char *rule, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
void	 req_fail_args(struct request *);
/* Open an error frame of code and msg with nextra more entries in its
 * error map, which the caller packs before req_reply(). */
msgpack_packer	*req_error(struct request *, enum wire_err, const char *msg,
	    int nextra);
/* True when every argument was read and valid; else answers and false. */
bool	 req_args_done(struct request *) MUST_CHECK;
/* Answer with an array: pack(pk, res, row) for each row. */
void	 req_reply_rows(struct request *, const PGresult *,
	    void (*)(msgpack_packer *, const PGresult *, int));
void	 req_fail_db(struct request *, const PGresult *);
/* E_LIMIT of a write budget (sql/023): the error map also names the
 * budget and the whole seconds until the write would pass. */
void	 req_fail_budget(struct request *, const char *budget,
	    int64_t retry_after, const char *msg);
/* Run a statement for this request, its parameters filled by name
 * (stmt.h): one left unset or not declared is answered E_INTERNAL and
 * logged with its name; on failure to queue it, the request has been
 * answered (E_UNAVAILABLE or E_LIMIT).  False in both cases.  Not
 * MUST_CHECK: the request is answered either way, and in many handlers it
 * is the last statement; one that goes on must check it. */
bool	 req_db_named(struct request *, const struct stmt_params *, db_cb *);
/* Whether sp is filled (sp_ready); else answered as req_db_named does. */
bool	 req_params_ready(struct request *, const struct stmt_params *)
	    __attribute__((warn_unused_result));
void	 req_free(struct request *);
/* The request metrics written from start (metrics-server.c), and one
 * more refusal of a throttle ("login_locked", "login_addr", ...). */
void	 req_metrics_declare(void);
void	 req_count_throttle(const char *which);
/* Keep a copy of res until the request ends (for multi-step ops). */
const PGresult *req_keep_result(struct request *, int slot, const PGresult *);
bool	 req_alive(const struct request *) MUST_CHECK;

/* dispatch.c */
void	 dispatch(struct request *);

uint64_t now_ms(void);

#endif
