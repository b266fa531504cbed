/* op-admin.c: settings and the audit log (admin only, see dispatch.c). */
#include <stdio.h>
#include <string.h>

#include "fields-admin.h"
#include "goals.h"

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
	    strcmp(name, "max_depth") != 0) {
		req_fail(req, E_INVALID, "name", "settings are max_objectives, "
		    "max_key_results and max_depth");
		return;
	}
	g = gstate_new(req);
	snprintf(g->num[0], sizeof g->num[0], "%lld", (long long)value);
	g->p[0] = g->caller;
	g->p[1] = name;
	g->p[2] = g->num[0];
	req_db(req, ST_SETTINGS_SET, 3, g->p, on_setting_set);
}

static void
on_audit(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct rowpack rp;
	msgpack_packer *pk;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (!rowpack_init(&rp, &FS_AUDIT, res)) {
		req_fail(req, E_INTERNAL, NULL, "an audit entry's columns are "
		    "missing");
		return;
	}
	pk = req_result(req);
	msgpack_pack_array(pk, PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++)
		rowpack_row(pk, &rp, i, 0);
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
