/*
 * cmd-obj.c: objective list/show and the changes to one (obj add is the
 * generic cmd_created).  Progress is a fraction from the server, shown
 * as a percentage; what it rolls up from, and who may see or change
 * what, is the server's business.
 */
#include <string.h>

#include "client.h"

int
cmd_obj_list(struct client *c, struct cmd_args *a)
{
	static const struct column cols[] = {
		{ "ID", "id", NULL },
		{ "TEAM", "team", NULL },
		{ "PERIOD", "period", NULL },
		{ "TITLE", "title", NULL },
		{ "OWNER", "owner", NULL },
		{ "PROGRESS", "progress", out_percent },
		{ "STATUS", "status", NULL },
		{ "SIGNOFF", "signoff", out_signoff },
		{ NULL, NULL, NULL }
	};

	return cmd_fetch_table(c, a, cols);
}

/* A child objective the caller may not see has only id and progress; so
 * does a guardrail KPI they may not read. */
void
out_or_hidden(FILE *f, const msgpack_object *row, const char *key)
{
	const msgpack_object *hidden;

	hidden = map_get_type(row, "hidden", MSGPACK_OBJECT_BOOLEAN);
	if (hidden != NULL && hidden->via.boolean)
		fputs("(hidden)", f);
	else
		out_field(f, row, key);
}

/* "CONTRIBUTORS" and one login a line; nothing if there are none. */
static void
print_contributors(const msgpack_object *obj)
{
	const msgpack_object *logins;

	logins = map_get_type(obj, "contributors", MSGPACK_OBJECT_ARRAY);
	if (logins == NULL || logins->via.array.size == 0)
		return;
	puts("\nCONTRIBUTORS");
	for (uint32_t i = 0; i < logins->via.array.size; i++) {
		out_value(stdout, &logins->via.array.ptr[i]);
		putchar('\n');
	}
}

/* While the period is in review the server suggests the final progress
 * as the grade (nil otherwise: nothing printed). */
static void
print_suggested(const msgpack_object *obj)
{
	double d;

	if (!mp_num(mp_map_get(obj, "suggested_grade"), &d))
		return;
	printf("suggested grade: %.2f\n", d);
}

/* A parent the caller may not read is named by no id: "(hidden)". */
static void
out_parent(FILE *f, const msgpack_object *row, const char *key)
{
	const msgpack_object *h;

	h = map_get_type(row, "parent_hidden", MSGPACK_OBJECT_BOOLEAN);
	if (h != NULL && h->via.boolean)
		fputs("(hidden)", f);
	else
		out_field(f, row, key);
}

/* The objective's forecast: "P% at the period's end (N of M key results
 * with a trend)", the roll-up of its key results' projected progress. */
static void
out_obj_forecast(FILE *f, const msgpack_object *row, const char *key)
{
	const msgpack_object *fc = map_get_type(row, key, MSGPACK_OBJECT_MAP);
	double p, n, m;

	if (fc == NULL || !map_get_num(fc, "progress", &p)) {
		fputs("none (no key result with a trend)", f);
		return;
	}
	fprintf(f, "%.0f%% at the period's end", p * 100);
	if (map_get_num(fc, "n_krs", &n) && map_get_num(fc, "krs", &m))
		fprintf(f, " (%.0f of %.0f key results with a trend)", n, m);
}

/* A key result's projected progress at the period's end, "-" if none. */
static void
out_kr_projected(FILE *f, const msgpack_object *row, const char *key)
{
	const msgpack_object *fc = map_get_type(row, key, MSGPACK_OBJECT_MAP);
	double p;

	if (fc == NULL || !map_get_num(fc, "progress", &p))
		putc('-', f);
	else
		fprintf(f, "%.0f%%", p * 100);
}

/* The sign-off with its story: "proposed since T", "approved by LOGIN at
 * T", "sent back by LOGIN at T" ("-": none needed). */
static void
out_signoff_detail(FILE *f, const msgpack_object *row, const char *key)
{
	const msgpack_object *st = map_get_type(row, key, MSGPACK_OBJECT_STR);

	out_signoff(f, row, key);
	if (st == NULL)
		return;
	if (mp_str_eq(st, "proposed")) {
		fputs(" since ", f);
		out_field(f, row, "proposed_at");
		return;
	}
	fputs(" by ", f);
	out_field(f, row, "signoff_by");
	fputs(" at ", f);
	out_field(f, row, "signoff_at");
}

/* obj show ID: fields, then key results, children, contributors. */
int
cmd_obj_show(struct client *c, struct cmd_args *a)
{
	static const struct column fields[] = {
		{ "id", "id", NULL },
		{ "title", "title", NULL },
		{ "team", "team", NULL },
		{ "period", "period", NULL },
		{ "owner", "owner", NULL },
		{ "type", "type", NULL },
		{ "parent", "parent", out_parent },
		{ "weight", "weight", NULL },
		{ "rollup", "rollup", NULL },
		{ "progress", "progress", out_percent },
		{ "expected", "expected", out_percent },
		{ "forecast", "forecast", out_obj_forecast },
		{ "status", "status", NULL },
		{ "signoff", "signoff", out_signoff_detail },
		{ "signoff_note", "signoff_note", NULL },
		{ "grade", "grade", NULL },
		{ "grade_note", "grade_note", NULL },
		{ "met", "met", NULL },
		{ "version", "version", NULL },
		{ "archived", "archived", NULL },
		{ "guardrail_breach", "guardrail_breach", NULL },
		{ "description", "description", NULL },
		{ NULL, NULL, NULL }
	};
	static const struct column krs[] = {
		{ "ID", "id", NULL },
		{ "TITLE", "title", NULL },
		{ "TYPE", "type", NULL },
		{ "START", "start", out_kr_seen },
		{ "TARGET", "target", NULL },
		{ "CURRENT", "current", out_kr_seen },
		{ "UNIT", "unit", NULL },
		{ "PROGRESS", "progress", out_kr_seen_percent },
		{ "FORECAST", "forecast", out_kr_projected },
		{ "CONF", "confidence", NULL },
		{ "STALE", "stale", out_kr_seen },
		{ NULL, NULL, NULL }
	};
	static const struct column children[] = {
		{ "ID", "id", NULL },
		{ "TITLE", "title", out_or_hidden },
		{ "TEAM", "team", NULL },
		{ "PROGRESS", "progress", out_percent },
		{ NULL, NULL, NULL }
	};
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	out_fields(fields, res);
	print_suggested(res);
	out_section("KEY RESULTS", krs, res, "key_results");
	out_section("CHILDREN", children, res, "children");
	print_guardrails(res);
	print_contributors(res);
	print_comments(res);
	return CX_OK;
}

/*
 * obj edit, align, unalign, archive, grant, revoke, and kr edit: "ID:"
 * and what the change is about, as the server now has it.
 */
int
cmd_obj_change(struct client *c, struct cmd_args *a)
{
	static const struct {
		const char	*sub;
		struct column	 col;
	} says[] = {
		{ "edit", { "version", "version", NULL } },
		{ "align", { "parent", "parent", NULL } },
		{ "unalign", { "parent", "parent", NULL } },
		{ "archive", { "archived", "archived", NULL } },
		{ "approve", { "signoff", "signoff", out_signoff } },
		{ "send-back", { "signoff", "signoff", out_signoff } },
		{ "grant", { "contributors", "contributors", out_list } },
		{ "revoke", { "contributors", "contributors", out_list } },
	};
	const msgpack_object *res;
	size_t i;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	for (i = 0; i < sizeof says / sizeof says[0] - 1; i++)
		if (strcmp(c->cmd->sub, says[i].sub) == 0)
			break;
	out_id_says(res, "id", &says[i].col);
	return CX_OK;
}

/* grade OBJ_ID SCORE: "ID: grade G, met yes|no". */
int
cmd_grade(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	out_field(stdout, res, "id");
	fputs(": grade ", stdout);
	out_field(stdout, res, "grade");
	fputs(", met ", stdout);
	out_field(stdout, res, "met");
	putchar('\n');
	return CX_OK;
}
