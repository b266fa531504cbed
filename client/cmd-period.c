/*
 * cmd-period.c: period list and the state changes (period add is the
 * generic cmd_created).  Which moves are allowed is the server's rule.
 */
#include <string.h>

#include "client.h"

int
cmd_period_list(struct client *c, struct cmd_args *a)
{
	static const struct column cols[] = {
		{ "NAME", "name", NULL },
		{ "START", "start", NULL },
		{ "END", "end", NULL },
		{ "STATE", "state", NULL },
		{ NULL, NULL, NULL }
	};

	return cmd_fetch_table(c, a, cols);
}

/* open, review, close, reopen NAME: "NAME: STATE". */
int
cmd_period_state(struct client *c, struct cmd_args *a)
{
	static const struct {
		const char	*sub;
		const char	*state;
	} states[] = {
		{ "open", "active" },
		{ "review", "review" },
		{ "close", "closed" },
		{ "reopen", "active" },
	};
	static const struct column state = { NULL, "state", NULL };
	const msgpack_object *res;
	struct reqargs ra = { 0 };
	int rc;

	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
		if (strcmp(c->cmd->sub, states[i].sub) == 0)
			req_str(&ra, "state", states[i].state);
	if ((rc = cmd_fetch(c, a, &ra, &res)) != CX_OK || res == NULL)
		return rc;
	out_id_says(res, "name", &state);
	return CX_OK;
}
