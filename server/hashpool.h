/*
 * hashpool.h: argon2id off the event loop.  A login costs ~19 MiB and tens
 * of milliseconds of CPU; doing it on the loop would stall every client.
 * Workers take jobs from a bounded queue; results come back to the loop
 * thread, where the job's callback runs.
 */
#ifndef CAIRN_HASHPOOL_H
#define CAIRN_HASHPOOL_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/event.h>

/* OWASP's minimum for argon2id: m = 19 MiB, t = 2, p = 1. */
#define ARGON2_M_KIB	19456
#define ARGON2_T	2
#define ARGON2_P	1

struct hashpool;
struct hashjob;

/* Runs on the loop thread.  For HASH, encoded is the new hash (NULL on
 * failure); for VERIFY, match tells the outcome.  Both die after return. */
typedef void hashjob_cb(void *arg, bool match, const char *encoded);

struct hashpool	*hashpool_new(struct event_base *, int threads, size_t queue);
void		 hashpool_free(struct hashpool *);
size_t		 hashpool_busy(struct hashpool *);

/* False when the queue is full (answer E_LIMIT). */
bool		 hashpool_hash(struct hashpool *, const char *password,
		    hashjob_cb *, void *);
bool		 hashpool_verify(struct hashpool *, const char *password,
		    const char *encoded, hashjob_cb *, void *);

/* Blocking versions for start-up (--init-admin). */
char		*password_hash_now(const char *password);
bool		 password_verify_now(const char *password, const char *encoded);

#endif
