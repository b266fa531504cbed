/*
 * test_metrics.c: the metrics registry (server/metrics.h) and its text
 * format: label values escaped (\ " newline, bytes not UTF-8, long ones
 * cut), counters and gauges by label set, histograms cumulative with
 * +Inf, _sum and _count, callbacks, the cap on label sets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"

static char *
render(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_true(metrics_write(f));
	fclose(f);
	return buf;
}

static void
test_escape(void **st)
{
	char out[600];

	assert_int_equal(metric_escape_value(out, sizeof out, "plain"), 5);
	assert_string_equal(out, "plain");
	metric_escape_value(out, sizeof out, "a\"b\\c\nd");
	assert_string_equal(out, "a\\\"b\\\\c\\nd");
	/* Valid UTF-8 is kept; a stray byte, a truncated sequence and an
	 * overlong form each become U+FFFD. */
	metric_escape_value(out, sizeof out, "\xc3\xa9t\xc3\xa9");
	assert_string_equal(out, "\xc3\xa9t\xc3\xa9");
	metric_escape_value(out, sizeof out, "x\xffy\xe2\x82z\xc0\xaf");
	assert_string_equal(out, "x\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbdz"
	    "\xef\xbf\xbd\xef\xbf\xbd");
	/* Control characters other than newline are legal in the format. */
	metric_escape_value(out, sizeof out, "t\tab");
	assert_string_equal(out, "t\tab");
}

static void
test_escape_bounds(void **st)
{
	char big[400], out[600], small[8];

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(metric_escape_value(out, sizeof out, big),
	    METRIC_MAX_VALUE);
	/* A cut never splits a character: é is 2 bytes at 127 and 128. */
	memset(big, 'a', METRIC_MAX_VALUE - 1);
	memcpy(big + METRIC_MAX_VALUE - 1, "\xc3\xa9zz", 5);
	assert_int_equal(metric_escape_value(out, sizeof out, big),
	    METRIC_MAX_VALUE - 1);
	/* The output buffer is never overrun, and an escape never split. */
	assert_int_equal(metric_escape_value(small, sizeof small,
	    "abcdef\"gh"), 6);
	assert_string_equal(small, "abcdef");
}

static struct metric_def C = METRIC_COUNTER_DEF("t_requests_total",
    "Requests\\by op \nand code.", "op,code");
static struct metric_def G = METRIC_GAUGE_DEF("t_busy", "Busy.", NULL);
static const double B[] = { 0.01, 0.1, 1 };
static struct metric_def H = METRIC_HISTOGRAM_DEF("t_seconds", "Latency.",
    "op", B);

static void
test_counter_gauge(void **st)
{
	char *out;

	for (int i = 0; i < 5; i++)
		metric_inc(&C, METRIC_LV("user.get", "ok"));
	metric_add(&C, METRIC_LV("user.get", "E_LIMIT"), 2);
	metric_inc(&C, METRIC_LV("we\"ird", "ok"));
	metric_set(&G, NULL, 3);
	metric_set(&G, NULL, 7);
	out = render();
	assert_non_null(strstr(out, "# HELP t_requests_total Requests\\\\by "
	    "op \\nand code.\n# TYPE t_requests_total counter\n"));
	assert_non_null(strstr(out,
	    "t_requests_total{op=\"user.get\",code=\"ok\"} 5\n"));
	assert_non_null(strstr(out,
	    "t_requests_total{op=\"user.get\",code=\"E_LIMIT\"} 2\n"));
	assert_non_null(strstr(out,
	    "t_requests_total{op=\"we\\\"ird\",code=\"ok\"} 1\n"));
	assert_non_null(strstr(out, "# TYPE t_busy gauge\nt_busy 7\n"));
	free(out);
	metrics_reset();
	assert_null(C.m);
}

static void
test_histogram(void **st)
{
	char *out;

	metric_observe(&H, METRIC_LV("a"), 0.005);
	metric_observe(&H, METRIC_LV("a"), 0.01);	/* le is inclusive */
	metric_observe(&H, METRIC_LV("a"), 0.5);
	metric_observe(&H, METRIC_LV("a"), 7);
	out = render();
	assert_non_null(strstr(out, "# TYPE t_seconds histogram\n"
	    "t_seconds_bucket{op=\"a\",le=\"0.01\"} 2\n"
	    "t_seconds_bucket{op=\"a\",le=\"0.1\"} 2\n"
	    "t_seconds_bucket{op=\"a\",le=\"1\"} 3\n"
	    "t_seconds_bucket{op=\"a\",le=\"+Inf\"} 4\n"
	    "t_seconds_sum{op=\"a\"} 7.515\n"
	    "t_seconds_count{op=\"a\"} 4\n"));
	free(out);
	metrics_reset();
}

static void
cb(struct metric_out *o, void *arg)
{
	metric_sample(o, METRIC_LV("handshake"), *(int *)arg);
	metric_sample(o, METRIC_LV("logged_in"), *(int *)arg + 1);
}

static void
test_callback_and_cap(void **st)
{
	int n = 4;
	struct metric_def d = { .type = METRIC_GAUGE, .name = "t_conns",
	    .help = "Connections.", .labels = "state", .fn = cb, .arg = &n };
	struct metric_def many = METRIC_COUNTER_DEF("t_many_total", "Many.",
	    "k");
	char *out, k[16];

	metric_declare(&d);
	for (int i = 0; i < METRIC_MAX_SERIES + 10; i++) {
		snprintf(k, sizeof k, "%d", i);
		metric_inc(&many, METRIC_LV(k));
	}
	out = render();
	assert_non_null(strstr(out, "t_conns{state=\"handshake\"} 4\n"
	    "t_conns{state=\"logged_in\"} 5\n"));
	assert_non_null(strstr(out, "t_many_total{k=\"4095\"} 1\n"));
	assert_null(strstr(out, "t_many_total{k=\"4096\"}"));
	/* Found again by its hash after many rehashes. */
	metric_inc(&many, METRIC_LV("17"));
	free(out);
	out = render();
	assert_non_null(strstr(out, "t_many_total{k=\"17\"} 2\n"));
	free(out);
	metrics_reset();
}

/* A second def of the same family, declared alike, counts into it. */
static void
test_shared_family(void **st)
{
	struct metric_def a = METRIC_COUNTER_DEF("t_x_total", "X.", "k");
	struct metric_def b = METRIC_COUNTER_DEF("t_x_total", "X.", "k");
	char *out;

	metric_inc(&a, METRIC_LV("v"));
	metric_inc(&b, METRIC_LV("v"));
	out = render();
	assert_non_null(strstr(out, "t_x_total{k=\"v\"} 2\n"));
	/* One family: its TYPE line once. */
	assert_null(strstr(strstr(out, "# TYPE t_x_total") + 1,
	    "# TYPE t_x_total"));
	free(out);
	metrics_reset();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_bounds),
		cmocka_unit_test(test_counter_gauge),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_callback_and_cap),
		cmocka_unit_test(test_shared_family),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
