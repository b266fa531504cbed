/* test_csv.c: the CSV cell writer of "cairn export --format csv"
 * (client/csv.c): formulas neutralised, numbers kept, controls dropped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../client/csv.h"

/* The cell csv_text writes for s (n bytes); free it. */
static char *
cell_n(const char *s, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	csv_text(f, s, n);
	fclose(f);
	return text;
}

static void
expect_cell(const char *in, const char *want)
{
	char *got = cell_n(in, strlen(in));

	assert_string_equal(got, want);
	free(got);
}

/* OWASP's list: '=', '+', '-', '@', tab and CR start a formula. */
static void
test_formulas_prefixed(void **state)
{
	expect_cell("=HYPERLINK(\"http://evil\",\"x\")",
	    "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"");
	expect_cell("+cmd|' /C calc'!A0", "\"'+cmd|' /C calc'!A0\"");
	expect_cell("-1+2", "\"'-1+2\"");
	expect_cell("@SUM(A1:A2)", "\"'@SUM(A1:A2)\"");
	expect_cell("\t=1", "\"'\t=1\"");
	expect_cell("\r=1", "\"'\r=1\"");
	expect_cell("-", "\"'-\"");
	expect_cell("+5", "\"'+5\"");
}

/* Text that is a plain number stays one; so does ordinary text. */
static void
test_numbers_and_text_kept(void **state)
{
	expect_cell("-5", "\"-5\"");
	expect_cell("-12.50", "\"-12.50\"");
	expect_cell("-1e3", "\"-1e3\"");
	expect_cell("42", "\"42\"");
	expect_cell("Ship it = done", "\"Ship it = done\"");
	expect_cell("", "\"\"");
	expect_cell("a \"quote\"", "\"a \"\"quote\"\"\"");
	expect_cell("line 1\nline 2", "\"line 1\nline 2\"");
	/* Format characters are a terminal matter (out_text), kept here. */
	expect_cell("ünïcode \xe2\x80\xae", "\"ünïcode \xe2\x80\xae\"");
}

static void
test_is_number(void **state)
{
	assert_true(csv_is_number("0", 1));
	assert_true(csv_is_number("-0.5", 4));
	assert_true(csv_is_number(".5", 2));
	assert_true(csv_is_number("1E+9", 4));
	assert_false(csv_is_number("", 0));
	assert_false(csv_is_number("-", 1));
	assert_false(csv_is_number("1e", 2));
	assert_false(csv_is_number("-1+2", 4));
	assert_false(csv_is_number("+1", 2));
	assert_false(csv_is_number("1 ", 2));
	assert_false(csv_is_number("0x10", 4));
}

/* ESC, other C0, DEL and C1 are dropped, and the formula test comes
 * after: "\x1b=cmd" must not become a formula by losing its ESC. */
static void
test_controls_dropped(void **state)
{
	expect_cell("\x1b[31mred\x1b[0m", "\"[31mred[0m\"");
	expect_cell("\x1b=cmd", "\"'=cmd\"");
	expect_cell("a\x7f" "b\x01" "c", "\"abc\"");
	expect_cell("a\xc2\x9b" "b", "\"ab\"");	/* U+009B, CSI */
	expect_cell("\xff=x", "\"?=x\"");	/* not UTF-8 */
	expect_cell("\x1b", "\"\"");
}

static void
test_nul_inside(void **state)
{
	char *got = cell_n("a\0=b", 4);

	assert_string_equal(got, "\"a=b\"");
	free(got);
	got = cell_n("\0-x", 3);
	assert_string_equal(got, "\"'-x\"");
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formulas_prefixed),
		cmocka_unit_test(test_numbers_and_text_kept),
		cmocka_unit_test(test_is_number),
		cmocka_unit_test(test_controls_dropped),
		cmocka_unit_test(test_nul_inside),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
