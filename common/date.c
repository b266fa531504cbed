/* date.c: YYYY-MM-DD against the Gregorian calendar, and RFC 3339 times. */
#include <stdio.h>
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

/* Howard Hinnant's days_from_civil: exact for every proleptic year. */
int64_t
date_days(int y, int m, int d)
{
	int64_t yy = y - (m <= 2), era, yoe, doy, doe;

	era = (yy >= 0 ? yy : yy - 399) / 400;
	yoe = yy - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Its inverse (civil_from_days). */
static void
date_civil(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

enum time_status
time_parse(const char *s, int64_t *epoch, char out[TIME_TEXT_LEN])
{
	char day[11];
	const char *p, *frac = "";
	int y, mo, d, h, mi, sec, oh = 0, om = 0, off;
	size_t n = strnlen(s, TIME_INPUT_MAX + 1), nfrac = 0;
	int64_t t, days;

	if (n > TIME_INPUT_MAX || n < 19)
		return TIME_SYNTAX;
	memcpy(day, s, 10);
	day[10] = '\0';
	switch (date_check(day, &y, &mo, &d)) {
	case DATE_OK:
		break;
	case DATE_NO_SUCH_DAY:
		return TIME_NO_SUCH_DAY;
	case DATE_RANGE:
		return TIME_RANGE;
	default:
		return TIME_SYNTAX;
	}
	p = s + 10;
	if ((*p != 'T' && *p != 't' && *p != ' ') || (h = num(p + 1, 2)) < 0 ||
	    p[3] != ':' || (mi = num(p + 4, 2)) < 0 || p[6] != ':' ||
	    (sec = num(p + 7, 2)) < 0)
		return TIME_SYNTAX;
	p += 9;
	if (*p == '.') {
		frac = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		nfrac = (size_t)(p - frac);
		if (nfrac == 0 || nfrac > 6)
			return TIME_FRACTION;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		off = 0;
	else if (*p == '+' || *p == '-') {
		if ((oh = num(p + 1, 2)) < 0 || p[3] != ':' ||
		    (om = num(p + 4, 2)) < 0 || p[6] != '\0')
			return TIME_SYNTAX;
		if (om > 59)
			return TIME_OFFSET;
		off = (*p == '-' ? -1 : 1) * (oh * 60 + om);
		if (off < TIME_OFFSET_MIN || off > TIME_OFFSET_MAX)
			return TIME_OFFSET;
	} else if (*p == '\0')
		return TIME_NO_OFFSET;
	else
		return TIME_SYNTAX;
	if (h > 23 || mi > 59 || sec > 59)
		return TIME_NO_SUCH_TIME;
	/* Local time minus the offset is UTC. */
	t = date_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	    (int64_t)off * 60;
	days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	date_civil(days, &y, &mo, &d);
	if (y < DATE_YEAR_MIN || y > DATE_YEAR_MAX)
		return TIME_RANGE;
	t -= days * 86400;		/* seconds into the UTC day */
	*epoch = days * 86400 + t;
	snprintf(out, TIME_TEXT_LEN, "%04d-%02d-%02dT%02d:%02d:%02d%s%.*sZ",
	    y, mo, d, (int)(t / 3600), (int)(t / 60 % 60), (int)(t % 60),
	    nfrac ? "." : "", (int)nfrac, frac);
	return TIME_OK;
}

const char *
time_status_text(enum time_status st)
{
	switch (st) {
	case TIME_OK:
		return "is a time";
	case TIME_NO_SUCH_DAY:
		return "names no such day";
	case TIME_NO_SUCH_TIME:
		return "names no such time of day (00:00:00 to 23:59:59; no "
		    "leap second)";
	case TIME_FRACTION:
		return "has 1 to 6 digits after the seconds' point, no more";
	case TIME_NO_OFFSET:
		return "has no offset: end it in Z (UTC) or +HH:MM/-HH:MM";
	case TIME_OFFSET:
		return "has an offset outside -12:00 to +14:00";
	case TIME_RANGE:
		return "is outside the years 1900 to 9999 (in UTC)";
	default:
		return "is not an RFC 3339 time (2026-11-30T09:00:00Z or "
		    "2026-11-30T10:00:00+01:00)";
	}
}
