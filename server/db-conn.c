/*
 * db-conn.c: bringing a pool connection up (see db.c): resolving each host
 * name of the list in a thread (resolve.c), PQconnectStart with a hostaddr
 * list of the same length (libpq then tries the hosts in order, and
 * target_session_attrs=read-write finds the primary among them), the session
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

/*
 * While connecting, libpq may close its socket and open another (the next
 * host of a list, the next address of a name, sslmode=prefer's retry
 * without TLS), often under the same number: the kernel then forgets the
 * old registration while libevent believes it still stands, and the event
 * never fires.  So each step of the connection registers anew.
 */
void
dbc_arm_connecting(struct dbc *c, short what)
{
	if (c->ev != NULL) {
		event_free(c->ev);
		c->ev = NULL;
	}
	dbc_arm(c, what);
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

/*
 * The step after prep: describe the statement just prepared, or prepare
 * the next one; a replica's pool skips those not declared lag_ok (they
 * are never sent there, and a write could not run there anyway).
 */
static int
prep_next(const struct db *db, int prep)
{
	prep++;
	while (db->lag_only && prep < 2 * db->ntab && prep % 2 == 0 &&
	    !db->tab[prep / 2].lag_ok)
		prep += 2;
	return prep;
}

/* Preparation step done (PQgetResult returned NULL). */
void
dbc_prepared(struct dbc *c)
{
	PGresult *res = c->res;
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	c->res = NULL;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		log_warnx("%s: preparing %s: %s", c->db->label,
		    c->prep < 0 ? "settings" :
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
	if ((c->prep = prep_next(c->db, c->prep)) < 2 * c->db->ntab) {
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
	log_debug("%s: connection %d ready (%d up)", c->db->label, c->idx,
	    c->db->nup);
	if (c->db->nup == 1 || c->db->nup == c->db->size)
		log_info("%s: %d of %d connections up",
		    c->db->label, c->db->nup,
		    c->db->size);
	dbc_arm(c, EV_READ);
	c->db->ready(c);
}

static void
on_notice(void *arg, const char *msg)
{
	struct dbc *c = arg;

	log_debug("%s: connection %d: %.*s", c->db->label, c->idx,
	    (int)strcspn(msg, "\n"), msg);
}

/*
 * Start libpq's connection.  Every host name of the list has been resolved
 * off the loop (dbc_connect): libpq is given a hostaddr for each of them
 * and never resolves a name itself, since PQconnectStart would call
 * getaddrinfo() on the loop thread.  host stays as given, for TLS's
 * verify-full and for the error messages.  A host whose name did not
 * resolve is left out of this attempt; libpq tries the others in order
 * (target_session_attrs picks among them).
 *
 * Each attempt after a lost one starts one host further down the list
 * (c->first_host): libpq ignores connect_timeout in its asynchronous
 * mode, so a host that swallows packets (a dead machine) would hold every
 * attempt until db_connect_timeout and the hosts after it would never be
 * tried.  Rotated, each gets its turn first.
 */
static void
dbc_start_pg(struct dbc *c)
{
	struct db *db = c->db;
	const char *keys[64], *vals[64];
	char hosts[2048] = "", addrs[1024] = "", ports[512] = "";
	bool have_ports = false;
	int n = 0, kept = 0;

	bool list = db->any_lookup || db->nhosts > 1;

	for (int k = 0; list && k < db->nhosts; k++) {
		int i = (c->first_host + k) % db->nhosts;

		if (db->lookup[i] && !c->lk[i].ok)
			continue;
		const char *sep = kept++ > 0 ? "," : "";
		size_t hl = strlen(hosts), al = strlen(addrs),
		    pl = strlen(ports);
		snprintf(hosts + hl, sizeof hosts - hl, "%s%s", sep,
		    db->hosts[i]);
		snprintf(addrs + al, sizeof addrs - al, "%s%s", sep,
		    db->lookup[i] ? c->lk[i].addr : db->hostaddrs[i]);
		snprintf(ports + pl, sizeof ports - pl, "%s%s", sep,
		    db->ports[i]);
		if (*db->ports[i] != '\0')
			have_ports = true;
	}
	if (list && kept == 0) {
		db->lost(c, "no host of the list could be resolved");
		return;
	}
	for (PQconninfoOption *o = db->opts; o->keyword != NULL && n < 60;
	    o++) {
		if (o->val == NULL || (list &&
		    (strcmp(o->keyword, "hostaddr") == 0 ||
		    strcmp(o->keyword, "host") == 0 ||
		    strcmp(o->keyword, "port") == 0)))
			continue;
		keys[n] = o->keyword;
		vals[n++] = o->val;
	}
	if (list) {
		keys[n] = "host";
		vals[n++] = hosts;
		keys[n] = "hostaddr";
		vals[n++] = addrs;
		if (have_ports) {
			keys[n] = "port";
			vals[n++] = ports;
		}
	}
	keys[n] = vals[n] = NULL;
	c->pg = PQconnectStartParams(keys, vals, 0);
	if (c->pg == NULL || PQstatus(c->pg) == CONNECTION_BAD) {
		db->lost(c, c->pg ? PQerrorMessage(c->pg) : "out of memory");
		return;
	}
	/* libpq would print notices on stderr itself: log them instead. */
	PQsetNoticeProcessor(c->pg, on_notice, c);
	c->state = DBC_CONNECTING;
	dbc_arm_connecting(c, EV_WRITE);
}

/* Lookups of this round still pending on c. */
static int
dbc_pending(const struct dbc *c)
{
	int n = 0;

	for (int i = 0; i < c->db->nhosts; i++)
		if (c->lk[i].l != NULL)
			n++;
	return n;
}

static void
on_resolved(void *arg, const char *addr, const char *err)
{
	struct dbc_lookup *lk = arg;
	struct dbc *c = lk->c;

	lk->l = NULL;
	if (addr != NULL) {
		snprintf(lk->addr, sizeof lk->addr, "%s", addr);
		lk->ok = true;
	} else
		/* One host of several may be gone for good: say so, and try
		 * the others.  All of them gone is a lost connection. */
		log_debug("%s: connection %d: cannot resolve %s: %s",
		    c->db->label, c->idx,
		    c->db->hosts[lk->i], err);
	if (c->state != DBC_RESOLVING)
		return;		/* timed out meanwhile: a retry is due */
	if (dbc_pending(c) == 0)
		dbc_start_pg(c);
}

void
dbc_connect(struct dbc *c)
{
	struct db *db = c->db;

	/* The connect timeout covers the lookups too: a resolver that does
	 * not answer costs a retry, never the loop. */
	dbc_set_timer(c, T_CONNECT_TIMEOUT, db->connect_timeout * 1000);
	if (!db->any_lookup) {
		dbc_start_pg(c);
		return;
	}
	c->state = DBC_RESOLVING;
	for (int i = 0; i < db->nhosts; i++) {
		struct dbc_lookup *lk = &c->lk[i];

		if (!db->lookup[i] || lk->l != NULL)
			continue;	/* none needed, or a slow one waited */
		lk->c = c;
		lk->i = i;
		lk->ok = false;
		if ((lk->l = lookup_start(db->base, db->hosts[i], on_resolved,
		    lk)) == NULL) {
			db->lost(c, "cannot start a host name lookup");
			return;
		}
	}
	if (dbc_pending(c) == 0)
		dbc_start_pg(c);	/* every lookup answered meanwhile */
}

void
dbc_lookups_cancel(struct dbc *c)
{
	for (int i = 0; i < DB_MAXHOSTS; i++) {
		lookup_cancel(c->lk[i].l);
		c->lk[i].l = NULL;
	}
}

/* Split list (a,b,c) into at most DB_MAXHOSTS copies; -1: too many. */
static int
split_list(const char *list, char **out)
{
	int n = 0;
	const char *p = list;

	for (;;) {
		size_t len = strcspn(p, ",");
		if (n == DB_MAXHOSTS) {
			for (int i = 0; i < n; i++)
				free(out[i]);
			return -1;
		}
		out[n++] = xstrndup(p, len);
		if (p[len] == '\0')
			return n;
		p += len + 1;
	}
}

/*
 * The host list of the connection string, and which of its hosts are
 * names to resolve: those with no hostaddr of their own that are neither
 * numeric addresses nor socket directories.
 */
void
db_hosts_parse(struct db *db)
{
	const char *host = NULL, *hostaddr = NULL, *port = NULL;
	char *addrs[DB_MAXHOSTS], *ports[DB_MAXHOSTS];
	int na = 0, np = 0;

	for (const PQconninfoOption *o = db->opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0)
			hostaddr = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
	}
	db->nhosts = 0;
	if (host == NULL || *host == '\0')
		return;		/* libpq's default: a local socket */
	if ((db->nhosts = split_list(host, db->hosts)) < 0)
		fatalx("db: more than %d hosts in the connection string",
		    DB_MAXHOSTS);
	if (hostaddr != NULL && *hostaddr != '\0' &&
	    (na = split_list(hostaddr, addrs)) != db->nhosts)
		fatalx("db: hostaddr names %d addresses for %d hosts", na,
		    db->nhosts);
	if (port != NULL && *port != '\0' &&
	    ((np = split_list(port, ports)) < 0 ||
	    (np != 1 && np != db->nhosts)))
		fatalx("db: port names %d ports for %d hosts (give one, or "
		    "one per host)", np, db->nhosts);
	for (int i = 0; i < db->nhosts; i++) {
		db->hostaddrs[i] = na > 0 ? addrs[i] : xstrdup("");
		db->ports[i] = xstrdup(np == 0 ? "" : ports[np == 1 ? 0 : i]);
		db->lookup[i] = *db->hostaddrs[i] == '\0' &&
		    !host_is_literal(db->hosts[i]);
		if (db->lookup[i])
			db->any_lookup = true;
	}
	for (int i = 0; i < np; i++)
		free(ports[i]);
}

void
db_hosts_free(struct db *db)
{
	for (int i = 0; i < db->nhosts; i++) {
		free(db->hosts[i]);
		free(db->ports[i]);
		free(db->hostaddrs[i]);
	}
	db->nhosts = 0;
}
