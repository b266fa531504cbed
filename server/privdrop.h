/*
 * privdrop.h: cairnd never serves as root.  Started as root it does what
 * needs root (cluster, migrations, bind, reading the key), then becomes
 * an unprivileged account for good.
 */
#ifndef CAIRN_PRIVDROP_H
#define CAIRN_PRIVDROP_H

#include <stdbool.h>

#include "config.h"

/* Before anything else: find and check the account to serve as (user,
 * default cluster_user).  False, after logging why: do not start. */
bool	priv_init(const struct config *) __attribute__((warn_unused_result));
/* After bind and the key: become that account, and check that root
 * cannot be regained.  False, after logging why: do not serve. */
bool	priv_drop(void) __attribute__((warn_unused_result));
/* For messages about files read after the drop: "" or " (cairnd runs as
 * NAME: ...)". */
const char *priv_hint(void);

#endif
