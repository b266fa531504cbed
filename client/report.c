/*
 * report.c: the executive's page (report.h): a summary, the alignment
 * tree with progress bars coloured by status, the teams with their
 * framework health, the KPIs with sparklines, then grades and retros when
 * the period has them.  Every figure is the server's; this only lays it
 * out, through html.c's escaping writers.
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "html.h"
#include "report.h"

static const msgpack_object *
rows(const msgpack_object *map, const char *key)
{
	if (map == NULL)
		return NULL;
	if (map->type == MSGPACK_OBJECT_ARRAY)
		return map;
	return map_get_type(map, key, MSGPACK_OBJECT_ARRAY);
}

static double
num(const msgpack_object *map, const char *key)
{
	double d;

	return mp_num(mp_map_get(map, key), &d) ? d : 0;
}

static bool
flag(const msgpack_object *map, const char *key)
{
	const msgpack_object *v = mp_map_get(map, key);

	return v != NULL && v->type == MSGPACK_OBJECT_BOOLEAN && v->via.boolean;
}

static int64_t
id_of(const msgpack_object *map, const char *key)
{
	const msgpack_object *v = mp_map_get(map, key);

	return v != NULL && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER ?
	    (int64_t)v->via.u64 : -1;
}

/* The row of set whose key equals the string (or id) of want. */
static const msgpack_object *
find_row(const msgpack_object *set, const char *key,
    const msgpack_object *want)
{
	if (set == NULL || want == NULL)
		return NULL;
	for (uint32_t i = 0; i < set->via.array.size; i++) {
		const msgpack_object *r = &set->via.array.ptr[i], *v;

		if (r->type != MSGPACK_OBJECT_MAP ||
		    (v = mp_map_get(r, key)) == NULL || v->type != want->type)
			continue;
		if (v->type == MSGPACK_OBJECT_STR &&
		    v->via.str.size == want->via.str.size &&
		    memcmp(v->via.str.ptr, want->via.str.ptr, v->via.str.size)
		    == 0)
			return r;
		if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
		    v->via.u64 == want->via.u64)
			return r;
	}
	return NULL;
}

/* Graded objectives, by id, for the tree's lookups. */
struct grades {
	const msgpack_object	**row;
	size_t			  n;
};

static int
cmp_row_id(const void *a, const void *b)
{
	int64_t x = id_of(*(const msgpack_object *const *)a, "id");
	int64_t y = id_of(*(const msgpack_object *const *)b, "id");

	return x < y ? -1 : x > y;
}

static void
grades_index(struct grades *g, const msgpack_object *objectives)
{
	const msgpack_object *set = rows(objectives, "objectives"), *v;

	g->n = 0;
	g->row = NULL;
	if (set == NULL || set->via.array.size == 0)
		return;
	g->row = calloc(set->via.array.size, sizeof *g->row);
	if (g->row == NULL)
		return;
	for (uint32_t i = 0; i < set->via.array.size; i++) {
		const msgpack_object *r = &set->via.array.ptr[i];

		if (r->type == MSGPACK_OBJECT_MAP &&
		    (v = mp_map_get(r, "grade")) != NULL &&
		    v->type != MSGPACK_OBJECT_NIL)
			g->row[g->n++] = r;
	}
	qsort(g->row, g->n, sizeof *g->row, cmp_row_id);
}

static const msgpack_object *
grade_of(const struct grades *g, int64_t id)
{
	size_t lo = 0, hi = g->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int64_t m = id_of(g->row[mid], "id");

		if (m == id)
			return g->row[mid];
		if (m < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void
summary(FILE *f, const struct report *r)
{
	const msgpack_object *obj = rows(r->tree, "objectives");
	const msgpack_object *kpi = rows(r->kpis, "kpis");
	static const char *const st[] = { "on_track", "at_risk", "off_track",
	    "done" };
	static const char *const hl[] = { "green", "amber", "red" };
	size_t nst[4] = { 0 }, nhl[3] = { 0 }, n = 0, stale = 0, breach = 0;
	size_t proposed = 0;
	const msgpack_object *so;
	double top = 0;
	size_t ntop = 0;

	for (uint32_t i = 0; obj != NULL && i < obj->via.array.size; i++) {
		const msgpack_object *o = &obj->via.array.ptr[i];

		if (num(o, "depth") == 1) {
			top += num(o, "progress");
			ntop++;
		}
		if (flag(o, "hidden"))
			continue;
		n++;
		for (int s = 0; s < 4; s++)
			nst[s] += mp_str_eq(mp_map_get(o, "status"), st[s]);
		stale += flag(o, "stale");
		breach += flag(o, "guardrail_breach");
		proposed += (so = map_get_type(o, "signoff",
		    MSGPACK_OBJECT_STR)) != NULL && mp_str_eq(so, "proposed");
	}
	for (uint32_t i = 0; kpi != NULL && i < kpi->via.array.size; i++)
		for (int h = 0; h < 3; h++)
			nhl[h] += mp_str_eq(mp_map_get(&kpi->via.array.ptr[i],
			    "health"), hl[h]);
	fputs("<div class=\"cards\">", f);
	fprintf(f, "<div class=\"card\"><b>%zu</b>objectives</div>", n);
	fprintf(f, "<div class=\"card\"><b>%.0f%%</b>mean progress of the "
	    "top level</div>", ntop ? top / ntop * 100 : 0);
	fprintf(f, "<div class=\"card\"><b>%zu / %zu / %zu / %zu</b>on track "
	    "/ at risk / off track / done</div>", nst[0], nst[1], nst[2],
	    nst[3]);
	fprintf(f, "<div class=\"card\"><b>%zu</b>with stale key results"
	    "</div>", stale);
	fprintf(f, "<div class=\"card\"><b>%zu</b>guardrails breached</div>",
	    breach);
	fprintf(f, "<div class=\"card\"><b>%zu</b>awaiting sign-off</div>",
	    proposed);
	fprintf(f, "<div class=\"card\"><b>%zu / %zu / %zu</b>KPIs green / "
	    "amber / red</div>", nhl[0], nhl[1], nhl[2]);
	fputs("</div>\n", f);
}

static void
tree_node(FILE *f, const msgpack_object *o, const struct grades *g)
{
	const msgpack_object *gr, *so;

	fputs("<div class=\"node\">", f);
	if (flag(o, "hidden")) {
		fputs("<span class=\"muted\">(an objective you may not read)"
		    "</span>", f);
		html_bar(f, num(o, "progress"), NULL);
		fprintf(f, "<span>%.0f%%</span></div>", num(o, "progress") * 100);
		return;
	}
	fputs("<span class=\"title\">", f);
	html_field(f, o, "title");
	fputs("</span><span class=\"muted\">", f);
	html_field(f, o, "team");
	fputs(" &middot; ", f);
	html_field(f, o, "owner");
	fputs("</span>", f);
	html_bar(f, num(o, "progress"), mp_map_get(o, "status"));
	fprintf(f, "<span>%.0f%%</span>", num(o, "progress") * 100);
	if (mp_map_get(o, "expected") != NULL)
		fprintf(f, "<span class=\"muted\">(expected %.0f%%)</span>",
		    num(o, "expected") * 100);
	html_badge(f, mp_map_get(o, "status"));
	if (flag(o, "stale"))
		fputs("<span class=\"mark stale\">stale</span>", f);
	if (flag(o, "guardrail_breach"))
		fputs("<span class=\"mark\">guardrail breached</span>", f);
	/* Not yet agreed above (docs/rules.md "Sign-off"). */
	if ((so = map_get_type(o, "signoff", MSGPACK_OBJECT_STR)) != NULL)
		fputs(mp_str_eq(so, "proposed") ? "<span class=\"mark "
		    "signoff\">proposed</span>" : mp_str_eq(so, "sent_back") ?
		    "<span class=\"mark signoff\">sent back</span>" : "", f);
	if ((gr = grade_of(g, id_of(o, "id"))) != NULL) {
		fprintf(f, "<span class=\"badge %s\">grade %.2f</span>",
		    flag(gr, "met") ? "done" : "none", num(gr, "grade"));
	}
	fputs("</div>", f);
}

/* Preorder rows with their depth (1 = top) as nested lists. */
static void
tree(FILE *f, const struct report *r, const struct grades *g)
{
	const msgpack_object *obj = rows(r->tree, "objectives");
	int open = 0;

	fputs("<h2 id=\"tree\">Alignment tree</h2>\n", f);
	if (obj == NULL || obj->via.array.size == 0) {
		fputs("<p class=\"muted\">No objectives in this period.</p>\n", f);
		return;
	}
	for (uint32_t i = 0; i < obj->via.array.size; i++) {
		const msgpack_object *o = &obj->via.array.ptr[i];
		int d = (int)num(o, "depth");

		if (d < 1)
			d = 1;
		if (d > open) {
			while (open < d)
				fputs(open++ == 0 ? "<ul class=\"tree\">" :
				    "<ul>", f);
		} else {
			fputs("</li>", f);
			while (open > d) {
				fputs("</ul></li>", f);
				open--;
			}
		}
		fputs("\n<li>", f);
		tree_node(f, o, g);
	}
	fputs("</li>", f);
	while (open-- > 0)
		fputs(open > 0 ? "</ul></li>" : "</ul>\n", f);
}

static void
kpi_counts(FILE *f, const msgpack_object *k)
{
	static const char *const hl[] = { "green", "amber", "red", "none" };

	for (int h = 0; h < 4; h++) {
		double n = num(k, hl[h]);

		if (n > 0)
			fprintf(f, "<span class=\"badge %s\">%.0f %s</span> ",
			    hl[h], n, hl[h]);
	}
}

static void
teams(FILE *f, const struct report *r)
{
	const msgpack_object *tm = rows(r->tree, "teams");
	const msgpack_object *hs = rows(r->health, "teams");

	fputs("<h2 id=\"teams\">Teams and framework health</h2>\n", f);
	if (tm == NULL || tm->via.array.size == 0) {
		fputs("<p class=\"muted\">No teams.</p>\n", f);
		return;
	}
	fputs("<table><tr><th>Team</th><th>Progress</th><th>Objectives</th>"
	    "<th>KPIs</th><th>Health</th><th>Weakest part</th><th>Parts"
	    "</th></tr>\n", f);
	for (uint32_t i = 0; i < tm->via.array.size; i++) {
		const msgpack_object *t = &tm->via.array.ptr[i], *h, *parts;
		double n = num(t, "objectives"), lim = num(t, "limit");

		h = find_row(hs, "team", mp_map_get(t, "slug"));
		fprintf(f, "<tr class=\"nw\"><td style=\"padding-left:%dpx\">",
		    10 + 18 * ((int)num(t, "depth") - 1 > 0 ?
		    (int)num(t, "depth") - 1 : 0));
		html_field(f, t, "slug");
		fputs("</td><td>", f);
		html_bar(f, num(t, "progress"), NULL);
		fprintf(f, " %.0f%%</td><td class=\"num%s\">%.0f / %.0f%s</td>"
		    "<td>", num(t, "progress") * 100, n > lim ? " over" : "", n,
		    lim, n > lim ? " over the limit" : "");
		kpi_counts(f, mp_map_get(t, "kpis"));
		fputs("</td><td>", f);
		if (h != NULL || mp_map_get(t, "health") != NULL) {
			double s = h ? num(h, "score") : num(t, "health");
			fputs("<span class=\"bar\"><i class=\"", f);
			fputs(s >= 70 ? "green" : s >= 40 ? "amber" : "red", f);
			fprintf(f, "\" style=\"width:%.0f%%\"></i></span> %.0f",
			    s, s);
		} else
			putc('-', f);
		fputs("</td><td>", f);
		html_field(f, h ? h : t, "weakest");
		fputs("</td><td class=\"muted wrap\">", f);
		parts = h ? map_get_type(h, "parts", MSGPACK_OBJECT_MAP) : NULL;
		for (uint32_t p = 0; parts && p < parts->via.map.size; p++) {
			const msgpack_object_kv *kv = &parts->via.map.ptr[p];
			double d = 0;

			html_value(f, &kv->key);
			if (mp_num(&kv->val, &d))
				fprintf(f, " %.0f%%", d * 100);
			else
				fputs(" -", f);	/* nothing to measure */
			fputs(p + 1 < parts->via.map.size ? ", " : "", f);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void
kpis(FILE *f, const struct report *r)
{
	const msgpack_object *ks = rows(r->kpis, "kpis");

	fputs("<h2 id=\"kpis\">KPIs</h2>\n", f);
	if (ks == NULL || ks->via.array.size == 0) {
		fputs("<p class=\"muted\">No KPIs.</p>\n", f);
		return;
	}
	fputs("<table><tr><th>KPI</th><th>Team</th><th>Latest</th>"
	    "<th>Health</th><th>Green / amber</th><th>Last readings</th></tr>\n",
	    f);
	for (uint32_t i = 0; i < ks->via.array.size; i++) {
		const msgpack_object *k = &ks->via.array.ptr[i];

		fputs("<tr><td>", f);
		html_field(f, k, "name");
		fputs("</td><td>", f);
		html_field(f, k, "team");
		fputs("</td><td class=\"num\">", f);
		html_field(f, map_get_type(k, "latest", MSGPACK_OBJECT_MAP),
		    "value");
		putc(' ', f);
		html_field(f, k, "unit");
		fputs("</td><td>", f);
		html_badge(f, mp_map_get(k, "health"));
		if (flag(k, "stale"))
			fputs(" <span class=\"mark stale\">stale</span>", f);
		fputs("</td><td class=\"muted\">", f);
		html_field(f, k, "direction");
		fputs(": ", f);
		html_field(f, k, "green");
		fputs(" / ", f);
		html_field(f, k, "amber");
		fputs("</td><td>", f);
		html_sparkline(f, mp_map_get(k, "recent"), mp_map_get(k,
		    "health"), mp_map_get(k, "forecast"), 120, 28);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void
grades(FILE *f, const struct grades *g)
{
	if (g->n == 0)
		return;
	fputs("<h2 id=\"grades\">Grades</h2>\n<table><tr><th>Objective</th>"
	    "<th>Team</th><th>Grade</th><th>Met</th><th>Note</th></tr>\n", f);
	for (size_t i = 0; i < g->n; i++) {
		fputs("<tr><td>", f);
		html_field(f, g->row[i], "title");
		fputs("</td><td>", f);
		html_field(f, g->row[i], "team");
		fprintf(f, "</td><td class=\"num\">%.2f</td><td>",
		    num(g->row[i], "grade"));
		html_field(f, g->row[i], "met");
		fputs("</td><td>", f);
		html_field(f, g->row[i], "grade_note");
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void
retros(FILE *f, const struct report *r)
{
	const msgpack_object *rs = rows(r->retros, "retros"), *notes;
	bool any = false;

	for (uint32_t i = 0; rs != NULL && i < rs->via.array.size; i++) {
		const msgpack_object *t = &rs->via.array.ptr[i];

		notes = map_get_type(t, "notes", MSGPACK_OBJECT_ARRAY);
		if (notes == NULL || notes->via.array.size == 0)
			continue;
		if (!any)
			fputs("<h2 id=\"retros\">Retrospectives</h2>\n", f);
		any = true;
		fputs("<h3>", f);
		html_field(f, t, "team");
		fputs("</h3>\n", f);
		for (uint32_t j = 0; j < notes->via.array.size; j++) {
			const msgpack_object *x = &notes->via.array.ptr[j];

			fputs("<p class=\"muted\">", f);
			html_field(f, x, "author");
			fputs(", ", f);
			html_field(f, x, "at");
			fputs("</p><blockquote>", f);
			html_field(f, x, "note");
			fputs("</blockquote>\n", f);
		}
	}
}

void
report_page(FILE *f, const struct report *r)
{
	const msgpack_object *p = r->tree ? map_get_type(r->tree, "period",
	    MSGPACK_OBJECT_STR) : NULL;
	struct grades g;
	char title[128];

	snprintf(title, sizeof title, "cairn report: %s", r->period);
	html_begin(f, title);
	fputs("<h1>Goals report: ", f);
	if (p != NULL)
		html_value(f, p);
	else
		html_str(f, r->period);
	fputs("</h1>\n<p class=\"meta\">Generated ", f);
	html_str(f, r->generated);
	fputs(" by cairn.  <a href=\"#tree\">Tree</a> &middot; "
	    "<a href=\"#teams\">Teams</a> &middot; <a href=\"#kpis\">KPIs</a>"
	    "</p>\n", f);
	grades_index(&g, r->objectives);
	summary(f, r);
	tree(f, r, &g);
	teams(f, r);
	kpis(f, r);
	grades(f, &g);
	retros(f, r);
	html_end(f);
	free(g.row);
}
