/*
 * samples.c: durations sampled between two reports (samples.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "samples.h"

void
samples_add(struct samples *s, int64_t v)
{
	if (s->n < SAMPLES_MAX)
		s->v[s->n++] = v;
	s->count++;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

void
samples_take(struct samples *s, char *buf, size_t len)
{
	int n = s->n;

	if (n == 0)
		snprintf(buf, len, "none");
	else {
		qsort(s->v, (size_t)n, sizeof s->v[0], cmp_i64);
		snprintf(buf, len, "p50 %lld ms, p99 %lld ms, max %lld ms",
		    (long long)s->v[n / 2],
		    (long long)s->v[(n * 99 + 99) / 100 - 1],
		    (long long)s->v[n - 1]);
	}
	s->n = 0;
	s->count = 0;
}
