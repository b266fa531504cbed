/* throttle.c: a small chained hash table keyed by login name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "throttle.h"
#include "xmalloc.h"

#define NBUCKETS	1024
#define DELAY_MAX_MS	5000

struct entry {
	struct entry	*next;
	char		*login;
	int		 failures;
	uint64_t	 last_ms;
	uint64_t	 locked_until_ms;
};

struct throttle {
	struct entry	*b[NBUCKETS];
	size_t		 n;
	int		 slow_after, max_failures, lockout;
};

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % NBUCKETS;
}

struct throttle *
throttle_new(int slow_after, int max_failures, int lockout)
{
	struct throttle *t = xcalloc(1, sizeof *t);

	t->slow_after = slow_after;
	t->max_failures = max_failures;
	t->lockout = lockout;
	return t;
}

void
throttle_free(struct throttle *t)
{
	if (t == NULL)
		return;
	for (int i = 0; i < NBUCKETS; i++)
		while (t->b[i] != NULL) {
			struct entry *e = t->b[i];
			t->b[i] = e->next;
			free(e->login);
			free(e);
		}
	free(t);
}

static struct entry *
find(struct throttle *t, const char *login)
{
	for (struct entry *e = t->b[hash(login)]; e != NULL; e = e->next)
		if (strcmp(e->login, login) == 0)
			return e;
	return NULL;
}

static void
remove_entry(struct throttle *t, struct entry *victim)
{
	struct entry **pp = &t->b[hash(victim->login)];

	while (*pp != victim)
		pp = &(*pp)->next;
	*pp = victim->next;
	free(victim->login);
	free(victim);
	t->n--;
}

static void
evict_stalest(struct throttle *t)
{
	struct entry *old = NULL;

	for (int i = 0; i < NBUCKETS; i++)
		for (struct entry *e = t->b[i]; e != NULL; e = e->next)
			if (e->locked_until_ms < now_ms() &&
			    (old == NULL || e->last_ms < old->last_ms))
				old = e;
	if (old != NULL)
		remove_entry(t, old);
}

int
throttle_locked(struct throttle *t, const char *login)
{
	struct entry *e = find(t, login);
	uint64_t now = now_ms();

	if (e == NULL || e->locked_until_ms == 0)
		return 0;
	if (e->locked_until_ms > now)
		return (int)((e->locked_until_ms - now + 999) / 1000);
	/* The lock-out is over: start counting afresh. */
	remove_entry(t, e);
	return 0;
}

int
throttle_fail(struct throttle *t, const char *login)
{
	struct entry *e = find(t, login);
	uint64_t now = now_ms();
	unsigned h;

	if (e != NULL && now - e->last_ms > (uint64_t)t->lockout * 1000) {
		/* An old streak does not count against a new one. */
		e->failures = 0;
	}
	if (e == NULL) {
		if (t->n >= THROTTLE_MAX)
			evict_stalest(t);
		if (t->n >= THROTTLE_MAX)
			return DELAY_MAX_MS;	/* everything is locked */
		e = xcalloc(1, sizeof *e);
		e->login = xstrdup(login);
		h = hash(login);
		e->next = t->b[h];
		t->b[h] = e;
		t->n++;
	}
	e->failures++;
	e->last_ms = now;
	int d = 0;
	if (e->failures >= t->slow_after)
		d = (e->failures - t->slow_after + 1) * 1000;
	if (d > DELAY_MAX_MS)
		d = DELAY_MAX_MS;
	/* The lock-out runs from when the (delayed) reply goes out. */
	if (e->failures >= t->max_failures)
		e->locked_until_ms = now + d + (uint64_t)t->lockout * 1000;
	return d;
}

void
throttle_ok(struct throttle *t, const char *login)
{
	struct entry *e = find(t, login);

	if (e != NULL)
		remove_entry(t, e);
}
