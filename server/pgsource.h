/*
 * pgsource.h: running a feed's query on a PostgreSQL source (issue 15),
 * used by source.test now and by feeds later.
 *
 * Each run has a connection of its own (never the request pool), driven
 * by the event loop with libpq's asynchronous API; a host name is
 * resolved off the loop (resolve.c) and given to libpq as hostaddr.  In
 * one pipeline: BEGIN TRANSACTION READ ONLY, the transaction's
 * statement_timeout and lock_timeout (timeout_ms), TimeZone UTC and
 * DateStyle ISO (to read "at"), the query with PQsendQueryParams (the
 * extended protocol: one statement only), ROLLBACK.  A deadline covers
 * the connection and then the query (PostgreSQL's statement_timeout does
 * not fire while a backend waits on the network): past it the run fails
 * and its connection is closed.
 *
 * The query must return one row with a numeric column "value" (int2,
 * int4, int8, float4, float8 or numeric; finite) and may return a
 * timestamptz column "at" (NULL or absent: the time of the run).  Every
 * other outcome fails the run with a reason in err; nothing in err ever
 * holds the password.
 */
#ifndef CAIRN_PGSOURCE_H
#define CAIRN_PGSOURCE_H

#include <stdbool.h>

#include <event2/event.h>

#include "attr.h"

struct pgsrc_result {
	bool	 ok;
	double	 value;
	bool	 has_at;
	double	 at;		/* unix seconds */
	char	 err[256];
	char	 info[256];	/* a probe's: server version, user, database */
};

/* Called once per run, on the loop, never from within pgsrc_start. */
typedef void pgsrc_cb(void *arg, const struct pgsrc_result *);

struct pgsrc_run;

/*
 * conninfo: the source's target (PQconninfoParse's syntax); password: the
 * opened secret or NULL; sql NULL: a probe (the server's version,
 * current_user and the database, in info).  Never NULL: a failure to
 * start is reported through cb.
 */
struct pgsrc_run *pgsrc_start(struct event_base *, const char *conninfo,
		    const char *password, const char *sql, int timeout_ms,
		    pgsrc_cb *, void *arg);
/* Keep (cairnd) up to max idle connections, those of queries that ended
 * cleanly on base's loop, for the next query on the same source and
 * credential; pgsrc_keep_end closes them (before base is freed).  Without
 * pgsrc_keep, each run connects and closes. */
void		 pgsrc_keep(struct event_base *, int max);
void		 pgsrc_keep_end(void);

/* Stop a run: no callback after. */
void		 pgsrc_cancel(struct pgsrc_run *);

/*
 * Check a source's conninfo (pure: PQconninfoParse): only the keywords
 * host, hostaddr, port, dbname, user, sslmode, sslrootcert,
 * connect_timeout and application_name; no password; one host.  False
 * with why in err.
 */
bool		 pgsrc_conninfo_check(const char *conninfo, char *err,
		    size_t errlen) MUST_CHECK;

#endif
