/*
 * fields-admin.c: the columns of the admin statements not yet in their
 * entity's file (fields-admin.h).
 */
#include "fields-admin.h"

static const struct field user_budget_f[] = {
	{ "login", F_STR }, { "lifted", F_BOOL }
};
const struct fieldset FS_USER_BUDGET = FIELDSET("user budget", user_budget_f);
