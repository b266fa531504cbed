/*
 * values.c: values as statement parameters (numbers, slugs, dates) and
 * the checks on them that do not need the database.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "values.h"

/* Shortest text that reads back as the same double. */
void
fmt_num(char *buf, size_t len, double d)
{
	snprintf(buf, len, "%.17g", d);
}

bool
valid_slug(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 40)
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    *s != '-')
			return false;
	return true;
}

/* A day of the calendar: 2026-02-30 and 2026-04-31 are not (common/date.c
 * is the one check, shared with the client). */
bool
valid_date(const char *s)
{
	int y, m, d;

	return date_check(s, &y, &m, &d) == DATE_OK;
}

