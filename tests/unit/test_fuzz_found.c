/*
 * test_fuzz_found.c: what make fuzz found (tests/fuzz), pinned down so
 * that it stays fixed without clang.  Each input is also in the seed
 * corpus, tests/fuzz/corpus/TARGET/crash-*.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mpack.h"

static const struct mp_limits lim = { DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_STRING };

/*
 * fuzz_args: an argument named "\0\0\0\0worr" was refused by
 * mp_reader_end as "unknown argument ''" with an empty field, which names
 * nothing.  Names with a NUL byte are now refused at once, as args.
 */
static void
test_nul_in_argument_name(void **st)
{
	static const unsigned char in[] = { 0x82, 0xa5, 0xa5, 'a', 'l', 'i',
	    'c', 'e', 0xa8, 0, 0, 0, 0, 'w', 'o', 'r', 'r', 'd' };
	struct mp_doc doc;
	struct mp_reader r;

	assert_int_equal(mp_decode(&doc, (const char *)in, sizeof in, &lim),
	    MP_OK);
	assert_false(mp_reader_init(&r, doc.root));
	assert_int_equal(r.err, E_BAD_REQUEST);
	assert_string_equal(r.field, "args");
	assert_non_null(strstr(r.msg, "NUL"));
	assert_false(mp_reader_end(&r));
	mp_reader_free(&r);
	mp_doc_free(&doc);
}

/*
 * fuzz_args: msgpack-c leaves an empty string's ptr NULL when no other
 * string came before it, and the reader passed that NULL to memchr (and
 * to memcmp, strndup): UBSan stops the program there, so the ASan cairnd
 * could be stopped by any client.  Run under make asan, this fails
 * without the fix; everywhere it checks the answers.
 */
static void
test_empty_strings_first(void **st)
{
	static const unsigned char dup[] = { 0x82, 0xa0, 0x01, 0xa0, 0x02 };
	static const unsigned char val[] = { 0x82, 0xa0, 0xa0, 0xa1, 'a',
	    0xa0 };
	struct mp_doc doc;
	struct mp_reader r;
	const char *s;

	assert_int_equal(mp_decode(&doc, (const char *)dup, sizeof dup, &lim),
	    MP_OK);
	assert_false(mp_reader_init(&r, doc.root));
	assert_non_null(strstr(r.msg, "given twice"));
	mp_reader_free(&r);
	mp_doc_free(&doc);

	assert_int_equal(mp_decode(&doc, (const char *)val, sizeof val, &lim),
	    MP_OK);
	assert_true(mp_reader_init(&r, doc.root));
	assert_true(mp_get_str(&r, "", MP_REQUIRED, 0, 10, &s));
	assert_string_equal(s, "");
	assert_true(mp_get_str(&r, "a", MP_REQUIRED, 0, 10, &s));
	assert_string_equal(s, "");
	assert_true(mp_reader_end(&r));
	mp_reader_free(&r);
	mp_doc_free(&doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nul_in_argument_name),
		cmocka_unit_test(test_empty_strings_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
