/*
 * addrcount.c: a chained hash table of source addresses.  The hash is
 * keyed with a random seed drawn at start-up, so that a client cannot
 * choose addresses that all land in one chain.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "addrcount.h"
#include "attr.h"
#include "log.h"
#include "xmalloc.h"

struct node {
	struct node	*next;
	struct addrkey	 key;
	size_t		 n;
};

struct addrcount {
	struct node	**b;
	size_t		  nbuckets;	/* a power of two */
	size_t		  naddrs;
	uint64_t	  seed;
};

bool
addrkey_from_sa(struct addrkey *k, const struct sockaddr *sa)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };

	memset(k, 0, sizeof *k);
	if (sa->sa_family == AF_INET) {
		k->family = 4;
		memcpy(k->b, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const uint8_t *a =
		    ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (memcmp(a, mapped, sizeof mapped) == 0) {
			k->family = 4;
			memcpy(k->b, a + 12, 4);
		} else {
			k->family = 6;
			memcpy(k->b, a, 8);
		}
		return true;
	}
	return false;
}

static size_t
hash(const struct addrcount *t, const struct addrkey *k)
{
	uint64_t h = t->seed ^ k->family;

	for (size_t i = 0; i < sizeof k->b; i++) {
		h ^= k->b[i];
		h *= 0x100000001b3ULL;		/* FNV prime, then mix */
		h ^= h >> 29;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)h & (t->nbuckets - 1);
}

static bool MUST_CHECK
key_eq(const struct addrkey *a, const struct addrkey *b)
{
	return a->family == b->family && memcmp(a->b, b->b, sizeof a->b) == 0;
}

struct addrcount *
addrcount_new(size_t max_conns)
{
	struct addrcount *t = xcalloc(1, sizeof *t);

	t->nbuckets = 64;
	while (t->nbuckets < max_conns && t->nbuckets < (1u << 20))
		t->nbuckets <<= 1;
	t->b = xcalloc(t->nbuckets, sizeof *t->b);
	if (RAND_bytes((unsigned char *)&t->seed, sizeof t->seed) != 1)
		fatalx("RAND_bytes failed");
	return t;
}

void
addrcount_free(struct addrcount *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nbuckets; i++)
		for (struct node *n = t->b[i], *next; n != NULL; n = next) {
			next = n->next;
			free(n);
		}
	free(t->b);
	free(t);
}

size_t
addrcount_get(const struct addrcount *t, const struct addrkey *k)
{
	if (k->family == 0)
		return 0;
	for (struct node *n = t->b[hash(t, k)]; n != NULL; n = n->next)
		if (key_eq(&n->key, k))
			return n->n;
	return 0;
}

void
addrcount_inc(struct addrcount *t, const struct addrkey *k)
{
	size_t h;
	struct node *n;

	if (k->family == 0)
		return;
	h = hash(t, k);
	for (n = t->b[h]; n != NULL; n = n->next)
		if (key_eq(&n->key, k)) {
			n->n++;
			return;
		}
	n = xcalloc(1, sizeof *n);
	n->key = *k;
	n->n = 1;
	n->next = t->b[h];
	t->b[h] = n;
	t->naddrs++;
}

void
addrcount_dec(struct addrcount *t, const struct addrkey *k)
{
	struct node **pp, *n;

	if (k->family == 0)
		return;
	for (pp = &t->b[hash(t, k)]; (n = *pp) != NULL; pp = &n->next)
		if (key_eq(&n->key, k)) {
			if (--n->n == 0) {
				*pp = n->next;
				free(n);
				t->naddrs--;
			}
			return;
		}
	fatalx("addrcount: closing a connection that was not counted");
}

size_t
addrcount_addrs(const struct addrcount *t)
{
	return t->naddrs;
}

enum admit
addr_admit(size_t total, size_t held, size_t max_conns, size_t per_addr,
    size_t reserve)
{
	if (total >= max_conns)
		return ADMIT_FULL;
	if (held >= per_addr)
		return ADMIT_PER_ADDR;
	if (reserve > 0 && total + reserve >= max_conns &&
	    held >= ADDR_RESERVE_HELD_MAX)
		return ADMIT_RESERVED;
	return ADMIT_OK;
}

size_t
addr_default_reserve(size_t max_conns)
{
	return max_conns / 8;
}

enum admit
startup_admit(size_t n, size_t held, size_t max_startups, size_t per_addr,
    uint32_t rnd)
{
	size_t start = max_startups / 2;
	size_t cap = max_startups - max_startups / 8;

	if (n >= max_startups)
		return ADMIT_STARTUPS_FULL;
	if (held >= per_addr)
		return ADMIT_STARTUPS_PER_ADDR;
	if (held == 0)
		return ADMIT_OK;
	if (n >= cap)
		return ADMIT_STARTUPS_DROP;
	/* n in [start, cap): drop with probability (n - start + 1) /
	 * (cap - start + 1). */
	if (n >= start && rnd % (cap - start + 1) < n - start + 1)
		return ADMIT_STARTUPS_DROP;
	return ADMIT_OK;
}
