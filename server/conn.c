/*
 * conn.c: one TLS connection.  Bytes come in through a bufferevent_openssl;
 * whole frames become requests in the connection's queue, still as bytes;
 * conn_kick() decodes and runs them one at a time, in order.  Reading stops
 * while the queue is full, while max_buffered bytes wait undecoded, or while
 * the client is not reading its replies, so memory per connection is
 * bounded (docs/operations.md, "Memory per connection").
 *
 * Bufferevent callbacks are deferred (BEV_OPT_DEFER_CALLBACKS), so they
 * never run inside our own calls: conn_close() is never re-entered from a
 * write, and a conn is freed only at the end of conn_kick() or in
 * conn_close() when nothing is running.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/bufferevent_struct.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "attr.h"
#include "frame.h"
#include "hashpool.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "stream.h"
#include "watch.h"
#include "xmalloc.h"

static void	conn_free(struct conn *);
static void	conn_sync_login(struct conn *);

/*
 * Until it logs in, a connection is under the startup_* limits, far lower
 * than the others: anyone can open one, so what it may make cairnd hold is
 * kept to about 200 KiB (docs/operations.md, "Before login").
 */
size_t
conn_max_frame(const struct conn *c)
{
	return c->startup ? c->srv->cf->startup_max_frame :
	    c->srv->cf->max_frame;
}

size_t
conn_max_elements(const struct conn *c)
{
	return c->startup ? c->srv->cf->startup_max_elements :
	    c->srv->cf->max_elements;
}

static size_t
conn_max_queue(const struct conn *c)
{
	return c->startup ? c->srv->cf->startup_max_queue :
	    c->srv->cf->max_queue;
}

static size_t
conn_max_output(const struct conn *c)
{
	return c->startup ? c->srv->cf->startup_max_output :
	    c->srv->cf->max_output;
}

/* Room for one whole frame being read while one waits its turn. */
static size_t
conn_max_buffered(const struct conn *c)
{
	size_t b = 2 * (c->srv->cf->startup_max_frame + FRAME_HEADER_SIZE);

	return c->startup && b < c->srv->cf->max_buffered ? b :
	    c->srv->cf->max_buffered;
}

void
conn_drop_queue(struct conn *c)
{
	struct request *r, *next;

	for (r = TAILQ_FIRST(&c->queue); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (r == c->active)
			continue;
		TAILQ_REMOVE(&c->queue, r, entry);
		c->nqueue--;
		req_free(r);
	}
}

/* A request's reply is written and the request freed (c->req_done). */
static void
conn_req_done(struct conn *c, bool close_after)
{
	if (close_after) {
		/* Answer this one, run nothing more, close once flushed. */
		if (c->state == CONN_OPEN || c->state == CONN_CLOSING) {
			c->state = CONN_CLOSING;
			bufferevent_disable(c->bev, EV_READ);
		}
		conn_drop_queue(c);
	}
	conn_kick(c);
}

static void
enqueue(struct conn *c, struct request *req)
{
	TAILQ_INSERT_TAIL(&c->queue, req, entry);
	c->nqueue++;
}

static void
bad_frame(struct conn *c, const char *msg)
{
	struct request *req = req_new(c, NULL, 0);

	req_preset(req, E_BAD_FRAME, msg);
	req->close_after = true;
	enqueue(c, req);
	/* Nothing after a broken frame can be trusted: read no more. */
	c->state = CONN_CLOSING;
	bufferevent_disable(c->bev, EV_READ);
}

/* The whole frame of n bytes at the head of the input, as a request. */
static struct request *
take_frame(struct conn *c, size_t n)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	char *raw = xmalloc(n);

	evbuffer_drain(in, FRAME_HEADER_SIZE);
	if (evbuffer_remove(in, raw, n) != (ev_ssize_t)n)
		fatalx("evbuffer_remove: short read of a whole frame");
	return req_new(c, raw, n);
}

/*
 * Move whole frames from the input buffer to the queue, as bytes: they are
 * decoded only when their turn comes (req_decode), so a connection holds
 * one decoded request at most, however many wait behind it.  True if any
 * were added.
 */
static bool MUST_CHECK
read_frames(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t max_frame = conn_max_frame(c), n;
	unsigned char hdr[FRAME_HEADER_SIZE];
	char msg[128];
	bool any = false;

	while (c->state == CONN_OPEN && c->nqueue < conn_max_queue(c)) {
		size_t avail = evbuffer_get_length(in);

		if (avail < FRAME_HEADER_SIZE)
			break;
		evbuffer_copyout(in, hdr, sizeof hdr);
		switch (frame_peek(hdr, avail, max_frame, &n)) {
		case FRAME_NEED_MORE:
			return any;
		case FRAME_ZERO:
			bad_frame(c, "zero-length frame");
			return true;
		case FRAME_TOO_BIG:
			snprintf(msg, sizeof msg, "frame of %zu bytes exceeds "
			    "the limit of %zu%s", n, max_frame, c->startup ?
			    " before login (startup_max_frame)" : "");
			bad_frame(c, msg);
			return true;
		case FRAME_OK:
			break;
		}
		enqueue(c, take_frame(c, n));
		any = true;
	}
	return any;
}

/*
 * Reading is bounded twice.  max_queue requests (decoded or not) and
 * max_buffered bytes (frames queued undecoded plus the bufferevent's
 * input): when either is reached, EV_READ is turned off; otherwise the
 * input's high watermark is what max_buffered leaves, so that libevent
 * itself never reads far past the bound (by two TLS records, 32 KiB, at
 * most: one read may fill two buffer segments larger than it asked for,
 * each SSL_read returning one record's data at most).
 */
static void
conn_reading(struct conn *c)
{
	size_t max_buffered = conn_max_buffered(c);
	size_t room = c->buffered < max_buffered ?
	    max_buffered - c->buffered : 0;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	SSL *ssl;

	if (c->nqueue >= conn_max_queue(c) || room == 0) {
		if (!c->read_paused) {
			c->read_paused = true;
			bufferevent_disable(c->bev, EV_READ);
		}
		return;
	}
	if (room != c->wm_high) {
		c->wm_high = room;
		bufferevent_setwatermark(c->bev, EV_READ, 0, room);
	}
	if (c->read_paused) {
		c->read_paused = false;
		bufferevent_enable(c->bev, EV_READ);
	}
	/*
	 * libevent 2.1 stops reading at the watermark with the rest of a TLS
	 * record possibly still inside OpenSSL, and on resuming waits for the
	 * socket to be readable: if the client has sent everything, that
	 * never comes.  Have it read what OpenSSL holds now.  (ev_read is
	 * the bufferevent's own read event; its callback reads only when
	 * reading is enabled and below the watermark.)
	 */
	ssl = bufferevent_openssl_get_ssl(c->bev);
	if (ssl != NULL && SSL_pending(ssl) > 0 &&
	    evbuffer_get_length(in) < room)
		event_active(&c->bev->ev_read, EV_READ, 1);
}

/*
 * A watch does not end, and requests run one at a time: a request behind
 * it would never run.  So each is answered at once, in order, with its own
 * id, and the watch goes on (docs/protocol.md, "Events").  The limits stay
 * those of any connection: a refusal is written only while the output is
 * under max_output, and a peer that sends faster than it reads fills the
 * queue, and then reading stops.  True if any was answered.
 */
static bool MUST_CHECK
refuse_behind_watch(struct conn *c)
{
	struct request *req;
	bool any = false;

	while (c->state != CONN_DEAD && watch_is_watching(c) &&
	    (req = TAILQ_NEXT(c->active, entry)) != NULL &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) <=
	    conn_max_output(c)) {
		req_decode(req, conn_max_elements(c));
		if (req->preset != E_OK)
			req_fail(req, req->preset, NULL, "%s",
			    req->preset_msg);
		else
			req_fail(req, E_INVALID, NULL, "this connection is "
			    "watching: open another connection for requests");
		any = true;
	}
	return any;
}

void
conn_kick(struct conn *c)
{
	struct server *srv = c->srv;
	bool progress;

	if (c->in_kick)
		return;
	c->in_kick = true;
	conn_sync_login(c);
	do {
		progress = false;
		while (c->active == NULL && c->state != CONN_DEAD) {
			struct request *req = TAILQ_FIRST(&c->queue);
			if (req == NULL || evbuffer_get_length(
			    bufferevent_get_output(c->bev)) >
			    conn_max_output(c))
				break;
			c->active = req;
			req_decode(req, conn_max_elements(c));
			c->srv->dispatch(req);
			progress = true;
		}
		if (refuse_behind_watch(c))
			progress = true;
		if (c->state == CONN_OPEN && read_frames(c))
			progress = true;
	} while (progress && c->state != CONN_DEAD);
	if (c->state == CONN_OPEN)
		conn_reading(c);
	c->in_kick = false;

	if (c->state == CONN_DEAD) {
		if (c->active == NULL)
			conn_free(c);
		return;
	}
	if (c->state == CONN_CLOSING && c->active == NULL &&
	    TAILQ_EMPTY(&c->queue) &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_close(c, srv->stopping ? "server shutting down" :
		    "closed after error");
	/* A broken frame behind a watch has been answered: nothing more is
	 * read, so the watch ends too.  (When cairnd stops, watch_stop()
	 * ends each watch with the seq to resume from.) */
	else if (c->state == CONN_CLOSING && !srv->stopping &&
	    watch_is_watching(c) && TAILQ_NEXT(c->active, entry) == NULL &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_close(c, "closed after error");
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	conn_kick(arg);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	stream_drained(arg);
	conn_kick(arg);
}

/* hello_timeout after TLS: no hello yet, the slot goes to someone else. */
static void
on_hello_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	if (c->state == CONN_DEAD || c->hello_done)
		return;
	conn_close(c, "hello timeout");
}

/* login_grace after accept and no session: closed, whatever it sent. */
static void
on_login_grace(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	if (c->state == CONN_DEAD || !c->startup)
		return;
	conn_close(c, "not logged in within login_grace");
}

static void
startup_count(struct conn *c)
{
	struct timeval grace = { c->srv->cf->login_grace, 0 };

	c->startup = true;
	c->srv->nstartups++;
	addrcount_inc(c->srv->startups, &c->akey);
	if (c->grace_timer == NULL)
		c->grace_timer = evtimer_new(c->srv->base, on_login_grace, c);
	evtimer_add(c->grace_timer, &grace);
}

static void
startup_uncount(struct conn *c)
{
	c->startup = false;
	c->srv->nstartups--;
	addrcount_dec(c->srv->startups, &c->akey);
	if (c->grace_timer != NULL)
		evtimer_del(c->grace_timer);
}

/*
 * A session begins or ends only inside a request, and conn_kick() runs
 * after each one: the connection leaves the startups when it has logged in
 * (or resumed), and comes back to them, with a new login_grace, when its
 * session has ended (logout, expiry, revocation).  Coming back may take
 * nstartups past max_startups for a while; that bounds nobody's memory
 * more than the same connection held a moment before.
 */
static void
conn_sync_login(struct conn *c)
{
	if (c->state == CONN_DEAD)
		return;
	if (c->startup && c->sess.valid)
		startup_uncount(c);
	else if (!c->startup && !c->sess.valid)
		startup_count(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	char why[256];
	unsigned long e;

	if (what & BEV_EVENT_CONNECTED) {
		struct timeval idle = { c->srv->cf->idle_timeout, 0 };
		struct timeval hello = { c->srv->cf->hello_timeout, 0 };
		c->state = c->srv->stopping ? CONN_CLOSING : CONN_OPEN;
		bufferevent_set_timeouts(bev, &idle, &idle);
		if (c->state == CONN_OPEN) {
			/* A deadline, not an idle timer: trickling bytes
			 * does not extend it. */
			c->hello_timer = evtimer_new(c->srv->base,
			    on_hello_timeout, c);
			evtimer_add(c->hello_timer, &hello);
			conn_reading(c);
		}
		log_conn(LOG_LVL_DEBUG, c, "TLS %s established",
		    SSL_get_version(bufferevent_openssl_get_ssl(bev)));
		if (c->state == CONN_CLOSING)
			conn_kick(c);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		if (c->state == CONN_HANDSHAKE)
			conn_close(c, "TLS handshake timeout");
		else if ((what & BEV_EVENT_READING) && (c->active != NULL ||
		    !TAILQ_EMPTY(&c->queue) || now_ms() - c->last_reply_ms <
		    (uint64_t)c->srv->cf->idle_timeout * 1000)) {
			/* Waiting on our own work, or having just answered,
			 * is not idleness.  (This callback is deferred: the
			 * reply may have been queued since the timer fired.)
			 * Reading goes back on only if nothing else turned
			 * it off since: a full queue, max_buffered, or a
			 * connection that is closing. */
			if (c->state == CONN_OPEN && !c->read_paused)
				bufferevent_enable(bev, EV_READ);
		} else
			conn_close(c, what & BEV_EVENT_WRITING ?
			    "write timeout (client not reading)" :
			    "idle timeout");
		return;
	}
	if (what & BEV_EVENT_EOF) {
		conn_close(c, "closed by client");
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		e = bufferevent_get_openssl_error(bev);
		if (e != 0)
			ERR_error_string_n(e, why, sizeof why);
		else
			snprintf(why, sizeof why, "%s",
			    evutil_socket_error_to_string(
			    EVUTIL_SOCKET_ERROR()));
		ERR_clear_error();
		conn_close(c, why);
	}
}

static struct metric_def M_REFUSED = METRIC_COUNTER_DEF(
    "cairn_connections_refused_total", "Connections refused at accept, by "
    "the limit that refused them.", "limit");

/* Why a connection is refused, for the (rate-limited) warning. */
static void
refuse(struct server *srv, const char *host, enum admit why, size_t held)
{
	static const char *const limits[] = {
		[ADMIT_FULL] = "max_conns",
		[ADMIT_PER_ADDR] = "max_conns_per_addr",
		[ADMIT_RESERVED] = "conns_reserve",
		[ADMIT_STARTUPS_FULL] = "max_startups",
		[ADMIT_STARTUPS_PER_ADDR] = "max_startups_per_addr",
		[ADMIT_STARTUPS_DROP] = "max_startups_drop",
	};

	if (why != ADMIT_OK && (size_t)why < sizeof limits / sizeof *limits &&
	    limits[why] != NULL)
		metric_inc(&M_REFUSED, METRIC_LV(limits[why]));
	switch (why) {
	case ADMIT_FULL:
		log_warnx_rl("refused: max_conns", "refusing connection from "
		    "%s: %zu connections (max_conns)", host, srv->nconns);
		break;
	case ADMIT_PER_ADDR:
		log_warnx_rl("refused: max_conns_per_addr", "refusing "
		    "connection from %s: it holds %zu connections "
		    "(max_conns_per_addr)", host, held);
		break;
	case ADMIT_RESERVED:
		log_warnx_rl("refused: conns_reserve", "refusing connection "
		    "from %s: it holds %zu connections and the last %zu of "
		    "max_conns are kept for addresses with fewer than %d "
		    "(conns_reserve)", host, held, srv->conns_reserve,
		    ADDR_RESERVE_HELD_MAX);
		break;
	case ADMIT_STARTUPS_FULL:
		log_warnx_rl("refused: max_startups", "refusing connection "
		    "from %s: %zu connections not logged in (max_startups)",
		    host, srv->nstartups);
		break;
	case ADMIT_STARTUPS_PER_ADDR:
		log_warnx_rl("refused: max_startups_per_addr", "refusing "
		    "connection from %s: it holds %zu connections not logged "
		    "in (max_startups_per_addr)", host, held);
		break;
	case ADMIT_STARTUPS_DROP:
		log_warnx_rl("refused: startups early drop", "refusing "
		    "connection from %s: it holds %zu connections not logged "
		    "in, with %zu in all (max_startups, random early drop)",
		    host, held, srv->nstartups);
		break;
	case ADMIT_OK:
		break;
	}
}

void
conn_accept(struct server *srv, evutil_socket_t fd, struct sockaddr *sa,
    int salen)
{
	struct timeval hs = { srv->cf->handshake_timeout, 0 };
	char host[INET6_ADDRSTRLEN] = "?";
	struct addrkey key;
	enum admit why;
	size_t held;
	struct conn *c;
	SSL *ssl;

	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr,
		    host, sizeof host);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr,
		    host, sizeof host);
	/* Counted from accept to close, TLS finished or not: a socket that
	 * never says a word holds a slot until handshake_timeout.  Ignoring
	 * false is right: a family we do not count (the listener is TCP, so
	 * none today) gets family 0, one count shared by all such peers. */
	IGNORE_RESULT(addrkey_from_sa(&key, sa));
	held = addrcount_get(srv->addrs, &key);
	why = addr_admit(srv->nconns, held, srv->cf->max_conns,
	    srv->cf->max_conns_per_addr, srv->conns_reserve);
	if (why == ADMIT_OK) {
		uint32_t rnd = 0;

		if (RAND_bytes((unsigned char *)&rnd, sizeof rnd) != 1)
			rnd = (uint32_t)now_ms();
		held = addrcount_get(srv->startups, &key);
		why = startup_admit(srv->nstartups, held, srv->cf->max_startups,
		    srv->cf->max_startups_per_addr, rnd);
	}
	if (why != ADMIT_OK) {
		refuse(srv, host, why, held);
		evutil_closesocket(fd);
		return;
	}
	/* Replies are small and latency matters more than packet count. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	if ((ssl = SSL_new(srv->ssl_ctx)) == NULL) {
		log_warnx_rl("SSL_new", "SSL_new failed");
		evutil_closesocket(fd);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->srv = srv;
	c->serial = ++srv->next_serial;
	c->req_done = conn_req_done;
	snprintf(c->peer, sizeof c->peer, "%s", host);
	c->akey = key;
	TAILQ_INIT(&c->queue);
	c->state = CONN_HANDSHAKE;
	/* The bufferevent owns the SSL and the socket (CLOSE_ON_FREE). */
	c->bev = bufferevent_openssl_socket_new(srv->base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE |
	    BEV_OPT_DEFER_CALLBACKS);
	if (c->bev == NULL) {
		log_warnx_rl("bufferevent", "cannot set up connection from %s",
		    host);
		SSL_free(ssl);
		evutil_closesocket(fd);
		free(c);
		return;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_set_timeouts(c->bev, &hs, &hs);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&srv->conns, c, entry);
	srv->nconns++;
	addrcount_inc(srv->addrs, &c->akey);
	/* login_grace counts from here, as OpenSSH's LoginGraceTime. */
	startup_count(c);
	log_conn(LOG_LVL_DEBUG, c, "accepted");
}

void
server_maybe_done(struct server *s)
{
	if (s->loop_done)
		return;
	if (s->stopping && s->nconns == 0 && db_busy(s->db) == 0 &&
	    hashpool_busy(s->hp) == 0)
		event_base_loopexit(s->base, NULL);
}

static void
conn_free(struct conn *c)
{
	struct server *srv = c->srv;

	conn_drop_queue(c);
	if (c->hello_timer != NULL)
		event_free(c->hello_timer);
	if (c->grace_timer != NULL)
		event_free(c->grace_timer);
	free(c);
	server_maybe_done(srv);
}

void
conn_close(struct conn *c, const char *reason)
{
	struct server *srv = c->srv;

	if (c->state == CONN_DEAD)
		return;
	/* Anyone can fail handshakes in bulk: one line a second at most. */
	if (c->state == CONN_HANDSHAKE)
		log_conn_rl(LOG_LVL_INFO, "TLS handshake failed", c,
		    "TLS handshake failed: %s", reason);
	else
		log_conn(LOG_LVL_INFO, c, "closed: %s", reason);
	bufferevent_free(c->bev);
	c->bev = NULL;
	c->state = CONN_DEAD;
	TAILQ_REMOVE(&srv->conns, c, entry);
	srv->nconns--;
	addrcount_dec(srv->addrs, &c->akey);
	if (c->startup)
		startup_uncount(c);
	conn_drop_queue(c);
	stream_release(c);
	/* A login whose hash has not started is dropped with the connection
	 * (a flood that hangs up costs no hashing); the request ends here,
	 * its answer going nowhere, and conn_kick() frees the conn. */
	if (c->active != NULL && hashpool_cancel(srv->hp, c->active)) {
		req_fail(c->active, E_UNAVAILABLE, NULL, "connection closed");
		return;
	}
	/* A watch waits on nothing: it ends with its connection. */
	if (watch_release(c))
		return;
	/* A request still waiting on the database keeps the struct alive;
	 * its reply goes nowhere and conn_kick() frees it. */
	if (c->active == NULL && !c->in_kick)
		conn_free(c);
}

/*
 * Shutdown: every complete frame already in the input buffer is a request
 * received, so it is queued (past max_queue: the buffer it comes from is
 * bounded already, by max_buffered, and the frames stay undecoded until
 * their turn) to get its answer.  A broken frame ends the requests.
 */
static void
queue_received(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	unsigned char hdr[FRAME_HEADER_SIZE];
	size_t avail, n;

	while ((avail = evbuffer_get_length(in)) >= FRAME_HEADER_SIZE) {
		evbuffer_copyout(in, hdr, sizeof hdr);
		if (frame_peek(hdr, avail, conn_max_frame(c), &n) !=
		    FRAME_OK)
			break;
		enqueue(c, take_frame(c, n));
	}
}

/*
 * Called for each connection when a stop signal arrives (srv->stopping is
 * set): read nothing more; the request running finishes; dispatch()
 * answers each one not started with E_UNAVAILABLE "server shutting down";
 * conn_kick() closes the connection once nothing is left and every reply
 * has been written.  A handshake in progress is simply closed.
 */
void
conn_stop(struct conn *c)
{
	if (c->state == CONN_DEAD)
		return;
	if (c->state == CONN_HANDSHAKE) {
		conn_close(c, "server shutting down");
		return;
	}
	bufferevent_disable(c->bev, EV_READ);
	if (c->state == CONN_OPEN) {
		queue_received(c);
		c->state = CONN_CLOSING;
	}
	conn_kick(c);
}

size_t
conns_session_stale(struct server *srv, int64_t user_id, int64_t session_id,
    int64_t token_id)
{
	struct conn *c;
	size_t n = 0;

	TAILQ_FOREACH(c, &srv->conns, entry) {
		if (!c->sess.valid)
			continue;
		if ((user_id != 0 && c->sess.user_id == user_id) ||
		    (session_id != 0 && c->sess.id == session_id) ||
		    (token_id != 0 && c->sess.token_id == token_id)) {
			c->sess.stale = true;
			watch_recheck(c);
			n++;
		}
	}
	return n;
}
