/*
 * fields-admin.h: what the admin statements not yet in their entity's
 * file return (sql.c), by column name (row.h).
 */
#ifndef CAIRN_FIELDS_ADMIN_H
#define CAIRN_FIELDS_ADMIN_H

#include "row.h"


#endif
