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

/* What each kind of change may do in each state of its period. */
static void
test_period_states(void **st)
{
	static const char *states[] = { "draft", "active", "review",
	    "closed" };
	/* want[need][state], need in enum period_rule's order. */
	static const char *want[5][4] = {
		[PR_NONE] = { NULL, NULL, NULL, NULL },
		[PR_OPEN] = { NULL, NULL, NULL, "period.closed" },
		[PR_NEW] = { NULL, NULL, "period.not_active",
		    "period.closed" },
		[PR_STARTED] = { "period.not_active", NULL, NULL,
		    "period.closed" },
		[PR_REVIEW] = { "period.not_review", "period.not_review", NULL,
		    "period.not_review" },
	};

	for (int n = PR_NONE; n <= PR_REVIEW; n++)
		for (int i = 0; i < 4; i++) {
			const char *r = period_state_refusal(n, states[i]);
			if (want[n][i] == NULL)
				assert_null(r);
			else
				assert_string_equal(r, want[n][i]);
		}
	/* No period (a row without one): nothing to refuse. */
	assert_null(period_state_refusal(PR_STARTED, NULL));
}

static void
test_last_admin(void **st)
{
	/* The last enabled admin may be neither disabled nor demoted ... */
	assert_string_equal(last_admin_refusal("admin", true, 0, NULL),
	    "user.last_admin");
	assert_string_equal(last_admin_refusal("admin", true, 0, "member"),
	    "user.last_admin");
	assert_string_equal(last_admin_refusal("admin", true, 0,
	    "executive"), "user.last_admin");
	/* ... but may stay admin; */
	assert_null(last_admin_refusal("admin", true, 0, "admin"));
	/* another enabled admin, a disabled target or a non-admin: fine. */
	assert_null(last_admin_refusal("admin", true, 1, NULL));
	assert_null(last_admin_refusal("admin", false, 0, NULL));
	assert_null(last_admin_refusal("member", true, 0, NULL));
	assert_null(last_admin_refusal("executive", true, 0, "member"));
}

static void
test_carry(void **st)
{
	static const char *states[] = { "draft", "active", "review",
	    "closed" };

	for (int f = 0; f < 4; f++)
		for (int t = 0; t < 4; t++) {
			const char *r = carry_refusal(states[f], states[t], 5,
			    10);
			if (f < 2)
				assert_string_equal(r, "carry.from_open");
			else if (t == 3)
				assert_string_equal(r, "period.closed");
			else if (t == 2)
				assert_string_equal(r, "period.not_active");
			else
				assert_null(r);
		}
	assert_null(carry_refusal("review", "active", 10, 10));
	assert_string_equal(carry_refusal("review", "active", 11, 10),
	    "limit.carry");
	/* The state of the period carried from is named first. */
	assert_string_equal(carry_refusal("active", "closed", 11, 10),
	    "carry.from_open");
}

/* Sign-off: who before what. */
static void
test_signoff(void **st)
{
	assert_null(signoff_refusal("proposed", true, false));
	assert_string_equal(signoff_refusal("proposed", false, false),
	    "signoff.approver");
	assert_string_equal(signoff_refusal("approved", false, true),
	    "signoff.approver");
	assert_string_equal(signoff_refusal("proposed", true, true),
	    "signoff.self");
	assert_string_equal(signoff_refusal("approved", true, false),
	    "signoff.state");
	assert_string_equal(signoff_refusal("sent_back", true, false),
	    "signoff.state");
	assert_string_equal(signoff_refusal(NULL, true, false),
	    "signoff.state");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_period_transitions),
		cmocka_unit_test(test_signoff),
		cmocka_unit_test(test_kr_shapes),
		cmocka_unit_test(test_framework),
		cmocka_unit_test(test_period_states),
		cmocka_unit_test(test_last_admin),
		cmocka_unit_test(test_carry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
