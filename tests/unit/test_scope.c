/*
 * test_scope.c: what an API token may do (scope.c): the op a scope
 * allows, the token's name and text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scope.h"

static void
test_scope_bits(void **st)
{
	char names[64];

	assert_int_equal(scope_bit("read"), SCOPE_READ);
	assert_int_equal(scope_bit("kpi.record"), SCOPE_KPI_RECORD);
	assert_int_equal(scope_bit("kr.checkin"), SCOPE_KR_CHECKIN);
	assert_int_equal(scope_bit("write"), 0);
	assert_int_equal(scope_bit(""), 0);
	assert_int_equal(scope_bit("READ"), 0);
	scope_names(SCOPE_ALL, names, sizeof names);
	assert_string_equal(names, "read, kpi.record, kr.checkin");
	scope_names(SCOPE_KR_CHECKIN, names, sizeof names);
	assert_string_equal(names, "kr.checkin");
	scope_names(0, names, sizeof names);
	assert_string_equal(names, "");
}

static void
test_scope_allows(void **st)
{
	/* read: every op that stores nothing. */
	assert_true(scope_allows(SCOPE_READ, "kpi.list", false));
	assert_true(scope_allows(SCOPE_READ, "kr.history", false));
	assert_false(scope_allows(SCOPE_READ, "kpi.record", true));
	assert_false(scope_allows(SCOPE_READ, "objective.create", true));
	assert_false(scope_allows(SCOPE_READ, "kr.checkin", true));
	/* kpi.record, kr.checkin: their op only. */
	assert_true(scope_allows(SCOPE_KPI_RECORD, "kpi.record", true));
	assert_false(scope_allows(SCOPE_KPI_RECORD, "kpi.list", false));
	assert_false(scope_allows(SCOPE_KPI_RECORD, "kr.checkin", true));
	assert_true(scope_allows(SCOPE_KR_CHECKIN, "kr.checkin", true));
	assert_false(scope_allows(SCOPE_KR_CHECKIN, "kpi.record", true));
	assert_false(scope_allows(SCOPE_KR_CHECKIN, "kr.update", true));
	/* No scope makes other writes possible. */
	assert_false(scope_allows(SCOPE_ALL, "kpi.create", true));
	assert_false(scope_allows(SCOPE_ALL, "user.set_password", true));
	/* Tokens need a password's session; whoami is anyone's. */
	assert_false(scope_allows(SCOPE_ALL, "token.list", false));
	assert_false(scope_allows(SCOPE_ALL, "token.add", true));
	assert_false(scope_allows(SCOPE_ALL, "token.remove", true));
	assert_false(scope_allows(SCOPE_ALL, "session.logout", true));
	assert_true(scope_allows(SCOPE_KR_CHECKIN, "session.whoami", false));
}

static void
test_token_name(void **st)
{
	char longest[41], too_long[42];

	assert_true(token_name_valid("ci"));
	assert_true(token_name_valid("cron.daily_2-x"));
	memset(longest, 'a', 40);
	longest[40] = '\0';
	assert_true(token_name_valid(longest));
	memset(too_long, 'a', 41);
	too_long[41] = '\0';
	assert_false(token_name_valid(too_long));
	assert_false(token_name_valid(""));
	assert_false(token_name_valid("-ci"));
	assert_false(token_name_valid("CI"));
	assert_false(token_name_valid("c i"));
	assert_false(token_name_valid("ci:x"));
}

static void
test_token_text(void **st)
{
	unsigned char raw[TOKEN_RAW], back[TOKEN_RAW];
	char text[TOKEN_TEXT_LEN + 1], bad[TOKEN_TEXT_LEN + 2];

	for (int i = 0; i < TOKEN_RAW; i++)
		raw[i] = (unsigned char)(i * 37 + 5);
	token_format(raw, text);
	assert_int_equal(strlen(text), 70);
	assert_memory_equal(text, "cairn_", 6);
	assert_true(token_parse(text, back));
	assert_memory_equal(raw, back, TOKEN_RAW);
	/* Upper case, another prefix, a length off by one: refused. */
	memcpy(bad, text, sizeof text);
	bad[10] = 'A';
	assert_false(token_parse(bad, back));
	memcpy(bad, text, sizeof text);
	bad[0] = 'C';
	assert_false(token_parse(bad, back));
	memcpy(bad, text, sizeof text);
	bad[TOKEN_TEXT_LEN - 1] = '\0';
	assert_false(token_parse(bad, back));
	memcpy(bad, text, sizeof text);
	bad[TOKEN_TEXT_LEN] = '0';
	bad[TOKEN_TEXT_LEN + 1] = '\0';
	assert_false(token_parse(bad, back));
	assert_false(token_parse(text + 6, back));	/* a session's */
	assert_false(token_parse("", back));
	memcpy(bad, text, sizeof text);
	bad[20] = 'g';
	assert_false(token_parse(bad, back));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scope_bits),
		cmocka_unit_test(test_scope_allows),
		cmocka_unit_test(test_token_name),
		cmocka_unit_test(test_token_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
