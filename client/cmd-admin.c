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

/* audit: newest first; --json also has each entry's before and after.
 * The entries come in parts (a long trail is larger than a frame). */
int
cmd_audit(struct client *c, struct cmd_args *a)
{
	static const struct column cols[] = {
		{ "AT", "at", NULL },
		{ "USER", "user", NULL },
		{ "VIA", "via", NULL },
		{ "OP", "op", NULL },
		{ "ENTITY", "entity", NULL },
		{ NULL, NULL, NULL }
	};
	const msgpack_object *res, *entries;
	int rc;

	if ((rc = cmd_request_parts(c, a, NULL, &res)) != CX_OK)
		return rc;
	if ((entries = map_get_type(res, "entries", MSGPACK_OBJECT_ARRAY)) ==
	    NULL)
		return client_fail(c, "E_PROTO", "no entries in the reply");
	if (c->json)
		return out_json(entries);
	out_table(cols, entries);
	return CX_OK;
}
