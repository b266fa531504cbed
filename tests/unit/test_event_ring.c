/*
 * test_event_ring.c: the latest events of a cairnd (event-ring.c): a
 * replay gives exactly the events in (after, upto], in order, found by
 * bisection, across the wrap of the ring and with gaps in the seqs; it
 * refuses when the ring does not reach back far enough; the oldest go
 * when it is full, their maps freed (ASan's leak check).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event-ring.h"

struct got {
	int64_t		 seq[EVENTS_RING];
	int		 n;
};

static void
collect(void *arg, const struct ev *e)
{
	struct got *g = arg;

	assert_true(g->n < EVENTS_RING);
	g->seq[g->n++] = e->seq;
}

static void
push(struct ev_ring *r, int64_t seq)
{
	struct ev e = { .seq = seq, .packed = malloc(16), .size = 16 };

	assert_non_null(e.packed);
	assert_int_equal(ring_push(r, &e)->seq, seq);
}

/* What a replay should give, by a scan of all seqs pushed. */
static void
check(const struct ev_ring *r, const int64_t *all, int nall, int64_t after,
    int64_t upto)
{
	struct got g = { .n = 0 };
	int want = 0;

	assert_true(ring_replay(r, after, upto, collect, &g));
	for (int i = 0; i < nall; i++) {
		if (all[i] <= after || all[i] > upto)
			continue;
		assert_true(want < g.n);
		assert_int_equal(g.seq[want], all[i]);
		want++;
	}
	assert_int_equal(g.n, want);
}

static void
test_replay_with_gaps(void **state)
{
	static struct ev_ring r;
	int64_t all[300];
	int n = 0;

	(void)state;
	/* seqs 10, 11, 13, 14, 16, ...: every third missing (a sequencer
	 * run that rolled back). */
	for (int64_t s = 10; n < 300; s++)
		if (s % 3 != 0) {
			push(&r, s);
			all[n++] = s;
		}
	for (int64_t after = 9; after <= all[n - 1]; after += 7)
		for (int64_t span = 0; span < 40; span += 13)
			check(&r, all, n, after, after + span);
	check(&r, all, n, 9, INT64_MAX);
	check(&r, all, n, all[n - 1], INT64_MAX);	/* nothing after */
	/* Not reaching back: after + 1 is older than the oldest. */
	struct got g = { .n = 0 };
	assert_false(ring_replay(&r, 8, INT64_MAX, collect, &g));
	assert_int_equal(g.n, 0);
	ring_clear(&r);
	assert_false(ring_replay(&r, 0, INT64_MAX, collect, &g));
}

static void
test_wraps_and_forgets(void **state)
{
	static struct ev_ring r;
	static int64_t all[EVENTS_RING];
	int total = EVENTS_RING + EVENTS_RING / 2 + 3;

	(void)state;
	for (int i = 1; i <= total; i++)
		push(&r, i);
	assert_int_equal(r.n, EVENTS_RING);
	for (int i = 0; i < EVENTS_RING; i++)
		all[i] = total - EVENTS_RING + 1 + i;
	/* The oldest kept is total - EVENTS_RING + 1. */
	struct got g = { .n = 0 };
	assert_false(ring_replay(&r, all[0] - 2, INT64_MAX, collect, &g));
	check(&r, all, EVENTS_RING, all[0] - 1, INT64_MAX);
	check(&r, all, EVENTS_RING, all[100], all[100] + 5);
	check(&r, all, EVENTS_RING, all[EVENTS_RING / 2], INT64_MAX);
	check(&r, all, EVENTS_RING, total - 1, INT64_MAX);
	ring_clear(&r);
	assert_int_equal(r.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_with_gaps),
		cmocka_unit_test(test_wraps_and_forgets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
