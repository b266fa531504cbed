/*
 * db-conn.c: bringing a pool connection up (see db.c): resolving the host
 * name in a thread (resolve.c), PQconnectStart with hostaddr, the session
 * settings, then one PQsendPrepare and one describe per statement.  What
 * each statement returns is learnt from its description and checked
 * against what it declares (stmt_def.returns), and every later connection
 * must describe the same.  Also the socket's event and the timer of a
 * connection (dbc_arm ...).  It is the lower layer: what happens to a
 * connection reaches the pool through the hooks db.c sets in struct db
 * (on_event, lost, ready), never by calling into db.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db-int.h"
#include "log.h"
#include "resolve.h"
#include "row.h"
#include "xmalloc.h"

/* The socket and timer of a connection. */

void
dbc_arm(struct dbc *c, short what)
{
	int fd = PQsocket(c->pg);

	/*
	 * The event is persistent and changed only when the socket or the
	 * wanted events change: most queries need no epoll_ctl at all.  The
	 * socket may change across reconnects: re-read it each time.
	 */
	if (c->ev != NULL && c->ev_fd == fd && c->ev_what == what)
		return;
	if (c->ev != NULL && c->ev_fd != fd) {
		event_free(c->ev);
		c->ev = NULL;
	}
	if (c->ev == NULL)
		c->ev = event_new(c->db->base, fd, what | EV_PERSIST, c->db->on_event,
		    c);
	else {
		event_del(c->ev);
		event_assign(c->ev, c->db->base, fd, what | EV_PERSIST,
		    c->db->on_event, c);
	}
	c->ev_fd = fd;
	c->ev_what = what;
	event_add(c->ev, NULL);
}

void
dbc_set_timer(struct dbc *c, enum dbc_timer why, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	c->timer_why = why;
	evtimer_add(c->timer, &tv);
}

void
dbc_clear_timer(struct dbc *c)
{
	c->timer_why = T_NONE;
	evtimer_del(c->timer);
}

/* After sending: flush, then wait for the reply. */
void
dbc_arm_flush(struct dbc *c)
{
	int r = PQflush(c->pg);

	if (r == -1)
		c->db->lost(c, PQerrorMessage(c->pg));
	else
		dbc_arm(c, r == 1 ? EV_READ | EV_WRITE : EV_READ);
}


void
dbc_send_prepare(struct dbc *c)
{
	int ok;

	if (c->prep < 0) {
		char v[32];
		const char *p[1] = { v };

		snprintf(v, sizeof v, "%d", c->db->statement_timeout);
		ok = PQsendQueryParams(c->pg, "SELECT set_config("
		    "'statement_timeout', $1, false)", 1, NULL, p, NULL, NULL,
		    0);
	} else if (c->prep % 2 == 0)
		ok = PQsendPrepare(c->pg, c->db->tab[c->prep / 2].name,
		    c->db->sql[c->prep / 2], 0, NULL);
	else
		ok = PQsendDescribePrepared(c->pg,
		    c->db->tab[c->prep / 2].name);
	if (!ok) {
		c->db->lost(c, PQerrorMessage(c->pg));
		return;
	}
	dbc_arm_flush(c);
}

/*
 * Remember what statement i returns (from its description); a later
 * connection must see the same, or the schema changed under us.
 */
static bool
shape_learn(struct db *db, int i, const PGresult *desc)
{
	struct shape *sh = &db->shapes[i];
	int n = PQnfields(desc);

	if (sh->known) {
		if (sh->nfields != n)
			return false;
		for (int f = 0; f < n; f++)
			if (sh->types[f] != PQftype(desc, f))
				return false;
		return true;
	}
	sh->nfields = n;
	sh->types = xcalloc(n > 0 ? n : 1, sizeof *sh->types);
	for (int f = 0; f < n; f++)
		sh->types[f] = PQftype(desc, f);
	sh->known = true;
	return true;
}

/* Does a successful result have the columns its statement returns? */
bool
db_shape_fits(const struct db *db, enum stmt st, const PGresult *r)
{
	const struct shape *sh = &db->shapes[st];
	int n = PQnfields(r);

	if (!sh->known || n != sh->nfields)
		return false;
	for (int f = 0; f < n; f++)
		if (PQftype(r, f) != sh->types[f])
			return false;
	return true;
}

/*
 * A statement returns the columns it declares (stmt_def.returns), by name:
 * anything else is a bug in this binary, found at its first connection
 * rather than by a client.
 */
static void
returns_check(const struct stmt_def *sd, const PGresult *desc)
{
	const char *missing;

	if (sd->returns != NULL && !fieldset_fits(sd->returns, desc, &missing))
		fatalx("statement %s declares column %s (%s) but does not "
		    "return it", sd->name, missing, sd->returns->what);
	/* What PostgreSQL counted is what the declaration says: compiled
	 * text and declaration cannot drift apart unnoticed. */
	if (sd->params != NULL && PQnparams(desc) != stmt_nparams(sd->params))
		fatalx("statement %s declares %d parameters (%s) but "
		    "PostgreSQL counts %d", sd->name,
		    stmt_nparams(sd->params), sd->params, PQnparams(desc));
}

/* Preparation step done (PQgetResult returned NULL). */
void
dbc_prepared(struct dbc *c)
{
	PGresult *res = c->res;
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	c->res = NULL;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		log_warnx("db: preparing %s: %s", c->prep < 0 ? "settings" :
		    c->db->tab[c->prep / 2].name, res ?
		    PQresultErrorMessage(res) : "no result");
		PQclear(res);
		c->db->lost(c, "statement preparation failed");
		return;
	}
	if (c->prep >= 0 && c->prep % 2 == 1)
		returns_check(&c->db->tab[c->prep / 2], res);
	if (c->prep >= 0 && c->prep % 2 == 1 && !shape_learn(c->db,
	    c->prep / 2, res)) {
		PQclear(res);
		c->db->lost(c, "a statement's columns changed between "
		    "connections");
		return;
	}
	PQclear(res);
	if (++c->prep < 2 * c->db->ntab) {
		dbc_send_prepare(c);
		return;
	}
	if (PQenterPipelineMode(c->pg) != 1) {
		c->db->lost(c, "cannot enter pipeline mode");
		return;
	}
	c->state = DBC_IDLE;
	c->backoff_ms = BACKOFF_MIN_MS;
	c->db->nup++;
	c->db->ever_up = true;
	log_debug("db: connection %d ready (%d up)", c->idx, c->db->nup);
	if (c->db->nup == 1 || c->db->nup == c->db->size)
		log_info("db: %d of %d connections up", c->db->nup,
		    c->db->size);
	dbc_arm(c, EV_READ);
	c->db->ready(c);
}

static void
on_notice(void *arg, const char *msg)
{
	struct dbc *c = arg;

	log_debug("db: connection %d: %.*s", c->idx, (int)strcspn(msg, "\n"),
	    msg);
}

/*
 * Start libpq's connection.  With addr (the database host's name resolved
 * off the loop), libpq is given hostaddr and never resolves a name itself:
 * PQconnectStart would call getaddrinfo() on the loop thread.
 */
static void
dbc_start_pg(struct dbc *c, const char *addr)
{
	const char *keys[64], *vals[64];
	int n = 0;

	for (PQconninfoOption *o = c->db->opts; o->keyword != NULL &&
	    n < 62; o++) {
		if (o->val == NULL || (addr != NULL &&
		    strcmp(o->keyword, "hostaddr") == 0))
			continue;
		keys[n] = o->keyword;
		vals[n++] = o->val;
	}
	if (addr != NULL) {
		keys[n] = "hostaddr";
		vals[n++] = addr;
	}
	keys[n] = vals[n] = NULL;
	c->pg = PQconnectStartParams(keys, vals, 0);
	if (c->pg == NULL || PQstatus(c->pg) == CONNECTION_BAD) {
		c->db->lost(c, c->pg ? PQerrorMessage(c->pg) : "out of memory");
		return;
	}
	/* libpq would print notices on stderr itself: log them instead. */
	PQsetNoticeProcessor(c->pg, on_notice, c);
	c->state = DBC_CONNECTING;
	dbc_arm(c, EV_WRITE);
}

static void
on_resolved(void *arg, const char *addr, const char *err)
{
	struct dbc *c = arg;

	c->lookup = NULL;
	if (c->state != DBC_RESOLVING)
		return;		/* timed out meanwhile: a retry is due */
	if (addr == NULL) {
		char msg[256];
		snprintf(msg, sizeof msg, "cannot resolve %s: %s",
		    c->db->lookup_host, err);
		c->db->lost(c, msg);
		return;
	}
	dbc_start_pg(c, addr);
}

void
dbc_connect(struct dbc *c)
{
	struct db *db = c->db;

	/* The connect timeout covers the lookup too: a resolver that does
	 * not answer costs a retry, never the loop. */
	dbc_set_timer(c, T_CONNECT_TIMEOUT, db->connect_timeout * 1000);
	if (db->lookup_host == NULL) {
		dbc_start_pg(c, NULL);
		return;
	}
	c->state = DBC_RESOLVING;
	/* One lookup per connection at a time: a slow one is waited for. */
	if (c->lookup == NULL &&
	    (c->lookup = lookup_start(db->base, db->lookup_host, on_resolved,
	    c)) == NULL)
		c->db->lost(c, "cannot start a host name lookup");
}

/* Which host name, if any, must be resolved before connecting. */
char *
db_lookup_host(const PQconninfoOption *opts)
{
	const char *host = NULL, *hostaddr = NULL;

	for (const PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0)
			hostaddr = o->val;
	}
	if (host == NULL || (hostaddr != NULL && *hostaddr != '\0') ||
	    host_is_literal(host))
		return NULL;
	if (strchr(host, ',') != NULL)
		fatalx("db: a list of host names is not supported (each would "
		    "be resolved on the event loop): give one host, or "
		    "hostaddr");
	return xstrdup(host);
}
