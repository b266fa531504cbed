/*
 * op-kr.c: key results and check-ins, as tables for the change path
 * (change.h).  Progress is computed by the database functions
 * kr_progress/objective_progress on every read, so it is always consistent
 * with the stored values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "fields.h"
#include "goals.h"
#include "rules.h"
#include "xmalloc.h"

static const char *const kr_types[] = {
	"increase", "decrease", "above", "below", "boolean", NULL
};

/* The fields of kr.create and kr.update, as the write's parameters. */
struct kr_fields {
	const char	*title, *type, *unit, *owner;
	char		 start[32], target[32], weight[32];
	bool		 has_start, has_target, has_weight;
	char		 kpi[24];	/* kr.create: the KPI it follows */
	bool		 has_kpi, start_given;
};

static int
kr_field_params(const struct kr_fields *k, const char **p)
{
	p[2] = k->title;
	p[3] = k->type;
	p[4] = k->has_start ? k->start : NULL;
	p[5] = k->has_target ? k->target : NULL;
	p[6] = k->unit;
	p[7] = k->has_weight ? k->weight : NULL;
	p[8] = k->owner;
	return 9;
}

static void
kr_fields_read(struct request *req, void *arg, bool create)
{
	struct kr_fields *k = arg;
	struct mp_reader *a = &req->args;
	int need = create ? MP_REQUIRED : MP_OPTIONAL;
	double start = 0, target = 0, weight = 1;

	mp_get_str(a, "title", need, 1, 200, &k->title);
	mp_get_str(a, "type", need, 1, 20, &k->type);
	k->has_target = mp_get_double(a, "target", need, -1e15, 1e15,
	    &target);
	k->has_start = mp_get_double(a, "start", MP_OPTIONAL, -1e15, 1e15,
	    &start);
	mp_get_str(a, "unit", MP_OPTIONAL, 0, 20, &k->unit);
	k->has_weight = mp_get_double(a, "weight", MP_OPTIONAL, 1e-9, 1000,
	    &weight);
	mp_get_str(a, "owner", MP_OPTIONAL, 1, 63, &k->owner);
	k->start_given = k->has_start;
	if (create) {
		int64_t kpi;

		if ((k->has_kpi = mp_get_int(a, "kpi", MP_OPTIONAL, 1,
		    INT64_MAX, &kpi)))
			snprintf(k->kpi, sizeof k->kpi, "%lld", (long long)kpi);
		/* Defaults of a new key result. */
		k->has_start = k->has_weight = true;
		if (k->unit == NULL)
			k->unit = "";
		if (k->owner == NULL)
			k->owner = req->conn->sess.login;
	}
	fmt_num(k->start, sizeof k->start, start);
	fmt_num(k->target, sizeof k->target, target);
	fmt_num(k->weight, sizeof k->weight, weight);
}

void
op_kr_get(struct request *req)
{
	get_by_id(req, &FS_KR, ST_KR_GET);
}

/* kr.create: in the objective's context. */

static bool
kr_create_check(struct change *c, const PGresult *ctx)
{
	if (row_int(ctx, 0, "krs") >= row_int(ctx, 0, "max_krs")) {
		idem_fail_rule(c->req, "limit.key_results", "objective %s "
		    "already has %s key results (max_key_results)", c->key,
		    row_text(ctx, 0, "krs"));
		return false;
	}
	return true;
}

static int
kr_create_params(struct change *c, const PGresult *ctx, const char **p)
{
	struct kr_fields *k = c->arg;

	kr_field_params(k, p);
	p[9] = idem_key(&c->idem);
	p[10] = idem_hash(&c->idem);
	p[11] = k->has_kpi ? k->kpi : NULL;
	return 12;
}

static void
kr_no_owner(struct change *c)
{
	struct kr_fields *k = c->arg;

	req_fail(c->req, E_NOT_FOUND, "owner", "no user '%s'", k->owner);
}

static const struct change_op kr_create = {
	.what = "objective", .id_field = "objective",
	.ctx = ST_OBJ_CTX, .nctx = 2, .act = ACT_OBJ_EDIT, .period = PR_NEW,
	.check = kr_create_check,
	.write = ST_KR_CREATE, .params = kr_create_params, .reply = &FS_KR,
	.empty = kr_no_owner, .get = ST_KR_GET, .keyed = true,
};

/* Bound to a KPI (sql/007): the KPI's unit, and its latest value as the
 * default start; its readings move the key result from then on. */

static int
kr_bound_ctx_params(struct change *c, const char **p)
{
	struct kr_fields *k = c->arg;

	p[3] = k->kpi;
	return 4;
}

static bool
kr_bound_check(struct change *c, const PGresult *ctx)
{
	struct kr_fields *k = c->arg;
	const char *unit = row_text(ctx, 0, "kpi_unit"), *why;

	if (!row_bool(ctx, 0, "kpi_found")) {
		req_fail(c->req, E_NOT_FOUND, "kpi", "no KPI %s", k->kpi);
		return false;
	}
	if (row_bool(ctx, 0, "kpi_archived")) {
		req_fail_rule(c->req, "kpi.archived", "KPI %s is archived: "
		    "nothing new follows it", k->kpi);
		return false;
	}
	if (strcmp(k->type, "boolean") == 0) {
		req_fail(c->req, E_INVALID, "type", "a key result bound to a "
		    "KPI follows its readings: increase, decrease, above or "
		    "below, not boolean");
		return false;
	}
	if (k->unit[0] != '\0' && strcmp(k->unit, unit) != 0) {
		req_fail(c->req, E_INVALID, "unit", "a key result bound to "
		    "KPI %s has its unit ('%s')", k->kpi, unit);
		return false;
	}
	k->unit = unit;		/* the context outlives the write's params */
	if (!k->start_given) {
		if (row_null(ctx, 0, "kpi_latest")) {
			req_fail(c->req, E_INVALID, "start", "KPI %s has no "
			    "reading yet: give the start", k->kpi);
			return false;
		}
		fmt_num(k->start, sizeof k->start,
		    row_num(ctx, 0, "kpi_latest"));
	}
	if ((why = kr_shape_refusal(k->type, strtod(k->start, NULL),
	    strtod(k->target, NULL))) != NULL) {
		req_fail(c->req, E_INVALID, "target", "%s", why);
		return false;
	}
	return kr_create_check(c, ctx);
}

static const struct change_op kr_create_bound = {
	.what = "objective", .id_field = "objective",
	.ctx = ST_KR_NEW_CTX, .nctx = 3, .ctx_params = kr_bound_ctx_params,
	.act = ACT_OBJ_EDIT, .period = PR_NEW, .check = kr_bound_check,
	.write = ST_KR_CREATE, .params = kr_create_params, .reply = &FS_KR,
	.empty = kr_no_owner, .get = ST_KR_GET, .keyed = true,
};

void
op_kr_create(struct request *req)
{
	struct kr_fields k = { 0 };
	struct change *c;
	struct idem idem;
	int64_t obj;
	const char *why;

	mp_get_int(&req->args, "objective", MP_REQUIRED, 1, INT64_MAX, &obj);
	kr_fields_read(req, &k, true);
	idem_read(req, &idem);
	if (!req_args_done(req) || !check_choice(req, "type", k.type, kr_types))
		return;
	/* A bound one's start may come from its KPI: checked then. */
	if (!k.has_kpi && (why = kr_shape_refusal(k.type, strtod(k.start,
	    NULL), strtod(k.target, NULL))) != NULL) {
		req_fail(req, E_INVALID, "target", "%s", why);
		return;
	}
	c = change_new(req, k.has_kpi ? &kr_create_bound : &kr_create,
	    sizeof k);
	*(struct kr_fields *)c->arg = k;
	c->idem = idem;
	change_run_id(c, obj);
}

/* kr.update and kr.remove: in the key result's context. */

static int
kr_update_params(struct change *c, const PGresult *ctx, const char **p)
{
	kr_field_params(c->arg, p);
	p[9] = change_version(c);
	return 10;
}

/* A bound key result keeps its KPI's unit. */
static bool
kr_update_check(struct change *c, const PGresult *ctx)
{
	struct kr_fields *k = c->arg;

	if (row_bool(ctx, 0, "bound") && k->unit != NULL) {
		req_fail(c->req, E_INVALID, "unit", "key result %s follows a "
		    "KPI and has its unit", c->key);
		return false;
	}
	return true;
}

/* A start/target/type that no longer fit is refused by the table's CHECK
 * constraints (E_INVALID). */
static const struct change_op kr_update = {
	.what = "key result", .id_field = "id",
	.ctx = ST_KR_CTX, .nctx = 2, .act = ACT_OBJ_EDIT, .period = PR_OPEN,
	.check = kr_update_check,
	.write = ST_KR_UPDATE, .params = kr_update_params, .reply = &FS_KR,
};

/* The fields' values; false after answering. */
static bool
kr_fields_valid(struct request *req, const void *k)
{
	return check_choice(req, "type", ((const struct kr_fields *)k)->type,
	    kr_types);
}

void
op_kr_update(struct request *req)
{
	change_edit(req, &kr_update, sizeof(struct kr_fields), kr_fields_read,
	    kr_fields_valid);
}

static int
kr_remove_params(struct change *c, const PGresult *ctx, const char **p)
{
	return 2;
}

static const struct change_op kr_remove = {
	.what = "key result", .id_field = "id",
	.ctx = ST_KR_CTX, .nctx = 2, .act = ACT_OBJ_EDIT, .period = PR_OPEN,
	.write = ST_KR_REMOVE, .params = kr_remove_params, .reply = NULL,
};

void
op_kr_remove(struct request *req)
{
	int64_t id;

	mp_get_int(&req->args, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	if (!req_args_done(req))
		return;
	change_run_id(change_new(req, &kr_remove, 0), id);
}

/* kr.checkin */

struct checkin {
	char		 value[32], confidence[8];
	bool		 has_confidence;
	const char	*note;
};

static bool
checkin_check(struct change *c, const PGresult *ctx)
{
	struct checkin *ci = c->arg;

	if (!ctx_rule(c, ctx, "bound", "kr.bound", "key result %s follows a "
	    "KPI: record a reading of the KPI instead", c->key))
		return false;
	if (strcmp(row_text(ctx, 0, "type"), "boolean") == 0 &&
	    strcmp(ci->value, "0") != 0 && strcmp(ci->value, "1") != 0) {
		req_fail(c->req, E_INVALID, "value", "a boolean key result "
		    "takes 0 or 1");
		return false;
	}
	return true;
}

static int
checkin_params(struct change *c, const PGresult *ctx, const char **p)
{
	struct checkin *ci = c->arg;

	p[2] = ci->value;
	p[3] = ci->has_confidence ? ci->confidence : NULL;
	p[4] = ci->note;
	return change_idem_params(c, p, 5);
}

static const struct change_op kr_checkin = {
	.what = "key result", .id_field = "id",
	.ctx = ST_KR_CTX, .nctx = 2, .act = ACT_CHECKIN, .period = PR_STARTED,
	.check = checkin_check,
	.write = ST_KR_CHECKIN, .params = checkin_params, .reply = &FS_KR,
	.get = ST_KR_GET, .keyed = true,
};

void
op_kr_checkin(struct request *req)
{
	struct mp_reader *a = &req->args;
	struct checkin ci = { .note = NULL };
	int64_t id, confidence = 0;
	double value;
	struct change *c;
	struct idem idem;

	mp_get_int(a, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	mp_get_double(a, "value", MP_REQUIRED, -1e15, 1e15, &value);
	ci.has_confidence = mp_get_int(a, "confidence", MP_OPTIONAL, 1, 10,
	    &confidence);
	mp_get_str(a, "note", MP_OPTIONAL, 0, 2000, &ci.note);
	idem_read(req, &idem);
	if (!req_args_done(req))
		return;
	fmt_num(ci.value, sizeof ci.value, value);
	snprintf(ci.confidence, sizeof ci.confidence, "%lld",
	    (long long)confidence);
	c = change_new(req, &kr_checkin, sizeof ci);
	*(struct checkin *)c->arg = ci;
	c->idem = idem;
	change_run_id(c, id);
}

/* kr.history: readable by whoever may read the key result. */

static void
on_history(void *arg, const PGresult *res)
{
	reply_list(arg, res, &FS_CHECKIN);
}

static void
on_history_kr(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct reader *h = req->reader;
	const char *p[1] = { h->id };

	if (read_found(req, res, "key result"))
		req_db(req, ST_KR_HISTORY, 1, p, on_history);
}

void
op_kr_history(struct request *req)
{
	read_by_id(req, ST_KR_GET, on_history_kr);
}
