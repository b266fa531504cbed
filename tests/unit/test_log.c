/* test_log.c: the rate limiter in log.c, with a clock the test moves, and
 * the context prefixes of server.h's log_conn and log_req. */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "server.h"

static uint64_t	 fake_now;
static FILE	*captured;

static uint64_t
fake_clock(void)
{
	return fake_now;
}

/* stderr goes to a temporary file while a test runs. */
static int
setup(void **st)
{
	fflush(stderr);
	captured = tmpfile();
	assert_non_null(captured);
	assert_true(dup2(fileno(captured), 2) >= 0);
	fake_now = 1000000;
	log_rl_set_clock(fake_clock);
	log_init("test", LOG_LVL_INFO);
	return 0;
}

static int
teardown(void **st)
{
	log_rl_set_clock(NULL);
	fclose(captured);
	return 0;
}

/* The lines written so far (caller frees), and how many. */
static char *
lines(int *n)
{
	struct stat sb;
	char *buf;

	assert_int_equal(fstat(fileno(captured), &sb), 0);
	buf = calloc(1, sb.st_size + 1);
	assert_int_equal(pread(fileno(captured), buf, sb.st_size, 0),
	    sb.st_size);
	*n = 0;
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			(*n)++;
	return buf;
}

static void
test_one_line_per_second(void **st)
{
	char *out;
	int n;

	for (int i = 0; i < 5000; i++) {
		log_warnx_rl("refused", "refusing connection %d", i);
		fake_now += 0;	/* all within the same millisecond */
	}
	out = lines(&n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(out, "warn: refusing connection 0\n"));
	free(out);

	/* 999 ms later: still held back. */
	fake_now += 999;
	log_warnx_rl("refused", "refusing connection %d", 5000);
	out = lines(&n);
	assert_int_equal(n, 1);
	free(out);

	/* A second after the first line: written, with the count. */
	fake_now += 1;
	log_warnx_rl("refused", "refusing connection %d", 5001);
	out = lines(&n);
	assert_int_equal(n, 2);
	assert_non_null(strstr(out, "refusing connection 5001 (and 5000 "
	    "more like this in the last second)\n"));
	free(out);
}

static void
test_kinds_are_separate(void **st)
{
	char *out;
	int n;

	for (int i = 0; i < 100; i++) {
		log_warnx_rl("a", "kind a %d", i);
		log_info_rl("b", "kind b %d", i);
	}
	out = lines(&n);
	assert_int_equal(n, 2);
	assert_non_null(strstr(out, "warn: kind a 0\n"));
	assert_non_null(strstr(out, "info: kind b 0\n"));
	free(out);
}

/* The end of a burst is reported by the flush, with its last line. */
static void
test_flush_reports_the_tail(void **st)
{
	char *out;
	int n;

	for (int i = 0; i < 10; i++)
		log_warnx_rl("tls", "handshake failed %d", i);
	log_rl_flush();		/* too early: nothing */
	out = lines(&n);
	assert_int_equal(n, 1);
	free(out);
	fake_now += 1500;
	log_rl_flush();
	out = lines(&n);
	assert_int_equal(n, 2);
	assert_non_null(strstr(out, "handshake failed 9 (and 8 more like "
	    "this in the last second)\n"));
	free(out);
	/* Nothing left to flush; a lone held line has no count. */
	fake_now += 5000;
	log_rl_flush();
	log_warnx_rl("tls", "handshake failed %d", 10);
	log_warnx_rl("tls", "handshake failed %d", 11);
	fake_now += 1000;
	log_rl_flush();
	out = lines(&n);
	assert_int_equal(n, 4);
	assert_non_null(strstr(out, "handshake failed 10\n"));
	assert_non_null(strstr(out, "handshake failed 11\n"));
	free(out);
}

/* After a long quiet spell the count says how long it covers. */
static void
test_long_gap(void **st)
{
	char *out;
	int n;

	log_warnx_rl("x", "first");
	log_warnx_rl("x", "held");
	fake_now += 7000;
	log_warnx_rl("x", "again");
	out = lines(&n);
	assert_int_equal(n, 2);
	assert_non_null(strstr(out, "again (and 1 more like this in the last "
	    "7 s)\n"));
	free(out);
}

/* Below the level: neither written nor counted. */
static void
test_level(void **st)
{
	char *out;
	int n;

	log_set_level(LOG_LVL_WARN);
	for (int i = 0; i < 10; i++)
		log_info_rl("quiet", "info %d", i);
	log_set_level(LOG_LVL_INFO);
	fake_now += 2000;
	log_rl_flush();
	out = lines(&n);
	assert_int_equal(n, 0);
	free(out);
}

/* More kinds than slots: the extra ones share the last slot, still
 * bounded. */
static void
test_many_keys(void **st)
{
	static char keys[100][8];
	char *out;
	int n;

	for (int i = 0; i < 100; i++) {
		snprintf(keys[i], sizeof keys[i], "k%d", i);
		log_warnx_rl(keys[i], "key %d", i);
	}
	out = lines(&n);
	assert_int_equal(n, LOG_RL_KEYS);
	free(out);
}

/* One prefix for every line about a connection or a request, at the
 * level asked for. */
static void
test_conn_prefix(void **st)
{
	struct conn c = { .serial = 42, .peer = "192.0.2.7" };
	struct request r = { .conn = &c, .op_name = "kr.checkin" };
	char *out;
	int n;

	log_conn(LOG_LVL_INFO, &c, "closed: %s", "idle");
	log_req(LOG_LVL_WARN, &r, "stream of %s stalled", "tree");
	log_req(LOG_LVL_DEBUG, &r, "not shown at level info");
	log_conn_rl(LOG_LVL_INFO, "hs", &c, "TLS handshake failed: %d", 1);
	out = lines(&n);
	assert_int_equal(n, 3);
	assert_non_null(strstr(out, "conn 42 192.0.2.7: closed: idle\n"));
	assert_non_null(strstr(out,
	    "conn 42 192.0.2.7: kr.checkin: stream of tree stalled\n"));
	assert_non_null(strstr(out,
	    "conn 42 192.0.2.7: TLS handshake failed: 1\n"));
	assert_null(strstr(out, "not shown"));
	free(out);
}

/* JSON: the context as fields, the user once logged in, strings escaped
 * (quotes, backslash, control characters) and bytes that are not UTF-8
 * made U+FFFD; text keeps its prefix and its '?'. */
static void
test_json(void **st)
{
	struct conn c = { .serial = 42, .peer = "192.0.2.7" };
	struct request r = { .conn = &c, .op_name = "\xff\"op" };
	char *out, esc[64];
	int n;

	c.sess.valid = true;
	snprintf(c.sess.login, sizeof c.sess.login, "ann");
	log_set_format(LOG_FMT_JSON);
	log_conn(LOG_LVL_INFO, &c, "failed login for '%s'", "a\"b\\c\001\n");
	log_req(LOG_LVL_WARN, &r, "x");
	log_info("plain \xc3\xa9 \xe2\x82");
	log_set_format(LOG_FMT_TEXT);
	log_conn(LOG_LVL_INFO, &c, "back to %s\001", "text");
	out = lines(&n);
	assert_int_equal(n, 4);
	assert_non_null(strstr(out, "\"level\":\"info\",\"prog\":\"test\","
	    "\"msg\":\"failed login for 'a\\\"b\\\\c\\u0001\\u000a'\","
	    "\"conn\":42,\"peer\":\"192.0.2.7\",\"user\":\"ann\"}\n"));
	assert_non_null(strstr(out, "\"msg\":\"x\",\"conn\":42,"
	    "\"peer\":\"192.0.2.7\",\"user\":\"ann\",\"op\":\"\\ufffd\\\"op\"}\n"));
	assert_non_null(strstr(out, "\"msg\":\"plain \xc3\xa9 \\ufffd\\ufffd\"}\n"));
	assert_non_null(strstr(out, " test info: conn 42 192.0.2.7: back to "
	    "text?\n"));
	free(out);
	/* Cut on a whole escape, never in its middle, and still quoted. */
	assert_int_equal(log_json_str(esc, 10, "abc\001def"), 5);
	assert_string_equal(esc, "\"abc\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_line_per_second,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_kinds_are_separate,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_reports_the_tail,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_gap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_keys, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_conn_prefix, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
	};
	int saved = dup(2), rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	dup2(saved, 2);
	return rc;
}
