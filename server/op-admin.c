/* op-admin.c: settings and the audit log (admin only, see dispatch.c). */
#include <stdio.h>
#include <string.h>

#include "attr.h"
#include "change.h"
#include "goals.h"
#include "fields.h"
#include "stream.h"
#include "values.h"

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

void
op_settings_get(struct request *req)
{
	if (!req_args_done(req))
		return;
	req_db(req, ST_SETTINGS_GET, 0, NULL, on_settings);
}

static void
on_setting_set(void *arg, const PGresult *res)
{
	struct request *req = arg;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	req_db(req, ST_SETTINGS_GET, 0, NULL, on_settings);
}

/* sql/023: the write budgets' rates (per minute) and bursts, which may
 * go higher than the other settings. */
static bool MUST_CHECK
budget_setting(const char *name)
{
	static const char *const names[] = {
		"budget_writes_rate", "budget_writes_burst",
		"budget_readings_rate", "budget_readings_burst",
		"budget_readings_per_kpi_rate", "budget_readings_per_kpi_burst",
	};

	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

#define BUDGET_SETTING_MAX	1000000

void
op_settings_set(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *name;
	int64_t value;
	char caller[24], role[16], num[24];

	mp_get_str(a, "name", MP_REQUIRED, 1, 40, &name);
	mp_get_int(a, "value", MP_REQUIRED, 1, BUDGET_SETTING_MAX, &value);
	if (!req_args_done(req))
		return;
	if (budget_setting(name))
		;
	else if (value > 1000) {
		req_fail(req, E_INVALID, "value", "argument 'value' must be "
		    "from 1 to 1000 (budget_* settings: to %d)",
		    BUDGET_SETTING_MAX);
		return;
	} else if (strcmp(name, "max_objectives") != 0 &&
	    strcmp(name, "max_key_results") != 0 &&
	    strcmp(name, "max_depth") != 0 &&
	    /* sql/011: the minutes an action counts for in the ROI */
	    strcmp(name, "roi_minutes_checkin") != 0 &&
	    strcmp(name, "roi_minutes_reading") != 0 &&
	    strcmp(name, "roi_minutes_assessment") != 0 &&
	    strcmp(name, "roi_minutes_edit") != 0 &&
	    /* sql/012: staleness and status by pace */
	    strcmp(name, "stale_days") != 0 &&
	    strcmp(name, "due_days") != 0 &&
	    strcmp(name, "pace_off_pct") != 0 &&
	    strcmp(name, "pace_risk_pct") != 0 &&
	    strcmp(name, "pace_off_confidence") != 0 &&
	    strcmp(name, "pace_risk_confidence") != 0 &&
	    /* sql/014: the weights of the framework health's parts */
	    strcmp(name, "health_w_checkins") != 0 &&
	    strcmp(name, "health_w_kpis") != 0 &&
	    strcmp(name, "health_w_alignment") != 0 &&
	    strcmp(name, "health_w_focus") != 0 &&
	    strcmp(name, "health_w_assessment") != 0) {
		req_fail(req, E_INVALID, "name", "settings are max_objectives, "
		    "max_key_results, max_depth, roi_minutes_checkin, "
		    "_reading, _assessment, _edit, stale_days, due_days, "
		    "pace_off_pct, pace_risk_pct, pace_off_confidence, "
		    "pace_risk_confidence, health_w_checkins, _kpis, "
		    "_alignment, _focus, _assessment and budget_writes_rate, "
		    "_writes_burst, _readings_rate, _readings_burst, "
		    "_readings_per_kpi_rate, _readings_per_kpi_burst");
		return;
	}
	/* Parameters are copied by req_db: locals will do. */
	caller_text(req, caller, role);
	snprintf(num, sizeof num, "%lld", (long long)value);
	const char *p[3] = { caller, name, num };
	req_db(req, ST_SETTINGS_SET, 3, p, on_setting_set);
}

#define AUDIT_LIMIT_MAX	1000000	/* entries in one answer */

/* before/after are the table rows as maps: their shape is the row's,
 * which later migrations may widen.  The entries are streamed: a long
 * audit trail comes in parts to a client that asks for them. */
static void
on_audit_done(struct request *req)
{
	(void)req_result_sets(req, 0);
	req_reply(req);
}

void
op_audit_list(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *since = NULL, *login = NULL, *entity = NULL;
	int64_t limit = 100;
	const char *colon, *p[5];
	char type[64], idtext[24], limtext[24];

	mp_get_str(a, "since", MP_OPTIONAL, 1, 10, &since);
	mp_get_str(a, "user", MP_OPTIONAL, 1, 200, &login);
	mp_get_str(a, "entity", MP_OPTIONAL, 3, 60, &entity);
	mp_get_int(a, "limit", MP_OPTIONAL, 1, AUDIT_LIMIT_MAX, &limit);
	if (!req_args_done(req))
		return;
	if (since != NULL && !valid_date(since)) {
		req_fail(req, E_INVALID, "since", "dates are YYYY-MM-DD");
		return;
	}
	p[0] = since;
	p[1] = login;
	p[2] = NULL;
	p[3] = NULL;
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
		p[2] = type;
		p[3] = idtext;
	}
	snprintf(limtext, sizeof limtext, "%lld", (long long)limit);
	p[4] = limtext;
	req_stream(req, ST_AUDIT_LIST, 5, p, "entries", &FS_AUDIT,
	    on_audit_done);
}
