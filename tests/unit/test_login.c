/*
 * test_login.c: the leaf modules the user ops, the session check and
 * start-up share: what a login may be and the passwords cairnd makes up
 * (login.c), and the roles' names (roles.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "login.h"
#include "roles.h"

static void
test_valid_login(void **st)
{
	char longest[64], too_long[65];

	assert_true(valid_login("ana"));
	assert_true(valid_login("0ps.team_lead-2"));
	memset(longest, 'a', 63);
	longest[63] = '\0';
	assert_true(valid_login(longest));
	memset(too_long, 'a', 64);
	too_long[64] = '\0';
	assert_false(valid_login(too_long));
	assert_false(valid_login(""));
	assert_false(valid_login(".ana"));	/* starts with a letter or digit */
	assert_false(valid_login("-ana"));
	assert_false(valid_login("Ana"));	/* lower case only */
	assert_false(valid_login("ana bell"));
	assert_false(valid_login("ana@example"));
	assert_false(valid_login("an\xc3\xa1"));
}

static void
test_password_generate(void **st)
{
	char *a = password_generate(), *b = password_generate();

	assert_int_equal(strlen(a), 20);
	/* No look-alikes: it is read off a screen. */
	assert_int_equal(strcspn(a, "0O1lI"), 20);
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

static void
test_roles(void **st)
{
	assert_int_equal(role_parse("member"), ROLE_MEMBER);
	assert_int_equal(role_parse("executive"), ROLE_EXECUTIVE);
	assert_int_equal(role_parse("admin"), ROLE_ADMIN);
	assert_int_equal(role_parse("Admin"), ROLE_NONE);
	assert_int_equal(role_parse(""), ROLE_NONE);
	assert_int_equal(role_parse("root"), ROLE_NONE);
	for (enum role r = ROLE_MEMBER; r <= ROLE_ADMIN; r++)
		assert_int_equal(role_parse(role_name(r)), r);
	assert_null(role_name(ROLE_NONE));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_login),
		cmocka_unit_test(test_password_generate),
		cmocka_unit_test(test_roles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
