/*
 * cmd-tiers.c: where the two tiers join: a team's framework mode, and an
 * objective's guardrails (KPIs that must stay healthy while it is
 * pursued).  Health and breach are the server's; these send and print.
 */
#include <string.h>

#include "client.h"

/* team framework SLUG MODE: "SLUG: framework MODE". */
int
cmd_team_framework(struct client *c, struct cmd_args *a)
{
	static const struct column mode = { "framework", "framework", NULL };
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	out_id_says(res, "slug", &mode);
	return CX_OK;
}

/* "12 on-time delivery (red)" for each guardrail, comma separated. */
static void
out_guardrails(FILE *f, const msgpack_object *row, const char *key)
{
	const msgpack_object *g = map_get_type(row, key, MSGPACK_OBJECT_ARRAY);

	if (g == NULL || g->via.array.size == 0) {
		fputs("none", f);
		return;
	}
	for (uint32_t i = 0; i < g->via.array.size; i++) {
		fputs(i > 0 ? ", " : "", f);
		if (mp_map_get(&g->via.array.ptr[i], "hidden") != NULL) {
			fputs("(hidden)", f);
			continue;
		}
		out_field(f, &g->via.array.ptr[i], "kpi");
		fputc(' ', f);
		out_field(f, &g->via.array.ptr[i], "name");
		fputs(" (", f);
		out_field(f, &g->via.array.ptr[i], "health");
		fputc(')', f);
	}
}

/* obj guard, obj unguard: "ID: guardrails KPI NAME (HEALTH), ...". */
int
cmd_obj_guard(struct client *c, struct cmd_args *a)
{
	static const struct column col = { "guardrails", "guardrails",
	    out_guardrails };
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	out_id_says(res, "id", &col);
	return CX_OK;
}

/* obj show: the GUARDRAILS section (nothing when there are none). */
void
print_guardrails(const msgpack_object *obj)
{
	static const struct column cols[] = {
		{ "KPI", "kpi", out_or_hidden },
		{ "NAME", "name", out_or_hidden },
		{ "HEALTH", "health", NULL },
		{ NULL, NULL, NULL }
	};
	out_section("GUARDRAILS", cols, obj, "guardrails");
}
