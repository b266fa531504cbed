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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "log.h"
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

void
cache_init(struct server *srv)
{
	cache.srv = srv;
	cache.epoch = 1;
	cache.gen = 1;
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
