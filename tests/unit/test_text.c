/* test_text.c: text shown in a terminal (client/output.c out_text):
 * controls replaced, bidirectional and invisible format characters shown
 * escaped, everything else as it is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../client/client.h"

static void
expect_text(const char *in, size_t n, const char *want)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	out_text(f, in, n);
	fclose(f);
	assert_string_equal(text, want);
	free(text);
}

#define EXPECT(in, want)	expect_text((in), sizeof(in) - 1, (want))

static void
test_plain_kept(void **state)
{
	EXPECT("Grow revenue", "Grow revenue");
	EXPECT("ünïcode, 日本, emoji 🙂, עברית", "ünïcode, 日本, emoji 🙂, עברית");
	EXPECT("", "");
}

static void
test_controls_replaced(void **state)
{
	EXPECT("a\x1b]0;pwned\x07z", "a?]0;pwned?z");
	EXPECT("a\nb\tc", "a?b?c");
	EXPECT("a\xc2\x9b" "b", "a?b");
	EXPECT("a\xff" "b", "a?b");
}

/* Each character issue 13 names, and a few more of the kind. */
static void
test_format_escaped(void **state)
{
	EXPECT("Pay \xe2\x80\xae" "321 EUR", "Pay <U+202E>321 EUR");
	EXPECT("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
	    "<U+202A><U+202B><U+202C><U+202D>");
	EXPECT("\xe2\x81\xa6x\xe2\x81\xa7y\xe2\x81\xa8z\xe2\x81\xa9",
	    "<U+2066>x<U+2067>y<U+2068>z<U+2069>");
	EXPECT("a\xe2\x80\x8b" "b\xe2\x80\x8c\xe2\x80\x8d\xe2\x80\x8e"
	    "\xe2\x80\x8f", "a<U+200B>b<U+200C><U+200D><U+200E><U+200F>");
	EXPECT("one\xe2\x80\xa8two\xe2\x80\xa9", "one<U+2028>two<U+2029>");
	EXPECT("\xef\xbb\xbfx", "<U+FEFF>x");
	EXPECT("\xd8\x9c", "<U+061C>");
	EXPECT("tag\xf3\xa0\x80\x81", "tag<U+E0001>");
}

/* Neighbours of the escaped ranges are shown as they are. */
static void
test_neighbours_kept(void **state)
{
	assert_false(out_is_format_char(0x200a));	/* hair space */
	assert_false(out_is_format_char(0x2010));	/* hyphen */
	assert_false(out_is_format_char(0x2027));
	assert_false(out_is_format_char(0x202f));	/* narrow nbsp */
	assert_false(out_is_format_char(0x2070));
	assert_false(out_is_format_char('<'));
	assert_true(out_is_format_char(0x202e));
	assert_true(out_is_format_char(0x2066));
	EXPECT("\xe2\x80\x90\xe2\x80\xaf", "\xe2\x80\x90\xe2\x80\xaf");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_kept),
		cmocka_unit_test(test_controls_replaced),
		cmocka_unit_test(test_format_escaped),
		cmocka_unit_test(test_neighbours_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
