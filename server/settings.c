/*
 * settings.c: the admin's two entities, small enough for one file (the
 * layout of kr.c): the settings (settings.get, settings.set) and the audit
 * log (audit.list), each with its ops, argument schema, statements with
 * parameters by name and reply fields.  The settings there are are listed
 * by setting_names (sql/001_baseline.sql), which a setting's foreign key
 * and its value's CHECK enforce; the names and bounds are checked here
 * first for the friendly error.  Every write anywhere appends its audit
 * entry in its own statement (AUDIT_NAMED, sql-cols.h); this file only
 * reads them.
 */
#include <stdio.h>
#include <string.h>

#include "attr.h"
#include "change.h"
#include "op.h"
#include "settings.h"
#include "stream.h"
#include "values.h"
#include "sql-cols.h"

#define SETTING_MAX		1000	/* any setting but a budget's */
#define BUDGET_SETTING_MAX	1000000	/* budget_*: rates and bursts */
#define FORECAST_WINDOW_MIN	4	/* readings a KPI's trend goes through */
#define AUDIT_LIMIT_MAX		1000000	/* entries in one answer */
#define SOURCE_TIMEOUT_MIN	100	/* source_timeout_ms (pgsource.c) */
#define SOURCE_TIMEOUT_MAX	60000
#define FEED_CONCURRENCY_MAX	64	/* feed runs in flight (feedrun.c):
					 * each holds a socket */

/* Reply objects and contexts. */

/* Packed as one map of name to value, not by this fieldset. */
static const struct field setting_f[] = {
	{ "name", F_HIDDEN }, { "value", F_HIDDEN }
};
static const struct fieldset FS_SETTING = FIELDSET("setting", setting_f);

static const struct field setting_ctx_f[] = { { "value", F_HIDDEN } };
static const struct fieldset FS_SETTING_CTX = FIELDSET("setting",
    setting_ctx_f);

/* before and after are the table rows as maps: their shape is the row's,
 * which later migrations may widen. */
static const struct field audit_f[] = {
	{ "id", F_INT }, { "at", F_STR }, { "user", F_STR }, { "via", F_STR },
	{ "op", F_STR }, { "entity", F_STR }, { "before", F_JSON }, { "after", F_JSON }
};
static const struct fieldset FS_AUDIT = FIELDSET("audit entry", audit_f);

/* The statements, with their parameters by name (stmt.h). */
const stmt_table settings_stmts = {
	[ST_SETTINGS_GET] = { .name = "settings_get", .kind = STMT_READ,
	    .params = "",
	    .sql = "SELECT name, value FROM settings ORDER BY name",
	    .returns = &FS_SETTING },

	/* settings.set's context: the setting's value, NULL for a name
	 * the table does not hold (whose write then changes nothing). */
	[ST_SETTING_CTX] = { .name = "setting_ctx", .kind = STMT_READ,
	    .params = "key",
	    .sql = "SELECT s.value AS value FROM (SELECT 1) d"
	    " LEFT JOIN settings s ON s.name = $key",
	    .returns = &FS_SETTING_CTX },

	/* key: the setting's name.  No row: no such setting stored. */
	[ST_SETTINGS_SET] = { .name = "settings_set", .kind = STMT_WRITE,
	    .params = "caller key value",
	    .sql = "WITH o AS (SELECT to_jsonb(x) j FROM settings x"
	    " WHERE name = $key),"
	    " s AS (UPDATE settings SET value = $value::integer"
	    " WHERE name = $key RETURNING *),"
	    AUDIT_NAMED("settings.set", "setting", "0", "(SELECT j FROM o)",
	    "to_jsonb(s)", "s")
	    " SELECT name FROM s" },

	/* Each filter NULL when not given; type and id: an entity's. */
	[ST_AUDIT_LIST] = { .name = "audit_list", .kind = STMT_READ,
	    .params = "since login type id limit",
	    .sql = "SELECT a.id, to_char(a.at AT TIME ZONE 'UTC',"
	    " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS at, u.login AS \"user\","
	    " a.via, a.op, a.entity_type || ':' || a.entity_id AS entity,"
	    " a.before::text AS before, a.after::text AS after"
	    " FROM audit_log a"
	    " LEFT JOIN users u ON u.id = a.user_id"
	    " WHERE ($since::date IS NULL OR a.at >= $since::date)"
	    " AND ($login::text IS NULL OR u.login = $login)"
	    " AND ($type::text IS NULL OR a.entity_type = $type)"
	    " AND ($id::bigint IS NULL OR a.entity_id = $id)"
	    " ORDER BY a.id DESC LIMIT $limit::integer",
	    .returns = &FS_AUDIT },
};

/* The ops' arguments. */

static const struct op_arg no_args[] = { A_END };
/* A value's bound beyond SETTING_MAX is a budget's, checked by name. */
static const struct op_arg set_args[] = {
	A_STR("name", true, 1, 40), A_INT("value", true, 1,
	    BUDGET_SETTING_MAX), A_END
};
static const struct op_arg audit_args[] = {
	A_STR("since", false, 1, 10), A_STR("user", false, 1, 200),
	A_STR("entity", false, 3, 60), A_INT("limit", false, 1,
	    AUDIT_LIMIT_MAX), A_END
};

/* settings.get ---------------------------------------------------------- */

static void
on_settings(void *arg, const PGresult *res)
{
	struct request *req = arg;
	msgpack_packer *pk;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	pk = req_result(req);
	msgpack_pack_map(pk, PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++)
		mp_kv_int(pk, row_text(res, i, "name"),
		    row_int(res, i, "value"));
	req_reply(req);
}

static void
settings_read(struct request *req)
{
	struct stmt_params sp;

	stmt_params_init(&sp, ST_SETTINGS_GET);
	(void)req_db_named(req, &sp, on_settings);
}

static void
op_settings_get(struct request *req)
{
	if (req_args_done(req))
		settings_read(req);
}

/* settings.set: answered with every setting, as settings.get. ---------- */

/* The write budgets' rates (per minute) and bursts, which may go higher
 * than the other settings. */
static const char *const budget_settings[] = {
	"budget_writes_rate", "budget_writes_burst",
	"budget_readings_rate", "budget_readings_burst",
	"budget_readings_per_kpi_rate", "budget_readings_per_kpi_burst",
	NULL
};

static const char *const small_settings[] = {
	"max_objectives", "max_key_results", "max_depth",
	/* the minutes an action counts for in the ROI (roi.sql) */
	"roi_minutes_checkin", "roi_minutes_reading",
	"roi_minutes_assessment", "roi_minutes_edit",
	/* staleness and status by pace */
	"stale_days", "due_days", "pace_off_pct", "pace_risk_pct",
	"pace_off_confidence", "pace_risk_confidence",
	/* the weights of the framework health's parts (review.sql) */
	"health_w_checkins", "health_w_kpis", "health_w_alignment",
	"health_w_focus", "health_w_assessment",
	/* KPI forecasts (kpi.sql, kpi_forecast_of) */
	"forecast_window", "forecast_horizon",
	/* KPI feeds (feedrun.c) */
	"feed_concurrency",
	/* sign-off (signoff.sql: review's awaiting_signoff) */
	"signoff_days",
	/* the event stream (event.sql: event_prune) */
	"events_keep_days",
	/* notifications (notify.sql, notifyrun.c) */
	"notify_retry_hours", "hook_disable_after", "escalate_after",
	"reminder_day", "reminder_hour", "digest_day", "digest_hour",
	"alert_sweep_minutes",
	NULL
};

static bool MUST_CHECK
listed(const char *name, const char *const *names)
{
	for (; *names != NULL; names++)
		if (strcmp(name, *names) == 0)
			return true;
	return false;
}

struct setting {
	char		 value[24];
};

static void
setting_args(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	sp_set(sp, "value", ((struct setting *)c->arg)->value);
}

/* Written or not (a name the table does not hold), the reply is every
 * setting. */
static bool
setting_written(struct change *c, const PGresult *res)
{
	settings_read(c->req);
	return true;
}

static void
setting_unstored(struct change *c)
{
	settings_read(c->req);
}

static const struct change_op setting_set = {
	.what = "setting", .id_field = "name",
	.ctx = ST_SETTING_CTX, .act = ACT_ADMIN,
	.write = ST_SETTINGS_SET, .args = setting_args,
	.done = setting_written, .empty = setting_unstored,
};

static void
op_settings_set(struct request *req)
{
	struct setting s;
	const char *name;
	int64_t value;
	struct change *c;

	(void)op_str(req, "name", &name);
	(void)op_int(req, "value", &value);
	if (!req_args_done(req))
		return;
	if (listed(name, budget_settings))
		;
	else if (strcmp(name, "source_timeout_ms") == 0) {
		if (value < SOURCE_TIMEOUT_MIN || value > SOURCE_TIMEOUT_MAX) {
			req_fail(req, E_INVALID, "value", "source_timeout_ms "
			    "must be from %d to %d", SOURCE_TIMEOUT_MIN,
			    SOURCE_TIMEOUT_MAX);
			return;
		}
	} else if (value > SETTING_MAX) {
		req_fail(req, E_INVALID, "value", "argument 'value' must be "
		    "from 1 to %d (budget_* settings: to %d)", SETTING_MAX,
		    BUDGET_SETTING_MAX);
		return;
	} else if (!listed(name, small_settings)) {
		req_fail(req, E_INVALID, "name", "settings are max_objectives, "
		    "max_key_results, max_depth, roi_minutes_checkin, "
		    "_reading, _assessment, _edit, stale_days, due_days, "
		    "pace_off_pct, pace_risk_pct, pace_off_confidence, "
		    "pace_risk_confidence, health_w_checkins, _kpis, "
		    "_alignment, _focus, _assessment, forecast_window, "
		    "forecast_horizon, feed_concurrency, signoff_days, "
		    "events_keep_days, notify_retry_hours, "
		    "hook_disable_after, escalate_after, reminder_day, "
		    "reminder_hour, digest_day, digest_hour, "
		    "alert_sweep_minutes, source_timeout_ms and "
		    "budget_writes_rate, "
		    "_writes_burst, _readings_rate, _readings_burst, "
		    "_readings_per_kpi_rate, _readings_per_kpi_burst");
		return;
	}
	if (strcmp(name, "forecast_window") == 0 &&
	    value < FORECAST_WINDOW_MIN) {
		/* A line through fewer readings says little (and the
		 * database's settings_forecast_window_min refuses it too). */
		req_fail(req, E_INVALID, "value", "forecast_window must be "
		    "from %d to %d readings", FORECAST_WINDOW_MIN, SETTING_MAX);
		return;
	}
	if (strcmp(name, "feed_concurrency") == 0 &&
	    value > FEED_CONCURRENCY_MAX) {
		/* The database's settings_feed_concurrency_range too. */
		req_fail(req, E_INVALID, "value", "feed_concurrency must be "
		    "from 1 to %d runs", FEED_CONCURRENCY_MAX);
		return;
	}
	if ((strcmp(name, "reminder_day") == 0 ||
	    strcmp(name, "digest_day") == 0) && value > 7) {
		/* The database's settings_notify_day_range too. */
		req_fail(req, E_INVALID, "value", "%s is an ISO day, 1 "
		    "(Monday) to 7 (Sunday)", name);
		return;
	}
	if ((strcmp(name, "reminder_hour") == 0 ||
	    strcmp(name, "digest_hour") == 0) && value > 24) {
		/* The database's settings_notify_hour_range too. */
		req_fail(req, E_INVALID, "value", "%s is a UTC hour, 1 to 24 "
		    "(24: midnight)", name);
		return;
	}
	snprintf(s.value, sizeof s.value, "%lld", (long long)value);
	c = change_new(req, &setting_set, sizeof s);
	*(struct setting *)c->arg = s;
	change_run(c, name);
}

/* audit.list: the entries are streamed, so that a long audit trail comes
 * in parts to a client that asks for them. ----------------------------- */

static void
on_audit_done(struct request *req)
{
	(void)req_result_sets(req, 0);
	req_reply(req);
}

static void
op_audit_list(struct request *req)
{
	const char *since = NULL, *login = NULL, *entity = NULL, *colon;
	int64_t limit = 100;
	char type[64], idtext[24], limtext[24];
	struct stmt_params sp;

	(void)op_str(req, "since", &since);
	(void)op_str(req, "user", &login);
	(void)op_str(req, "entity", &entity);
	(void)op_int(req, "limit", &limit);
	if (!req_args_done(req))
		return;
	if (since != NULL && !valid_date(since)) {
		req_fail(req, E_INVALID, "since", "dates are YYYY-MM-DD");
		return;
	}
	/* Parameters are copied when the query is queued: locals will do. */
	stmt_params_init(&sp, ST_AUDIT_LIST);
	sp_set(&sp, "since", since);
	sp_set(&sp, "login", login);
	sp_set(&sp, "type", NULL);
	sp_set(&sp, "id", NULL);
	if (entity != NULL) {
		long long id;
		char extra;

		if ((colon = strchr(entity, ':')) == NULL ||
		    (size_t)(colon - entity) >= sizeof type ||
		    sscanf(colon + 1, "%lld%c", &id, &extra) != 1 || id < 0) {
			req_fail(req, E_INVALID, "entity", "an entity is "
			    "TYPE:ID, e.g. objective:12");
			return;
		}
		snprintf(type, sizeof type, "%.*s", (int)(colon - entity),
		    entity);
		snprintf(idtext, sizeof idtext, "%lld", id);
		sp_set(&sp, "type", type);
		sp_set(&sp, "id", idtext);
	}
	snprintf(limtext, sizeof limtext, "%lld", (long long)limit);
	sp_set(&sp, "limit", limtext);
	(void)req_stream_named(req, &sp, "entries", &FS_AUDIT, on_audit_done);
}

/* The ops, gathered by dispatch.c. */
const struct op settings_ops[] = {
	{ .name = "settings.get", .fn = op_settings_get, .flags = OP_SESSION,
	    .args = no_args },
	{ .name = "settings.set", .fn = op_settings_set,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE, .args = set_args },
	{ .name = "audit.list", .fn = op_audit_list,
	    .flags = OP_SESSION | OP_ADMIN, .args = audit_args },
	{ .name = NULL }
};
