/*
 * kpi.h: what the KPI entity (kpi.c) shows to the rest of cairnd, its op
 * table and its statements, and what KPIs and their readings (reading.c,
 * export.c) share: the bounds of a reading, and the checks of its
 * time and of a KPI's thresholds (kpi-at.c).
 */
#ifndef CAIRN_KPI_H
#define CAIRN_KPI_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "op.h"
#include "sql.h"

extern const struct op		kpi_ops[];	/* ended by a NULL name */
extern const stmt_table		kpi_stmts;

#define KPI_RECORD_MAX	1000	/* readings in one kpi.record */
#define KPI_NOTE_MAX	2000	/* bytes of a reading's note */
#define KPI_FUTURE_S	300	/* a reading may be this far ahead */
#define KPI_AT_LEN	32	/* TIME_TEXT_LEN (common/date.h) */
#define KPI_VALUE_MAX	1e15	/* |value| and |threshold| */

/*
 * A reading's time as the protocol writes it: an RFC 3339 time
 * "2026-11-30T09:00:00Z" or "2026-11-30T10:00:00+01:00" (time_parse in
 * common/date.h says what is taken) or a date "2026-11-30" (its midnight
 * UTC).  On success out holds it converted to UTC, as cairn stores it;
 * false with why (for E_INVALID on "at") if it is no such time or more
 * than KPI_FUTURE_S after now.
 */
bool	 kpi_at_parse(const char *s, time_t now, char out[KPI_AT_LEN],
	    const char **why) __attribute__((warn_unused_result));

/*
 * The thresholds of a KPI in the order its direction needs (docs/rules.md,
 * "KPIs"); NULL when they are, else the field that is the wrong way round
 * (or missing, or given for no reason) and why.
 */
const char *kpi_thresholds_refusal(const char *direction, double green,
	    double amber, bool has_gh, double green_high, bool has_ah,
	    double amber_high, const char **why);

#endif
