/*
 * fuzz_csv.c: libFuzzer target for csv_text, the cell writer of
 * "cairn export --format csv" (client/csv.c).
 *
 * Whatever the input, the cell must be one well-formed quoted field
 * (opens and closes with '"', every inner '"' doubled); unquoted, it
 * must hold no control character but tab, LF and CR and be valid UTF-8;
 * it must never start with '=', '+', '-', '@', tab or CR unless it is a
 * plain number (which strtod then reads whole); and it must be exactly
 * the input with the dropped characters gone, '?' for invalid bytes, and
 * a "'" in front when, and only when, that text starts like a formula.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fail(const char *what, const char *text, size_t len)
{
	fprintf(stderr, "fuzz_csv: %s: %.*s\n", what,
	    (int)(len < 400 ? len : 400), text);
	abort();
}

/* The rule written out again, independently of csv.c's loop. */
static size_t
expect_text(const uint8_t *s, size_t n, char *out)
{
	size_t i = 0, m = 0, len;
	uint32_t cp;

	while (i < n) {
		if ((len = utf8_decode(s + i, n - i, &cp)) == 0) {
			out[m++] = '?';
			i++;
			continue;
		}
		if ((cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f)) ||
		    cp == '\t' || cp == '\n' || cp == '\r') {
			memcpy(out + m, s + i, len);
			m += len;
		}
		i += len;
	}
	return m;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *cell = NULL, *u, *want, *num;
	size_t n = 0, un = 0, wn, i, len;
	uint32_t cp;
	bool prefix;
	FILE *f;

	if ((f = open_memstream(&cell, &n)) == NULL)
		abort();
	csv_text(f, (const char *)data, size);
	fclose(f);
	if (n < 2 || cell[0] != '"' || cell[n - 1] != '"')
		fail("not one quoted cell", cell, n);
	u = malloc(n);
	for (i = 1; i < n - 1; i++) {
		if (cell[i] == '"') {
			if (i + 1 >= n - 1 || cell[i + 1] != '"')
				fail("a quote inside the cell not doubled",
				    cell, n);
			i++;
		}
		u[un++] = cell[i];
	}
	for (i = 0; i < un; i += len) {
		if ((len = utf8_decode((const uint8_t *)u + i, un - i, &cp)) ==
		    0)
			fail("not UTF-8", u, un);
		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
		    (cp >= 0x7f && cp <= 0x9f))
			fail("a control character", u, un);
	}
	if (un > 0 && csv_formula_start(u[0])) {
		if (!csv_is_number(u, un))
			fail("starts like a formula", u, un);
		num = strndup(u, un);
		char *end;
		(void)strtod(num, &end);
		if (*end != '\0')
			fail("a number strtod does not read whole", u, un);
		free(num);
	}
	want = malloc(size + 1);
	wn = expect_text(data, size, want);
	prefix = wn > 0 && csv_formula_start(want[0]) &&
	    !csv_is_number(want, wn);
	if (un != wn + prefix || (prefix && u[0] != '\'') ||
	    memcmp(u + prefix, want, wn) != 0)
		fail("not the input's text", u, un);
	free(want);
	free(u);
	free(cell);
	return 0;
}
