/*
 * fields-rollup.c: the roll-up's rows (op-rollup.c, sql/014_rollup.sql).
 * A tree node the caller may not read comes with its id, title and the
 * rest NULL (packed as nil): only depth, progress and weight are real.
 */
#include "fields.h"

static const struct field rollup_ctx[] = {
	{ "period_id", F_HIDDEN }, { "period", F_HIDDEN },
	{ "period_state", F_HIDDEN }, { "team_id", F_HIDDEN },
};
const struct fieldset FS_ROLLUP_CTX = FIELDSET("period", rollup_ctx);

static const struct field tree_node[] = {
	{ "id", F_INT }, { "parent", F_INT }, { "depth", F_INT },
	{ "hidden", F_BOOL }, { "title", F_STR }, { "team", F_STR },
	{ "owner", F_STR }, { "progress", F_NUM }, { "weight", F_NUM },
	{ "expected", F_NUM }, { "status", F_STR }, { "stale", F_BOOL },
	{ "guardrail_breach", F_BOOL },
};
const struct fieldset FS_TREE_NODE = FIELDSET("objective", tree_node);

static const struct field tree_team[] = {
	{ "slug", F_STR }, { "parent", F_STR }, { "depth", F_INT },
	{ "progress", F_NUM }, { "objectives", F_INT }, { "limit", F_INT },
	{ "kpis", F_JSON }, { "health", F_INT }, { "weakest", F_STR },
};
const struct fieldset FS_TREE_TEAM = FIELDSET("team", tree_team);

static const struct field health[] = {
	{ "team", F_STR }, { "score", F_INT }, { "parts", F_JSON },
	{ "weakest", F_STR },
};
const struct fieldset FS_HEALTH = FIELDSET("health", health);

static const struct field review[] = {
	{ "kind", F_STR }, { "team", F_STR }, { "owner", F_STR },
	{ "id", F_INT }, { "message", F_STR },
};
const struct fieldset FS_REVIEW = FIELDSET("review item", review);

static const struct field due[] = {
	{ "kind", F_STR }, { "id", F_INT }, { "team", F_STR },
	{ "period", F_STR }, { "title", F_STR }, { "last", F_STR },
	{ "message", F_STR },
};
const struct fieldset FS_DUE = FIELDSET("due item", due);
