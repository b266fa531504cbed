/*
 * test_prom_json.c: reading Prometheus's query answers (server/prom-json.c),
 * each case of prom-json.h: a vector of one series, a scalar, and every
 * refusal with the words an operator sees.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "prom-json.h"

#define VEC(result) "{\"status\":\"success\",\"data\":{\"resultType\":" \
	"\"vector\",\"result\":[" result "]}}"
#define SERIES(labels, t, v) "{\"metric\":{" labels "},\"value\":[" t \
	",\"" v "\"]}"

static char err[256];

static void
refused(const char *body, const char *want)
{
	double v = -1, at = -1;

	err[0] = '\0';
	if (prom_parse(body, strlen(body), &v, &at, err, sizeof err))
		fail_msg("took %s: %g at %g", body, v, at);
	assert_string_equal(err, want);
}

static void
test_vector_one(void **st)
{
	const char *b = VEC(SERIES("\"__name__\":\"up\",\"job\":\"x\"",
	    "1796126400.123", "42.5"));
	double v, at;

	assert_true(prom_parse(b, strlen(b), &v, &at, err, sizeof err));
	assert_true(v == 42.5);
	assert_true(fabs(at - 1796126400.123) < 1e-6);
	/* An integer time, an exponent, a negative value. */
	b = VEC(SERIES("", "1796126400", "-1.5e+06"));
	assert_true(prom_parse(b, strlen(b), &v, &at, err, sizeof err));
	assert_true(v == -1.5e6);
	assert_true(at == 1796126400.0);
}

static void
test_scalar(void **st)
{
	const char *b = "{\"status\":\"success\",\"data\":{\"resultType\":"
	    "\"scalar\",\"result\":[1796126400.5,\"3\"]}}";
	double v, at;

	assert_true(prom_parse(b, strlen(b), &v, &at, err, sizeof err));
	assert_true(v == 3.0);
	assert_true(at == 1796126400.5);
}

static void
test_no_series(void **st)
{
	refused(VEC(""), "the query returned no series");
}

static void
test_many_series(void **st)
{
	refused(VEC(SERIES("\"a\":\"1\"", "1", "1") ","
	    SERIES("\"a\":\"2\"", "1", "2")),
	    "the query returned 2 series; it must return one "
	    "(aggregate it, e.g. sum(...))");
	refused(VEC(SERIES("\"a\":\"1\"", "1", "1") ","
	    SERIES("\"a\":\"2\"", "1", "2") "," SERIES("", "1", "3")),
	    "the query returned 3 series; it must return one "
	    "(aggregate it, e.g. sum(...))");
}

static void
test_not_numbers(void **st)
{
	refused(VEC(SERIES("", "1", "NaN")), "the value is NaN");
	refused(VEC(SERIES("", "1", "+Inf")), "the value is +Inf");
	refused(VEC(SERIES("", "1", "-Inf")), "the value is -Inf");
	/* What strtod takes but Prometheus never writes. */
	refused(VEC(SERIES("", "1", "inf")), "not a Prometheus query "
	    "response (a sample is not [time, \"value\"])");
	refused(VEC(SERIES("", "1", "0x10")), "not a Prometheus query "
	    "response (a sample is not [time, \"value\"])");
	refused(VEC(SERIES("", "1", "")), "not a Prometheus query "
	    "response (a sample is not [time, \"value\"])");
	refused(VEC(SERIES("", "1", "1.5x")), "not a Prometheus query "
	    "response (a sample is not [time, \"value\"])");
	/* A time that is not a number, or negative. */
	refused(VEC("{\"metric\":{},\"value\":[\"1\",\"2\"]}"),
	    "not a Prometheus query response (a sample is not "
	    "[time, \"value\"])");
	refused(VEC(SERIES("", "-5", "2")), "not a Prometheus query "
	    "response (a sample is not [time, \"value\"])");
	/* A number, not a string, as the value. */
	refused(VEC("{\"metric\":{},\"value\":[1,2]}"),
	    "not a Prometheus query response (a sample is not "
	    "[time, \"value\"])");
}

static void
test_other_types(void **st)
{
	refused("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
	    "\"result\":[{\"metric\":{},\"values\":[[1,\"1\"],[2,\"2\"]]}]}}",
	    "the query returned a range vector (matrix); it must return one "
	    "number (e.g. last_over_time(x[5m]))");
	refused("{\"status\":\"success\",\"data\":{\"resultType\":\"string\","
	    "\"result\":[1,\"hello\"]}}",
	    "the query returned a string; it must return a number");
}

static void
test_error_status(void **st)
{
	char long_text[600];
	const char *b;

	refused("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":"
	    "\"invalid parameter \\\"query\\\": 1:5: parse error\"}",
	    "Prometheus: bad_data: invalid parameter \"query\": 1:5: "
	    "parse error");
	/* Control characters do not reach a log line. */
	refused("{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":"
	    "\"a\\nb\\u001b[31m\"}", "Prometheus: timeout: a b [31m");
	refused("{\"status\":\"error\"}",
	    "Prometheus: error: (no reason given)");
	/* A long reason is cut, never overflows. */
	memset(long_text, 'x', sizeof long_text);
	memcpy(long_text, "{\"status\":\"error\",\"error\":\"", 27);
	memcpy(long_text + sizeof long_text - 3, "\"}", 3);
	assert_false(prom_parse(long_text, strlen(long_text), &(double){0},
	    &(double){0}, err, sizeof err));
	assert_true(strlen(err) < sizeof err);
	assert_memory_equal(err, "Prometheus: error: xxx", 22);
	/* The error envelope is recognised on its own (a 400 or 422). */
	b = "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":"
	    "\"boom\"}";
	assert_true(prom_error_body(b, strlen(b), err, sizeof err));
	assert_string_equal(err, "Prometheus: execution: boom");
	assert_false(prom_error_body("<html>503</html>", 16, err, sizeof err));
}

static void
test_malformed(void **st)
{
	static const char *bad[] = { "", "{", "<html>Service Unavailable"
	    "</html>", "[]", "null", "{\"status\":\"success\"}",
	    "{\"status\":\"success\",\"data\":{}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\"}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
	    "\"result\":{}}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"histogram\","
	    "\"result\":[]}}",
	    "{\"status\":\"ok\",\"data\":{\"resultType\":\"vector\","
	    "\"result\":[]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
	    "\"result\":[]},}" };

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		refused(bad[i], "not a Prometheus query response");
	/* A vector element without its value. */
	refused(VEC("{\"metric\":{}}"), "not a Prometheus query response "
	    "(a sample is not [time, \"value\"])");
	refused(VEC(SERIES("", "1", "2") "x"),
	    "not a Prometheus query response");
}

static void
test_buildinfo(void **st)
{
	const char *b = "{\"status\":\"success\",\"data\":{\"version\":"
	    "\"2.42.0+ds\",\"revision\":\"\",\"branch\":\"debian/sid\"}}";
	char info[128];

	assert_true(prom_parse_buildinfo(b, strlen(b), info, sizeof info));
	assert_string_equal(info, "Prometheus 2.42.0+ds");
	assert_false(prom_parse_buildinfo("{}", 2, info, sizeof info));
	assert_string_equal(info, "not a Prometheus build information "
	    "response");
	assert_false(prom_parse_buildinfo("404 page not found", 18, info,
	    sizeof info));
	assert_string_equal(info, "not a Prometheus build information "
	    "response");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_one),
		cmocka_unit_test(test_scalar),
		cmocka_unit_test(test_no_series),
		cmocka_unit_test(test_many_series),
		cmocka_unit_test(test_not_numbers),
		cmocka_unit_test(test_other_types),
		cmocka_unit_test(test_error_status),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_buildinfo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
