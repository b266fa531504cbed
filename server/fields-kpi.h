/*
 * fields-kpi.h: the reply objects and contexts of KPIs (sql/007), as
 * fieldsets (row.h).
 */
#ifndef CAIRN_FIELDS_KPI_H
#define CAIRN_FIELDS_KPI_H

#include "row.h"

extern const struct fieldset FS_KPI;		/* kpi.* replies */
extern const struct fieldset FS_KPI_READING;	/* kpi.history */
extern const struct fieldset FS_KPI_RECORDED;	/* kpi.record */

/* Contexts (change.h) and kpi.record's one row per KPI. */
extern const struct fieldset FS_KPI_NEW_CTX;
extern const struct fieldset FS_KPI_CTX;
extern const struct fieldset FS_KPI_RECORD_CTX;

#endif
