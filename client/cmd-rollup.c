/*
 * cmd-rollup.c: cairn health, cairn review and cairn due.  The server
 * computes everything (sql/014_rollup.sql) and sends one list, in parts
 * when long; --json prints that list as it is, text lays it out: health a
 * line per team with its weakest part, review grouped by team, due a
 * line per thing to do.
 */
#include <stdio.h>
#include <string.h>

#include "client.h"

/* The list of the result (set `set`), gathered from its parts. */
static MUST_CHECK int
fetch_list(struct client *c, struct cmd_args *a, const char *set,
    const msgpack_object **list, const msgpack_object **res)
{
	struct reqargs ra = { 0 };
	int rc;

	req_options(&ra, a);
	if ((rc = client_call_parts(c, c->cmd->op, &ra, NULL, NULL, res))
	    != CX_OK)
		return rc;
	*list = map_get_type(*res, set, MSGPACK_OBJECT_ARRAY);
	if (*list == NULL)
		return client_fail(c, CE_CLIENT, "the reply has no %s", set);
	return CX_OK;
}

/* map[key] in width columns and a space. */
static void
cell(const msgpack_object *map, const char *key, int width)
{
	char buf[128] = "";
	FILE *m;

	if ((m = fmemopen(buf, sizeof buf - 1, "w")) != NULL) {
		out_field(m, map, key);
		fclose(m);
	}
	printf("%-*s ", width, buf);
}

static bool
same_str(const msgpack_object *a, const msgpack_object *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (a->type != MSGPACK_OBJECT_STR || b->type != MSGPACK_OBJECT_STR)
		return false;
	return a->via.str.size == b->via.str.size &&
	    memcmp(a->via.str.ptr, b->via.str.ptr, a->via.str.size) == 0;
}

int
cmd_health(struct client *c, struct cmd_args *a)
{
	const msgpack_object *list, *res, *row, *parts, *w;
	int rc;

	if ((rc = fetch_list(c, a, "teams", &list, &res)) != CX_OK)
		return rc;
	if (c->json)
		return out_json(list);
	fputs("Period ", stdout);
	out_field(stdout, res, "period");
	printf("\n\n%-24s %5s  %s\n", "TEAM", "SCORE", "WEAKEST PART");
	for (uint32_t i = 0; i < list->via.array.size; i++) {
		row = &list->via.array.ptr[i];
		if (row->type != MSGPACK_OBJECT_MAP)
			continue;
		w = map_get_type(row, "weakest", MSGPACK_OBJECT_STR);
		parts = map_get_type(row, "parts", MSGPACK_OBJECT_MAP);
		cell(row, "team", 24);
		cell(row, "score", 5);
		putchar(' ');
		if (w != NULL && parts != NULL) {
			char key[32];

			snprintf(key, sizeof key, "%.*s",
			    (int)w->via.str.size, w->via.str.ptr);
			out_value(stdout, w);
			fputs(" (", stdout);
			out_percent(stdout, parts, key);
			putchar(')');
		} else
			putchar('-');
		putchar('\n');
	}
	return CX_OK;
}

int
cmd_review(struct client *c, struct cmd_args *a)
{
	const msgpack_object *list, *res, *row, *team, *last = NULL;
	int rc;

	if ((rc = fetch_list(c, a, "items", &list, &res)) != CX_OK)
		return rc;
	if (c->json)
		return out_json(list);
	fputs("Review of ", stdout);
	out_field(stdout, res, "period");
	putchar('\n');
	if (list->via.array.size == 0)
		puts("\nnothing needs attention");
	for (uint32_t i = 0; i < list->via.array.size; i++) {
		row = &list->via.array.ptr[i];
		if (row->type != MSGPACK_OBJECT_MAP)
			continue;
		team = mp_map_get(row, "team");
		if (i == 0 || !same_str(team, last)) {
			putchar('\n');
			out_field(stdout, row, "team");
			putchar('\n');
		}
		last = team;
		fputs("  ", stdout);
		out_field(stdout, row, "kind");
		fputs(" #", stdout);
		out_field(stdout, row, "id");
		fputs(" (", stdout);
		out_field(stdout, row, "owner");
		fputs("): ", stdout);
		out_field(stdout, row, "message");
		putchar('\n');
	}
	return CX_OK;
}

/* Items of due or the inbox, one a line: "KIND #ID [TEAM PERIOD] TITLE:
 * MESSAGE" (the bracket when the item has a team); none: when empty. */
void
out_items(const msgpack_object *list, const char *none)
{
	const msgpack_object *row;

	if (list->via.array.size == 0)
		puts(none);
	for (uint32_t i = 0; i < list->via.array.size; i++) {
		row = &list->via.array.ptr[i];
		if (row->type != MSGPACK_OBJECT_MAP)
			continue;
		out_field(stdout, row, "kind");
		fputs(" #", stdout);
		out_field(stdout, row, "id");
		if (map_get_type(row, "team", MSGPACK_OBJECT_STR) != NULL) {
			fputs(" [", stdout);
			out_field(stdout, row, "team");
			if (map_get_type(row, "period", MSGPACK_OBJECT_STR) !=
			    NULL) {
				putchar(' ');
				out_field(stdout, row, "period");
			}
			putchar(']');
		}
		putchar(' ');
		out_field(stdout, row, "title");
		fputs(": ", stdout);
		out_field(stdout, row, "message");
		putchar('\n');
	}
}

int
cmd_due(struct client *c, struct cmd_args *a)
{
	const msgpack_object *list, *res;
	int rc;

	if ((rc = fetch_list(c, a, "items", &list, &res)) != CX_OK)
		return rc;
	if (c->json)
		return out_json(list);
	out_items(list, "nothing is due");
	return CX_OK;
}
