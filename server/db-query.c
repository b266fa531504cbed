/*
 * db-query.c: a query of the pool (db.c) and of its streams (db-stream.c):
 * its allocation with its own copy of the parameters, its freeing, and
 * whether the pool may queue one more.  Apart from db.c so that both
 * files use it without calling each other (tests/check-deps.py).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db-int.h"
#include "xmalloc.h"

/* At start-up, before any connection was ever up, queries wait for the
 * first one (up to db_connect_timeout) instead of failing at once. */
bool
db_holding(const struct db *db)
{
	return !db->ever_up && db_mono_ms() < db->hold_until_ms;
}

void
query_free(struct query *q)
{
	PQclear(q->res);
	free(q->params);
	free(q);
}

uint64_t
db_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A query with its own copy of the parameters (one allocation). */
struct query *
query_new(enum stmt st, int n, const char *const *params, db_cb *cb,
    void *arg)
{
	struct query *q;
	size_t total = n * sizeof(char *);
	char *p;

	for (int i = 0; i < n; i++)
		if (params[i] != NULL)
			total += strlen(params[i]) + 1;
	q = xcalloc(1, sizeof *q);
	q->st = st;
	q->n = n;
	q->cb = cb;
	q->arg = arg;
	q->params = xmalloc(total);
	p = (char *)(q->params + n);
	for (int i = 0; i < n; i++) {
		if (params[i] == NULL) {
			q->params[i] = NULL;
			continue;
		}
		size_t l = strlen(params[i]) + 1;
		memcpy(p, params[i], l);
		q->params[i] = p;
		p += l;
	}
	return q;
}

/* May one more query (or stream, with nwaiting its queue's length) be
 * queued: E_UNAVAILABLE with no connection up, E_LIMIT when full. */
bool
db_can_queue(const struct db *db, size_t nwaiting, enum wire_err *why)
{
	if (db->closing || (db->nup == 0 && !db_holding(db))) {
		*why = E_UNAVAILABLE;
		return false;
	}
	if (nwaiting >= db->max_waiting) {
		*why = E_LIMIT;
		return false;
	}
	return true;
}
