/*
 * op-kr.c: key results and check-ins.  Progress is computed by the
 * database functions kr_progress/objective_progress on every read, so it
 * is always consistent with the stored values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goals.h"
#include "rules.h"

static bool
valid_kr_type(const char *t)
{
	return strcmp(t, "increase") == 0 || strcmp(t, "decrease") == 0 ||
	    strcmp(t, "above") == 0 || strcmp(t, "below") == 0 ||
	    strcmp(t, "boolean") == 0;
}

static void
on_kr_row(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1 || !col_bool(res, 0, KR_NCOLS)) {
		req_fail(req, E_NOT_FOUND, "id", "no key result %s", g->id);
		return;
	}
	pack_kr(req_result(req), res, 0, 0);
	req_reply(req);
}

void
reply_kr(struct request *req, int64_t id)
{
	struct gstate *g = req->state;

	snprintf(g->id, sizeof g->id, "%lld", (long long)id);
	g->p[0] = g->id;
	g->p[1] = g->caller;
	g->p[2] = g->role;
	req_db(req, ST_KR_GET, 3, g->p, on_kr_row);
}

void
op_kr_get(struct request *req)
{
	int64_t id;

	mp_get_int(&req->args, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	if (!req_args_done(req))
		return;
	gstate_new(req);
	reply_kr(req, id);
}

/* kr.create: the objective's context decides. */

static void
on_kr_created(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;

	if (idem_write_failed(req, res))
		return;
	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "owner", "no user '%s'", g->name);
		return;
	}
	reply_kr(req, col_int(res, 0, 0));
}

static void
on_kr_obj_ctx(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;
	const char *state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "objective", "no objective %s",
		    g->aux);
		return;
	}
	facts_from_ctx(g, res);
	/* An objective the caller may not read is answered as a missing
	 * one. */
	if (!authz_allows(ACT_READ, &g->f)) {
		req_fail(req, E_NOT_FOUND, "objective", "no objective %s",
		    g->aux);
		return;
	}
	if (!authz_allows(ACT_OBJ_EDIT, &g->f)) {
		fail_forbidden(req, ACT_OBJ_EDIT);
		return;
	}
	state = PQgetvalue(res, 0, 2);
	if (strcmp(state, "closed") == 0) {
		req_fail_rule(req, "period.closed", "the objective's period is "
		    "closed");
		return;
	}
	if (strcmp(state, "review") == 0) {
		req_fail_rule(req, "period.not_active", "no new key results "
		    "while the period is in review");
		return;
	}
	if (col_int(res, 0, 11) >= col_int(res, 0, 12)) {
		idem_fail_rule(req, "limit.key_results", "objective %s already "
		    "has %s key results (max_key_results)", g->aux,
		    PQgetvalue(res, 0, 11));
		return;
	}
	g->p[0] = g->caller;
	g->p[1] = g->aux;
	g->p[9] = idem_key(&g->idem);
	g->p[10] = idem_hash(&g->idem);
	req_db(req, ST_KR_CREATE, 11, g->p, on_kr_created);
}

static void
kr_create_fresh(struct request *req)
{
	struct gstate *g = req->state;
	const char *q[2] = { g->aux, g->caller };

	req_db(req, ST_OBJ_CTX, 2, q, on_kr_obj_ctx);
}

void
op_kr_create(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *title, *type, *unit = "", *owner = NULL, *why;
	int64_t obj;
	double start = 0, target, weight = 1;
	struct gstate *g;
	struct idem idem;

	mp_get_int(a, "objective", MP_REQUIRED, 1, INT64_MAX, &obj);
	mp_get_str(a, "title", MP_REQUIRED, 1, 200, &title);
	mp_get_str(a, "type", MP_REQUIRED, 1, 20, &type);
	mp_get_double(a, "target", MP_REQUIRED, -1e15, 1e15, &target);
	mp_get_double(a, "start", MP_OPTIONAL, -1e15, 1e15, &start);
	mp_get_str(a, "unit", MP_OPTIONAL, 0, 20, &unit);
	mp_get_double(a, "weight", MP_OPTIONAL, 1e-9, 1000, &weight);
	mp_get_str(a, "owner", MP_OPTIONAL, 1, 63, &owner);
	idem_read(req, &idem);
	if (!req_args_done(req))
		return;
	if (!valid_kr_type(type)) {
		req_fail(req, E_INVALID, "type", "type is increase, decrease, "
		    "above, below or boolean");
		return;
	}
	if ((why = kr_shape_refusal(type, start, target)) != NULL) {
		req_fail(req, E_INVALID, "target", "%s", why);
		return;
	}
	g = gstate_new(req);
	g->idem = idem;
	snprintf(g->aux, sizeof g->aux, "%lld", (long long)obj);
	snprintf(g->name, sizeof g->name, "%s", owner ? owner :
	    req->conn->sess.login);
	fmt_num(g->num[0], sizeof g->num[0], start);
	fmt_num(g->num[1], sizeof g->num[1], target);
	fmt_num(g->num[2], sizeof g->num[2], weight);
	g->p[2] = title;
	g->p[3] = type;
	g->p[4] = g->num[0];
	g->p[5] = g->num[1];
	g->p[6] = unit;
	g->p[7] = g->num[2];
	g->p[8] = g->name;
	idem_begin(req, reply_kr, kr_create_fresh);
}

/* Changes to an existing key result go through its context. */

static void
on_kr_ctx(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;
	const char *state;
	enum action act = g->flag ? ACT_CHECKIN : ACT_OBJ_EDIT;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "id", "no key result %s", g->id);
		return;
	}
	facts_from_ctx(g, res);
	g->f.kr_owner = col_bool(res, 0, 11);
	snprintf(g->name2, sizeof g->name2, "%s", PQgetvalue(res, 0, 10));
	/* A key result of an objective the caller may not read is answered
	 * as a missing one. */
	if (!authz_allows(ACT_READ, &g->f)) {
		req_fail(req, E_NOT_FOUND, "id", "no key result %s", g->id);
		return;
	}
	if (!authz_allows(act, &g->f)) {
		fail_forbidden(req, act);
		return;
	}
	state = PQgetvalue(res, 0, 2);
	if (strcmp(state, "closed") == 0) {
		req_fail_rule(req, "period.closed", "the key result's period "
		    "is closed");
		return;
	}
	if (g->flag && strcmp(state, "draft") == 0) {
		req_fail_rule(req, "period.not_active", "no check-ins while "
		    "the period is a draft");
		return;
	}
	if (g->version >= 0 && g->version != col_int(res, 0, 9)) {
		req_fail(req, E_CONFLICT, "version", "key result %s is at "
		    "version %s, not %lld: reload and retry", g->id,
		    PQgetvalue(res, 0, 9), (long long)g->version);
		return;
	}
	g->next(req);
}

static void
with_kr(struct request *req, int64_t id, bool checkin, void (*next)(
    struct request *))
{
	struct gstate *g = req->state;

	snprintf(g->id, sizeof g->id, "%lld", (long long)id);
	g->flag = checkin;
	g->next = next;
	const char *q[2] = { g->id, g->caller };
	req_db(req, ST_KR_CTX, 2, q, on_kr_ctx);
}

static void
on_kr_changed(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;

	if (!change_applied(req, res, "key result"))
		return;
	if (g->full) {		/* kr.remove */
		msgpack_pack_true(req_result(req));
		req_reply(req);
		return;
	}
	reply_kr(req, strtoll(g->id, NULL, 10));
}

static void
update_next(struct request *req)
{
	struct gstate *g = req->state;

	g->p[0] = g->caller;
	g->p[1] = g->id;
	g->p[9] = g->version >= 0 ? g->num[3] : NULL;
	req_db(req, ST_KR_UPDATE, 10, g->p, on_kr_changed);
}

void
op_kr_update(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *title = NULL, *type = NULL, *unit = NULL, *owner = NULL;
	int64_t id, version = -1;
	double start, target, weight;
	bool hs, ht, hw;
	struct gstate *g;

	mp_get_int(a, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	mp_get_str(a, "title", MP_OPTIONAL, 1, 200, &title);
	mp_get_str(a, "type", MP_OPTIONAL, 1, 20, &type);
	hs = mp_get_double(a, "start", MP_OPTIONAL, -1e15, 1e15, &start);
	ht = mp_get_double(a, "target", MP_OPTIONAL, -1e15, 1e15, &target);
	mp_get_str(a, "unit", MP_OPTIONAL, 0, 20, &unit);
	hw = mp_get_double(a, "weight", MP_OPTIONAL, 1e-9, 1000, &weight);
	mp_get_str(a, "owner", MP_OPTIONAL, 1, 63, &owner);
	mp_get_int(a, "version", MP_OPTIONAL, 1, INT32_MAX, &version);
	if (!req_args_done(req))
		return;
	if (type != NULL && !valid_kr_type(type)) {
		req_fail(req, E_INVALID, "type", "type is increase, decrease, "
		    "above, below or boolean");
		return;
	}
	g = gstate_new(req);
	g->version = version;
	snprintf(g->num[3], sizeof g->num[3], "%lld", (long long)version);
	if (hs)
		fmt_num(g->num[0], sizeof g->num[0], start);
	if (ht)
		fmt_num(g->num[1], sizeof g->num[1], target);
	if (hw)
		fmt_num(g->num[2], sizeof g->num[2], weight);
	g->p[2] = title;
	g->p[3] = type;
	g->p[4] = hs ? g->num[0] : NULL;
	g->p[5] = ht ? g->num[1] : NULL;
	g->p[6] = unit;
	g->p[7] = hw ? g->num[2] : NULL;
	g->p[8] = owner;
	/* A start/target/type that no longer fit is refused by the table's
	 * CHECK constraints (E_INVALID). */
	with_kr(req, id, false, update_next);
}

static void
remove_next(struct request *req)
{
	struct gstate *g = req->state;

	g->full = true;
	g->p[0] = g->caller;
	g->p[1] = g->id;
	req_db(req, ST_KR_REMOVE, 2, g->p, on_kr_changed);
}

void
op_kr_remove(struct request *req)
{
	int64_t id;

	mp_get_int(&req->args, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	if (!req_args_done(req))
		return;
	gstate_new(req);
	with_kr(req, id, false, remove_next);
}

/* kr.checkin */

static void
on_checkin_done(void *arg, const PGresult *res)
{
	if (idem_write_failed(arg, res))
		return;
	on_kr_changed(arg, res);
}

static void
checkin_next(struct request *req)
{
	struct gstate *g = req->state;

	if (strcmp(g->name2, "boolean") == 0 && strcmp(g->num[0], "0") != 0 &&
	    strcmp(g->num[0], "1") != 0) {
		req_fail(req, E_INVALID, "value", "a boolean key result takes "
		    "0 or 1");
		return;
	}
	g->p[0] = g->caller;
	g->p[1] = g->id;
	g->p[5] = idem_key(&g->idem);
	g->p[6] = idem_hash(&g->idem);
	req_db(req, ST_KR_CHECKIN, 7, g->p, on_checkin_done);
}

static void
checkin_fresh(struct request *req)
{
	struct gstate *g = req->state;

	with_kr(req, strtoll(g->id, NULL, 10), true, checkin_next);
}

void
op_kr_checkin(struct request *req)
{
	struct mp_reader *a = &req->args;
	int64_t id, confidence = 0;
	double value;
	const char *note = NULL;
	bool hc;
	struct gstate *g;
	struct idem idem;

	mp_get_int(a, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	mp_get_double(a, "value", MP_REQUIRED, -1e15, 1e15, &value);
	hc = mp_get_int(a, "confidence", MP_OPTIONAL, 1, 10, &confidence);
	mp_get_str(a, "note", MP_OPTIONAL, 0, 2000, &note);
	idem_read(req, &idem);
	if (!req_args_done(req))
		return;
	g = gstate_new(req);
	g->idem = idem;
	snprintf(g->id, sizeof g->id, "%lld", (long long)id);
	fmt_num(g->num[0], sizeof g->num[0], value);
	snprintf(g->num[1], sizeof g->num[1], "%lld", (long long)confidence);
	g->p[2] = g->num[0];
	g->p[3] = hc ? g->num[1] : NULL;
	g->p[4] = note;
	idem_begin(req, reply_kr, checkin_fresh);
}

/* kr.history: readable by whoever may read the key result. */

static void
on_history(void *arg, const PGresult *res)
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
		msgpack_pack_map(pk, 6);
		mp_kv_int(pk, "id", col_int(res, i, 0));
		mp_kv_double(pk, "value", col_num(res, i, 1));
		if (PQgetisnull(res, i, 2))
			mp_kv_nil(pk, "confidence");
		else
			mp_kv_int(pk, "confidence", col_int(res, i, 2));
		mp_kv_str(pk, "note", PQgetvalue(res, i, 3));
		mp_kv_str(pk, "author", PQgetvalue(res, i, 4));
		mp_kv_str(pk, "at", PQgetvalue(res, i, 5));
	}
	req_reply(req);
}

static void
on_history_kr(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct gstate *g = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1 || !col_bool(res, 0, KR_NCOLS)) {
		req_fail(req, E_NOT_FOUND, "id", "no key result %s", g->id);
		return;
	}
	req_db(req, ST_KR_HISTORY, 1, g->p, on_history);
}

void
op_kr_history(struct request *req)
{
	int64_t id;
	struct gstate *g;

	mp_get_int(&req->args, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	if (!req_args_done(req))
		return;
	g = gstate_new(req);
	snprintf(g->id, sizeof g->id, "%lld", (long long)id);
	g->p[0] = g->id;
	g->p[1] = g->caller;
	g->p[2] = g->role;
	req_db(req, ST_KR_GET, 3, g->p, on_history_kr);
}
