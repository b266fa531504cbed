/*
 * cluster.c: a private PostgreSQL 15 in DIR/pgdata, listening only on a unix
 * socket in DIR (no TCP), trust authentication on that socket (the directory
 * is 0700, so only its owner and root can reach it).
 *
 * PostgreSQL refuses to run as root, so when cairnd is root the cluster is
 * run as an unprivileged account (cluster_user, Debian's "postgres") and DIR
 * is owned by it.
 *
 * That account then controls DIR and DIR/pgdata: anything it puts there (a
 * symbolic link in place of cairn.conf, say) must not make root write,
 * create or chown a file elsewhere.  So root opens nothing in them by path:
 * DIR is opened one component at a time without following links, the lock
 * file with O_NOFOLLOW, and every file inside pgdata is written by a child
 * that has become the cluster's account, so the kernel checks its rights.
 *
 * While cairnd serves, a timer watches the postmaster (cluster_supervise)
 * and restarts a cluster whose postmaster died, off the event loop.
 */
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "attr.h"
#include "cluster.h"
#include "log.h"
#include "xmalloc.h"

#define CLUSTER_DB	"cairn"
#define CLUSTER_ROLE	"cairn"

static char	 c_dir[PATH_MAX];
static char	 c_pgdata[PATH_MAX];
static char	 c_bindir[PATH_MAX];
static char	 c_logpath[PATH_MAX];
static uid_t	 c_uid = (uid_t)-1;	/* -1: run as ourselves */
static gid_t	 c_gid = (gid_t)-1;
static char	*c_name, *c_home;	/* of c_uid, looked up at start */
static bool	 c_started;
static int	 c_lockfd = -1;
static int	 c_dirfd = -1;		/* DIR, opened without links */

/* The supervisor (cluster_supervise). */
static struct event_base *w_base;
static pid_t	 w_child = -1;		/* a pg_ctl start under way */
static int	 w_attempt;		/* restart attempts since the death */
static int	 w_delay;		/* s, doubling from 1 to W_MAX_DELAY */
static time_t	 w_next;		/* monotonic s of the next attempt */
#define W_MAX_DELAY	30
#define W_START_WAIT	"60"		/* s pg_ctl start -w may take */

/* True when the cluster's programs must be run through a setuid child. */
static bool MUST_CHECK
need_switch(void)
{
	return c_uid != (uid_t)-1 && geteuid() != c_uid;
}

/* In a child: become the cluster's account for good (groups included). */
static bool MUST_CHECK
become_account(void)
{
	if (!need_switch())
		return true;
	if (initgroups(c_name, c_gid) != 0 || setgid(c_gid) != 0 ||
	    setuid(c_uid) != 0)
		return false;
	if (c_home != NULL)
		setenv("HOME", c_home, 1);
	return true;
}

static int MUST_CHECK
wait_child(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			fatal("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/*
 * Run fn as the cluster's account: in a child when we are root (start-up
 * only, no threads yet), directly otherwise.
 */
static bool MUST_CHECK
as_account(bool (*fn)(void *), void *arg)
{
	pid_t pid;

	if (!need_switch())
		return fn(arg);
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		if (!become_account()) {
			log_warn("cannot become %s", c_name);
			_exit(126);
		}
		_exit(fn(arg) ? 0 : 1);
	}
	return wait_child(pid) == 0;
}

/*
 * Open an absolute path that realpath() produced, refusing a symbolic link
 * at any component: one swapped in since then by whoever owns a parent
 * would otherwise send our fchown and fchmod elsewhere.
 */
static int MUST_CHECK
open_dir_nofollow(const char *path)
{
	char buf[PATH_MAX], *comp, *save;
	int fd, next;

	snprintf(buf, sizeof buf, "%s", path);
	if ((fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	for (comp = strtok_r(buf, "/", &save); comp != NULL;
	    comp = strtok_r(NULL, "/", &save)) {
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		close(fd);
		if ((fd = next) == -1)
			return -1;
	}
	return fd;
}

/*
 * One cairnd per data directory: the lock is held for the life of the
 * process, so a second server (or --init-admin) cannot adopt and later stop
 * a cluster that a live cairnd is using.  A cairnd that died released it.
 */
static bool MUST_CHECK
lock_dir(void)
{
	char path[PATH_MAX];

	struct stat sb;

	/* DIR may belong to the cluster's account: never follow a link. */
	snprintf(path, sizeof path, "%s/cairnd.lock", c_dir);
	c_lockfd = openat(c_dirfd, "cairnd.lock", O_RDWR | O_CREAT |
	    O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (c_lockfd == -1 && errno == ELOOP) {
		log_warnx("%s is a symbolic link: refusing to follow it "
		    "(remove it)", path);
		return false;
	}
	if (c_lockfd == -1) {
		log_warn("%s", path);
		return false;
	}
	if (fstat(c_lockfd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		log_warnx("%s is not a regular file (remove it)", path);
		close(c_lockfd);
		c_lockfd = -1;
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
static int MUST_CHECK
run_as(const char *prog, char *const argv[], bool quiet)
{
	char path[PATH_MAX];
	pid_t pid;

	snprintf(path, sizeof path, "%s/%s", c_bindir, prog);
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		if (!become_account())
			_exit(126);
		if (chdir(c_dir) != 0)
			_exit(126);
		if (quiet) {
			FILE *n = freopen("/dev/null", "w", stdout);
			(void)n;
		}
		execv(path, argv);
		_exit(127);
	}
	return wait_child(pid);
}

/*
 * Our settings live in their own file, rewritten at every start so that a
 * moved data directory still finds its socket.  Runs as the cluster's
 * account (as_account): a fresh file, then rename, which replaces whatever
 * was there (a link included) without following it.
 */
static bool MUST_CHECK
write_conf_cb(void *arg)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	FILE *f;
	int fd;

	snprintf(path, sizeof path, "%s/cairn.conf", c_pgdata);
	snprintf(tmp, sizeof tmp, "%s/cairn.conf.tmp", c_pgdata);
	if (unlink(tmp) != 0 && errno != ENOENT) {
		log_warn("%s", tmp);
		return false;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL) {
		log_warn("%s", tmp);
		if (fd != -1)
			close(fd);
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
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		log_warn("%s", tmp);
		fclose(f);
		return false;
	}
	fclose(f);
	if (rename(tmp, path) != 0) {
		log_warn("rename %s", path);
		return false;
	}
	return true;
}

static bool MUST_CHECK
write_conf(void)
{
	return as_account(write_conf_cb, NULL);
}

/* As the cluster's account: make postgresql.conf read cairn.conf. */
static bool MUST_CHECK
include_conf_cb(void *arg)
{
	static const char line[] = "\ninclude_if_exists = 'cairn.conf'\n";
	char path[PATH_MAX];
	int fd;
	bool ok;

	snprintf(path, sizeof path, "%s/postgresql.conf", c_pgdata);
	fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		log_warn("%s", path);
		return false;
	}
	ok = write(fd, line, sizeof line - 1) == (ssize_t)(sizeof line - 1);
	if (!ok)
		log_warn("%s", path);
	close(fd);
	return ok;
}

static bool MUST_CHECK
init_cluster(void)
{
	char *argv[] = { "initdb", "-D", c_pgdata, "-U", CLUSTER_ROLE,
	    "-A", "trust", "-E", "UTF8", "--no-locale", "--no-instructions",
	    NULL };

	log_info("creating PostgreSQL cluster in %s", c_pgdata);
	if (run_as("initdb", argv, true) != 0) {
		log_warnx("initdb failed (is %s reachable by its account?)",
		    c_pgdata);
		return false;
	}
	return as_account(include_conf_cb, NULL);
}

/* Start-up only, before the event loop exists: blocking libpq is fine. */
static bool MUST_CHECK
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
	char *logpath = c_logpath;
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
	if ((c_dirfd = open_dir_nofollow(c_dir)) == -1) {
		log_warn("%s (a symbolic link appeared in its path?)", c_dir);
		return false;
	}
	if (!lock_dir())
		return false;
	snprintf(c_pgdata, sizeof c_pgdata, "%s/pgdata", c_dir);
	snprintf(c_logpath, sizeof c_logpath, "%s/postgres.log", c_dir);

	if (geteuid() == 0) {
		struct passwd *pw = getpwnam(cf->cluster_user);
		if (pw == NULL) {
			log_warnx("running as root and there is no '%s' "
			    "account to run PostgreSQL", cf->cluster_user);
			return false;
		}
		c_uid = pw->pw_uid;
		c_gid = pw->pw_gid;
		c_name = xstrdup(pw->pw_name);
		c_home = xstrdup(pw->pw_dir);
		if (c_uid == 0) {
			log_warnx("cluster_user %s is root: PostgreSQL refuses "
			    "to run as root", cf->cluster_user);
			return false;
		}
		if (fchown(c_dirfd, c_uid, c_gid) != 0) {
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
		if (pid == -1)
			fatal("fork");
		if (pid == 0) {
			if (!become_account())
				_exit(2);
			_exit(access(c_dir, R_OK | W_OK | X_OK) == 0 ? 0 : 1);
		}
		if (wait_child(pid) != 0) {
			log_warnx("account '%s' cannot reach %s: choose a "
			    "data directory outside private home directories "
			    "(e.g. --data-dir /var/lib/cairn)", cf->cluster_user,
			    c_dir);
			return false;
		}
	}
	if (fchmod(c_dirfd, 0700) != 0)
		log_warn("chmod %s", c_dir);

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

	/* The loop is gone: a restart under way may finish first (reaped
	 * only; how it ended no longer matters, we stop the cluster next). */
	if (w_child > 0) {
		IGNORE_RESULT(wait_child(w_child));
		w_child = -1;
	}
	w_base = NULL;
	if (!c_started)
		return;
	c_started = false;
	log_info("stopping PostgreSQL");
	if (run_as("pg_ctl", argv, false) != 0)
		log_warnx("pg_ctl stop failed");
}

/*
 * Supervision.  A postmaster that dies (kill -9, the OOM killer) leaves
 * postmaster.pid naming a process that is gone; one stopped on purpose
 * (pg_ctl stop, in any mode) removes the file, and is left stopped.
 */
enum pm_state { PM_NONE, PM_ALIVE, PM_DEAD };

static long
read_pm_pid(void)
{
	char path[PATH_MAX], buf[32];
	ssize_t n;
	long pid;
	int fd;

	snprintf(path, sizeof path, "%s/postmaster.pid", c_pgdata);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 0 ? pid : -1;
}

/* A killed postmaster is a zombie until its parent (init, or whoever
 * pg_ctl left it to) reaps it, and kill(pid, 0) still succeeds. */
static bool MUST_CHECK
zombie(long pid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return false;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* "pid (comm) S ...": comm may hold spaces and parentheses. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return false;
	return p[2] == 'Z';
}

static enum pm_state
pm_state(long *pidp)
{
	long pid = read_pm_pid();

	*pidp = pid;
	if (pid == -1)
		return PM_NONE;
	/* EPERM: that number now belongs to someone else's process (the
	 * postmaster runs as our account); postgres reads it the same way. */
	if (kill((pid_t)pid, 0) == 0) {
		if (!zombie(pid))
			return PM_ALIVE;
	} else if (errno != ESRCH && errno != EPERM)
		return PM_ALIVE;
	/* A clean stop unlinks the file just before the process exits. */
	return read_pm_pid() == pid ? PM_DEAD : PM_NONE;
}

static time_t
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* In the child of a threaded process: system calls only until exec. */
static void
close_from(int lowfd)
{
	struct rlimit rl;
	long max = 4096;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0)
		return;
#endif
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		max = rl.rlim_cur < 65536 ? (long)rl.rlim_cur : 65536;
	for (long fd = lowfd; fd < max; fd++)
		close((int)fd);
}

static void
spawn_start(void)
{
	static char path[PATH_MAX];
	static char *argv[] = { "pg_ctl", "start", "-w", "-t", W_START_WAIT,
	    "-s", "-D", c_pgdata, "-l", c_logpath, NULL };
	pid_t pid;

	w_attempt++;
	snprintf(path, sizeof path, "%s/pg_ctl", c_bindir);
	log_info("restarting PostgreSQL in %s (attempt %d)", c_pgdata,
	    w_attempt);
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		log_warn("restart: fork");
		w_delay = w_delay == 0 ? 1 : w_delay * 2;
		if (w_delay > W_MAX_DELAY)
			w_delay = W_MAX_DELAY;
		w_next = now_s() + w_delay;
		return;
	}
	if (pid == 0) {
		/* The postmaster must not inherit our sockets: it would keep
		 * the port open after cairnd exits. */
		close_from(3);
		if (chdir(c_dir) != 0)
			_exit(126);
		execv(path, argv);
		_exit(127);
	}
	w_child = pid;
}

static void	arm_tick(void);

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	long pid;
	int st;

	if (w_base == NULL)
		return;
	if (w_child > 0) {
		pid_t r = waitpid(w_child, &st, WNOHANG);

		if (r == w_child) {
			w_child = -1;
			if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
				log_info("PostgreSQL restarted after %d "
				    "attempt%s", w_attempt,
				    w_attempt == 1 ? "" : "s");
				w_attempt = 0;
				w_delay = 0;
			} else {
				w_delay = w_delay == 0 ? 1 : w_delay * 2;
				if (w_delay > W_MAX_DELAY)
					w_delay = W_MAX_DELAY;
				w_next = now_s() + w_delay;
				log_warnx("PostgreSQL restart attempt %d failed "
				    "(see %s); next in %d s", w_attempt,
				    c_logpath, w_delay);
			}
		} else if (r == -1 && errno != EINTR) {
			log_warn("waitpid pg_ctl");
			w_child = -1;
			w_next = now_s() + W_MAX_DELAY;
		}
	} else if (w_attempt > 0) {
		/* Between attempts: someone may have started it by hand. */
		if (pm_state(&pid) == PM_ALIVE) {
			log_info("PostgreSQL is running again (pid %ld)", pid);
			w_attempt = 0;
			w_delay = 0;
		} else if (now_s() >= w_next)
			spawn_start();
	} else if (pm_state(&pid) == PM_DEAD) {
		log_warnx("PostgreSQL's postmaster (pid %ld) died: restarting "
		    "the cluster", pid);
		spawn_start();
	}
	arm_tick();
}

static void
arm_tick(void)
{
	struct timeval tv = { 1, 0 };

	/* A once-event: event_base_free() frees it with the base. */
	if (event_base_once(w_base, -1, EV_TIMEOUT, on_tick, NULL, &tv) != 0)
		log_warnx("cannot arm the cluster supervisor");
}

void
cluster_supervise(struct event_base *base)
{
	if (!c_started || base == NULL)
		return;
	if (need_switch()) {
		log_warnx("cluster supervision off: cairnd runs as uid %u, "
		    "the cluster as %s", (unsigned)geteuid(), c_name);
		return;
	}
	w_base = base;
	arm_tick();
}
