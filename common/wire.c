/* wire.c: error code names, the one table both sides use. */
#include <string.h>

#include "wire.h"

static const char *const err_names[E_MAX] = {
	[E_OK] = "E_OK",
	[E_BAD_FRAME] = "E_BAD_FRAME",
	[E_PROTO] = "E_PROTO",
	[E_BAD_REQUEST] = "E_BAD_REQUEST",
	[E_UNKNOWN_OP] = "E_UNKNOWN_OP",
	[E_AUTH] = "E_AUTH",
	[E_FORBIDDEN] = "E_FORBIDDEN",
	[E_NOT_FOUND] = "E_NOT_FOUND",
	[E_INVALID] = "E_INVALID",
	[E_RULE] = "E_RULE",
	[E_CONFLICT] = "E_CONFLICT",
	[E_LIMIT] = "E_LIMIT",
	[E_UNAVAILABLE] = "E_UNAVAILABLE",
	[E_INTERNAL] = "E_INTERNAL",
};

const char *
wire_err_name(enum wire_err e)
{
	if (e < 0 || e >= E_MAX)
		return "E_INTERNAL";
	return err_names[e];
}

enum wire_err
wire_err_parse(const char *s, size_t len)
{
	for (int i = 0; i < E_MAX; i++)
		if (strlen(err_names[i]) == len &&
		    memcmp(err_names[i], s, len) == 0)
			return i;
	return E_INTERNAL;
}
