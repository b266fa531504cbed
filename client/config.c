/*
 * config.c: reading and writing the remembered session; see config.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "config.h"
#include "file.h"
#include "xmalloc.h"

/* The directory holding the session file (allocated), or NULL. */
static MUST_CHECK char *
config_dir(char *err, size_t errlen)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	struct passwd *pw;
	char *dir;

	/* The XDG spec says to ignore a relative XDG_CONFIG_HOME. */
	if (xdg != NULL && xdg[0] == '/') {
		xasprintf(&dir, "%s/cairn", xdg);
		return dir;
	}
	if (home == NULL || home[0] == '\0') {
		if ((pw = getpwuid(getuid())) == NULL || pw->pw_dir == NULL) {
			snprintf(err, errlen, "cannot find the home directory: "
			    "set HOME or XDG_CONFIG_HOME");
			return NULL;
		}
		home = pw->pw_dir;
	}
	xasprintf(&dir, "%s/.config/cairn", home);
	return dir;
}

char *
config_path(char *err, size_t errlen)
{
	char *dir, *path;

	if ((dir = config_dir(err, errlen)) == NULL)
		return NULL;
	xasprintf(&path, "%s/session", dir);
	free(dir);
	return path;
}

void
config_free(struct config *cfg)
{
	/* The token is a credential: do not leave it in freed memory. */
	if (cfg->token != NULL)
		OPENSSL_cleanse(cfg->token, strlen(cfg->token));
	free(cfg->server);
	free(cfg->ca);
	free(cfg->token);
	free(cfg->login);
	memset(cfg, 0, sizeof *cfg);
}

static void
config_set(struct config *cfg, const char *key, const char *val)
{
	char **slot;

	if (strcmp(key, "server") == 0)
		slot = &cfg->server;
	else if (strcmp(key, "ca") == 0)
		slot = &cfg->ca;
	else if (strcmp(key, "token") == 0)
		slot = &cfg->token;
	else if (strcmp(key, "login") == 0)
		slot = &cfg->login;
	else
		return;
	free(*slot);
	*slot = val[0] != '\0' ? xstrdup(val) : NULL;
}

bool
config_load(struct config *cfg, char *err, size_t errlen)
{
	char *path, *line = NULL, *eq;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	memset(cfg, 0, sizeof *cfg);
	if ((path = config_path(err, errlen)) == NULL)
		return false;
	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT) {
			free(path);
			return true;
		}
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(path);
		return false;
	}
	while ((n = getline(&line, &cap, f)) != -1) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (line[0] == '#' || (eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		config_set(cfg, line, eq + 1);
	}
	if (line != NULL)
		OPENSSL_cleanse(line, cap);
	free(line);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		fclose(f);
		free(path);
		config_free(cfg);
		return false;
	}
	fclose(f);
	free(path);
	return true;
}

/* mkdir -p, with 0700 for what we create: the session is private. */
static MUST_CHECK bool
make_dirs(char *dir, char *err, size_t errlen)
{
	struct stat sb;
	char *p;

	for (p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(dir, 0700) == 0) {
			/* mkdir obeys the umask; the mode must not. */
			chmod(dir, 0700);
		} else if (errno != EEXIST ||
		    stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			snprintf(err, errlen, "%s: %s", dir,
			    errno == EEXIST ? "not a directory" :
			    strerror(errno));
			*p = c;
			return false;
		}
		*p = c;
		if (c == '\0')
			return true;
	}
}

static bool
has_newline(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") != NULL;
}

static void
put(FILE *f, const char *key, const char *val)
{
	if (val != NULL)
		fprintf(f, "%s=%s\n", key, val);
}

bool
config_save(const struct config *cfg, char *err, size_t errlen)
{
	struct file_out fo;
	char *dir, *path = NULL;
	bool ok = false;

	if (has_newline(cfg->server) || has_newline(cfg->ca) ||
	    has_newline(cfg->token) || has_newline(cfg->login)) {
		snprintf(err, errlen, "cannot save a value with a newline");
		return false;
	}
	if ((dir = config_dir(err, errlen)) == NULL)
		return false;
	if (!make_dirs(dir, err, errlen))
		goto out;
	xasprintf(&path, "%s/session", dir);
	/* file.c: never written through a link or into someone's file. */
	if (!file_open(&fo, AT_FDCWD, path, 0600, err, errlen))
		goto out;
	fputs("# cairn session: holds a credential, keep private\n", fo.f);
	put(fo.f, "server", cfg->server);
	put(fo.f, "ca", cfg->ca);
	put(fo.f, "token", cfg->token);
	put(fo.f, "login", cfg->login);
	ok = file_commit(&fo, err, errlen);
out:
	free(path);
	free(dir);
	return ok;
}

bool
config_remove(char *err, size_t errlen)
{
	char *path;

	if ((path = config_path(err, errlen)) == NULL)
		return false;
	if (unlink(path) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(path);
		return false;
	}
	free(path);
	return true;
}
