/*
 * fields-rollup.h: the fieldsets of the roll-up: the alignment tree, the
 * framework health, the review and what is due (op-rollup.c, sql/014).
 */
#ifndef CAIRN_FIELDS_ROLLUP_H
#define CAIRN_FIELDS_ROLLUP_H

#include "row.h"

extern const struct fieldset FS_ROLLUP_CTX;	/* period and team */
extern const struct fieldset FS_TREE_NODE;	/* an objective of the tree */
extern const struct fieldset FS_TREE_TEAM;	/* a team of the tree */
extern const struct fieldset FS_HEALTH;		/* a team's health */
extern const struct fieldset FS_REVIEW;		/* a review item */
extern const struct fieldset FS_DUE;		/* a due item */

#endif
