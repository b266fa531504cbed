/*
 * hashpool.h: argon2id off the event loop.  A login costs ~19 MiB and tens
 * of milliseconds of CPU; doing it on the loop would stall every client.
 * Results come back to the loop thread, where the job's callback runs.
 *
 * The workers are shared fairly between sources (an IPv4 address or an
 * IPv6 /64, as addrcount.h counts them): each source has its own queue, of
 * at most per_source jobs, and the workers take one job from each source
 * in turn, the source served least recently first.  A job from a source
 * with nothing queued therefore waits for the jobs running and at most one
 * job of each other source, however many one source sends; a source's
 * excess is refused at once, and only its own.  The total is bounded too
 * (queue), so memory is: a job holds a password of 1 KiB at most.
 */
#ifndef CAIRN_HASHPOOL_H
#define CAIRN_HASHPOOL_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/event.h>

#include "addrcount.h"
#include "attr.h"

/* OWASP's minimum for argon2id: m = 19 MiB, t = 2, p = 1. */
#define ARGON2_M_KIB	19456
#define ARGON2_T	2
#define ARGON2_P	1

struct hashpool;
struct hashjob;

/* Runs on the loop thread.  For HASH, encoded is the new hash (NULL on
 * failure); for VERIFY, match tells the outcome.  Both die after return. */
typedef void hashjob_cb(void *arg, bool match, const char *encoded);

struct hashpool	*hashpool_new(struct event_base *, int threads, size_t queue,
		    size_t per_source) MUST_CHECK;
void		 hashpool_free(struct hashpool *);
size_t		 hashpool_busy(struct hashpool *);
/* Jobs waiting for a worker (the metrics' queue). */
size_t		 hashpool_queued(struct hashpool *);

/* Why a job was not queued (answer E_LIMIT). */
enum hash_refusal { HASH_QUEUED, HASH_SOURCE_FULL, HASH_FULL };

/* src: the requester's address (family 0: a source of its own). */
enum hash_refusal hashpool_hash(struct hashpool *, const struct addrkey *src,
		    const char *password, hashjob_cb *, void *)
		    __attribute__((warn_unused_result));
enum hash_refusal hashpool_verify(struct hashpool *,
		    const struct addrkey *src, const char *password,
		    const char *encoded, hashjob_cb *, void *)
		    __attribute__((warn_unused_result));
/* The job queued for arg, if it has not started: dropped (its callback
 * never runs) and true.  For a connection that closed while its login
 * waited: its hash would be work for nobody. */
bool		 hashpool_cancel(struct hashpool *, const void *arg)
		    __attribute__((warn_unused_result));
/* Would a job from src be queued now?  Asked before a login's database
 * work, so that a source's excess is refused before it costs anything. */
enum hash_refusal hashpool_room(struct hashpool *, const struct addrkey *src)
		    __attribute__((warn_unused_result));
/* The words of an E_LIMIT answer for a refusal. */
const char	*hash_refusal_str(enum hash_refusal);
/* request.c: answer E_LIMIT for a refusal; nothing for HASH_QUEUED. */
struct request;
void		 hash_or_fail(struct request *, enum hash_refusal);

/* Blocking versions for start-up (--init-admin). */
char		*password_hash_now(const char *password) MUST_CHECK;
bool		 password_verify_now(const char *password, const char *encoded)
	    MUST_CHECK;

#endif
