/*
 * cmd-inbox.c: cairn inbox, one list of what needs you (due check-ins,
 * readings and grades, sign-offs to give, objectives sent back to you,
 * mentions not yet seen), and cairn inbox seen ID|--all.
 */
#include <stdio.h>
#include <string.h>

#include "client.h"

/* inbox */
int
cmd_inbox(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res, *list;
	int rc;

	if ((rc = client_call_parts(c, c->cmd->op, NULL, NULL, NULL,
	    &res)) != CX_OK)
		return rc;
	list = map_get_type(res, "items", MSGPACK_OBJECT_ARRAY);
	if (list == NULL)
		return client_fail(c, "E_PROTO", "bad reply to inbox.get");
	if (c->json)
		return out_json(list);
	out_items(list, "nothing needs you");
	return CX_OK;
}

/* inbox seen ID|--all */
int
cmd_inbox_seen(struct client *c, struct cmd_args *a)
{
	struct reqargs ra = { 0 };
	const msgpack_object *res, *n;
	bool all = args_flag(a, "all");
	int rc;

	if ((a->argc == 1) == all)
		return usage_error(c->cmd, "give a mention's id or --all");
	if (all)
		req_bool(&ra, "all", true);
	else
		req_positionals(&ra, a, c->cmd->keys);
	if ((rc = client_call(c, c->cmd->op, &ra, &res)) != CX_OK)
		return rc;
	n = map_get_type(res, "seen", MSGPACK_OBJECT_POSITIVE_INTEGER);
	if (c->json)
		return out_json(res);
	printf("%llu mention%s marked seen\n", n != NULL ?
	    (unsigned long long)n->via.u64 : 0ULL,
	    n != NULL && n->via.u64 == 1 ? "" : "s");
	return CX_OK;
}
