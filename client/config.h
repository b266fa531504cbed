/*
 * config.h: the remembered session, $XDG_CONFIG_HOME/cairn/session (by
 * default ~/.config/cairn/session).  It holds a bearer token, so the
 * directory is 0700 and the file 0600, written whole and renamed into
 * place so that a reader never sees half a file.
 *
 * Format: "key=value" lines; keys server, ca, token, login.  Unknown keys
 * and lines starting with '#' are ignored, so later versions may add keys.
 */
#ifndef CAIRN_CONFIG_H
#define CAIRN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "attr.h"

struct config {
	char	*server;	/* HOST:PORT logged in to */
	char	*ca;		/* absolute path of the CA file */
	char	*token;
	char	*login;
};

/* The session file's path (allocated), or NULL with err set. */
char	*config_path(char *err, size_t errlen) MUST_CHECK;
/* A missing file is not an error: cfg is then left empty. */
bool	 config_load(struct config *, char *err, size_t errlen) MUST_CHECK;
bool	 config_save(const struct config *, char *err, size_t errlen)
	    MUST_CHECK;
/* Removing a file that is not there succeeds. */
bool	 config_remove(char *err, size_t errlen) MUST_CHECK;
void	 config_free(struct config *);

#endif
