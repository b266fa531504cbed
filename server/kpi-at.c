/*
 * kpi-at.c: a reading's time and a KPI's thresholds, checked before the
 * database sees them so that the refusal names the field (the database's
 * constraints and trigger in sql/007 are the second line).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "date.h"
#include "kpi.h"

static bool
digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool
kpi_at_parse(const char *s, time_t now, char out[KPI_AT_LEN],
    const char **why)
{
	char day[11];
	const char *p, *frac = "";
	size_t nfrac = 0;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	struct tm tm;
	time_t t;

	*why = "at is a time 2026-11-30T09:00:00Z (UTC) or a date 2026-11-30";
	if (strlen(s) < 10 || strlen(s) > 40)
		return false;
	memcpy(day, s, 10);
	day[10] = '\0';
	if (date_check(day, &y, &mo, &d) != DATE_OK)
		return false;
	p = s + 10;
	if (*p != '\0') {
		if ((*p != 'T' && *p != 't' && *p != ' ') ||
		    !digits(p + 1, 2, &h) || p[3] != ':' ||
		    !digits(p + 4, 2, &mi) || p[6] != ':' ||
		    !digits(p + 7, 2, &sec))
			return false;
		p += 9;
		if (*p == '.') {
			frac = ++p;
			while (isdigit((unsigned char)*p))
				p++;
			nfrac = (size_t)(p - frac);
			if (nfrac == 0 || nfrac > 6)
				return false;
		}
		if ((*p != 'Z' && *p != 'z') || p[1] != '\0') {
			*why = "at must be in UTC, ending in Z "
			    "(2026-11-30T09:00:00Z)";
			return false;
		}
		if (h > 23 || mi > 59 || sec > 59)
			return false;
	}
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t > now + KPI_FUTURE_S) {
		*why = "at is more than 5 minutes in the future";
		return false;
	}
	snprintf(out, KPI_AT_LEN, "%04d-%02d-%02dT%02d:%02d:%02d%s%.*sZ", y,
	    mo, d, h, mi, sec, nfrac ? "." : "", (int)nfrac, frac);
	return true;
}

const char *
kpi_thresholds_refusal(const char *dir, double green, double amber,
    bool has_gh, double green_high, bool has_ah, double amber_high,
    const char **why)
{
	if (strcmp(dir, "up") == 0 || strcmp(dir, "down") == 0) {
		bool up = dir[0] == 'u';

		if (has_gh || has_ah) {
			*why = "green_high and amber_high are for the "
			    "direction range only";
			return has_gh ? "green_high" : "amber_high";
		}
		if (up ? amber > green : amber < green) {
			*why = up ? "amber must not be above green when "
			    "higher is better (up)" : "amber must not be below "
			    "green when lower is better (down)";
			return "amber";
		}
		return NULL;
	}
	if (strcmp(dir, "range") != 0) {
		*why = "direction is up, down or range";
		return "direction";
	}
	if (!has_gh || !has_ah) {
		*why = "a range KPI needs green_high and amber_high";
		return !has_gh ? "green_high" : "amber_high";
	}
	/* The amber band contains the green band: amber <= green <=
	 * green_high <= amber_high. */
	if (amber > green) {
		*why = "amber (the band's low end) must not be above green";
		return "amber";
	}
	if (green > green_high) {
		*why = "green_high must not be below green";
		return "green_high";
	}
	if (green_high > amber_high) {
		*why = "amber_high must not be below green_high";
		return "amber_high";
	}
	return NULL;
}
