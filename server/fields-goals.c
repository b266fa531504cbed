/*
 * fields-goals.c: the fieldsets of fields-goals.h.
 */
#include "fields-goals.h"

static const struct field team[] = {
	{ "id", F_INT }, { "slug", F_STR }, { "name", F_STR },
	{ "parent", F_STR }, { "private", F_BOOL }, { "framework", F_STR },
};
const struct fieldset FS_TEAM = FIELDSET("team", team);

static const struct field team_get[] = {
	{ "id", F_INT }, { "slug", F_STR }, { "name", F_STR },
	{ "parent", F_STR }, { "private", F_BOOL }, { "framework", F_STR },
	{ "children", F_JSON },
};
const struct fieldset FS_TEAM_GET = FIELDSET("team", team_get);

static const struct field member[] = {
	{ "login", F_STR }, { "name", F_STR }, { "role", F_STR },
};
const struct fieldset FS_MEMBER = FIELDSET("member", member);

static const struct field objective[] = {
	{ "id", F_INT }, { "team", F_STR }, { "period", F_STR },
	{ "title", F_STR }, { "description", F_STR }, { "owner", F_STR },
	{ "type", F_STR }, { "parent", F_INT }, { "parent_hidden", F_BOOL },
	{ "weight", F_NUM }, { "rollup", F_STR }, { "progress", F_NUM },
	{ "expected", F_NUM },
	{ "status", F_STR }, { "grade", F_NUM }, { "grade_note", F_STR },
	{ "met", F_BOOL }, { "suggested_grade", F_NUM }, { "version", F_INT },
	{ "archived", F_BOOL }, { "guardrails", F_JSON },
	{ "guardrail_breach", F_BOOL },
};
const struct fieldset FS_OBJECTIVE = FIELDSET("objective", objective);

/* A child the caller may not read shows only progress and weight
 * (op-objective.c packs it). */
static const struct field obj_child[] = {
	{ "id", F_INT }, { "title", F_STR }, { "team", F_STR },
	{ "progress", F_NUM }, { "weight", F_NUM }, { "readable", F_HIDDEN },
};
const struct fieldset FS_OBJ_CHILD = FIELDSET("objective", obj_child);

static const struct field obj_contributors[] = {
	{ "id", F_INT }, { "contributors", F_JSON },
};
const struct fieldset FS_OBJ_CONTRIBUTORS = FIELDSET("objective",
    obj_contributors);

static const struct field login[] = {
	{ "login", F_STR },
};
const struct fieldset FS_LOGIN = FIELDSET("user", login);

/* Contexts: every column is read by the checks, none is packed. */

static const struct field obj_ctx[] = {
	OBJ_FACT_FIELDS, { "version", F_HIDDEN }, { "archived", F_HIDDEN },
	{ "krs", F_HIDDEN }, { "max_krs", F_HIDDEN },
};
const struct fieldset FS_OBJ_CTX = FIELDSET("objective", obj_ctx);

static const struct field obj_align_ctx[] = {
	OBJ_FACT_FIELDS, { "version", F_HIDDEN },
	{ "parent_found", F_HIDDEN }, { "refusal", F_HIDDEN },
};
const struct fieldset FS_OBJ_ALIGN_CTX = FIELDSET("objective",
    obj_align_ctx);

static const struct field obj_new_ctx[] = {
	{ "team_id", F_HIDDEN }, { "period_id", F_HIDDEN },
	{ "framework", F_HIDDEN },
	{ "period_state", F_HIDDEN }, { "lead_here", F_HIDDEN },
	{ "lead_above", F_HIDDEN }, { "owner_id", F_HIDDEN },
	{ "owner_member", F_HIDDEN }, { "objectives", F_HIDDEN },
	{ "max_objectives", F_HIDDEN }, { "parent_found", F_HIDDEN },
	{ "refusal", F_HIDDEN },
};
const struct fieldset FS_OBJ_NEW_CTX = FIELDSET("objective", obj_new_ctx);

static const struct field team_ctx[] = {
	{ "id", F_HIDDEN }, { "private_team", F_HIDDEN },
	{ "lead_here", F_HIDDEN }, { "lead_above", F_HIDDEN },
	{ "member_here", F_HIDDEN },
};
const struct fieldset FS_TEAM_CTX = FIELDSET("team", team_ctx);

static const struct field team_tree[] = {
	{ "team_found", F_HIDDEN }, { "is_root", F_HIDDEN },
	{ "parent_found", F_HIDDEN }, { "root_exists", F_HIDDEN },
	{ "cycle", F_HIDDEN }, { "misaligned", F_HIDDEN },
	{ "nmisaligned", F_HIDDEN },
};
const struct fieldset FS_TEAM_TREE = FIELDSET("team", team_tree);

static const struct field team_empty[] = {
	{ "not_empty", F_HIDDEN },
};
const struct fieldset FS_TEAM_EMPTY = FIELDSET("team", team_empty);
