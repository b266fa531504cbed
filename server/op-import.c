/*
 * op-import.c: import of an export (admin only), in bounded steps so that
 * no request is larger than a frame whatever the size of the export:
 *
 *   import.begin {period}           -> {import}   a handle; nothing else
 *   import.rows {import, set, rows} -> {staged, total}   up to
 *                                      IMPORT_CHUNK_MAX rows into the stage
 *   import.commit {import}          -> counts     all of it, one transaction
 *   import.abort {import}                         the stage dropped
 *
 * Every row is checked here against its set's columns (export-sets.c) and
 * staged as the JSON of exactly those columns; import_apply() (sql/015)
 * applies the stage in one statement, where the constraints and triggers
 * check each row again.  Only the admin who began an import sees it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "change.h"
#include "date.h"
#include "export.h"
#include "fields.h"
#include "goals.h"
#include "login.h"
#include "op.h"
#include "values.h"
#include "xmalloc.h"

#define IMPORTS_OPEN_MAX	8	/* begun within the hour, server-wide */

/* A growing JSON text. */
struct jbuf {
	char	*s;
	size_t	 len, cap;
};

static void
jb_add(struct jbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 1024;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
jb_cstr(struct jbuf *b, const char *s)
{
	jb_add(b, s, strlen(s));
}

/* A JSON string of n bytes of valid UTF-8 without NUL (checked before). */
static void
jb_str(struct jbuf *b, const char *s, size_t n)
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
check_col(struct mp_reader *r, const struct icol *c, struct jbuf *b,
    bool first)
{
	const char *s = NULL;
	int64_t i;
	double d;
	bool v, ok = true, got = false;
	char num[40], utc[TIME_TEXT_LEN];
	int req = c->required ? MP_REQUIRED : MP_OPTIONAL;
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
    const msgpack_object *o, struct jbuf *b)
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
		size_t before = b->len;

		if (!check_col(&r, &s->cols[c], b, first))
			break;
		first = first && b->len == before;
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

struct imp {
	char		 caller[24], role[16], id[24], n[24];
	const char	*set;
	struct jbuf	 json;
	/* import.begin */
	char		 name[48], start[16], end[16], state[16];
	/* import.commit */
	struct idem	 idem;
};

static void
imp_free(void *p)
{
	struct imp *x = p;

	free(x->json.s);
	free(x);
}

static struct imp *
imp_new(struct request *req)
{
	struct imp *x = xcalloc(1, sizeof *x);

	req->state = x;
	req->state_free = imp_free;
	caller_text(req, x->caller, x->role);
	return x;
}

/* Pack the one row of res with fs as the result; E_INTERNAL if not. */
static void
reply_row(struct request *req, const PGresult *res,
    const struct fieldset *fs)
{
	struct rowpack rp;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1 || !rowpack_init(&rp, fs, res)) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	rowpack_row(req_result(req), &rp, 0, 0);
	req_reply(req);
}

/* import.begin ------------------------------------------------------------ */

static void
on_begun(void *arg, const PGresult *res)
{
	reply_row(arg, res, &FS_IMPORT_BEGIN);
}

static void
on_begin_ctx(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct imp *x = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (row_int(res, 0, "open_imports") >= IMPORTS_OPEN_MAX) {
		req_fail(req, E_LIMIT, NULL, "%d imports are in progress: "
		    "commit or abort one, or wait an hour", IMPORTS_OPEN_MAX);
		return;
	}
	if (row_bool(res, 0, "found")) {
		const char *st = row_text(res, 0, "state");

		if (row_bool(res, 0, "has_objectives")) {
			req_fail_rule(req, "import.period", "period %s is not "
			    "empty", x->name);
			return;
		}
		if (strcmp(st, "draft") != 0 && strcmp(st, "active") != 0) {
			req_fail_rule(req, "import.period", "period %s is %s: "
			    "import into a draft or active period", x->name,
			    st);
			return;
		}
		if (strcmp(row_text(res, 0, "start_date"), x->start) != 0 ||
		    strcmp(row_text(res, 0, "end_date"), x->end) != 0) {
			req_fail_rule(req, "import.period", "period %s has "
			    "other dates than the export's", x->name);
			return;
		}
	}
	jb_cstr(&x->json, "{\"name\":");
	jb_str(&x->json, x->name, strlen(x->name));
	jb_cstr(&x->json, ",\"start_date\":");
	jb_str(&x->json, x->start, strlen(x->start));
	jb_cstr(&x->json, ",\"end_date\":");
	jb_str(&x->json, x->end, strlen(x->end));
	jb_cstr(&x->json, ",\"state\":");
	jb_str(&x->json, x->state, strlen(x->state));
	jb_cstr(&x->json, "}");
	const char *p[2] = { x->caller, x->json.s };
	req_db(req, ST_IMPORT_BEGIN, 2, p, on_begun);
}

void
op_import_begin(struct request *req)
{
	const msgpack_object *per = NULL;
	struct mp_reader r;
	const char *name = NULL, *start = NULL, *end = NULL, *state = NULL;
	struct imp *x;
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
	x = imp_new(req);
	snprintf(x->name, sizeof x->name, "%s", name);
	snprintf(x->start, sizeof x->start, "%s", start);
	snprintf(x->end, sizeof x->end, "%s", end);
	snprintf(x->state, sizeof x->state, "%s", state);
	mp_reader_free(&r);
	const char *p[1] = { x->name };
	req_db(req, ST_IMPORT_BEGIN_CTX, 1, p, on_begin_ctx);
}

/* import.rows ------------------------------------------------------------- */

static void
on_rows(void *arg, const PGresult *res)
{
	struct request *req = arg;

	if (db_ok(res) && PQntuples(res) == 1 &&
	    row_int(res, 0, "found") == 0) {
		req_fail(req, E_NOT_FOUND, "import", "no import %s of yours is "
		    "open", ((struct imp *)req->state)->id);
		return;
	}
	reply_row(req, res, &FS_IMPORT_ROWS);
}

void
op_import_rows(struct request *req)
{
	const msgpack_object *rows = NULL;
	const char *set = NULL;
	const struct xset *s;
	struct imp *x;
	int64_t id = 0;

	mp_get_int(&req->args, "import", MP_REQUIRED, 1, INT64_MAX, &id);
	mp_get_str(&req->args, "set", MP_REQUIRED, 1, 40, &set);
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
	x = imp_new(req);
	snprintf(x->id, sizeof x->id, "%lld", (long long)id);
	snprintf(x->n, sizeof x->n, "%u", rows->via.array.size);
	x->set = s->name;
	jb_add(&x->json, "[", 1);
	for (uint32_t i = 0; i < rows->via.array.size; i++) {
		if (i > 0)
			jb_add(&x->json, ",", 1);
		if (!check_row(req, s, i, &rows->via.array.ptr[i], &x->json))
			return;
	}
	jb_add(&x->json, "]", 1);
	const char *p[5] = { x->id, x->caller, x->set, x->json.s, x->n };
	req_db(req, ST_IMPORT_ROWS, 5, p, on_rows);
}

/* import.commit, import.abort --------------------------------------------- */

static void
on_committed(void *arg, const PGresult *res)
{
	/* A twin with the same key committed first: answered from it. */
	if (idem_write_failed(arg, res))
		return;
	reply_row(arg, res, &FS_IMPORT_COMMIT);
}

static void
on_missing(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct imp *x = req->state;
	const char *u, *t, *o;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (!row_bool(res, 0, "found")) {
		req_fail(req, E_NOT_FOUND, "import", "no import %s of yours is "
		    "open", x->id);
		return;
	}
	u = row_str(res, 0, "users");
	t = row_str(res, 0, "teams");
	o = row_str(res, 0, "parents");
	if (u != NULL || t != NULL || o != NULL) {
		/* All of them named: one round of fixes, not one per name
		 * (the message stays within a frame: logins and slugs are
		 * short, but there may be many). */
		req_fail_rule(req, "import.unknown", "%s%.1500s%s%s%.1500s%s"
		    "%s%.800s", u ? "unknown users: " : "", u ? u : "",
		    u && (t || o) ? "; " : "", t ? "unknown teams: " : "",
		    t ? t : "", t && o ? "; " : "",
		    o ? "unknown parent objectives: " : "", o ? o : "");
		return;
	}
	const char *p[4] = { x->id, x->caller, idem_key(&x->idem),
	    idem_hash(&x->idem) };
	req_db(req, ST_IMPORT_COMMIT, 4, p, on_committed);
}

static bool MUST_CHECK
read_id(struct request *req, struct imp **xp)
{
	int64_t id = 0;

	mp_get_int(&req->args, "import", MP_REQUIRED, 1, INT64_MAX, &id);
	if (!req_args_done(req))
		return false;
	*xp = imp_new(req);
	snprintf((*xp)->id, sizeof (*xp)->id, "%lld", (long long)id);
	return true;
}

static void
commit_fresh(struct request *req)
{
	struct imp *x = req->state;
	const char *p[2] = { x->id, x->caller };

	req_db(req, ST_IMPORT_MISSING, 2, p, on_missing);
}

/* A retry of a commit that committed: the counts it recorded (the import
 * itself is gone by then). */
static void
commit_replay(struct request *req, int64_t audit_id)
{
	reply_get(req, &FS_IMPORT_COMMIT, ST_IMPORT_REPLAY, audit_id,
	    "import");
}

void
op_import_commit(struct request *req)
{
	struct imp *x;
	struct idem idem;
	int64_t id = 0;

	mp_get_int(&req->args, "import", MP_REQUIRED, 1, INT64_MAX, &id);
	idem_read(req, &idem);
	if (!req_args_done(req))
		return;
	x = imp_new(req);
	snprintf(x->id, sizeof x->id, "%lld", (long long)id);
	x->idem = idem;
	idem_begin(req, &x->idem, commit_replay, commit_fresh);
}

static void
on_aborted(void *arg, const PGresult *res)
{
	struct request *req = arg;
	msgpack_packer *pk;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (row_int(res, 0, "found") == 0) {
		req_fail(req, E_NOT_FOUND, "import", "no import %s of yours is "
		    "open", ((struct imp *)req->state)->id);
		return;
	}
	pk = req_result(req);
	msgpack_pack_map(pk, 1);
	mp_kv_bool(pk, "aborted", true);
	req_reply(req);
}

void
op_import_abort(struct request *req)
{
	struct imp *x;

	if (!read_id(req, &x))
		return;
	const char *p[2] = { x->id, x->caller };
	req_db(req, ST_IMPORT_ABORT, 2, p, on_aborted);
}
