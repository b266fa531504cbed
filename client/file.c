/*
 * file.c: writing a file without following links (file.h).  The attack
 * it stops: someone who can write in the directory plants a link at the
 * name cairn writes to ("export --out FILE" used to open FILE.tmp with
 * fopen) and cairn, run by someone else, writes through it.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "xmalloc.h"

#define TMP_TRIES	8

static void
random_hex(char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[8];
	size_t i;

	if (getentropy(rnd, sizeof rnd) != 0) {
		/* Unpredictable names only make collisions rare: O_EXCL
		 * already refuses a planted file, whatever its name. */
		uint64_t x = (uint64_t)getpid() * 2654435761u ^
		    (uint64_t)(uintptr_t)buf;
		memcpy(rnd, &x, sizeof rnd);
	}
	for (i = 0; i < sizeof rnd && 2 * i + 2 < len; i++) {
		buf[2 * i] = hex[rnd[i] >> 4];
		buf[2 * i + 1] = hex[rnd[i] & 0xf];
	}
	buf[2 * i] = '\0';
}

bool
file_open(struct file_out *fo, int dirfd, const char *name, mode_t mode,
    char *err, size_t errlen)
{
	char rnd[17];
	int fd = -1, tries;

	*fo = (struct file_out){ .dirfd = dirfd, .name = xstrdup(name) };
	for (tries = 0; tries < TMP_TRIES; tries++) {
		random_hex(rnd, sizeof rnd);
		free(fo->tmp);
		xasprintf(&fo->tmp, "%s.tmp-%s", name, rnd);
		fd = openat(dirfd, fo->tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, mode & 0700);
		if (fd != -1 || errno != EEXIST)
			break;
	}
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", fo->tmp, strerror(errno));
		goto fail;
	}
	/* The mode asked for, exactly: open's mode went through the umask. */
	if (fchmod(fd, mode) != 0 || (fo->f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", fo->tmp, strerror(errno));
		close(fd);
		unlinkat(dirfd, fo->tmp, 0);
		goto fail;
	}
	return true;
fail:
	free(fo->tmp);
	free(fo->name);
	*fo = (struct file_out){ .dirfd = AT_FDCWD };
	return false;
}

static void
file_free(struct file_out *fo)
{
	free(fo->tmp);
	free(fo->name);
	*fo = (struct file_out){ .dirfd = AT_FDCWD };
}

void
file_abort(struct file_out *fo)
{
	if (fo->f == NULL)
		return;
	fclose(fo->f);
	unlinkat(fo->dirfd, fo->tmp, 0);
	file_free(fo);
}

bool
file_commit(struct file_out *fo, char *err, size_t errlen)
{
	int e;

	if (fflush(fo->f) != 0 || ferror(fo->f) || fsync(fileno(fo->f)) != 0) {
		e = errno;
		snprintf(err, errlen, "%s: %s", fo->name, strerror(e ? e : EIO));
		file_abort(fo);
		return false;
	}
	if (fclose(fo->f) != 0 || renameat(fo->dirfd, fo->tmp, fo->dirfd,
	    fo->name) != 0) {
		snprintf(err, errlen, "%s: %s", fo->name, strerror(errno));
		unlinkat(fo->dirfd, fo->tmp, 0);
		file_free(fo);
		return false;
	}
	file_free(fo);
	return true;
}

mode_t
file_dir_mode(mode_t mode)
{
	return mode | (mode & 0444) >> 2;
}

static MUST_CHECK bool
empty_dir(int fd)
{
	struct dirent *e;
	bool empty = true;
	DIR *d;
	int dup_fd = dup(fd);

	if (dup_fd == -1 || (d = fdopendir(dup_fd)) == NULL) {
		if (dup_fd != -1)
			close(dup_fd);
		return false;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = false;
	closedir(d);
	return empty;
}

int
file_dir_open(const char *path, mode_t mode, char *err, size_t errlen)
{
	bool made;
	struct stat st;
	int fd;

	made = mkdir(path, 0700) == 0;	/* mkdir never follows a link */
	if (!made && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, errno == ELOOP ||
		    errno == ENOTDIR ? "exists and is not a directory (a "
		    "link is not followed)" : strerror(errno));
		return -1;
	}
	/* Someone else's directory (made there before us, or swapped in
	 * after our mkdir) could be emptied or refilled behind our back. */
	if (fstat(fd, &st) != 0 || st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: not a directory of ours", path);
		close(fd);
		return -1;
	}
	if (!made && !empty_dir(fd)) {
		snprintf(err, errlen, "%s: exists and is not an empty "
		    "directory", path);
		close(fd);
		return -1;
	}
	if (made && fchmod(fd, file_dir_mode(mode)) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

bool
file_mode_parse(const char *s, mode_t *mode)
{
	size_t n = strlen(s), i;
	mode_t m = 0;

	if (n == 4 && s[0] == '0') {
		s++;
		n--;
	}
	if (n != 3)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '7')
			return false;
		m = m * 8 + (mode_t)(s[i] - '0');
	}
	*mode = m;
	return true;
}
