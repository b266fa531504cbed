/*
 * cmd-cycle.c: the end of the review: retrospective notes, closing a
 * period, carrying its unmet objectives over.  The rules are the
 * server's; these print what it answers.
 *
 *	cairn retro TEAM --period NAME --note TEXT
 *	cairn retro show TEAM --period NAME
 *	cairn period close NAME [--auto-grade]
 *	cairn period carry FROM TO [--team SLUG]
 */
#include <string.h>

#include "client.h"

/* retro: the new note's id. */
int
cmd_retro(struct client *c, struct cmd_args *a)
{
	return cmd_created(c, a);
}

/* retro show: each note as "AT AUTHOR" and its text, oldest first. */
int
cmd_retro_show(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res, *notes, *n;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	notes = map_get_type(res, "notes", MSGPACK_OBJECT_ARRAY);
	if (notes == NULL || notes->via.array.size == 0) {
		printf("no retrospective notes for ");
		out_field(stdout, res, "team");
		printf(" in ");
		out_field(stdout, res, "period");
		putchar('\n');
		return CX_OK;
	}
	for (uint32_t i = 0; i < notes->via.array.size; i++) {
		n = &notes->via.array.ptr[i];
		if (i > 0)
			putchar('\n');
		out_field(stdout, n, "at");
		putchar(' ');
		out_field(stdout, n, "author");
		printf(" (#");
		out_field(stdout, n, "id");
		printf("):\n  ");
		out_field(stdout, n, "note");
		putchar('\n');
	}
	return CX_OK;
}

/* period close: "NAME: closed", and how many were graded for it. */
int
cmd_period_close(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res;
	double n = 0;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	out_field(stdout, res, "name");
	printf(": closed");
	if (mp_num(map_get_type(res, "auto_graded",
	    MSGPACK_OBJECT_POSITIVE_INTEGER), &n) && n > 0)
		printf(" (%.0f objective%s graded with %s progress)", n,
		    n == 1 ? "" : "s", n == 1 ? "its" : "their");
	putchar('\n');
	return CX_OK;
}

/* period carry: "OLD -> NEW  TEAM  TITLE" a line, then the count. */
int
cmd_period_carry(struct client *c, struct cmd_args *a)
{
	static const struct column cols[] = {
		{ "FROM", "from", NULL },
		{ "TO", "to", NULL },
		{ "TEAM", "team", NULL },
		{ "TITLE", "title", NULL },
		{ NULL, NULL, NULL }
	};
	const msgpack_object *res, *copied;
	uint32_t n;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	copied = map_get_type(res, "copied", MSGPACK_OBJECT_ARRAY);
	n = copied != NULL ? copied->via.array.size : 0;
	if (n > 0)
		out_table(cols, copied);
	printf("%u objective%s carried from ", n, n == 1 ? "" : "s");
	out_field(stdout, res, "from");
	printf(" to ");
	out_field(stdout, res, "to");
	if (n == 0)
		printf(" (nothing unmet left to carry)");
	putchar('\n');
	return CX_OK;
}
