/*
 * bench.h: shared between cairn-bench.c (options, login, report) and
 * bench-conn.c (the event loop and its connections).
 */
#ifndef CAIRN_BENCH_H
#define CAIRN_BENCH_H

#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <event2/event.h>
#include <msgpack.h>
#include <openssl/ssl.h>

#include "attr.h"
#include "mpack.h"
#include "wire.h"

#define BENCH_CLIENT	"cairn-bench/" CAIRN_VERSION
#define GRACE_SECONDS	30	/* hard deadline: duration + this */
#define LOGIN_TIMEOUT_MS 10000
#define ID_HELLO	1
#define ID_RESUME	2
#define ID_FIRST	3

enum op { OP_PING, OP_READ, OP_RECORD, OP_CHECKIN, OP_CALL, OP_WATCH };
#define CALL_MAX_ARGS	8
enum phase { PH_SETUP, PH_RUN, PH_DRAIN };
enum cstate { CS_CONNECTING, CS_HELLO, CS_RESUME, CS_READY, CS_DEAD };

/* --reconnect: a dropped connection is made again after a backoff that
 * doubles from RECONNECT_MS up to RECONNECT_MAX_MS, at most
 * RECONNECT_TRIES times in a row before it counts as lost. */
#define RECONNECT_MS		50
#define RECONNECT_MAX_MS	1000
#define RECONNECT_TRIES		20

/* A request whose reply a dropped connection never brought: sent again,
 * with its id and first send time, once the connection is back. */
struct pending {
	uint64_t		 id, sent;
	unsigned char		*buf;
	size_t			 len;
	int64_t			 kr;
};

struct conn {
	struct bench		*b;
	int			 idx;
	struct bufferevent	*bev;
	enum cstate		 state;
	uint64_t		 next_id;
	/* In-flight requests, oldest first: responses come back in order. */
	uint64_t		*ids;
	uint64_t		*sent;	/* monotonic ns */
	/* Each slot's packed request (resent after a drop) and, for
	 * --op checkin, its key result (for --acked). */
	unsigned char		**req;
	size_t			*reqlen, *reqcap;
	int64_t			*slotkr;
	size_t			 head, count;
	/* --reconnect: the requests to send again, the drop being
	 * recovered from (0: none), attempts since, and the timer. */
	struct pending		*pend;
	size_t			 npend;
	uint64_t		 t_drop;
	int			 attempts;
	struct event		*retry_ev;
	msgpack_sbuffer		 sbuf;
	/* --op checkin: this connection's own key results, used in turn. */
	int64_t			*krs;
	size_t			 nkrs, nextkr;
};

struct bench {
	/* options */
	const char		*server;
	const char		*ca;
	const char		*login;
	const char		*password_file;
	int			 nclients;
	int			 depth;
	double			 duration;
	enum op			 op;
	int64_t			 kpi;	/* --op record */
	const char		*kr_file;	/* --op checkin */
	int64_t			*krs;		/* its ids, in file order */
	size_t			 nkrs;
	char			 nonce[24];	/* idempotency keys of this run */
	/* --op call: one request with "parts": true, timed to its final
	 * frame; string arguments KEY=VALUE. */
	const char		*call_op;
	char			*call_key[CALL_MAX_ARGS];
	const char		*call_val[CALL_MAX_ARGS];
	int			 ncall_args;
	uint64_t		 parts, bytes;
	int64_t			 server_ms;	/* -1: none in the result */
	char			*token;
	/* --rate: requests a second in all, sent by a 10 ms timer to the
	 * connections with room (0: each keeps depth in flight). */
	double			 rate, rate_acc;
	int			 rate_next;
	struct event		*rate_ev;
	/* --reconnect and its figures: connections dropped, requests in
	 * flight on them (all sent again), reconnections that failed, and
	 * the longest time from a drop to the connection's next success. */
	bool			 reconnect;
	uint64_t		 drops, resent, reconnect_fails;
	uint64_t		 recover_max;	/* ns */
	/* --acked FILE: each acknowledged check-in, "KEY KR VALUE". */
	const char		*acked_path;
	FILE			*acked;

	char			 host[256], port[32];
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	SSL_CTX			*ctx;
	struct event_base	*base;
	struct event		*stop_ev, *deadline_ev;
	struct conn		*conns;
	struct mp_limits	 lim;
	msgpack_zone		 zone;	/* for decoding responses */

	enum phase		 phase;
	int			 ready, dead;
	size_t			 inflight;
	bool			 failed;	/* set-up failure or deadline */
	uint64_t		 t_start, t_stop;

	uint64_t		 requests, errors, lost;
	char			 first_err[384];
	char			 first_code[64];
	uint64_t		*lat;		/* ns */
	size_t			 nlat, caplat;
};

uint64_t now_ns(void);

/* Protocol helpers. */
void	pack_begin(msgpack_packer *, uint64_t, const char *, size_t);
void	pack_hello(msgpack_packer *, uint64_t);
bool	parse_response(const msgpack_object *, uint64_t *, bool *,
	    const msgpack_object **, char *, size_t, char *, size_t,
	    const char **);

/* Connections and the timed phase. */
bool	conn_open(struct bench *, struct conn *, int) MUST_CHECK;
void	conn_free(struct conn *);
void	stop_cb(evutil_socket_t, short, void *);
void	deadline_cb(evutil_socket_t, short, void *);

/* cairn-bench time RUNS COMMAND [ARG ...] (bench-time.c): the exit status. */
int	bench_time(int, char **);

#endif
