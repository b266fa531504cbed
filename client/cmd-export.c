/*
 * cmd-export.c: cairn export --period NAME [--format json|csv]
 *     [--out FILE [--mode OCTAL]]
 *
 * The export arrives in parts (client_call_parts), set by set, and each
 * part's rows are written as they come: memory stays that of one part
 * whatever the size of the period.
 *
 * JSON: one document {"format": "cairn-export", "version": 1, "period":
 * {...}, "teams": [...], ...}, to FILE or stdout.  CSV: a directory FILE
 * (made; an existing one must be ours, empty and not a link) holding one
 * NAME.csv per set, header line first, each cell through csv_text
 * (docs/protocol.md, "Export as CSV"); CSV needs --out.  Every file is
 * written by file.c (a temporary file beside it, never through a link,
 * renamed once complete so a failed export leaves no half file), mode
 * 0600 unless --mode says otherwise.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "csv.h"
#include "file.h"
#include "json.h"

#define EXPORT_FORMAT	"cairn-export"
#define EXPORT_VERSION	1

struct xout {
	struct client	*c;
	bool		 csv;
	const char	*dir;
	FILE		*f;		/* JSON: the document; CSV: this set's */
	int		 dirfd;		/* CSV: the directory, else -1 */
	struct file_out	 fo;		/* CSV: this set's table */
	mode_t		 mode;		/* of the files (--mode) */
	char		 set[48];	/* the set being written, "" none */
	bool		 first_row;
	char		 seen[32][48];	/* sets written, for the empty ones */
	size_t		 nseen;
	unsigned long	 rows[32];
	bool		 failed;
};

static bool
safe_set_name(const char *s, size_t n)
{
	if (n == 0 || n >= 48)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return false;
	return true;
}

/* A CSV cell: nil empty, numbers as they are (never prefixed), text
 * through csv_text (quoted, its controls dropped, a formula neutralised);
 * a nested value is its JSON, as text. */
static void
csv_cell(FILE *f, const msgpack_object *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	switch (v->type) {
	case MSGPACK_OBJECT_NIL:
		return;
	case MSGPACK_OBJECT_BOOLEAN:
		fputs(v->via.boolean ? "true" : "false", f);
		return;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		fprintf(f, "%llu", (unsigned long long)v->via.u64);
		return;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		fprintf(f, "%lld", (long long)v->via.i64);
		return;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		json_print_double(f, v->via.f64,
		    v->type == MSGPACK_OBJECT_FLOAT32);
		return;
	case MSGPACK_OBJECT_STR:
		csv_text(f, v->via.str.ptr, v->via.str.size);
		return;
	default:
		if ((m = open_memstream(&buf, &len)) == NULL)
			return;
		json_print(m, v);
		fclose(m);
		csv_text(f, buf, len);
		free(buf);
	}
}

/* A header name: the server's column names are plain words; anything
 * else goes through csv_text like any cell. */
static void
csv_name(FILE *f, const msgpack_object *k)
{
	if (k->type != MSGPACK_OBJECT_STR)
		return;
	for (uint32_t i = 0; i < k->via.str.size; i++) {
		char ch = k->via.str.ptr[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '_')) {
			csv_text(f, k->via.str.ptr, k->via.str.size);
			return;
		}
	}
	fwrite(k->via.str.ptr, 1, k->via.str.size, f);
}

static void
csv_header_names(FILE *f, const msgpack_object *names)
{
	for (uint32_t i = 0; i < names->via.array.size; i++) {
		const msgpack_object *k = &names->via.array.ptr[i];

		if (i > 0)
			fputc(',', f);
		csv_name(f, k);
	}
	fputc('\n', f);
}

/* This set's NAME.csv, inside the directory (file.c: no link followed). */
static MUST_CHECK int
csv_open(struct xout *x, const char *set)
{
	char name[64], err[512];

	snprintf(name, sizeof name, "%s.csv", set);
	if (!file_open(&x->fo, x->dirfd, name, x->mode, err, sizeof err))
		return client_fail(x->c, CE_CLIENT, "%s/%s", x->dir, err);
	x->f = x->fo.f;
	return CX_OK;
}

/* Ends the set being written: a CSV table is committed (renamed into
 * place) only if everything went well (ok), else removed. */
static MUST_CHECK int
set_close(struct xout *x, bool ok)
{
	char err[512];

	if (x->set[0] == '\0')
		return CX_OK;
	if (!x->csv) {
		if (strcmp(x->set, "period") != 0)
			fputs("\n]", x->f);
		x->set[0] = '\0';
		return CX_OK;
	}
	x->set[0] = '\0';
	x->f = NULL;
	if (x->fo.f == NULL)
		return CX_OK;
	if (!ok) {
		file_abort(&x->fo);
		return CX_OK;
	}
	if (!file_commit(&x->fo, err, sizeof err))
		return client_fail(x->c, CE_CLIENT, "%s/%s", x->dir, err);
	return CX_OK;
}

static MUST_CHECK int
set_open(struct xout *x, const char *set)
{
	int rc;

	if ((rc = set_close(x, true)) != CX_OK)
		return rc;
	snprintf(x->set, sizeof x->set, "%s", set);
	if (x->nseen < 32)
		snprintf(x->seen[x->nseen++], 48, "%s", set);
	x->first_row = true;
	if (x->csv)
		return csv_open(x, set);
	fprintf(x->f, ",\n\"%s\": ", set);
	if (strcmp(set, "period") != 0)
		fputc('[', x->f);
	return CX_OK;
}

static MUST_CHECK int
on_part(void *arg, const char *set, size_t setlen, const msgpack_object *rows)
{
	struct xout *x = arg;
	char name[48];
	int rc;

	if (!safe_set_name(set, setlen) || rows->type != MSGPACK_OBJECT_ARRAY)
		return client_fail(x->c, CE_CLIENT, "the server sent a set "
		    "named %.*s: not one this client writes", (int)setlen, set);
	memcpy(name, set, setlen);
	name[setlen] = '\0';
	if (strcmp(name, x->set) != 0) {
		for (size_t i = 0; i < x->nseen; i++)
			if (strcmp(x->seen[i], name) == 0)
				return client_fail(x->c, CE_CLIENT, "set %s "
				    "sent twice", name);
		if ((rc = set_open(x, name)) != CX_OK)
			return rc;
	}
	for (uint32_t i = 0; i < rows->via.array.size; i++) {
		const msgpack_object *r = &rows->via.array.ptr[i];

		if (r->type != MSGPACK_OBJECT_MAP)
			return client_fail(x->c, CE_CLIENT, "set %s: a row is "
			    "not a map", name);
		x->rows[x->nseen - 1]++;
		if (x->csv) {
			if (x->first_row) {	/* the header, from its keys */
				for (uint32_t k = 0; k < r->via.map.size; k++) {
					const msgpack_object *key =
					    &r->via.map.ptr[k].key;

					if (k > 0)
						fputc(',', x->f);
					csv_name(x->f, key);
				}
				fputc('\n', x->f);
			}
			for (uint32_t k = 0; k < r->via.map.size; k++) {
				if (k > 0)
					fputc(',', x->f);
				csv_cell(x->f, &r->via.map.ptr[k].val);
			}
			fputc('\n', x->f);
		} else if (strcmp(name, "period") == 0) {
			if (!x->first_row)
				return client_fail(x->c, CE_CLIENT, "more than "
				    "one period");
			json_print(x->f, r);
		} else {
			fputs(x->first_row ? "\n" : ",\n", x->f);
			json_print(x->f, r);
		}
		x->first_row = false;
	}
	if (ferror(x->f))
		return client_fail(x->c, CE_CLIENT, "write: %s",
		    strerror(errno));
	return CX_OK;
}

static bool
seen(const struct xout *x, const char *s, size_t n)
{
	for (size_t i = 0; i < x->nseen; i++)
		if (strlen(x->seen[i]) == n && memcmp(x->seen[i], s, n) == 0)
			return true;
	return false;
}

/* The sets that had no rows, from the final result's "columns". */
static MUST_CHECK int
write_empty(struct xout *x, const msgpack_object *cols)
{
	char name[48];
	int rc;

	for (uint32_t i = 0; i < cols->via.map.size; i++) {
		const msgpack_object *k = &cols->via.map.ptr[i].key;
		const msgpack_object *v = &cols->via.map.ptr[i].val;

		if (k->type != MSGPACK_OBJECT_STR || v->type !=
		    MSGPACK_OBJECT_ARRAY || seen(x, k->via.str.ptr,
		    k->via.str.size))
			continue;
		if (!safe_set_name(k->via.str.ptr, k->via.str.size))
			continue;
		memcpy(name, k->via.str.ptr, k->via.str.size);
		name[k->via.str.size] = '\0';
		if (!x->csv && strcmp(name, "period") == 0)
			return client_fail(x->c, CE_CLIENT, "the export has "
			    "no period");
		if ((rc = set_open(x, name)) != CX_OK)
			return rc;
		if (x->csv)
			csv_header_names(x->f, v);
		if ((rc = set_close(x, true)) != CX_OK)
			return rc;
	}
	return CX_OK;
}

int
cmd_export(struct client *c, struct cmd_args *a)
{
	const char *fmt = args_get(a, "format"), *out = args_get(a, "out");
	const char *mode = args_get(a, "mode");
	const msgpack_object *res, *v, *cols;
	struct reqargs ra = { 0 };
	struct xout x = { .c = c, .dirfd = -1, .mode = FILE_MODE_DEFAULT,
	    .fo = { .dirfd = AT_FDCWD } };
	struct file_out doc = { .dirfd = AT_FDCWD };
	char err[512];
	int rc, rc2;

	if (fmt == NULL)
		fmt = "json";
	if (strcmp(fmt, "json") != 0 && strcmp(fmt, "csv") != 0)
		return usage_error(c->cmd, "--format is json or csv");
	if (mode != NULL && !file_mode_parse(mode, &x.mode))
		return usage_error(c->cmd, "--mode is octal permissions, "
		    "000 to 777 (e.g. 0640)");
	if (mode != NULL && out == NULL)
		return usage_error(c->cmd, "--mode needs --out");
	x.csv = strcmp(fmt, "csv") == 0;
	if (x.csv) {
		if (out == NULL)
			return usage_error(c->cmd, "CSV is a directory of "
			    "files: give --out DIR");
		if ((x.dirfd = file_dir_open(out, x.mode, err, sizeof err)) ==
		    -1)
			return client_fail(c, CE_CLIENT, "%s", err);
		x.dir = out;
	} else if (out != NULL) {
		if (!file_open(&doc, AT_FDCWD, out, x.mode, err, sizeof err))
			return client_fail(c, CE_CLIENT, "%s", err);
		x.f = doc.f;
	} else
		x.f = stdout;
	if (!x.csv)
		fprintf(x.f, "{\"format\": \"%s\", \"version\": %d",
		    EXPORT_FORMAT, EXPORT_VERSION);
	req_str(&ra, "period", args_get(a, "period"));
	rc = client_call_parts(c, "export", &ra, on_part, &x, &res);
	if (rc == CX_OK) {
		v = map_get_type(res, "version",
		    MSGPACK_OBJECT_POSITIVE_INTEGER);
		cols = map_get_type(res, "columns", MSGPACK_OBJECT_MAP);
		if (v == NULL || v->via.u64 != EXPORT_VERSION || cols == NULL)
			rc = client_fail(c, CE_CLIENT, "the server's export is "
			    "not version %d of %s", EXPORT_VERSION,
			    EXPORT_FORMAT);
		else
			rc = write_empty(&x, cols);
	}
	if ((rc2 = set_close(&x, rc == CX_OK)) != CX_OK && rc == CX_OK)
		rc = rc2;
	if (x.dirfd != -1)
		close(x.dirfd);
	if (!x.csv) {
		fputs("\n}\n", x.f);
		if (out == NULL) {
			if (fflush(x.f) != 0 && rc == CX_OK)
				rc = client_fail(c, CE_CLIENT, "write: %s",
				    strerror(errno));
		} else if (rc != CX_OK)
			file_abort(&doc);
		else if (!file_commit(&doc, err, sizeof err))
			rc = client_fail(c, CE_CLIENT, "%s", err);
	}
	if (rc != CX_OK || out == NULL)
		return rc;
	if (c->json) {
		printf("{\"out\":");
		json_print_str(stdout, out, strlen(out));
		printf(",\"format\":\"%s\",\"rows\":{", fmt);
		for (size_t i = 0; i < x.nseen; i++)
			printf("%s\"%s\":%lu", i ? "," : "", x.seen[i],
			    x.rows[i]);
		printf("}}\n");
	} else {
		printf("exported to ");
		out_text(stdout, out, strlen(out));
		putchar(':');
		for (size_t i = 0; i < x.nseen; i++)
			printf("%s %lu %s", i ? "," : "", x.rows[i], x.seen[i]);
		printf("\n");
	}
	return CX_OK;
}
