/*
 * fields-goals.c: the fieldsets of fields-goals.h.
 */
#include "fields-goals.h"

static const struct field team[] = {
	{ "id", F_INT }, { "slug", F_STR }, { "name", F_STR },
	{ "parent", F_STR }, { "private", F_BOOL }, { "framework", F_STR },
};
const struct fieldset FS_TEAM = FIELDSET("team", team);


