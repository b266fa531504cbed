/*
 * cmd-session.c: login, logout, whoami, ping.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "client.h"
#include "json.h"
#include "xmalloc.h"

/* msgpack-c may leave ptr NULL for "": strndup must not see it. */
static MUST_CHECK char *
strdup_obj(const msgpack_object *o)
{
	return o->via.str.size == 0 ? xstrdup("") :
	    xstrndup(o->via.str.ptr, o->via.str.size);
}

/* login LOGIN [--password-stdin]: remember server, CA and token. */
int
cmd_login(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res, *token, *user, *login, *role;
	struct reqargs ra = { 0 };
	struct config saved = { 0 };
	char pw[PASSWORD_BUF], err[512];
	bool ok;
	int rc;

	rc = read_secret(c, "Password: ", args_flag(a, "password-stdin"), pw,
	    sizeof pw);
	if (rc != CX_OK)
		return rc;
	req_str(&ra, "password", pw);
	rc = cmd_request(c, a, &ra, &res);
	OPENSSL_cleanse(pw, sizeof pw);
	if (rc != CX_OK)
		return rc;
	token = map_get_type(res, "token", MSGPACK_OBJECT_STR);
	user = map_get_type(res, "user", MSGPACK_OBJECT_MAP);
	login = map_get_type(user, "login", MSGPACK_OBJECT_STR);
	if (token == NULL || login == NULL)
		return client_fail(c, "E_PROTO", "bad reply to session.login");

	saved.server = xstrdup(c->server);
	/* Later commands may run from another directory. */
	if ((saved.ca = realpath(c->ca, NULL)) == NULL)
		saved.ca = xstrdup(c->ca);
	saved.token = strdup_obj(token);
	saved.login = strdup_obj(login);
	ok = config_save(&saved, err, sizeof err);
	config_free(&saved);
	if (!ok)
		return client_fail(c, CE_CLIENT, "cannot save the session: %s",
		    err);

	if (c->json)
		return out_json(user);
	role = mp_map_get(user, "role");
	fputs("logged in as ", stdout);
	out_text(stdout, login->via.str.ptr, login->via.str.size);
	fputs(" (", stdout);
	if (role != NULL)
		out_value(stdout, role);
	fputs(")\n", stdout);
	return CX_OK;
}

/*
 * logout: end the session on the server and forget it.  If the server
 * says the session is already dead (expired, revoked, user disabled), the
 * file is useless, so it goes anyway; the error is still reported.
 */
int
cmd_logout(struct client *c, struct cmd_args *a)
{
	struct reqargs ra = { 0 };
	char err[512];
	int rc;

	/* CMD_TOKEN: main checked that there is one. */
	req_str(&ra, "token", c->cfg.token);
	rc = client_try(c, "session.resume", &ra, NULL);
	if (rc == CX_OK)
		rc = client_try(c, c->cmd->op, NULL, NULL);
	if (rc != CX_OK && !client_failed_with(c, "E_AUTH")) {
		/* Not reached, or it failed: the session may still live. */
		client_report(c);
		return rc;
	}
	if (!config_remove(err, sizeof err))
		return client_fail(c, CE_CLIENT, "cannot remove the session: "
		    "%s", err);
	if (rc != CX_OK) {
		client_report(c);
		return rc;
	}
	puts(c->json ? "{\"ok\":true}" : "logged out");
	return CX_OK;
}

/* whoami: "login (name), role, enabled". */
int
cmd_whoami(struct client *c, struct cmd_args *a)
{
	const msgpack_object *u, *enabled;
	int rc;

	if ((rc = cmd_request(c, a, NULL, &u)) != CX_OK)
		return rc;
	if (c->json)
		return out_json(u);
	enabled = map_get_type(u, "enabled", MSGPACK_OBJECT_BOOLEAN);
	out_field(stdout, u, "login");
	fputs(" (", stdout);
	out_field(stdout, u, "name");
	fputs("), ", stdout);
	out_field(stdout, u, "role");
	printf(", %s\n", enabled != NULL && enabled->via.boolean ?
	    "enabled" : "disabled");
	return CX_OK;
}

/* ping: the round trip of one request, not of connecting. */
int
cmd_ping(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res, *t;
	int rc;

	if ((rc = client_open(c)) != CX_OK)
		return rc;
	if ((rc = client_call(c, c->cmd->op, NULL, &res)) != CX_OK)
		return rc;
	t = mp_map_get(res, "time");
	if (c->json) {
		fputs("{\"rtt_ms\":", stdout);
		json_print_double(stdout, c->rtt_ms, 0);
		fputs(",\"server_time\":", stdout);
		if (t != NULL)
			json_print(stdout, t);
		else
			fputs("null", stdout);
		fputs("}\n", stdout);
		return CX_OK;
	}
	fputs("pong from ", stdout);
	out_text(stdout, c->server, strlen(c->server));
	printf(": time=%.3f ms\n", c->rtt_ms);
	return CX_OK;
}
