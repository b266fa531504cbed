/*
 * test_date.c: YYYY-MM-DD against the calendar, leap years included, and
 * RFC 3339 times (time_parse): calendar validity, offsets and their
 * limits, the choices of date.h (lowercase t and z, 1 to 6 digits of
 * fraction, no leap second) and the conversion to UTC.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

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

/* time_parse's answer for s, and its UTC text in out. */
static enum time_status
tp(const char *s, char out[TIME_TEXT_LEN])
{
	int64_t t;

	return time_parse(s, &t, out);
}

static void
utc_is(const char *in, const char *want)
{
	char out[TIME_TEXT_LEN];
	enum time_status st = tp(in, out);

	if (st != TIME_OK)
		fail_msg("'%s' refused: %s", in, time_status_text(st));
	if (strcmp(out, want) != 0)
		fail_msg("'%s' gave %s, not %s", in, out, want);
}

static void
refused(const char *in, enum time_status want)
{
	char out[TIME_TEXT_LEN];
	enum time_status st = tp(in, out);

	if (st != want)
		fail_msg("'%s': %d, not %d", in, st, want);
}

static void
test_time_calendar(void **st)
{
	utc_is("2028-02-29T12:00:00Z", "2028-02-29T12:00:00Z");
	utc_is("2000-02-29T00:00:00Z", "2000-02-29T00:00:00Z");
	refused("2026-02-29T12:00:00Z", TIME_NO_SUCH_DAY);
	refused("2100-02-29T12:00:00Z", TIME_NO_SUCH_DAY);
	refused("2026-02-30T08:00:00+01:00", TIME_NO_SUCH_DAY);
	refused("2026-04-31T00:00:00Z", TIME_NO_SUCH_DAY);
	refused("2026-06-31T00:00:00Z", TIME_NO_SUCH_DAY);
	refused("2026-09-31T00:00:00Z", TIME_NO_SUCH_DAY);
	refused("2026-11-31T00:00:00Z", TIME_NO_SUCH_DAY);
	utc_is("2026-12-31T23:59:59Z", "2026-12-31T23:59:59Z");
	refused("2026-13-01T00:00:00Z", TIME_NO_SUCH_DAY);
	refused("2026-11-30T24:00:00Z", TIME_NO_SUCH_TIME);
	refused("2026-11-30T09:60:00Z", TIME_NO_SUCH_TIME);
	/* No leap second: PostgreSQL would store the next minute. */
	refused("2026-12-31T23:59:60Z", TIME_NO_SUCH_TIME);
	refused("1899-12-31T23:00:00Z", TIME_RANGE);
}

static void
test_time_offsets(void **st)
{
	utc_is("2026-12-05T08:00:00+01:00", "2026-12-05T07:00:00Z");
	utc_is("2026-12-05T08:00:00-05:30", "2026-12-05T13:30:00Z");
	utc_is("2026-12-05T08:00:00-00:00", "2026-12-05T08:00:00Z");
	utc_is("2026-12-05T08:00:00+00:00", "2026-12-05T08:00:00Z");
	/* Across days, months, years and a leap day. */
	utc_is("2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00Z");
	utc_is("2028-02-28T20:00:00-12:00", "2028-02-29T08:00:00Z");
	utc_is("2028-03-01T09:00:00+14:00", "2028-02-29T19:00:00Z");
	utc_is("2026-02-28T23:00:00-01:00", "2026-03-01T00:00:00Z");
	/* The limits: -12:00 and +14:00 are taken, a minute more is not. */
	utc_is("2026-06-01T12:00:00+14:00", "2026-05-31T22:00:00Z");
	utc_is("2026-06-01T12:00:00-12:00", "2026-06-02T00:00:00Z");
	refused("2026-06-01T12:00:00+14:01", TIME_OFFSET);
	refused("2026-06-01T12:00:00-12:01", TIME_OFFSET);
	refused("2026-06-01T12:00:00+15:00", TIME_OFFSET);
	refused("2026-06-01T12:00:00+01:60", TIME_OFFSET);
	/* Still within the years once in UTC. */
	utc_is("9999-12-31T23:00:00+05:00", "9999-12-31T18:00:00Z");
	refused("9999-12-31T23:00:00-05:00", TIME_RANGE);
	refused("1900-01-01T00:30:00+01:00", TIME_RANGE);
	utc_is("1900-01-01T00:30:00-01:00", "1900-01-01T01:30:00Z");
}

static void
test_time_forms(void **st)
{
	char out[TIME_TEXT_LEN];
	int64_t t;

	/* RFC 3339 5.6: t and z may be lowercase; a space for the T. */
	utc_is("2026-11-30t09:00:00z", "2026-11-30T09:00:00Z");
	utc_is("2026-11-30 09:00:00Z", "2026-11-30T09:00:00Z");
	/* Fractions: 1 to 6 digits kept as written. */
	utc_is("2026-11-30T09:00:00.5Z", "2026-11-30T09:00:00.5Z");
	utc_is("2026-11-30T09:00:00.123456+02:00",
	    "2026-11-30T07:00:00.123456Z");
	refused("2026-11-30T09:00:00.1234567Z", TIME_FRACTION);
	refused("2026-11-30T09:00:00.Z", TIME_FRACTION);
	refused("2026-11-30T09:00:00", TIME_NO_OFFSET);
	refused("2026-11-30T09:00:00.25", TIME_NO_OFFSET);
	static const char *syntax[] = { "", "2026-11-30", "2026-11-30T09:00Z",
	    "2026-11-30T09:00:00ZZ", "2026-11-30T09:00:00+0100",
	    "2026-11-30T09:00:00+01", "2026-11-30T09:00:00+01:00x",
	    "2026-11-30T09:00:00 +01:00", "2026-11-30X09:00:00Z",
	    "2026-11-30T9:00:00Z", "2026-11-30T09:00:00UTC",
	    "+2026-11-30T09:00:00Z", "2026-11-30T09:00:00+1:00",
	    "2026-11-30T09:00:00.1234567890123456789012345Z" };
	for (size_t i = 0; i < sizeof syntax / sizeof *syntax; i++)
		if (time_parse(syntax[i], &t, out) != TIME_SYNTAX &&
		    time_parse(syntax[i], &t, out) != TIME_NO_OFFSET)
			fail_msg("'%s' taken or misnamed: %d", syntax[i],
			    time_parse(syntax[i], &t, out));
}

static void
test_time_epoch(void **st)
{
	char out[TIME_TEXT_LEN];
	int64_t t;
	struct tm tm = { .tm_year = 2026 - 1900, .tm_mon = 11, .tm_mday = 5,
	    .tm_hour = 7 };

	/* The same instant whatever the offset, as timegm counts it. */
	assert_int_equal(time_parse("2026-12-05T08:00:00+01:00", &t, out),
	    TIME_OK);
	assert_int_equal(t, (int64_t)timegm(&tm));
	assert_int_equal(time_parse("2026-12-04T21:00:00-10:00", &t, out),
	    TIME_OK);
	assert_int_equal(t, (int64_t)timegm(&tm));
	assert_int_equal(date_days(1970, 1, 1), 0);
	assert_int_equal(date_days(1969, 12, 31), -1);
	assert_int_equal(date_days(2000, 3, 1), 11017);
	assert_int_equal(time_parse("1900-01-01T00:00:00Z", &t, out), TIME_OK);
	assert_int_equal(t, -2208988800LL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_no_such_day),
		cmocka_unit_test(test_syntax_and_range),
		cmocka_unit_test(test_days_in_month),
		cmocka_unit_test(test_time_calendar),
		cmocka_unit_test(test_time_offsets),
		cmocka_unit_test(test_time_forms),
		cmocka_unit_test(test_time_epoch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
