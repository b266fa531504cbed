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

static const struct field period[] = {
	{ "id", F_INT }, { "name", F_STR }, { "start", F_STR },
	{ "end", F_STR }, { "state", F_STR },
};
const struct fieldset FS_PERIOD = FIELDSET("period", period);

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
