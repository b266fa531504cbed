/*
 * fields-admin.c: the columns of the settings and audit statements
 * (fields-admin.h).
 */
#include "fields-admin.h"

static const struct field setting_f[] = {
	{ "name", F_HIDDEN }, { "value", F_HIDDEN }
};
const struct fieldset FS_SETTING = FIELDSET("setting", setting_f);

/* before and after are the table rows as maps: their shape is the row's,
 * which later migrations may widen. */
static const struct field audit_f[] = {
	{ "id", F_INT }, { "at", F_STR }, { "user", F_STR }, { "op", F_STR },
	{ "entity", F_STR }, { "before", F_JSON }, { "after", F_JSON }
};
const struct fieldset FS_AUDIT = FIELDSET("audit entry", audit_f);
