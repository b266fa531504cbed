/*
 * date.h: calendar dates as the protocol writes them, YYYY-MM-DD, and
 * times as RFC 3339 writes them.  The client checks dates before sending,
 * so that 2026-02-30 is refused with the argument's name rather than by
 * PostgreSQL in its own words; the server uses the same checks.
 */
#ifndef CAIRN_DATE_H
#define CAIRN_DATE_H

#include <stdbool.h>
#include <stdint.h>

#include "attr.h"

/* The years a date may have (what cairnd accepts). */
#define DATE_YEAR_MIN	1900
#define DATE_YEAR_MAX	9999

enum date_status {
	DATE_OK,
	DATE_SYNTAX,		/* not YYYY-MM-DD */
	DATE_RANGE,		/* year outside DATE_YEAR_MIN..MAX */
	DATE_NO_SUCH_DAY	/* month 13, day 0, 2026-02-30, ... */
};

/* Days in month m (1-12) of year y, leap years included. */
int	date_days_in_month(int y, int m);
/* Checks s; on DATE_OK and DATE_NO_SUCH_DAY sets *y, *m and *d. */
enum date_status date_check(const char *s, int *y, int *m, int *d) MUST_CHECK;

/*
 * Times: RFC 3339's date-time, YYYY-MM-DDTHH:MM:SS[.f]Z or with an offset
 * +HH:MM / -HH:MM, as spreadsheets and monitoring tools write them.  What
 * cairn decides where RFC 3339 leaves room (docs/protocol.md, "Times"):
 *  - 'T' may be 't' or a space, 'Z' may be 'z' (RFC 3339 section 5.6);
 *  - 1 to 6 digits of fractional seconds (PostgreSQL keeps microseconds:
 *    more would be rounded away silently, so they are refused);
 *  - no leap second (:60): PostgreSQL cannot store one, and would move it
 *    into the next minute;
 *  - offsets from -12:00 to +14:00, the ones in use on Earth; -00:00 is
 *    UTC;
 *  - a time without an offset is refused (its zone is unknown);
 *  - the time converted to UTC must still fall in DATE_YEAR_MIN..MAX.
 * On TIME_OK the time is given back in UTC, as seconds since the epoch
 * and as text "YYYY-MM-DDTHH:MM:SS[.f]Z", the form cairn stores and shows.
 */
#define TIME_TEXT_LEN	32	/* "2026-11-30T09:00:00.123456Z" and NUL */
#define TIME_INPUT_MAX	40	/* longer input is refused unread */
#define TIME_OFFSET_MIN	(-12 * 60)	/* minutes east of UTC */
#define TIME_OFFSET_MAX	(14 * 60)

enum time_status {
	TIME_OK,
	TIME_SYNTAX,		/* not a date-time at all */
	TIME_NO_SUCH_DAY,	/* 2026-02-30 */
	TIME_NO_SUCH_TIME,	/* 24:00:00, 09:60:00, a leap second */
	TIME_FRACTION,		/* "." with no digits, or more than 6 */
	TIME_NO_OFFSET,		/* no Z and no +HH:MM */
	TIME_OFFSET,		/* an offset beyond -12:00..+14:00 */
	TIME_RANGE		/* in UTC, a year outside DATE_YEAR_MIN..MAX */
};

/* Days since 1970-01-01 of a proleptic Gregorian date (may be negative). */
int64_t	 date_days(int y, int m, int d);
enum time_status time_parse(const char *s, int64_t *epoch,
	    char out[TIME_TEXT_LEN]) __attribute__((warn_unused_result));
/* What a status means, for an error message: "has no offset (Z or +HH:MM)". */
const char *time_status_text(enum time_status);

#endif
