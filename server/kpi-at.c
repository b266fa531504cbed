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

bool
kpi_at_parse(const char *s, time_t now, char out[KPI_AT_LEN],
    const char **why)
{
	static char msg[160];
	int64_t t;
	int y, mo, d;
	enum time_status st;

	*why = "at is a time 2026-11-30T09:00:00Z (or with an offset, "
	    "+01:00) or a date 2026-11-30";
	if (strlen(s) == 10) {
		/* A date alone: its midnight UTC. */
		if (date_check(s, &y, &mo, &d) != DATE_OK)
			return false;
		t = date_days(y, mo, d) * 86400;
		snprintf(out, KPI_AT_LEN, "%sT00:00:00Z", s);
	} else if ((st = time_parse(s, &t, out)) != TIME_OK) {
		/* One static buffer: cairnd answers on its one thread. */
		snprintf(msg, sizeof msg, "at %s", time_status_text(st));
		*why = msg;
		return false;
	}
	if (t > (int64_t)now + KPI_FUTURE_S) {
		*why = "at is more than 5 minutes in the future";
		return false;
	}
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
