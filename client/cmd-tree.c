/*
 * cmd-tree.c: cairn tree, the period's alignment tree and its team tree.
 *
 * The server sends both trees as flat rows in preorder, each with its
 * depth (1 for the top), in parts when large; the client nests them: in
 * --json as "children" arrays ({"objectives": [...], "teams": [...]}),
 * in text as indented lines.  An objective the caller may not read comes
 * with its depth, progress and weight only and is shown as hidden.  An
 * objective with a forecast shows it after its progress: "→ 72%", the
 * progress projected at the period's end.
 * Colours only when standard output is a terminal and NO_COLOR is not
 * set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "json.h"
#include "xmalloc.h"

#define BAR_WIDTH	10

/* The fields an objective shows in --json, and a hidden one. */
static const char *const node_keys[] = {
	"id", "parent", "title", "team", "owner", "progress", "expected",
	"status", "stale", "guardrail_breach", "weight", "forecast", "signoff",
	NULL
};
static const char *const hidden_keys[] = { "hidden", "progress", "weight",
	NULL };
static const char *const team_keys[] = {
	"slug", "progress", "objectives", "limit", "kpis", "health",
	"weakest", NULL
};

struct paint {
	bool	 on;
};

static const char *
colour(const struct paint *p, const char *code)
{
	return p->on ? code : "";
}

/* A row's depth, at least 1 and at most one below the open levels (so
 * that rows that skip a level still nest). */
static size_t
row_depth(const msgpack_object *row, size_t open)
{
	const msgpack_object *d = mp_map_get(row, "depth");
	uint64_t v = 1;

	if (d != NULL && d->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		v = d->via.u64;
	if (v < 1)
		v = 1;
	if (v > open + 1)
		v = open + 1;
	return (size_t)v;
}

static bool
row_hidden(const msgpack_object *row)
{
	const msgpack_object *h = mp_map_get(row, "hidden");

	return h != NULL && h->type == MSGPACK_OBJECT_BOOLEAN &&
	    h->via.boolean;
}

/* One node's own fields, then its open "children" array. */
static void
json_node(const msgpack_object *row, const char *const *keys)
{
	const msgpack_object *v;

	putchar('{');
	for (size_t i = 0; keys[i] != NULL; i++) {
		if (i > 0)
			putchar(',');
		json_print_str(stdout, keys[i], strlen(keys[i]));
		putchar(':');
		if ((v = mp_map_get(row, keys[i])) != NULL)
			json_print(stdout, v);
		else
			fputs("null", stdout);
	}
	fputs(",\"children\":[", stdout);
}

/* The flat preorder rows as a nested JSON array. */
static void
json_tree(const msgpack_object *rows, bool objectives)
{
	uint32_t n = rows != NULL ? rows->via.array.size : 0;
	bool *first = xcalloc((size_t)n + 2, sizeof *first);
	size_t open = 0, d;

	putchar('[');
	first[0] = true;
	for (uint32_t i = 0; i < n; i++) {
		const msgpack_object *row = &rows->via.array.ptr[i];

		if (row->type != MSGPACK_OBJECT_MAP)
			continue;
		d = row_depth(row, open);
		for (; open >= d; open--)
			fputs("]}", stdout);
		if (!first[open])
			putchar(',');
		first[open] = false;
		json_node(row, !objectives ? team_keys :
		    row_hidden(row) ? hidden_keys : node_keys);
		first[++open] = true;
	}
	for (; open > 0; open--)
		fputs("]}", stdout);
	putchar(']');
	free(first);
}

static void
bar(const msgpack_object *row, const char *key)
{
	double p = 0;
	int full;

	if (!mp_num(mp_map_get(row, key), &p)) {
		printf("[%*s]    -", BAR_WIDTH, "");
		return;
	}
	if (p < 0)
		p = 0;
	if (p > 1)
		p = 1;
	full = (int)(p * BAR_WIDTH + 0.5);
	printf("[%.*s%.*s] %3.0f%%", full, "##########", BAR_WIDTH - full,
	    "..........", p * 100);
}

static const char *
status_colour(const msgpack_object *st)
{
	if (st == NULL || st->type != MSGPACK_OBJECT_STR)
		return "";
	if (st->via.str.size == 9 && memcmp(st->via.str.ptr, "off_track", 9)
	    == 0)
		return "\033[31m";
	if (st->via.str.size == 7 && memcmp(st->via.str.ptr, "at_risk", 7)
	    == 0)
		return "\033[33m";
	return "\033[32m";
}

static bool
flag(const msgpack_object *row, const char *key)
{
	const msgpack_object *v = mp_map_get(row, key);

	return v != NULL && v->type == MSGPACK_OBJECT_BOOLEAN &&
	    v->via.boolean;
}

static void
text_objective(const struct paint *p, const msgpack_object *row, size_t d)
{
	const msgpack_object *st, *fc, *so;
	double fp;

	printf("%*s", (int)(2 * (d - 1)), "");
	if (row_hidden(row)) {
		fputs("(hidden) ", stdout);
		bar(row, "progress");
		putchar('\n');
		return;
	}
	putchar('#');
	out_field(stdout, row, "id");
	putchar(' ');
	out_field(stdout, row, "title");
	fputs("  ", stdout);
	out_field(stdout, row, "team");
	putchar('/');
	out_field(stdout, row, "owner");
	fputs("  ", stdout);
	bar(row, "progress");
	/* The forecast: the progress projected at the period's end. */
	fc = map_get_type(row, "forecast", MSGPACK_OBJECT_MAP);
	if (fc != NULL && mp_num(mp_map_get(fc, "progress"), &fp))
		printf(" \u2192 %.0f%%", fp * 100);
	st = mp_map_get(row, "status");
	printf("  %s", colour(p, status_colour(st)));
	out_field(stdout, row, "status");
	printf("%s (expected ", colour(p, "\033[0m"));
	out_percent(stdout, row, "expected");
	putchar(')');
	if (flag(row, "stale"))
		printf("  %sSTALE%s", colour(p, "\033[1;33m"),
		    colour(p, "\033[0m"));
	if (flag(row, "guardrail_breach"))
		printf("  %sGUARDRAIL BREACH%s", colour(p, "\033[1;31m"),
		    colour(p, "\033[0m"));
	/* Not yet agreed above: proposed or sent back (approved is the
	 * normal case, as is none). */
	if ((so = map_get_type(row, "signoff", MSGPACK_OBJECT_STR)) != NULL &&
	    !mp_str_eq(so, "approved")) {
		printf("  %s", colour(p, "\033[1;35m"));
		fputs(mp_str_eq(so, "proposed") ? "PROPOSED" : "SENT BACK",
		    stdout);
		fputs(colour(p, "\033[0m"), stdout);
	}
	putchar('\n');
}

static void
text_team(const msgpack_object *row, size_t d)
{
	const msgpack_object *k = map_get_type(row, "kpis",
	    MSGPACK_OBJECT_MAP);

	printf("%*s", (int)(2 * (d - 1)), "");
	out_field(stdout, row, "slug");
	fputs("  ", stdout);
	bar(row, "progress");
	fputs("  objectives ", stdout);
	out_field(stdout, row, "objectives");
	putchar('/');
	out_field(stdout, row, "limit");
	fputs("  KPIs ", stdout);
	if (k != NULL) {
		out_field(stdout, k, "green");
		fputs(" green ", stdout);
		out_field(stdout, k, "amber");
		fputs(" amber ", stdout);
		out_field(stdout, k, "red");
		fputs(" red", stdout);
	} else
		putchar('-');
	fputs("  health ", stdout);
	out_field(stdout, row, "health");
	if (mp_map_get(row, "weakest") != NULL &&
	    mp_map_get(row, "weakest")->type == MSGPACK_OBJECT_STR) {
		fputs(" (weakest: ", stdout);
		out_field(stdout, row, "weakest");
		putchar(')');
	}
	putchar('\n');
}

static void
text_tree(const struct paint *p, const msgpack_object *rows,
    bool objectives)
{
	uint32_t n = rows != NULL ? rows->via.array.size : 0;
	size_t open = 0, d;

	for (uint32_t i = 0; i < n; i++) {
		const msgpack_object *row = &rows->via.array.ptr[i];

		if (row->type != MSGPACK_OBJECT_MAP)
			continue;
		d = row_depth(row, open);
		open = d;
		if (objectives)
			text_objective(p, row, d);
		else
			text_team(row, d);
	}
	if (n == 0)
		puts(objectives ? "(no objectives)" : "(no teams)");
}

int
cmd_tree(struct client *c, struct cmd_args *a)
{
	struct reqargs ra = { 0 };
	const msgpack_object *res, *objs, *teams;
	struct paint p;
	int rc;

	req_options(&ra, a);
	if ((rc = client_call_parts(c, c->cmd->op, &ra, NULL, NULL, &res))
	    != CX_OK)
		return rc;
	objs = map_get_type(res, "objectives", MSGPACK_OBJECT_ARRAY);
	teams = map_get_type(res, "teams", MSGPACK_OBJECT_ARRAY);
	if (c->json) {
		fputs("{\"objectives\":", stdout);
		json_tree(objs, true);
		fputs(",\"teams\":", stdout);
		json_tree(teams, false);
		puts("}");
		return CX_OK;
	}
	p.on = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
	fputs("Period ", stdout);
	out_field(stdout, res, "period");
	puts("\n\nOBJECTIVES");
	text_tree(&p, objs, true);
	puts("\nTEAMS");
	text_tree(&p, teams, false);
	return CX_OK;
}
