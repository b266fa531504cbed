/*
 * fields-roi.c: the ROI's reports and roi.set's context (op-roi.c,
 * sql/011_roi.sql).
 */
#include "fields.h"

#define ROI_PARTS_FIELDS						\
	{ "days", F_INT }, { "weeks", F_NUM }, { "missing", F_JSON },	\
	{ "productivity", F_NUM }, { "time_savings", F_NUM },		\
	{ "engagement", F_NUM }, { "efficiency", F_NUM },		\
	{ "benefits", F_NUM }, { "cost", F_NUM }, { "net", F_NUM },	\
	{ "roi", F_NUM }, { "roi_message", F_STR },			\
	{ "observed_hours", F_NUM }, { "observed_hours_total", F_NUM },	\
	{ "observed", F_JSON }

static const struct field roi_fields[] = {
	{ "team", F_STR }, { "period", F_STR }, { "inputs", F_JSON },
	ROI_PARTS_FIELDS,
	{ "team_id", F_HIDDEN }, { "period_id", F_HIDDEN },
	{ "private_team", F_HIDDEN }, { "lead_here", F_HIDDEN },
	{ "lead_above", F_HIDDEN }, { "member_here", F_HIDDEN },
};
const struct fieldset FS_ROI = FIELDSET("ROI", roi_fields);

static const struct field roi_write_fields[] = {
	{ "team", F_STR }, { "period", F_STR }, { "inputs", F_JSON },
	ROI_PARTS_FIELDS,
};
const struct fieldset FS_ROI_WRITE = FIELDSET("ROI", roi_write_fields);

static const struct field roi_org_fields[] = {
	{ "period", F_STR }, { "teams", F_JSON }, { "headcount", F_NUM },
	ROI_PARTS_FIELDS,
	{ "period_id", F_HIDDEN },
};
const struct fieldset FS_ROI_ORG = FIELDSET("organisation's ROI",
    roi_org_fields);

static const struct field roi_set_ctx[] = {
	{ "team_id", F_HIDDEN }, { "period_id", F_HIDDEN },
	{ "period_state", F_HIDDEN }, { "private_team", F_HIDDEN },
	{ "lead_here", F_HIDDEN }, { "lead_above", F_HIDDEN },
	{ "member_here", F_HIDDEN },
};
const struct fieldset FS_ROI_SET_CTX = FIELDSET("ROI inputs", roi_set_ctx);
