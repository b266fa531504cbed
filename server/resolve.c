/*
 * resolve.c: see resolve.h.  One detached thread per lookup: lookups are
 * rare (a database reconnect) and bounded by the pool size, since a
 * connection starts no new lookup while one is pending.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/thread.h>

#include "log.h"
#include "resolve.h"
#include "xmalloc.h"

struct lookup {
	pthread_mutex_t	 lock;
	char		*host;
	char		 addr[INET6_ADDRSTRLEN];
	char		 err[128];
	bool		 ok;
	bool		 done;		/* the thread has finished */
	bool		 cancelled;	/* the owner has gone */
	struct event	*ev;		/* activated by the thread */
	lookup_cb	*cb;
	void		*arg;
};

bool
host_is_literal(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	return *host == '\0' || *host == '/' || *host == '@' ||
	    inet_pton(AF_INET, host, &a4) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1;
}

static void
lookup_free(struct lookup *l)
{
	pthread_mutex_destroy(&l->lock);
	free(l->host);
	free(l);
}

static void *
lookup_thread(void *arg)
{
	struct lookup *l = arg;
	struct addrinfo hints, *res = NULL;
	bool gone;
	int e;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	e = getaddrinfo(l->host, NULL, &hints, &res);
	pthread_mutex_lock(&l->lock);
	if (e != 0)
		snprintf(l->err, sizeof l->err, "%s", gai_strerror(e));
	else if (getnameinfo(res->ai_addr, res->ai_addrlen, l->addr,
	    sizeof l->addr, NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(l->err, sizeof l->err, "unprintable address");
	else
		l->ok = true;
	if (res != NULL)
		freeaddrinfo(res);
	l->done = true;
	gone = l->cancelled;
	/* Under the lock: lookup_cancel() frees the event under it too. */
	if (!gone)
		event_active(l->ev, EV_READ, 0);
	pthread_mutex_unlock(&l->lock);
	if (gone)
		lookup_free(l);
	return NULL;
}

static void
on_lookup_done(evutil_socket_t fd, short what, void *arg)
{
	struct lookup *l = arg;

	/* Wait for the thread to let go of the lock; after that it never
	 * touches l again. */
	pthread_mutex_lock(&l->lock);
	pthread_mutex_unlock(&l->lock);
	event_free(l->ev);
	l->cb(l->arg, l->ok ? l->addr : NULL, l->ok ? NULL : l->err);
	lookup_free(l);
}

struct lookup *
lookup_start(struct event_base *base, const char *host, lookup_cb *cb,
    void *arg)
{
	struct lookup *l = xcalloc(1, sizeof *l);
	pthread_attr_t attr;
	pthread_t t;
	int e;

	pthread_mutex_init(&l->lock, NULL);
	l->host = xstrdup(host);
	l->cb = cb;
	l->arg = arg;
	l->ev = event_new(base, -1, 0, on_lookup_done, l);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	e = pthread_create(&t, &attr, lookup_thread, l);
	pthread_attr_destroy(&attr);
	if (e != 0) {
		log_warnx("resolve %s: cannot start a thread: %s", host,
		    strerror(e));
		event_free(l->ev);
		lookup_free(l);
		return NULL;
	}
	return l;
}

void
lookup_cancel(struct lookup *l)
{
	bool done;

	if (l == NULL)
		return;
	pthread_mutex_lock(&l->lock);
	l->cancelled = true;
	done = l->done;
	/* Delete the event while holding the lock: the thread activates it
	 * only under the lock and only when not cancelled. */
	event_free(l->ev);
	l->ev = NULL;
	pthread_mutex_unlock(&l->lock);
	/* Done: the thread has let go, and the activated event is gone. */
	if (done)
		lookup_free(l);
}
