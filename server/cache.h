/*
 * cache.h: what one cairnd keeps of the database in memory, and how every
 * other cairnd over the same database tells it to forget (docs/operations.md,
 * "Caches").
 *
 * Two things are cached:
 *   - each connection's session (who, which role), checked against the
 *     database when stale, and at the latest each session_recheck seconds;
 *   - users by login, as user.get packs them (CACHE_USERS_MAX at most).
 *
 * Coherence: triggers on users, sessions and API tokens (sql/logic/user.sql,
 * session.sql, token.sql) NOTIFY cairn_cache with "u:ID" (a user's login,
 * name, role or state changed), "s:ID" (a session was revoked) or "t:ID"
 * (a token removed) in the writer's transaction.
 * The event stream's LISTEN connection (events.c), outside the request pool,
 * hears them and calls cache_notified(): the user's entries go, and the
 * sessions concerned on every open connection are checked again before their
 * next request (a watcher's at once, watch.c).  A NOTIFY reaches the
 * listeners at commit, so the bound is the delivery's delay.
 *
 * Nothing is served from memory unless that connection is LISTENing: from
 * the moment it goes down (cache_lost) until LISTEN cairn_cache is confirmed
 * again (cache_listening), the users cache is empty and every session is
 * checked before every request; and a value read from the database is kept
 * only if no invalidation arrived while it was read (cache_gen), so that a
 * read that raced a change cannot re-install the old value.
 */
#ifndef CAIRN_CACHE_H
#define CAIRN_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attr.h"

#define CACHE_USERS_MAX		10000	/* users by login */
#define CACHE_USER_PACKED_MAX	1024	/* bytes of one packed user */

struct server;
struct session;

struct cache_stats {
	uint64_t	user_hits, user_misses, user_stores;
	uint64_t	invalidations;		/* notifications heard */
	uint64_t	sessions_staled;	/* sessions marked by them */
	uint64_t	losses;			/* times the LISTEN went down */
	size_t		users;			/* entries now */
	bool		coherent;
};

void		 cache_init(struct server *);
void		 cache_free(void);

/* From events.c: LISTEN cairn_cache confirmed; the LISTEN connection lost;
 * a notification's payload. */
void		 cache_listening(void);
void		 cache_lost(void);
void		 cache_notified(const char *payload);

/* Sessions: the check just done (session.c, dispatch.c, token.c), and
 * whether it still holds without asking the database. */
void		 cache_session_checked(struct session *);
bool		 cache_session_fresh(const struct session *) MUST_CHECK;

/* Users by login.  cache_gen() before the read; cache_user_put() keeps the
 * packed user only if nothing was invalidated since. */
uint64_t	 cache_gen(void);
bool		 cache_user_get(const char *login, const char **packed,
		    size_t *len) MUST_CHECK;
void		 cache_user_put(uint64_t gen, const char *login, int64_t id,
		    const char *packed, size_t len);
/* A write of this cairnd to the user: forget it now, before the reply, so
 * that the writer's next read never sees the old value. */
void		 cache_user_forget(const char *login);

void		 cache_stats(struct cache_stats *);

#endif
