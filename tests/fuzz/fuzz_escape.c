/*
 * fuzz_escape.c: libFuzzer target for the two escapers an operator's tools
 * parse: log_json_str (common/log.c, every JSON log line's strings) and
 * metric_escape_value (server/metrics.c, every label value).
 *
 * Whatever the bytes, the JSON string must be quoted, valid UTF-8, hold no
 * raw control character and no unescaped quote, and end on a whole escape
 * even when cut; the label value must be valid UTF-8, hold no raw newline
 * and no quote that is not escaped, within the buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define fail(...) do {					\
	fprintf(stderr, "fuzz_escape: " __VA_ARGS__);	\
	fputc('\n', stderr);				\
	abort();					\
} while (0)

static void
valid_utf8(const char *s, size_t n, const char *what)
{
	uint32_t cp;

	for (size_t i = 0, k; i < n; i += k)
		if ((k = utf8_decode((const unsigned char *)s + i, n - i,
		    &cp)) == 0)
			fail("%s: not UTF-8 at %zu", what, i);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[1024], out[6 * sizeof in + 3], label[METRIC_MAX_VALUE * 3 + 8];
	size_t n, cap;

	if (size == 0)
		return 0;
	/* The first byte picks a smaller output buffer, to reach the cut. */
	cap = 3 + data[0] % 64;
	data++;
	size--;
	if (size >= sizeof in)
		size = sizeof in - 1;
	memcpy(in, data, size);
	in[size] = '\0';

	for (int pass = 0; pass < 2; pass++) {
		size_t len = pass == 0 ? sizeof out : cap;

		n = log_json_str(out, len, in);
		if (n != strlen(out) || n >= len)
			fail("json: length %zu in a buffer of %zu", n, len);
		if (n < 2 || out[0] != '"' || out[n - 1] != '"')
			fail("json: not quoted");
		valid_utf8(out, n, "json");
		for (size_t i = 1; i < n - 1; i++) {
			unsigned char c = (unsigned char)out[i];

			if (c < 0x20 || c == 0x7f)
				fail("json: raw control character at %zu", i);
			if (c == '"')
				fail("json: unescaped quote at %zu", i);
			if (c == '\\') {
				if (i + 1 >= n - 1)
					fail("json: escape cut at %zu", i);
				i++;
				if (out[i] == 'u') {
					if (i + 4 >= n - 1)
						fail("json: \\u cut");
					i += 4;
				} else if (out[i] != '"' && out[i] != '\\')
					fail("json: unknown escape");
			}
		}
	}

	n = metric_escape_value(label, sizeof label, in);
	if (n != strlen(label) || n >= sizeof label)
		fail("label: length %zu", n);
	valid_utf8(label, n, "label");
	for (size_t i = 0; i < n; i++) {
		if (label[i] == '\n')
			fail("label: raw newline");
		if (label[i] == '"')
			fail("label: unescaped quote");
		if (label[i] == '\\') {
			if (i + 1 >= n || strchr("\\\"n", label[i + 1]) == NULL)
				fail("label: bad escape at %zu", i);
			i++;
		}
	}
	return 0;
}
