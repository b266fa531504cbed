/*
 * output.c: human-readable output.  Everything shown comes from the
 * server, so text goes through out_text(), which keeps valid UTF-8 and
 * replaces control characters and invalid bytes with '?': a user name must
 * not be able to move the cursor or retitle the terminal.  Invisible and
 * bidirectional format characters are shown as "<U+202E>": a title must
 * not read differently from what it is (--json keeps them as they are).
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "json.h"
#include "xmalloc.h"

/* The value of key in map if it has type t, else NULL. */
const msgpack_object *
map_get_type(const msgpack_object *map, const char *key,
    msgpack_object_type t)
{
	const msgpack_object *v = mp_map_get(map, key);

	return v != NULL && v->type == t ? v : NULL;
}

/* A number of a map as a double; false when absent or not a number. */
bool
map_get_num(const msgpack_object *map, const char *key, double *d)
{
	const msgpack_object *o = mp_map_get(map, key);

	if (o == NULL)
		return false;
	switch (o->type) {
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		*d = o->via.f64;
		return true;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		*d = (double)o->via.u64;
		return true;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		*d = (double)o->via.i64;
		return true;
	default:
		return false;
	}
}

int
out_json(const msgpack_object *o)
{
	json_print(stdout, o);
	putchar('\n');
	return CX_OK;
}

/*
 * Characters a terminal draws as nothing, or that reorder what follows:
 * bidirectional embeddings, overrides and isolates, zero-width spaces and
 * joiners, the direction marks, line and paragraph separators, invisible
 * operators, the byte order mark, interlinear annotation and tags.
 */
bool
out_is_format_char(uint32_t cp)
{
	return cp == 0x00ad || cp == 0x061c || cp == 0x180e ||
	    (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
	    (cp >= 0xfff9 && cp <= 0xfffb) ||
	    (cp >= 0xe0000 && cp <= 0xe007f);
}

void
out_text(FILE *f, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		len = utf8_decode(s + i, n - i, &cp);
		if (len == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			putc('?', f);
			i += len ? len : 1;
			continue;
		}
		if (out_is_format_char(cp)) {
			fprintf(f, "<U+%04" PRIX32 ">", cp);
			i += len;
			continue;
		}
		fwrite(s + i, 1, len, f);
		i += len;
	}
}

/* A value as people read it; containers as JSON (which is escaped). */
void
out_value(FILE *f, const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		putc('-', f);
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		fputs(o->via.boolean ? "yes" : "no", f);
		break;
	case MSGPACK_OBJECT_STR:
		out_text(f, o->via.str.ptr, o->via.str.size);
		break;
	case MSGPACK_OBJECT_BIN:
		out_text(f, o->via.bin.ptr, o->via.bin.size);
		break;
	default:
		json_print(f, o);
		break;
	}
}

/* A map's field as text; "-" when the server left it out. */
void
out_field(FILE *f, const msgpack_object *map, const char *key)
{
	const msgpack_object *v = mp_map_get(map, key);

	if (v == NULL)
		putc('-', f);
	else
		out_value(f, v);
}

static void
out_column(FILE *f, const struct column *col, const msgpack_object *row)
{
	(col->fmt != NULL ? col->fmt : out_field)(f, row, col->key);
}

/* A fraction (progress 0..1) as a percentage: "42.5%". */
void
out_percent(FILE *f, const msgpack_object *map, const char *key)
{
	const msgpack_object *v = mp_map_get(map, key);

	switch (v != NULL ? v->type : MSGPACK_OBJECT_NIL) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		fprintf(f, "%.1f%%", v->via.u64 * 100.0);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		fprintf(f, "%.1f%%", v->via.i64 * 100.0);
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		if (isfinite(v->via.f64)) {
			fprintf(f, "%.1f%%", v->via.f64 * 100.0);
			break;
		}
		/* FALLTHROUGH */
	default:
		out_field(f, map, key);
		break;
	}
}

/* An array of strings as "a, b, c"; "-" when empty or left out. */
void
out_list(FILE *f, const msgpack_object *map, const char *key)
{
	const msgpack_object *v = mp_map_get(map, key);

	if (v == NULL || v->type != MSGPACK_OBJECT_ARRAY) {
		out_field(f, map, key);
		return;
	}
	if (v->via.array.size == 0)
		putc('-', f);
	for (uint32_t i = 0; i < v->via.array.size; i++) {
		if (i > 0)
			fputs(", ", f);
		out_value(f, &v->via.array.ptr[i]);
	}
}

/* A titled table of map[key], after a blank line; nothing if empty. */
void
out_section(const char *title, const struct column *cols,
    const msgpack_object *map, const char *key)
{
	const msgpack_object *rows;

	rows = map_get_type(map, key, MSGPACK_OBJECT_ARRAY);
	if (rows == NULL || rows->via.array.size == 0)
		return;
	printf("\n%s\n", title);
	out_table(cols, rows);
}

/* "ID: title value" (or "ID: value" if col has no title), from map. */
void
out_id_says(const msgpack_object *map, const char *idkey,
    const struct column *col)
{
	out_field(stdout, map, idkey);
	fputs(": ", stdout);
	if (col->title != NULL)
		printf("%s ", col->title);
	out_column(stdout, col, map);
	putchar('\n');
}

/* "key: value" lines, in the server's order. */
void
out_kv(const msgpack_object *map)
{
	const msgpack_object_kv *kv;

	if (map->type != MSGPACK_OBJECT_MAP) {
		out_value(stdout, map);
		putchar('\n');
		return;
	}
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		kv = &map->via.map.ptr[i];
		out_value(stdout, &kv->key);
		fputs(": ", stdout);
		out_value(stdout, &kv->val);
		putchar('\n');
	}
}

/* Columns in characters, not bytes: out_text output is valid UTF-8. */
static size_t
text_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static MUST_CHECK char *
cell_text(const msgpack_object *row, const struct column *col)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m;

	if ((m = open_memstream(&text, &len)) == NULL)
		return xstrdup("?");
	out_column(m, col, row);
	fclose(m);
	return text;
}

/*
 * A table of the maps in array, one row each, with a heading.  Columns
 * are two spaces apart; the last is not padded, so lines carry no
 * trailing blanks.
 */
void
out_table(const struct column *cols, const msgpack_object *array)
{
	size_t ncols, nrows, r, k, last, *width;
	char **cells;

	if (array->type != MSGPACK_OBJECT_ARRAY) {
		out_value(stdout, array);
		putchar('\n');
		return;
	}
	for (ncols = 0; cols[ncols].title != NULL; ncols++)
		;
	nrows = array->via.array.size;
	width = xcalloc(ncols, sizeof *width);
	cells = xcalloc((nrows + 1) * ncols, sizeof *cells);
	for (k = 0; k < ncols; k++) {
		cells[k] = xstrdup(cols[k].title);
		width[k] = text_width(cells[k]);
	}
	for (r = 0; r < nrows; r++) {
		for (k = 0; k < ncols; k++) {
			char *t = cell_text(&array->via.array.ptr[r],
			    &cols[k]);
			size_t w = text_width(t);

			cells[(r + 1) * ncols + k] = t;
			if (w > width[k])
				width[k] = w;
		}
	}
	for (r = 0; r < nrows + 1; r++) {
		/* Pad up to the last cell that is not empty. */
		for (last = ncols; last > 1 &&
		    cells[r * ncols + last - 1][0] == '\0'; last--)
			;
		for (k = 0; k < last; k++) {
			const char *t = cells[r * ncols + k];

			fputs(t, stdout);
			if (k + 1 < last)
				printf("%*s", (int)(width[k] - text_width(t) +
				    2), "");
		}
		putchar('\n');
	}
	for (r = 0; r < (nrows + 1) * ncols; r++)
		free(cells[r]);
	free(cells);
	free(width);
}

/* "title: value" lines, one per column, in the columns' order. */
void
out_fields(const struct column *cols, const msgpack_object *map)
{
	char *t;

	for (; cols->title != NULL; cols++) {
		t = cell_text(map, cols);
		printf("%s:%s%s\n", cols->title, t[0] != '\0' ? " " : "", t);
		free(t);
	}
}

bool
mp_num(const msgpack_object *v, double *d)
{
	if (v == NULL)
		return false;
	switch (v->type) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		*d = (double)v->via.u64;
		return true;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		*d = (double)v->via.i64;
		return true;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		*d = v->via.f64;
		return isfinite(*d);
	default:
		return false;
	}
}
