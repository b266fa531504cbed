/*
 * sourcerun.h: one query run on a source (source.c), of either kind: a
 * PostgreSQL source through pgsource.c (its own connection, asynchronous
 * libpq), a Prometheus one through prom.c (libcurl in the event loop).
 * The feeds' schedule (feedrun.c), `kpi feed --now` (feed.c) and
 * `source test` run through here, so the three read a source alike.
 */
#ifndef CAIRN_SOURCERUN_H
#define CAIRN_SOURCERUN_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

struct server;
struct source_run;

/* A source as a statement read it (columns source_name, kind, target,
 * ca_pem, secret (bytea), timeout_ms): pointers into that result, which
 * source_run_start copies what it keeps of. */
struct source_spec {
	const char	*name;
	const char	*kind;		/* "postgres" or "prometheus" */
	const char	*target;	/* DSN without password, or URL */
	const char	*ca_pem;	/* NULL: none */
	const char	*secret;	/* bytea as text (\x...), NULL: none */
	int		 timeout_ms;
};

struct source_result {
	bool		 ok;
	double		 value;
	bool		 has_at;
	double		 at;		/* unix seconds */
	char		 err[256];	/* !ok: why, never with a credential */
};

typedef void source_run_cb(void *arg, const struct source_result *);

/* The source of row `row` of res (the columns above). */
void	 source_spec_from(struct source_spec *, const PGresult *, int row);

/*
 * Run query on the source; cb runs exactly once, later, from the loop
 * (even for an error found at once: a sealed secret that does not open,
 * an unknown kind), unless the run is cancelled first.  Never NULL.
 */
struct source_run *source_run_start(struct server *, const struct source_spec *,
		    const char *query, source_run_cb *, void *arg);
/* No callback after this. */
void	 source_run_cancel(struct source_run *);

/* unix seconds as a timestamptz parameter (RFC 3339, UTC, microseconds). */
void	 source_time_text(char *, size_t, double);

#endif
