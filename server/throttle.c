/*
 * throttle.c: failed password checks, counted in the database (see
 * throttle.h and sql/005_login_throttle.sql).  This file holds no counts of
 * its own: only the settings and the steps that read and write the table.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "throttle.h"
#include "xmalloc.h"

/* What the statements return, read by the steps below. */
static const struct field throttle_check_f[] = {
	{ "failures", F_HIDDEN }, { "locked_s", F_HIDDEN },
	{ "other_logins", F_HIDDEN }, { "other_wait_s", F_HIDDEN }
};
static const struct fieldset FS_THROTTLE_CHECK = FIELDSET("throttle check",
    throttle_check_f);

static const struct field throttle_fail_f[] = {
	{ "failures", F_HIDDEN }, { "total", F_HIDDEN },
	{ "delay_ms", F_HIDDEN }, { "locked", F_HIDDEN }
};
static const struct fieldset FS_THROTTLE_FAIL = FIELDSET("throttle failure",
    throttle_fail_f);

/*
 * The statements, with their parameters by name (stmt.h), gathered by
 * entities.c.  Bookkeeping, not data: no audit entry (a failed login is
 * logged instead), or anyone could grow the audit log without limit.
 * $addr is always throttle_addr_key()'s.
 */
const stmt_table throttle_stmts = {
	/* The pair's live failures, seconds it stays locked, the address's
	 * other live names (up to $cap) and seconds until the first of
	 * them expires. */
	[ST_THROTTLE_CHECK] = { .name = "throttle_check", .kind = STMT_READ,
	    .params = "login addr cap",
	    .sql = "SELECT coalesce(p.failures, 0) AS failures,"
	    " coalesce(ceil(extract(epoch FROM p.locked_until - now())), 0)"
	    " AS locked_s, a.n AS other_logins,"
	    " coalesce(ceil(extract(epoch FROM a.until - now())), 0)"
	    " AS other_wait_s"
	    " FROM (SELECT 1) one"
	    " LEFT JOIN login_throttle p ON p.login = $login"
	    " AND p.addr = $addr::inet AND p.expires_at > now()"
	    " CROSS JOIN LATERAL (SELECT count(*) AS n, min(x.expires_at)"
	    " AS until FROM (SELECT expires_at FROM login_throttle"
	    " WHERE addr = $addr::inet AND login <> $login"
	    " AND expires_at > now()"
	    " ORDER BY expires_at LIMIT $cap::integer) x) a",
	    .returns = &FS_THROTTLE_CHECK },

	/* One more failure of the pair: failures, total, delay_ms,
	 * locked. */
	[ST_THROTTLE_FAIL] = { .name = "throttle_fail", .kind = STMT_WRITE,
	    .params = "login addr slow_after max_failures lockout delay_max",
	    .sql = "SELECT failures, total, delay_ms, locked"
	    " FROM login_throttle_fail($login, $addr::inet,"
	    " $slow_after::integer, $max_failures::integer,"
	    " $lockout::integer, $delay_max::integer)",
	    .returns = &FS_THROTTLE_FAIL },

	/* The right password ends its streak (other addresses' failures
	 * stay). */
	[ST_THROTTLE_OK] = { .name = "throttle_ok", .kind = STMT_WRITE,
	    .params = "login addr",
	    .sql = "DELETE FROM login_throttle WHERE login = $login"
	    " AND addr = $addr::inet" },
};

struct throttle {
	char	slow_after[16], max_failures[16], lockout[16], addr_logins[16];
	char	delay_max[16];
};

/* A step under way: the request and where to go on. */
struct tstep {
	struct request	*req;
	char		 addr[INET6_ADDRSTRLEN + 4];	/* throttle_addr_key */
	const char	*field, *what;
	union {
		throttle_check_cb	*check;
		throttle_fail_cb	*fail;
		throttle_ok_cb		*ok;
	} cb;
};

struct throttle *
throttle_new(const struct config *cf)
{
	struct throttle *t = xcalloc(1, sizeof *t);

	/* Kept as text: they only ever go to the database as parameters. */
	snprintf(t->slow_after, sizeof t->slow_after, "%d",
	    cf->login_slow_after);
	snprintf(t->max_failures, sizeof t->max_failures, "%d",
	    cf->login_max_failures);
	snprintf(t->lockout, sizeof t->lockout, "%d", cf->login_lockout);
	snprintf(t->addr_logins, sizeof t->addr_logins, "%d",
	    cf->login_addr_logins);
	snprintf(t->delay_max, sizeof t->delay_max, "%d",
	    THROTTLE_DELAY_MAX_MS);
	return t;
}

void
throttle_free(struct throttle *t)
{
	free(t);
}

void
throttle_addr_key(const char *peer, char *out, size_t outlen)
{
	struct in6_addr a6;
	struct in_addr a4;
	char buf[INET6_ADDRSTRLEN];

	if (inet_pton(AF_INET, peer, &a4) == 1) {
		snprintf(out, outlen, "%s", peer);
		return;
	}
	if (inet_pton(AF_INET6, peer, &a6) != 1) {
		/* Not an IP address (cannot happen for TCP): one bucket. */
		snprintf(out, outlen, "0.0.0.0");
		return;
	}
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		memcpy(&a4, &a6.s6_addr[12], 4);
		inet_ntop(AF_INET, &a4, buf, sizeof buf);
		snprintf(out, outlen, "%s", buf);
		return;
	}
	/* One host usually has a whole /64: count it as one address. */
	memset(&a6.s6_addr[8], 0, 8);
	inet_ntop(AF_INET6, &a6, buf, sizeof buf);
	snprintf(out, outlen, "%s/64", buf);
}

/* A step of req for login, with statement st's common parameters (each
 * declares $login and $addr) set in sp. */
static struct tstep *
step_new(struct request *req, const char *login, enum stmt st,
    struct stmt_params *sp)
{
	struct tstep *s = xcalloc(1, sizeof *s);

	s->req = req;
	throttle_addr_key(req->conn->peer, s->addr, sizeof s->addr);
	stmt_params_init(sp, st);
	sp_set(sp, "login", login);
	sp_set(sp, "addr", s->addr);
	return s;
}

/* Columns: the pair's failures, seconds it stays locked, the address's
 * other live names (up to the cap) and seconds until the first expires. */
static void
on_checked(void *arg, const PGresult *res)
{
	struct tstep *s = arg;
	struct request *req = s->req;
	struct server *srv = req->conn->srv;
	int failures, locked, names, wait;

	if (!db_ok(res) || PQntuples(res) != 1) {
		free(s);
		req_fail_db(req, res);
		return;
	}
	failures = row_int(res, 0, "failures");
	locked = row_int(res, 0, "locked_s");
	names = row_int(res, 0, "other_logins");
	wait = row_int(res, 0, "other_wait_s");
	if (locked > 0) {
		req_count_throttle("login_locked");
		req_fail(req, E_LIMIT, s->field, "too many %s: try again in "
		    "%d s", s->what, locked);
		free(s);
		return;
	}
	if (failures == 0 && names >= srv->cf->login_addr_logins) {
		log_conn(LOG_LVL_INFO, req->conn,
		    "refused: failing for %d names", names);
		req_count_throttle("login_addr");
		req_fail(req, E_LIMIT, s->field, "too many %s from your "
		    "address: try again in %d s", s->what, wait > 0 ? wait : 1);
		free(s);
		return;
	}
	s->cb.check(req, failures);
	free(s);
}

void
throttle_check(struct request *req, const char *login, const char *field,
    const char *what, throttle_check_cb *cb)
{
	struct throttle *t = req->conn->srv->throttle;
	struct stmt_params sp;
	struct tstep *s = step_new(req, login, ST_THROTTLE_CHECK, &sp);
	enum wire_err why;

	s->field = field;
	s->what = what;
	s->cb.check = cb;
	sp_set(&sp, "cap", t->addr_logins);
	if (db_query_named(req->conn->srv->db, &sp, on_checked, s, &why))
		return;
	free(s);
	if (why == E_LIMIT)
		req_fail(req, E_LIMIT, NULL, "server busy, try again");
	else
		req_fail(req, E_UNAVAILABLE, NULL,
		    "database unavailable, try again later");
}

/* When the query could not even be queued: answer from the loop all the
 * same, never from inside the call. */
static void
later(struct tstep *s, event_callback_fn fn)
{
	struct timeval now = { 0, 0 };

	if (event_base_once(s->req->conn->srv->base, -1, EV_TIMEOUT, fn, s,
	    &now) != 0)
		fatalx("event_base_once failed");
}

static void
on_failed(void *arg, const PGresult *res)
{
	struct tstep *s = arg;
	struct request *req = s->req;
	int delay = THROTTLE_DELAY_MAX_MS;

	if (db_ok(res) && PQntuples(res) == 1) {
		delay = row_int(res, 0, "delay_ms");
		if (row_bool(res, 0, "locked"))
			log_conn(LOG_LVL_INFO, req->conn,
			    "locked out after %s failures",
			    row_text(res, 0, "failures"));
	} else {
		/* Uncounted, the failure still gets the longest delay, so
		 * that an overloaded database does not speed up guessing. */
		const char *rule, *msg;
		db_error(res, &rule, &msg);
		log_conn(LOG_LVL_WARN, req->conn,
		    "failed password check not counted: %s", msg);
	}
	s->cb.fail(req, delay);
	free(s);
}

static void
failed_later(evutil_socket_t fd, short what, void *arg)
{
	on_failed(arg, NULL);
}

void
throttle_fail(struct request *req, const char *login, throttle_fail_cb *cb)
{
	struct throttle *t = req->conn->srv->throttle;
	struct stmt_params sp;
	struct tstep *s = step_new(req, login, ST_THROTTLE_FAIL, &sp);
	enum wire_err why;

	s->cb.fail = cb;
	sp_set(&sp, "slow_after", t->slow_after);
	sp_set(&sp, "max_failures", t->max_failures);
	sp_set(&sp, "lockout", t->lockout);
	sp_set(&sp, "delay_max", t->delay_max);
	/* Not req_db(): whatever happens, the caller gives its own answer. */
	if (!db_query_named(req->conn->srv->db, &sp, on_failed, s, &why))
		later(s, failed_later);
}

static void
on_cleared(void *arg, const PGresult *res)
{
	struct tstep *s = arg;

	if (!db_ok(res))
		log_conn(LOG_LVL_WARN, s->req->conn,
		    "failed password checks not cleared");
	s->cb.ok(s->req);
	free(s);
}

static void
cleared_later(evutil_socket_t fd, short what, void *arg)
{
	on_cleared(arg, NULL);
}

void
throttle_ok(struct request *req, const char *login, throttle_ok_cb *cb)
{
	struct stmt_params sp;
	struct tstep *s = step_new(req, login, ST_THROTTLE_OK, &sp);
	enum wire_err why;

	s->cb.ok = cb;
	if (!db_query_named(req->conn->srv->db, &sp, on_cleared, s, &why))
		later(s, cleared_later);
}
