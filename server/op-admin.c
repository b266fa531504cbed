/* op-admin.c: settings and the audit log (admin only, see dispatch.c). */
#include <stdio.h>
#include <string.h>

#include "goals.h"
#include "json2mp.h"

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
		mp_kv_int(pk, PQgetvalue(res, i, 0), col_int(res, i, 1));
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

void
op_settings_set(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *name;
	int64_t value;
	struct gstate *g;

	mp_get_str(a, "name", MP_REQUIRED, 1, 40, &name);
	mp_get_int(a, "value", MP_REQUIRED, 1, 1000, &value);
	if (!req_args_done(req))
		return;
	if (strcmp(name, "max_objectives") != 0 &&
	    strcmp(name, "max_key_results") != 0 &&
	    strcmp(name, "max_depth") != 0 &&
	    /* sql/011: the minutes an action counts for in the ROI */
	    strcmp(name, "roi_minutes_checkin") != 0 &&
	    strcmp(name, "roi_minutes_reading") != 0 &&
	    strcmp(name, "roi_minutes_assessment") != 0 &&
	    strcmp(name, "roi_minutes_edit") != 0) {
		req_fail(req, E_INVALID, "name", "settings are max_objectives, "
		    "max_key_results, max_depth and roi_minutes_checkin, "
		    "_reading, _assessment, _edit");
		return;
	}
	g = gstate_new(req);
	snprintf(g->num[0], sizeof g->num[0], "%lld", (long long)value);
	g->p[0] = g->caller;
	g->p[1] = name;
	g->p[2] = g->num[0];
	req_db(req, ST_SETTINGS_SET, 3, g->p, on_setting_set);
}

/* jsonb from PostgreSQL as a map; nil when NULL. */
static void
kv_json(struct request *req, msgpack_packer *pk, const char *key,
    const PGresult *res, int row, int col)
{
	size_t mark;

	mp_pack_key(pk, key);
	if (PQgetisnull(res, row, col)) {
		msgpack_pack_nil(pk);
		return;
	}
	mark = req->out.size;
	if (!json_to_msgpack(pk, PQgetvalue(res, row, col),
	    PQgetlength(res, row, col))) {
		/* Cannot happen with PostgreSQL's own output; keep the text
		 * rather than lose the entry. */
		req->out.size = mark;
		mp_pack_cstr(pk, PQgetvalue(res, row, col));
	}
}

static void
on_audit(void *arg, const PGresult *res)
{
	struct request *req = arg;
	msgpack_packer *pk;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	pk = req_result(req);
	msgpack_pack_array(pk, PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++) {
		/* before/after are the table rows as maps: their shape is
		 * the row's, which later migrations may widen. */
		msgpack_pack_map(pk, 7);
		mp_kv_int(pk, "id", col_int(res, i, 0));
		mp_kv_str(pk, "at", PQgetvalue(res, i, 1));
		mp_kv_str(pk, "user", col_str(res, i, 2));
		mp_kv_str(pk, "op", PQgetvalue(res, i, 3));
		mp_kv_str(pk, "entity", PQgetvalue(res, i, 4));
		kv_json(req, pk, "before", res, i, 5);
		kv_json(req, pk, "after", res, i, 6);
	}
	req_reply(req);
}

void
op_audit_list(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *since = NULL, *login = NULL, *entity = NULL;
	int64_t limit = 100;
	struct gstate *g;
	const char *colon;

	mp_get_str(a, "since", MP_OPTIONAL, 1, 10, &since);
	mp_get_str(a, "user", MP_OPTIONAL, 1, 200, &login);
	mp_get_str(a, "entity", MP_OPTIONAL, 3, 60, &entity);
	mp_get_int(a, "limit", MP_OPTIONAL, 1, 1000, &limit);
	if (!req_args_done(req))
		return;
	if (since != NULL && !valid_date(since)) {
		req_fail(req, E_INVALID, "since", "dates are YYYY-MM-DD");
		return;
	}
	g = gstate_new(req);
	g->p[0] = since;
	g->p[1] = login;
	g->p[2] = NULL;
	g->p[3] = NULL;
	if (entity != NULL) {
		long long id;
		char extra;
		if ((colon = strchr(entity, ':')) == NULL ||
		    (size_t)(colon - entity) >= sizeof g->name ||
		    sscanf(colon + 1, "%lld%c", &id, &extra) != 1 || id < 0) {
			req_fail(req, E_INVALID, "entity", "an entity is "
			    "TYPE:ID, e.g. objective:12");
			return;
		}
		snprintf(g->name, sizeof g->name, "%.*s", (int)(colon - entity),
		    entity);
		snprintf(g->num[0], sizeof g->num[0], "%lld", id);
		g->p[2] = g->name;
		g->p[3] = g->num[0];
	}
	snprintf(g->num[1], sizeof g->num[1], "%lld", (long long)limit);
	g->p[4] = g->num[1];
	req_db(req, ST_AUDIT_LIST, 5, g->p, on_audit);
}
