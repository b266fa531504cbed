/*
 * fields-roi.h: the fieldsets of the ROI of the framework.
 */
#ifndef CAIRN_FIELDS_ROI_H
#define CAIRN_FIELDS_ROI_H

#include "row.h"

extern const struct fieldset FS_ROI;		/* a team's report */
extern const struct fieldset FS_ROI_WRITE;	/* roi.set's reply */
extern const struct fieldset FS_ROI_ORG;	/* the organisation's */
extern const struct fieldset FS_ROI_SET_CTX;	/* roi.set's context */

#endif
