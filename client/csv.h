/*
 * csv.h: one CSV cell of member-written text, safe to open in a
 * spreadsheet (docs/protocol.md, "Export as CSV").  Kept apart from
 * cmd-export.c so that tests/fuzz/fuzz_csv.c and tests/unit/test_csv.c
 * link it alone.
 */
#ifndef CAIRN_CSV_H
#define CAIRN_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * s (n bytes) as one quoted cell (RFC 4180: '"' doubled).  Control
 * characters (C0 but tab, line feed and carriage return; DEL; C1) are
 * dropped and bytes that are not UTF-8 become '?'.  What is left is
 * prefixed with a "'" if it starts with '=', '+', '-', '@', tab or
 * carriage return, unless it is a plain decimal number (csv_is_number):
 * OWASP's rule against formula injection, keeping numbers numeric.
 */
void	csv_text(FILE *, const char *s, size_t n);
/* "-5", "12.50", "1e3": an optional '-', digits with an optional
 * fraction, an optional exponent; nothing else. */
bool	csv_is_number(const char *s, size_t n);
/* The characters a spreadsheet takes as the start of a formula. */
bool	csv_formula_start(char c);

#endif
