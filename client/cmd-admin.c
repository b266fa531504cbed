/*
 * cmd-admin.c: settings (show, set) and the audit log.  Who may read or
 * change them is the server's business.
 */
#include "client.h"

/* settings, settings set NAME VALUE: the settings, as "name: value". */
int
cmd_settings(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	out_kv(res);
	return CX_OK;
}

/* audit: newest first; --json also has each entry's before and after. */
int
cmd_audit(struct client *c, struct cmd_args *a)
{
	static const struct column cols[] = {
		{ "AT", "at", NULL },
		{ "USER", "user", NULL },
		{ "OP", "op", NULL },
		{ "ENTITY", "entity", NULL },
		{ NULL, NULL, NULL }
	};

	return cmd_fetch_table(c, a, cols);
}
