/*
 * test_prom.c: the Prometheus reader (server/prom.c over http-loop.c) on an
 * event loop, against the real Prometheus and pushgateway that prom.sh
 * starts (tests/e2e/prom-lib.sh), and against small servers of its own
 * for what Prometheus will not do at will: never answer, answer too much,
 * answer 503, echo the request back.
 *
 *   test_prom http      Prometheus over http at CAIRN_TEST_PROM_URL with
 *                       up_value 42.5, twin (2 series), nanv NaN pushed
 *   test_prom stopped   CAIRN_TEST_PROM_URL where Prometheus was stopped
 *   test_prom https     the same Prometheus over https; CAIRN_TEST_CA
 *                       signed its certificate, CAIRN_TEST_OTHER_CA did not
 *
 * Every source carries a bearer token, and every error is checked not to
 * hold it.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <event2/event.h>

#include "log.h"
#include "prom.h"

#define TOKEN	"s3cret-token-7d1f"

static struct event_base *base;
static struct http_loop *hl;
static const char *prom_url;

struct outcome {
	bool			 done;
	int			 calls;
	struct prom_result	 res;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
on_result(void *arg, const struct prom_result *r)
{
	struct outcome *o = arg;

	o->calls++;
	o->done = true;
	o->res = *r;
	event_base_loopbreak(base);
}

static void
on_guard(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(base);
}

/* Run the loop until o is done, at most 20 s; the seconds it took. */
static double
wait_for(struct outcome *o)
{
	struct event *guard = evtimer_new(base, on_guard, NULL);
	struct timeval tv = { 20, 0 };
	double t0 = now_s();

	evtimer_add(guard, &tv);
	while (!o->done && now_s() - t0 < 20)
		event_base_dispatch(base);
	event_free(guard);
	if (!o->done)
		fail_msg("no answer within 20 s");
	assert_int_equal(o->calls, 1);
	if (strstr(o->res.err, TOKEN) != NULL)
		fail_msg("the token is in the error: %s", o->res.err);
	return now_s() - t0;
}

static double
ask_on(struct http_loop *l, const char *url, const char *ca_pem,
    const char *promql, struct outcome *o)
{
	struct prom_source src = { url, ca_pem, TOKEN };

	memset(o, 0, sizeof *o);
	if (promql != NULL)
		(void)prom_query_start(l, &src, promql, on_result, o);
	else
		(void)prom_probe_start(l, &src, on_result, o);
	return wait_for(o);
}

static double
ask(const char *url, const char *ca_pem, const char *promql,
    struct outcome *o)
{
	return ask_on(hl, url, ca_pem, promql, o);
}

static void
expect_err(const struct outcome *o, const char *want)
{
	if (o->res.ok)
		fail_msg("ok (%g), want: %s", o->res.value, want);
	if (strncmp(o->res.err, want, strlen(want)) != 0)
		fail_msg("error '%s', want '%s...'", o->res.err, want);
	print_message("# %s\n", o->res.err);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[3][16384];
	static int i;
	char *b = buf[i++ % 3];
	size_t n;

	if (f == NULL)
		fail_msg("%s: cannot read", path);
	n = fread(b, 1, sizeof buf[0] - 1, f);
	b[n] = '\0';
	fclose(f);
	return b;
}

/* A listening socket on 127.0.0.1, its port in *port. */
static int
listener(int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(fd, 8) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		fail_msg("listener: %s", strerror(errno));
	*port = ntohs(sin.sin_port);
	return fd;
}

enum fake { F_BIG_LENGTH, F_BIG_CLOSE, F_503, F_ECHO, F_CHECK, F_REDIRECT,
	F_POST };

/*
 * A child that answers one request as told, then exits.  F_CHECK answers
 * a good sample only if the request is exactly what prom.c should send
 * for "sum(x)" under the path prefix /pfx, and 400 otherwise.
 */
static pid_t
fake_server(enum fake how, int *port)
{
	int lfd = listener(port), fd;
	char req[8192], head[256];
	size_t n = 0;
	ssize_t k;
	pid_t pid;

	if ((pid = fork()) != 0) {
		close(lfd);
		return pid;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((fd = accept(lfd, NULL, NULL)) < 0)
		_exit(1);
	while (n < sizeof req - 1 && (k = read(fd, req + n,
	    sizeof req - 1 - n)) > 0) {
		n += (size_t)k;
		req[n] = '\0';
		/* F_POST's body follows its head: wait for its 7 bytes. */
		if (strstr(req, "\r\n\r\n") != NULL && (how != F_POST ||
		    strlen(strstr(req, "\r\n\r\n")) >= 4 + 7))
			break;
	}
	req[n] = '\0';
	if (how == F_BIG_LENGTH || how == F_BIG_CLOSE) {
		static char chunk[65536];
		size_t total = 2u << 20;

		memset(chunk, ' ', sizeof chunk);
		if (how == F_BIG_LENGTH)
			snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n"
			    "Content-Type: application/json\r\nContent-Length:"
			    " %zu\r\n\r\n", total);
		else
			snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n"
			    "Content-Type: application/json\r\nConnection: "
			    "close\r\n\r\n");
		if (write(fd, head, strlen(head)) < 0)
			_exit(0);
		for (size_t sent = 0; sent < total; sent += sizeof chunk)
			if (write(fd, chunk, sizeof chunk) < 0)
				break;
	} else {
		char body[9000];
		int status = 200;

		if (how == F_503) {
			status = 503;
			snprintf(body, sizeof body, "<html>busy</html>");
		} else if (how == F_REDIRECT) {
			status = 302;
			snprintf(body, sizeof body, "elsewhere");
		} else if (how == F_POST) {
			bool good = strncmp(req, "POST /hook HTTP/1.1\r\n", 21)
			    == 0 && strstr(req, "\r\nX-Cairn: 1\r\n") != NULL &&
			    strcmp(strstr(req, "\r\n\r\n") + 4, "{\"a\":1}") == 0;

			status = good ? 201 : 400;
			snprintf(body, sizeof body, "%s", good ? "made" : req);
		} else if (how == F_ECHO) {
			/* A hostile server quoting the request back. */
			status = 400;
			for (char *p = req; *p != '\0'; p++)
				if (*p == '"' || *p == '\\' ||
				    (unsigned char)*p < 0x20)
					*p = ' ';
			snprintf(body, sizeof body, "{\"status\":\"error\","
			    "\"errorType\":\"bad_data\",\"error\":\"%s\"}",
			    strstr(req, "Authorization") ? strstr(req,
			    "Authorization") : req);
		} else if (strncmp(req, "GET /pfx/api/v1/query?query=sum%28x"
		    "%29 HTTP/1.1\r\n", 46) == 0 &&
		    strstr(req, "\r\nAuthorization: Bearer " TOKEN "\r\n") !=
		    NULL)
			snprintf(body, sizeof body, "{\"status\":\"success\","
			    "\"data\":{\"resultType\":\"vector\",\"result\":"
			    "[{\"metric\":{},\"value\":[1796126400,\"7\"]}]}}");
		else {
			status = 400;
			snprintf(body, sizeof body, "{\"status\":\"error\","
			    "\"errorType\":\"bad_data\",\"error\":\"unexpected"
			    " request line\"}");
		}
		snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nContent-Type: "
		    "application/json\r\nContent-Length: %zu\r\nConnection: "
		    "close\r\n%s\r\n", status, strlen(body),
		    how == F_REDIRECT ? "Location: http://127.0.0.1:1/\r\n" :
		    "");
		if (write(fd, head, strlen(head)) < 0 ||
		    write(fd, body, strlen(body)) < 0)
			_exit(1);
	}
	close(fd);
	_exit(0);
}

static void
reap(pid_t pid)
{
	int st;

	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
}

static char *
local_url(int port, const char *path)
{
	static char url[128];

	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
	return url;
}

/* --- against Prometheus over http */

static void
test_value(void **st)
{
	struct outcome o;
	time_t t = time(NULL);

	ask(prom_url, NULL, "up_value", &o);
	if (!o.res.ok)
		fail_msg("up_value: %s", o.res.err);
	assert_true(o.res.value == 42.5);
	/* An instant query's sample is stamped with its evaluation time. */
	assert_true(o.res.at > t - 5 && o.res.at < t + 5);
	ask(prom_url, NULL, "sum(twin)", &o);
	if (!o.res.ok)
		fail_msg("sum(twin): %s", o.res.err);
	assert_true(o.res.value == 3.0);
	/* A scalar. */
	ask(prom_url, NULL, "scalar(up_value) * 2", &o);
	if (!o.res.ok)
		fail_msg("scalar: %s", o.res.err);
	assert_true(o.res.value == 85.0);
	/* A path prefix of "/" changes nothing. */
	{
		char url[256];

		snprintf(url, sizeof url, "%s/", prom_url);
		ask(url, NULL, "up_value", &o);
		assert_true(o.res.ok);
	}
}

static void
test_refusals(void **st)
{
	struct outcome o;

	ask(prom_url, NULL, "twin", &o);
	expect_err(&o, "the query returned 2 series; it must return one "
	    "(aggregate it, e.g. sum(...))");
	ask(prom_url, NULL, "no_such_metric_here", &o);
	expect_err(&o, "the query returned no series");
	ask(prom_url, NULL, "nanv", &o);
	expect_err(&o, "the value is NaN");
	ask(prom_url, NULL, "up_value / 0", &o);
	expect_err(&o, "the value is +Inf");
	ask(prom_url, NULL, "up_value[1m]", &o);
	expect_err(&o, "the query returned a range vector (matrix)");
	/* Prometheus's own words for a syntax error (HTTP 400). */
	ask(prom_url, NULL, "sum(up_value", &o);
	expect_err(&o, "Prometheus: bad_data: invalid parameter \"query\": ");
	assert_non_null(strstr(o.res.err, "parse error"));
}

static void
test_probe(void **st)
{
	struct outcome o;

	ask(prom_url, NULL, NULL, &o);
	if (!o.res.ok)
		fail_msg("probe: %s", o.res.err);
	assert_memory_equal(o.res.err, "Prometheus 2.", 13);
}

static void
test_bad_source(void **st)
{
	struct outcome o;
	struct prom_source src = { prom_url, NULL, "zq9\r\nX-Evil: 1" };

	ask("ftp://127.0.0.1/", NULL, "up", &o);
	expect_err(&o, "the source's URL must start with http:// or "
	    "https://");
	ask("not a url", NULL, "up", &o);
	expect_err(&o, "the source's URL is not a valid URL");
	ask("http://127.0.0.1:9/?a=b", NULL, "up", &o);
	expect_err(&o, "the source's URL must not have a query");
	memset(&o, 0, sizeof o);
	(void)prom_query_start(hl, &src, "up", on_result, &o);
	assert_false(o.done);	/* never from inside the start */
	(void)wait_for(&o);
	expect_err(&o, "the bearer token is empty or holds a control "
	    "character");
	assert_null(strstr(o.res.err, "zq9"));
}

/* What the fake servers provoke. */

static int ticks;

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	ticks++;
}

static void
test_never_answers(void **st)
{
	struct http_settings set = { 0, 1500, 0 };
	struct timeval tenth = { 0, 100 * 1000 };
	struct http_loop *l;
	struct event *tick;
	struct outcome o;
	char err[256];
	double took;
	int port, lfd = listener(&port);	/* accepts, never reads */

	if ((l = http_loop_new(base, NULL, &set, err, sizeof err)) == NULL)
		fail_msg("http_loop_new: %s", err);
	tick = event_new(base, -1, EV_PERSIST, on_tick, NULL);
	event_add(tick, &tenth);
	ticks = 0;
	took = ask_on(l, local_url(port, ""), NULL, "up", &o);
	expect_err(&o, "Prometheus did not answer within 1.5 s");
	if (took < 1.4 || took > 3.0)
		fail_msg("timed out after %.2f s, not 1.5", took);
	/* The loop kept running: a 100 ms timer fired all along. */
	if (ticks < 10)
		fail_msg("the loop stalled: %d ticks in %.2f s", ticks, took);
	event_free(tick);
	http_loop_free(l);
	close(lfd);
}

static void
test_cancel(void **st)
{
	struct prom_source src = { NULL, NULL, TOKEN };
	struct timeval fifth = { 0, 200 * 1000 };
	struct prom_query *q;
	struct outcome o;
	int port, lfd = listener(&port);

	memset(&o, 0, sizeof o);
	src.url = local_url(port, "");
	q = prom_query_start(hl, &src, "up", on_result, &o);
	event_base_loopexit(base, &fifth);
	event_base_dispatch(base);
	prom_query_cancel(q);
	/* And one cancelled before it ever ran (a bad URL's report). */
	src.url = "ftp://x/";
	prom_query_cancel(prom_query_start(hl, &src, "up", on_result, &o));
	event_base_loopexit(base, &fifth);
	event_base_dispatch(base);
	assert_int_equal(o.calls, 0);
	close(lfd);
}

static void
test_too_large(void **st)
{
	struct outcome o;
	int port;
	pid_t pid;

	pid = fake_server(F_BIG_LENGTH, &port);
	ask(local_url(port, ""), NULL, "up", &o);
	reap(pid);
	expect_err(&o, "response larger than 1 MiB");
	/* No Content-Length: stopped while it comes. */
	pid = fake_server(F_BIG_CLOSE, &port);
	ask(local_url(port, ""), NULL, "up", &o);
	reap(pid);
	expect_err(&o, "response larger than 1 MiB");
}

static void
test_fakes(void **st)
{
	struct outcome o;
	int port;
	pid_t pid;

	/* The path prefix kept, the query escaped, the token sent. */
	pid = fake_server(F_CHECK, &port);
	ask(local_url(port, "/pfx/"), NULL, "sum(x)", &o);
	reap(pid);
	if (!o.res.ok)
		fail_msg("the request was not what prom.c should send: %s",
		    o.res.err);
	assert_true(o.res.value == 7.0 && o.res.at == 1796126400.0);
	pid = fake_server(F_503, &port);
	ask(local_url(port, ""), NULL, "up", &o);
	reap(pid);
	expect_err(&o, "HTTP 503 from Prometheus");
	/* A server that quotes the token back: wait_for() checks it is not
	 * in the error. */
	pid = fake_server(F_ECHO, &port);
	ask(local_url(port, ""), NULL, "up", &o);
	reap(pid);
	expect_err(&o, "the request failed (the reason held the bearer "
	    "token, so it is not shown)");
	/* No redirect is followed. */
	pid = fake_server(F_REDIRECT, &port);
	ask(local_url(port, ""), NULL, "up", &o);
	reap(pid);
	expect_err(&o, "HTTP 302 from Prometheus");
}

/* http-loop.c alone: a POST with a header and a body (for webhooks). */

struct posted {
	bool	 done;
	long	 status;
	char	 body[64];
};

static void
on_posted(void *arg, const struct http_result *h)
{
	struct posted *p = arg;

	p->done = true;
	p->status = h->fail == HTTP_OK ? h->status : -1;
	snprintf(p->body, sizeof p->body, "%s", h->fail == HTTP_OK ? h->body :
	    h->err);
	event_base_loopbreak(base);
}

static void
test_post(void **st)
{
	const char *headers[] = { "X-Cairn: 1", NULL };
	struct http_opts o = { .method = "POST", .headers = headers,
	    .body = "{\"a\":1}", .bodylen = 7 };
	struct posted p = { false, 0, "" };
	struct http_req *r;
	char err[256];
	int port;
	pid_t pid = fake_server(F_POST, &port);

	o.url = local_url(port, "/hook");
	if ((r = http_start(hl, &o, on_posted, &p, err, sizeof err)) == NULL)
		fail_msg("http_start: %s", err);
	while (!p.done)
		event_base_dispatch(base);
	reap(pid);
	assert_int_equal(p.status, 201);
	assert_string_equal(p.body, "made");
	/* A scheme curl is told not to speak is refused. */
	o.url = "file:///etc/passwd";
	p.done = false;
	if ((r = http_start(hl, &o, on_posted, &p, err, sizeof err)) != NULL)
		while (!p.done)
			event_base_dispatch(base);
	assert_true(r == NULL || p.status == -1);
}

/* A listener whose accept queue is full: the kernel drops new SYNs, so a
 * connection never completes. */
static void
test_connect_timeout(void **st)
{
	struct http_settings set = { 800, 5000, 0 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct http_loop *l;
	struct outcome o;
	char err[256], want[128];
	double took;
	int port, lfd = listener(&port), fill[12];

	/* listen(fd, 8) above: Linux queues 9; the rest wait in SYN_SENT. */
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	for (int i = 0; i < 12; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		(void)connect(fill[i], (struct sockaddr *)&sin, sizeof sin);
	}
	usleep(100 * 1000);
	if ((l = http_loop_new(base, NULL, &set, err, sizeof err)) == NULL)
		fail_msg("http_loop_new: %s", err);
	took = ask_on(l, local_url(port, ""), NULL, "up", &o);
	snprintf(want, sizeof want, "cannot connect to 127.0.0.1:%d: no "
	    "answer within 0.8 s", port);
	expect_err(&o, want);
	if (took < 0.7 || took > 2.5)
		fail_msg("gave up after %.2f s, not 0.8", took);
	http_loop_free(l);
	for (int i = 0; i < 12; i++)
		close(fill[i]);
	close(lfd);
}

/* A host name goes through curl's threaded resolver. */
static void
test_name(void **st)
{
	struct outcome o;
	char url[256];

	snprintf(url, sizeof url, "http://localhost:%s",
	    strrchr(prom_url, ':') + 1);
	ask(url, NULL, "up_value", &o);
	if (!o.res.ok)
		fail_msg("by name: %s", o.res.err);
}

/* --- Prometheus stopped */

static void
test_stopped(void **st)
{
	struct outcome o;
	double took;
	char want[128];
	const char *hostport = strstr(prom_url, "//") + 2;

	took = ask(prom_url, NULL, "up_value", &o);
	snprintf(want, sizeof want, "cannot connect to %s: Connection "
	    "refused", hostport);
	expect_err(&o, want);
	if (took > 1.0)
		fail_msg("refused after %.2f s", took);
}

/* --- Prometheus over https */

static void
test_tls(void **st)
{
	const char *ca = slurp(getenv("CAIRN_TEST_CA"));
	const char *other = slurp(getenv("CAIRN_TEST_OTHER_CA"));
	struct http_loop *l;
	struct outcome o;
	char err[256];

	ask(prom_url, ca, "up_value", &o);
	if (!o.res.ok)
		fail_msg("with the test CA: %s", o.res.err);
	assert_true(o.res.value == 42.5);
	ask(prom_url, ca, NULL, &o);
	assert_true(o.res.ok);
	ask(prom_url, other, "up_value", &o);
	expect_err(&o, "TLS: certificate not trusted (");
	assert_non_null(strstr(o.res.err, "certificate"));
	/* The system store alone does not know the test CA ... */
	ask(prom_url, NULL, "up_value", &o);
	expect_err(&o, "TLS: certificate not trusted (");
	/* ... with outgoing_ca beside it, it does. */
	if ((l = http_loop_new(base, getenv("CAIRN_TEST_CA"), NULL, err,
	    sizeof err)) == NULL)
		fail_msg("http_loop_new: %s", err);
	ask_on(l, prom_url, NULL, "up_value", &o);
	if (!o.res.ok)
		fail_msg("with outgoing_ca: %s", o.res.err);
	http_loop_free(l);
	/* http:// to a TLS port is not an answer. */
	{
		char url[256];

		snprintf(url, sizeof url, "http://%s",
		    strstr(prom_url, "//") + 2);
		ask(url, NULL, "up_value", &o);
		assert_false(o.res.ok);
	}
	if (http_loop_new(base, "/nonexistent/ca.pem", NULL, err,
	    sizeof err) != NULL)
		fail_msg("a missing outgoing_ca was taken");
	assert_string_equal(err, "outgoing_ca /nonexistent/ca.pem: No such "
	    "file or directory");
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest http[] = {
		cmocka_unit_test(test_value),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_bad_source),
		cmocka_unit_test(test_never_answers),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_fakes),
		cmocka_unit_test(test_post),
		cmocka_unit_test(test_connect_timeout),
		cmocka_unit_test(test_name),
	};
	const struct CMUnitTest stopped[] = {
		cmocka_unit_test(test_stopped),
	};
	const struct CMUnitTest https[] = {
		cmocka_unit_test(test_tls),
	};
	const char *phase = argc > 1 ? argv[1] : "";
	char err[256];
	int rc;

	log_init("test_prom", LOG_LVL_WARN);
	if ((prom_url = getenv("CAIRN_TEST_PROM_URL")) == NULL) {
		fprintf(stderr, "test_prom: CAIRN_TEST_PROM_URL is not set\n");
		return 1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	base = event_base_new();
	if ((hl = http_loop_new(base, NULL, NULL, err, sizeof err)) == NULL) {
		fprintf(stderr, "test_prom: %s\n", err);
		return 1;
	}
	if (strcmp(phase, "http") == 0)
		rc = cmocka_run_group_tests_name("prom http", http, NULL, NULL);
	else if (strcmp(phase, "stopped") == 0)
		rc = cmocka_run_group_tests_name("prom stopped", stopped, NULL,
		    NULL);
	else if (strcmp(phase, "https") == 0)
		rc = cmocka_run_group_tests_name("prom https", https, NULL,
		    NULL);
	else {
		fprintf(stderr, "usage: test_prom http|stopped|https\n");
		rc = 2;
	}
	http_loop_free(hl);
	event_base_free(base);
	curl_global_cleanup();
	return rc;
}
