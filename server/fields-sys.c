/*
 * fields-sys.c: the columns of the bookkeeping statements (fields-sys.h).
 */
#include "fields-sys.h"

static const struct field idem_f[] = {
	{ "op", F_HIDDEN }, { "args_hash", F_HIDDEN }, { "result_id", F_HIDDEN }
};
const struct fieldset FS_IDEM = FIELDSET("idempotency key", idem_f);

static const struct field throttle_check_f[] = {
	{ "failures", F_HIDDEN }, { "locked_s", F_HIDDEN },
	{ "other_logins", F_HIDDEN }, { "other_wait_s", F_HIDDEN }
};
const struct fieldset FS_THROTTLE_CHECK = FIELDSET("throttle check",
    throttle_check_f);

static const struct field throttle_fail_f[] = {
	{ "failures", F_HIDDEN }, { "total", F_HIDDEN },
	{ "delay_ms", F_HIDDEN }, { "locked", F_HIDDEN }
};
const struct fieldset FS_THROTTLE_FAIL = FIELDSET("throttle failure",
    throttle_fail_f);

static const struct field housekeep_f[] = { { "deleted", F_HIDDEN } };
const struct fieldset FS_HOUSEKEEP = FIELDSET("housekeeping", housekeep_f);
