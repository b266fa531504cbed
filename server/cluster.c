/*
 * cluster.c: a private PostgreSQL 15 in DIR/pgdata, listening only on a unix
 * socket in DIR (no TCP), trust authentication on that socket (the directory
 * is 0700, so only its owner and root can reach it).
 *
 * PostgreSQL refuses to run as root, so when cairnd is root the cluster is
 * run as an unprivileged account (cluster_user, Debian's "postgres") and DIR
 * is owned by it.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "cluster.h"
#include "log.h"
#include "xmalloc.h"

#define CLUSTER_DB	"cairn"
#define CLUSTER_ROLE	"cairn"

static char	 c_dir[PATH_MAX];
static char	 c_pgdata[PATH_MAX];
static char	 c_bindir[PATH_MAX];
static uid_t	 c_uid = (uid_t)-1;
static gid_t	 c_gid = (gid_t)-1;
static bool	 c_started;
static int	 c_lockfd = -1;

/*
 * One cairnd per data directory: the lock is held for the life of the
 * process, so a second server (or --init-admin) cannot adopt and later stop
 * a cluster that a live cairnd is using.  A cairnd that died released it.
 */
static bool
lock_dir(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/cairnd.lock", c_dir);
	c_lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (c_lockfd == -1) {
		log_warn("%s", path);
		return false;
	}
	if (flock(c_lockfd, LOCK_EX | LOCK_NB) != 0) {
		log_warnx("data directory %s is in use by another cairnd",
		    c_dir);
		close(c_lockfd);
		c_lockfd = -1;
		return false;
	}
	return true;
}

static const char *
find_bindir(const struct config *cf)
{
	static const char *guesses[] = {
		"/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin",
		"/usr/lib/postgresql/17/bin", "/usr/local/pgsql/bin",
		"/usr/bin", NULL
	};
	char p[PATH_MAX];

	if (cf->pg_bindir != NULL)
		return cf->pg_bindir;
	for (int i = 0; guesses[i] != NULL; i++) {
		snprintf(p, sizeof p, "%s/initdb", guesses[i]);
		if (access(p, X_OK) == 0)
			return guesses[i];
	}
	return NULL;
}

/* Run a PostgreSQL program as the cluster's account; returns exit status. */
static int
run_as(const char *prog, char *const argv[], bool quiet)
{
	char path[PATH_MAX];
	pid_t pid;
	int st;

	snprintf(path, sizeof path, "%s/%s", c_bindir, prog);
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		if (c_uid != (uid_t)-1) {
			struct passwd *pw = getpwuid(c_uid);
			if (setgid(c_gid) != 0 || (pw && initgroups(pw->pw_name,
			    c_gid) != 0) || setuid(c_uid) != 0)
				_exit(126);
			if (pw)
				setenv("HOME", pw->pw_dir, 1);
		}
		if (chdir(c_dir) != 0)
			_exit(126);
		if (quiet) {
			FILE *n = freopen("/dev/null", "w", stdout);
			(void)n;
		}
		execv(path, argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			fatal("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static bool
write_conf(void)
{
	char path[PATH_MAX];
	FILE *f;

	/* Our settings live in their own file, rewritten at every start so
	 * that a moved data directory still finds its socket. */
	snprintf(path, sizeof path, "%s/cairn.conf", c_pgdata);
	if ((f = fopen(path, "w")) == NULL) {
		log_warn("%s", path);
		return false;
	}
	fprintf(f, "# written by cairnd at every start: do not edit\n"
	    "listen_addresses = ''\n"
	    "unix_socket_directories = '");
	for (const char *p = c_dir; *p; p++)
		fprintf(f, *p == '\'' ? "''" : "%c", *p);
	fprintf(f, "'\nunix_socket_permissions = 0700\n"
	    "max_connections = 200\n"
	    "shared_buffers = 128MB\n"
	    "logging_collector = off\n");
	fclose(f);
	if (c_uid != (uid_t)-1 && chown(path, c_uid, c_gid) != 0)
		log_warn("chown %s", path);
	return true;
}

static bool
init_cluster(void)
{
	char path[PATH_MAX];
	FILE *f;
	char *argv[] = { "initdb", "-D", c_pgdata, "-U", CLUSTER_ROLE,
	    "-A", "trust", "-E", "UTF8", "--no-locale", "--no-instructions",
	    NULL };

	log_info("creating PostgreSQL cluster in %s", c_pgdata);
	if (run_as("initdb", argv, true) != 0) {
		log_warnx("initdb failed (is %s reachable by its account?)",
		    c_pgdata);
		return false;
	}
	snprintf(path, sizeof path, "%s/postgresql.conf", c_pgdata);
	if ((f = fopen(path, "a")) == NULL) {
		log_warn("%s", path);
		return false;
	}
	fprintf(f, "\ninclude_if_exists = 'cairn.conf'\n");
	fclose(f);
	return true;
}

/* Start-up only, before the event loop exists: blocking libpq is fine. */
static bool
create_database(const char *conninfo_admin)
{
	PGconn *pg = PQconnectdb(conninfo_admin);
	const char *p[1] = { CLUSTER_DB };
	PGresult *r;
	bool ok = false;

	if (PQstatus(pg) != CONNECTION_OK) {
		log_warnx("cluster: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return false;
	}
	r = PQexecParams(pg, "SELECT 1 FROM pg_database WHERE datname = $1",
	    1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		ok = true;
	PQclear(r);
	if (!ok) {
		/* A fixed name: no user text in this statement. */
		r = PQexec(pg, "CREATE DATABASE " CLUSTER_DB);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			log_warnx("create database: %s", PQerrorMessage(pg));
		PQclear(r);
	}
	PQfinish(pg);
	return ok;
}

static char *
conninfo_for(const char *db)
{
	char *s, *q = xmalloc(2 * strlen(c_dir) + 1), *o = q;

	for (const char *p = c_dir; *p; p++) {
		if (*p == '\'' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o = '\0';
	xasprintf(&s, "host='%s' user=" CLUSTER_ROLE " dbname=%s "
	    "application_name=cairnd", q, db);
	free(q);
	return s;
}

bool
cluster_start(const struct config *cf, char **conninfo)
{
	const char *bindir;
	char pgversion[PATH_MAX], *admin;
	char logpath[PATH_MAX];
	char *start_argv[] = { "pg_ctl", "start", "-w", "-t", "120", "-s",
	    "-D", c_pgdata, "-l", logpath, NULL };
	struct stat sb;

	if ((bindir = find_bindir(cf)) == NULL) {
		log_warnx("cannot find initdb: install postgresql-15 or set "
		    "pg_bindir");
		return false;
	}
	snprintf(c_bindir, sizeof c_bindir, "%s", bindir);
	if (mkdir(cf->data_dir, 0700) != 0 && errno != EEXIST) {
		log_warn("mkdir %s", cf->data_dir);
		return false;
	}
	if (realpath(cf->data_dir, c_dir) == NULL) {
		log_warn("%s", cf->data_dir);
		return false;
	}
	/* The socket path must fit in sun_path (108 bytes). */
	if (strlen(c_dir) + sizeof "/.s.PGSQL.5432.lock" > 107) {
		log_warnx("data directory path too long for a unix socket: %s",
		    c_dir);
		return false;
	}
	if (!lock_dir())
		return false;
	snprintf(c_pgdata, sizeof c_pgdata, "%s/pgdata", c_dir);
	snprintf(logpath, sizeof logpath, "%s/postgres.log", c_dir);

	if (geteuid() == 0) {
		struct passwd *pw = getpwnam(cf->cluster_user);
		if (pw == NULL) {
			log_warnx("running as root and there is no '%s' "
			    "account to run PostgreSQL", cf->cluster_user);
			return false;
		}
		c_uid = pw->pw_uid;
		c_gid = pw->pw_gid;
		if (chown(c_dir, c_uid, c_gid) != 0) {
			log_warn("chown %s", c_dir);
			return false;
		}
		if (stat(c_pgdata, &sb) == 0 && sb.st_uid != c_uid) {
			log_warnx("%s is not owned by %s", c_pgdata,
			    cf->cluster_user);
			return false;
		}
		/* If the account cannot reach DIR, initdb fails obscurely. */
		pid_t pid = fork();
		if (pid == 0) {
			if (setgid(c_gid) != 0 || setuid(c_uid) != 0)
				_exit(2);
			_exit(access(c_dir, R_OK | W_OK | X_OK) == 0 ? 0 : 1);
		}
		int st = 0;
		waitpid(pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			log_warnx("account '%s' cannot reach %s: choose a "
			    "data directory outside private home directories "
			    "(e.g. --data-dir /var/lib/cairn)", cf->cluster_user,
			    c_dir);
			return false;
		}
	}
	chmod(c_dir, 0700);

	snprintf(pgversion, sizeof pgversion, "%s/PG_VERSION", c_pgdata);
	if (access(pgversion, F_OK) != 0 && !init_cluster())
		return false;
	if (!write_conf())
		return false;

	admin = conninfo_for("postgres");
	if (PQping(admin) == PQPING_OK) {
		/* Left running by a cairnd that died: use it, stop it later. */
		log_info("adopting the PostgreSQL already running in %s",
		    c_pgdata);
	} else {
		/* A stale postmaster.pid from a crash is handled by postgres
		 * itself, and WAL recovery runs as it starts.  Right after a
		 * crash the old processes may still be exiting (or not yet
		 * reaped) and hold the lock file: try again for a while. */
		log_info("starting PostgreSQL in %s", c_pgdata);
		for (int tries = 1; run_as("pg_ctl", start_argv, false) != 0;
		    tries++) {
			if (tries == 15) {
				log_warnx("PostgreSQL did not start: see %s",
				    logpath);
				free(admin);
				return false;
			}
			log_warnx("PostgreSQL did not start, retrying");
			sleep(1);
		}
	}
	c_started = true;

	if (!create_database(admin)) {
		free(admin);
		cluster_stop();
		return false;
	}
	free(admin);
	*conninfo = conninfo_for(CLUSTER_DB);
	return true;
}

void
cluster_stop(void)
{
	char *argv[] = { "pg_ctl", "stop", "-w", "-s", "-m", "fast", "-D",
	    c_pgdata, NULL };

	if (!c_started)
		return;
	c_started = false;
	log_info("stopping PostgreSQL");
	if (run_as("pg_ctl", argv, false) != 0)
		log_warnx("pg_ctl stop failed");
}
