/* date.c: YYYY-MM-DD, checked against the Gregorian calendar. */
#include <string.h>

#include "date.h"

int
date_days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (m < 1 || m > 12)
		return 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

static int
num(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

enum date_status
date_check(const char *s, int *y, int *m, int *d)
{
	int yy, mm, dd;

	/* Exactly ten characters, digits where digits go: no signs or
	 * spaces, which sscanf("%d") would let through. */
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    (yy = num(s, 4)) < 0 || (mm = num(s + 5, 2)) < 0 ||
	    (dd = num(s + 8, 2)) < 0)
		return DATE_SYNTAX;
	if (yy < DATE_YEAR_MIN || yy > DATE_YEAR_MAX)
		return DATE_RANGE;
	*y = yy;
	*m = mm;
	*d = dd;
	if (dd < 1 || dd > date_days_in_month(yy, mm))
		return DATE_NO_SUCH_DAY;
	return DATE_OK;
}
