/*
 * prom.c: the Prometheus reader (see prom.h).  It builds the request from
 * the source, sends it through http-loop.c and turns what came back (an
 * answer, an HTTP status, a transport failure) into one sample or one
 * sentence.  Every sentence is built from the host and port, curl's or the
 * system's reason and Prometheus's own words: none holds the request's
 * headers, so the bearer token cannot leak through them; scrub() checks it
 * anyway before a result leaves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "log.h"
#include "prom-json.h"
#include "prom.h"
#include "xmalloc.h"

struct prom_query {
	struct http_req		*req;
	struct event		*defer;		/* an early failure, reported
						 * from the loop */
	prom_cb			*cb;
	void			*arg;
	bool			 probe;
	char			*bearer;	/* for scrub() */
	char			 where[128];	/* host:port */
	struct prom_result	 res;		/* an early failure */
};

static void
query_free(struct prom_query *q)
{
	if (q->defer != NULL)
		event_free(q->defer);
	if (q->bearer != NULL) {
		explicit_bzero(q->bearer, strlen(q->bearer));
		free(q->bearer);
	}
	free(q);
}

/* Belt and braces: no error leaves holding the token. */
static void
scrub(const struct prom_query *q, struct prom_result *r)
{
	if (q->bearer != NULL && q->bearer[0] != '\0' &&
	    strstr(r->err, q->bearer) != NULL)
		snprintf(r->err, sizeof r->err, "the request failed (the "
		    "reason held the bearer token, so it is not shown)");
}

static void
deliver(struct prom_query *q, struct prom_result *r)
{
	scrub(q, r);
	q->cb(q->arg, r);
	query_free(q);
}

static void
on_defer(evutil_socket_t fd, short what, void *arg)
{
	struct prom_query *q = arg;

	deliver(q, &q->res);
}

/* "1 MiB", "64 KiB", "1000 bytes" */
static void
size_words(size_t n, char *out, size_t len)
{
	if (n % (1 << 20) == 0)
		snprintf(out, len, "%zu MiB", n >> 20);
	else if (n % (1 << 10) == 0)
		snprintf(out, len, "%zu KiB", n >> 10);
	else
		snprintf(out, len, "%zu bytes", n);
}

static void
on_http(void *arg, const struct http_result *h)
{
	struct prom_query *q = arg;
	struct prom_result r;
	char size[32];

	memset(&r, 0, sizeof r);
	q->req = NULL;		/* http-loop frees it after this returns */
	switch (h->fail) {
	case HTTP_OK:
		if (h->status == 200)
			r.ok = q->probe ? prom_parse_buildinfo(h->body, h->len,
			    r.err, sizeof r.err) : prom_parse(h->body, h->len,
			    &r.value, &r.at, r.err, sizeof r.err);
		/* 400 (a bad query), 422 (it failed), 503 (overloaded or
		 * timed out) come with Prometheus's own words. */
		else if (!prom_error_body(h->body, h->len, r.err, sizeof r.err))
			snprintf(r.err, sizeof r.err, "HTTP %ld from "
			    "Prometheus%s", h->status,
			    h->status == 401 || h->status == 403 ?
			    " (is the bearer token right?)" :
			    h->status == 404 ? " (is the URL's path right?)" :
			    "");
		break;
	case HTTP_CONNECT:
		snprintf(r.err, sizeof r.err, "cannot connect to %s: %s",
		    q->where, h->err);
		break;
	case HTTP_CONNECT_TIMEOUT:
		snprintf(r.err, sizeof r.err, "cannot connect to %s: no "
		    "answer within %g s", q->where,
		    h->settings->connect_timeout_ms / 1000.0);
		break;
	case HTTP_TIMEOUT:
		snprintf(r.err, sizeof r.err, "Prometheus did not answer "
		    "within %g s", h->settings->timeout_ms / 1000.0);
		break;
	case HTTP_TLS_UNTRUSTED:
		snprintf(r.err, sizeof r.err, "TLS: certificate not trusted "
		    "(%s)", h->err);
		break;
	case HTTP_TLS:
		snprintf(r.err, sizeof r.err, "TLS with %s failed: %s",
		    q->where, h->err);
		break;
	case HTTP_TOO_LARGE:
		size_words(h->settings->max_response, size, sizeof size);
		snprintf(r.err, sizeof r.err, "response larger than %s", size);
		break;
	case HTTP_FAILED:
		snprintf(r.err, sizeof r.err, "request to %s failed: %s",
		    q->where, h->err);
		break;
	}
	deliver(q, &r);
}

/* Only what a header may hold: no line breaks to smuggle another in. */
static bool
header_safe(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/*
 * The request URL: the source's base, its path prefix kept, then api_path
 * and the escaped query (NULL: none).  False with err set; where is the
 * host:port for messages, with no user or password.
 */
static bool
build_url(const char *base, const char *api_path, const char *promql,
    char **url, char *where, size_t wherelen, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	char *query = NULL, *frag = NULL, *esc = NULL, *p, *q;
	bool ok = false;

	*url = NULL;
	if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK) {
		snprintf(err, errlen, "the source's URL is not a valid URL");
		goto out;
	}
	snprintf(where, wherelen, "%s:%s", host, port);
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		snprintf(err, errlen, "the source's URL must start with "
		    "http:// or https://");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK) {
		snprintf(err, errlen, "the source's URL must not have a query "
		    "or fragment (?, #)");
		goto out;
	}
	/* The prefix without its trailing slashes, then the API's path. */
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		path = NULL;
	p = path != NULL ? path : "";
	q = p + strlen(p);
	while (q > p && q[-1] == '/')
		q--;
	xasprintf(&p, "%.*s%s", (int)(q - p), p, api_path);
	if (curl_url_set(u, CURLUPART_PATH, p, 0) != CURLUE_OK) {
		free(p);
		snprintf(err, errlen, "the source's URL is not a valid URL");
		goto out;
	}
	free(p);
	if (promql != NULL) {
		if ((esc = curl_easy_escape(NULL, promql, 0)) == NULL)
			fatalx("curl_easy_escape: out of memory");
		xasprintf(&p, "query=%s", esc);
		if (curl_url_set(u, CURLUPART_QUERY, p, 0) != CURLUE_OK) {
			free(p);
			snprintf(err, errlen, "the query cannot be sent");
			goto out;
		}
		free(p);
	}
	if (curl_url_get(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		snprintf(err, errlen, "the source's URL is not a valid URL");
		goto out;
	}
	ok = true;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_free(frag);
	curl_free(esc);
	curl_url_cleanup(u);
	return ok;
}

static struct prom_query *
start(struct http_loop *hl, const struct prom_source *src,
    const char *api_path, const char *promql, bool probe, prom_cb *cb,
    void *arg)
{
	struct prom_query *q = xcalloc(1, sizeof *q);
	struct http_opts o;
	const char *headers[3];
	struct timeval now = { 0, 0 };
	char *url = NULL, *auth = NULL;
	size_t nh = 0;

	q->cb = cb;
	q->arg = arg;
	q->probe = probe;
	snprintf(q->where, sizeof q->where, "Prometheus");
	if (src->bearer != NULL)
		q->bearer = xstrdup(src->bearer);
	if (!build_url(src->url != NULL ? src->url : "", api_path, promql,
	    &url, q->where, sizeof q->where, q->res.err, sizeof q->res.err))
		goto defer;
	if (src->bearer != NULL && (src->bearer[0] == '\0' ||
	    !header_safe(src->bearer))) {
		snprintf(q->res.err, sizeof q->res.err, "the bearer token is "
		    "empty or holds a control character");
		goto defer;
	}
	headers[nh++] = "Accept: application/json";
	if (src->bearer != NULL) {
		xasprintf(&auth, "Authorization: Bearer %s", src->bearer);
		headers[nh++] = auth;
	}
	headers[nh] = NULL;
	memset(&o, 0, sizeof o);
	o.url = url;
	o.headers = headers;
	o.ca_pem = src->ca_pem;
	q->req = http_start(hl, &o, on_http, q, q->res.err, sizeof q->res.err);
	if (auth != NULL) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	curl_free(url);
	url = NULL;
	if (q->req != NULL)
		return q;
defer:
	curl_free(url);
	q->defer = evtimer_new(http_loop_base(hl), on_defer, q);
	evtimer_add(q->defer, &now);
	return q;
}

struct prom_query *
prom_query_start(struct http_loop *hl, const struct prom_source *src,
    const char *promql, prom_cb *cb, void *arg)
{
	return start(hl, src, "/api/v1/query", promql, false, cb, arg);
}

struct prom_query *
prom_probe_start(struct http_loop *hl, const struct prom_source *src,
    prom_cb *cb, void *arg)
{
	return start(hl, src, "/api/v1/status/buildinfo", NULL, true, cb, arg);
}

void
prom_query_cancel(struct prom_query *q)
{
	if (q == NULL)
		return;
	http_cancel(q->req);
	query_free(q);
}
