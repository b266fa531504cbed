/* test_date.c: YYYY-MM-DD against the calendar, leap years included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "date.h"

static enum date_status
check(const char *s)
{
	int y, m, d;

	return date_check(s, &y, &m, &d);
}

static void
test_valid(void **st)
{
	static const char *ok[] = { "2026-01-01", "2026-12-31", "2024-02-29",
	    "2000-02-29", "1900-01-01", "9999-12-31", "2026-04-30",
	    "2026-02-28" };
	int y, m, d;

	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
		if (check(ok[i]) != DATE_OK)
			fail_msg("refused %s", ok[i]);
	assert_int_equal(date_check("2024-02-29", &y, &m, &d), DATE_OK);
	assert_int_equal(y, 2024);
	assert_int_equal(m, 2);
	assert_int_equal(d, 29);
}

static void
test_no_such_day(void **st)
{
	static const char *bad[] = { "2026-02-30", "2026-02-29", "1900-02-29",
	    "2100-02-29", "2026-04-31", "2026-06-31", "2026-09-31",
	    "2026-11-31", "2026-13-01", "2026-00-10", "2026-01-00",
	    "2026-01-32" };

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (check(bad[i]) != DATE_NO_SUCH_DAY)
			fail_msg("%s: %d", bad[i], check(bad[i]));
}

static void
test_syntax_and_range(void **st)
{
	static const char *syntax[] = { "", "2026-1-01", "2026-01-1",
	    "2026/01/01", "20260101", "2026-01-01 ", " 2026-01-01",
	    "+026-01-01", "2026-+1-01", "2026-01- 1", "2026-01-01T00",
	    "abcd-ef-gh", "2026-01-011" };

	for (size_t i = 0; i < sizeof syntax / sizeof *syntax; i++)
		if (check(syntax[i]) != DATE_SYNTAX)
			fail_msg("'%s': %d", syntax[i], check(syntax[i]));
	assert_int_equal(check("1899-12-31"), DATE_RANGE);
	assert_int_equal(check("0000-01-01"), DATE_RANGE);
}

static void
test_days_in_month(void **st)
{
	assert_int_equal(date_days_in_month(2026, 2), 28);
	assert_int_equal(date_days_in_month(2028, 2), 29);
	assert_int_equal(date_days_in_month(2000, 2), 29);
	assert_int_equal(date_days_in_month(1900, 2), 28);
	assert_int_equal(date_days_in_month(2026, 1), 31);
	assert_int_equal(date_days_in_month(2026, 4), 30);
	assert_int_equal(date_days_in_month(2026, 0), 0);
	assert_int_equal(date_days_in_month(2026, 13), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_no_such_day),
		cmocka_unit_test(test_syntax_and_range),
		cmocka_unit_test(test_days_in_month),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
