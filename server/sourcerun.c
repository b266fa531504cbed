/*
 * sourcerun.c: one query run on a source of either kind (sourcerun.h).
 * The source's credential is opened here, just before the run, from its
 * sealed form (secret.c), and wiped as soon as the reader has copied it:
 * it lives in cairnd's memory no longer than a run needs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "log.h"
#include "pgsource.h"
#include "prom.h"
#include "row.h"
#include "secret.h"
#include "server.h"
#include "source.h"
#include "sourcerun.h"
#include "xmalloc.h"

struct source_run {
	source_run_cb		*cb;
	void			*arg;
	struct pgsrc_run	*pg;
	struct prom_query	*prom;
	struct event		*now;		/* an error found at once */
	struct source_result	 res;
};

void
source_spec_from(struct source_spec *s, const PGresult *res, int row)
{
	s->name = row_text(res, row, "source_name");
	s->kind = row_text(res, row, "kind");
	s->target = row_text(res, row, "target");
	s->ca_pem = row_null(res, row, "ca_pem") ? NULL :
	    row_text(res, row, "ca_pem");
	s->secret = row_null(res, row, "secret") ? NULL :
	    row_text(res, row, "secret");
	s->timeout_ms = row_null(res, row, "timeout_ms") ? 5000 :
	    (int)row_int(res, row, "timeout_ms");
}

void
source_time_text(char *buf, size_t len, double t)
{
	/* floor and round by hand: cairnd links no libm. */
	double fl = (double)(long long)t;
	time_t s;
	long us;
	struct tm tm;

	if (fl > t)
		fl -= 1;
	s = (time_t)fl;
	us = (long)((t - fl) * 1e6 + 0.5);

	if (us >= 1000000) {
		s++;
		us -= 1000000;
	}
	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, us);
}

static void
finish(struct source_run *r)
{
	source_run_cb *cb = r->cb;
	void *arg = r->arg;
	struct source_result res = r->res;

	if (r->now != NULL)
		event_free(r->now);
	free(r);
	cb(arg, &res);
}

static void
on_now(evutil_socket_t fd, short what, void *arg)
{
	finish(arg);
}

/* Answer with err from the loop, not from inside the caller's call. */
static struct source_run *
fail_soon(struct server *srv, struct source_run *r, const char *err)
{
	r->res.ok = false;
	snprintf(r->res.err, sizeof r->res.err, "%s", err);
	r->now = evtimer_new(srv->base, on_now, r);
	if (r->now == NULL)
		fatalx("out of memory");
	event_active(r->now, EV_TIMEOUT, 0);
	return r;
}

static void
on_pg(void *arg, const struct pgsrc_result *p)
{
	struct source_run *r = arg;

	r->pg = NULL;
	r->res.ok = p->ok;
	r->res.value = p->value;
	r->res.has_at = p->has_at;
	r->res.at = p->at;
	snprintf(r->res.err, sizeof r->res.err, "%s", p->ok ? "" : p->err);
	finish(r);
}

static void
on_prom(void *arg, const struct prom_result *p)
{
	struct source_run *r = arg;

	r->prom = NULL;
	r->res.ok = p->ok;
	r->res.value = p->value;
	r->res.has_at = p->ok;
	r->res.at = p->at;
	snprintf(r->res.err, sizeof r->res.err, "%s", p->ok ? "" : p->err);
	finish(r);
}

struct source_run *
source_run_start(struct server *srv, const struct source_spec *s,
    const char *query, source_run_cb *cb, void *arg)
{
	struct source_run *r = xcalloc(1, sizeof *r);
	char secret[SECRET_MAX + SECRET_OVERHEAD + 1], err[200];
	bool has_secret = s->secret != NULL;

	r->cb = cb;
	r->arg = arg;
	if (!source_secret_open(s->name, s->secret, secret, sizeof secret,
	    err, sizeof err)) {
		OPENSSL_cleanse(secret, sizeof secret);
		return fail_soon(srv, r, err);
	}
	if (strcmp(s->kind, "postgres") == 0) {
		r->pg = pgsrc_start(srv->base, s->target,
		    has_secret ? secret : NULL, query, s->timeout_ms, on_pg, r);
	} else if (strcmp(s->kind, "prometheus") == 0) {
		struct prom_source ps = { .url = s->target,
		    .ca_pem = s->ca_pem, .bearer = has_secret ? secret : NULL };

		r->prom = prom_query_start(srv->http, &ps, query, on_prom, r);
	} else {
		OPENSSL_cleanse(secret, sizeof secret);
		return fail_soon(srv, r, "unknown source kind");
	}
	/* The readers copied it. */
	OPENSSL_cleanse(secret, sizeof secret);
	return r;
}

void
source_run_cancel(struct source_run *r)
{
	if (r == NULL)
		return;
	if (r->pg != NULL)
		pgsrc_cancel(r->pg);
	if (r->prom != NULL)
		prom_query_cancel(r->prom);
	if (r->now != NULL)
		event_free(r->now);
	free(r);
}
