/*
 * op-kpi-record.c: kpi.record, up to KPI_RECORD_MAX readings of any KPIs
 * the caller may record, all or nothing.
 *
 * Not the change path: that reads one entity.  Here the context is one
 * row per KPI named (one statement for all of them), every reading is
 * checked against its KPI in order, so that a refusal names the first bad
 * reading's index, and then ONE statement inserts them all from parameter
 * arrays (unnest), so a request costs two round trips whatever it
 * carries.  The database checks the same rules again once per statement
 * (sql/007) and moves the bound key results.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attr.h"
#include "change.h"
#include "fields.h"
#include "goals.h"
#include "kpi.h"
#include "values.h"
#include "xmalloc.h"

/* A growing string, for the array parameters. */
struct sbuf {
	char	*s;
	size_t	 len, cap;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 256;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* An element of a PostgreSQL array literal: quoted, \ and " escaped. */
static void
sb_elem(struct sbuf *b, const char *s)
{
	sb_add(b, "\"", 1);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			sb_add(b, "\\", 1);
		sb_add(b, s, 1);
	}
	sb_add(b, "\"", 1);
}

struct record {
	struct idem	 idem;
	char		 caller[24], role[16];
	size_t		 n;
	int64_t		*kpi;		/* of each reading, in order */
	char		(*at)[KPI_AT_LEN];	/* each one's time, UTC */
	int64_t		*ids;		/* the distinct KPIs, sorted */
	size_t		 nids;
	struct sbuf	 a_kpi, a_val, a_at, a_note, a_ids;
};

static void
record_free(void *p)
{
	struct record *r = p;

	free(r->kpi);
	free(r->at);
	free(r->ids);
	free(r->a_kpi.s);
	free(r->a_val.s);
	free(r->a_at.s);
	free(r->a_note.s);
	free(r->a_ids.s);
	free(r);
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Reading i: false after answering, naming readings[i].FIELD. */
static bool MUST_CHECK
read_one(struct request *req, struct record *r, size_t i,
    const msgpack_object *o, time_t now)
{
	struct mp_reader sub;
	const char *at = NULL, *note = NULL, *why;
	char num[32], when[KPI_AT_LEN], field[64];
	double value;
	int64_t kpi;
	bool ok;

	if (o->type != MSGPACK_OBJECT_MAP) {
		snprintf(field, sizeof field, "readings[%zu]", i);
		req_fail(req, E_BAD_REQUEST, field, "reading %zu: a reading is "
		    "a map {kpi, value, at, note}", i);
		return false;
	}
	mp_reader_init(&sub, o);
	mp_get_int(&sub, "kpi", MP_REQUIRED, 1, INT64_MAX, &kpi);
	mp_get_double(&sub, "value", MP_REQUIRED, -KPI_VALUE_MAX,
	    KPI_VALUE_MAX, &value);
	mp_get_str(&sub, "at", MP_OPTIONAL, 1, 40, &at);
	mp_get_str(&sub, "note", MP_OPTIONAL, 0, KPI_NOTE_MAX, &note);
	if (!mp_reader_end(&sub)) {
		snprintf(field, sizeof field, "readings[%zu].%s", i,
		    strcmp(sub.field, "args") == 0 ? "" : sub.field);
		if (field[strlen(field) - 1] == '.')
			field[strlen(field) - 1] = '\0';
		req_fail(req, sub.err, field, "reading %zu: %s", i, sub.msg);
		mp_reader_free(&sub);
		return false;
	}
	ok = at == NULL || kpi_at_parse(at, now, when, &why);
	if (!ok) {
		snprintf(field, sizeof field, "readings[%zu].at", i);
		req_fail(req, E_INVALID, field, "reading %zu: %s", i, why);
		mp_reader_free(&sub);
		return false;
	}
	r->kpi[i] = kpi;
	if (at != NULL)
		memcpy(r->at[i], when, KPI_AT_LEN);
	else		/* now, as the database will take it */
		strftime(r->at[i], KPI_AT_LEN, "%Y-%m-%dT%H:%M:%SZ",
		    gmtime(&now));
	sb_str(&r->a_kpi, i ? "," : "{");
	sb_str(&r->a_val, i ? "," : "{");
	sb_str(&r->a_at, i ? "," : "{");
	sb_str(&r->a_note, i ? "," : "{");
	snprintf(num, sizeof num, "%lld", (long long)kpi);
	sb_str(&r->a_kpi, num);
	fmt_num(num, sizeof num, value);
	sb_str(&r->a_val, num);
	if (at != NULL)
		sb_elem(&r->a_at, when);
	else
		sb_str(&r->a_at, "NULL");
	if (note != NULL)
		sb_elem(&r->a_note, note);
	else
		sb_str(&r->a_note, "NULL");
	mp_reader_free(&sub);
	return true;
}

static void
on_recorded(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct rowpack rp;

	if (idem_write_failed(req, res))
		return;
	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1 || !rowpack_init(&rp, &FS_KPI_RECORDED, res)) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	rowpack_row(req_result(req), &rp, 0, 0);
	req_reply(req);
}

/* The context row of KPI id, or -1. */
static int
ctx_row(const PGresult *ctx, const int64_t *rowid, int nrows, int64_t id)
{
	int lo = 0, hi = nrows - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (rowid[mid] == id)
			return mid;
		if (rowid[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * The closed period of a KPI that time at (UTC text) falls in, from the
 * context's closed_periods ("START END NAME ...", sql/024): its name in
 * name, or false.  A reading falls in a period when its UTC day is one of
 * the period's days (docs/rules.md, "period.closed").
 */
static bool MUST_CHECK
in_closed(const char *closed, const char *at, char *name, size_t len)
{
	char start[11], end[11], nm[41];
	int used;

	if (closed == NULL)
		return false;
	while (sscanf(closed, " %10s %10s %40s%n", start, end, nm, &used) ==
	    3) {
		if (strncmp(at, start, 10) >= 0 && strncmp(at, end, 10) <= 0) {
			snprintf(name, len, "%s", nm);
			return true;
		}
		closed += used;
	}
	return false;
}

/* Every reading against its KPI, in order; false after answering. */
static bool MUST_CHECK
check_all(struct request *req, struct record *r, const PGresult *ctx)
{
	int nrows = PQntuples(ctx), *order, row;
	int64_t *rowid;
	struct authz_facts f;
	char field[48], period[48];
	bool ok = true;

	/* The rows in the order of r->ids (both sorted by id). */
	rowid = xcalloc(nrows > 0 ? nrows : 1, sizeof *rowid);
	order = xcalloc(nrows > 0 ? nrows : 1, sizeof *order);
	for (int i = 0; i < nrows; i++)
		rowid[i] = row_int(ctx, i, "id");
	for (int i = 0; i < nrows; i++)
		order[i] = i;
	for (int i = 1; i < nrows; i++)		/* insertion sort: few rows */
		for (int j = i; j > 0 && rowid[j - 1] > rowid[j]; j--) {
			int64_t t = rowid[j];
			int o = order[j];

			rowid[j] = rowid[j - 1];
			rowid[j - 1] = t;
			order[j] = order[j - 1];
			order[j - 1] = o;
		}
	for (size_t i = 0; i < r->n && ok; i++) {
		snprintf(field, sizeof field, "readings[%zu].kpi", i);
		row = ctx_row(ctx, rowid, nrows, r->kpi[i]);
		if (row >= 0)
			row = order[row];
		memset(&f, 0, sizeof f);
		f.role = req->conn->sess.role;
		if (row >= 0) {
			f.private_team = row_bool(ctx, row, "private_team");
			f.lead_here = row_bool(ctx, row, "lead_here");
			f.lead_above = row_bool(ctx, row, "lead_above");
			f.member_here = row_bool(ctx, row, "member_here");
			f.kpi_owner = row_bool(ctx, row, "kpi_owner");
		}
		/* One the caller may not read is answered as missing. */
		if (row < 0 || !authz_allows(ACT_READ, &f)) {
			req_fail(req, E_NOT_FOUND, field, "reading %zu: no KPI "
			    "%lld", i, (long long)r->kpi[i]);
			ok = false;
		} else if (!authz_allows(ACT_KPI_RECORD, &f)) {
			req_fail(req, E_FORBIDDEN, field, "reading %zu: you may "
			    "not %s (KPI %lld)", i,
			    authz_action_name(ACT_KPI_RECORD),
			    (long long)r->kpi[i]);
			ok = false;
		} else if (row_bool(ctx, row, "archived")) {
			req_fail_rule(req, "kpi.archived", "reading %zu: KPI "
			    "%lld is archived: it takes no readings", i,
			    (long long)r->kpi[i]);
			ok = false;
		} else if (in_closed(row_null(ctx, row, "closed_periods") ?
		    NULL : row_text(ctx, row, "closed_periods"), r->at[i],
		    period, sizeof period)) {
			/* The database refuses it too (sql/024), under the
			 * period's lock; this is the answer that names it. */
			snprintf(field, sizeof field, "readings[%zu].at", i);
			req_fail_rule_field(req, field, "period.closed",
			    "reading %zu: at %s falls in period %s of KPI "
			    "%lld, which is closed: a closed period is "
			    "read-only", i, r->at[i], period,
			    (long long)r->kpi[i]);
			ok = false;
		}
	}
	free(rowid);
	free(order);
	return ok;
}

static void
on_ctx(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct record *r = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (!check_all(req, r, res))
		return;
	const char *p[7] = { r->caller, r->a_kpi.s, r->a_val.s, r->a_at.s,
	    r->a_note.s, idem_key(&r->idem), idem_hash(&r->idem) };
	req_db(req, ST_KPI_RECORD, 7, p, on_recorded);
}

static void
fresh(struct request *req)
{
	struct record *r = req->state;
	const char *p[2] = { r->a_ids.s, r->caller };

	req_db(req, ST_KPI_RECORD_CTX, 2, p, on_ctx);
}

/* A retry of a request that committed: the same readings were recorded
 * (the key's hash covers them all). */
static void
replay(struct request *req, int64_t first)
{
	struct record *r = req->state;
	msgpack_packer *pk = req_result(req);

	msgpack_pack_map(pk, 1);
	mp_kv_int(pk, "recorded", (int64_t)r->n);
	req_reply(req);
}

void
op_kpi_record(struct request *req)
{
	const msgpack_object *arr = NULL;
	struct record *r;
	struct idem idem;
	char num[24];
	time_t now = time(NULL);

	mp_get_array(&req->args, "readings", MP_REQUIRED, KPI_RECORD_MAX,
	    &arr);
	idem_read(req, &idem);
	if (!req_args_done(req))
		return;
	if (arr->via.array.size == 0) {
		req_fail(req, E_INVALID, "readings", "no readings: give 1 to "
		    "%d", KPI_RECORD_MAX);
		return;
	}
	r = xcalloc(1, sizeof *r);
	req->state = r;
	req->state_free = record_free;
	r->idem = idem;
	caller_text(req, r->caller, r->role);
	r->n = arr->via.array.size;
	r->kpi = xcalloc(r->n, sizeof *r->kpi);
	r->at = xcalloc(r->n, sizeof *r->at);
	for (size_t i = 0; i < r->n; i++)
		if (!read_one(req, r, i, &arr->via.array.ptr[i], now))
			return;
	sb_str(&r->a_kpi, "}");
	sb_str(&r->a_val, "}");
	sb_str(&r->a_at, "}");
	sb_str(&r->a_note, "}");
	r->ids = xcalloc(r->n, sizeof *r->ids);
	memcpy(r->ids, r->kpi, r->n * sizeof *r->ids);
	qsort(r->ids, r->n, sizeof *r->ids, cmp_id);
	sb_str(&r->a_ids, "{");
	for (size_t i = 0; i < r->n; i++) {
		if (i > 0 && r->ids[i] == r->ids[i - 1])
			continue;
		snprintf(num, sizeof num, "%s%lld", r->nids ? "," : "",
		    (long long)r->ids[i]);
		sb_str(&r->a_ids, num);
		r->ids[r->nids++] = r->ids[i];
	}
	sb_str(&r->a_ids, "}");
	idem_begin(req, &r->idem, replay, fresh);
}
