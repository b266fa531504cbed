/*
 * cmd-user.c: user add/list/show/set-role/disable/enable, and passwd.
 * The server decides who may do what; these only send and print.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "client.h"

/* user add LOGIN --name NAME [--role ROLE] [--password-stdin] */
int
cmd_user_add(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res, *pw;
	struct reqargs ra = { 0 };
	char buf[PASSWORD_BUF];
	int rc;

	/* Without a password the server makes one and shows it once. */
	if (args_flag(a, "password-stdin")) {
		if ((rc = read_secret(c, NULL, true, buf, sizeof buf)) != 0)
			return rc;
		req_str(&ra, "password", buf);
	}
	rc = cmd_request(c, a, &ra, &res);
	OPENSSL_cleanse(buf, sizeof buf);
	if (rc != CX_OK)
		return rc;
	if (c->json)
		return out_json(res);
	out_field(stdout, res, "id");
	putchar('\n');
	if ((pw = map_get_type(res, "password", MSGPACK_OBJECT_STR)) != NULL) {
		fputs("password: ", stdout);
		out_text(stdout, pw->via.str.ptr, pw->via.str.size);
		putchar('\n');
	}
	return CX_OK;
}

int
cmd_user_list(struct client *c, struct cmd_args *a)
{
	static const struct column cols[] = {
		{ "ID", "id", NULL },
		{ "LOGIN", "login", NULL },
		{ "NAME", "name", NULL },
		{ "ROLE", "role", NULL },
		{ "ENABLED", "enabled", NULL },
		{ NULL, NULL, NULL }
	};
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_request(c, a, NULL, &res)) != CX_OK)
		return rc;
	if (c->json)
		return out_json(res);
	out_table(cols, res);
	return CX_OK;
}

int
cmd_user_show(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_request(c, a, NULL, &res)) != CX_OK)
		return rc;
	if (c->json)
		return out_json(res);
	out_kv(res);
	return CX_OK;
}

/* set-role, disable, enable: "LOGIN: role ROLE" or "LOGIN: disabled". */
int
cmd_user_change(struct client *c, struct cmd_args *a)
{
	const msgpack_object *u, *enabled;
	int rc;

	if ((rc = cmd_request(c, a, NULL, &u)) != CX_OK)
		return rc;
	if (c->json)
		return out_json(u);
	out_field(stdout, u, "login");
	if (strcmp(c->cmd->sub, "set-role") == 0) {
		fputs(": role ", stdout);
		out_field(stdout, u, "role");
		putchar('\n');
	} else {
		enabled = map_get_type(u, "enabled", MSGPACK_OBJECT_BOOLEAN);
		printf(": %s\n", enabled != NULL && enabled->via.boolean ?
		    "enabled" : "disabled");
	}
	return CX_OK;
}

/* user budget LOGIN --lift | --restore: "LOGIN: budgets lifted". */
int
cmd_user_budget(struct client *c, struct cmd_args *a)
{
	const msgpack_object *u, *lifted;
	struct reqargs ra = { 0 };
	bool lift = args_flag(a, "lift"), restore = args_flag(a, "restore");
	int rc;

	if (lift == restore) {
		fputs("cairn: usage: user budget LOGIN --lift | --restore\n",
		    stderr);
		return CX_USAGE;
	}
	req_bool(&ra, "lifted", lift);
	if ((rc = cmd_request(c, a, &ra, &u)) != CX_OK)
		return rc;
	if (c->json)
		return out_json(u);
	out_field(stdout, u, "login");
	lifted = map_get_type(u, "lifted", MSGPACK_OBJECT_BOOLEAN);
	printf(": budgets %s\n", lifted != NULL && lifted->via.boolean ?
	    "lifted" : "apply");
	return CX_OK;
}

/*
 * passwd [LOGIN]: one's own password needs the old one; another user's
 * (an admin's business, which the server checks) only the new one.
 * With --password-stdin the lines come in the order they would be asked.
 */
int
cmd_passwd(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res;
	struct reqargs ra = { 0 };
	char old[PASSWORD_BUF], newpw[PASSWORD_BUF];
	bool from_stdin = args_flag(a, "password-stdin"), self;
	int rc;

	self = a->argc == 0 || (c->cfg.login != NULL &&
	    strcmp(a->argv[0], c->cfg.login) == 0);
	old[0] = '\0';
	if (self) {
		rc = read_secret(c, "Old password: ", from_stdin, old,
		    sizeof old);
		if (rc != CX_OK)
			return rc;
		req_str(&ra, "old_password", old);
	} else
		req_str(&ra, "login", a->argv[0]);
	rc = read_secret(c, "New password: ", from_stdin, newpw, sizeof newpw);
	if (rc == CX_OK) {
		req_str(&ra, "password", newpw);
		rc = client_call(c, c->cmd->op, &ra, &res);
		OPENSSL_cleanse(newpw, sizeof newpw);
	}
	OPENSSL_cleanse(old, sizeof old);
	if (rc != CX_OK)
		return rc;
	puts(c->json ? "{\"ok\":true}" : "password changed");
	return CX_OK;
}
