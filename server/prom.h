/*
 * prom.h: asking a Prometheus server for one number (issue 15, KPI feeds).
 *
 * prom_query_start() sends GET <url>/api/v1/query?query=<PromQL> (an
 * instant query at Prometheus's "now") over http-loop.c and reads the
 * answer with prom-json.c: exactly one series or a scalar, a finite value.
 * prom_probe_start() asks GET <url>/api/v1/status/buildinfo, for `cairn
 * source test`.  Each calls its callback exactly once, later, on the loop
 * (a bad URL too), unless cancelled first.
 *
 * Errors are sentences for the person who set the source up, and never
 * hold the bearer token (nor a password in the URL):
 *   cannot connect to 127.0.0.1:9090: Connection refused
 *   cannot connect to 10.0.0.9:9090: no answer within 3 s
 *   Prometheus did not answer within 10 s
 *   TLS: certificate not trusted (SSL certificate problem: ...)
 *   HTTP 503 from Prometheus
 *   Prometheus: bad_data: invalid parameter "query": 1:5: parse error: ...
 *   response larger than 1 MiB
 *   the query returned no series
 *   the query returned 2 series; it must return one (aggregate it, ...)
 *   the value is NaN
 */
#ifndef CAIRN_PROM_H
#define CAIRN_PROM_H

#include <stdbool.h>

#include "http-loop.h"

struct prom_query;		/* one request in flight */

struct prom_source {
	/* Base URL, http:// or https://, may have a path prefix
	 * ("https://mon.example:9090/prometheus"). */
	const char	*url;
	/* PEM text of the CAs to trust; NULL: the system store plus the
	 * outgoing_ca file. */
	const char	*ca_pem;
	/* Sent as "Authorization: Bearer ..."; NULL: none.  Never in an
	 * error, a log line or a reply. */
	const char	*bearer;
};

struct prom_result {
	bool	 ok;
	double	 value;
	double	 at;		/* unix seconds of the sample */
	char	 err[256];	/* why not ok; a probe's info when ok */
};

/* The result dies after return.  May start or cancel other queries. */
typedef void prom_cb(void *arg, const struct prom_result *);

/* Never NULL.  Everything in the source and promql is copied. */
struct prom_query *prom_query_start(struct http_loop *,
		    const struct prom_source *, const char *promql, prom_cb *,
		    void *arg);
/* ok: err holds "Prometheus 2.42.0". */
struct prom_query *prom_probe_start(struct http_loop *,
		    const struct prom_source *, prom_cb *, void *arg);
/* No callback after this; not from inside the query's own callback. */
void		 prom_query_cancel(struct prom_query *);

#endif
