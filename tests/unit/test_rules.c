/* test_rules.c: the rules decided without the database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rules.h"

static void
test_period_transitions(void **st)
{
	static const char *states[] = { "draft", "active", "review",
	    "closed" };
	/* allowed[a][b]: draft->active, active->review, review->closed,
	 * review->active, and staying put. */
	static const int allowed[4][4] = {
		{ 1, 1, 0, 0 },
		{ 0, 1, 1, 0 },
		{ 0, 1, 1, 1 },
		{ 0, 0, 0, 0 },
	};

	for (int a = 0; a < 4; a++)
		for (int b = 0; b < 4; b++) {
			const char *r = period_transition_refusal(states[a],
			    states[b]);
			if (allowed[a][b])
				assert_null(r);
			else if (a == 3)
				assert_string_equal(r, "period.closed");
			else
				assert_string_equal(r, "period.transition");
		}
}

static void
test_kr_shapes(void **st)
{
	assert_null(kr_shape_refusal("increase", 0, 10));
	assert_non_null(kr_shape_refusal("increase", 10, 10));
	assert_non_null(kr_shape_refusal("increase", 10, 5));
	assert_null(kr_shape_refusal("decrease", 10, 5));
	assert_non_null(kr_shape_refusal("decrease", 5, 5));
	assert_non_null(kr_shape_refusal("decrease", 5, 10));
	assert_null(kr_shape_refusal("above", 0, 99.9));
	assert_null(kr_shape_refusal("below", 50, 10));
	assert_null(kr_shape_refusal("boolean", 0, 1));
	assert_non_null(kr_shape_refusal("boolean", 0, 2));
	assert_non_null(kr_shape_refusal("boolean", 1, 1));
}

static void
test_framework(void **st)
{
	assert_null(framework_objective_refusal("okr"));
	assert_null(framework_objective_refusal("hybrid"));
	assert_string_equal(framework_objective_refusal("kpi"),
	    "framework.kpi_only");
	assert_null(framework_objective_refusal(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_period_transitions),
		cmocka_unit_test(test_kr_shapes),
		cmocka_unit_test(test_framework),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
