/*
 * event-ring.h: the latest EVENTS_RING events of a cairnd, in seq order
 * (events.c reads them in; watch.c replays them to watchers).
 */
#ifndef CAIRN_EVENT_RING_H
#define CAIRN_EVENT_RING_H

#include <stdbool.h>
#include <stdint.h>

#include "attr.h"
#include "events.h"

struct ev_ring {
	struct ev	 e[EVENTS_RING];
	int		 head, n;	/* the oldest at head */
};

/* Append e (its seq above the last's), the ring taking its packed map;
 * the oldest goes when full.  Returns where it now is. */
const struct ev	*ring_push(struct ev_ring *, const struct ev *);
/* Call fn for each event with after < seq <= upto, in order.  False when
 * the ring does not reach back to after + 1: seqs may have gaps, so only
 * a ring whose oldest is after + 1 or older is known to hold them all. */
bool		 ring_replay(const struct ev_ring *, int64_t after,
		    int64_t upto, void (*fn)(void *, const struct ev *),
		    void *arg) MUST_CHECK;
void		 ring_clear(struct ev_ring *);

#endif
