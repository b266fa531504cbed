/*
 * demo.c: cairnd --demo loads demo_org (demo-data.c) into an empty
 * database and exits.  Start-up code: plain blocking libpq, one
 * transaction, every statement with parameters.
 *
 * "Empty" means: no teams, periods, objectives, KPIs or assessments, and
 * no users but administrators (the one make run or --init-admin created).
 * The check runs inside the transaction after locking those tables
 * against writes, so a cairnd serving the same database cannot add
 * something between the check and the load.
 *
 * The rows go in through the tables' own triggers (limits, owners,
 * alignment, KPI permissions), so the demo is held to the rules like any
 * data; only the times are set in the past (created_at, check-ins'
 * and readings' `at`), as a load of history must.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/crypto.h>

#include "attr.h"
#include "login.h"
#include "demo.h"
#include "hashpool.h"
#include "log.h"
#include "xmalloc.h"

#define PMAX	12

/* A load in progress: the first error sticks, later statements are
 * skipped, and the transaction is rolled back. */
struct load {
	PGconn		*pg;
	bool		 failed;
	long long	 user[32], team[16], kpi[16], obj[32];
	long long	 year, quarter;
	char		 yname[41], qname[41];
	int		 checkins, readings, comments;
};

/*
 * Run sql with parameters described by fmt, one letter each: s a string
 * (NULL: SQL NULL), i a long long (0: NULL, ids start at 1), d a double,
 * b a bool.  Returns the first column of the first row as an integer (0
 * when there is none).
 */
static long long
run(struct load *l, const char *sql, const char *fmt, ...)
{
	char buf[PMAX][64];
	const char *p[PMAX];
	long long id = 0;
	PGresult *r;
	va_list ap;
	int n = 0;

	if (l->failed)
		return 0;
	va_start(ap, fmt);
	for (; fmt[n] != '\0'; n++) {
		long long v;

		if (n == PMAX)
			fatalx("demo: too many parameters");
		switch (fmt[n]) {
		case 's':
			p[n] = va_arg(ap, const char *);
			break;
		case 'i':
			v = va_arg(ap, long long);
			snprintf(buf[n], sizeof buf[n], "%lld", v);
			p[n] = v == 0 ? NULL : buf[n];
			break;
		case 'd':
			snprintf(buf[n], sizeof buf[n], "%.17g",
			    va_arg(ap, double));
			p[n] = buf[n];
			break;
		case 'b':
			p[n] = va_arg(ap, int) ? "true" : "false";
			break;
		default:
			fatalx("demo: bad parameter type '%c'", fmt[n]);
		}
	}
	va_end(ap);
	r = PQexecParams(l->pg, sql, n, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK) {
		if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
			id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	} else if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		const char *d = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);

		log_warnx("demo: %s%s%s (in: %.60s...)",
		    PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY),
		    d ? ": " : "", d ? d : "", sql);
		l->failed = true;
	}
	PQclear(r);
	return id;
}

static int
find(const char *const *names, size_t stride, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(*(const char *const *)((const char *)names +
		    i * stride), name) == 0)
			return i;
	fatalx("demo: '%s' is not in the demo data", name);
}

#define FIND(arr, n, field, name) \
	find(&(arr)[0].field, sizeof (arr)[0], (n), (name))

static long long
user_id(struct load *l, const char *login)
{
	return l->user[FIND(demo_org.users, demo_org.nusers, login, login)];
}

static long long
team_id(struct load *l, const char *slug)
{
	return l->team[FIND(demo_org.teams, demo_org.nteams, slug, slug)];
}

static long long
kpi_id(struct load *l, const char *name)
{
	return l->kpi[FIND(demo_org.kpis, demo_org.nkpis, name, name)];
}

/* The database is empty, or says why not (1 when the check failed). */
static int MUST_CHECK
check_empty(struct load *l)
{
	long long n;

	/* Writes wait until we commit; reads go on. */
	run(l, "LOCK TABLE users, teams, periods, objectives, kpis, "
	    "assessments IN SHARE ROW EXCLUSIVE MODE", "");
	n = run(l, "SELECT (SELECT count(*) FROM users WHERE role <> 'admin') "
	    "+ (SELECT count(*) FROM teams) + (SELECT count(*) FROM periods) "
	    "+ (SELECT count(*) FROM objectives) + (SELECT count(*) FROM kpis) "
	    "+ (SELECT count(*) FROM assessments) AS things", "");
	if (l->failed)
		return 1;
	if (n > 0) {
		log_warnx("demo: the database is not empty (it has users other "
		    "than administrators, teams, periods, objectives, KPIs or "
		    "assessments): the demo loads only into a new database; "
		    "nothing was changed");
		return DEMO_NOT_EMPTY;
	}
	return 0;
}

static void
load_people(struct load *l, char **pw)
{
	const struct demo_org *o = &demo_org;

	for (int i = 0; i < o->nusers; i++) {
		char *hash;

		pw[i] = password_generate();
		if ((hash = password_hash_now(pw[i])) == NULL)
			fatalx("password hashing failed");
		l->user[i] = run(l, "INSERT INTO users (login, name, role, "
		    "password_hash) VALUES ($1, $2, $3, $4) RETURNING id",
		    "ssss", o->users[i].login, o->users[i].name,
		    o->users[i].role, hash);
		free(hash);
	}
	/* Parents come before their children in the table. */
	for (int i = 0; i < o->nteams; i++) {
		const struct demo_team *t = &o->teams[i];

		l->team[i] = run(l, "INSERT INTO teams (slug, name, parent_id, "
		    "framework, signoff) VALUES ($1, $2, $3, $4, $5) "
		    "RETURNING id", "ssisb", t->slug, t->name,
		    t->parent ? team_id(l, t->parent) : 0, t->framework,
		    t->signoff);
		run(l, "INSERT INTO team_members (team_id, user_id, role) "
		    "VALUES ($1, $2, 'lead')", "ii", l->team[i],
		    user_id(l, t->lead));
		for (int j = 0; j < DEMO_MEMBERS && t->members[j]; j++)
			run(l, "INSERT INTO team_members (team_id, user_id, "
			    "role) VALUES ($1, $2, 'member')", "ii", l->team[i],
			    user_id(l, t->members[j]));
	}
}

static void
load_periods(struct load *l)
{
	static const char sql[] = "INSERT INTO periods (name, start_date, "
	    "end_date, state) SELECT $1, d + $2::int, d + $3::int, 'active' "
	    "FROM (SELECT (now() AT TIME ZONE 'UTC')::date AS d) t "
	    "RETURNING id";
	long long fy;

	/* A fiscal year named after the year it starts in. */
	fy = run(l, "SELECT extract(year FROM (now() AT TIME ZONE 'UTC')::date "
	    "+ $1::int)::bigint AS fy", "i", (long long)DEMO_Y_START);
	snprintf(l->yname, sizeof l->yname, "FY%lld", fy);
	snprintf(l->qname, sizeof l->qname, "FY%lld-Q3", fy);
	l->year = run(l, sql, "sii", l->yname, (long long)DEMO_Y_START,
	    (long long)(DEMO_Y_START + DEMO_Y_DAYS - 1));
	l->quarter = run(l, sql, "sii", l->qname, (long long)DEMO_Q_START,
	    (long long)(DEMO_Q_START + DEMO_Q_DAYS - 1));
}

/* v to 0.01, half away from zero (no libm in cairnd). */
static double
cents(double v)
{
	return (double)(long long)(v * 100 + (v < 0 ? -0.5 : 0.5)) / 100;
}

/* The check-ins of k: from its start towards its current value, the last
 * one at current (a boolean stays at its start until the last), the
 * confidence falling by one a check-in towards the last one's. */
static void
load_checkins(struct load *l, long long kr, const struct demo_kr *k)
{
	int n = 0;

	while (n < DEMO_CHECKINS && k->ages[n] > 0)
		n++;
	for (int i = 0; i < n; i++) {
		double v = i == n - 1 ? k->current :
		    strcmp(k->type, "boolean") == 0 ? k->start :
		    k->start + (k->current - k->start) * (i + 1) / n;
		int c = k->confidence + (n - 1 - i);

		if (c > 8)
			c = k->confidence > 8 ? k->confidence : 8;
		run(l, "INSERT INTO checkins (kr_id, value, confidence, note, "
		    "author_id, at) VALUES ($1, $2, $3::smallint, $4, $5, "
		    "now() - $6::float8 * interval '1 day')", "idisid", kr,
		    cents(v), (long long)c,
		    i == n - 1 && k->note ? k->note : "",
		    user_id(l, k->owner), (double)k->ages[i]);
		l->checkins++;
	}
}

/* KPIs first (bound key results name them), their readings after the key
 * results, so that the bound ones follow them as readings arrive. */
static void
load_kpis(struct load *l)
{
	const struct demo_org *o = &demo_org;

	for (int i = 0; i < o->nkpis; i++) {
		const struct demo_kpi *k = &o->kpis[i];

		l->kpi[i] = run(l, "INSERT INTO kpis (team_id, name, "
		    "description, unit, direction, green, amber, frequency, "
		    "owner_id, created_at, updated_at) VALUES ($1, $2, $3, $4, "
		    "$5, $6, $7, 'weekly', $8, now() - $9::float8 * "
		    "interval '1 day', now() - $9::float8 * interval '1 day') "
		    "RETURNING id", "issssddid", team_id(l, k->team), k->name,
		    k->description, k->unit, k->direction, k->green, k->amber,
		    user_id(l, k->owner),
		    (double)(k->last_age + 7 * DEMO_WEEKS));
	}
}

static void
load_readings(struct load *l)
{
	const struct demo_org *o = &demo_org;

	for (int i = 0; i < o->nkpis; i++) {
		const struct demo_kpi *k = &o->kpis[i];

		for (int w = 0; w < DEMO_WEEKS; w++) {
			run(l, "INSERT INTO kpi_readings (kpi_id, value, at, "
			    "author_id, recorded_at) VALUES ($1, $2, now() - "
			    "$3::float8 * interval '1 day', $4, now() - "
			    "$3::float8 * interval '1 day')", "iddi", l->kpi[i],
			    k->v[w], (double)(k->last_age +
			    7 * (DEMO_WEEKS - 1 - w)), user_id(l, k->owner));
			l->readings++;
		}
	}
}

static void
load_objectives(struct load *l)
{
	const struct demo_org *o = &demo_org;
	long long kr[32][DEMO_KRS];

	for (int i = 0; i < o->nobjectives; i++) {
		const struct demo_objective *x = &o->objectives[i];
		int planned = x->year ? -DEMO_Y_START + 3 : DEMO_PLANNED;

		l->obj[i] = run(l, "INSERT INTO objectives (team_id, period_id, "
		    "title, description, owner_id, type, parent_id, rollup, "
		    "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
		    "$8, now() - $9::float8 * interval '1 day', now() - "
		    "$9::float8 * interval '1 day') RETURNING id", "iissisisd",
		    team_id(l, x->team), x->year ? l->year : l->quarter,
		    x->title, x->description, user_id(l, x->owner), x->type,
		    x->parent ? l->obj[FIND(o->objectives, i, key, x->parent)] :
		    0LL, x->rollup ? x->rollup : "auto", (double)planned);
		for (int j = 0; j < DEMO_KRS && x->krs[j].title; j++) {
			const struct demo_kr *k = &x->krs[j];

			kr[i][j] = run(l, "INSERT INTO key_results "
			    "(objective_id, title, type, start_value, target, "
			    "current, unit, owner_id, kpi_id, created_at, "
			    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
			    "$9, now() - $10::float8 * interval '1 day', "
			    "now() - $10::float8 * interval '1 day') "
			    "RETURNING id", "issdddsiid", l->obj[i], k->title,
			    k->type, k->start, k->target, k->start, k->unit,
			    user_id(l, k->owner), k->kpi ? kpi_id(l, k->kpi) :
			    0LL, (double)planned);
		}
		if (x->guard)
			run(l, "INSERT INTO objective_guardrails (objective_id, "
			    "kpi_id, added_by, added_at) VALUES ($1, $2, $3, "
			    "now() - $4::float8 * interval '1 day')", "iiid",
			    l->obj[i], kpi_id(l, x->guard),
			    user_id(l, x->owner), (double)planned);
	}
	/* Check-ins in the order they were made would interleave; each key
	 * result's own are in order, which is what the triggers need. */
	for (int i = 0; i < o->nobjectives; i++)
		for (int j = 0; j < DEMO_KRS && o->objectives[i].krs[j].title;
		    j++)
			load_checkins(l, kr[i][j], &o->objectives[i].krs[j]);
}

/*
 * A few comments (issue 16), one with a mention (@priya, who reads the
 * manufacturing objective), so that `cairn comments obj` and the mentions
 * of the inbox have something to show.  Through the table, so that its
 * trigger records the mention and its event as for any comment.
 */
static const struct {
	const char	*objective;	/* key; NULL: on the KPI */
	const char	*kpi;
	const char	*author;
	const char	*text;
	int		 days_ago;
} demo_comments[] = {
	{ "M1", NULL, "nadia", "Most of line 2's stops are feeder jams. "
	  "@priya, can maintenance look at the feeder in Thursday's planned "
	  "window?", 6 },
	{ "M1", NULL, "priya", "Booked for Thursday; the spare belt is in "
	  "stock.", 5 },
	{ "L1", NULL, "omar", "Carrier consolidation is live on the northern "
	  "routes; cost per order should show it from next week.", 3 },
	{ NULL, "Supply-chain cost per order", "lena", "The fuel surcharge "
	  "explains the last two weeks; the trend is still ours to fix.", 2 },
};

static void
load_comments(struct load *l)
{
	const struct demo_org *o = &demo_org;

	for (size_t i = 0; i < sizeof demo_comments / sizeof demo_comments[0];
	    i++) {
		long long obj = 0, kpi = 0;

		if (demo_comments[i].objective != NULL)
			obj = l->obj[FIND(o->objectives, o->nobjectives, key,
			    demo_comments[i].objective)];
		else
			kpi = kpi_id(l, demo_comments[i].kpi);
		run(l, "INSERT INTO comments (objective_id, kpi_id, author_id, "
		    "body, created_at) VALUES ($1, $2, $3, $4, now() - "
		    "$5::float8 * interval '1 day')", "iiisd", obj, kpi,
		    user_id(l, demo_comments[i].author), demo_comments[i].text,
		    (double)demo_comments[i].days_ago);
		l->comments++;
	}
}

/* The objectives of sign-off teams started proposed (the insert's trigger):
 * all but those left awaiting are approved by the parent team's lead, as
 * the database's transitions allow (signoff.sql). */
static void
load_signoff(struct load *l)
{
	const struct demo_org *o = &demo_org;

	for (int i = 0; i < o->nobjectives; i++) {
		if (o->objectives[i].awaiting)
			continue;
		run(l, "UPDATE objectives x SET signoff = 'approved', "
		    "signoff_by = (SELECT m.user_id FROM team_members m "
		    "JOIN teams t ON t.parent_id = m.team_id "
		    "WHERE t.id = x.team_id AND m.role = 'lead' LIMIT 1) "
		    "WHERE x.id = $1 AND x.signoff = 'proposed'", "i",
		    l->obj[i]);
	}
}

static const char *const scenario_keys[12] = {
	"rapid_growth", "cross_functional", "innovation",
	"alignment_challenges", "flexibility", "strategic_alignment",
	"focus_on_change", "engagement", "short_term", "cross_departmental",
	"aspiration", "innovation_culture",
};
static const char *const checklist_keys[6] = {
	"stable", "compliance", "resource_focus", "maintenance", "monitoring",
	"incremental",
};

static void
load_assessments(struct load *l)
{
	const struct demo_org *o = &demo_org;

	for (int i = 0; i < o->nassessments; i++) {
		const struct demo_assessment *a = &o->assessments[i];
		char js[1024];
		size_t n;

		n = (size_t)snprintf(js, sizeof js, "{\"scenarios\": {");
		for (int q = 0; q < 12; q++)
			n += (size_t)snprintf(js + n, sizeof js - n,
			    "%s\"%s\": %d", q ? ", " : "", scenario_keys[q],
			    a->scenarios[q]);
		n += (size_t)snprintf(js + n, sizeof js - n,
		    "}, \"checklist\": {");
		for (int q = 0; q < 6; q++)
			n += (size_t)snprintf(js + n, sizeof js - n,
			    "%s\"%s\": %s", q ? ", " : "", checklist_keys[q],
			    a->checklist[q] ? "true" : "false");
		snprintf(js + n, sizeof js - n, "}}");
		run(l, "INSERT INTO assessments (team_id, author_id, at, answers, "
		    "applied) VALUES ($1, $2, now() - $3::float8 * "
		    "interval '1 day', $4::jsonb, $5)", "iidsb",
		    team_id(l, a->team), user_id(l, a->author), (double)a->age,
		    js, a->applied);
	}
}

static void
load_roi(struct load *l)
{
	const struct demo_org *o = &demo_org;

	for (int i = 0; i < o->nroi; i++)
		for (int j = 0; j < DEMO_ROI; j++)
			run(l, "INSERT INTO roi_inputs (team_id, period_id, name, "
			    "value, set_by) VALUES ($1, $2, (roi_input_names())"
			    "[$3::int], round($4::numeric, 2), $5)", "iiidi",
			    team_id(l, o->roi[i].team), l->quarter,
			    (long long)(j + 1), o->roi[i].v[j],
			    user_id(l, o->roi[i].set_by));
}

static void
print_logins(struct load *l, char **pw)
{
	const struct demo_org *o = &demo_org;

	printf("demo organisation loaded: %d teams, %d objectives, %d KPIs "
	    "with %d readings, %d check-ins, %d comments; periods %s and %s "
	    "(active)\n", o->nteams, o->nobjectives, o->nkpis, l->readings,
	    l->checkins, l->comments, l->yname, l->qname);
	printf("demo logins (passwords generated now; for demonstrations "
	    "only):\n");
	for (int i = 0; i < o->nusers; i++)
		printf("  %-8s %s  %s\n", o->users[i].login, pw[i],
		    o->users[i].about);
	fflush(stdout);
}

int
demo_load(const char *conninfo)
{
	const struct demo_org *o = &demo_org;
	struct load l = { 0 };
	char *pw[32] = { NULL };
	int rc;

	if (o->nusers > 32 || o->nteams > 16 || o->nkpis > 16 ||
	    o->nobjectives > 32)
		fatalx("demo: the data outgrew the loader's arrays");
	l.pg = PQconnectdb(conninfo);
	if (PQstatus(l.pg) != CONNECTION_OK) {
		log_warnx("database: %s", PQerrorMessage(l.pg));
		PQfinish(l.pg);
		return 1;
	}
	run(&l, "SET TIME ZONE 'UTC'", "");
	run(&l, "BEGIN", "");
	if ((rc = check_empty(&l)) != 0) {
		PQfinish(l.pg);
		return rc;
	}
	load_people(&l, pw);
	load_periods(&l);
	load_kpis(&l);
	load_objectives(&l);
	load_comments(&l);
	load_readings(&l);
	load_assessments(&l);
	load_roi(&l);
	load_signoff(&l);
	/* Lowered after the load: what exists stays (docs/rules.md). */
	run(&l, "UPDATE settings SET value = $1 WHERE name = 'max_objectives'",
	    "i", (long long)DEMO_MAX_OBJECTIVES);
	/* The stored progress (sql/012), right from the start, and set-based
	 * rather than as each row's triggers left it. */
	run(&l, "SELECT objectives_progress_rebuild()", "");
	run(&l, "INSERT INTO audit_log (user_id, op, entity_type, entity_id, "
	    "after) VALUES (NULL, 'demo.load', 'period', $1, "
	    "jsonb_build_object('year', $2::text, 'quarter', $3::text))",
	    "iss", l.quarter, l.yname, l.qname);
	run(&l, "COMMIT", "");
	if (l.failed) {
		log_warnx("demo: not loaded (nothing was changed)");
		rc = 1;
	} else {
		log_info("demo organisation loaded (%s, %s)", l.yname, l.qname);
		(void)demo_feed_load(l.pg, conninfo);
		print_logins(&l, pw);
	}
	for (int i = 0; i < o->nusers; i++)
		if (pw[i] != NULL) {
			OPENSSL_cleanse(pw[i], strlen(pw[i]));
			free(pw[i]);
		}
	PQfinish(l.pg);
	return rc;
}
