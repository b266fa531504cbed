/*
 * cmd-source.c: source add/list/show/rm/test/allow/disallow (issue 15).
 * Admin only, which the server decides; a source's password or bearer
 * token is read from standard input (one line) and sent once, never
 * shown again: source show says only whether one is set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "client.h"

#define SOURCE_SECRET_MAX	1024	/* bytes, as the server allows */
#define SOURCE_CA_MAX		65536

/* The CA file's text (at most SOURCE_CA_MAX bytes) into buf. */
static int
read_ca(struct client *c, const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return client_fail(c, CE_CLIENT, "%s: %s", path,
		    strerror(errno));
	n = fread(buf, 1, len - 1, f);
	if (ferror(f) || (n == len - 1 && getc(f) != EOF)) {
		fclose(f);
		return client_fail(c, CE_CLIENT, "%s: unreadable or larger "
		    "than %d bytes", path, SOURCE_CA_MAX);
	}
	fclose(f);
	buf[n] = '\0';
	if (n == 0 || memchr(buf, '\0', n) != NULL)
		return client_fail(c, CE_CLIENT, "%s: not a PEM file", path);
	return CX_OK;
}

/* source add NAME --postgres DSN [--password-stdin]
 * source add NAME --prometheus URL [--ca FILE] [--bearer-token-stdin] */
int
cmd_source_add(struct client *c, struct cmd_args *a)
{
	const char *pg = args_get(a, "postgres"), *prom = args_get(a,
	    "prometheus"), *ca = args_get(a, "ca");
	bool pw = args_flag(a, "password-stdin"), tok = args_flag(a,
	    "bearer-token-stdin");
	struct reqargs ra = { 0 };
	const msgpack_object *res;
	char secret[SOURCE_SECRET_MAX + 1], *cabuf = NULL;
	int rc;

	if ((pg == NULL) == (prom == NULL))
		return usage_error(c->cmd, "give one of --postgres DSN and "
		    "--prometheus URL");
	if (pg != NULL && (tok || ca != NULL))
		return usage_error(c->cmd, "--bearer-token-stdin and --ca go "
		    "with --prometheus");
	if (prom != NULL && pw)
		return usage_error(c->cmd, "--password-stdin goes with "
		    "--postgres");
	req_str(&ra, "kind", pg != NULL ? "postgres" : "prometheus");
	req_str(&ra, "target", pg != NULL ? pg : prom);
	if (ca != NULL) {
		cabuf = malloc(SOURCE_CA_MAX + 1);
		if (cabuf == NULL)
			return client_fail(c, CE_CLIENT, "out of memory");
		if ((rc = read_ca(c, ca, cabuf, SOURCE_CA_MAX + 1)) != CX_OK) {
			free(cabuf);
			return rc;
		}
		req_str(&ra, "ca", cabuf);
	}
	if (pw || tok) {
		if ((rc = read_secret(c, NULL, true, secret,
		    sizeof secret)) != CX_OK) {
			free(cabuf);
			return rc;
		}
		req_str(&ra, "secret", secret);
	}
	rc = cmd_request(c, a, &ra, &res);
	OPENSSL_cleanse(secret, sizeof secret);
	free(cabuf);
	if (rc != CX_OK)
		return rc;
	if (c->json)
		return out_json(res);
	out_field(stdout, res, "name");
	putchar('\n');
	return CX_OK;
}

int
cmd_source_list(struct client *c, struct cmd_args *a)
{
	static const struct column cols[] = {
		{ "NAME", "name", NULL },
		{ "KIND", "kind", NULL },
		{ "TARGET", "target", NULL },
		{ "SECRET", "has_secret", NULL },
		{ "TEAMS", "teams", out_list },
		{ NULL, NULL, NULL }
	};

	return cmd_fetch_table(c, a, cols);
}

/* "set" or "none": a secret is never shown, only whether there is one. */
static void
out_set(FILE *f, const msgpack_object *row, const char *key)
{
	const msgpack_object *v = map_get_type(row, key,
	    MSGPACK_OBJECT_BOOLEAN);

	fputs(v != NULL && v->via.boolean ? "set" : "none", f);
}

static void
print_source(const msgpack_object *res)
{
	static const struct column pgf[] = {
		{ "name", "name", NULL },
		{ "kind", "kind", NULL },
		{ "target", "target", NULL },
		{ "password", "has_secret", out_set },
		{ "teams", "teams", out_list },
		{ "created", "created", NULL },
		{ NULL, NULL, NULL }
	};
	static const struct column promf[] = {
		{ "name", "name", NULL },
		{ "kind", "kind", NULL },
		{ "target", "target", NULL },
		{ "bearer token", "has_secret", out_set },
		{ "ca", "has_ca", out_set },
		{ "teams", "teams", out_list },
		{ "created", "created", NULL },
		{ NULL, NULL, NULL }
	};
	const msgpack_object *kind = map_get_type(res, "kind",
	    MSGPACK_OBJECT_STR);

	out_fields(kind != NULL && mp_str_eq(kind, "prometheus") ? promf :
	    pgf, res);
}

/* source show NAME, and what allow and disallow answer. */
int
cmd_source_show(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	print_source(res);
	return CX_OK;
}

/* source test NAME: what the connection found. */
int
cmd_source_test(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	out_field(stdout, res, "name");
	fputs(": ok: ", stdout);
	out_field(stdout, res, "info");
	putchar('\n');
	return CX_OK;
}
