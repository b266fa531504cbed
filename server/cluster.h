/*
 * cluster.h: the embedded PostgreSQL cluster that cairnd runs in its data
 * directory when no --db is given.  cluster_start and cluster_stop block
 * (start-up and shut-down only); cluster_supervise never does.
 */
#ifndef CAIRN_CLUSTER_H
#define CAIRN_CLUSTER_H

#include <stdbool.h>

#include "config.h"

struct event_base;

/* initdb if needed, start (or adopt) postgres, create the database.
 * On success *conninfo is a libpq connection string (caller frees). */
bool	cluster_start(const struct config *, char **conninfo)
	    __attribute__((warn_unused_result));
/* Stop the cluster started by cluster_start (fast shutdown). */
void	cluster_stop(void);
/* While the loop runs: restart a cluster whose postmaster died, with
 * backoff (1 s doubling to 30 s), pg_ctl in a child watched by a timer.
 * Call after the privilege drop; nothing when there is no cluster. */
void	cluster_supervise(struct event_base *);

#endif
