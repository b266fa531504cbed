/*
 * cmd-kr.c: key result show, check-in and history (kr add, edit and rm
 * are the generic cmd_created, cmd_obj_change and cmd_removed).  How a
 * value becomes progress is the server's business.
 */
#include "client.h"

/* kr show KR_ID: its fields, progress and attainment as percentages. */
int
cmd_kr_show(struct client *c, struct cmd_args *a)
{
	static const struct column fields[] = {
		{ "id", "id", NULL },
		{ "objective", "objective", NULL },
		{ "title", "title", NULL },
		{ "type", "type", NULL },
		{ "start", "start", NULL },
		{ "target", "target", NULL },
		{ "current", "current", NULL },
		{ "unit", "unit", NULL },
		{ "weight", "weight", NULL },
		{ "owner", "owner", NULL },
		{ "progress", "progress", out_percent },
		{ "attainment", "attainment", out_percent },
		{ "confidence", "confidence", NULL },
		{ "stale", "stale", NULL },
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
		{ "NOTE", "note", NULL },
		{ NULL, NULL, NULL }
	};

	return cmd_fetch_table(c, a, cols);
}
