/* bootstrap.h: cairnd --init-admin (start-up, blocking). */
#ifndef CAIRN_BOOTSTRAP_H
#define CAIRN_BOOTSTRAP_H

#include "attr.h"
#include "config.h"

/* Returns the process exit status. */
int	bootstrap_admin(const struct config *, const char *conninfo)
	    MUST_CHECK;

#endif
