/*
 * date.h: calendar dates as the protocol writes them, YYYY-MM-DD.  The
 * client checks them before sending, so that 2026-02-30 is refused with
 * the argument's name rather than by PostgreSQL in its own words; the
 * server can use the same check.
 */
#ifndef CAIRN_DATE_H
#define CAIRN_DATE_H

#include <stdbool.h>

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
enum date_status date_check(const char *s, int *y, int *m, int *d);

#endif
