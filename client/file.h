/*
 * file.h: every file the cairn client writes (exports, CSV tables,
 * reports, the session) is written the one way config_save first did:
 * a new temporary file beside it, created with O_EXCL|O_NOFOLLOW under a
 * random name (so a link or file planted there is never written through
 * or into), given its mode with fchmod (the umask does not loosen or
 * tighten it), flushed to disk, then renamed over the name, which
 * replaces a link there rather than following it.  A reader never sees
 * half a file; a failed write leaves nothing behind.
 */
#ifndef CAIRN_FILE_H
#define CAIRN_FILE_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "attr.h"

/* What the client's files are made with unless --mode says otherwise:
 * they hold what the server lets this user read, often private. */
#define FILE_MODE_DEFAULT	0600

struct file_out {
	FILE	*f;		/* write here between open and commit */
	int	 dirfd;		/* AT_FDCWD, or the directory name is in */
	char	*name;		/* the final name, within dirfd */
	char	*tmp;		/* the temporary one, beside it */
};

/* Opens a temporary file for name (relative to dirfd, which may be
 * AT_FDCWD); err says why not. */
bool	file_open(struct file_out *, int dirfd, const char *name, mode_t,
	    char *err, size_t errlen) MUST_CHECK;
/* Flushes, syncs and renames it into place; on failure the temporary
 * file is removed.  Either way fo is finished with. */
bool	file_commit(struct file_out *, char *err, size_t errlen)
	    MUST_CHECK;
/* Closes and removes the temporary file: nothing is written. */
void	file_abort(struct file_out *);

/*
 * A directory for files of ours: made with mode (the umask aside) if it
 * is missing; if it exists it must be empty, a directory and not a link
 * to one, and ours.  Returns an open descriptor of it for file_open, or
 * -1 with err set.
 */
int	file_dir_open(const char *path, mode_t, char *err, size_t errlen)
	    MUST_CHECK;
/* The directory mode that goes with a file mode: x wherever r is. */
mode_t	file_dir_mode(mode_t);

/* "--mode": octal permission bits, 3 or 4 digits ("600", "0640"); no
 * setuid, setgid or sticky bit.  False for anything else. */
bool	file_mode_parse(const char *, mode_t *)
	    MUST_CHECK;

#endif
