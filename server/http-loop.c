/*
 * http-loop.c: libcurl's multi-socket interface on libevent (see
 * http-loop.h).  curl says which sockets it wants watched and when its
 * next timeout is (on_socket, on_timer); libevent tells it when a socket
 * is ready or the timer fires (curl_multi_socket_action); finished
 * transfers are then collected with curl_multi_info_read and handed to
 * their callbacks, outside any curl callback, so that a callback may start
 * or cancel other requests.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "http-loop.h"
#include "log.h"
#include "wire.h"
#include "xmalloc.h"

/* An outgoing_ca file larger than this is not a CA bundle. */
#define OUTGOING_CA_MAX	((size_t)4 << 20)

struct hsock {
	TAILQ_ENTRY(hsock)	 entry;
	struct http_loop	*hl;
	curl_socket_t		 fd;
	struct event		*ev;
};

struct http_req {
	TAILQ_ENTRY(http_req)	 entry;
	struct http_loop	*hl;
	CURL			*easy;
	struct curl_slist	*headers;
	struct curl_slist	*rcpt;		/* mail: the recipient */
	char			*up;		/* mail: the message to upload */
	size_t			 uplen, upoff;
	char			*resp;		/* body so far, NUL-ended */
	size_t			 len, cap;
	bool			 too_large;
	http_cb			*cb;
	void			*arg;
	char			 errbuf[CURL_ERROR_SIZE];
};

struct http_loop {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	struct http_settings	 set;
	char			*outgoing_ca;	/* PEM text, or NULL */
	size_t			 outgoing_len;
	TAILQ_HEAD(, http_req)	 reqs;
	TAILQ_HEAD(, hsock)	 socks;
};

static void	collect(struct http_loop *);

static void
on_sock_event(evutil_socket_t fd, short what, void *arg)
{
	struct hsock *s = arg;
	struct http_loop *hl = s->hl;
	int running, action = 0;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	/* s may be freed inside (CURL_POLL_REMOVE): only hl after this. */
	(void)curl_multi_socket_action(hl->multi, fd, action, &running);
	collect(hl);
}

static void
on_timer_event(evutil_socket_t fd, short what, void *arg)
{
	struct http_loop *hl = arg;
	int running;

	(void)curl_multi_socket_action(hl->multi, CURL_SOCKET_TIMEOUT, 0,
	    &running);
	collect(hl);
}

/* CURLMOPT_SOCKETFUNCTION: watch fd for what curl wants, or stop. */
static int
on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *sockp)
{
	struct http_loop *hl = userp;
	struct hsock *s = sockp;
	short kind = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			event_free(s->ev);
			TAILQ_REMOVE(&hl->socks, s, entry);
			free(s);
			(void)curl_multi_assign(hl->multi, fd, NULL);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (s == NULL) {
		s = xcalloc(1, sizeof *s);
		s->hl = hl;
		s->fd = fd;
		TAILQ_INSERT_TAIL(&hl->socks, s, entry);
		(void)curl_multi_assign(hl->multi, fd, s);
	} else
		event_free(s->ev);
	s->ev = event_new(hl->base, fd, kind, on_sock_event, s);
	event_add(s->ev, NULL);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: one timer for the whole multi handle. */
static int
on_timer(CURLM *multi, long ms, void *userp)
{
	struct http_loop *hl = userp;
	struct timeval tv;

	if (ms < 0) {
		evtimer_del(hl->timer);
		return 0;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(hl->timer, &tv);
	return 0;
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct http_req *r = arg;
	size_t add = size * n;

	/* Returning less than was given makes curl end the transfer with
	 * CURLE_WRITE_ERROR: a body without Content-Length stops here. */
	if (add > r->hl->set.max_response - r->len) {
		r->too_large = true;
		return 0;
	}
	if (r->len + add + 1 > r->cap) {
		r->cap = r->len + add + 1 < 4096 ? 4096 :
		    (r->len + add + 1) * 2;
		if (r->cap > r->hl->set.max_response + 1)
			r->cap = r->hl->set.max_response + 1;
		r->resp = xrealloc(r->resp, r->cap);
	}
	memcpy(r->resp + r->len, data, add);
	r->len += add;
	r->resp[r->len] = '\0';
	return add;
}

/* CURLOPT_READFUNCTION: the message of a mail, in pieces. */
static size_t
on_upload(char *buf, size_t size, size_t n, void *arg)
{
	struct http_req *r = arg;
	size_t left = r->uplen - r->upoff, take = size * n;

	if (take > left)
		take = left;
	memcpy(buf, r->up + r->upoff, take);
	r->upoff += take;
	return take;
}

static void
req_free(struct http_req *r)
{
	TAILQ_REMOVE(&r->hl->reqs, r, entry);
	(void)curl_multi_remove_handle(r->hl->multi, r->easy);
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);	/* may hold a token */
	curl_slist_free_all(r->rcpt);
	free(r->up);
	free(r->resp);
	free(r);
}

/* The kind of failure behind curl's code, and a reason for a person. */
static enum http_fail
classify(struct http_req *r, CURLcode rc, const char **why)
{
	curl_off_t connect_us = 0;
	long os_errno = 0;

	*why = r->errbuf[0] != '\0' ? r->errbuf : curl_easy_strerror(rc);
	switch (rc) {
	case CURLE_OK:
		return HTTP_OK;
	case CURLE_COULDNT_RESOLVE_HOST:
		return HTTP_CONNECT;
	case CURLE_COULDNT_CONNECT:
		/* curl says "Couldn't connect to server"; the system says
		 * which of refused, unreachable, ... it was. */
		if (curl_easy_getinfo(r->easy, CURLINFO_OS_ERRNO, &os_errno) ==
		    CURLE_OK && os_errno != 0)
			*why = strerror((int)os_errno);
		return HTTP_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		(void)curl_easy_getinfo(r->easy, CURLINFO_CONNECT_TIME_T,
		    &connect_us);
		return connect_us == 0 ? HTTP_CONNECT_TIMEOUT : HTTP_TIMEOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
		return HTTP_TLS_UNTRUSTED;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_USE_SSL_FAILED:
		return HTTP_TLS;
	case CURLE_FILESIZE_EXCEEDED:
		return HTTP_TOO_LARGE;
	case CURLE_WRITE_ERROR:
		return r->too_large ? HTTP_TOO_LARGE : HTTP_FAILED;
	default:
		return HTTP_FAILED;
	}
}

static void
finish(struct http_req *r, CURLcode rc)
{
	struct http_result res;

	memset(&res, 0, sizeof res);
	res.fail = classify(r, rc, &res.err);
	if (res.fail == HTTP_OK)
		(void)curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE,
		    &res.status);
	else
		r->len = 0;
	res.body = r->resp != NULL && r->len > 0 ? r->resp : "";
	res.len = r->len;
	res.settings = &r->hl->set;
	r->cb(r->arg, &res);
	req_free(r);
}

/* Hand every finished transfer to its callback. */
static void
collect(struct http_loop *hl)
{
	struct http_req *r;
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(hl->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		if (curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
		    (char **)&r) != CURLE_OK || r == NULL)
			fatalx("http: a transfer without its request");
		finish(r, m->data.result);
	}
}

static bool MUST_CHECK
read_ca(const char *path, char **out, size_t *outlen, char *err,
    size_t errlen)
{
	FILE *f;
	char *buf;
	size_t n;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "outgoing_ca %s: %s", path,
		    strerror(errno));
		return false;
	}
	buf = xmalloc(OUTGOING_CA_MAX + 1);
	n = fread(buf, 1, OUTGOING_CA_MAX + 1, f);
	fclose(f);
	buf[n > OUTGOING_CA_MAX ? OUTGOING_CA_MAX : n] = '\0';
	if (n > OUTGOING_CA_MAX || strstr(buf, "-----BEGIN CERTIFICATE-----")
	    == NULL) {
		snprintf(err, errlen, "outgoing_ca %s: %s", path,
		    n > OUTGOING_CA_MAX ? "larger than 4 MiB" :
		    "holds no PEM certificate");
		free(buf);
		return false;
	}
	*out = buf;
	*outlen = n;
	return true;
}

struct http_loop *
http_loop_new(struct event_base *base, const char *outgoing_ca,
    const struct http_settings *set, char *err, size_t errlen)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	struct http_loop *hl;

	/* Without its own resolver thread, curl would call getaddrinfo() on
	 * the loop and stall every connection while DNS is slow. */
	if (!(v->features & CURL_VERSION_ASYNCHDNS)) {
		snprintf(err, errlen, "libcurl %s has no asynchronous resolver",
		    v->version);
		return NULL;
	}
	hl = xcalloc(1, sizeof *hl);
	if (outgoing_ca != NULL && !read_ca(outgoing_ca, &hl->outgoing_ca,
	    &hl->outgoing_len, err, errlen)) {
		free(hl);
		return NULL;
	}
	if (set != NULL)
		hl->set = *set;
	if (hl->set.connect_timeout_ms <= 0)
		hl->set.connect_timeout_ms = HTTP_CONNECT_TIMEOUT_MS;
	if (hl->set.timeout_ms <= 0)
		hl->set.timeout_ms = HTTP_TIMEOUT_MS;
	if (hl->set.max_response == 0)
		hl->set.max_response = HTTP_MAX_RESPONSE;
	hl->base = base;
	TAILQ_INIT(&hl->reqs);
	TAILQ_INIT(&hl->socks);
	if ((hl->multi = curl_multi_init()) == NULL)
		fatalx("curl_multi_init failed");
	hl->timer = evtimer_new(base, on_timer_event, hl);
	(void)curl_multi_setopt(hl->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	(void)curl_multi_setopt(hl->multi, CURLMOPT_SOCKETDATA, hl);
	(void)curl_multi_setopt(hl->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	(void)curl_multi_setopt(hl->multi, CURLMOPT_TIMERDATA, hl);
	return hl;
}

void
http_loop_free(struct http_loop *hl)
{
	struct hsock *s;

	if (hl == NULL)
		return;
	while (!TAILQ_EMPTY(&hl->reqs))
		req_free(TAILQ_FIRST(&hl->reqs));
	(void)curl_multi_cleanup(hl->multi);
	/* Sockets curl kept open for reuse and closed without a REMOVE. */
	while ((s = TAILQ_FIRST(&hl->socks)) != NULL) {
		TAILQ_REMOVE(&hl->socks, s, entry);
		event_free(s->ev);
		free(s);
	}
	event_free(hl->timer);
	free(hl->outgoing_ca);
	free(hl);
}

const struct http_settings *
http_loop_settings(const struct http_loop *hl)
{
	return &hl->set;
}

struct event_base *
http_loop_base(const struct http_loop *hl)
{
	return hl->base;
}

/* The options every request gets, whatever it asked. */
static bool MUST_CHECK
set_common(struct http_req *r, const struct http_opts *o)
{
	struct http_loop *hl = r->hl;
	CURL *e = r->easy;
	struct curl_blob blob;
	CURLcode rc = CURLE_OK;

#define SET(opt, val) do { if (rc == CURLE_OK) \
	rc = curl_easy_setopt(e, opt, val); } while (0)
	SET(CURLOPT_PRIVATE, r);
	SET(CURLOPT_URL, o->url);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, o->mail_rcpt != NULL ? "smtp" :
	    "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	/* The environment's http_proxy is not cairnd's configuration. */
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)hl->set.connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, (long)hl->set.timeout_ms);
	/* A body announced larger than the cap is refused before it comes;
	 * on_body stops one that is not announced. */
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)hl->set.max_response);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, r);
	SET(CURLOPT_ERRORBUFFER, r->errbuf);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_USERAGENT, "cairnd/" CAIRN_VERSION);
	if (o->ca_pem != NULL) {
		/* Only these CAs: not the system's bundle or directory. */
		blob.data = (void *)o->ca_pem;
		blob.len = strlen(o->ca_pem);
		blob.flags = CURL_BLOB_COPY;
		SET(CURLOPT_CAINFO_BLOB, &blob);
		SET(CURLOPT_CAINFO, NULL);
		SET(CURLOPT_CAPATH, NULL);
	} else if (hl->outgoing_ca != NULL) {
		/* Loaded beside the default bundle and directory. */
		blob.data = hl->outgoing_ca;
		blob.len = hl->outgoing_len;
		blob.flags = CURL_BLOB_COPY;
		SET(CURLOPT_CAINFO_BLOB, &blob);
	}
	if (o->mail_rcpt != NULL) {
		r->rcpt = curl_slist_append(NULL, o->mail_rcpt);
		r->uplen = o->bodylen;
		r->up = xmalloc(r->uplen + 1);
		memcpy(r->up, o->body != NULL ? o->body : "", r->uplen);
		SET(CURLOPT_MAIL_FROM, o->mail_from);
		SET(CURLOPT_MAIL_RCPT, r->rcpt);
		SET(CURLOPT_UPLOAD, 1L);
		SET(CURLOPT_READFUNCTION, on_upload);
		SET(CURLOPT_READDATA, r);
		SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->uplen);
		SET(CURLOPT_USE_SSL, o->require_tls ? (long)CURLUSESSL_ALL :
		    (long)CURLUSESSL_NONE);
		if (o->user != NULL) {
			SET(CURLOPT_USERNAME, o->user);
			SET(CURLOPT_PASSWORD, o->password != NULL ?
			    o->password : "");
		}
	} else if (o->method != NULL && strcmp(o->method, "POST") == 0) {
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->bodylen);
		SET(CURLOPT_COPYPOSTFIELDS, o->body != NULL ? o->body : "");
	} else if (o->method != NULL && strcmp(o->method, "GET") != 0)
		SET(CURLOPT_CUSTOMREQUEST, o->method);
	for (size_t i = 0; o->headers != NULL && o->headers[i] != NULL; i++)
		r->headers = curl_slist_append(r->headers, o->headers[i]);
	SET(CURLOPT_HTTPHEADER, r->headers);
#undef SET
	if (rc != CURLE_OK)
		snprintf(r->errbuf, sizeof r->errbuf, "%s",
		    curl_easy_strerror(rc));
	return rc == CURLE_OK;
}

struct http_req *
http_start(struct http_loop *hl, const struct http_opts *o, http_cb *cb,
    void *arg, char *err, size_t errlen)
{
	struct http_req *r = xcalloc(1, sizeof *r);

	r->hl = hl;
	r->cb = cb;
	r->arg = arg;
	TAILQ_INSERT_TAIL(&hl->reqs, r, entry);
	if ((r->easy = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	if (!set_common(r, o)) {
		snprintf(err, errlen, "%s", r->errbuf);
		req_free(r);
		return NULL;
	}
	/* curl_multi_add_handle only arms the timer: the transfer starts
	 * when the loop next runs, so cb never runs inside this call. */
	if (curl_multi_add_handle(hl->multi, r->easy) != CURLM_OK) {
		snprintf(err, errlen, "cannot start an HTTP request");
		req_free(r);
		return NULL;
	}
	return r;
}

void
http_cancel(struct http_req *r)
{
	if (r != NULL)
		req_free(r);
}
