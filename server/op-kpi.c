/*
 * op-kpi.c: KPI definitions (create, update, archive) as tables for the
 * change path (change.h), and the reads (get, list, history).  Readings
 * are op-kpi-record.c.  Health and staleness are computed by the database
 * (sql/007) on every read, from the readings as they are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "change.h"
#include "fields.h"
#include "goals.h"
#include "kpi.h"
#include "values.h"
#include "xmalloc.h"

static const char *const directions[] = { "up", "down", "range", NULL };
static const char *const frequencies[] = { "daily", "weekly", "monthly",
    NULL };
static const char *const healths[] = { "green", "amber", "red", "none",
    NULL };

/* The definition fields of kpi.create and kpi.update. */
struct kpi_def {
	const char	*team, *name, *desc, *unit, *dir, *freq, *owner;
	double		 green, amber, gh, ah;
	bool		 has_green, has_amber, has_gh, has_ah;
	int64_t		 breach;
	bool		 has_breach;
	/* The merged definition, as the write's parameters. */
	const char	*dir_out;
	char		 g[32], a[32], ghs[32], ahs[32], bs[16], ver[24];
	bool		 range_out;
};

static void
kpi_def_read(struct request *req, void *arg, bool create)
{
	struct kpi_def *d = arg;
	struct mp_reader *r = &req->args;
	int need = create ? MP_REQUIRED : MP_OPTIONAL;

	if (create)
		mp_get_str(r, "team", MP_REQUIRED, 1, 40, &d->team);
	mp_get_str(r, "name", need, 1, 200, &d->name);
	mp_get_str(r, "description", MP_OPTIONAL, 0, 4000, &d->desc);
	mp_get_str(r, "unit", MP_OPTIONAL, 0, 20, &d->unit);
	mp_get_str(r, "direction", need, 1, 10, &d->dir);
	d->has_green = mp_get_double(r, "green", need, -KPI_VALUE_MAX,
	    KPI_VALUE_MAX, &d->green);
	d->has_amber = mp_get_double(r, "amber", need, -KPI_VALUE_MAX,
	    KPI_VALUE_MAX, &d->amber);
	d->has_gh = mp_get_double(r, "green_high", MP_OPTIONAL, -KPI_VALUE_MAX,
	    KPI_VALUE_MAX, &d->gh);
	d->has_ah = mp_get_double(r, "amber_high", MP_OPTIONAL, -KPI_VALUE_MAX,
	    KPI_VALUE_MAX, &d->ah);
	mp_get_str(r, "frequency", MP_OPTIONAL, 1, 10, &d->freq);
	mp_get_str(r, "owner", MP_OPTIONAL, 1, 63, &d->owner);
	d->has_breach = mp_get_int(r, "breach_after", MP_OPTIONAL, 1, 100,
	    &d->breach);
}

/* The kinds named; false after answering E_INVALID. */
static bool MUST_CHECK
kpi_kinds_ok(struct request *req, const void *arg)
{
	const struct kpi_def *d = arg;

	return check_choice(req, "direction", d->dir, directions) &&
	    check_choice(req, "frequency", d->freq, frequencies);
}

/*
 * Merge the thresholds given with the stored ones (ctx NULL: none stored,
 * a creation) and check their order; false after answering E_INVALID
 * naming the field.  Changing the direction away from range drops the
 * stored high thresholds.
 */
static bool MUST_CHECK
kpi_def_merge(struct request *req, struct kpi_def *d, const PGresult *ctx)
{
	const char *dir = d->dir, *bad, *why;
	double g = d->green, a = d->amber, gh = d->gh, ah = d->ah;
	bool has_gh = d->has_gh, has_ah = d->has_ah;

	if (ctx != NULL) {
		if (dir == NULL)
			dir = row_text(ctx, 0, "direction");
		if (!d->has_green)
			g = row_num(ctx, 0, "green");
		if (!d->has_amber)
			a = row_num(ctx, 0, "amber");
		if (strcmp(dir, "range") == 0) {
			if (!has_gh && !row_null(ctx, 0, "green_high")) {
				gh = row_num(ctx, 0, "green_high");
				has_gh = true;
			}
			if (!has_ah && !row_null(ctx, 0, "amber_high")) {
				ah = row_num(ctx, 0, "amber_high");
				has_ah = true;
			}
		}
	}
	if ((bad = kpi_thresholds_refusal(dir, g, a, has_gh, gh, has_ah, ah,
	    &why)) != NULL) {
		req_fail(req, E_INVALID, bad, "%s", why);
		return false;
	}
	d->dir_out = dir;
	d->range_out = strcmp(dir, "range") == 0;
	fmt_num(d->g, sizeof d->g, g);
	fmt_num(d->a, sizeof d->a, a);
	fmt_num(d->ghs, sizeof d->ghs, gh);
	fmt_num(d->ahs, sizeof d->ahs, ah);
	snprintf(d->bs, sizeof d->bs, "%lld", (long long)d->breach);
	return true;
}

/* $3.. of kpi_create and kpi_update: name to breach_after ($3-$13). */
static void
kpi_def_params(const struct kpi_def *d, const char **p)
{
	p[2] = d->name;
	p[3] = d->desc;
	p[4] = d->unit;
	p[5] = d->dir_out;
	p[6] = d->g;
	p[7] = d->a;
	p[8] = d->range_out ? d->ghs : NULL;
	p[9] = d->range_out ? d->ahs : NULL;
	p[10] = d->freq;
	p[11] = d->owner;
	p[12] = d->has_breach ? d->bs : NULL;
}

/* The owner login as the context's $3. */
static int
kpi_ctx_params(struct change *c, const char **p)
{
	struct kpi_def *d = c->arg;

	p[2] = d != NULL ? d->owner : NULL;
	return 3;
}

static bool MUST_CHECK
owner_found(struct change *c, const PGresult *ctx)
{
	struct kpi_def *d = c->arg;

	return ctx_found(c, ctx, "owner_found", "owner", "user", d->owner);
}

static bool MUST_CHECK
not_archived(struct change *c, const PGresult *ctx)
{
	return ctx_rule(c, ctx, "archived", "kpi.archived", "KPI %s is "
	    "archived: it changes no more", c->key);
}

/* kpi.create: in the team's context. */

static int
kpi_create_params(struct change *c, const PGresult *ctx, const char **p)
{
	struct kpi_def *d = c->arg;

	p[0] = c->caller;
	p[1] = row_text(ctx, 0, "team_id");
	kpi_def_params(d, p);
	return change_idem_params(c, p, 13);
}

static const struct change_op kpi_create = {
	.what = "team", .id_field = "team",
	.ctx = ST_KPI_NEW_CTX, .nctx = 3, .ctx_params = kpi_ctx_params,
	.act = ACT_KPI_EDIT, .period = PR_NONE, .check = owner_found,
	.write = ST_KPI_CREATE, .params = kpi_create_params, .reply = &FS_KPI,
	.get = ST_KPI_GET, .keyed = true,
};

void
op_kpi_create(struct request *req)
{
	struct kpi_def d = { 0 };
	struct change *c;
	struct idem idem;

	kpi_def_read(req, &d, true);
	idem_read(req, &idem);
	if (!req_args_done(req) || !kpi_kinds_ok(req, &d) ||
	    !kpi_def_merge(req, &d, NULL))
		return;
	c = change_new(req, &kpi_create, sizeof d);
	*(struct kpi_def *)c->arg = d;
	c->idem = idem;
	change_run(c, d.team);
}

/* kpi.update and kpi.archive: in the KPI's context. */

static bool MUST_CHECK
kpi_update_check(struct change *c, const PGresult *ctx)
{
	struct kpi_def *d = c->arg;

	if (!not_archived(c, ctx) || !owner_found(c, ctx) ||
	    !kpi_def_merge(c->req, d, ctx))
		return false;
	/* Merged with what the context read: written only if that is
	 * still the version, so a concurrent edit is never undone. */
	snprintf(d->ver, sizeof d->ver, "%s", row_text(ctx, 0, "version"));
	return true;
}

static int
kpi_update_params(struct change *c, const PGresult *ctx, const char **p)
{
	struct kpi_def *d = c->arg;

	kpi_def_params(d, p);
	p[13] = d->ver;
	return 14;
}

static const struct change_op kpi_update = {
	.what = "KPI", .id_field = "id",
	.ctx = ST_KPI_CTX, .nctx = 3, .ctx_params = kpi_ctx_params,
	.act = ACT_KPI_EDIT, .period = PR_NONE, .check = kpi_update_check,
	.write = ST_KPI_UPDATE, .params = kpi_update_params, .reply = &FS_KPI,
};

void
op_kpi_update(struct request *req)
{
	change_edit(req, &kpi_update, sizeof(struct kpi_def), kpi_def_read,
	    kpi_kinds_ok);
}

static const struct change_op kpi_archive = {
	.what = "KPI", .id_field = "id",
	.ctx = ST_KPI_CTX, .nctx = 3, .ctx_params = kpi_ctx_params,
	.act = ACT_KPI_EDIT, .period = PR_NONE, .check = not_archived,
	.write = ST_KPI_ARCHIVE, .params = change_version_param,
	.reply = &FS_KPI,
};

void
op_kpi_archive(struct request *req)
{
	struct kpi_def none = { 0 };
	int64_t id, version;

	mp_get_int(&req->args, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	version = arg_version(req);
	/* No definition fields: the context's owner parameter is NULL. */
	if (req_args_done(req))
		change_start(req, &kpi_archive, &none, sizeof none, id, version);
}

/* Reads. */

void
op_kpi_get(struct request *req)
{
	get_by_id(req, &FS_KPI, ST_KPI_GET);
}

void
op_kpi_list(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *team = NULL, *health = NULL;
	bool stale = false, has_stale;
	int64_t limit = 1000;
	struct reader *k;
	char lim[16];

	mp_get_str(a, "team", MP_OPTIONAL, 1, 40, &team);
	mp_get_str(a, "health", MP_OPTIONAL, 1, 10, &health);
	has_stale = mp_get_bool(a, "stale", MP_OPTIONAL, &stale);
	mp_get_int(a, "limit", MP_OPTIONAL, 1, 1000, &limit);
	if (!req_args_done(req))
		return;
	if (!check_choice(req, "health", health, healths))
		return;
	k = reader_new(req, 0);
	snprintf(lim, sizeof lim, "%lld", (long long)limit);
	const char *p[6] = { k->caller, k->role, team, health,
	    has_stale ? (stale ? "t" : "f") : NULL, lim };
	read_list(req, ST_KPI_LIST, 6, p, &FS_KPI);
}

static void
on_history(void *arg, const PGresult *res)
{
	reply_list(arg, res, &FS_KPI_READING);
}

/* The history's own state beside its reader (req->reader). */
struct kpi_history {
	char		 limit[16];
};

static void
on_history_kpi(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct kpi_history *h = req->state;
	const char *p[2] = { req->reader->id, h->limit };

	if (read_found(req, res, "KPI"))
		req_db(req, ST_KPI_HISTORY, 2, p, on_history);
}

/* kpi.history: the last `limit` readings (default 100), oldest first. */
void
op_kpi_history(struct request *req)
{
	struct kpi_history *h;
	int64_t id, limit = 100;

	mp_get_int(&req->args, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	mp_get_int(&req->args, "limit", MP_OPTIONAL, 1, 1000, &limit);
	if (!req_args_done(req))
		return;
	h = xcalloc(1, sizeof *h);
	snprintf(h->limit, sizeof h->limit, "%lld", (long long)limit);
	req->state = h;
	req->state_free = free;
	(void)reader_new(req, id);
	(void)reader_db(req, ST_KPI_GET, on_history_kpi);
}
