/*
 * users.h: a user as the user and session ops answer it.  Shared by
 * op-user.c and op-session.c, so it lives in neither.
 */
#ifndef CAIRN_USERS_H
#define CAIRN_USERS_H

#include <stdbool.h>

#include "attr.h"
#include "row.h"
#include "server.h"

/* FS_USER's columns in res (a statement returning users), or answered
 * (E_INTERNAL) and false: pack each user with rowpack_row. */
bool	user_rowpack(struct request *, struct rowpack *, const PGresult *)
	    MUST_CHECK;

#endif
