/*
 * fields-cycle.h: the fieldsets of the end of the review: retrospectives,
 * closing a period, carrying objectives over (op-cycle.c).
 */
#ifndef CAIRN_FIELDS_CYCLE_H
#define CAIRN_FIELDS_CYCLE_H

#include "row.h"

extern const struct fieldset FS_RETRO;		/* one note */
extern const struct fieldset FS_RETRO_CTX;	/* retro.set's context */
extern const struct fieldset FS_RETRO_SHOW;	/* a team's notes */
extern const struct fieldset FS_PERIOD_CLOSE_CTX;
extern const struct fieldset FS_PERIOD_CLOSED;	/* period.close's reply */
extern const struct fieldset FS_CARRY_CTX;
extern const struct fieldset FS_CARRY;		/* what a carry copied */

#endif
