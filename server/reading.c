/*
 * reading.c: the reading entity, kpi.record: up to KPI_RECORD_MAX readings
 * of any KPIs the caller may record, all or nothing.  Its database logic
 * (the checks again, once per statement, and the key results bound to a
 * KPI moved by its readings) is sql/logic/reading.sql; the time parser is
 * kpi-at.c.
 *
 * A batch on the change path (change.h, .batch): the context is one row
 * per KPI named (one statement for all of them), every reading is checked
 * against its KPI in order, so that a refusal names the first bad
 * reading's index, and then ONE statement inserts them all from parameter
 * arrays (unnest), so a request costs two round trips whatever it
 * carries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attr.h"
#include "change.h"
#include "kpi.h"
#include "op.h"
#include "reading.h"
#include "strbuf.h"
#include "values.h"
#include "xmalloc.h"
#include "sql-cols.h"

/* Reply objects and contexts. */

static const struct field recorded_f[] = {
	{ "recorded", F_INT },
};
static const struct fieldset FS_KPI_RECORDED = FIELDSET("readings",
    recorded_f);

/* One row per KPI: read by the checks, never packed. */
static const struct field record_ctx_f[] = {
	{ "id", F_HIDDEN }, { "archived", F_HIDDEN },
	{ "private_team", F_HIDDEN }, { "lead_here", F_HIDDEN },
	{ "lead_above", F_HIDDEN }, { "member_here", F_HIDDEN },
	{ "kpi_owner", F_HIDDEN }, { "closed_periods", F_HIDDEN },
};
static const struct fieldset FS_KPI_RECORD_CTX = FIELDSET("KPI",
    record_ctx_f);

/* The statements, with their parameters by name (stmt.h). */
const stmt_table reading_stmts = {
	/* ids: the KPI ids as an array ({1,2}): one row per KPI that
	 * exists. */
	[ST_KPI_RECORD_CTX] = { .name = "kpi_record_ctx", .kind = STMT_READ,
	    .params = "ids caller",
	    .sql = "SELECT k.id AS id, k.archived AS archived,"
	    " kpi_closed_periods(k.id) AS closed_periods,"
	    KPI_FACTS("$caller") KPI_FACTS_FROM("$caller")
	    " WHERE k.id = ANY ($ids::bigint[])",
	    .returns = &FS_KPI_RECORD_CTX },

	/* KPI ids, values, times (NULL: now) and notes (NULL: none), as
	 * arrays of the same length.  A retry is answered from the request
	 * (the same readings).  All or nothing: one INSERT, which the
	 * triggers of sql/logic/reading.sql check and follow once per
	 * statement. */
	[ST_KPI_RECORD] = { .name = "kpi_record", .kind = STMT_WRITE,
	    .params = "caller kpis vals ats notes via idem_key idem_hash",
	    .sql = "WITH r AS (INSERT INTO kpi_readings (kpi_id, value, at,"
	    " note, author_id, via) SELECT u.kpi, u.value,"
	    " coalesce(u.at, now()), coalesce(u.note, ''), $caller::bigint,"
	    " $via::text FROM unnest($kpis::bigint[],"
	    " $vals::float8[], $ats::timestamptz[], $notes::text[])"
	    " WITH ORDINALITY AS u (kpi, value, at, note, n) ORDER BY u.n"
	    " RETURNING id),"
	    " m AS (SELECT min(id) AS id FROM r),"
	    IDEM_NAMED("kpi.record", "m.id", "m")
	    " SELECT count(*) AS recorded FROM r",
	    .returns = &FS_KPI_RECORDED },
};

/* "readings", an array of maps {kpi, value, at, note}, is read by
 * read_one: the schema declares arguments of the request's own map. */
static const struct op_arg record_schema[] = {
	A_END
};

/* The readings as they are read, before the change holds them. */
struct batch {
	size_t		 n;
	int64_t		*kpi;		/* of each reading, in order */
	char		(*at)[KPI_AT_LEN];	/* each one's time, UTC */
	struct strbuf	 a_kpi, a_val, a_at, a_note, a_ids;
};

static void
batch_free(struct batch *b)
{
	free(b->kpi);
	free(b->at);
	free(b->a_kpi.s);
	free(b->a_val.s);
	free(b->a_at.s);
	free(b->a_note.s);
	free(b->a_ids.s);
}

/*
 * The change's argument: the same, in ONE block (the record, then the
 * KPIs, the times and the array parameters' text), so that the change
 * path frees it with the request as it frees any op's argument.
 */
struct record {
	size_t		 n;
	const int64_t	*kpi;
	const char	(*at)[KPI_AT_LEN];
	const char	*a_kpi, *a_val, *a_at, *a_note, *a_ids;
};

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}


/* Reading i: false after answering, naming readings[i].FIELD. */
static bool MUST_CHECK
read_one(struct request *req, struct batch *r, size_t i,
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
	strbuf_str(&r->a_kpi, i ? "," : "{");
	strbuf_str(&r->a_val, i ? "," : "{");
	strbuf_str(&r->a_at, i ? "," : "{");
	strbuf_str(&r->a_note, i ? "," : "{");
	snprintf(num, sizeof num, "%lld", (long long)kpi);
	strbuf_str(&r->a_kpi, num);
	fmt_num(num, sizeof num, value);
	strbuf_str(&r->a_val, num);
	if (at != NULL)
		strbuf_pg_elem(&r->a_at, when);
	else
		strbuf_str(&r->a_at, "NULL");
	if (note != NULL)
		strbuf_pg_elem(&r->a_note, note);
	else
		strbuf_str(&r->a_note, "NULL");
	mp_reader_free(&sub);
	return true;
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

/* Whether the connection's token (if any) may record KPI id: a token
 * limited to some KPIs records those only (docs/rules.md, "API
 * tokens"); the owner's permission is checked after it all the same. */
static bool
token_may_record(const struct session *s, int64_t id)
{
	if (s->token_id == 0 || s->nkpis == 0)
		return true;
	for (int i = 0; i < s->nkpis; i++)
		if (s->kpis[i] == id)
			return true;
	return false;
}

/* Every reading against its KPI, in order; false after answering. */
static bool MUST_CHECK
check_all(struct change *c, const PGresult *ctx)
{
	struct request *req = c->req;
	const struct record *r = c->arg;
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
		if (!token_may_record(&req->conn->sess, r->kpi[i])) {
			req_fail(req, E_FORBIDDEN, field, "reading %zu: token "
			    "'%s' may not record KPI %lld (not one of its "
			    "KPIs)", i, req->conn->sess.via + 6,
			    (long long)r->kpi[i]);
			ok = false;
		/* One the caller may not read is answered as missing. */
		} else if (row < 0 || !authz_allows(ACT_READ, &f)) {
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
record_ctx_args(struct change *c, struct stmt_params *sp)
{
	sp_set(sp, "ids", ((const struct record *)c->arg)->a_ids);
}

static void
record_args(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	const struct record *r = c->arg;

	sp_set(sp, "kpis", r->a_kpi);
	sp_set(sp, "vals", r->a_val);
	sp_set(sp, "ats", r->a_at);
	sp_set(sp, "notes", r->a_note);
}

/* A retry of a request that committed: the same readings were recorded
 * (the key's hash covers them all). */
static void
record_replay(struct change *c, int64_t first)
{
	const struct record *r = c->arg;
	msgpack_packer *pk = req_result(c->req);

	msgpack_pack_map(pk, 1);
	mp_kv_int(pk, "recorded", (int64_t)r->n);
	req_reply(c->req);
}

static const struct change_op kpi_record = {
	.what = "KPI", .id_field = "readings",
	.ctx = ST_KPI_RECORD_CTX, .ctx_args = record_ctx_args,
	.act = ACT_KPI_RECORD, .period = PR_NONE, .check = check_all,
	.write = ST_KPI_RECORD, .args = record_args,
	.reply = &FS_KPI_RECORDED, .replay = record_replay, .keyed = true,
	.batch = true,
};

/* Copy s into the block at *at (moved past it). */
static const char *
put(char **at, const struct strbuf *s)
{
	const char *out = memcpy(*at, s->s, s->len + 1);

	*at += s->len + 1;
	return out;
}

/* The batch as the change's argument (struct record, one block). */
static struct change *
record_change(struct request *req, const struct batch *b)
{
	size_t kpis = b->n * sizeof *b->kpi, ats = b->n * sizeof *b->at;
	struct change *c;
	struct record *r;
	char *p;

	c = change_new(req, &kpi_record, sizeof *r + kpis + ats +
	    b->a_kpi.len + b->a_val.len + b->a_at.len + b->a_note.len +
	    b->a_ids.len + 5);
	r = c->arg;
	p = (char *)(r + 1);
	r->n = b->n;
	r->kpi = memcpy(p, b->kpi, kpis);
	p += kpis;
	r->at = memcpy(p, b->at, ats);
	p += ats;
	r->a_kpi = put(&p, &b->a_kpi);
	r->a_val = put(&p, &b->a_val);
	r->a_at = put(&p, &b->a_at);
	r->a_note = put(&p, &b->a_note);
	r->a_ids = put(&p, &b->a_ids);
	return c;
}

/* Every reading, then the arrays closed and the distinct KPIs as
 * a_ids; false after answering. */
static bool MUST_CHECK
batch_read(struct request *req, struct batch *b, const msgpack_object *arr)
{
	time_t now = time(NULL);
	int64_t *ids;
	size_t nids = 0;
	char num[24];

	b->n = arr->via.array.size;
	b->kpi = xcalloc(b->n, sizeof *b->kpi);
	b->at = xcalloc(b->n, sizeof *b->at);
	for (size_t i = 0; i < b->n; i++)
		if (!read_one(req, b, i, &arr->via.array.ptr[i], now))
			return false;
	strbuf_str(&b->a_kpi, "}");
	strbuf_str(&b->a_val, "}");
	strbuf_str(&b->a_at, "}");
	strbuf_str(&b->a_note, "}");
	ids = xcalloc(b->n, sizeof *ids);
	memcpy(ids, b->kpi, b->n * sizeof *ids);
	qsort(ids, b->n, sizeof *ids, cmp_id);
	strbuf_str(&b->a_ids, "{");
	for (size_t i = 0; i < b->n; i++) {
		if (i > 0 && ids[i] == ids[i - 1])
			continue;
		snprintf(num, sizeof num, "%s%lld", nids++ ? "," : "",
		    (long long)ids[i]);
		strbuf_str(&b->a_ids, num);
	}
	strbuf_str(&b->a_ids, "}");
	free(ids);
	return true;
}

static void
op_kpi_record(struct request *req)
{
	const msgpack_object *arr = NULL;
	struct batch b = { .n = 0 };
	struct change *c;
	struct idem idem;

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
	if (batch_read(req, &b, arr)) {
		c = record_change(req, &b);
		c->idem = idem;
		change_run(c, "");
	}
	batch_free(&b);
}

/* The ops, gathered by dispatch.c. */
const struct op reading_ops[] = {
	{ .name = "kpi.record", .fn = op_kpi_record,
	    .flags = OP_SESSION | OP_WRITE, .args = record_schema },
	{ .name = NULL }
};
