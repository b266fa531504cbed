/*
 * privdrop.c: the switch from root to the service account.
 *
 * The account defaults to the embedded cluster's (postgres), so that the
 * supervisor can run pg_ctl directly; with an embedded cluster it must be
 * that account.  initgroups() gives the account its own supplementary
 * groups (Debian's ssl-cert, say, to read a key in /etc/ssl/private) and
 * drops root's.
 */
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "privdrop.h"
#include "xmalloc.h"

static bool	 p_drop;		/* started as root: drop before serving */
static char	*p_name, *p_home;
static uid_t	 p_uid;
static gid_t	 p_gid;
static char	 p_hint[256];

bool
priv_init(const struct config *cf)
{
	const char *name = cf->user != NULL ? cf->user : cf->cluster_user;
	struct passwd *pw;

	if (getuid() != 0 && geteuid() != 0) {
		/* Already unprivileged: nothing to become.  An explicit user
		 * we cannot switch to is an error, not a silent no-op. */
		if (cf->user != NULL && ((pw = getpwnam(cf->user)) == NULL ||
		    pw->pw_uid != geteuid())) {
			log_warnx("user %s: cairnd was not started as root, so "
			    "it cannot become another account (it is uid %u)",
			    cf->user, (unsigned)geteuid());
			return false;
		}
		return true;
	}
	if ((pw = getpwnam(name)) == NULL) {
		log_warnx("cairnd does not serve as root, and there is no "
		    "account '%s' to serve as: create it or set user "
		    "(--user NAME)", name);
		return false;
	}
	if (pw->pw_uid == 0) {
		log_warnx("user %s is root (uid 0): cairnd does not serve as "
		    "root; give an unprivileged account", name);
		return false;
	}
	p_uid = pw->pw_uid;
	p_gid = pw->pw_gid;
	p_name = xstrdup(pw->pw_name);
	p_home = xstrdup(pw->pw_dir);
	if (cf->data_dir != NULL) {
		struct passwd *cpw = getpwnam(cf->cluster_user);

		if (cpw != NULL && cpw->pw_uid != p_uid) {
			log_warnx("user %s: with data_dir cairnd serves as the "
			    "cluster's account (cluster_user %s), so that it "
			    "can restart the cluster", name, cf->cluster_user);
			return false;
		}
	}
	p_drop = true;
	snprintf(p_hint, sizeof p_hint, " (cairnd runs as %s: the files "
	    "must be readable by it)", p_name);
	return true;
}

bool
priv_drop(void)
{
	if (!p_drop)
		return true;
	if (initgroups(p_name, p_gid) != 0 || setgid(p_gid) != 0 ||
	    setuid(p_uid) != 0) {
		log_warn("cannot become %s (uid %u): refusing to serve as root",
		    p_name, (unsigned)p_uid);
		return false;
	}
	/* setuid() as root changes the real, effective and saved ids; prove
	 * that no way back is left. */
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 ||
	    setegid(0) == 0 || getuid() != p_uid || geteuid() != p_uid ||
	    getgid() != p_gid || getegid() != p_gid) {
		log_warnx("privileges not dropped: root could be regained; "
		    "refusing to serve");
		return false;
	}
	setenv("HOME", p_home, 1);
	setenv("USER", p_name, 1);
	setenv("LOGNAME", p_name, 1);
	log_info("serving as %s (uid %u, gid %u)", p_name, (unsigned)p_uid,
	    (unsigned)p_gid);
	return true;
}

const char *
priv_hint(void)
{
	return p_drop ? p_hint : "";
}
