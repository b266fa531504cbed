/*
 * test_pgsource.c: the PostgreSQL query runner (server/pgsource.c)
 * against the database 'ops' that tests/e2e/sources.sh makes on its
 * cluster, as the read-only role 'feeder' (a password, scram): one value,
 * a value and its time, each refusal of a result, a timeout (with the
 * loop going on meanwhile), a deadline on a server that never answers,
 * several statements, a write, a backend killed mid-run, a permission
 * denied, and a host name resolved off the loop.
 *
 * CAIRN_TEST_PGHOST: the cluster's socket directory; CAIRN_TEST_FEEDER_PW:
 * feeder's password.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <libpq-fe.h>

#include "pgsource.h"

static char		 conninfo[512], admin[512];
static const char	*pw;

struct outcome {
	struct event_base	*base;
	bool			 done;
	struct pgsrc_result	 r;
	int			 ticks;		/* the loop's timer, meanwhile */
	struct event		*tick;
	struct event		*kill;		/* kill feeder's backend */
};

static void
on_result(void *arg, const struct pgsrc_result *r)
{
	struct outcome *o = arg;

	o->done = true;
	o->r = *r;
	event_base_loopbreak(o->base);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	((struct outcome *)arg)->ticks++;
}

/* Blocking, from the test's side only: kill feeder's backends. */
static void
on_kill(evutil_socket_t fd, short what, void *arg)
{
	PGconn *pg = PQconnectdb(admin);

	PQclear(PQexec(pg, "SELECT pg_terminate_backend(pid) FROM"
	    " pg_stat_activity WHERE usename = 'feeder'"));
	PQfinish(pg);
}

/* Run sql (NULL: a probe) on ci with password p; ticks every 50 ms; with
 * kill_ms > 0, feeder's backends are killed then. */
static struct pgsrc_result
run_on(const char *ci, const char *p, const char *sql, int timeout_ms,
    int kill_ms, int *ticks)
{
	struct outcome o = { .base = event_base_new() };
	struct timeval fifty = { 0, 50000 }, k = { kill_ms / 1000,
	    (kill_ms % 1000) * 1000 };

	o.tick = event_new(o.base, -1, EV_PERSIST, on_tick, &o);
	event_add(o.tick, &fifty);
	if (kill_ms > 0) {
		o.kill = evtimer_new(o.base, on_kill, &o);
		evtimer_add(o.kill, &k);
	}
	pgsrc_start(o.base, ci, p, sql, timeout_ms, on_result, &o);
	/* The callback never comes from within pgsrc_start. */
	assert_false(o.done);
	while (!o.done)
		event_base_loop(o.base, EVLOOP_ONCE);
	event_free(o.tick);
	if (o.kill != NULL)
		event_free(o.kill);
	event_base_free(o.base);
	if (ticks != NULL)
		*ticks = o.ticks;
	if (!o.r.ok)
		printf("# %s\n", o.r.err);
	return o.r;
}

static struct pgsrc_result
run(const char *sql)
{
	return run_on(conninfo, pw, sql, 2000, 0, NULL);
}

static void
fails(const char *sql, const char *want)
{
	struct pgsrc_result r = run(sql);

	assert_false(r.ok);
	if (strstr(r.err, want) == NULL)
		fail_msg("'%s': got '%s', want '%s'", sql, r.err, want);
	assert_null(strstr(r.err, pw));
}

static void
test_probe(void **state)
{
	struct pgsrc_result r = run(NULL);

	assert_true(r.ok);
	assert_non_null(strstr(r.info, "PostgreSQL "));
	assert_non_null(strstr(r.info, "user feeder, database ops"));
}

static void
test_one_value(void **state)
{
	struct pgsrc_result r = run("SELECT value FROM downtime_latest");

	assert_true(r.ok);
	assert_true(r.value == 12.5);
	r = run("SELECT 42::int2 AS value");
	assert_true(r.ok && r.value == 42 && !r.has_at);
	r = run("SELECT 7::bigint AS value, 'x' AS other");
	assert_true(r.ok && r.value == 7);
	r = run("SELECT 0.25::float4 AS value");
	assert_true(r.ok && r.value == 0.25);
}

static void
test_value_at(void **state)
{
	struct pgsrc_result r = run("SELECT value, at FROM downtime_latest");

	assert_true(r.ok);
	assert_true(r.has_at);
	/* 2026-12-02T00:00:00Z */
	assert_true(fabs(r.at - 1796169600.0) < 1e-6);
	r = run("SELECT 1 AS value, '2026-12-02 01:30:00.5+02'::timestamptz"
	    " AS at");
	assert_true(r.ok && fabs(r.at - (1796169600.0 - 1800 + 0.5)) < 1e-6);
	/* A NULL at: the time of the run. */
	r = run("SELECT 1 AS value, NULL::timestamptz AS at");
	assert_true(r.ok && !r.has_at);
}

static void
test_refused_results(void **state)
{
	fails("SELECT value FROM downtime_latest WHERE false",
	    "the query returned no row; it must return one");
	fails("SELECT minutes AS value FROM downtime_latest, "
	    "generate_series(1, 2) g(minutes)",
	    "the query returned 2 rows; it must return one");
	fails("SELECT 1 AS v", "no column named value");
	fails("SELECT NULL::numeric AS value", "column value is NULL");
	fails("SELECT '12'::text AS value", "column value is text, not a "
	    "number");
	fails("SELECT true AS value", "column value is boolean, not a number");
	fails("SELECT 'NaN'::numeric AS value", "not a finite number");
	fails("SELECT 'Infinity'::float8 AS value", "not a finite number");
	fails("SELECT 1 AS value, now()::timestamp AS at", "column at is "
	    "timestamp without time zone, not timestamptz");
	fails("SELECT 1 AS value, 'infinity'::timestamptz AS at",
	    "not a time cairn can store");
}

static void
test_timeout(void **state)
{
	struct pgsrc_result r;
	int ticks;
	time_t t0 = time(NULL);

	r = run_on(conninfo, pw, "SELECT 1 AS value FROM pg_sleep(5)", 500, 0,
	    &ticks);
	assert_false(r.ok);
	assert_non_null(strstr(r.err, "statement timeout"));
	/* The loop went on while the query ran: its 50 ms timer fired. */
	assert_true(ticks >= 5);
	assert_true(time(NULL) - t0 < 3);
}

/* A server that takes the connection and never answers: the deadline,
 * not libpq, ends the run. */
static void
test_deadline(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	struct pgsrc_result r;
	char ci[128];
	int s = socket(AF_INET, SOCK_STREAM, 0), ticks;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(s, 4), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
	snprintf(ci, sizeof ci, "host=127.0.0.1 port=%d dbname=x user=y "
	    "sslmode=disable", ntohs(sa.sin_port));
	r = run_on(ci, "pw", "SELECT 1 AS value", 300, 0, &ticks);
	close(s);
	assert_false(r.ok);
	assert_non_null(strstr(r.err, "timed out after 300 ms connecting"));
	assert_true(ticks >= 3);
}

static void
test_one_statement(void **state)
{
	struct pgsrc_result r;

	fails("COMMIT; DROP VIEW downtime_latest",
	    "cannot insert multiple commands into a prepared statement");
	fails("SELECT 1 AS value; SELECT 2 AS value",
	    "cannot insert multiple commands");
	r = run("SELECT value FROM downtime_latest");
	assert_true(r.ok);
}

static void
test_read_only(void **state)
{
	fails("INSERT INTO scratch VALUES (1) RETURNING x AS value",
	    "cannot execute INSERT in a read-only transaction");
	fails("WITH x AS (INSERT INTO scratch VALUES (2) RETURNING x)"
	    " SELECT x AS value FROM x", "read-only transaction");
}

static void
test_permission_denied(void **state)
{
	fails("SELECT count(*) AS value FROM payroll",
	    "permission denied for table payroll");
}

static void
test_killed(void **state)
{
	struct pgsrc_result r = run_on(conninfo, pw,
	    "SELECT 1 AS value FROM pg_sleep(3)", 5000, 300, NULL);

	assert_false(r.ok);
	assert_true(strstr(r.err, "terminating connection") != NULL ||
	    strstr(r.err, "server closed the connection") != NULL);
}

static void
test_wrong_password(void **state)
{
	struct pgsrc_result r = run_on(conninfo, "not-the-password-123",
	    "SELECT 1 AS value", 2000, 0, NULL);

	assert_false(r.ok);
	assert_non_null(strstr(r.err, "password authentication failed"));
	assert_null(strstr(r.err, "not-the-password-123"));
}

/* "localhost" is resolved off the loop, then given as hostaddr: nothing
 * listens on port 1, so libpq names the address it was given. */
static void
test_resolved(void **state)
{
	struct pgsrc_result r = run_on("host=localhost port=1 dbname=x "
	    "user=y", NULL, "SELECT 1 AS value", 2000, 0, NULL);

	assert_false(r.ok);
	assert_true(strstr(r.err, "127.0.0.1") != NULL ||
	    strstr(r.err, "::1") != NULL);
	r = run_on("host=no-such-host.invalid dbname=x", NULL,
	    "SELECT 1 AS value", 2000, 0, NULL);
	assert_false(r.ok);
	assert_non_null(strstr(r.err, "cannot resolve no-such-host.invalid"));
}

static void
test_conninfo_check(void **state)
{
	char err[256];

	assert_true(pgsrc_conninfo_check("host=/tmp dbname=ops user=feeder "
	    "sslmode=require application_name=x connect_timeout=3", err,
	    sizeof err));
	assert_false(pgsrc_conninfo_check("host=/tmp password=x", err,
	    sizeof err));
	assert_non_null(strstr(err, "--password-stdin"));
	assert_false(pgsrc_conninfo_check("postgresql://u:secretpw@h/db",
	    err, sizeof err));
	assert_null(strstr(err, "secretpw"));
	assert_false(pgsrc_conninfo_check("host=/tmp sslkey=/k", err,
	    sizeof err));
	assert_non_null(strstr(err, "may not set sslkey"));
	assert_false(pgsrc_conninfo_check("host='a", err, sizeof err));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conninfo_check),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_one_value),
		cmocka_unit_test(test_value_at),
		cmocka_unit_test(test_refused_results),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_one_statement),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_permission_denied),
		cmocka_unit_test(test_killed),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_resolved),
	};
	const char *host = getenv("CAIRN_TEST_PGHOST");

	pw = getenv("CAIRN_TEST_FEEDER_PW");
	if (host == NULL || pw == NULL) {
		fprintf(stderr, "test_pgsource: set CAIRN_TEST_PGHOST and "
		    "CAIRN_TEST_FEEDER_PW (tests/e2e/sources.sh does)\n");
		return 2;
	}
	/* resolve.c's thread activates an event of the loop, as in cairnd. */
	evthread_use_pthreads();
	snprintf(conninfo, sizeof conninfo, "host=%s dbname=ops user=feeder",
	    host);
	snprintf(admin, sizeof admin, "host=%s dbname=postgres user=cairn",
	    host);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
