/*
 * pgsource-dsn.c: the check of a PostgreSQL source's DSN (pgsource.h,
 * pgsrc_conninfo_check): pure, PQconninfoParse only, so that source.add
 * refuses a credential or a keyword before anything is stored or run.
 */
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "pgsource.h"

bool
pgsrc_conninfo_check(const char *conninfo, char *err, size_t errlen)
{
	static const char *const allowed[] = {
		"host", "hostaddr", "port", "dbname", "user", "sslmode",
		"sslrootcert", "connect_timeout", "application_name", NULL
	};
	PQconninfoOption *opts;
	char *perr = NULL;
	bool ok = true;

	if ((opts = PQconninfoParse(conninfo, &perr)) == NULL) {
		/* libpq's message may quote the text: say nothing of it if
		 * it may hold a password. */
		if (strstr(conninfo, "password") != NULL ||
		    strchr(conninfo, '@') != NULL)
			snprintf(err, errlen, "the DSN does not parse (give "
			    "the password with --password-stdin, not in the "
			    "DSN)");
		else
			snprintf(err, errlen, "the DSN does not parse: %s",
			    perr != NULL ? perr : "out of memory");
		PQfreemem(perr);
		for (char *nl; (nl = strchr(err, '\n')) != NULL; )
			*nl = nl[1] == '\0' ? '\0' : ' ';
		return false;
	}
	for (PQconninfoOption *o = opts; o->keyword != NULL && ok; o++) {
		size_t i;

		if (o->val == NULL)
			continue;
		if (strcmp(o->keyword, "password") == 0) {
			snprintf(err, errlen, "the DSN holds a password: give "
			    "the password with --password-stdin, not in the "
			    "DSN");
			ok = false;
			break;
		}
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(o->keyword, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			snprintf(err, errlen, "the DSN may not set %s: only "
			    "host, hostaddr, port, dbname, user, sslmode, "
			    "sslrootcert, connect_timeout and "
			    "application_name", o->keyword);
			ok = false;
		} else if ((strcmp(o->keyword, "host") == 0 ||
		    strcmp(o->keyword, "hostaddr") == 0) &&
		    strchr(o->val, ',') != NULL) {
			snprintf(err, errlen, "the DSN names several hosts: "
			    "give one");
			ok = false;
		}
	}
	PQconninfoFree(opts);
	return ok;
}
