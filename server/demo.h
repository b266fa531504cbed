/*
 * demo.h: cairnd --demo, a demo organisation built on the guide's three
 * case studies (manufacturing, logistics, customer service), loaded into
 * an empty database in one transaction at start-up (blocking libpq; no
 * event loop exists yet).
 *
 * The organisation is data (demo-data.c), the loader is code (demo.c).
 * Times are given as ages ("so many days before the load"), so that the
 * quarter is always the one around today and the staleness, the pace and
 * the KPI health come out the same whenever the demo is loaded.
 */
#ifndef CAIRN_DEMO_H
#define CAIRN_DEMO_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "attr.h"

/* The periods, as days from the day of the load (UTC): a 13-week quarter
 * 8 weeks old, the third of a 52-week fiscal year. */
#define DEMO_Q_START	(-56)
#define DEMO_Q_DAYS	91
#define DEMO_Y_START	(DEMO_Q_START - 2 * DEMO_Q_DAYS)
#define DEMO_Y_DAYS	(4 * DEMO_Q_DAYS)
/* Objectives and key results were written in the week before the
 * quarter began. */
#define DEMO_PLANNED	(-DEMO_Q_START + 3)
/* The objective limit the demo leaves (max_objectives): one team has more
 * (the guide's first pitfall, "setting too many objectives"). */
#define DEMO_MAX_OBJECTIVES	4

#define DEMO_WEEKS	12	/* readings per KPI, one a week */
#define DEMO_MEMBERS	3
#define DEMO_KRS	3
#define DEMO_CHECKINS	8
#define DEMO_ROI	10	/* roi_input_names(), sql/011, in order */

struct demo_user {
	const char	*login;
	const char	*name;
	const char	*role;		/* executive or member */
	const char	*about;		/* printed beside the password */
};

struct demo_team {
	const char	*slug;
	const char	*name;
	const char	*parent;	/* slug, NULL for the root */
	const char	*framework;	/* okr, kpi, hybrid */
	const char	*lead;
	const char	*members[DEMO_MEMBERS];
	bool		 signoff;	/* objectives need the parent lead's
					 * sign-off (docs/rules.md) */
};

struct demo_kpi {
	const char	*team;
	const char	*name;
	const char	*description;
	const char	*unit;
	const char	*direction;	/* up or down */
	double		 green, amber;
	const char	*owner;
	int		 last_age;	/* days since the latest reading */
	double		 v[DEMO_WEEKS];	/* weekly readings, oldest first */
};

struct demo_kr {
	const char	*title;
	const char	*type;		/* increase, decrease, boolean */
	double		 start, target;
	double		 current;	/* after the last check-in */
	const char	*unit;
	const char	*owner;
	int		 confidence;	/* at the last check-in */
	const char	*kpi;		/* bound to this KPI (name), or NULL */
	/* Days before the load of each check-in, oldest first, 0 ends the
	 * list; none for a key result never checked in (or bound). */
	int		 ages[DEMO_CHECKINS];
	const char	*note;		/* of the last check-in */
};

struct demo_objective {
	const char	*key;		/* for parent, below */
	bool		 year;		/* in the year, else in the quarter */
	const char	*team;
	const char	*title;
	const char	*description;
	const char	*owner;
	const char	*type;		/* committed or aspirational */
	const char	*parent;	/* key of the objective above, or NULL */
	const char	*guard;		/* guardrail KPI (name), or NULL */
	const char	*rollup;	/* NULL: auto */
	struct demo_kr	 krs[DEMO_KRS];
	/* In a sign-off team: left awaiting the parent lead's sign-off;
	 * the team's others are approved by that lead after the load. */
	bool		 awaiting;
};

struct demo_assessment {
	const char	*team;
	const char	*author;
	int		 age;		/* days */
	bool		 applied;
	int		 scenarios[12];	/* 0-5, in the order of sql/009 */
	bool		 checklist[6];
};

struct demo_roi {
	const char	*team;
	const char	*set_by;
	double		 v[DEMO_ROI];
};

struct demo_org {
	const struct demo_user		*users;
	const struct demo_team		*teams;
	const struct demo_kpi		*kpis;
	const struct demo_objective	*objectives;
	const struct demo_assessment	*assessments;
	const struct demo_roi		*roi;
	int	nusers, nteams, nkpis, nobjectives, nassessments, nroi;
};

extern const struct demo_org demo_org;

/* Loads demo_org into the database at conninfo and prints the logins and
 * their passwords.  Returns the exit status: 0 loaded, 1 failed (nothing
 * changed), 3 the database is not empty (nothing changed). */
int	demo_load(const char *conninfo) MUST_CHECK;

#define DEMO_NOT_EMPTY	3

/* demo-feed.c: after the load, the demo_ops database, its source and the
 * feed of "On-time delivery" (false, logged: the demo without it). */
bool	demo_feed_load(PGconn *, const char *conninfo);

#endif
