/*
 * report.h: the page of cairn report, laid out from the replies of the
 * ops that hold its data (each NULL when the server has no such op):
 *
 *   tree    {"objectives": [...], "teams": [...], "period": NAME}: rows
 *           in preorder with their depth (docs/protocol.md, "tree");
 *   health  {"teams": [{"team", "score", "parts", "weakest"}...]};
 *   kpis    kpi.list's array (each with "recent" for the sparkline);
 *   objectives  objective.list's array for the period, for the grades
 *           (rows with "grade", "met", "grade_note" once graded);
 *   retros  retro.get's replies, one a team: {"team", "notes": [{"author",
 *           "at", "note"}...]}.
 *
 * Kept apart from the network code so that tests/unit/test_report.c can
 * feed it replies and check the HTML, its escaping above all.
 */
#ifndef CAIRN_REPORT_H
#define CAIRN_REPORT_H

#include <stdio.h>

#include <msgpack.h>

struct report {
	const char		*period;	/* as asked */
	const char		*generated;	/* "2026-12-02 09:00 UTC" */
	const msgpack_object	*tree;
	const msgpack_object	*health;
	const msgpack_object	*kpis;
	const msgpack_object	*objectives;
	const msgpack_object	*retros;
};

void	report_page(FILE *, const struct report *);

#endif
