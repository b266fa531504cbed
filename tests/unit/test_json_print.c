/* test_json_print.c: the client's MessagePack-to-JSON printer (--json). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../client/json.h"

/* Print o; returns the text (free it) and its length in *n. */
static char *
print(const msgpack_object *o, size_t *n)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, n);

	assert_non_null(f);
	json_print(f, o);
	fclose(f);
	return text;
}

static void
unpack(msgpack_unpacked *up, const char *b, size_t n)
{
	size_t off = 0;

	msgpack_unpacked_init(up);
	assert_int_equal(msgpack_unpack_next(up, b, n, &off),
	    MSGPACK_UNPACK_SUCCESS);
}

/*
 * Maps whose keys are maps, 30 deep (msgpack-c stops at 32): each key used to be printed as its
 * JSON text escaped into a string, doubling the backslashes per level
 * (fuzz_frame found a 249-byte reply that took seconds and gigabytes).
 * A container key is now a placeholder, so the output stays small.
 */
static void
test_container_keys_stay_linear(void **st)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_unpacked up;
	size_t n;
	char *text;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	for (int i = 0; i < 30; i++)
		msgpack_pack_map(&pk, 1);	/* {key: ... */
	msgpack_pack_nil(&pk);
	for (int i = 0; i < 30; i++) {
		msgpack_pack_str(&pk, 1);	/* ...: "\""} */
		msgpack_pack_str_body(&pk, "\"", 1);
	}
	unpack(&up, sb.data, sb.size);
	text = print(&up.data, &n);
	assert_true(n < 1000);
	assert_string_equal(text, "{\"(map)\":\"\\\"\"}");
	free(text);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
}

/* Scalar keys are still printed as their text. */
static void
test_scalar_keys(void **st)
{
	/* {1: true, nil: [1]} */
	static const char b[] = "\x82\x01\xc3\xc0\x91\x01";
	msgpack_unpacked up;
	size_t n;
	char *text;

	unpack(&up, b, sizeof b - 1);
	text = print(&up.data, &n);
	assert_string_equal(text, "{\"1\":true,\"null\":[1]}");
	free(text);
	msgpack_unpacked_destroy(&up);
}

/* Strings: plain runs kept whole between escapes, at the start, in the
 * middle and at the end; a bad UTF-8 byte, DEL and C1 escaped. */
static void
test_string_runs(void **st)
{
	static const struct {
		const char	*in, *out;
	} cases[] = {
		{ "", "\"\"" },
		{ "plain", "\"plain\"" },
		{ "\"a\\b\"", "\"\\\"a\\\\b\\\"\"" },
		{ "x\ny\tz", "\"x\\ny\\tz\"" },
		{ "caf\xc3\xa9 \xe2\x82\xac", "\"caf\xc3\xa9 \xe2\x82\xac\"" },
		{ "a\xff" "b", "\"a\\ufffdb\"" },
		{ "\x7f" "del\xc2\x80", "\"\\u007fdel\\u0080\"" },
		{ "\x01", "\"\\u0001\"" },
	};
	char *text;
	size_t n;
	FILE *f;

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		text = NULL;
		f = open_memstream(&text, &n);
		assert_non_null(f);
		json_print_str(f, cases[i].in, strlen(cases[i].in));
		fclose(f);
		assert_string_equal(text, cases[i].out);
		free(text);
	}
	/* An empty MessagePack string may come as NULL and 0 (fuzz_json). */
	text = NULL;
	f = open_memstream(&text, &n);
	assert_non_null(f);
	json_print_str(f, NULL, 0);
	fclose(f);
	assert_string_equal(text, "\"\"");
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_container_keys_stay_linear),
		cmocka_unit_test(test_scalar_keys),
		cmocka_unit_test(test_string_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
