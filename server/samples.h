/*
 * samples.h: durations sampled between two reports, and their p50, p99
 * and max (the delays of the event stream's stages: events.c, watch.c).
 * Fixed memory: at most SAMPLES_MAX kept per report, the rest counted.
 */
#ifndef CAIRN_SAMPLES_H
#define CAIRN_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

#define SAMPLES_MAX	4096

struct samples {
	int64_t		 v[SAMPLES_MAX];
	int		 n;		/* kept, <= SAMPLES_MAX */
	uint64_t	 count;		/* all since the last report */
};

void	samples_add(struct samples *, int64_t);
/* "p50 A ms, p99 B ms, max C ms" into buf (or "none"), then empty. */
void	samples_take(struct samples *, char *buf, size_t len);

#endif
