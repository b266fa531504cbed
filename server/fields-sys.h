/*
 * fields-sys.h: what the bookkeeping statements return (sql.c), by column
 * name (row.h): idempotency keys, failed password checks, housekeeping.
 * All are read by checks, never packed.
 */
#ifndef CAIRN_FIELDS_SYS_H
#define CAIRN_FIELDS_SYS_H

#include "row.h"

/* idem_get: op, args_hash (hex), result_id. */
extern const struct fieldset FS_IDEM;
/* throttle_check: failures, locked_s, other_logins, other_wait_s. */
extern const struct fieldset FS_THROTTLE_CHECK;
/* throttle_fail: failures, total, delay_ms, locked. */
extern const struct fieldset FS_THROTTLE_FAIL;
/* housekeep_*: deleted (how many rows). */
extern const struct fieldset FS_HOUSEKEEP;

#endif
