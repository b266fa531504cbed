/*
 * cmd-team.c: team list/show/move/rename and team member add/rm (team add
 * and rm are the generic cmd_created and cmd_removed).  The server
 * decides who may do what; these only send and print.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "xmalloc.h"

#define NO_PARENT	SIZE_MAX

static bool
same_str(const msgpack_object *x, const msgpack_object *y)
{
	/* Not memcmp for "": msgpack-c may leave its ptr NULL. */
	return x != NULL && y != NULL && x->via.str.size == y->via.str.size &&
	    (x->via.str.size == 0 ||
	    memcmp(x->via.str.ptr, y->via.str.ptr, x->via.str.size) == 0);
}

/* "  ops  Operations (private)", indented two spaces a level. */
static void
print_team(const msgpack_object *t, size_t depth)
{
	const msgpack_object *priv;

	printf("%*s", (int)(depth * 2), "");
	out_field(stdout, t, "slug");
	fputs("  ", stdout);
	out_field(stdout, t, "name");
	priv = map_get_type(t, "private", MSGPACK_OBJECT_BOOLEAN);
	if (priv != NULL && priv->via.boolean)
		fputs(" (private)", stdout);
	putchar('\n');
}

/*
 * The teams as a tree, each under its parent.  The server sends parents
 * before children; a team whose parent is not among the earlier ones
 * (hidden from us, say) is shown as a root, so the tree has no cycles.
 * Walked depth first with an explicit stack: a chain may be long.
 */
static void
print_tree(const msgpack_object *teams)
{
	const msgpack_object *t = teams->via.array.ptr, *p;
	size_t n = teams->via.array.size, *parent, depth, i, j;
	struct { size_t row, next; } *stack;

	parent = xcalloc(n ? n : 1, sizeof *parent);
	stack = xcalloc(n ? n : 1, sizeof *stack);
	for (i = 0; i < n; i++) {
		parent[i] = NO_PARENT;
		p = map_get_type(&t[i], "parent", MSGPACK_OBJECT_STR);
		for (j = 0; p != NULL && j < i; j++) {
			if (same_str(p, map_get_type(&t[j], "slug",
			    MSGPACK_OBJECT_STR))) {
				parent[i] = j;
				break;
			}
		}
	}
	for (i = 0; i < n; i++) {
		if (parent[i] != NO_PARENT)
			continue;
		print_team(&t[i], 0);
		stack[0].row = i;
		stack[0].next = i + 1;
		depth = 1;
		while (depth > 0) {
			/* The next child of the row on top, if any. */
			for (j = stack[depth - 1].next; j < n &&
			    parent[j] != stack[depth - 1].row; j++)
				;
			if (j == n) {
				depth--;
				continue;
			}
			stack[depth - 1].next = j + 1;
			print_team(&t[j], depth);
			stack[depth].row = j;
			stack[depth].next = j + 1;
			depth++;
		}
	}
	free(stack);
	free(parent);
}

int
cmd_team_list(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	if (res->type != MSGPACK_OBJECT_ARRAY) {
		out_value(stdout, res);
		putchar('\n');
	} else
		print_tree(res);
	return CX_OK;
}

/* team show SLUG: its fields and children, then its members. */
int
cmd_team_show(struct client *c, struct cmd_args *a)
{
	static const struct column fields[] = {
		{ "id", "id", NULL },
		{ "slug", "slug", NULL },
		{ "name", "name", NULL },
		{ "parent", "parent", NULL },
		{ "private", "private", NULL },
		{ "framework", "framework", NULL },
		{ "signoff", "signoff", out_on_off },
		{ "children", "children", out_list },
		{ NULL, NULL, NULL }
	};
	static const struct column members[] = {
		{ "LOGIN", "login", NULL },
		{ "NAME", "name", NULL },
		{ "ROLE", "role", NULL },
		{ NULL, NULL, NULL }
	};
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	out_fields(fields, res);
	out_section("MEMBERS", members, res, "members");
	return CX_OK;
}

/* move, rename: "SLUG: parent PARENT", "SLUG: name NAME". */
int
cmd_team_change(struct client *c, struct cmd_args *a)
{
	static const struct column parent = { "parent", "parent", NULL };
	static const struct column name = { "name", "name", NULL };
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	out_id_says(res, "slug", strcmp(c->cmd->sub, "move") == 0 ? &parent :
	    &name);
	return CX_OK;
}

/*
 * member add SLUG LOGIN [--lead], member rm SLUG LOGIN: "SLUG: LOGIN
 * ROLE" with the role the server now gives, or "SLUG: LOGIN removed".
 * Adding always says whether as lead, so that re-adding demotes too.
 */
int
cmd_team_member(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res, *members, *login, *role = NULL;
	struct reqargs ra = { 0 };
	bool add = strcmp(c->cmd->sub, "member add") == 0;
	int rc;

	if (add)
		req_bool(&ra, "lead", false);	/* --lead replaces it */
	if ((rc = cmd_fetch(c, a, &ra, &res)) != CX_OK || res == NULL)
		return rc;
	members = map_get_type(res, "members", MSGPACK_OBJECT_ARRAY);
	for (uint32_t i = 0; members != NULL && i < members->via.array.size;
	    i++) {
		login = mp_map_get(&members->via.array.ptr[i], "login");
		if (login != NULL && mp_str_eq(login, a->argv[1]))
			role = mp_map_get(&members->via.array.ptr[i], "role");
	}
	out_field(stdout, res, "slug");
	fputs(": ", stdout);
	out_text(stdout, a->argv[1], strlen(a->argv[1]));
	putchar(' ');
	if (!add)
		fputs("removed", stdout);
	else if (role != NULL)
		out_value(stdout, role);
	else
		fputs(args_flag(a, "lead") ? "lead" : "member", stdout);
	putchar('\n');
	return CX_OK;
}
