/*
 * cache.c: the sessions' freshness and the users cache, kept coherent with
 * every other cairnd through NOTIFY cairn_cache (cache.h says how).
 *
 * The users cache is a chained hash table of CACHE_BUCKETS buckets keyed by
 * login; at CACHE_USERS_MAX entries it is emptied rather than aged (a user
 * read again is one query).  Memory: at most CACHE_USERS_MAX entries of
 * sizeof(struct centry) + the login + the packed user (under ~300 B each,
 * ~3 MiB in all).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "xmalloc.h"

#define CACHE_BUCKETS	4096	/* a power of two */

struct centry {
	struct centry	*next;
	int64_t		 id;
	size_t		 len;
	char		*login;
	char		*packed;
};

static struct {
	struct server	*srv;
	bool		 coherent;	/* LISTEN cairn_cache is on */
	uint64_t	 epoch;		/* changes when coherence is lost */
	uint64_t	 gen;		/* changes at every invalidation */
	struct centry	*bucket[CACHE_BUCKETS];
	size_t		 n;
	struct cache_stats st;
} cache;

static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h & (CACHE_BUCKETS - 1);
}

static void
centry_free(struct centry *e)
{
	free(e->login);
	free(e->packed);
	free(e);
}

static void
users_clear(void)
{
	for (size_t i = 0; i < CACHE_BUCKETS; i++) {
		struct centry *e, *next;

		for (e = cache.bucket[i]; e != NULL; e = next) {
			next = e->next;
			centry_free(e);
		}
		cache.bucket[i] = NULL;
	}
	cache.n = 0;
}

/* The metrics (docs/operations.md, "Metrics"), read when scraped. */
enum { CM_HITS, CM_MISSES, CM_INVAL, CM_STALED, CM_LOSSES, CM_ENTRIES,
	CM_COHERENT, CM_MAX };

static void
m_cache(struct metric_out *o, void *arg)
{
	switch ((int)(intptr_t)arg) {
	case CM_HITS:
		metric_sample(o, METRIC_LV("user"), cache.st.user_hits);
		break;
	case CM_MISSES:
		metric_sample(o, METRIC_LV("user"), cache.st.user_misses);
		break;
	case CM_INVAL:
		metric_sample(o, NULL, cache.st.invalidations);
		break;
	case CM_STALED:
		metric_sample(o, NULL, cache.st.sessions_staled);
		break;
	case CM_LOSSES:
		metric_sample(o, NULL, cache.st.losses);
		break;
	case CM_ENTRIES:
		metric_sample(o, METRIC_LV("user"), cache.n);
		break;
	case CM_COHERENT:
		metric_sample(o, NULL, cache.coherent);
		break;
	}
}

#define CM(i, t, n, h, l) [i] = { .type = (t), .name = (n), .help = (h), \
	.labels = (l), .fn = m_cache, .arg = (void *)(intptr_t)(i) }
static struct metric_def cache_metrics[CM_MAX] = {
	CM(CM_HITS, METRIC_COUNTER, "cairn_cache_hits_total",
	    "Reads answered from memory.", "cache"),
	CM(CM_MISSES, METRIC_COUNTER, "cairn_cache_misses_total",
	    "Reads that went to the database (and may fill the cache).",
	    "cache"),
	CM(CM_INVAL, METRIC_COUNTER, "cairn_cache_invalidations_total",
	    "NOTIFY cairn_cache messages heard.", NULL),
	CM(CM_STALED, METRIC_COUNTER, "cairn_cache_sessions_staled_total",
	    "Open connections told to check their session again.", NULL),
	CM(CM_LOSSES, METRIC_COUNTER, "cairn_cache_listen_losses_total",
	    "Times the LISTEN connection went down (nothing cached is "
	    "trusted until it is back).", NULL),
	CM(CM_ENTRIES, METRIC_GAUGE, "cairn_cache_entries",
	    "Entries held.", "cache"),
	CM(CM_COHERENT, METRIC_GAUGE, "cairn_cache_coherent",
	    "1 while invalidations are heard (LISTEN cairn_cache is on).",
	    NULL),
};

void
cache_init(struct server *srv)
{
	cache.srv = srv;
	cache.epoch = 1;
	cache.gen = 1;
	for (int i = 0; i < CM_MAX; i++)
		metric_declare(&cache_metrics[i]);
}

void
cache_free(void)
{
	users_clear();
	cache.srv = NULL;
}

/* Coherence ----------------------------------------------------------- */

void
cache_listening(void)
{
	/* Anything read before this moment may have missed a notification:
	 * a new epoch makes every session check again, and a new gen keeps
	 * out the reads still in flight. */
	users_clear();
	cache.epoch++;
	cache.gen++;
	cache.coherent = true;
	log_debug("cache: coherent (LISTEN cairn_cache)");
}

void
cache_lost(void)
{
	if (!cache.coherent)
		return;
	users_clear();
	cache.coherent = false;
	cache.epoch++;
	cache.gen++;
	cache.st.losses++;
	log_warnx("cache: the LISTEN connection is down: sessions are "
	    "checked at every request until it is back");
}

static void
users_forget_id(int64_t id)
{
	for (size_t i = 0; i < CACHE_BUCKETS; i++) {
		struct centry **pp = &cache.bucket[i], *e;

		while ((e = *pp) != NULL) {
			if (e->id == id) {
				*pp = e->next;
				centry_free(e);
				cache.n--;
			} else
				pp = &e->next;
		}
	}
}

/* "u:ID", "s:ID" or "t:ID" (an API token removed).  Anything else is logged and taken as "forget all":
 * a payload this cairnd does not know comes from a newer one. */
void
cache_notified(const char *payload)
{
	long long id = 0;
	char kind = '\0', *end = NULL;
	size_t n = 0;

	cache.gen++;
	cache.st.invalidations++;
	if (payload[0] != '\0' && payload[1] == ':') {
		kind = payload[0];
		id = strtoll(payload + 2, &end, 10);
	}
	if (end == NULL || *end != '\0' || id <= 0 ||
	    (kind != 'u' && kind != 's' && kind != 't')) {
		log_warnx("cache: unknown invalidation '%.40s': forgetting "
		    "everything", payload);
		users_clear();
		cache.epoch++;
		return;
	}
	if (kind == 'u') {
		users_forget_id(id);
		n = conns_session_stale(cache.srv, id, 0, 0);
	} else if (kind == 's')
		n = conns_session_stale(cache.srv, 0, id, 0);
	else
		n = conns_session_stale(cache.srv, 0, 0, id);
	cache.st.sessions_staled += n;
	log_debug("cache: %s, %zu connection(s) to check again", payload, n);
}

/* Sessions ------------------------------------------------------------ */

/* An invalidation heard while the check ran (s->check_gen, taken when it
 * was sent) may have been about this session and older than the check's
 * snapshot: the next request checks again. */
void
cache_session_checked(struct session *s)
{
	s->checked_epoch = cache.coherent && s->check_gen == cache.gen ?
	    cache.epoch : 0;
}

bool
cache_session_fresh(const struct session *s)
{
	return cache.coherent && s->checked_epoch == cache.epoch &&
	    !s->stale && (int64_t)time(NULL) < s->expires;
}

/* Users ---------------------------------------------------------------- */

uint64_t
cache_gen(void)
{
	return cache.gen;
}

bool
cache_user_get(const char *login, const char **packed, size_t *len)
{
	struct centry *e;

	if (!cache.coherent)
		return false;
	for (e = cache.bucket[hash(login)]; e != NULL; e = e->next)
		if (strcmp(e->login, login) == 0) {
			*packed = e->packed;
			*len = e->len;
			cache.st.user_hits++;
			return true;
		}
	cache.st.user_misses++;
	return false;
}

void
cache_user_put(uint64_t gen, const char *login, int64_t id,
    const char *packed, size_t len)
{
	struct centry *e;
	uint32_t h;

	if (!cache.coherent || gen != cache.gen || len == 0 ||
	    len > CACHE_USER_PACKED_MAX)
		return;
	cache_user_forget(login);
	if (cache.n >= CACHE_USERS_MAX)
		users_clear();
	h = hash(login);
	e = xcalloc(1, sizeof *e);
	e->id = id;
	e->login = xstrdup(login);
	e->packed = xmalloc(len);
	memcpy(e->packed, packed, len);
	e->len = len;
	e->next = cache.bucket[h];
	cache.bucket[h] = e;
	cache.n++;
	cache.st.user_stores++;
}

void
cache_user_forget(const char *login)
{
	struct centry **pp = &cache.bucket[hash(login)], *e;

	cache.gen++;
	while ((e = *pp) != NULL) {
		if (strcmp(e->login, login) == 0) {
			*pp = e->next;
			centry_free(e);
			cache.n--;
			return;
		}
		pp = &e->next;
	}
}

void
cache_stats(struct cache_stats *st)
{
	*st = cache.st;
	st->users = cache.n;
	st->coherent = cache.coherent;
}
