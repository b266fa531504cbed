/*
 * watching.c: whether a connection is serving a watch (watch.h).  A
 * watch is registered by watch.c's on_ctx, which alone sets a request's
 * watch_free to watch_stream_free; before that (its facts still being
 * read) it may yet be refused, and the requests behind it wait their turn
 * as behind any other.
 */
#include "server.h"
#include "watch.h"

bool
watch_is_watching(const struct conn *c)
{
	return c->active != NULL && c->active->watch != NULL &&
	    c->active->watch_free == watch_stream_free;
}
