/*
 * login.h: what a login may be, and the passwords cairnd makes up (for
 * --init-admin, --demo and user.create without a password).  A leaf module:
 * start-up (bootstrap.c, demo.c), the user ops and the import use it.
 */
#ifndef CAIRN_LOGIN_H
#define CAIRN_LOGIN_H

#include <stdbool.h>

#include "attr.h"

/* 1 to 63 of a-z 0-9 . _ -, starting with a letter or a digit. */
bool	 valid_login(const char *) MUST_CHECK;
/* 20 random characters of an alphabet without look-alikes (xmalloc'ed;
 * the caller frees it).  Dies if the system has no randomness. */
char	*password_generate(void) MUST_CHECK;

#endif
