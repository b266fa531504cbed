/*
 * hashpool.c: a fixed set of pthreads and two queues.  Passwords are wiped
 * from memory as soon as a job is done with them.
 */
#include <sys/queue.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <event2/thread.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

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
};
TAILQ_HEAD(jobq, hashjob);

struct hashpool {
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct jobq		 todo, done;
	size_t			 ntodo, max_todo, outstanding;
	bool			 stopping;
	int			 nthreads;
	pthread_t		*threads;
	struct event		*done_ev;	/* activated by workers */
};

#define ENCODED_MAX	128

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

static void *
worker(void *arg)
{
	struct hashpool *hp = arg;
	struct hashjob *j;

	for (;;) {
		pthread_mutex_lock(&hp->lock);
		while (TAILQ_EMPTY(&hp->todo) && !hp->stopping)
			pthread_cond_wait(&hp->cond, &hp->lock);
		if (hp->stopping) {
			pthread_mutex_unlock(&hp->lock);
			return NULL;
		}
		j = TAILQ_FIRST(&hp->todo);
		TAILQ_REMOVE(&hp->todo, j, entry);
		hp->ntodo--;
		pthread_mutex_unlock(&hp->lock);

		if (j->kind == JOB_HASH)
			j->encoded = password_hash_now(j->password);
		else
			j->match = password_verify_now(j->password,
			    j->encoded);
		OPENSSL_cleanse(j->password, strlen(j->password));

		pthread_mutex_lock(&hp->lock);
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
hashpool_new(struct event_base *base, int threads, size_t queue)
{
	struct hashpool *hp = xcalloc(1, sizeof *hp);

	pthread_mutex_init(&hp->lock, NULL);
	pthread_cond_init(&hp->cond, NULL);
	TAILQ_INIT(&hp->todo);
	TAILQ_INIT(&hp->done);
	hp->max_todo = queue;
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

	if (hp == NULL)
		return;
	pthread_mutex_lock(&hp->lock);
	hp->stopping = true;
	pthread_cond_broadcast(&hp->cond);
	pthread_mutex_unlock(&hp->lock);
	for (int i = 0; i < hp->nthreads; i++)
		pthread_join(hp->threads[i], NULL);
	while ((j = TAILQ_FIRST(&hp->todo)) != NULL) {
		TAILQ_REMOVE(&hp->todo, j, entry);
		job_free(j);
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

static bool
submit(struct hashpool *hp, struct hashjob *j)
{
	pthread_mutex_lock(&hp->lock);
	if (hp->ntodo >= hp->max_todo) {
		pthread_mutex_unlock(&hp->lock);
		job_free(j);
		return false;
	}
	TAILQ_INSERT_TAIL(&hp->todo, j, entry);
	hp->ntodo++;
	hp->outstanding++;
	pthread_cond_signal(&hp->cond);
	pthread_mutex_unlock(&hp->lock);
	return true;
}

bool
hashpool_hash(struct hashpool *hp, const char *pw, hashjob_cb *cb, void *arg)
{
	struct hashjob *j = xcalloc(1, sizeof *j);

	j->kind = JOB_HASH;
	j->password = xstrdup(pw);
	j->cb = cb;
	j->arg = arg;
	return submit(hp, j);
}

bool
hashpool_verify(struct hashpool *hp, const char *pw, const char *encoded,
    hashjob_cb *cb, void *arg)
{
	struct hashjob *j = xcalloc(1, sizeof *j);

	j->kind = JOB_VERIFY;
	j->password = xstrdup(pw);
	j->encoded = xstrdup(encoded);
	j->cb = cb;
	j->arg = arg;
	return submit(hp, j);
}
