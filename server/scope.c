/* scope.c: see scope.h. */
#include <stdio.h>
#include <string.h>

#include "scope.h"

static const struct {
	const char	*name;
	unsigned	 bit;
} scopes_known[] = {
	{ "read", SCOPE_READ },
	{ "kpi.record", SCOPE_KPI_RECORD },
	{ "kr.checkin", SCOPE_KR_CHECKIN },
};
#define NSCOPES	(sizeof scopes_known / sizeof *scopes_known)

unsigned
scope_bit(const char *name)
{
	for (size_t i = 0; i < NSCOPES; i++)
		if (strcmp(scopes_known[i].name, name) == 0)
			return scopes_known[i].bit;
	return 0;
}

void
scope_names(unsigned scopes, char *out, size_t outlen)
{
	size_t used = 0;

	if (outlen == 0)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < NSCOPES; i++) {
		int n;

		if (!(scopes & scopes_known[i].bit))
			continue;
		n = snprintf(out + used, outlen - used, "%s%s",
		    used ? ", " : "", scopes_known[i].name);
		if (n < 0 || (size_t)n >= outlen - used)
			return;
		used += (size_t)n;
	}
}

bool
scope_allows(unsigned scopes, const char *op, bool write)
{
	if (strcmp(op, "session.whoami") == 0)
		return true;
	/* Tokens are made, listed and revoked with a password's session;
	 * a token is revoked by token.remove, not by logging out. */
	if (strncmp(op, "token.", 6) == 0 || strcmp(op, "session.logout") == 0)
		return false;
	if (strcmp(op, "kpi.record") == 0)
		return (scopes & SCOPE_KPI_RECORD) != 0;
	if (strcmp(op, "kr.checkin") == 0)
		return (scopes & SCOPE_KR_CHECKIN) != 0;
	return !write && (scopes & SCOPE_READ) != 0;
}

bool
token_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > TOKEN_NAME_MAX || !((*s >= 'a' && *s <= 'z') ||
	    (*s >= '0' && *s <= '9')))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '.' || *s == '_' || *s == '-'))
			return false;
	return true;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

bool
token_parse(const char *text, unsigned char raw[TOKEN_RAW])
{
	size_t plen = sizeof TOKEN_PREFIX - 1;

	if (strlen(text) != TOKEN_TEXT_LEN ||
	    strncmp(text, TOKEN_PREFIX, plen) != 0)
		return false;
	text += plen;
	for (int i = 0; i < TOKEN_RAW; i++) {
		int hi = hexval(text[2 * i]), lo = hexval(text[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		raw[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

void
token_format(const unsigned char raw[TOKEN_RAW], char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t plen = sizeof TOKEN_PREFIX - 1;

	memcpy(out, TOKEN_PREFIX, plen);
	for (int i = 0; i < TOKEN_RAW; i++) {
		out[plen + 2 * i] = digits[raw[i] >> 4];
		out[plen + 2 * i + 1] = digits[raw[i] & 15];
	}
	out[TOKEN_TEXT_LEN] = '\0';
}
