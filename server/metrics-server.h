/*
 * metrics-server.h: what cairnd tells an operator (docs/operations.md,
 * "Metrics", "Health checks"): its metrics read from the server's parts
 * (connections, the pool, the hash pool, watchers, the process), the
 * gauges read from the database by a periodic asynchronous query (outbox,
 * feeds, the schema's version), /readyz's answer, and the listener
 * (metrics-http.h) when `metrics` is set.
 */
#ifndef CAIRN_METRICS_SERVER_H
#define CAIRN_METRICS_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "attr.h"
#include "sql.h"

struct server;
struct mserver;

/* The periodic query, gathered by entities.c. */
extern const stmt_table	metrics_stmts;

/* Register the metrics and bind the listener (before privileges are
 * dropped: the port may be privileged).  NULL with err filled when the
 * listener cannot be set up. */
struct mserver	*mserver_new(struct server *, char *err, size_t errlen)
		    MUST_CHECK;
/* Start the periodic query (the pool exists now). */
void		 mserver_begin(struct mserver *);
/* /readyz: the pool has a connection up, the schema is the one this
 * cairnd runs, and the server is neither draining nor stopping. */
bool		 mserver_ready(const struct mserver *, char *why, size_t len)
		    MUST_CHECK;
void		 mserver_free(struct mserver *);

#endif
