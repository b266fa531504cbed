/*
 * cmd-signoff.c: sign-off by the parent lead (docs/rules.md "Sign-off"):
 * team signoff, obj approve and obj send-back, and how an objective's
 * sign-off reads in text (obj list and show, tree).  Who may decide is the
 * server's business.
 */
#include <string.h>

#include "client.h"

/* A team's sign-off: "on" or "off" (team signoff, team show). */
void
out_on_off(FILE *f, const msgpack_object *row, const char *key)
{
	const msgpack_object *v = map_get_type(row, key,
	    MSGPACK_OBJECT_BOOLEAN);

	fputs(v == NULL ? "-" : v->via.boolean ? "on" : "off", f);
}

/* team signoff SLUG on|off: "SLUG: sign-off on". */
int
cmd_team_signoff(struct client *c, struct cmd_args *a)
{
	static const struct column col = { "sign-off", "signoff", out_on_off };
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	out_id_says(res, "slug", &col);
	return CX_OK;
}

/* An objective's sign-off state as a word: "proposed", "approved",
 * "sent back", or "-" when it needs none. */
void
out_signoff(FILE *f, const msgpack_object *row, const char *key)
{
	const msgpack_object *v = map_get_type(row, key, MSGPACK_OBJECT_STR);

	if (v == NULL)
		putc('-', f);
	else if (mp_str_eq(v, "sent_back"))
		fputs("sent back", f);
	else
		out_value(f, v);
}

/* obj approve ID, obj send-back ID: "ID: sign-off approved by LOGIN". */
int
cmd_obj_signoff(struct client *c, struct cmd_args *a)
{
	static const struct column col = { "sign-off", "signoff", out_signoff };
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	out_field(stdout, res, "id");
	printf(": %s ", col.title);
	out_signoff(stdout, res, col.key);
	fputs(" by ", stdout);
	out_field(stdout, res, "signoff_by");
	putchar('\n');
	return CX_OK;
}
