/*
 * cmd-notify.c: notifications (issue 16): notify show, notify set,
 * notify run, and team webhooks: hook add, list, rm, test.  A hook's
 * signing secret is printed once, by hook add.
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"

static const struct column prefs_cols[] = {
	{ "login", "login", NULL },
	{ "email", "email", NULL },
	{ "reminders", "reminders", NULL },
	{ "digest", "digest", NULL },
	{ "alerts", "alerts", NULL },
	{ "mentions", "mentions", NULL },
	{ NULL, NULL, NULL }
};

static int
show_prefs(const msgpack_object *res)
{
	const msgpack_object *p = map_get_type(res, "preferences",
	    MSGPACK_OBJECT_MAP), *mail = map_get_type(res, "mail",
	    MSGPACK_OBJECT_BOOLEAN);

	if (p == NULL)
		return CX_OK;
	out_fields(prefs_cols, p);
	printf("mail:      %s\n", mail != NULL && mail->via.boolean ?
	    "on (this server has a relay)" : "off (no smtp_host in this "
	    "server's cairnd.conf)");
	return CX_OK;
}

/* notify show */
int
cmd_notify_show(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	return show_prefs(res);
}

/* "on"/"off" (digest: "weekly"/"off") into a boolean; -1 when neither. */
static int
on_off(const char *v, const char *on)
{
	if (strcmp(v, on) == 0)
		return 1;
	if (strcmp(v, "off") == 0)
		return 0;
	return -1;
}

/* notify set [--email ADDR|none] [--reminders on|off] [--digest
 * weekly|off] [--alerts on|off] [--mentions on|off] */
int
cmd_notify_set(struct client *c, struct cmd_args *a)
{
	static const struct { const char *opt, *on; } flags[] = {
		{ "reminders", "on" }, { "digest", "weekly" },
		{ "alerts", "on" }, { "mentions", "on" },
	};
	struct reqargs ra = { 0 };
	const msgpack_object *res;
	const char *email = args_get(a, "email"), *v;
	bool any = email != NULL;
	int rc, b;

	if (email != NULL)
		req_str(&ra, "email", strcmp(email, "none") == 0 ? "" : email);
	for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
		if ((v = args_get(a, flags[i].opt)) == NULL)
			continue;
		if ((b = on_off(v, flags[i].on)) < 0)
			return usage_error(c->cmd, "--%s is %s or off",
			    flags[i].opt, flags[i].on);
		req_bool(&ra, flags[i].opt, b == 1);
		any = true;
	}
	if (!any)
		return usage_error(c->cmd, "give at least one of --email, "
		    "--reminders, --digest, --alerts, --mentions");
	if ((rc = cmd_fetch(c, a, &ra, &res)) != CX_OK || res == NULL)
		return rc;
	return show_prefs(res);
}

/* notify run reminders|digest|alerts */
int
cmd_notify_run(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	out_field(stdout, res, "what");
	fputs(": ", stdout);
	out_field(stdout, res, "written");
	fputs(strcmp(args_get(a, "what") != NULL ? args_get(a, "what") : "",
	    "alerts") == 0 ? " alert event(s) written\n" :
	    " message(s) queued\n", stdout);
	return CX_OK;
}

/* hook add --team SLUG URL [--format json|slack] [--kind K ...] */
int
cmd_hook_add(struct client *c, struct cmd_args *a)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct reqargs ra = { 0 };
	const msgpack_object *res, *secret;
	size_t nkinds = 0;
	int rc;

	for (size_t i = 0; i < a->nopt; i++)
		if (strcmp(a->opt[i].spec->name, "kind") == 0)
			nkinds++;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, nkinds);
	for (size_t i = 0; i < a->nopt; i++)
		if (strcmp(a->opt[i].spec->name, "kind") == 0) {
			const char *v = a->opt[i].val;

			msgpack_pack_str(&pk, strlen(v));
			msgpack_pack_str_body(&pk, v, strlen(v));
		}
	if (nkinds > 0)
		req_raw(&ra, "kinds", sb.data, sb.size);
	rc = cmd_fetch(c, a, &ra, &res);
	msgpack_sbuffer_destroy(&sb);
	if (rc != CX_OK || res == NULL)
		return rc;
	secret = map_get_type(res, "secret", MSGPACK_OBJECT_STR);
	if (secret == NULL)
		return client_fail(c, "E_PROTO", "bad reply to hook.add");
	/* The id, then the secret alone on its line. */
	out_field(stdout, res, "id");
	putchar('\n');
	out_text(stdout, secret->via.str.ptr, secret->via.str.size);
	putchar('\n');
	fflush(stdout);
	fputs("cairn: hook ", stderr);
	out_field(stderr, res, "id");
	fputs(" of team ", stderr);
	out_field(stderr, res, "team");
	fputs(": the second line is its signing secret (X-Cairn-Signature); "
	    "store it now, it is not shown again\n", stderr);
	return CX_OK;
}

/* hook list [--team SLUG] */
int
cmd_hook_list(struct client *c, struct cmd_args *a)
{
	static const struct column cols[] = {
		{ "ID", "id", NULL },
		{ "TEAM", "team", NULL },
		{ "URL", "url", NULL },
		{ "FORMAT", "format", NULL },
		{ "KINDS", "kinds", out_list },
		{ "DISABLED", "disabled", NULL },
		{ "FAILURES", "failures", NULL },
		{ "PENDING", "pending", NULL },
		{ "LAST OK", "last_ok", NULL },
		{ "LAST ERROR", "last_error", NULL },
		{ NULL, NULL, NULL }
	};

	return cmd_fetch_table(c, a, cols);
}

/* hook test ID: queued; its outcome shows in hook list. */
int
cmd_hook_test(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	fputs("test message ", stdout);
	out_field(stdout, res, "delivery");
	fputs(" queued for hook ", stdout);
	out_field(stdout, res, "hook");
	fputs(" (its outcome: cairn hook list)\n", stdout);
	return CX_OK;
}
