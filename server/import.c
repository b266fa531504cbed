/*
 * import.c: the import entity, in one place: import of an export (admin
 * only), in bounded steps so that no request is larger than a frame
 * whatever the size of the export, each step a change (change.h):
 *
 *   import.begin {period}           -> {import}   a handle; nothing else
 *   import.rows {import, set, rows} -> {staged, total}   up to
 *                                      IMPORT_CHUNK_MAX rows into the stage
 *   import.commit {import}          -> counts     all of it, one transaction
 *   import.abort {import}                         the stage dropped
 *
 * Every row is checked here against its set's columns (export.c's table)
 * and staged as the JSON of exactly those columns; import_commit()
 * (sql/logic/import.sql) applies the stage in one statement, where the
 * constraints and triggers check each row again.  Only the admin who
 * began an import sees it: import.rows and import.abort are one write
 * each (no context, change.h), which finds no row for an import that is
 * not the caller's or not open.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "attr.h"
#include "change.h"
#include "date.h"
#include "export.h"
#include "import.h"
#include "log.h"
#include "login.h"
#include "op.h"
#include "values.h"

#define IMPORTS_OPEN_MAX	8	/* begun within the hour, server-wide */

/* Reply objects and contexts. */

static const struct field begin_ctx_fields[] = {
	{ "found", F_HIDDEN }, { "state", F_HIDDEN }, { "start_date", F_HIDDEN },
	{ "end_date", F_HIDDEN }, { "has_objectives", F_HIDDEN },
	{ "open_imports", F_HIDDEN },
};
static const struct fieldset FS_IMPORT_BEGIN_CTX = FIELDSET("period",
    begin_ctx_fields);

static const struct field begin_fields[] = {
	{ "import", F_INT },
};
static const struct fieldset FS_IMPORT_BEGIN = FIELDSET("import",
    begin_fields);

static const struct field rows_fields[] = {
	{ "staged", F_INT }, { "total", F_INT },
};
static const struct fieldset FS_IMPORT_ROWS = FIELDSET("import", rows_fields);

static const struct field missing_fields[] = {
	{ "found", F_HIDDEN }, { "users", F_HIDDEN }, { "teams", F_HIDDEN },
	{ "parents", F_HIDDEN },
};
static const struct fieldset FS_IMPORT_MISSING = FIELDSET("import",
    missing_fields);

static const struct field commit_fields[] = {
	{ "period", F_STR }, { "objectives", F_INT }, { "key_results", F_INT },
	{ "checkins", F_INT }, { "kpis_created", F_INT }, { "readings", F_INT },
};
static const struct fieldset FS_IMPORT_COMMIT = FIELDSET("import",
    commit_fields);

static const struct field abort_fields[] = {
	{ "aborted", F_BOOL },
};
static const struct fieldset FS_IMPORT_ABORT = FIELDSET("import",
    abort_fields);

/* The statements, with their parameters by name (stmt.h); $key is the
 * import's id, or import.begin's period name. */
const stmt_table import_stmts = {
	/* Whether an import into the period can succeed (checked again by
	 * import_commit). */
	[ST_IMPORT_BEGIN_CTX] = { .name = "import_begin_ctx",
	    .kind = STMT_READ, .params = "key",
	    .sql = "SELECT p.id IS NOT NULL AS found, p.state AS state,"
	    " p.start_date::text AS start_date, p.end_date::text AS end_date,"
	    " EXISTS (SELECT 1 FROM objectives o WHERE o.period_id = p.id)"
	    " AS has_objectives,"
	    " (SELECT count(*) FROM imports"
	    " WHERE created_at > now() - interval '1 hour') AS open_imports"
	    " FROM (SELECT 1) d LEFT JOIN periods p ON p.name = $key",
	    .returns = &FS_IMPORT_BEGIN_CTX },

	/* period: the export's period as jsonb.  A new import (stages
	 * older than an hour are dropped first). */
	[ST_IMPORT_BEGIN] = { .name = "import_begin", .kind = STMT_WRITE,
	    .params = "caller period",
	    .sql = "WITH gone AS (DELETE FROM imports"
	    " WHERE created_at <= now() - interval '1 hour')"
	    " INSERT INTO imports (user_id, period)"
	    " VALUES ($caller::bigint, $period::jsonb) RETURNING id AS import",
	    .returns = &FS_IMPORT_BEGIN },

	/* rows: a jsonb array of n rows of set, appended to the stage after
	 * the rows already there.  No row: no such import of the caller's. */
	[ST_IMPORT_ROWS] = { .name = "import_rows", .kind = STMT_WRITE,
	    .params = "key caller set rows n",
	    .sql = "WITH i AS (UPDATE imports SET nrows = nrows + $n::int,"
	    " bytes = bytes + octet_length($rows::text)"
	    " WHERE id = $key::bigint AND user_id = $caller::bigint"
	    " RETURNING id, nrows - $n::int AS base, nrows),"
	    " ins AS (INSERT INTO import_rows (import_id, kind, n, doc)"
	    " SELECT i.id, $set::text, i.base + e.n::int, e.v FROM i,"
	    " jsonb_array_elements($rows::jsonb) WITH ORDINALITY e(v, n)"
	    " RETURNING 1)"
	    " SELECT (SELECT count(*) FROM ins) AS staged, i.nrows AS total"
	    " FROM i", .returns = &FS_IMPORT_ROWS },

	/* What the database lacks (named). */
	[ST_IMPORT_MISSING] = { .name = "import_missing", .kind = STMT_READ,
	    .params = "key caller",
	    .sql = "SELECT EXISTS (SELECT 1 FROM imports"
	    " WHERE id = $key::bigint AND user_id = $caller::bigint) AS found,"
	    " m.users AS users, m.teams AS teams, m.parents AS parents"
	    " FROM import_missing($key::bigint) m",
	    .returns = &FS_IMPORT_MISSING },

	[ST_IMPORT_COMMIT] = { .name = "import_commit", .kind = STMT_WRITE,
	    .params = "key caller idem_key idem_hash",
	    .sql = "SELECT x.r_period AS period, x.r_objectives AS objectives,"
	    " x.r_key_results AS key_results, x.r_checkins AS checkins,"
	    " x.r_kpis AS kpis_created, x.r_readings AS readings"
	    " FROM import_commit($key::bigint, $caller::bigint,"
	    " $idem_key::text, decode($idem_hash::text, 'hex')) x",
	    .returns = &FS_IMPORT_COMMIT },

	/* id: the audit entry of an import.  A retry of import.commit with
	 * its idempotency key, answered with the counts the first commit
	 * recorded (the import itself is gone by then). */
	[ST_IMPORT_REPLAY] = { .name = "import_replay", .kind = STMT_READ,
	    .params = "id caller role",
	    .sql = "SELECT p.name AS period,"
	    " (a.after->>'objectives')::bigint AS objectives,"
	    " (a.after->>'key_results')::bigint AS key_results,"
	    " (a.after->>'checkins')::bigint AS checkins,"
	    " (a.after->>'kpis_created')::bigint AS kpis_created,"
	    " (a.after->>'readings')::bigint AS readings,"
	    " a.user_id = $caller::bigint AND $role::text <> '' AS readable"
	    " FROM audit_log a JOIN periods p ON p.id = a.entity_id"
	    " WHERE a.id = $id::bigint AND a.op = 'import'",
	    .returns = &FS_IMPORT_COMMIT },

	/* No row: no such import of the caller's. */
	[ST_IMPORT_ABORT] = { .name = "import_abort", .kind = STMT_WRITE,
	    .params = "key caller",
	    .sql = "WITH d AS (DELETE FROM imports WHERE id = $key::bigint"
	    " AND user_id = $caller::bigint RETURNING id)"
	    " SELECT true AS aborted FROM d", .returns = &FS_IMPORT_ABORT },
};

/* The ops' arguments: import.begin's period and import.rows' rows are a
 * map and an array, read as such (mp_get_map, mp_get_array). */
static const struct op_arg begin_args[] = {
	A_END
};
static const struct op_arg import_args[] = {
	A_ID("import", true), A_END
};
static const struct op_arg rows_args[] = {
	A_ID("import", true), A_STR("set", true, 1, 40), A_END
};

/* JSON text, in a growing buffer. */

static void
jb_add(msgpack_sbuffer *b, const char *s, size_t n)
{
	if (msgpack_sbuffer_write(b, s, n) != 0)
		fatalx("out of memory");	/* as xmalloc */
}

static void
jb_cstr(msgpack_sbuffer *b, const char *s)
{
	jb_add(b, s, strlen(s));
}

/* A JSON string of n bytes of valid UTF-8 without NUL (checked before). */
static void
jb_str(msgpack_sbuffer *b, const char *s, size_t n)
{
	char esc[8];

	jb_add(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = c;
			jb_add(b, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			jb_add(b, esc, 6);
		} else
			jb_add(b, (const char *)&c, 1);
	}
	jb_add(b, "\"", 1);
}

static bool MUST_CHECK
valid_period_name(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 40 || strchr("._-", s[0]) != NULL)
		return false;
	for (; *s != '\0'; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && strchr("._-", *s) == NULL)
			return false;
	return true;
}

static bool MUST_CHECK
in_choices(const char *v, const char *choices)
{
	size_t n = strlen(v);

	for (const char *c = choices; *c != '\0'; ) {
		const char *bar = strchr(c, '|');
		size_t cn = bar ? (size_t)(bar - c) : strlen(c);

		if (cn == n && memcmp(c, v, n) == 0)
			return true;
		c += cn + (bar != NULL);
	}
	return false;
}

/*
 * Check one column of a row and write it as "name":value; false when it
 * is refused (r's error set, naming the column).
 */
static bool MUST_CHECK
check_col(struct mp_reader *r, const struct icol *c, msgpack_sbuffer *b,
    bool first)
{
	const char *s = NULL;
	int64_t i;
	double d;
	bool v, ok = true, got = false;
	char num[40], utc[TIME_TEXT_LEN];
	int req = c->optional ? MP_OPTIONAL : MP_REQUIRED;
	enum time_status ts = TIME_OK;
	int64_t epoch;

	switch (c->check) {
	case IC_ID:
		got = mp_get_int(r, c->name, req, 1, INT64_MAX, &i);
		break;
	case IC_INT:
		got = mp_get_int(r, c->name, req, (int64_t)c->min,
		    (int64_t)c->max, &i);
		break;
	case IC_NUM:
		got = mp_get_double(r, c->name, req, c->min, c->max, &d);
		break;
	case IC_BOOL:
		got = mp_get_bool(r, c->name, req, &v);
		break;
	case IC_STR:
		got = mp_get_str(r, c->name, req, (size_t)c->min,
		    (size_t)c->max, &s);
		break;
	default:
		got = mp_get_str(r, c->name, req, 1, 100, &s);
		if (!got)
			break;
		switch (c->check) {
		case IC_LOGIN:	ok = valid_login(s); break;
		case IC_SLUG:	ok = valid_slug(s); break;
		case IC_PERIOD:	ok = valid_period_name(s); break;
		case IC_DATE:	ok = valid_date(s); break;
		case IC_TIME:
			/* Any RFC 3339 time, stored as its UTC form. */
			ts = time_parse(s, &epoch, utc);
			ok = ts == TIME_OK;
			if (ok)
				s = utc;
			break;
		default:	ok = in_choices(s, c->choices); break;
		}
		if (!ok) {
			if (c->check == IC_CHOICE)
				mp_reader_fail(r, E_INVALID, c->name,
				    "'%s' must be one of %s", c->name,
				    c->choices);
			else if (c->check == IC_TIME)
				mp_reader_fail(r, E_INVALID, c->name,
				    "'%s' %s", c->name, time_status_text(ts));
			else
				mp_reader_fail(r, E_INVALID, c->name,
				    "'%s' is not a valid %s", c->name,
				    c->check == IC_LOGIN ? "login" :
				    c->check == IC_SLUG ? "team slug" :
				    c->check == IC_PERIOD ? "period name" :
				    "date (YYYY-MM-DD)");
			return false;
		}
	}
	if (!mp_reader_ok(r))
		return false;
	if (!got)
		return true;	/* absent or nil: NULL */
	if (!first)
		jb_add(b, ",", 1);
	jb_str(b, c->name, strlen(c->name));
	jb_add(b, ":", 1);
	switch (c->check) {
	case IC_ID:
	case IC_INT:
		snprintf(num, sizeof num, "%lld", (long long)i);
		jb_cstr(b, num);
		break;
	case IC_NUM:
		fmt_num(num, sizeof num, d);
		jb_cstr(b, num);
		break;
	case IC_BOOL:
		jb_cstr(b, v ? "true" : "false");
		break;
	default:
		jb_str(b, s, strlen(s));
	}
	return true;
}

/* Row i of set s as a JSON object; false after answering. */
static bool MUST_CHECK
check_row(struct request *req, const struct xset *s, size_t i,
    const msgpack_object *o, msgpack_sbuffer *b)
{
	struct mp_reader r;
	char field[96];
	bool first = true;

	if (o->type != MSGPACK_OBJECT_MAP) {
		snprintf(field, sizeof field, "rows[%zu]", i);
		req_fail(req, E_INVALID, field, "row %zu of %s: a row is a map "
		    "of the set's columns", i, s->name);
		return false;
	}
	mp_reader_init(&r, o);
	jb_add(b, "{", 1);
	for (size_t c = 0; c < s->ncols; c++) {
		size_t before = b->size;

		if (!check_col(&r, &s->cols[c], b, first))
			break;
		first = first && b->size == before;
	}
	jb_add(b, "}", 1);
	if (!mp_reader_end(&r)) {
		snprintf(field, sizeof field, "rows[%zu].%s", i, r.field);
		req_fail(req, r.err == E_BAD_REQUEST ? E_INVALID : r.err, field,
		    "row %zu of %s: %s", i, s->name, r.msg);
		mp_reader_free(&r);
		return false;
	}
	mp_reader_free(&r);
	return true;
}

/* The refusals, each written once. */

/* An import that is not the caller's, or not open (committed, aborted,
 * dropped after an hour). */
static void
import_not_open(struct change *c)
{
	req_fail(c->req, E_NOT_FOUND, "import", "no import %s of yours is "
	    "open", c->key);
}

/* Rule import.period: the period exists and cannot take the export.
 * Returns false. */
static bool __attribute__((format(printf, 2, 3)))
period_refused(struct change *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	req_fail_rule(c->req, "import.period", "%s", msg);
	return false;
}

/* import.begin ------------------------------------------------------------ */

/* The export's period (the change's key is its name). */
struct begin {
	char	 start[16], end[16];
	char	 json[160];	/* as staged: name, dates and state */
};

static bool
begin_check(struct change *c, const PGresult *ctx)
{
	struct begin *b = c->arg;
	const char *st;

	if (row_int(ctx, 0, "open_imports") >= IMPORTS_OPEN_MAX) {
		req_fail(c->req, E_LIMIT, NULL, "%d imports are in progress: "
		    "commit or abort one, or wait an hour", IMPORTS_OPEN_MAX);
		return false;
	}
	if (!row_bool(ctx, 0, "found"))
		return true;
	st = row_text(ctx, 0, "state");
	if (row_bool(ctx, 0, "has_objectives"))
		return period_refused(c, "period %s is not empty", c->key);
	if (strcmp(st, "draft") != 0 && strcmp(st, "active") != 0)
		return period_refused(c, "period %s is %s: import into a draft "
		    "or active period", c->key, st);
	if (strcmp(row_text(ctx, 0, "start_date"), b->start) != 0 ||
	    strcmp(row_text(ctx, 0, "end_date"), b->end) != 0)
		return period_refused(c, "period %s has other dates than the "
		    "export's", c->key);
	return true;
}

static void
begin_args_fill(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	sp_set(sp, "period", ((struct begin *)c->arg)->json);
}

static const struct change_op import_begin = {
	.what = "period", .id_field = "period",
	.ctx = ST_IMPORT_BEGIN_CTX, .act = ACT_ADMIN, .period = PR_NONE,
	.check = begin_check,
	.write = ST_IMPORT_BEGIN, .args = begin_args_fill,
	.reply = &FS_IMPORT_BEGIN,
};

static void
op_import_begin(struct request *req)
{
	const msgpack_object *per = NULL;
	struct mp_reader r;
	const char *name = NULL, *start = NULL, *end = NULL, *state = NULL;
	struct change *c;
	struct begin *b;
	char field[64];

	mp_get_map(&req->args, "period", MP_REQUIRED, &per);
	if (!req_args_done(req))
		return;
	mp_reader_init(&r, per);
	mp_get_str(&r, "name", MP_REQUIRED, 1, 40, &name);
	mp_get_str(&r, "start_date", MP_REQUIRED, 10, 10, &start);
	mp_get_str(&r, "end_date", MP_REQUIRED, 10, 10, &end);
	mp_get_str(&r, "state", MP_REQUIRED, 1, 10, &state);
	if (!mp_reader_end(&r)) {
		snprintf(field, sizeof field, "period.%s", r.field);
		req_fail(req, r.err, field, "period: %s", r.msg);
		mp_reader_free(&r);
		return;
	}
	if (!valid_period_name(name) || !valid_date(start) ||
	    !valid_date(end) || strcmp(start, end) > 0 ||
	    !in_choices(state, "draft|active|review|closed")) {
		req_fail(req, E_INVALID, !valid_period_name(name) ?
		    "period.name" : !in_choices(state,
		    "draft|active|review|closed") ? "period.state" :
		    "period.end_date", "period: a name (letters, digits, . _ -), "
		    "dates YYYY-MM-DD with start <= end, and a state draft, "
		    "active, review or closed");
		mp_reader_free(&r);
		return;
	}
	c = change_new(req, &import_begin, sizeof *b);
	b = c->arg;
	snprintf(b->start, sizeof b->start, "%s", start);
	snprintf(b->end, sizeof b->end, "%s", end);
	/* Checked above: nothing in them needs escaping. */
	snprintf(b->json, sizeof b->json, "{\"name\":\"%s\",\"start_date\":"
	    "\"%s\",\"end_date\":\"%s\",\"state\":\"%s\"}", name, start, end,
	    state);
	change_run(c, name);
	mp_reader_free(&r);
}

/* import.rows ------------------------------------------------------------- */

/* A chunk of rows of one set, checked and staged as a JSON array. */
struct rows {
	char		 n[24];
	const char	*set;
	char		 json[];
};

static void
rows_args_fill(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	struct rows *x = c->arg;

	sp_set(sp, "set", x->set);
	sp_set(sp, "rows", x->json);
	sp_set(sp, "n", x->n);
}

static const struct change_op import_rows = {
	.what = "import", .id_field = "import", .no_ctx = true,
	.act = ACT_ADMIN, .write = ST_IMPORT_ROWS, .args = rows_args_fill,
	.reply = &FS_IMPORT_ROWS, .empty = import_not_open,
};

static void
op_import_rows(struct request *req)
{
	const msgpack_object *rows = NULL;
	const char *set = NULL;
	const struct xset *s;
	msgpack_sbuffer json;
	struct change *c;
	struct rows *x;
	int64_t id = 0;

	(void)op_int(req, "import", &id);
	(void)op_str(req, "set", &set);
	mp_get_array(&req->args, "rows", MP_REQUIRED, IMPORT_CHUNK_MAX, &rows);
	if (!req_args_done(req))
		return;
	s = xset_find(set, strlen(set));
	if (s == NULL || s->cols == NULL) {
		req_fail(req, E_INVALID, "set", "no set %s to import: the sets "
		    "are those of an export but the period (import.begin)",
		    set);
		return;
	}
	msgpack_sbuffer_init(&json);
	jb_add(&json, "[", 1);
	for (uint32_t i = 0; i < rows->via.array.size; i++) {
		if (i > 0)
			jb_add(&json, ",", 1);
		if (!check_row(req, s, i, &rows->via.array.ptr[i], &json)) {
			msgpack_sbuffer_destroy(&json);
			return;
		}
	}
	jb_add(&json, "]", 2);		/* and its NUL */
	c = change_new(req, &import_rows, sizeof *x + json.size);
	x = c->arg;
	memcpy(x->json, json.data, json.size);
	msgpack_sbuffer_destroy(&json);
	snprintf(x->n, sizeof x->n, "%u", rows->via.array.size);
	x->set = s->name;
	change_run_id(c, id);
}

/* import.commit ----------------------------------------------------------- */

static bool
commit_found(struct change *c, const PGresult *ctx)
{
	if (row_bool(ctx, 0, "found"))
		return true;
	import_not_open(c);
	return false;
}

/* Every user, team and outside parent the database lacks, named: one
 * round of fixes, not one per name. */
static bool
commit_check(struct change *c, const PGresult *ctx)
{
	const char *u = row_str(ctx, 0, "users");
	const char *t = row_str(ctx, 0, "teams");
	const char *o = row_str(ctx, 0, "parents");

	if (u == NULL && t == NULL && o == NULL)
		return true;
	/* The message stays within a frame: logins and slugs are short,
	 * but there may be many. */
	req_fail_rule(c->req, "import.unknown", "%s%.1500s%s%s%.1500s%s"
	    "%s%.800s", u ? "unknown users: " : "", u ? u : "",
	    u && (t || o) ? "; " : "", t ? "unknown teams: " : "",
	    t ? t : "", t && o ? "; " : "",
	    o ? "unknown parent objectives: " : "", o ? o : "");
	return false;
}

/* A retry with the commit's idempotency key is answered with the counts
 * it recorded (.get, by its audit entry). */
static const struct change_op import_commit = {
	.what = "import", .id_field = "import",
	.ctx = ST_IMPORT_MISSING, .found = commit_found, .act = ACT_ADMIN,
	.check = commit_check,
	.write = ST_IMPORT_COMMIT, .reply = &FS_IMPORT_COMMIT,
	.empty = import_not_open, .get = ST_IMPORT_REPLAY, .keyed = true,
};

static void
op_import_commit(struct request *req)
{
	struct change *c;
	struct idem idem;
	int64_t id = 0;

	(void)op_int(req, "import", &id);
	idem_read(req, &idem);
	if (!req_args_done(req))
		return;
	c = change_new(req, &import_commit, 0);
	c->idem = idem;
	change_run_id(c, id);
}

/* import.abort ------------------------------------------------------------ */

static const struct change_op import_abort = {
	.what = "import", .id_field = "import", .no_ctx = true,
	.act = ACT_ADMIN, .write = ST_IMPORT_ABORT, .reply = &FS_IMPORT_ABORT,
	.empty = import_not_open,
};

static void
op_import_abort(struct request *req)
{
	int64_t id = 0;

	(void)op_int(req, "import", &id);
	if (!req_args_done(req))
		return;
	change_run_id(change_new(req, &import_abort, 0), id);
}

/* The ops, gathered by dispatch.c. */
const struct op import_ops[] = {
	{ .name = "import.begin", .fn = op_import_begin,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE, .args = begin_args },
	{ .name = "import.rows", .fn = op_import_rows,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE, .args = rows_args },
	{ .name = "import.commit", .fn = op_import_commit,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE, .args = import_args },
	{ .name = "import.abort", .fn = op_import_abort,
	    .flags = OP_SESSION | OP_ADMIN | OP_WRITE, .args = import_args },
	{ .name = NULL }
};
