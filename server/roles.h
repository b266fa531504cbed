/*
 * roles.h: a user's role and its name on the wire and in the database
 * (users.role).  A leaf module: the session check (dispatch.c), the change
 * path (change.c) and the user ops all use it, and it uses nothing of theirs.
 */
#ifndef CAIRN_ROLES_H
#define CAIRN_ROLES_H

#include "attr.h"

enum role { ROLE_NONE = 0, ROLE_MEMBER, ROLE_EXECUTIVE, ROLE_ADMIN };

/* ROLE_NONE for anything that is not a role's name. */
enum role	 role_parse(const char *) MUST_CHECK;
/* NULL for ROLE_NONE. */
const char	*role_name(enum role);

#endif
