/*
 * cmd-roi.c: roi set and roi show, for a team or (--org) the whole
 * organisation.  Every figure is the server's (computed in the database);
 * this only lays it out: the inputs with who set them, the four parts,
 * cost, net, the ROI as a percentage, and the observed hours beside the
 * entered framework_hours_per_week.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "client.h"

/* The inputs in the order people read them (the server's names). */
static const char *const inputs[] = {
	"headcount", "hourly_cost", "output_value", "productivity_pct",
	"hours_saved_per_week", "retention_change_pct", "replacement_cost",
	"efficiency_savings", "framework_hours_per_week", "tool_cost",
};

/* An amount to the cent, or "-". */
static void
out_money(FILE *f, const msgpack_object *map, const char *key)
{
	double d;

	if (mp_num(mp_map_get(map, key), &d))
		fprintf(f, "%.2f", d);
	else
		out_field(f, map, key);
}

/* A ratio as a percentage to 0.01 ("1213.64%"), or "-". */
static void
out_ratio(FILE *f, const msgpack_object *map, const char *key)
{
	double d;

	if (mp_num(mp_map_get(map, key), &d))
		fprintf(f, "%.2f%%", d * 100);
	else
		out_field(f, map, key);
}

static void
line(const char *title, const msgpack_object *map, const char *key,
    out_fmt *fmt)
{
	printf("%-22s", title);
	fmt(stdout, map, key);
	putchar('\n');
}

/* map[key] padded to width columns and a space. */
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

static void
show_inputs(const msgpack_object *res)
{
	const msgpack_object *in = map_get_type(res, "inputs",
	    MSGPACK_OBJECT_MAP), *one;

	printf("%-26s %-16s %-12s %s\n", "INPUT", "VALUE", "SET BY", "SET AT");
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		one = in ? map_get_type(in, inputs[i], MSGPACK_OBJECT_MAP) :
		    NULL;
		printf("%-26s ", inputs[i]);
		if (one == NULL) {
			puts("-  (missing: counts as 0)");
			continue;
		}
		cell(one, "value", 16);
		cell(one, "set_by", 12);
		out_field(stdout, one, "set_at");
		putchar('\n');
	}
}

/* What every report has: the parts, cost, net, ROI, observed hours. */
static void
show_parts(const msgpack_object *res, const char *entered)
{
	const msgpack_object *msg, *obs;

	putchar('\n');
	line("productivity", res, "productivity", out_money);
	line("time savings", res, "time_savings", out_money);
	line("engagement", res, "engagement", out_money);
	line("efficiency", res, "efficiency", out_money);
	line("benefits", res, "benefits", out_money);
	line("cost", res, "cost", out_money);
	line("net", res, "net", out_money);
	line("ROI", res, "roi", out_ratio);
	if ((msg = map_get_type(res, "roi_message", MSGPACK_OBJECT_STR))
	    != NULL) {
		fputs("                      (", stdout);
		out_value(stdout, msg);
		puts(")");
	}
	putchar('\n');
	printf("%-22s", "framework hours");
	if (entered != NULL)
		printf("%s entered, ", entered);
	out_field(stdout, res, "observed_hours");
	puts(" observed (per person per week)");
	printf("%-22s", "observed in total");
	out_field(stdout, res, "observed_hours_total");
	fputs(" h", stdout);
	if ((obs = map_get_type(res, "observed", MSGPACK_OBJECT_MAP)) != NULL) {
		fputs(" (check-ins ", stdout);
		out_field(stdout, obs, "checkins");
		fputs(", KPI readings ", stdout);
		out_field(stdout, obs, "readings");
		fputs(", assessments ", stdout);
		out_field(stdout, obs, "assessments");
		fputs(", objective edits ", stdout);
		out_field(stdout, obs, "edits");
		putchar(')');
	}
	putchar('\n');
	printf("%-22s", "missing");
	out_list(stdout, res, "missing");
	putchar('\n');
}

static void
show_team(const msgpack_object *res)
{
	const msgpack_object *in, *fw;
	char entered[64] = "-";
	FILE *m;

	printf("team ");
	out_field(stdout, res, "team");
	printf(", period ");
	out_field(stdout, res, "period");
	printf(" (");
	out_field(stdout, res, "days");
	printf(" days, ");
	out_field(stdout, res, "weeks");
	puts(" weeks)\n");
	show_inputs(res);
	in = map_get_type(res, "inputs", MSGPACK_OBJECT_MAP);
	fw = in ? map_get_type(in, "framework_hours_per_week",
	    MSGPACK_OBJECT_MAP) : NULL;
	if (fw != NULL && (m = fmemopen(entered, sizeof entered - 1, "w"))
	    != NULL) {
		out_field(m, fw, "value");
		fclose(m);
	}
	show_parts(res, entered);
}

static void
show_org(const msgpack_object *res)
{
	static const struct column cols[] = {
		{ "TEAM", "team", NULL },
		{ "HEADCOUNT", "headcount", NULL },
		{ "BENEFITS", "benefits", out_money },
		{ "COST", "cost", out_money },
		{ "NET", "net", out_money },
		{ "ROI", "roi", out_ratio },
		{ NULL, NULL, NULL }
	};
	const msgpack_object *teams;

	printf("organisation, period ");
	out_field(stdout, res, "period");
	printf(" (");
	out_field(stdout, res, "days");
	printf(" days, ");
	out_field(stdout, res, "weeks");
	printf(" weeks), headcount ");
	out_field(stdout, res, "headcount");
	puts("\n");
	if ((teams = map_get_type(res, "teams", MSGPACK_OBJECT_ARRAY)) != NULL
	    && teams->via.array.size > 0)
		out_table(cols, teams);
	else
		puts("no team has ROI inputs in this period");
	show_parts(res, NULL);
}

/* roi set TEAM --period NAME --INPUT N...: the report after the change. */
int
cmd_roi_set(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	show_team(res);
	return CX_OK;
}

/* roi show TEAM --period NAME, roi show --org --period NAME. */
int
cmd_roi_show(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	if (mp_map_get(res, "teams") != NULL)
		show_org(res);
	else
		show_team(res);
	return CX_OK;
}
