/*
 * demo-feed.c: the demo organisation's feed (cairnd --demo, after the
 * load): a database demo_ops beside cairn's, with a table of deliveries
 * and a view of the last day's on-time rate, read by a role that may read
 * only that view; a source on it, allowed to logistics; and a feed of the
 * KPI "On-time delivery" from it every minute, set by logistics' lead.
 * So the tour shows a KPI that updates itself (docs/rules.md, "Feeds").
 *
 * Start-up code, as demo.c: blocking libpq, every statement with
 * parameters.  A failure here leaves the demo as loaded, without its
 * feed, and says so: a database where cairn's role may not create
 * databases or roles (--db on a managed server) still gets the demo.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "demo.h"
#include "log.h"
#include "secret.h"
#include "xmalloc.h"

#define DEMO_FEED_DB	"demo_ops"
#define DEMO_FEED_ROLE	"demo_feeder"
#define DEMO_FEED_SRC	"demo-ops"
#define DEMO_FEED_KPI	"On-time delivery"
#define DEMO_FEED_TEAM	"logistics"
#define DEMO_FEED_LEAD	"lena"
#define DEMO_FEED_QUERY	"SELECT value FROM on_time_rate"

/* The deliveries: one every 5 minutes from 30 days ago to 90 days ahead,
 * about 1.5% late (the same ones at every load: a fixed seed: a day of
 * them, 288, stays green, above 95%, by five standard deviations); the view
 * counts the last day's, so the rate moves as time passes. */
static const char *const ops_schema[] = {
	"CREATE TABLE IF NOT EXISTS deliveries (id bigint GENERATED ALWAYS "
	"AS IDENTITY PRIMARY KEY, delivered_at timestamptz NOT NULL, "
	"on_time boolean NOT NULL)",
	"CREATE INDEX IF NOT EXISTS deliveries_at ON deliveries "
	"(delivered_at)",
	"SELECT setseed(0.42)",
	"INSERT INTO deliveries (delivered_at, on_time) SELECT t, random() "
	"< 0.985 FROM generate_series(now() - interval '30 days', now() + "
	"interval '90 days', interval '5 minutes') t WHERE NOT EXISTS "
	"(SELECT 1 FROM deliveries)",
	"CREATE OR REPLACE VIEW on_time_rate AS SELECT round(100.0 * "
	"avg(on_time::int), 1) AS value FROM deliveries WHERE delivered_at "
	"> now() - interval '1 day' AND delivered_at <= now()",
	"REVOKE ALL ON deliveries FROM PUBLIC",
	"GRANT SELECT ON on_time_rate TO " DEMO_FEED_ROLE,
	NULL
};

/* Run sql with n text parameters; false (logged) on an error.  Blocking:
 * cairnd --demo runs before any event loop exists. */
static bool
exec(PGconn *pg, const char *sql, int n, const char *const *p)
{
	PGresult *r = PQexecParams(pg, sql, n, NULL, p, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok)
		log_warnx("demo feed: %s", PQresultErrorMessage(r));
	PQclear(r);
	return ok;
}

/* The demo_ops database (kept if it exists) with its role, table and
 * view; the role's new password in pw. */
static bool
ops_database(PGconn *pg, const char *conninfo, const char *pw)
{
	const char *kw[] = { "dbname", "dbname", NULL };
	const char *val[] = { conninfo, DEMO_FEED_DB, NULL };
	PGresult *r;
	PGconn *ops;
	bool ok = true;

	/* CREATE DATABASE takes no parameters, and names no user text
	 * (blocking: start-up only, as exec above). */
	r = PQexec(pg, "CREATE DATABASE " DEMO_FEED_DB);
	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE) != NULL ?
	    PQresultErrorField(r, PG_DIAG_SQLSTATE) : "", "42P04") != 0) {
		log_warnx("demo feed: %s", PQresultErrorMessage(r));
		PQclear(r);
		return false;
	}
	PQclear(r);
	/* The role, with the password set through a parameter: format()
	 * quotes it as a literal. */
	if (!exec(pg, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles "
	    "WHERE rolname = '" DEMO_FEED_ROLE "') THEN CREATE ROLE "
	    DEMO_FEED_ROLE " LOGIN; END IF; END $$", 0, NULL) ||
	    !exec(pg, "SELECT set_config('cairn.demo_pw', $1, false)", 1,
	    (const char *[]){ pw }) ||
	    !exec(pg, "DO $$ BEGIN EXECUTE format('ALTER ROLE " DEMO_FEED_ROLE
	    " PASSWORD %L', current_setting('cairn.demo_pw')); END $$", 0,
	    NULL) ||
	    !exec(pg, "SELECT set_config('cairn.demo_pw', '', false)", 0,
	    NULL))
		return false;
	/* dbname twice: the first is expanded as the whole conninfo, the
	 * second overrides its database. */
	ops = PQconnectdbParams(kw, val, 1);
	if (PQstatus(ops) != CONNECTION_OK) {
		log_warnx("demo feed: %s", PQerrorMessage(ops));
		PQfinish(ops);
		return false;
	}
	for (int i = 0; ok && ops_schema[i] != NULL; i++)
		ok = exec(ops, ops_schema[i], 0, NULL);
	PQfinish(ops);
	return ok;
}

/* The source (its password sealed when cairnd has a secret_key), allowed
 * to logistics, and the feed, in one transaction. */
static bool
feed_rows(PGconn *pg, const char *pw)
{
	char target[512], *hex = NULL;
	uint8_t sealed[SECRET_MAX + SECRET_OVERHEAD];
	size_t n;
	const char *p[3];
	bool ok;

	snprintf(target, sizeof target, "host=%s port=%s dbname=%s user=%s",
	    PQhost(pg), PQport(pg), DEMO_FEED_DB, DEMO_FEED_ROLE);
	if (secret_current() != NULL) {
		if (!secret_seal(secret_current(), DEMO_FEED_SRC, pw, strlen(pw),
		    sealed, sizeof sealed, &n))
			return false;
		hex = secret_bytea_hex(sealed, n);
	}
	p[0] = target;
	p[1] = hex;
	p[2] = DEMO_FEED_QUERY;
	ok = exec(pg, "BEGIN", 0, NULL) &&
	    exec(pg, "WITH s AS (INSERT INTO sources (name, kind, target, "
	    "secret, created_by) VALUES ('" DEMO_FEED_SRC "', 'postgres', $1, "
	    "$2::bytea, (SELECT id FROM users WHERE login = '" DEMO_FEED_LEAD
	    "')) RETURNING id), t AS (INSERT INTO source_teams (source_id, "
	    "team_id) SELECT s.id, x.id FROM s, teams x WHERE x.slug = '"
	    DEMO_FEED_TEAM "') INSERT INTO feeds (kpi_id, source_id, query, "
	    "every, set_by, due) SELECT k.id, s.id, $3, 60, u.id, now() FROM "
	    "s, kpis k, users u WHERE k.name = '" DEMO_FEED_KPI "' AND "
	    "u.login = '" DEMO_FEED_LEAD "'", 3, p) &&
	    exec(pg, "COMMIT", 0, NULL);
	if (!ok)
		(void)exec(pg, "ROLLBACK", 0, NULL);
	free(hex);
	return ok;
}

bool
demo_feed_load(PGconn *pg, const char *conninfo)
{
	uint8_t raw[18];
	char pw[2 * sizeof raw + 1];
	bool ok;

	if (RAND_bytes(raw, sizeof raw) != 1)
		return false;
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(pw + 2 * i, 3, "%02x", raw[i]);
	ok = ops_database(pg, conninfo, pw) && feed_rows(pg, pw);
	OPENSSL_cleanse(pw, sizeof pw);
	if (ok)
		log_info("demo: KPI '%s' is fed from database %s every minute "
		    "(source %s)", DEMO_FEED_KPI, DEMO_FEED_DB, DEMO_FEED_SRC);
	else
		log_warnx("demo: loaded without its feed (the KPI '%s' is "
		    "recorded by hand)", DEMO_FEED_KPI);
	return ok;
}
