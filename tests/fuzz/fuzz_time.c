/*
 * fuzz_time.c: libFuzzer target for the time parser every time a client
 * sends goes through (time_parse in common/date.c: readings' "at",
 * imported times).
 *
 * The input is taken as a string.  Whatever is taken must come back in
 * the one form cairn stores (YYYY-MM-DDTHH:MM:SS[.f]Z, a real day of the
 * calendar), parse again to the same instant and text, and lie within
 * 14 hours of the time as written (the widest offset); a refusal must
 * say why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define fail(...) do {					\
	fprintf(stderr, "fuzz_time: " __VA_ARGS__);	\
	fputc('\n', stderr);				\
	abort();					\
} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[64], out[TIME_TEXT_LEN], again[TIME_TEXT_LEN], day[11];
	int64_t t, t2, local;
	int y, m, d;
	size_t n;
	enum time_status st;

	if (size >= sizeof in)
		size = sizeof in - 1;
	memcpy(in, data, size);
	in[size] = '\0';
	memset(out, 0xa5, sizeof out);
	st = time_parse(in, &t, out);
	if (st != TIME_OK) {
		if (time_status_text(st) == NULL || *time_status_text(st) == '\0')
			fail("'%s' refused without a reason", in);
		return 0;
	}
	n = strnlen(out, sizeof out);
	if (n == sizeof out || n < 20 || out[n - 1] != 'Z' || out[10] != 'T')
		fail("'%s' gave '%.*s'", in, (int)sizeof out, out);
	memcpy(day, out, 10);
	day[10] = '\0';
	if (date_check(day, &y, &m, &d) != DATE_OK)
		fail("'%s' gave no such day '%s'", in, out);
	if (time_parse(out, &t2, again) != TIME_OK || t2 != t ||
	    strcmp(again, out) != 0)
		fail("'%s' gave '%s', which does not read back", in, out);
	/* The time as written, taken as UTC, is within the offsets. */
	memcpy(day, in, 10);
	if (date_check(day, &y, &m, &d) != DATE_OK)
		fail("'%s' taken with no such day", in);
	local = date_days(y, m, d) * 86400 + ((in[11] - '0') * 10 +
	    in[12] - '0') * 3600 + ((in[14] - '0') * 10 + in[15] - '0') * 60 +
	    (in[17] - '0') * 10 + in[18] - '0';
	if (t - local > -TIME_OFFSET_MIN * 60 ||
	    local - t > TIME_OFFSET_MAX * 60)
		fail("'%s' moved by %lld s", in, (long long)(t - local));
	return 0;
}
