/*
 * db-error.c: what a database result means for the client: success, or
 * the wire error (and rule) a failure is answered with.  Our triggers
 * raise SQLSTATE class CA with the rule's name as the message, and class
 * CB (sql/023) for a write budget: its name, a sentence, the seconds
 * until it refills as the hint.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"

bool
db_ok(const PGresult *res)
{
	ExecStatusType st;

	if (res == NULL)
		return false;
	st = PQresultStatus(res);
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

enum wire_err
db_error(const PGresult *res, const char **rule, const char **msg)
{
	const char *state, *m;

	*rule = NULL;
	if (res == NULL) {
		*msg = "database unavailable, try again later";
		return E_UNAVAILABLE;
	}
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (state == NULL)
		state = "XX000";
	if (strncmp(state, "CA", 2) == 0) {
		/* Our triggers: the message is the rule's name. */
		const char *d = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
		*rule = m ? m : "unknown";
		*msg = d ? d : "refused by a rule";
		return E_RULE;
	}
	if (strcmp(state, "CB001") == 0) {
		/* A write budget: the message is its name. */
		const char *d = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
		*rule = m ? m : "budget";
		*msg = d ? d : "write budget exhausted";
		return E_LIMIT;
	}
	if (strcmp(state, "23505") == 0) {
		*msg = "already exists";
		return E_CONFLICT;
	}
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0) {
		*msg = "concurrent change, try again";
		return E_CONFLICT;
	}
	if (strncmp(state, "23", 2) == 0 || strncmp(state, "22", 2) == 0) {
		*msg = m ? m : "invalid value";
		return E_INVALID;
	}
	if (strcmp(state, "57014") == 0) {
		*msg = "database statement timeout";
		return E_UNAVAILABLE;
	}
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
	    strncmp(state, "53", 2) == 0) {
		*msg = "database unavailable, try again later";
		return E_UNAVAILABLE;
	}
	log_warnx("db: unexpected error %s: %s", state, m ? m : "");
	*msg = "internal error";
	return E_INTERNAL;
}

bool
db_budget(const PGresult *res, int64_t *secs)
{
	const char *st, *hint;
	char *end;
	long long v;

	if (res == NULL ||
	    (st = PQresultErrorField(res, PG_DIAG_SQLSTATE)) == NULL ||
	    strcmp(st, "CB001") != 0)
		return false;
	*secs = 1;
	if ((hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT)) != NULL) {
		v = strtoll(hint, &end, 10);
		if (end != hint && *end == '\0' && v > 0)
			*secs = v;
	}
	return true;
}
