/*
 * migrate.c: bring the database to what this cairnd expects, at start-up.
 *
 * Schema and logic are kept apart (docs/operations.md, "Migrations"):
 * - sql/NNN_*.sql, the migrations: tables, constraints, indexes and data
 *   changes, applied once each in order and recorded in schema_migrations.
 *   A released migration is never edited.
 * - sql/logic/ENTITY.sql: functions, triggers and views by entity, each defined
 *   once with CREATE OR REPLACE (what is gone, dropped in gone.sql).  They
 *   are applied whole, in one transaction, when their hash differs from
 *   the one recorded in schema_logic or a migration just ran.
 * - sql/legacy/6e09e4c.sql upgrades, once, a database made before the
 *   migrations were squashed into 001_baseline.
 *
 * An advisory lock serialises two servers starting at once.  This runs
 * before the event loop, so the blocking libpq calls here delay no client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Our own SQL from sql/, never user text: PQexec may run the several
 * statements a file holds. */
static bool __attribute__((warn_unused_result))
run(PGconn *pg, const char *sql, const char *what)
{
	return ok(pg, PQexec(pg, sql), what);
}

static bool __attribute__((warn_unused_result))
rollback(PGconn *pg)
{
	PQclear(PQexec(pg, "ROLLBACK"));
	return false;
}

/*
 * A database made before the squash has its first migration recorded as
 * version 1 under another name than the baseline's: upgrade it (the
 * script itself refuses one that is not at the last migration of then).
 */
static bool __attribute__((warn_unused_result))
legacy(PGconn *pg)
{
	const char *p[1] = { migrations[0].name };
	PGresult *r;
	bool old;

	r = PQexecParams(pg, "SELECT 1 FROM schema_migrations "
	    "WHERE version = 1 AND name <> $1", 1, NULL, p, NULL, NULL, 0);
	old = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	if (!ok(pg, r, "legacy check"))
		return false;
	if (!old)
		return true;
	log_info("upgrading a database made before the schema squash");
	if (!run(pg, "BEGIN", "begin") ||
	    !run(pg, legacy_sql, "sql/legacy/6e09e4c.sql") ||
	    !run(pg, "COMMIT", "commit"))
		return rollback(pg);
	return true;
}

/* Apply what is missing, each migration in its own transaction.  *ran
 * counts those applied. */
static bool __attribute__((warn_unused_result))
schema(PGconn *pg, int *ran)
{
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
			return false;
		if (done)
			continue;
		log_info("applying migration %s", m->name);
		if (!run(pg, "BEGIN", "begin") ||
		    !run(pg, m->sql, m->name) ||
		    !ok(pg, PQexecParams(pg, "INSERT INTO schema_migrations "
		    "(version, name) VALUES ($1, $2)", 2, NULL, p, NULL, NULL,
		    0), "record") ||
		    !run(pg, "COMMIT", "commit"))
			return rollback(pg);
		(*ran)++;
	}
	return true;
}

/*
 * The logic, whole, in one transaction.  Bodies are not checked while the
 * files are applied (check_function_bodies = off), so that a function may
 * call one from a later file; every SQL and PL/pgSQL function is then
 * validated with the checks on, so that a broken body stops cairnd here,
 * not on the first request that calls it.
 */
static bool __attribute__((warn_unused_result))
logic(PGconn *pg, bool force)
{
	const char *p[1] = { logic_hash };
	PGresult *r;
	bool same;
	int n = 0;

	r = PQexecParams(pg, "SELECT 1 FROM schema_logic WHERE hash = $1",
	    1, NULL, p, NULL, NULL, 0);
	same = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	if (!ok(pg, r, "logic check"))
		return false;
	if (same && !force) {
		log_debug("logic %.12s already applied", logic_hash);
		return true;
	}
	if (!run(pg, "BEGIN", "begin") ||
	    !run(pg, "SET LOCAL check_function_bodies = off", "set"))
		return rollback(pg);
	for (const struct logic_file *f = logic_files; f->name != NULL; f++) {
		char what[64];

		snprintf(what, sizeof what, "sql/logic/%s.sql", f->name);
		if (!run(pg, f->sql, what))
			return rollback(pg);
		n++;
	}
	if (!run(pg, "SET LOCAL check_function_bodies = on", "set") ||
	    !run(pg, "SELECT CASE l.lanname "
	    "WHEN 'sql' THEN fmgr_sql_validator(p.oid) "
	    "ELSE plpgsql_validator(p.oid) END "
	    "FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
	    "WHERE p.pronamespace = 'public'::regnamespace "
	    "AND l.lanname IN ('sql', 'plpgsql')", "validate") ||
	    !ok(pg, PQexecParams(pg, "INSERT INTO schema_logic (hash) "
	    "VALUES ($1) ON CONFLICT (one) DO UPDATE "
	    "SET hash = EXCLUDED.hash, applied_at = now()", 1, NULL, p, NULL,
	    NULL, 0), "record logic") ||
	    !run(pg, "COMMIT", "commit"))
		return rollback(pg);
	log_info("applied logic %.12s (%d files)", logic_hash, n);
	return true;
}

bool
migrate(const char *conninfo)
{
	PGconn *pg = PQconnectdb(conninfo);
	bool good = false;
	int ran = 0;

	if (PQstatus(pg) != CONNECTION_OK) {
		log_warnx("database: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return false;
	}
	PQclear(PQexec(pg, "SET client_min_messages = warning"));
	if (!run(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")", "lock"))
		goto out;
	if (!run(pg, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version integer PRIMARY KEY, name text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())", "create") ||
	    !run(pg, "CREATE TABLE IF NOT EXISTS schema_logic ("
	    "one boolean PRIMARY KEY DEFAULT true CHECK (one), "
	    "hash text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())", "create") ||
	    !legacy(pg) || !schema(pg, &ran) || !logic(pg, ran > 0))
		goto unlock;
	/* A migration may add what the stored roll-up keeps (006: the
	 * objectives' forecasts): rebuilt once, by the logic now in place. */
	if (ran > 0 && !run(pg, "SELECT objectives_progress_rebuild()",
	    "rebuild the roll-up"))
		goto unlock;
	good = true;
unlock:
	PQclear(PQexec(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")"));
out:
	PQfinish(pg);
	return good;
}
