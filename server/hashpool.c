/*
 * hashpool.c: a fixed set of pthreads, a line of sources each with its own
 * queue of jobs, and a queue of jobs done.  Passwords are wiped from memory
 * as soon as a job is done with them.
 *
 * The line is ordered by when each source was last served (its tag: a
 * counter of jobs taken; 0 for a source never served), oldest first, and
 * among equals by arrival.  A source served goes to the back.  So sources
 * that keep jobs waiting take turns (round-robin), and a source that comes
 * back after a while, or for the first time, goes ahead of those served
 * since: a genuine login during a flood waits for the hashes running and
 * at most one job of each source served less recently than it, never for
 * a source's backlog.
 *
 * Sources with no job waiting are remembered (up to IDLE_MAX, the oldest
 * forgotten first), so that leaving the line does not put a source back at
 * its head; a forgotten one only counts as never served.  Both lists are
 * searched linearly on submission, which costs microseconds next to the
 * hash that follows.
 */
#include <sys/queue.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <event2/thread.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "attr.h"
#include "hashpool.h"
#include "log.h"
#include "xmalloc.h"

enum job_kind { JOB_HASH, JOB_VERIFY };

struct hashjob {
	TAILQ_ENTRY(hashjob)	 entry;
	enum job_kind		 kind;
	char			*password;
	char			*encoded;	/* in for VERIFY, out for HASH */
	bool			 match;
	hashjob_cb		*cb;
	void			*arg;
	struct addrkey		 src;
};
TAILQ_HEAD(jobq, hashjob);

#define IDLE_MAX	1024

/* One address's jobs waiting, in the order they came. */
struct source {
	TAILQ_ENTRY(source)	 entry;		/* in the line, or idle */
	struct addrkey		 key;
	struct jobq		 jobs;
	size_t			 n;
	uint64_t		 tag;		/* when last served; 0: never */
	int			 failed;	/* verifications failed in a
						 * row */
};

/* After this many failed verifications in a row, a source waits behind
 * every source that has not failed so (until one succeeds). */
#define SUSPECT_AFTER	3

static bool MUST_CHECK
suspect(const struct source *s)
{
	return s->failed >= SUSPECT_AFTER;
}

/* Is a served before b? */
static bool MUST_CHECK
goes_before(const struct source *a, const struct source *b)
{
	if (suspect(a) != suspect(b))
		return !suspect(a);
	return a->tag <= b->tag;
}
TAILQ_HEAD(sourceq, source);

struct hashpool {
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct sourceq		 ring;		/* the line, taken from the head */
	struct sourceq		 idle;		/* no job waiting, oldest first */
	size_t			 nidle;
	uint64_t		 served;	/* jobs taken: the tags */
	struct jobq		 done;
	size_t			 ntodo, max_todo, per_source, outstanding;
	bool			 stopping;
	int			 nthreads;
	pthread_t		*threads;
	struct event		*done_ev;	/* activated by workers */
};

#define ENCODED_MAX	128

static void	source_idle(struct hashpool *, struct source *);
static bool MUST_CHECK
same_source(const struct addrkey *, const struct addrkey *);
static void	line_insert(struct hashpool *, struct source *);

/*
 * Under the lock: a verification of src's has failed or succeeded.  A
 * source that becomes a suspect, or stops being one, moves in the line.
 */
static void
source_outcome(struct hashpool *hp, const struct addrkey *src, bool match)
{
	struct source *s;
	bool was;

	TAILQ_FOREACH(s, &hp->ring, entry)
		if (same_source(&s->key, src)) {
			was = suspect(s);
			s->failed = match ? 0 : s->failed + 1;
			if (was != suspect(s)) {
				TAILQ_REMOVE(&hp->ring, s, entry);
				line_insert(hp, s);
			}
			return;
		}
	TAILQ_FOREACH(s, &hp->idle, entry)
		if (same_source(&s->key, src)) {
			s->failed = match ? 0 : s->failed + 1;
			return;
		}
}

char *
password_hash_now(const char *pw)
{
	unsigned char salt[16];
	char *enc = xmalloc(ENCODED_MAX);

	if (RAND_bytes(salt, sizeof salt) != 1 ||
	    argon2id_hash_encoded(ARGON2_T, ARGON2_M_KIB, ARGON2_P, pw,
	    strlen(pw), salt, sizeof salt, 32, enc, ENCODED_MAX) != ARGON2_OK) {
		free(enc);
		return NULL;
	}
	return enc;
}

bool
password_verify_now(const char *pw, const char *encoded)
{
	return argon2id_verify(encoded, pw, strlen(pw)) == ARGON2_OK;
}

static void
job_free(struct hashjob *j)
{
	if (j->password != NULL) {
		OPENSSL_cleanse(j->password, strlen(j->password));
		free(j->password);
	}
	free(j->encoded);
	free(j);
}

/* Into the line, behind every source that goes before it (tags only
 * grow, so a source just served walks back over the suspects at most). */
static void
line_insert(struct hashpool *hp, struct source *s)
{
	struct source *before = TAILQ_LAST(&hp->ring, sourceq);

	while (before != NULL && !goes_before(before, s))
		before = TAILQ_PREV(before, sourceq, entry);
	if (before == NULL)
		TAILQ_INSERT_HEAD(&hp->ring, s, entry);
	else
		TAILQ_INSERT_AFTER(&hp->ring, before, s, entry);
}

/*
 * The next job, under the lock: the first of the source at the head of the
 * line, which then goes to the back of the line if it has more, or to the
 * idle sources.
 */
static struct hashjob *
take_next(struct hashpool *hp)
{
	struct source *s = TAILQ_FIRST(&hp->ring);
	struct hashjob *j = TAILQ_FIRST(&s->jobs);

	TAILQ_REMOVE(&s->jobs, j, entry);
	s->n--;
	hp->ntodo--;
	TAILQ_REMOVE(&hp->ring, s, entry);
	s->tag = ++hp->served;
	if (s->n > 0) {
		line_insert(hp, s);
		return j;
	}
	source_idle(hp, s);
	return j;
}

static void *
worker(void *arg)
{
	struct hashpool *hp = arg;
	struct hashjob *j;

	for (;;) {
		pthread_mutex_lock(&hp->lock);
		while (TAILQ_EMPTY(&hp->ring) && !hp->stopping)
			pthread_cond_wait(&hp->cond, &hp->lock);
		if (hp->stopping) {
			pthread_mutex_unlock(&hp->lock);
			return NULL;
		}
		j = take_next(hp);
		pthread_mutex_unlock(&hp->lock);

		if (j->kind == JOB_HASH)
			j->encoded = password_hash_now(j->password);
		else
			j->match = password_verify_now(j->password,
			    j->encoded);
		OPENSSL_cleanse(j->password, strlen(j->password));

		pthread_mutex_lock(&hp->lock);
		if (j->kind == JOB_VERIFY)
			source_outcome(hp, &j->src, j->match);
		TAILQ_INSERT_TAIL(&hp->done, j, entry);
		pthread_mutex_unlock(&hp->lock);
		event_active(hp->done_ev, EV_READ, 0);
	}
}

static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	struct hashpool *hp = arg;
	struct jobq batch;
	struct hashjob *j;

	TAILQ_INIT(&batch);
	pthread_mutex_lock(&hp->lock);
	TAILQ_CONCAT(&batch, &hp->done, entry);
	pthread_mutex_unlock(&hp->lock);
	while ((j = TAILQ_FIRST(&batch)) != NULL) {
		TAILQ_REMOVE(&batch, j, entry);
		hp->outstanding--;
		j->cb(j->arg, j->match, j->kind == JOB_HASH ? j->encoded :
		    NULL);
		job_free(j);
	}
}

struct hashpool *
hashpool_new(struct event_base *base, int threads, size_t queue,
    size_t per_source)
{
	struct hashpool *hp = xcalloc(1, sizeof *hp);

	pthread_mutex_init(&hp->lock, NULL);
	pthread_cond_init(&hp->cond, NULL);
	TAILQ_INIT(&hp->ring);
	TAILQ_INIT(&hp->idle);
	TAILQ_INIT(&hp->done);
	hp->max_todo = queue;
	hp->per_source = per_source;
	hp->done_ev = event_new(base, -1, EV_PERSIST, on_done, hp);
	hp->nthreads = threads;
	hp->threads = xcalloc(threads, sizeof *hp->threads);
	for (int i = 0; i < threads; i++)
		if (pthread_create(&hp->threads[i], NULL, worker, hp) != 0)
			fatalx("cannot start hashing thread");
	return hp;
}

void
hashpool_free(struct hashpool *hp)
{
	struct hashjob *j;
	struct source *s;

	if (hp == NULL)
		return;
	pthread_mutex_lock(&hp->lock);
	hp->stopping = true;
	pthread_cond_broadcast(&hp->cond);
	pthread_mutex_unlock(&hp->lock);
	for (int i = 0; i < hp->nthreads; i++)
		pthread_join(hp->threads[i], NULL);
	while (!TAILQ_EMPTY(&hp->ring))
		job_free(take_next(hp));
	while ((s = TAILQ_FIRST(&hp->idle)) != NULL) {
		TAILQ_REMOVE(&hp->idle, s, entry);
		free(s);
	}
	while ((j = TAILQ_FIRST(&hp->done)) != NULL) {
		TAILQ_REMOVE(&hp->done, j, entry);
		job_free(j);
	}
	event_free(hp->done_ev);
	pthread_mutex_destroy(&hp->lock);
	pthread_cond_destroy(&hp->cond);
	free(hp->threads);
	free(hp);
}

size_t
hashpool_busy(struct hashpool *hp)
{
	return hp->outstanding;
}

size_t
hashpool_queued(struct hashpool *hp)
{
	size_t n;

	pthread_mutex_lock(&hp->lock);
	n = hp->ntodo;
	pthread_mutex_unlock(&hp->lock);
	return n;
}

static bool
same_source(const struct addrkey *a, const struct addrkey *b)
{
	/* An address we do not count is a source of its own. */
	return a->family != 0 && a->family == b->family &&
	    memcmp(a->b, b->b, sizeof a->b) == 0;
}

/* Under the lock: a source with nothing left waiting leaves the line. */
static void
source_idle(struct hashpool *hp, struct source *s)
{
	TAILQ_INSERT_TAIL(&hp->idle, s, entry);
	if (++hp->nidle > IDLE_MAX) {
		struct source *old = TAILQ_FIRST(&hp->idle);
		TAILQ_REMOVE(&hp->idle, old, entry);
		hp->nidle--;
		free(old);
	}
}

bool
hashpool_cancel(struct hashpool *hp, const void *arg)
{
	struct source *s;
	struct hashjob *j = NULL;

	pthread_mutex_lock(&hp->lock);
	TAILQ_FOREACH(s, &hp->ring, entry) {
		TAILQ_FOREACH(j, &s->jobs, entry)
			if (j->arg == arg)
				break;
		if (j != NULL)
			break;
	}
	if (j != NULL) {
		TAILQ_REMOVE(&s->jobs, j, entry);
		s->n--;
		hp->ntodo--;
		hp->outstanding--;
		if (s->n == 0) {
			TAILQ_REMOVE(&hp->ring, s, entry);
			source_idle(hp, s);
		}
	}
	pthread_mutex_unlock(&hp->lock);
	if (j == NULL)
		return false;
	job_free(j);
	return true;
}

enum hash_refusal
hashpool_room(struct hashpool *hp, const struct addrkey *src)
{
	enum hash_refusal r = HASH_QUEUED;
	struct source *s;

	pthread_mutex_lock(&hp->lock);
	TAILQ_FOREACH(s, &hp->ring, entry)
		if (same_source(&s->key, src))
			break;
	if (s != NULL && s->n >= hp->per_source)
		r = HASH_SOURCE_FULL;
	else if (hp->ntodo >= hp->max_todo)
		r = HASH_FULL;
	pthread_mutex_unlock(&hp->lock);
	return r;
}

static enum hash_refusal
submit(struct hashpool *hp, const struct addrkey *src, struct hashjob *j)
{
	struct source *s, *idle = NULL;

	pthread_mutex_lock(&hp->lock);
	TAILQ_FOREACH(s, &hp->ring, entry)
		if (same_source(&s->key, src))
			break;
	if (s == NULL)
		TAILQ_FOREACH(idle, &hp->idle, entry)
			if (same_source(&idle->key, src))
				break;
	if (s != NULL && s->n >= hp->per_source) {
		pthread_mutex_unlock(&hp->lock);
		job_free(j);
		return HASH_SOURCE_FULL;
	}
	if (hp->ntodo >= hp->max_todo) {
		pthread_mutex_unlock(&hp->lock);
		job_free(j);
		return HASH_FULL;
	}
	j->src = *src;
	if (s == NULL) {
		if ((s = idle) != NULL) {
			TAILQ_REMOVE(&hp->idle, s, entry);
			hp->nidle--;
		} else {
			s = xcalloc(1, sizeof *s);
			s->key = *src;
			TAILQ_INIT(&s->jobs);
		}
		line_insert(hp, s);
	}
	TAILQ_INSERT_TAIL(&s->jobs, j, entry);
	s->n++;
	hp->ntodo++;
	hp->outstanding++;
	pthread_cond_signal(&hp->cond);
	pthread_mutex_unlock(&hp->lock);
	return HASH_QUEUED;
}

enum hash_refusal
hashpool_hash(struct hashpool *hp, const struct addrkey *src, const char *pw,
    hashjob_cb *cb, void *arg)
{
	struct hashjob *j = xcalloc(1, sizeof *j);

	j->kind = JOB_HASH;
	j->password = xstrdup(pw);
	j->cb = cb;
	j->arg = arg;
	return submit(hp, src, j);
}

enum hash_refusal
hashpool_verify(struct hashpool *hp, const struct addrkey *src,
    const char *pw, const char *encoded, hashjob_cb *cb, void *arg)
{
	struct hashjob *j = xcalloc(1, sizeof *j);

	j->kind = JOB_VERIFY;
	j->password = xstrdup(pw);
	j->encoded = xstrdup(encoded);
	j->cb = cb;
	j->arg = arg;
	return submit(hp, src, j);
}

const char *
hash_refusal_str(enum hash_refusal r)
{
	switch (r) {
	case HASH_SOURCE_FULL:
		return "too many password checks from your address at once "
		    "(hash_queue_per_addr), try again";
	case HASH_FULL:
		return "server busy, try again";
	case HASH_QUEUED:
		break;
	}
	return "queued";
}
