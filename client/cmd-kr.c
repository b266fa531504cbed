/*
 * cmd-kr.c: key result show, check-in and history (kr add, edit and rm
 * are the generic cmd_created, cmd_obj_change and cmd_removed).  How a
 * value becomes progress is the server's business.
 */
#include "client.h"

static bool
kpi_hidden(const msgpack_object *row)
{
	const msgpack_object *h;

	h = map_get_type(row, "kpi_hidden", MSGPACK_OBJECT_BOOLEAN);
	return h != NULL && h->via.boolean;
}

/* Bound to a KPI the caller may not read: the KPI, the current value,
 * progress and attainment are withheld (docs/rules.md, "Reading: private
 * teams"), shown as such rather than as a missing value. */
void
out_kr_seen(FILE *f, const msgpack_object *row, const char *key)
{
	if (kpi_hidden(row))
		fputs("(hidden)", f);
	else
		out_field(f, row, key);
}

void
out_kr_seen_percent(FILE *f, const msgpack_object *row, const char *key)
{
	if (kpi_hidden(row))
		fputs("(hidden)", f);
	else
		out_percent(f, row, key);
}

/* "P% at the period's end (VALUE), target on DATE (N check-ins, r2 R)". */
static void
out_kr_forecast(FILE *f, const msgpack_object *row, const char *key)
{
	const msgpack_object *fc = map_get_type(row, key, MSGPACK_OBJECT_MAP);
	const msgpack_object *on;
	double v, p, n, r2;

	if (fc == NULL || !map_get_num(fc, "value", &v) ||
	    !map_get_num(fc, "progress", &p)) {
		fputs("none (fewer than 3 check-ins over 7 days)", f);
		return;
	}
	fprintf(f, "%.0f%% at the period's end (%.2f)", p * 100, v);
	on = map_get_type(fc, "reaches_target_on", MSGPACK_OBJECT_STR);
	if (on != NULL)
		fprintf(f, ", target on %.*s", (int)on->via.str.size,
		    on->via.str.ptr);
	else
		fputs(", target not within the period", f);
	if (map_get_num(fc, "n", &n))
		fprintf(f, " (%.0f check-ins", n);
	if (map_get_num(fc, "r2", &r2))
		fprintf(f, ", r2 %.2f", r2);
	if (map_get_num(fc, "n", &n))
		putc(')', f);
}

/* kr show KR_ID: its fields, progress and attainment as percentages. */
int
cmd_kr_show(struct client *c, struct cmd_args *a)
{
	static const struct column fields[] = {
		{ "id", "id", NULL },
		{ "objective", "objective", NULL },
		{ "title", "title", NULL },
		{ "type", "type", NULL },
		{ "start", "start", out_kr_seen },
		{ "target", "target", NULL },
		{ "current", "current", out_kr_seen },
		{ "unit", "unit", NULL },
		{ "weight", "weight", NULL },
		{ "owner", "owner", NULL },
		{ "progress", "progress", out_kr_seen_percent },
		{ "attainment", "attainment", out_kr_seen_percent },
		{ "kpi", "kpi", out_kr_seen },
		{ "confidence", "confidence", NULL },
		{ "stale", "stale", out_kr_seen },
		{ "forecast", "forecast", out_kr_forecast },
		{ "version", "version", NULL },
		{ NULL, NULL, NULL }
	};
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	out_fields(fields, res);
	return CX_OK;
}

/* kr checkin KR_ID VALUE: "KR_ID: current VALUE, progress P%". */
int
cmd_kr_checkin(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	out_field(stdout, res, "id");
	fputs(": current ", stdout);
	out_field(stdout, res, "current");
	fputs(", progress ", stdout);
	out_percent(stdout, res, "progress");
	putchar('\n');
	return CX_OK;
}

/* kr history KR_ID: the check-ins, oldest first. */
int
cmd_kr_history(struct client *c, struct cmd_args *a)
{
	static const struct column cols[] = {
		{ "AT", "at", NULL },
		{ "VALUE", "value", NULL },
		{ "CONF", "confidence", NULL },
		{ "AUTHOR", "author", NULL },
		{ "VIA", "via", NULL },
		{ "NOTE", "note", NULL },
		{ NULL, NULL, NULL }
	};

	return cmd_fetch_table(c, a, cols);
}
