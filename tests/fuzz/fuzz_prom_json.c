/*
 * fuzz_prom_json.c: libFuzzer target for server/prom-json.c, which reads
 * whatever a Prometheus source's server sends back.
 *
 * Whatever the body, each reader returns with a NUL-terminated message
 * that fits its buffer and holds no control character (it goes into
 * replies and log lines); an accepted sample is finite, at a time that is
 * finite and not negative.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom-json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_text(const char *what, const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap) {
		fprintf(stderr, "fuzz_prom_json: %s: not NUL-terminated\n",
		    what);
		abort();
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			fprintf(stderr, "fuzz_prom_json: %s: a control "
			    "character in '%s'\n", what, s);
			abort();
		}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	char err[256], info[64];
	double value, at;

	memset(err, 'x', sizeof err);
	if (prom_parse(body, size, &value, &at, err, sizeof err)) {
		if (!isfinite(value) || !isfinite(at) || at < 0) {
			fprintf(stderr, "fuzz_prom_json: took %g at %g\n",
			    value, at);
			abort();
		}
	} else
		check_text("prom_parse", err, sizeof err);
	memset(err, 'x', sizeof err);
	if (prom_error_body(body, size, err, sizeof err))
		check_text("prom_error_body", err, sizeof err);
	memset(info, 'x', sizeof info);
	(void)prom_parse_buildinfo(body, size, info, sizeof info);
	check_text("prom_parse_buildinfo", info, sizeof info);
	return 0;
}
