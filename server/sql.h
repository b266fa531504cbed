/*
 * sql.h: every statement cairnd runs, in one table, prepared on each pooled
 * connection.  One place per entity; each takes parameters.
 */
#ifndef CAIRN_SQL_H
#define CAIRN_SQL_H

#include "row.h"
#include "stmt.h"

enum stmt {
	/* sessions */
	ST_AUTH_BY_LOGIN,
	ST_SESSION_CREATE,
	ST_SESSION_CHECK,
	ST_SESSION_REVOKE,
	/* users */
	ST_USER_GET,
	ST_USER_LIST,
	ST_USER_CREATE,
	ST_USER_ADMIN_STATE,
	ST_USER_SET_ROLE,
	ST_USER_DISABLE,
	ST_USER_ENABLE,
	ST_USER_PW_BY_LOGIN,
	ST_USER_SET_PASSWORD,
	/* teams */
	ST_TEAM_CTX,
	ST_TEAM_TREE_CHECK,
	ST_TEAM_CREATE,
	ST_TEAM_LIST,
	ST_TEAM_GET,
	ST_TEAM_MOVE,
	ST_TEAM_RENAME,
	ST_TEAM_REMOVE,
	ST_TEAM_MEMBER_SET,
	ST_TEAM_MEMBER_DEL,
	/* periods */
	ST_PERIOD_NEW_CTX,
	ST_PERIOD_CREATE,
	ST_PERIOD_LIST,
	ST_PERIOD_GET,
	ST_PERIOD_SET_STATE,
	/* settings and audit */
	ST_SETTINGS_GET,
	ST_SETTING_CTX,
	ST_SETTINGS_SET,
	ST_AUDIT_LIST,
	/* objectives */
	ST_OBJ_CTX,
	ST_OBJ_NEW_CTX,
	ST_OBJ_CREATE,
	ST_OBJ_GET,
	ST_OBJ_LIST,
	ST_OBJ_KRS,
	ST_OBJ_CHILDREN,
	ST_OBJ_CONTRIBUTORS,
	ST_OBJ_UPDATE,
	ST_OBJ_ALIGN_CTX,
	ST_OBJ_ALIGN,
	ST_OBJ_ARCHIVE,
	ST_OBJ_GRANT,
	ST_OBJ_REVOKE,
	/* key results */
	ST_KR_CTX,
	ST_KR_CREATE,
	ST_KR_GET,
	ST_KR_UPDATE,
	ST_KR_REMOVE,
	ST_KR_CHECKIN,
	ST_KR_HISTORY,
	/* idempotency keys */
	ST_IDEM_GET,
	/* failed password checks (sql/005) and housekeeping */
	ST_THROTTLE_CHECK,
	ST_THROTTLE_FAIL,
	ST_THROTTLE_OK,
	ST_HOUSEKEEP_SESSIONS,
	ST_HOUSEKEEP_THROTTLE,
	/* KPIs (sql/007) and key results bound to them */
	ST_KPI_NEW_CTX,
	ST_KPI_CREATE,
	ST_KPI_CTX,
	ST_KPI_UPDATE,
	ST_KPI_ARCHIVE,
	ST_KPI_GET,
	ST_KPI_LIST,
	ST_KPI_HISTORY,
	ST_KPI_RECORD_CTX,
	ST_KPI_RECORD,
	ST_KR_NEW_CTX,
	/* ROI of the framework (roi.c) */
	ST_ROI_GET,
	ST_ROI_ORG,
	ST_ROI_SET_CTX,
	ST_ROI_SET,
	ST_ROI_SET_REPLAY,
	/* the two tiers: framework mode, assessment (sql/008, sql/009) */
	ST_TEAM_GOV_CTX,
	ST_TEAM_SET_FRAMEWORK,
	ST_ASSESS_CTX,
	ST_ASSESS_QUESTIONS,
	ST_ASSESS_Q_CTX,
	ST_ASSESS_SET_WEIGHT,
	ST_ASSESS_CREATE,
	ST_ASSESS_REPLAY,
	ST_ASSESS_GET,
	ST_GUARD_CTX,
	ST_GUARD_ADD,
	ST_GUARD_REMOVE,
	/* the end of the review: retros, close, carry (retro.c, period.c) */
	ST_RETRO_CTX,
	ST_RETRO_ADD,
	ST_RETRO_GET,
	ST_RETRO_SHOW,
	ST_PERIOD_CLOSE_CTX,
	ST_PERIOD_CLOSE,
	ST_CARRY_CTX,
	ST_CARRY,
	ST_CARRY_GET,
	/* export and import (export.c, import.c) */
	ST_EXPORT_CTX,
	ST_EXPORT_PERIOD,
	ST_EXPORT_TEAMS,
	ST_EXPORT_USERS,
	ST_EXPORT_KPIS,
	ST_EXPORT_OBJECTIVES,
	ST_EXPORT_CONTRIBUTORS,
	ST_EXPORT_GUARDRAILS,
	ST_EXPORT_KRS,
	ST_EXPORT_CHECKINS,
	ST_EXPORT_READINGS,
	ST_EXPORT_RETROS,
	ST_IMPORT_BEGIN_CTX,
	ST_IMPORT_BEGIN,
	ST_IMPORT_ROWS,
	ST_IMPORT_MISSING,
	ST_IMPORT_COMMIT,
	ST_IMPORT_REPLAY,
	ST_IMPORT_ABORT,
	/* grading (grade.c) */
	ST_OBJ_GRADE,
	/* the roll-up: tree, health, review, due (rollup.c) */
	ST_ROLLUP_CTX,
	ST_TREE_ORG,
	ST_TREE_TEAM,
	ST_TREE_TEAMS,
	ST_HEALTH,
	ST_REVIEW,
	ST_DUE,
	ST_USER_BUDGET,		/* user.c */
	/* feeds (feed.c, feedrun.c) */
	ST_FEED_CTX,
	ST_FEED_SET,
	ST_FEED_OFF,
	ST_FEED_RUN_DONE,
	ST_FEED_CLAIM,
	ST_FEED_DONE,
	ST_FEED_NEXT,
	/* API tokens (token.c) */
	ST_TOKEN_AUTH,
	ST_TOKEN_ADD,
	ST_TOKEN_LIST,
	ST_TOKEN_REMOVE,
	/* sources (source.c) */
	ST_SOURCE_ADD,
	ST_SOURCE_LIST,
	ST_SOURCE_GET,
	ST_SOURCE_CTX,
	ST_SOURCE_REMOVE,
	ST_SOURCE_ALLOW,
	ST_SOURCE_DISALLOW,
	ST_SOURCE_RUN,
	/* the event stream (events.c, watch.c) */
	ST_EVENT_LISTEN,
	ST_CACHE_LISTEN,
	ST_EVENT_TOP,
	ST_EVENT_SEQUENCE,
	ST_EVENT_FETCH,
	ST_WATCH_CTX,
	ST_WATCH_REFRESH,
	ST_WATCH_PAGE,
	ST_HOUSEKEEP_EVENTS,
	/* comments (comment.c) */
	ST_COMMENT_THING_CTX,
	ST_COMMENT_ADD,
	ST_COMMENT_GET,
	ST_COMMENT_CTX,
	ST_COMMENT_EDIT,
	ST_COMMENT_REMOVE,
	ST_COMMENT_LIST,
	ST_EXPORT_COMMENTS,	/* export.c */
	/* sign-off (signoff.c) */
	ST_SIGNOFF_TEAM_CTX,
	ST_SIGNOFF_TEAM_SET,
	ST_SIGNOFF_CTX,
	ST_SIGNOFF_DECIDE,
	/* the inbox (inbox.c) */
	ST_INBOX,
	ST_INBOX_SEEN,
	/* notifications (notify.c, hook.c, notifyrun.c; issue 16) */
	ST_NOTIFY_SHOW,
	ST_NOTIFY_SET,
	ST_NOTIFY_RUN,
	ST_HOOK_ADD,
	ST_HOOK_LIST,
	ST_HOOK_REMOVE,
	ST_HOOK_TEST,
	ST_OUTBOX_CLAIM,
	ST_OUTBOX_DONE,
	ST_NOTIFY_TICK,
	/* what an operator sees (metrics-server.c) */
	ST_METRICS_DB,
	ST_MAX
};

/*
 * The table, gathered at start-up (stmts_init) from the entity files'
 * tables (kr.c's kr_stmts ...) and the sql-*.inc ones not yet moved: each
 * slot filled exactly once, else cairnd stops.
 */
extern struct stmt_def stmts[ST_MAX];
/* An entity's table: a sparse array indexed by enum stmt. */
typedef struct stmt_def stmt_table[ST_MAX];
/* Gather tables (NULL-terminated; entities.c lists them) into stmts. */
void	stmts_init(const struct stmt_def *const *tables);
/* The statements of the sql-*.inc parts not yet moved to an entity. */

/* Start filling statement st's named parameters (stmt.h). */
void	stmt_params_init(struct stmt_params *, enum stmt);

/* Columns of a team, a period, an objective and a key result, in the
 * order the pack_*() functions read them. */
#define TEAM_NCOLS	5
#define PERIOD_NCOLS	5
#define OBJ_NCOLS	13
#define KR_NCOLS	14

#endif
