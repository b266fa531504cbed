/*
 * pgsource.c: a feed's query on a PostgreSQL source (pgsource.h).  A run
 * has a connection of its own while it runs, its own socket event and
 * deadline; a run is a small state machine: resolving, connecting, then
 * the pipeline's results in order, then done (the callback from a zero
 * timer, so never from within pgsrc_start or pgsrc_cancel's caller).
 *
 * With pgsrc_keep() (cairnd), a query's connection that ended its
 * pipeline cleanly (rolled back, idle) is kept for the next query on the
 * same source and credential: a PostgreSQL connection costs this machine
 * about 22 ms of CPU, and 1,000 feeds a minute opening one each took 40%
 * of a core from the interactive reads (make bench, README).  A kept
 * connection is watched: anything it says while idle (the server ending
 * it) or PGSRC_IDLE_S without use closes it.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <openssl/crypto.h>

#include <sys/queue.h>

#include <openssl/evp.h>

#include "log.h"
#include "pgsource.h"
#include "resolve.h"
#include "xmalloc.h"

#define PGSRC_IDLE_S	120	/* a kept connection unused this long closes */

/* PostgreSQL's type OIDs (pg_type.dat), stable across versions. */
#define OID_BOOL	16
#define OID_INT8	20
#define OID_INT2	21
#define OID_INT4	23
#define OID_TEXT	25
#define OID_FLOAT4	700
#define OID_FLOAT8	701
#define OID_VARCHAR	1043
#define OID_DATE	1082
#define OID_TIMESTAMP	1114
#define OID_TIMESTAMPTZ	1184
#define OID_NUMERIC	1700

/* The pipeline's statements, in order. */
enum step { S_BEGIN, S_SET, S_QUERY, S_ROLLBACK, S_AWAIT_SYNC, S_SYNC };

enum rstate { R_RESOLVING, R_CONNECTING, R_RUNNING, R_DONE };

struct pgsrc_run {
	struct event_base	*base;
	enum rstate		 state;
	PQconninfoOption	*opts;
	char			*host;		/* to resolve, or NULL */
	char			*password;
	char			*sql;		/* NULL: a probe */
	int			 timeout_ms;
	pgsrc_cb		*cb;
	void			*arg;
	struct lookup		*lookup;
	PGconn			*pg;
	struct event		*ev;
	int			 ev_fd;
	short			 ev_what;
	struct event		*deadline;
	struct event		*done_ev;
	enum step		 step;
	bool			 failed;	/* res.err set: keep the first */
	struct pgsrc_result	 res;
	char			 key[65];	/* the kept connections' key */
};

/* Kept connections (pgsrc_keep): idle, each watched by one event. */
struct kept {
	TAILQ_ENTRY(kept)	 entry;
	PGconn			*pg;
	struct event		*ev;
	char			 key[65];
};
static TAILQ_HEAD(, kept)	 kept_q = TAILQ_HEAD_INITIALIZER(kept_q);
static struct event_base	*kept_base;	/* NULL: keep none */
static int			 kept_max, kept_n;

static void
kept_free(struct kept *k)
{
	TAILQ_REMOVE(&kept_q, k, entry);
	kept_n--;
	event_free(k->ev);
	PQfinish(k->pg);
	free(k);
}

/* Something said while idle (an error, the end), or too long unused. */
static void
on_kept(evutil_socket_t fd, short what, void *arg)
{
	kept_free(arg);
}

/* Keep r's connection for the next run with its key, if it is clean: the
 * pipeline ended (ROLLBACK and sync read), the session idle. */
static bool
keep(struct pgsrc_run *r)
{
	struct timeval idle = { PGSRC_IDLE_S, 0 };
	struct kept *k;

	if (kept_base != r->base || r->step != S_SYNC || r->pg == NULL ||
	    PQstatus(r->pg) != CONNECTION_OK ||
	    PQtransactionStatus(r->pg) != PQTRANS_IDLE ||
	    PQexitPipelineMode(r->pg) != 1)
		return false;
	if (kept_n >= kept_max)		/* the oldest makes room */
		kept_free(TAILQ_FIRST(&kept_q));
	k = xcalloc(1, sizeof *k);
	k->pg = r->pg;
	memcpy(k->key, r->key, sizeof k->key);
	if (r->ev != NULL) {
		event_free(r->ev);
		r->ev = NULL;
	}
	k->ev = event_new(r->base, PQsocket(k->pg), EV_READ, on_kept, k);
	if (k->ev == NULL)
		fatalx("out of memory");
	event_add(k->ev, &idle);
	TAILQ_INSERT_TAIL(&kept_q, k, entry);
	kept_n++;
	r->pg = NULL;
	return true;
}

/* A kept connection for key, taken; NULL: none. */
static PGconn *
take(const char *key)
{
	struct kept *k;
	PGconn *pg;

	TAILQ_FOREACH(k, &kept_q, entry)
		if (strcmp(k->key, key) == 0) {
			pg = k->pg;
			k->pg = NULL;
			TAILQ_REMOVE(&kept_q, k, entry);
			kept_n--;
			event_free(k->ev);
			free(k);
			return pg;
		}
	return NULL;
}

void
pgsrc_keep(struct event_base *base, int max)
{
	kept_base = base;
	kept_max = max;
}

void
pgsrc_keep_end(void)
{
	while (!TAILQ_EMPTY(&kept_q))
		kept_free(TAILQ_FIRST(&kept_q));
	kept_base = NULL;
}

/* The key of a source and credential: a digest, so that no password is
 * kept beside the connection. */
static void
run_key(const char *conninfo, const char *password, char key[65])
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (c == NULL || !EVP_DigestInit_ex(c, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(c, conninfo, strlen(conninfo) + 1) ||
	    (password != NULL &&
	    !EVP_DigestUpdate(c, password, strlen(password))) ||
	    !EVP_DigestFinal_ex(c, md, &n))
		fatalx("SHA-256 failed");
	EVP_MD_CTX_free(c);
	for (unsigned int i = 0; i < n && i < 32; i++)
		snprintf(key + 2 * i, 3, "%02x", md[i]);
}

static void	on_socket(evutil_socket_t, short, void *);

static void
arm(struct pgsrc_run *r, short what)
{
	int fd = PQsocket(r->pg);

	/* The socket may change while connecting (another address): re-read
	 * it at every re-arm. */
	if (r->ev != NULL && r->ev_fd == fd && r->ev_what == what)
		return;
	if (r->ev != NULL) {
		event_free(r->ev);
		r->ev = NULL;
	}
	if (fd < 0)
		return;
	r->ev = event_new(r->base, fd, what | EV_PERSIST, on_socket, r);
	r->ev_fd = fd;
	r->ev_what = what;
	event_add(r->ev, NULL);
}

static void
set_deadline(struct pgsrc_run *r, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(r->deadline, &tv);
}

/* The connection and its events, gone (the password with them). */
static void
teardown(struct pgsrc_run *r)
{
	if (r->lookup != NULL) {
		lookup_cancel(r->lookup);
		r->lookup = NULL;
	}
	if (r->ev != NULL) {
		event_free(r->ev);
		r->ev = NULL;
	}
	evtimer_del(r->deadline);
	if (r->pg != NULL) {
		PQfinish(r->pg);
		r->pg = NULL;
	}
	if (r->password != NULL) {
		OPENSSL_cleanse(r->password, strlen(r->password));
		free(r->password);
		r->password = NULL;
	}
}

static void
run_free(struct pgsrc_run *r)
{
	teardown(r);
	if (r->opts != NULL)
		PQconninfoFree(r->opts);
	event_free(r->deadline);
	event_free(r->done_ev);
	free(r->host);
	free(r->sql);
	free(r);
}

static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	struct pgsrc_run *r = arg;
	pgsrc_cb *cb = r->cb;
	void *cbarg = r->arg;
	struct pgsrc_result res = r->res;

	run_free(r);
	cb(cbarg, &res);
}

/* The run ends: the result goes to the callback from the loop. */
static void
finish(struct pgsrc_run *r)
{
	struct timeval zero = { 0, 0 };

	if (r->state == R_DONE)
		return;
	r->state = R_DONE;
	r->res.ok = !r->failed;
	(void)keep(r);
	teardown(r);
	evtimer_add(r->done_ev, &zero);
}

/* Keep the first reason only; one line, no trailing newline. */
static void
fail(struct pgsrc_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
fail(struct pgsrc_run *r, const char *fmt, ...)
{
	va_list ap;
	char *nl;

	if (r->failed)
		return;
	r->failed = true;
	va_start(ap, fmt);
	vsnprintf(r->res.err, sizeof r->res.err, fmt, ap);
	va_end(ap);
	while ((nl = strchr(r->res.err, '\n')) != NULL)
		*nl = nl[1] == '\0' ? '\0' : ' ';
}

/* libpq's message, without its "ERROR:  " and its trailing newline. */
static const char *
pq_message(const PGresult *res, PGconn *pg)
{
	const char *m = res != NULL ?
	    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (m == NULL || *m == '\0')
		m = res != NULL ? PQresultErrorMessage(res) : "";
	if ((m == NULL || *m == '\0') && pg != NULL)
		m = PQerrorMessage(pg);
	return m != NULL && *m != '\0' ? m : "unknown error";
}

static void
on_notice(void *arg, const char *msg)
{
	/* A source's notices are its own business (and may quote data). */
}

static const char *
type_name(Oid t)
{
	switch (t) {
	case OID_TEXT:		return "text";
	case OID_VARCHAR:	return "character varying";
	case OID_BOOL:		return "boolean";
	case OID_DATE:		return "date";
	case OID_TIMESTAMP:	return "timestamp without time zone";
	case OID_TIMESTAMPTZ:	return "timestamptz";
	case OID_INT2:		return "smallint";
	case OID_INT4:		return "integer";
	case OID_INT8:		return "bigint";
	case OID_FLOAT4:	return "real";
	case OID_FLOAT8:	return "double precision";
	case OID_NUMERIC:	return "numeric";
	default:		return NULL;
	}
}

static void
fail_type(struct pgsrc_run *r, const char *col, Oid t, const char *want)
{
	const char *n = type_name(t);

	if (n != NULL)
		fail(r, "column %s is %s, not %s", col, n, want);
	else
		fail(r, "column %s is of type oid %u, not %s", col,
		    (unsigned)t, want);
}

/* "2026-12-06 05:12:13.5+00" (DateStyle ISO, TimeZone UTC) in seconds. */
static bool
parse_utc(const char *s, double *out)
{
	struct tm tm;
	double sec;
	int y, mo, d, h, mi, n = 0, oh = 0, om = 0;
	char sign;

	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%4d-%2d-%2d %2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &sec,
	    &n) != 6)
		return false;
	s += n;
	if (*s == '+' || *s == '-') {
		sign = *s++;
		if (sscanf(s, "%2d%n", &oh, &n) != 1)
			return false;
		s += n;
		if (*s == ':' && sscanf(s + 1, "%2d%n", &om, &n) == 1)
			s += 1 + n;
		if (sign == '-') {
			oh = -oh;
			om = -om;
		}
	}
	if (*s != '\0')
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	*out = (double)timegm(&tm) + sec - (oh * 3600 + om * 60);
	return true;
}

/* The user's query's one result. */
static void
check_value(struct pgsrc_run *r, const PGresult *res)
{
	int n = PQntuples(res), v, a;
	const char *text;
	char *end;
	Oid t;

	if (n == 0) {
		fail(r, "the query returned no row; it must return one");
		return;
	}
	if (n > 1) {
		fail(r, "the query returned %d rows; it must return one", n);
		return;
	}
	if ((v = PQfnumber(res, "value")) < 0) {
		fail(r, "the query returned no column named value");
		return;
	}
	t = PQftype(res, v);
	if (t != OID_INT2 && t != OID_INT4 && t != OID_INT8 &&
	    t != OID_FLOAT4 && t != OID_FLOAT8 && t != OID_NUMERIC) {
		fail_type(r, "value", t, "a number");
		return;
	}
	if (PQgetisnull(res, 0, v)) {
		fail(r, "column value is NULL");
		return;
	}
	text = PQgetvalue(res, 0, v);
	r->res.value = strtod(text, &end);
	if (end == text || *end != '\0' || !isfinite(r->res.value)) {
		fail(r, "column value is %s, not a finite number", text);
		return;
	}
	if ((a = PQfnumber(res, "at")) < 0)
		return;
	if ((t = PQftype(res, a)) != OID_TIMESTAMPTZ) {
		fail_type(r, "at", t, "timestamptz");
		return;
	}
	if (PQgetisnull(res, 0, a))
		return;		/* now: the time of the run */
	if (!parse_utc(PQgetvalue(res, 0, a), &r->res.at)) {
		fail(r, "column at is %s, not a time cairn can store",
		    PQgetvalue(res, 0, a));
		return;
	}
	r->res.has_at = true;
}

static void
check_probe(struct pgsrc_run *r, const PGresult *res)
{
	if (PQntuples(res) != 1 || PQnfields(res) != 3) {
		fail(r, "the probe returned an unexpected result");
		return;
	}
	snprintf(r->res.info, sizeof r->res.info, "PostgreSQL %s, user %s, "
	    "database %s", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
	    PQgetvalue(res, 0, 2));
}

/* One result of the pipeline (PQgetResult's non-NULL ones). */
static void
on_result(struct pgsrc_run *r, PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_PIPELINE_SYNC) {
		r->step = S_SYNC;
		return;
	}
	if (st == PGRES_PIPELINE_ABORTED)
		return;		/* an earlier statement failed: said */
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		fail(r, "%s%s", r->step == S_QUERY ? "" : r->step == S_BEGIN ?
		    "starting the transaction: " : r->step == S_SET ?
		    "setting the timeouts: " : "ending the transaction: ",
		    pq_message(res, r->pg));
		return;
	}
	if (r->step != S_QUERY)
		return;
	if (st != PGRES_TUPLES_OK)
		fail(r, "the query returned no rows (it is not a SELECT)");
	else if (r->sql == NULL)
		check_probe(r, res);
	else
		check_value(r, res);
}

static void
read_results(struct pgsrc_run *r)
{
	PGresult *res;

	if (PQconsumeInput(r->pg) != 1) {
		fail(r, "%s", pq_message(NULL, r->pg));
		finish(r);
		return;
	}
	while (r->state == R_RUNNING && !PQisBusy(r->pg)) {
		if ((res = PQgetResult(r->pg)) == NULL) {
			/* The end of one statement's results; after the
			 * last one only the sync may come, and a lost
			 * connection gives NULL for ever: never spin. */
			if (PQstatus(r->pg) == CONNECTION_BAD ||
			    r->step == S_AWAIT_SYNC) {
				fail(r, "the connection ended: %s",
				    pq_message(NULL, r->pg));
				finish(r);
				return;
			}
			r->step++;
			continue;
		}
		on_result(r, res);
		PQclear(res);
		if (r->step == S_SYNC) {
			finish(r);
			return;
		}
	}
	if (r->state == R_RUNNING && PQstatus(r->pg) == CONNECTION_BAD) {
		fail(r, "%s", pq_message(NULL, r->pg));
		finish(r);
	}
}

static void
send_pipeline(struct pgsrc_run *r)
{
	char ms[16];
	const char *p[1] = { ms };
	int flush;

	snprintf(ms, sizeof ms, "%d", r->timeout_ms);
	if (PQsetnonblocking(r->pg, 1) != 0 ||
	    PQenterPipelineMode(r->pg) != 1 ||
	    !PQsendQueryParams(r->pg, "BEGIN TRANSACTION READ ONLY", 0, NULL,
	    NULL, NULL, NULL, 0) ||
	    !PQsendQueryParams(r->pg, "SELECT"
	    " set_config('statement_timeout', $1, true),"
	    " set_config('lock_timeout', $1, true),"
	    " set_config('idle_in_transaction_session_timeout', $1, true),"
	    " set_config('TimeZone', 'UTC', true),"
	    " set_config('DateStyle', 'ISO', true)", 1, NULL, p, NULL, NULL,
	    0) ||
	    !PQsendQueryParams(r->pg, r->sql != NULL ? r->sql :
	    "SELECT current_setting('server_version'), current_user::text,"
	    " current_database()::text", 0, NULL, NULL, NULL, NULL, 0) ||
	    !PQsendQueryParams(r->pg, "ROLLBACK", 0, NULL, NULL, NULL, NULL,
	    0) ||
	    !PQpipelineSync(r->pg)) {
		fail(r, "%s", pq_message(NULL, r->pg));
		finish(r);
		return;
	}
	r->state = R_RUNNING;
	r->step = S_BEGIN;
	/* The query's deadline: statement_timeout, and some slack for the
	 * round trips, before the run gives up on the server. */
	evtimer_del(r->deadline);
	set_deadline(r, r->timeout_ms + 1000);
	flush = PQflush(r->pg);
	if (flush < 0) {
		fail(r, "%s", pq_message(NULL, r->pg));
		finish(r);
	} else
		arm(r, flush == 1 ? EV_READ | EV_WRITE : EV_READ);
}

static void
poll_connect(struct pgsrc_run *r)
{
	switch (PQconnectPoll(r->pg)) {
	case PGRES_POLLING_READING:
		arm(r, EV_READ);
		break;
	case PGRES_POLLING_WRITING:
		arm(r, EV_WRITE);
		break;
	case PGRES_POLLING_OK:
		send_pipeline(r);
		break;
	default:
		fail(r, "connecting: %s", pq_message(NULL, r->pg));
		finish(r);
		break;
	}
}

static void
on_socket(evutil_socket_t fd, short what, void *arg)
{
	struct pgsrc_run *r = arg;
	int flush;

	if (r->state == R_CONNECTING) {
		poll_connect(r);
		return;
	}
	if (r->state != R_RUNNING)
		return;
	if (what & EV_WRITE) {
		if ((flush = PQflush(r->pg)) < 0) {
			fail(r, "%s", pq_message(NULL, r->pg));
			finish(r);
			return;
		}
		arm(r, flush == 1 ? EV_READ | EV_WRITE : EV_READ);
	}
	if (what & EV_READ)
		read_results(r);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct pgsrc_run *r = arg;

	fail(r, "timed out after %d ms %s (source_timeout_ms)",
	    r->timeout_ms, r->state == R_RUNNING ? "running the query" :
	    "connecting");
	finish(r);
}

static void
connect_pg(struct pgsrc_run *r, const char *addr)
{
	const char *keys[24], *vals[24];
	int n = 0;

	for (PQconninfoOption *o = r->opts; o->keyword != NULL && n < 19;
	    o++) {
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
	if (r->password != NULL) {
		keys[n] = "password";
		vals[n++] = r->password;
	}
	keys[n] = "fallback_application_name";
	vals[n++] = "cairnd source";
	keys[n] = vals[n] = NULL;
	r->pg = PQconnectStartParams(keys, vals, 0);
	if (r->pg == NULL || PQstatus(r->pg) == CONNECTION_BAD) {
		fail(r, "connecting: %s", r->pg != NULL ?
		    pq_message(NULL, r->pg) : "out of memory");
		finish(r);
		return;
	}
	PQsetNoticeProcessor(r->pg, on_notice, NULL);
	r->state = R_CONNECTING;
	arm(r, EV_WRITE);
}

static void
on_resolved(void *arg, const char *addr, const char *err)
{
	struct pgsrc_run *r = arg;

	r->lookup = NULL;
	if (r->state != R_RESOLVING)
		return;
	if (addr == NULL) {
		fail(r, "cannot resolve %s: %s", r->host, err);
		finish(r);
		return;
	}
	connect_pg(r, addr);
}

struct pgsrc_run *
pgsrc_start(struct event_base *base, const char *conninfo,
    const char *password, const char *sql, int timeout_ms, pgsrc_cb *cb,
    void *arg)
{
	struct pgsrc_run *r = xcalloc(1, sizeof *r);
	const char *host = NULL, *hostaddr = NULL;
	char *perr = NULL;

	r->base = base;
	r->cb = cb;
	r->arg = arg;
	r->timeout_ms = timeout_ms;
	r->ev_fd = -1;
	r->password = password != NULL ? xstrdup(password) : NULL;
	r->sql = sql != NULL ? xstrdup(sql) : NULL;
	r->deadline = evtimer_new(base, on_deadline, r);
	r->done_ev = evtimer_new(base, on_done, r);
	r->state = R_RESOLVING;
	/* The deadline covers the lookup and the connection. */
	set_deadline(r, timeout_ms);
	if ((r->opts = PQconninfoParse(conninfo, &perr)) == NULL) {
		fail(r, "the source's conninfo does not parse");
		PQfreemem(perr);
		finish(r);
		return r;
	}
	for (PQconninfoOption *o = r->opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0)
			hostaddr = o->val;
	}
	/* A kept connection to this source with this credential: no
	 * connection, no lookup. */
	if (kept_base == base) {
		run_key(conninfo, password, r->key);
		if ((r->pg = take(r->key)) != NULL) {
			PQsetNoticeProcessor(r->pg, on_notice, NULL);
			send_pipeline(r);
			return r;
		}
	}
	if (host == NULL || (hostaddr != NULL && *hostaddr != '\0') ||
	    host_is_literal(host)) {
		connect_pg(r, NULL);
		return r;
	}
	r->host = xstrdup(host);
	if ((r->lookup = lookup_start(base, host, on_resolved, r)) == NULL) {
		fail(r, "cannot start a host name lookup");
		finish(r);
	}
	return r;
}

void
pgsrc_cancel(struct pgsrc_run *r)
{
	if (r != NULL)
		run_free(r);
}
