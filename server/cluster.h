/*
 * cluster.h: the embedded PostgreSQL cluster that cairnd runs in its data
 * directory when no --db is given.  Start-up only: these calls block.
 */
#ifndef CAIRN_CLUSTER_H
#define CAIRN_CLUSTER_H

#include <stdbool.h>

#include "config.h"

/* initdb if needed, start (or adopt) postgres, create the database.
 * On success *conninfo is a libpq connection string (caller frees). */
bool	cluster_start(const struct config *, char **conninfo);
/* Stop the cluster started by cluster_start (fast shutdown). */
void	cluster_stop(void);

#endif
