/*
 * test_wire.c: error code names.  Only the name travels on the wire, so
 * the table must round-trip exactly, and anything unknown must degrade to
 * E_INTERNAL rather than to a NULL or to some unrelated code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire.h"

/* The names clients test, as docs/protocol.md lists them, in enum order. */
static const char *const names[] = { "E_OK", "E_BAD_FRAME", "E_PROTO",
    "E_BAD_REQUEST", "E_UNKNOWN_OP", "E_AUTH", "E_FORBIDDEN", "E_NOT_FOUND",
    "E_INVALID", "E_RULE", "E_CONFLICT", "E_LIMIT", "E_UNAVAILABLE",
    "E_INTERNAL" };

static void
test_names(void **state)
{
	/* A code added to the enum must be added here (and to the docs). */
	assert_int_equal(sizeof names / sizeof names[0], E_MAX);
	for (int i = 0; i < E_MAX; i++) {
		const char *n = wire_err_name(i);

		assert_non_null(n);
		assert_string_equal(n, names[i]);
	}
	/* Numbering is frozen: the client's exit code depends on it. */
	assert_int_equal(E_OK, 0);
	assert_int_equal(E_BAD_REQUEST, 3);
	assert_int_equal(E_INTERNAL, 13);
}

static void
test_round_trip(void **state)
{
	for (int i = 0; i < E_MAX; i++) {
		const char *n = wire_err_name(i);

		assert_int_equal(wire_err_parse(n, strlen(n)), i);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(n, wire_err_name(j));
	}
}

static void
test_out_of_range(void **state)
{
	assert_string_equal(wire_err_name(E_MAX), "E_INTERNAL");
	assert_string_equal(wire_err_name(E_MAX + 1), "E_INTERNAL");
	assert_string_equal(wire_err_name(1000), "E_INTERNAL");
	assert_string_equal(wire_err_name((enum wire_err)-1), "E_INTERNAL");
}

static void
test_parse_unknown(void **state)
{
	/* The length is what counts: names arrive unterminated. */
	assert_int_equal(wire_err_parse("E_AUTHxyz", 6), E_AUTH);
	assert_int_equal(wire_err_parse("E_LIMIT\0junk", 7), E_LIMIT);
	/* Prefixes, extensions, case and empty are all unknown. */
	assert_int_equal(wire_err_parse("E_AUT", 5), E_INTERNAL);
	assert_int_equal(wire_err_parse("E_AUTHX", 7), E_INTERNAL);
	assert_int_equal(wire_err_parse("e_auth", 6), E_INTERNAL);
	assert_int_equal(wire_err_parse("E_OK", 3), E_INTERNAL);
	assert_int_equal(wire_err_parse("", 0), E_INTERNAL);
	assert_int_equal(wire_err_parse("E_NOPE", 6), E_INTERNAL);
	assert_int_equal(wire_err_parse("E_LIMIT\0", 8), E_INTERNAL);
	assert_int_equal(wire_err_parse("E_MAX", 5), E_INTERNAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_parse_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
