/*
 * fields-user.h: what the user and session statements return (sql.c), by
 * column name (row.h).  A user's reply keys are its column names.
 */
#ifndef CAIRN_FIELDS_USER_H
#define CAIRN_FIELDS_USER_H

#include "row.h"

/* A user as replies show it: id, login, name, role, enabled, created. */
extern const struct fieldset FS_USER;
/* session_create, session_check: sid and expires, then the user. */
extern const struct fieldset FS_SESSION;
/* auth_by_login: id, password_hash, enabled (read, never packed). */
extern const struct fieldset FS_AUTH;
/* user_pw_by_login: id, password_hash. */
extern const struct fieldset FS_USER_PW;
/* user_admin_state: role, enabled, other_admins. */
extern const struct fieldset FS_USER_ADMIN;
/* user_set_password: the id of the user changed. */
extern const struct fieldset FS_USER_ID;

#endif
