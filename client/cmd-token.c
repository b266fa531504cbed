/*
 * cmd-token.c: API tokens for scripts: token add, list, rm.  A token is
 * printed once, by token add; a script then sets CAIRN_TOKEN (or passes
 * --token-file) instead of logging in (cairn.c, call.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

/* token add's --expires: N and a unit, h (hours), d (days), w (weeks)
 * or y (365 days), from 1h to 2y; -1 when malformed. */
static int64_t
duration(const char *s)
{
	char *end;
	long long n;
	int64_t unit;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || n <= 0 || n > 100000 || end[0] == '\0' ||
	    end[1] != '\0')
		return -1;
	switch (end[0]) {
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	case 'y': unit = 365 * 86400; break;
	default: return -1;
	}
	return (int64_t)n * unit;
}

/* token add NAME [--scope S ...] [--kpi ID ...] [--expires DURATION] */
int
cmd_token_add(struct client *c, struct cmd_args *a)
{
	msgpack_sbuffer sb[2];
	msgpack_packer pk;
	struct reqargs ra = { 0 };
	const msgpack_object *res, *token, *info;
	const char *exp = args_get(a, "expires");
	size_t nscopes = 0, nkpis = 0;
	int64_t life = 0;
	int rc;

	if (exp != NULL && ((life = duration(exp)) < 3600 ||
	    life > 2 * 366 * 86400))
		return usage_error(c->cmd, "--expires is a duration from 1h to "
		    "2y: 12h, 30d, 8w, 1y");
	for (size_t i = 0; i < a->nopt; i++) {
		if (strcmp(a->opt[i].spec->name, "scope") == 0)
			nscopes++;
		else if (strcmp(a->opt[i].spec->name, "kpi") == 0) {
			char *end;

			errno = 0;
			if (strtoll(a->opt[i].val, &end, 10) <= 0 ||
			    *end != '\0' || errno != 0)
				return usage_error(c->cmd, "--kpi takes a KPI "
				    "id: %s", a->opt[i].val);
			nkpis++;
		}
	}
	if (nscopes == 0)
		return usage_error(c->cmd, "give at least one --scope: read, "
		    "kpi.record, kr.checkin");
	for (int s = 0; s < 2; s++) {
		msgpack_sbuffer_init(&sb[s]);
		msgpack_packer_init(&pk, &sb[s], msgpack_sbuffer_write);
		msgpack_pack_array(&pk, s == 0 ? nscopes : nkpis);
		for (size_t i = 0; i < a->nopt; i++) {
			const char *v = a->opt[i].val;

			if (s == 0 && strcmp(a->opt[i].spec->name, "scope") ==
			    0) {
				msgpack_pack_str(&pk, strlen(v));
				msgpack_pack_str_body(&pk, v, strlen(v));
			} else if (s == 1 &&
			    strcmp(a->opt[i].spec->name, "kpi") == 0)
				msgpack_pack_int64(&pk, strtoll(v, NULL, 10));
		}
	}
	req_raw(&ra, "scopes", sb[0].data, sb[0].size);
	if (nkpis > 0)
		req_raw(&ra, "kpis", sb[1].data, sb[1].size);
	if (life > 0)
		req_int(&ra, "expires", life);
	rc = cmd_fetch(c, a, &ra, &res);
	msgpack_sbuffer_destroy(&sb[0]);
	msgpack_sbuffer_destroy(&sb[1]);
	if (rc != CX_OK || res == NULL)
		return rc;
	token = map_get_type(res, "token", MSGPACK_OBJECT_STR);
	info = map_get_type(res, "token_info", MSGPACK_OBJECT_MAP);
	if (token == NULL || info == NULL)
		return client_fail(c, "E_PROTO", "bad reply to token.add");
	/* The token alone on stdout, so that "> FILE" keeps just it. */
	out_text(stdout, token->via.str.ptr, token->via.str.size);
	putc('\n', stdout);
	fflush(stdout);
	/* The rest for people, on stderr. */
	fputs("cairn: token ", stderr);
	out_field(stderr, info, "name");
	fputs(" (", stderr);
	out_list(stderr, info, "scopes");
	if (map_get_type(info, "kpis", MSGPACK_OBJECT_ARRAY) != NULL) {
		fputs("; KPIs ", stderr);
		out_list(stderr, info, "kpis");
	}
	fputs("), expires ", stderr);
	out_field(stderr, info, "expires");
	fputs(": store it now, it is not shown again\n", stderr);
	return CX_OK;
}

/* token list [--user LOGIN] */
int
cmd_token_list(struct client *c, struct cmd_args *a)
{
	static const struct column cols[] = {
		{ "NAME", "name", NULL },
		{ "SCOPES", "scopes", out_list },
		{ "KPIS", "kpis", out_list },
		{ "EXPIRES", "expires", NULL },
		{ "EXPIRED", "expired", NULL },
		{ "LAST USED", "last_used", NULL },
		{ NULL, NULL, NULL }
	};

	return cmd_fetch_table(c, a, cols);
}
