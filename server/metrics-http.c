/*
 * metrics-http.c: the operator's HTTP listener (metrics-http.h).  A few
 * lines of HTTP/1.x of our own rather than evhttp: libevent 2.1's evhttp
 * cannot bound its connections, and here each one is read once (its head
 * only), answered, and closed.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "log.h"
#include "metrics-http.h"
#include "metrics.h"
#include "xmalloc.h"

struct mconn;
TAILQ_HEAD(mconnq, mconn);

struct mhttp {
	struct evconnlistener	*listener;
	struct mconnq		 conns;
	mhttp_ready_fn		*ready;
	void			*arg;
	int			 nconns;
};

struct mconn {
	TAILQ_ENTRY(mconn)	 entry;
	struct mhttp		*h;
	struct bufferevent	*bev;
	bool			 answered;
};

static struct metric_def M_HTTP = METRIC_COUNTER_DEF(
    "cairn_metrics_http_requests_total",
    "Requests to the metrics listener, by HTTP status.", "status");

static void
mconn_free(struct mconn *mc)
{
	mc->h->nconns--;
	TAILQ_REMOVE(&mc->h->conns, mc, entry);
	bufferevent_free(mc->bev);
	free(mc);
}

static void
on_flushed(struct bufferevent *bev, void *arg)
{
	struct mconn *mc = arg;

	if (mc->answered &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		mconn_free(mc);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	/* EOF, error or timeout: nothing more to say to this peer. */
	mconn_free(arg);
}

static void
answer(struct mconn *mc, int status, const char *reason, const char *ctype,
    const char *extra, const char *body, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(mc->bev);
	char st[8];

	snprintf(st, sizeof st, "%d", status);
	metric_inc(&M_HTTP, METRIC_LV(st));
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nCache-Control: no-store\r\n%s"
	    "Connection: close\r\n\r\n", status, reason, ctype, len,
	    extra != NULL ? extra : "");
	evbuffer_add(out, body, len);
	mc->answered = true;
	/* Read nothing more: a body or a second request is not ours. */
	bufferevent_disable(mc->bev, EV_READ);
	bufferevent_setcb(mc->bev, NULL, on_flushed, on_event, mc);
	bufferevent_enable(mc->bev, EV_WRITE);
}

static void
answer_text(struct mconn *mc, int status, const char *reason,
    const char *extra, const char *text)
{
	answer(mc, status, reason, "text/plain; charset=utf-8", extra, text,
	    strlen(text));
}

static void
serve_metrics(struct mconn *mc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool ok = f != NULL && metrics_write(f);

	if (f != NULL)
		fclose(f);
	if (!ok) {
		log_warnx_rl("metrics write", "metrics: cannot write the "
		    "metrics (out of memory?)");
		answer_text(mc, 500, "Internal Server Error", NULL,
		    "cannot write the metrics\n");
	} else
		answer(mc, 200, "OK", "text/plain; version=0.0.4; "
		    "charset=utf-8", NULL, buf, len);
	free(buf);
}

/* The head is complete in line (its first line, NUL-terminated). */
static void
route(struct mconn *mc, char *line)
{
	char *method = line, *target, *version, *q;

	if ((target = strchr(method, ' ')) == NULL ||
	    (version = strchr(target + 1, ' ')) == NULL ||
	    strncmp(version + 1, "HTTP/1.", 7) != 0) {
		answer_text(mc, 400, "Bad Request", NULL,
		    "malformed request line\n");
		return;
	}
	*target++ = '\0';
	*version = '\0';
	if (strcmp(method, "GET") != 0) {
		answer_text(mc, 405, "Method Not Allowed", "Allow: GET\r\n",
		    "only GET\n");
		return;
	}
	if ((q = strchr(target, '?')) != NULL)
		*q = '\0';
	if (strcmp(target, "/metrics") == 0)
		serve_metrics(mc);
	else if (strcmp(target, "/healthz") == 0)
		answer_text(mc, 200, "OK", NULL, "ok\n");
	else if (strcmp(target, "/readyz") == 0) {
		char why[200], body[220];

		if (mc->h->ready(mc->h->arg, why, sizeof why))
			answer_text(mc, 200, "OK", NULL, "ready\n");
		else {
			snprintf(body, sizeof body, "%s\n", why);
			answer_text(mc, 503, "Service Unavailable", NULL, body);
		}
	} else
		answer_text(mc, 404, "Not Found", NULL,
		    "not found: /metrics, /healthz or /readyz\n");
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct mconn *mc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	size_t n = evbuffer_get_length(in);
	char *line;
	size_t len;

	if (end.pos < 0)
		end = evbuffer_search(in, "\n\n", 2, NULL);
	if (end.pos < 0 || (size_t)end.pos > MHTTP_MAX_HEAD) {
		if (n > MHTTP_MAX_HEAD)
			answer_text(mc, 431, "Request Header Fields Too Large",
			    NULL, "request head over 8192 bytes\n");
		/* else: wait for the rest (the watermark bounds it) */
		return;
	}
	if ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF)) == NULL) {
		answer_text(mc, 400, "Bad Request", NULL, "no request line\n");
		return;
	}
	if (memchr(line, '\0', len) != NULL)
		answer_text(mc, 400, "Bad Request", NULL,
		    "NUL in request line\n");
	else
		route(mc, line);
	free(line);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n";
	struct mhttp *h = arg;
	struct timeval tv = { MHTTP_TIMEOUT_S, 0 };
	struct mconn *mc;

	if (h->nconns >= MHTTP_MAX_CONNS) {
		/* A fresh socket takes these few bytes at once; if not,
		 * the peer gets a bare close, which is as clear. */
		IGNORE_RESULT(send(fd, busy, sizeof busy - 1,
		    MSG_DONTWAIT | MSG_NOSIGNAL) > 0);
		metric_inc(&M_HTTP, METRIC_LV("503"));
		log_warnx_rl("metrics conns", "metrics: more than %d "
		    "connections at once, refusing", MHTTP_MAX_CONNS);
		evutil_closesocket(fd);
		return;
	}
	mc = xcalloc(1, sizeof *mc);
	mc->h = h;
	mc->bev = bufferevent_socket_new(evconnlistener_get_base(l), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (mc->bev == NULL) {
		evutil_closesocket(fd);
		free(mc);
		return;
	}
	h->nconns++;
	TAILQ_INSERT_TAIL(&h->conns, mc, entry);
	/* Read at most a head and a little more before deciding. */
	bufferevent_setwatermark(mc->bev, EV_READ, 0, MHTTP_MAX_HEAD + 64);
	bufferevent_set_timeouts(mc->bev, &tv, &tv);
	bufferevent_setcb(mc->bev, on_read, NULL, on_event, mc);
	bufferevent_enable(mc->bev, EV_READ);
}

static bool
loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr)
		    >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a =
		    &((const struct sockaddr_in6 *)sa)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) &&
		    a->s6_addr[12] == 127);
	}
	return false;
}

struct mhttp *
mhttp_new(struct event_base *base, const char *addr, bool allow_remote,
    mhttp_ready_fn *ready, void *arg, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	int sslen = sizeof ss;
	struct mhttp *h;

	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss,
	    &sslen) != 0 || ((struct sockaddr_in *)&ss)->sin_port == 0) {
		snprintf(err, errlen, "bad metrics address '%s' (want "
		    "HOST:PORT, numeric: 127.0.0.1:9187 or [::1]:9187)", addr);
		return NULL;
	}
	if (!allow_remote && !loopback((struct sockaddr *)&ss)) {
		snprintf(err, errlen, "metrics address '%s' is not loopback: "
		    "the listener is plain HTTP with no authentication; set "
		    "metrics_remote = 1 to serve it beyond this machine", addr);
		return NULL;
	}
	h = xcalloc(1, sizeof *h);
	TAILQ_INIT(&h->conns);
	h->ready = ready;
	h->arg = arg;
	h->listener = evconnlistener_new_bind(base, on_accept, h,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
	    (struct sockaddr *)&ss, sslen);
	if (h->listener == NULL) {
		snprintf(err, errlen, "cannot listen on %s for metrics: %s",
		    addr, evutil_socket_error_to_string(
		    EVUTIL_SOCKET_ERROR()));
		free(h);
		return NULL;
	}
	metric_declare(&M_HTTP);
	return h;
}

void
mhttp_free(struct mhttp *h)
{
	if (h == NULL)
		return;
	while (!TAILQ_EMPTY(&h->conns))
		mconn_free(TAILQ_FIRST(&h->conns));
	evconnlistener_free(h->listener);
	free(h);
}
