/*
 * test_watch_rule.c: what a watcher reads and asked for (watch-rule.c):
 * each audience of the reading rule (the same as event_readable() in
 * sql/logic/event.sql; watch.sh checks the two agree event for event),
 * contributors, mentions of a thing no longer readable, each filter, the
 * kinds' families and syntax, and the id sets' parsing and bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "watch-rule.h"

static struct ev
ev(enum ev_audience a, const char *kind, int64_t team, int64_t obj,
    int64_t user)
{
	struct ev e = { .seq = 1, .audience = a, .team_id = team,
	    .objective_id = obj, .user_id = user };

	snprintf(e.kind, sizeof e.kind, "%s", kind);
	return e;
}

/* A member (user 7) of teams 2 and 5, contributor to objective 40. */
static void
member(struct watch_rule *r)
{
	memset(r, 0, sizeof *r);
	r->user_id = 7;
	r->role = ROLE_MEMBER;
	assert_true(watch_ids_parse(&r->teams, "{2,5}"));
	assert_true(watch_ids_parse(&r->objs, "{40}"));
}

static void
test_audiences(void **st)
{
	struct watch_rule r;
	struct ev e;

	member(&r);
	e = ev(EVA_ALL, "team.created", 9, 0, 0);
	assert_true(watch_rule_wants(&r, &e));
	e = ev(EVA_ADMIN, "source.add", 0, 0, 0);
	assert_false(watch_rule_wants(&r, &e));
	r.role = ROLE_ADMIN;
	assert_true(watch_rule_wants(&r, &e));
	r.role = ROLE_MEMBER;
	e = ev(EVA_TEAM, "checkin", 5, 11, 0);
	assert_true(watch_rule_wants(&r, &e));
	e = ev(EVA_TEAM, "checkin", 3, 11, 0);	/* not a team of theirs */
	assert_false(watch_rule_wants(&r, &e));
	e = ev(EVA_TEAM, "checkin", 3, 40, 0);	/* ... but contributed to */
	assert_true(watch_rule_wants(&r, &e));
	e = ev(EVA_TEAM, "kpi.health_changed", 3, 0, 0);	/* a KPI */
	assert_false(watch_rule_wants(&r, &e));
	e = ev(EVA_USER, "token.add", 0, 0, 7);
	assert_true(watch_rule_wants(&r, &e));
	e = ev(EVA_USER, "token.add", 0, 0, 8);	/* someone else's */
	assert_false(watch_rule_wants(&r, &e));
	e = ev(EVA_USER, "comment.mention", 2, 0, 7);
	assert_true(watch_rule_wants(&r, &e));
	/* a mention of them on a thing they no longer read */
	e = ev(EVA_USER, "comment.mention", 3, 12, 7);
	assert_false(watch_rule_wants(&r, &e));
	watch_rule_clear(&r);
}

static void
test_filters(void **st)
{
	struct watch_rule r;
	struct ev e;

	member(&r);
	r.root = 2;
	assert_true(watch_ids_parse(&r.subtree, "{2,5}"));
	e = ev(EVA_TEAM, "checkin", 5, 0, 0);
	assert_true(watch_rule_wants(&r, &e));
	e = ev(EVA_ALL, "period.state", 0, 0, 0);	/* no team */
	assert_false(watch_rule_wants(&r, &e));
	r.root = 0;
	r.period_id = 4;
	e = ev(EVA_TEAM, "checkin", 5, 0, 0);
	e.period_id = 4;
	assert_true(watch_rule_wants(&r, &e));
	e.period_id = 3;
	assert_false(watch_rule_wants(&r, &e));
	r.period_id = 0;
	r.mine = true;
	e = ev(EVA_TEAM, "checkin", 5, 0, 0);
	e.owner_id = 7;
	assert_true(watch_rule_wants(&r, &e));
	e.owner_id = 8;
	assert_false(watch_rule_wants(&r, &e));
	r.mine = false;
	r.nkinds = 2;
	strcpy(r.kinds[0], "kpi");
	strcpy(r.kinds[1], "checkin");
	e = ev(EVA_TEAM, "kpi.health_changed", 5, 0, 0);
	assert_true(watch_rule_wants(&r, &e));	/* the family */
	e = ev(EVA_TEAM, "checkin", 5, 0, 0);
	assert_true(watch_rule_wants(&r, &e));
	e = ev(EVA_TEAM, "kpis", 5, 0, 0);	/* not a prefix match */
	assert_false(watch_rule_wants(&r, &e));
	e = ev(EVA_TEAM, "reading", 5, 0, 0);
	assert_false(watch_rule_wants(&r, &e));
	watch_rule_clear(&r);
}

static void
test_ids_and_kinds(void **st)
{
	struct watch_ids ids = { 0 };
	char *big;
	size_t len;

	assert_true(watch_ids_parse(&ids, "{}"));
	assert_int_equal(ids.n, 0);
	assert_true(watch_ids_parse(&ids, "{1,3,9}"));
	assert_true(watch_ids_has(&ids, 9));
	assert_false(watch_ids_has(&ids, 4));
	assert_false(watch_ids_parse(&ids, NULL));
	assert_false(watch_ids_parse(&ids, "1,2"));
	assert_false(watch_ids_parse(&ids, "{1,x}"));
	assert_false(watch_ids_parse(&ids, "{1,2"));
	/* More than WATCH_IDS_MAX is refused, not grown without end. */
	big = malloc(8 * (WATCH_IDS_MAX + 2));
	assert_non_null(big);
	len = (size_t)sprintf(big, "{1");
	for (int i = 0; i < WATCH_IDS_MAX; i++)
		len += (size_t)sprintf(big + len, ",1");
	strcpy(big + len, "}");
	assert_false(watch_ids_parse(&ids, big));
	free(big);
	free(ids.v);

	assert_true(watch_kind_valid("checkin", 7));
	assert_true(watch_kind_valid("kpi.health_changed", 18));
	assert_false(watch_kind_valid("a.b.c", 5));
	assert_false(watch_kind_valid(".kpi", 4));
	assert_false(watch_kind_valid("kpi.", 4));
	assert_false(watch_kind_valid("Bad!", 4));
	assert_false(watch_kind_valid("", 0));
}

static void
test_changes_facts(void **st)
{
	struct ev e = ev(EVA_ALL, "team.add_member", 2, 0, 0);

	assert_true(watch_changes_facts(&e));
	e = ev(EVA_TEAM, "objective.revoke", 2, 4, 0);
	assert_true(watch_changes_facts(&e));
	e = ev(EVA_TEAM, "checkin", 2, 4, 0);
	assert_false(watch_changes_facts(&e));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_audiences),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_ids_and_kinds),
		cmocka_unit_test(test_changes_facts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
