/*
 * cmd-kpi.c: KPI list, show, record, import and history (kpi add is the
 * generic cmd_created, kpi edit and archive cmd_obj_change).  Health and
 * staleness are the server's; this file only draws them.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "wire.h"
#include "xmalloc.h"

#define KPI_BATCH	1000		/* readings per kpi.record (the server's
					 * limit) */
#define CSV_FIELDS	8
#define CSV_RECORD_MAX	65536		/* bytes of one CSV record */

/* Whether the terminal's character set is UTF-8, by the locale's name. */
static bool
utf8_locale(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };
	const char *v;
	char low[64];
	size_t n;

	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		if ((v = getenv(vars[i])) == NULL || *v == '\0')
			continue;
		for (n = 0; v[n] != '\0' && n + 1 < sizeof low; n++)
			low[n] = (char)tolower((unsigned char)v[n]);
		low[n] = '\0';
		return strstr(low, "utf-8") != NULL ||
		    strstr(low, "utf8") != NULL;
	}
	return false;
}

/*
 * The values of map[key] (oldest first) as a sparkline: eight levels
 * between their minimum and maximum, in block characters, or ASCII when
 * the locale is not UTF-8.  "-" for none.
 */
static void
out_sparkline(FILE *f, const msgpack_object *map, const char *key)
{
	static const char *const blocks[8] = { "\xe2\x96\x81", "\xe2\x96\x82",
	    "\xe2\x96\x83", "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
	    "\xe2\x96\x87", "\xe2\x96\x88" };
	static const char ascii[8] = { '_', '.', '-', '~', '=', '+', '*', '#' };
	const msgpack_object *v;
	double lo = 0, hi = 0, d;
	bool utf8 = utf8_locale(), any = false;
	int lvl;

	v = map_get_type(map, key, MSGPACK_OBJECT_ARRAY);
	if (v == NULL || v->via.array.size == 0) {
		putc('-', f);
		return;
	}
	for (uint32_t i = 0; i < v->via.array.size; i++) {
		if (!mp_num(&v->via.array.ptr[i], &d))
			continue;
		if (!any || d < lo)
			lo = d;
		if (!any || d > hi)
			hi = d;
		any = true;
	}
	for (uint32_t i = 0; i < v->via.array.size; i++) {
		if (!mp_num(&v->via.array.ptr[i], &d))
			lvl = 0;
		else if (hi > lo)
			lvl = (int)((d - lo) / (hi - lo) * 7 + 0.5);
		else
			lvl = 3;	/* flat: the middle */
		lvl = lvl < 0 ? 0 : lvl > 7 ? 7 : lvl;
		if (utf8)
			fputs(blocks[lvl], f);
		else
			putc(ascii[lvl], f);
	}
}

/* latest.value, "-" when there is no reading yet. */
static void
out_latest(FILE *f, const msgpack_object *map, const char *key)
{
	const msgpack_object *l = map_get_type(map, key, MSGPACK_OBJECT_MAP);

	if (l == NULL)
		putc('-', f);
	else
		out_field(f, l, "value");
}

/* "VALUE at TIME". */
static void
out_latest_at(FILE *f, const msgpack_object *map, const char *key)
{
	const msgpack_object *l = map_get_type(map, key, MSGPACK_OBJECT_MAP);

	if (l == NULL) {
		fputs("none", f);
		return;
	}
	out_field(f, l, "value");
	fputs(" at ", f);
	out_field(f, l, "at");
}

/* forecast.breach_in_days, "-" when the trend stays out of red. */
static void
out_red_in(FILE *f, const msgpack_object *map, const char *key)
{
	const msgpack_object *fc = map_get_type(map, key, MSGPACK_OBJECT_MAP);
	double d;

	if (fc == NULL || !map_get_num(fc, "breach_in_days", &d))
		putc('-', f);
	else
		fprintf(f, "%.0f", d);
}

/* "VALUE at TIME, red in D days (N readings, r2 R)", or "none". */
static void
out_forecast(FILE *f, const msgpack_object *map, const char *key)
{
	const msgpack_object *fc = map_get_type(map, key, MSGPACK_OBJECT_MAP);
	double v, d, n, r2;
	char num[512];	/* %.2f of the largest double fits */

	if (fc == NULL || !map_get_num(fc, "value", &v)) {
		fputs("none (fewer than 4 readings)", f);
		return;
	}
	/* A projection: two decimals are all it is good for. */
	snprintf(num, sizeof num, "%.2f", v);
	if (strchr(num, '.') != NULL) {
		char *e = num + strlen(num) - 1;
		while (*e == '0')
			*e-- = '\0';
		if (*e == '.')
			*e = '\0';
	}
	if (strcmp(num, "-0") == 0)
		strcpy(num, "0");
	fprintf(f, "%s at ", num);
	out_field(f, fc, "at");
	if (map_get_num(fc, "breach_in_days", &d))
		fprintf(f, ", red in %.0f day%s", d, d == 1 ? "" : "s");
	if (map_get_num(fc, "n", &n))
		fprintf(f, " (%.0f readings", n);
	if (map_get_num(fc, "r2", &r2))
		fprintf(f, ", r2 %.2f", r2);
	if (map_get_num(fc, "n", &n))
		putc(')', f);
}

int
cmd_kpi_list(struct client *c, struct cmd_args *a)
{
	static const struct column cols[] = {
		{ "ID", "id", NULL },
		{ "NAME", "name", NULL },
		{ "TEAM", "team", NULL },
		{ "LATEST", "latest", out_latest },
		{ "UNIT", "unit", NULL },
		{ "HEALTH", "health", NULL },
		{ "STALE", "stale", NULL },
		{ "RED IN", "forecast", out_red_in },
		{ "FEED", "feed", out_feed_short },
		{ "LAST 12", "recent", out_sparkline },
		{ NULL, NULL, NULL }
	};

	return cmd_fetch_table(c, a, cols);
}

static const struct column kpi_fields[] = {
	{ "id", "id", NULL },
	{ "name", "name", NULL },
	{ "team", "team", NULL },
	{ "unit", "unit", NULL },
	{ "direction", "direction", NULL },
	{ "green", "green", NULL },
	{ "amber", "amber", NULL },
	{ "green_high", "green_high", NULL },
	{ "amber_high", "amber_high", NULL },
	{ "frequency", "frequency", NULL },
	{ "owner", "owner", NULL },
	{ "breach_after", "breach_after", NULL },
	{ "latest", "latest", out_latest_at },
	{ "health", "health", NULL },
	{ "stale", "stale", NULL },
	{ "last 12", "recent", out_sparkline },
	{ "forecast", "forecast", out_forecast },
	{ "feed", "feed", out_feed },
	{ "archived", "archived", NULL },
	{ "version", "version", NULL },
	{ "description", "description", NULL },
	{ NULL, NULL, NULL }
};

int
cmd_kpi_show(struct client *c, struct cmd_args *a)
{
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	out_fields(kpi_fields, res);
	return CX_OK;
}

int
cmd_kpi_history(struct client *c, struct cmd_args *a)
{
	static const struct column cols[] = {
		{ "AT", "at", NULL },
		{ "VALUE", "value", NULL },
		{ "HEALTH", "health", NULL },
		{ "AUTHOR", "author", NULL },
		{ "VIA", "via", NULL },
		{ "NOTE", "note", NULL },
		{ NULL, NULL, NULL }
	};

	return cmd_fetch_table(c, a, cols);
}

/* Readings as kpi.record takes them. */

struct reading {
	int64_t		 kpi;
	char		*value;		/* checked number syntax */
	char		*at;		/* NULL: now */
	char		*note;		/* NULL: none */
	unsigned long	 line;		/* of the CSV, 0 for kpi record */
};

/* A decimal number (args.c's syntax, no hex, NaN or infinity) that a
 * double holds, finite. */
static bool
number_ok(const char *s)
{
	char *end;
	double d;

	if (!double_syntax(s))
		return false;
	errno = 0;
	d = strtod(s, &end);
	return errno == 0 && isfinite(d);
}

/* An integer written as one is sent as one (like the option parser). */
static void
pack_number(msgpack_packer *pk, const char *s)
{
	const char *p = s + (*s == '+' || *s == '-');
	long long v;

	if (strspn(p, "0123456789") == strlen(p)) {
		errno = 0;
		v = strtoll(s, NULL, 10);
		if (errno == 0) {
			msgpack_pack_int64(pk, v);
			return;
		}
	}
	msgpack_pack_double(pk, strtod(s, NULL));
}

static void
pack_reading(msgpack_packer *pk, const struct reading *r)
{
	msgpack_pack_map(pk, 2 + (r->at != NULL) + (r->note != NULL));
	mp_kv_int(pk, "kpi", r->kpi);
	mp_pack_key(pk, "value");
	pack_number(pk, r->value);
	if (r->at != NULL)
		mp_kv_str(pk, "at", r->at);
	if (r->note != NULL)
		mp_kv_str(pk, "note", r->note);
}

static void
reading_free(struct reading *r)
{
	free(r->value);
	free(r->at);
	free(r->note);
	memset(r, 0, sizeof *r);
}

/*
 * Send readings r[0..n) in one kpi.record with a fresh idempotency key
 * (sent again on a lost connection, retry.c).  The error, if any, is
 * kept.
 */
static MUST_CHECK int
send_readings(struct client *c, const struct reading *r, size_t n,
    const char *key, const msgpack_object **res)
{
	struct reqargs ra = { 0 };
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int rc;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, n);
	for (size_t i = 0; i < n; i++)
		pack_reading(&pk, &r[i]);
	req_raw(&ra, "readings", sb.data, sb.size);
	req_str(&ra, "idempotency_key", key);
	rc = client_try_idem(c, "kpi.record", &ra, res);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

/* kpi record ID VALUE [--at T] [--note N]: "ID: latest V, health H". */
int
cmd_kpi_record(struct client *c, struct cmd_args *a)
{
	struct reading r = { 0 };
	struct reqargs ra = { 0 };
	const msgpack_object *res;
	char key[33];
	const char *k;
	int rc;

	r.kpi = strtoll(a->argv[0], NULL, 10);
	r.value = a->argv[1];
	r.at = (char *)args_get(a, "at");
	r.note = (char *)args_get(a, "note");
	if ((k = args_get(a, "idempotency-key")) == NULL) {
		if ((rc = client_new_idem_key(c, key, sizeof key)) != CX_OK)
			return rc;
		k = key;
	}
	if ((rc = send_readings(c, &r, 1, k, &res)) != CX_OK) {
		client_report(c);
		return rc;
	}
	if (c->json)
		return out_json(res);
	/* What the reading did to the KPI. */
	req_int(&ra, "id", r.kpi);
	if ((rc = client_try(c, "kpi.get", &ra, &res)) != CX_OK) {
		/* An API token that may record but not read: the reading
		 * is in all the same. */
		if (c->api_token != NULL && client_failed_with(c,
		    "E_FORBIDDEN")) {
			printf("%lld: recorded\n", (long long)r.kpi);
			return CX_OK;
		}
		client_report(c);
		return rc;
	}
	out_field(stdout, res, "id");
	fputs(": latest ", stdout);
	out_latest_at(stdout, res, "latest");
	fputs(", health ", stdout);
	out_field(stdout, res, "health");
	putchar('\n');
	return CX_OK;
}

/* CSV: RFC 4180, with LF or CRLF line ends. */

struct csv {
	FILE		*f;
	unsigned long	 line;		/* the next physical line */
	unsigned long	 rec_line;	/* where the last record started */
	char		*buf;
	size_t		 len, cap;
	size_t		 start[CSV_FIELDS];
	int		 nf;
	char		 err[128];
};

static MUST_CHECK bool
csv_put(struct csv *v, char ch)
{
	if (v->len + 1 >= CSV_RECORD_MAX) {
		snprintf(v->err, sizeof v->err, "record longer than %d bytes",
		    CSV_RECORD_MAX);
		return false;
	}
	if (v->len + 1 >= v->cap) {
		v->cap = v->cap ? v->cap * 2 : 256;
		v->buf = xrealloc(v->buf, v->cap);
	}
	v->buf[v->len++] = ch;
	return true;
}

static MUST_CHECK bool
csv_next_field(struct csv *v)
{
	if (!csv_put(v, '\0'))
		return false;
	if (v->nf + 1 >= CSV_FIELDS) {
		snprintf(v->err, sizeof v->err, "more than %d fields",
		    CSV_FIELDS - 1);
		return false;
	}
	v->start[++v->nf] = v->len;
	return true;
}

/* One record: 1, 0 at the end, -1 with v->err. */
static MUST_CHECK int
csv_read(struct csv *v)
{
	bool inq = false, quoted = false;
	int ch;

	v->len = 0;
	v->nf = 0;
	v->start[0] = 0;
	v->rec_line = v->line;
	if ((ch = getc(v->f)) == EOF)
		return ferror(v->f) ? (snprintf(v->err, sizeof v->err,
		    "read error: %s", strerror(errno)), -1) : 0;
	for (;; ch = getc(v->f)) {
		if (inq) {
			if (ch == EOF) {
				snprintf(v->err, sizeof v->err, "a quoted "
				    "field is not closed");
				return -1;
			}
			if (ch == '"') {
				if ((ch = getc(v->f)) == '"') {
					if (!csv_put(v, '"'))
						return -1;
					continue;
				}
				inq = false;
				ungetc(ch, v->f);
				continue;
			}
			if (ch == '\n')
				v->line++;
			if (!csv_put(v, (char)ch))
				return -1;
			continue;
		}
		if (ch == '"' && !quoted && v->len == v->start[v->nf]) {
			inq = quoted = true;
			continue;
		}
		if (ch == ',') {
			if (!csv_next_field(v))
				return -1;
			quoted = false;
			continue;
		}
		if (ch == '\r') {
			int nx = getc(v->f);
			if (nx == '\n' || nx == EOF)
				ch = '\n';
			else
				ungetc(nx, v->f);
		}
		if (ch == '\n' || ch == EOF) {
			v->line++;
			if (!csv_put(v, '\0'))
				return -1;
			v->nf++;
			return 1;
		}
		if (!csv_put(v, (char)ch))
			return -1;
	}
}

static const char *
csv_field(const struct csv *v, int i)
{
	return i >= 0 && i < v->nf ? v->buf + v->start[i] : "";
}

static bool
csv_blank(const struct csv *v)
{
	return v->nf == 1 && v->buf[0] == '\0';
}

enum { COL_KPI, COL_VALUE, COL_AT, COL_NOTE, COL_N };

/* The header: which field holds what. */
static bool
csv_header(struct csv *v, int col[COL_N])
{
	static const char *const names[COL_N] = { "kpi", "value", "at",
	    "note" };
	char name[16];

	for (int k = 0; k < COL_N; k++)
		col[k] = -1;
	for (int i = 0; i < v->nf; i++) {
		const char *f = csv_field(v, i);
		size_t n;
		int k;

		if (i == 0 && strncmp(f, "\xef\xbb\xbf", 3) == 0)
			f += 3;		/* a spreadsheet's byte order mark */
		f += strspn(f, " \t");
		n = strcspn(f, " \t");
		snprintf(name, sizeof name, "%.*s", (int)(n < 15 ? n : 15), f);
		for (k = 0; k < COL_N; k++)
			if (strcasecmp(name, names[k]) == 0)
				break;
		if (k == COL_N || col[k] != -1 || n >= sizeof name) {
			snprintf(v->err, sizeof v->err, "the header is "
			    "kpi,value,at,note (at and note optional), not "
			    "'%.40s'", f);
			return false;
		}
		col[k] = i;
	}
	if (col[COL_KPI] < 0 || col[COL_VALUE] < 0) {
		snprintf(v->err, sizeof v->err, "the header names no %s column",
		    col[COL_KPI] < 0 ? "kpi" : "value");
		return false;
	}
	return true;
}

/* A record as a reading; false with v->err. */
static MUST_CHECK bool
csv_reading(struct csv *v, const int col[COL_N], int nhead, struct reading *r)
{
	const char *kpi = csv_field(v, col[COL_KPI]);
	const char *val = csv_field(v, col[COL_VALUE]);
	const char *at = csv_field(v, col[COL_AT]);
	const char *note = csv_field(v, col[COL_NOTE]);
	char *end;

	if (v->nf != nhead) {
		snprintf(v->err, sizeof v->err, "%d fields, the header has %d",
		    v->nf, nhead);
		return false;
	}
	errno = 0;
	r->kpi = strtoll(kpi, &end, 10);
	if (!isdigit((unsigned char)*kpi) || *end != '\0' || errno != 0 ||
	    r->kpi <= 0) {
		snprintf(v->err, sizeof v->err, "kpi: a KPI id is a positive "
		    "integer, not '%.40s'", kpi);
		return false;
	}
	if (!number_ok(val)) {
		snprintf(v->err, sizeof v->err, "value: a finite decimal "
		    "number, not '%.40s'", val);
		return false;
	}
	r->value = xstrdup(val);
	r->at = *at != '\0' ? xstrdup(at) : NULL;
	r->note = *note != '\0' ? xstrdup(note) : NULL;
	r->line = v->rec_line;
	return true;
}

/* The index i of the reading a server error names ("readings[i]..."). */
static long
error_index(const struct client *c)
{
	const msgpack_object *f;
	char buf[64];
	char *end;
	long i;

	if (c->err == NULL ||
	    (f = map_get_type(c->err, WIRE_FIELD, MSGPACK_OBJECT_STR)) == NULL)
		return -1;
	snprintf(buf, sizeof buf, "%.*s", (int)(f->via.str.size < 63 ?
	    f->via.str.size : 63), f->via.str.ptr);
	if (strncmp(buf, "readings[", 9) != 0)
		return -1;
	i = strtol(buf + 9, &end, 10);
	return *end == ']' ? i : -1;
}

/* A refusal of the request's size, not of its readings: try fewer. */
static bool
too_big(const struct client *c)
{
	const msgpack_object *m;
	char msg[200];

	if (!client_failed_with(c, "E_LIMIT") || error_index(c) >= 0)
		return false;
	if (c->err == NULL)
		return strstr(c->lmsg, "request too large") != NULL;
	m = map_get_type(c->err, WIRE_MESSAGE, MSGPACK_OBJECT_STR);
	if (m == NULL)
		return false;
	snprintf(msg, sizeof msg, "%.*s", (int)(m->via.str.size < 199 ?
	    m->via.str.size : 199), m->via.str.ptr);
	return strstr(msg, "elements") != NULL ||
	    strstr(msg, "too large") != NULL;
}

struct import {
	struct client	*c;
	struct reading	 pend[KPI_BATCH];
	size_t		 npend;
	size_t		 maxn;		/* readings per request: 1000, or
					 * fewer once the server said a
					 * request had too many elements */
	unsigned long	 recorded;
};

static void
import_done(struct import *im, unsigned long bad_line, unsigned long first,
    unsigned long last)
{
	if (im->c->json) {
		printf("{\"recorded\":%lu", im->recorded);
		if (bad_line != 0)
			printf(",\"line\":%lu,\"batch\":[%lu,%lu]", bad_line,
			    first, last);
		puts("}");
	} else if (bad_line == 0)
		printf("recorded %lu readings\n", im->recorded);
	else {
		fflush(stdout);
		fprintf(stderr, "cairn: recorded %lu readings; line %lu "
		    "refused, so nothing of lines %lu to %lu was recorded\n",
		    im->recorded, bad_line, first, last);
	}
}

/* Send the pending readings (all of them with drain, else whole
 * batches); CX_OK or the exit status, reported. */
static MUST_CHECK int
import_flush(struct import *im, bool drain)
{
	struct client *c = im->c;
	const msgpack_object *res, *n;
	char key[33];
	size_t k;
	long bad;
	int rc;

	while (im->npend > 0 && (drain || im->npend >= im->maxn)) {
		k = im->npend < im->maxn ? im->npend : im->maxn;
		if ((rc = client_new_idem_key(c, key, sizeof key)) != CX_OK)
			return rc;
		rc = send_readings(c, im->pend, k, key, &res);
		if (rc != CX_OK && too_big(c) && k > 1) {
			im->maxn = k / 2;	/* nothing of it was recorded */
			continue;
		}
		if (rc != CX_OK) {
			bad = error_index(c);
			import_done(im, bad >= 0 && (size_t)bad < k ?
			    im->pend[bad].line : im->pend[0].line,
			    im->pend[0].line, im->pend[k - 1].line);
			client_report(c);
			return rc;
		}
		n = map_get_type(res, "recorded",
		    MSGPACK_OBJECT_POSITIVE_INTEGER);
		im->recorded += n != NULL ? n->via.u64 : k;
		for (size_t i = 0; i < k; i++)
			reading_free(&im->pend[i]);
		memmove(im->pend, im->pend + k, (im->npend - k) *
		    sizeof im->pend[0]);
		memset(im->pend + im->npend - k, 0, k * sizeof im->pend[0]);
		im->npend -= k;
	}
	return CX_OK;
}

/* A readings map is at most this many bytes on top of its strings. */
#define READING_OVERHEAD	48

/*
 * kpi import FILE|-: CSV readings in batches of up to 1000 (fewer when
 * the server's frame would not hold them), each recorded all or nothing.
 * The first refused batch ends the import, naming its line.
 */
int
cmd_kpi_import(struct client *c, struct cmd_args *a)
{
	struct import *im;
	struct csv v = { 0 };
	const char *path = a->argv[0];
	int col[COL_N], nhead = 0, rc, got;
	size_t bytes = 0, frame;
	bool header = false;

	if (strcmp(path, "-") == 0)
		v.f = stdin;
	else if ((v.f = fopen(path, "r")) == NULL)
		return client_fail(c, CE_CLIENT, "%s: %s", path,
		    strerror(errno));
	v.line = 1;
	if ((rc = client_open(c)) != CX_OK) {
		if (v.f != stdin)
			fclose(v.f);
		return rc;
	}
	im = xcalloc(1, sizeof *im);
	im->c = c;
	im->maxn = KPI_BATCH;
	frame = c->max_frame > 256 ? c->max_frame - 256 : 256;
	while ((got = csv_read(&v)) == 1 || got == -1) {
		if (got == -1)
			goto bad_line;
		if (csv_blank(&v))
			continue;
		if (!header) {
			if (!csv_header(&v, col))
				goto bad_line;
			header = true;
			nhead = v.nf;
			continue;
		}
		/* A batch also stays within the server's frame. */
		if (im->npend > 0 && bytes + v.len + READING_OVERHEAD > frame &&
		    (rc = import_flush(im, true)) != CX_OK)
			goto out;
		if ((rc = import_flush(im, false)) != CX_OK)
			goto out;
		if (im->npend == 0)
			bytes = 0;
		if (!csv_reading(&v, col, nhead, &im->pend[im->npend]))
			goto bad_line;
		im->npend++;
		bytes += v.len + READING_OVERHEAD;
	}
	if (!header) {
		snprintf(v.err, sizeof v.err, "no header line "
		    "(kpi,value,at,note)");
		v.rec_line = v.line;
		goto bad_line;
	}
	rc = import_flush(im, true);
	if (rc == CX_OK)
		import_done(im, 0, 0, 0);
	goto out;
bad_line:
	import_done(im, v.rec_line, im->npend ? im->pend[0].line : v.rec_line,
	    v.rec_line);
	rc = client_fail(c, "E_INVALID", "line %lu: %s", v.rec_line, v.err);
out:
	for (size_t i = 0; i < im->npend; i++)
		reading_free(&im->pend[i]);
	free(im);
	free(v.buf);
	if (v.f != stdin)
		fclose(v.f);
	return rc;
}
