/*
 * fields.h: every fieldset (row.h) of sql.c's statements, one header per
 * area: users and sessions, settings and audit, bookkeeping, the goal
 * hierarchy, the two tiers joined.
 */
#ifndef CAIRN_FIELDS_H
#define CAIRN_FIELDS_H

#include "fields-admin.h"
#include "fields-goals.h"
#include "fields-tiers.h"

#endif
