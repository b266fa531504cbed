/* roles.c: see roles.h. */
#include <string.h>

#include "roles.h"

static const char *const role_names[] = {
	[ROLE_NONE] = NULL, [ROLE_MEMBER] = "member",
	[ROLE_EXECUTIVE] = "executive", [ROLE_ADMIN] = "admin",
};

enum role
role_parse(const char *s)
{
	for (size_t i = 1; i < sizeof role_names / sizeof *role_names; i++)
		if (strcmp(s, role_names[i]) == 0)
			return (enum role)i;
	return ROLE_NONE;
}

const char *
role_name(enum role r)
{
	return role_names[r];
}
