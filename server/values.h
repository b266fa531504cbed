/*
 * values.h: the shapes of values that several entities share (slugs,
 * dates, numbers as replies show them): values.c.
 */
#ifndef CAIRN_VALUES_H
#define CAIRN_VALUES_H

#include <stdbool.h>
#include <stddef.h>

#include "attr.h"

void	 fmt_num(char *, size_t, double);
bool	 valid_slug(const char *) MUST_CHECK;
bool	 valid_date(const char *) MUST_CHECK;

#endif
