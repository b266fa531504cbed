/*
 * test_authz.c: the permission table of docs/rules.md, row by row, for
 * every kind of caller.  The end-to-end matrix (tests/e2e/goals.sh) checks
 * that the handlers fetch the right facts; this checks the decisions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "authz.h"

/* The kinds of caller, as facts about one objective in one team. */
enum who {
	W_ADMIN, W_EXECUTIVE, W_LEAD, W_ANCESTOR_LEAD, W_SIBLING_LEAD,
	W_OBJ_OWNER, W_KR_OWNER, W_CONTRIBUTOR, W_MEMBER, W_OTHER_MEMBER,
	W_KPI_OWNER, W_MAX
};

static struct authz_facts
facts(enum who w, bool private_team)
{
	struct authz_facts f = { .role = ROLE_MEMBER,
	    .private_team = private_team };

	switch (w) {
	case W_ADMIN: f.role = ROLE_ADMIN; break;
	case W_EXECUTIVE: f.role = ROLE_EXECUTIVE; break;
	case W_LEAD: f.lead_here = f.member_here = true; break;
	case W_ANCESTOR_LEAD: f.lead_above = true; break;
	case W_SIBLING_LEAD: break;	/* lead elsewhere: no relation */
	case W_OBJ_OWNER: f.obj_owner = f.member_here = true; break;
	case W_KR_OWNER: f.kr_owner = true; break;
	case W_CONTRIBUTOR: f.contributor = true; break;
	case W_MEMBER: f.member_here = true; break;
	case W_OTHER_MEMBER: break;
	case W_KPI_OWNER: f.kpi_owner = true; break;
	case W_MAX: break;
	}
	return f;
}

/* Expected outcome for each action (rows) and caller (columns). */
static const bool expect[ACT_MAX][W_MAX] = {
	/*		  adm  exe  lead anc  sib  own  kro  con  mem  oth  kpo */
	[ACT_ADMIN] =	{ 1,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0 },
	[ACT_TEAM_MEMBERS] = { 1, 0, 1,  1,   0,   0,   0,   0,   0,   0,   0 },
	[ACT_OBJ_CREATE] = { 1,  0,  1,  1,   0,   0,   0,   0,   0,   0,   0 },
	[ACT_OBJ_EDIT] = { 1,  0,   1,   1,   0,   1,   0,   0,   0,   0,   0 },
	[ACT_CHECKIN] =	{ 1,   0,   1,   1,   0,   1,   1,   1,   1,   0,   0 },
	[ACT_READ] =	{ 1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1 },
	/* The KPI tier: the objective owner column is a member of the team. */
	[ACT_KPI_EDIT] = { 1,  0,   1,   1,   0,   0,   0,   0,   0,   0,   0 },
	[ACT_KPI_RECORD] = { 1, 0,  1,   1,   0,   1,   0,   0,   1,   0,   1 },
	[ACT_TEAM_GOVERN] = { 1, 0, 1,   1,   0,   0,   0,   0,   0,   0,   0 },
	[ACT_ROI_READ] = { 1,  1,   1,   1,   0,   0,   0,   0,   0,   0,   0 },
	[ACT_RETRO] =	{ 1,   0,   1,   1,   0,   0,   0,   0,   0,   0,   0 },
	[ACT_OBJ_GRADE] = { 1, 0,   1,   1,   0,   1,   0,   0,   0,   0,   0 },
	/* Only the parent team's lead (test_signoff_parent_lead) and admins:
	 * an ancestor lead further up or the team's own lead may not. */
	[ACT_SIGNOFF_SET] = { 1, 0, 0,   0,   0,   0,   0,   0,   0,   0,   0 },
};

static void
test_matrix_public(void **st)
{
	for (int a = 0; a < ACT_MAX; a++)
		for (int w = 0; w < W_MAX; w++) {
			struct authz_facts f = facts(w, false);
			if (authz_allows(a, &f) != expect[a][w])
				fail_msg("action %d caller %d: got %d", a, w,
				    !expect[a][w]);
		}
}

/* A private team: only members, ancestor leads, executives and admins
 * read; writes are as for a public team. */
static void
test_private_read(void **st)
{
	static const bool reads[W_MAX] = {
		[W_ADMIN] = 1, [W_EXECUTIVE] = 1, [W_LEAD] = 1,
		[W_ANCESTOR_LEAD] = 1, [W_OBJ_OWNER] = 1, [W_MEMBER] = 1,
		[W_CONTRIBUTOR] = 1,	/* reads what they contribute to */
		/* KPI owners are members or leads in practice; the fact
		 * alone grants no read. */
	};

	for (int w = 0; w < W_MAX; w++) {
		struct authz_facts f = facts(w, true);
		assert_int_equal(authz_allows(ACT_READ, &f), reads[w]);
		for (int a = 0; a < ACT_MAX; a++)
			if (a != ACT_READ)
				assert_int_equal(authz_allows(a, &f),
				    expect[a][w]);
	}
}

/* The lead of the parent team turns the team's sign-off on or off; that
 * fact grants nothing else. */
static void
test_signoff_parent_lead(void **st)
{
	struct authz_facts f = { .role = ROLE_MEMBER, .lead_parent = true,
	    .lead_above = true };

	assert_true(authz_allows(ACT_SIGNOFF_SET, &f));
	f.lead_parent = false;
	assert_false(authz_allows(ACT_SIGNOFF_SET, &f));
	f.role = ROLE_EXECUTIVE;
	assert_false(authz_allows(ACT_SIGNOFF_SET, &f));
}

static void
test_names(void **st)
{
	for (int a = 0; a < ACT_MAX; a++)
		assert_non_null(authz_action_name(a));
	assert_string_equal(authz_action_name(ACT_MAX), "?");
	struct authz_facts f = facts(W_ADMIN, false);
	assert_false(authz_allows(ACT_MAX, &f));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix_public),
		cmocka_unit_test(test_signoff_parent_lead),
		cmocka_unit_test(test_private_read),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
