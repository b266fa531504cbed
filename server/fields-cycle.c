/*
 * fields-cycle.c: the fieldsets of the end of the review (op-cycle.c,
 * sql/013_cycle.sql).
 */
#include "fields.h"

static const struct field retro_fields[] = {
	{ "id", F_INT }, { "team", F_STR }, { "period", F_STR },
	{ "author", F_STR }, { "at", F_STR }, { "note", F_STR },
};
const struct fieldset FS_RETRO = FIELDSET("retrospective note",
    retro_fields);

static const struct field retro_ctx_fields[] = {
	{ "team_id", F_HIDDEN }, { "period_id", F_HIDDEN },
	{ "period_state", F_HIDDEN }, { "private_team", F_HIDDEN },
	{ "lead_here", F_HIDDEN }, { "lead_above", F_HIDDEN },
	{ "member_here", F_HIDDEN }, { "notes", F_HIDDEN },
};
const struct fieldset FS_RETRO_CTX = FIELDSET("team", retro_ctx_fields);

static const struct field retro_show_fields[] = {
	{ "team", F_STR }, { "period", F_STR }, { "notes", F_JSON },
	{ "team_id", F_HIDDEN }, { "period_id", F_HIDDEN },
	{ "readable", F_HIDDEN },
};
const struct fieldset FS_RETRO_SHOW = FIELDSET("retrospective",
    retro_show_fields);

static const struct field close_ctx_fields[] = {
	{ "id", F_HIDDEN }, { "state", F_HIDDEN }, { "ungraded", F_HIDDEN },
	{ "first_ungraded", F_HIDDEN },
};
const struct fieldset FS_PERIOD_CLOSE_CTX = FIELDSET("period",
    close_ctx_fields);

static const struct field closed_fields[] = {
	{ "id", F_INT }, { "name", F_STR }, { "start", F_STR },
	{ "end", F_STR }, { "state", F_STR }, { "auto_graded", F_INT },
};
const struct fieldset FS_PERIOD_CLOSED = FIELDSET("period", closed_fields);

static const struct field carry_ctx_fields[] = {
	{ "from_id", F_HIDDEN }, { "from_state", F_HIDDEN },
	{ "to_id", F_HIDDEN }, { "to_state", F_HIDDEN },
	{ "team_id", F_HIDDEN }, { "team_found", F_HIDDEN },
	{ "private_team", F_HIDDEN }, { "lead_here", F_HIDDEN },
	{ "lead_above", F_HIDDEN }, { "member_here", F_HIDDEN },
	{ "misfits", F_HIDDEN }, { "candidates", F_HIDDEN },
};
const struct fieldset FS_CARRY_CTX = FIELDSET("period", carry_ctx_fields);

static const struct field carry_fields[] = {
	{ "id", F_INT }, { "from", F_STR }, { "to", F_STR },
	{ "team", F_STR }, { "copied", F_JSON }, { "count", F_INT },
};
const struct fieldset FS_CARRY = FIELDSET("carry", carry_fields);
