/*
 * metrics-http.h: the operator's plain-HTTP listener (--metrics
 * HOST:PORT): GET /metrics (metrics.h's text), /healthz and /readyz.
 * Never the TLS port; loopback only unless metrics_remote is set.
 *
 * Every input is bounded: MHTTP_MAX_CONNS connections at once (the next
 * one is answered 503 and closed), a request head of MHTTP_MAX_HEAD bytes
 * (431 beyond), MHTTP_TIMEOUT_S to send it and to read the answer.  GET
 * only (405), the three paths only (404); one request per
 * connection (Connection: close), so that no request body or pipelining
 * is ever read.
 */
#ifndef CAIRN_METRICS_HTTP_H
#define CAIRN_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/event.h>

#include "attr.h"

#define MHTTP_MAX_CONNS		16
#define MHTTP_MAX_HEAD		8192
#define MHTTP_TIMEOUT_S		10

/* /readyz: true when ready; else false with a one-line reason in why. */
typedef bool mhttp_ready_fn(void *arg, char *why, size_t len);

struct mhttp;

/* Listen on addr (HOST:PORT, numeric).  NULL with err filled when the
 * address is malformed, not loopback without allow_remote, or taken. */
struct mhttp	*mhttp_new(struct event_base *, const char *addr,
		    bool allow_remote, mhttp_ready_fn *, void *arg, char *err,
		    size_t errlen) MUST_CHECK;
void		 mhttp_free(struct mhttp *);

#endif
