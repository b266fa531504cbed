/*
 * event-ring.c: the latest events of a cairnd (event-ring.h).
 */
#include <stdlib.h>
#include <string.h>

#include "event-ring.h"

void
ev_clear(struct ev *e)
{
	free(e->packed);
	memset(e, 0, sizeof *e);
}

static struct ev *
at(const struct ev_ring *r, int i)
{
	return (struct ev *)&r->e[(r->head + i) % EVENTS_RING];
}

const struct ev *
ring_push(struct ev_ring *r, const struct ev *e)
{
	struct ev *slot;

	if (r->n == EVENTS_RING) {
		ev_clear(at(r, 0));
		r->head = (r->head + 1) % EVENTS_RING;
		r->n--;
	}
	slot = at(r, r->n++);
	*slot = *e;
	return slot;
}

bool
ring_replay(const struct ev_ring *r, int64_t after, int64_t upto,
    void (*fn)(void *, const struct ev *), void *arg)
{
	int lo = 0, hi = r->n;

	if (r->n == 0 || at(r, 0)->seq > after + 1)
		return false;
	/* The first after `after` by bisection: each of 1,000 watchers
	 * asks for the last few of 4,096. */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (at(r, mid)->seq <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int i = lo; i < r->n && at(r, i)->seq <= upto; i++)
		fn(arg, at(r, i));
	return true;
}

void
ring_clear(struct ev_ring *r)
{
	for (int i = 0; i < r->n; i++)
		ev_clear(at(r, i));
	r->head = r->n = 0;
}
