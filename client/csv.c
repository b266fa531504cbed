/*
 * csv.c: member text as a CSV cell a spreadsheet shows and never runs.
 * A cell "=HYPERLINK(...)" or "+cmd|' /C calc'!A0" is a formula to Excel
 * and LibreOffice even inside quotes, and an ESC byte reaches whatever
 * terminal cats the file: both are neutralised here, once, for every cell.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "utf8.h"
#include "xmalloc.h"

bool
csv_formula_start(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' ||
	    c == '\r';
}

static bool
digit(char c)
{
	return c >= '0' && c <= '9';
}

bool
csv_is_number(const char *s, size_t n)
{
	size_t i = 0, d = 0;

	if (i < n && s[i] == '-')
		i++;
	for (; i < n && digit(s[i]); i++)
		d++;
	if (i < n && s[i] == '.')
		for (i++; i < n && digit(s[i]); i++)
			d++;
	if (d == 0)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = 0; i < n && digit(s[i]); i++)
			d++;
		if (d == 0)
			return false;
	}
	return i == n;
}

/* Kept: printable text, and tab, LF and CR inside a (quoted) cell, which
 * multi-line notes need.  Dropped: every other control character. */
static bool
dropped(uint32_t cp)
{
	if (cp == '\t' || cp == '\n' || cp == '\r')
		return false;
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

void
csv_text(FILE *f, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	char *clean = xmalloc(n + 1);
	size_t i = 0, len, m = 0;
	uint32_t cp;

	while (i < n) {
		len = utf8_decode(s + i, n - i, &cp);
		if (len == 0) {
			clean[m++] = '?';
			i++;
			continue;
		}
		if (!dropped(cp)) {
			memcpy(clean + m, s + i, len);
			m += len;
		}
		i += len;
	}
	fputc('"', f);
	/* Tested after dropping: "\x1b=cmd" must not become "=cmd". */
	if (m > 0 && csv_formula_start(clean[0]) && !csv_is_number(clean, m))
		fputc('\'', f);
	for (i = 0; i < m; i++) {
		if (clean[i] == '"')
			fputc('"', f);
		fputc(clean[i], f);
	}
	fputc('"', f);
	free(clean);
}
