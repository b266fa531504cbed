/*
 * resolve.h: host name lookups off the event loop.  getaddrinfo() blocks
 * for as long as the resolver takes (seconds when it does not answer), so
 * each lookup runs in a thread of its own and its answer comes back to the
 * loop thread through an event.  A lookup that is cancelled (its owner went
 * away) is forgotten: the thread frees it when the resolver finally
 * returns, and no callback runs.
 */
#ifndef CAIRN_RESOLVE_H
#define CAIRN_RESOLVE_H

#include <stdbool.h>

#include <event2/event.h>

#include "attr.h"

struct lookup;

/* Runs on the loop thread.  addr is the numeric address (NULL: failed,
 * err says why); both die after return. */
typedef void lookup_cb(void *arg, const char *addr, const char *err);

/* True when host needs no lookup: empty, a socket directory (starts with
 * '/' or '@'), or already a numeric IPv4/IPv6 address. */
bool		 host_is_literal(const char *host) MUST_CHECK;

/* NULL if no thread could be started (err set). */
struct lookup	*lookup_start(struct event_base *, const char *host,
		    lookup_cb *, void *arg) __attribute__((warn_unused_result));
void		 lookup_cancel(struct lookup *);

#endif
