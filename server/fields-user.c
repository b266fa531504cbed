/*
 * fields-user.c: the columns of the user and session statements
 * (fields-user.h).
 */
#include "fields-user.h"

/* The user's columns, shared by the fieldsets that carry a user. */
#define USER_FIELDS							\
	{ "id", F_INT }, { "login", F_STR }, { "name", F_STR },		\
	{ "role", F_STR }, { "enabled", F_BOOL }, { "created", F_STR }

static const struct field user_f[] = { USER_FIELDS };
const struct fieldset FS_USER = FIELDSET("user", user_f);

static const struct field session_f[] = {
	{ "sid", F_HIDDEN }, { "expires", F_HIDDEN }, USER_FIELDS
};
const struct fieldset FS_SESSION = FIELDSET("session", session_f);

static const struct field auth_f[] = {
	{ "id", F_HIDDEN }, { "password_hash", F_HIDDEN },
	{ "enabled", F_HIDDEN }
};
const struct fieldset FS_AUTH = FIELDSET("login check", auth_f);

static const struct field user_pw_f[] = {
	{ "id", F_HIDDEN }, { "password_hash", F_HIDDEN }
};
const struct fieldset FS_USER_PW = FIELDSET("password check", user_pw_f);

static const struct field user_admin_f[] = {
	{ "role", F_HIDDEN }, { "enabled", F_HIDDEN },
	{ "other_admins", F_HIDDEN }
};
const struct fieldset FS_USER_ADMIN = FIELDSET("admin state", user_admin_f);

static const struct field user_id_f[] = { { "id", F_HIDDEN } };
const struct fieldset FS_USER_ID = FIELDSET("user id", user_id_f);
