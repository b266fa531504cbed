/* bootstrap.h: cairnd --init-admin (start-up, blocking). */
#ifndef CAIRN_BOOTSTRAP_H
#define CAIRN_BOOTSTRAP_H

#include "config.h"

/* Returns the process exit status. */
int	bootstrap_admin(const struct config *, const char *conninfo);
/* 20 random characters of an unambiguous alphabet (xmalloc'ed). */
char	*password_generate(void);

#endif
