/*
 * fields-admin.h: what the settings and audit statements return (sql.c),
 * by column name (row.h).
 */
#ifndef CAIRN_FIELDS_ADMIN_H
#define CAIRN_FIELDS_ADMIN_H

#include "row.h"

/* settings_get: name, value (packed as one map of name to value). */
extern const struct fieldset FS_SETTING;
/* An audit entry: id, at, user, op, entity, before, after. */
extern const struct fieldset FS_AUDIT;

#endif
