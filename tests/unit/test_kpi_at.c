/*
 * test_kpi_at.c: a reading's time (kpi_at_parse) and the order of a KPI's
 * thresholds (kpi_thresholds_refusal), as docs/rules.md states them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kpi.h"

/* 2026-12-01T12:00:00Z */
#define NOW	((time_t)1796126400)

static void
test_at_forms(void **st)
{
	char out[KPI_AT_LEN];
	const char *why;

	assert_true(kpi_at_parse("2026-11-30T09:00:00Z", NOW, out, &why));
	assert_string_equal(out, "2026-11-30T09:00:00Z");
	assert_true(kpi_at_parse("2026-11-30", NOW, out, &why));
	assert_string_equal(out, "2026-11-30T00:00:00Z");
	assert_true(kpi_at_parse("2026-11-30 09:00:00.25z", NOW, out, &why));
	assert_string_equal(out, "2026-11-30T09:00:00.25Z");
	assert_true(kpi_at_parse("2024-02-29T23:59:59Z", NOW, out, &why));
	/* RFC 3339 offsets, stored in UTC. */
	assert_true(kpi_at_parse("2026-11-30T09:00:00+00:00", NOW, out, &why));
	assert_string_equal(out, "2026-11-30T09:00:00Z");
	assert_true(kpi_at_parse("2026-11-30T08:00:00+01:00", NOW, out, &why));
	assert_string_equal(out, "2026-11-30T07:00:00Z");
	assert_true(kpi_at_parse("2026-11-29T23:30:00-05:00", NOW, out, &why));
	assert_string_equal(out, "2026-11-30T04:30:00Z");
}

static void
test_at_refused(void **st)
{
	static const char *bad[] = { "2026-13-01", "2026-02-30", "yesterday",
	    "2026-11-30T24:00:00Z", "2026-11-30T09:60:00Z", "2026-11-30T09:00Z",
	    "2026-11-30T09:00:00", "2026-11-30T09:00:00+15:00",
	    "2026-11-30T09:00:00.Z", "2026-11-30T09:00:00.1234567Z",
	    "2026-11-30x", "", "2026-11-30T09:00:00ZZ" };
	char out[KPI_AT_LEN];
	const char *why;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (kpi_at_parse(bad[i], NOW, out, &why))
			fail_msg("took '%s'", bad[i]);
}

static void
test_at_future(void **st)
{
	char out[KPI_AT_LEN];
	const char *why;

	/* Exactly 5 minutes ahead is taken, a second more is not. */
	assert_true(kpi_at_parse("2026-12-01T12:05:00Z", NOW, out, &why));
	assert_false(kpi_at_parse("2026-12-01T12:05:01Z", NOW, out, &why));
	assert_non_null(strstr(why, "future"));
	assert_false(kpi_at_parse("2026-12-02", NOW, out, &why));
	/* The offset counts: 13:05+01:00 is 12:05Z, taken; -01:00 is not. */
	assert_true(kpi_at_parse("2026-12-01T13:05:00+01:00", NOW, out, &why));
	assert_false(kpi_at_parse("2026-12-01T11:05:01-01:00", NOW, out,
	    &why));
}

static const char *
refusal(const char *dir, double g, double a, bool hg, double gh, bool ha,
    double ah)
{
	const char *why;

	return kpi_thresholds_refusal(dir, g, a, hg, gh, ha, ah, &why);
}

static void
test_thresholds(void **st)
{
	assert_null(refusal("up", 95, 90, false, 0, false, 0));
	assert_null(refusal("up", 5, 5, false, 0, false, 0));
	assert_string_equal(refusal("up", 90, 95, false, 0, false, 0), "amber");
	assert_null(refusal("down", 2, 5, false, 0, false, 0));
	assert_string_equal(refusal("down", 5, 2, false, 0, false, 0),
	    "amber");
	assert_string_equal(refusal("up", 2, 1, true, 3, false, 0),
	    "green_high");
	assert_string_equal(refusal("down", 2, 3, false, 0, true, 3),
	    "amber_high");
	assert_null(refusal("range", 2, 1, true, 6, true, 8));
	assert_null(refusal("range", 2, 2, true, 2, true, 2));
	assert_string_equal(refusal("range", 2, 3, true, 6, true, 8), "amber");
	assert_string_equal(refusal("range", 7, 1, true, 6, true, 8),
	    "green_high");
	assert_string_equal(refusal("range", 2, 1, true, 9, true, 8),
	    "amber_high");
	assert_string_equal(refusal("range", 2, 1, false, 0, true, 8),
	    "green_high");
	assert_string_equal(refusal("range", 2, 1, true, 6, false, 0),
	    "amber_high");
	assert_string_equal(refusal("sideways", 2, 1, false, 0, false, 0),
	    "direction");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_at_forms),
		cmocka_unit_test(test_at_refused),
		cmocka_unit_test(test_at_future),
		cmocka_unit_test(test_thresholds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
