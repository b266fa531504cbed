/*
 * values.c: values as statement parameters (numbers, slugs, dates) and
 * the checks on them that do not need the database.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goals.h"

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

bool
valid_date(const char *s)
{
	int y, m, d;
	char extra;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3)
		return false;
	return y >= 1900 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
	    d <= 31;
}

