/*
 * migrate.c: apply sql/NNN_*.sql in order.  An advisory lock serialises two
 * servers starting at once; schema_migrations records what ran, so a restart
 * applies nothing twice.  This runs before the event loop, so the blocking
 * libpq calls here never delay a client.
 */
#include <stdio.h>
#include <stdlib.h>

#include <libpq-fe.h>

#include "log.h"
#include "migrate.h"

#define MIGRATE_LOCK	"7270001"

static bool
ok(PGconn *pg, PGresult *r, const char *what)
{
	ExecStatusType st = PQresultStatus(r);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		PQclear(r);
		return true;
	}
	log_warnx("migrate: %s: %s", what, PQerrorMessage(pg));
	PQclear(r);
	return false;
}

bool
migrate(const char *conninfo)
{
	PGconn *pg = PQconnectdb(conninfo);
	bool good = false;

	if (PQstatus(pg) != CONNECTION_OK) {
		log_warnx("database: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return false;
	}
	PQclear(PQexec(pg, "SET client_min_messages = warning"));
	if (!ok(pg, PQexec(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")"),
	    "lock"))
		goto out;
	if (!ok(pg, PQexec(pg, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version integer PRIMARY KEY, name text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())"), "create"))
		goto unlock;
	for (const struct migration *m = migrations; m->version != 0; m++) {
		char v[16];
		const char *p[2] = { v, m->name };
		PGresult *r;
		bool done;

		snprintf(v, sizeof v, "%d", m->version);
		r = PQexecParams(pg, "SELECT 1 FROM schema_migrations "
		    "WHERE version = $1", 1, NULL, p, NULL, NULL, 0);
		done = PQresultStatus(r) == PGRES_TUPLES_OK &&
		    PQntuples(r) == 1;
		if (!ok(pg, r, "check"))
			goto unlock;
		if (done)
			continue;
		log_info("applying migration %s", m->name);
		if (!ok(pg, PQexec(pg, "BEGIN"), "begin"))
			goto unlock;
		/* Our own SQL from sql/, never user text: PQexec may run the
		 * several statements a migration holds. */
		if (!ok(pg, PQexec(pg, m->sql), m->name) ||
		    !ok(pg, PQexecParams(pg, "INSERT INTO schema_migrations "
		    "(version, name) VALUES ($1, $2)", 2, NULL, p, NULL, NULL,
		    0), "record") ||
		    !ok(pg, PQexec(pg, "COMMIT"), "commit")) {
			PQclear(PQexec(pg, "ROLLBACK"));
			goto unlock;
		}
	}
	good = true;
unlock:
	PQclear(PQexec(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")"));
out:
	PQfinish(pg);
	return good;
}
