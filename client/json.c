/*
 * json.c: MessagePack to JSON.  Programs parse what this prints, so it
 * must be valid JSON whatever the server sends: see json.h.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "utf8.h"

/*
 * Characters that need no escape are written in runs, one fwrite each: a
 * write per character was a third of the client's work printing the
 * organisation's tree (callgrind).
 */
/* The run s[from, to), if any: an empty string may come with s NULL
 * (msgpack-c's), and NULL + 0 is undefined (found by fuzz_json). */
static void
put_run(FILE *f, const unsigned char *s, size_t from, size_t to)
{
	if (to > from)
		fwrite(s + from, 1, to - from, f);
}

void
json_print_str(FILE *f, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, len;
	uint32_t cp;

	putc('"', f);
	while (i < n) {
		if ((len = utf8_decode(s + i, n - i, &cp)) != 0 &&
		    cp != '"' && cp != '\\' && cp >= 0x20 &&
		    (cp < 0x7f || cp > 0x9f)) {
			i += len;
			continue;
		}
		put_run(f, s, run, i);
		if (len == 0) {
			fputs("\\ufffd", f);
			i++;
			run = i;
			continue;
		}
		switch (cp) {
		case '"':  fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			/* DEL and C1 too: JSON allows it, terminals need it. */
			fprintf(f, "\\u%04" PRIx32, cp);
			break;
		}
		i += len;
		run = i;
	}
	put_run(f, s, run, i);
	putc('"', f);
}

void
json_print_double(FILE *f, double d, int is_float32)
{
	char buf[40];
	int prec;

	/* JSON has no NaN or infinity. */
	if (!isfinite(d)) {
		fputs("null", f);
		return;
	}
	/* %.17g always round-trips but prints 0.1 as 0.10000000000000001. */
	for (prec = is_float32 ? 6 : 15; prec < 17; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, d);
		if (is_float32 ? (float)strtod(buf, NULL) == (float)d :
		    strtod(buf, NULL) == d)
			break;
	}
	if (prec == 17)
		snprintf(buf, sizeof buf, "%.17g", d);
	fputs(buf, f);
}

/*
 * JSON keys must be strings: a scalar key is rendered as its JSON text; a
 * container key as a placeholder.  (Rendering a container key as escaped
 * JSON doubles its backslashes at every level of keys within keys: a
 * 249-byte reply grew to gigabytes, found by fuzz_frame.)
 */
static void
json_print_key(FILE *f, const msgpack_object *k)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m;

	switch (k->type) {
	case MSGPACK_OBJECT_STR:
	case MSGPACK_OBJECT_BIN:
		json_print_str(f, k->via.str.ptr, k->via.str.size);
		return;
	case MSGPACK_OBJECT_ARRAY:
		fputs("\"(array)\"", f);
		return;
	case MSGPACK_OBJECT_MAP:
		fputs("\"(map)\"", f);
		return;
	default:
		break;
	}
	if ((m = open_memstream(&text, &len)) == NULL) {
		fputs("\"?\"", f);
		return;
	}
	json_print(m, k);
	fclose(m);
	json_print_str(f, text, len);
	free(text);
}

void
json_print(FILE *f, const msgpack_object *o)
{
	uint32_t i;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		fputs("null", f);
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		fputs(o->via.boolean ? "true" : "false", f);
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		fprintf(f, "%" PRIu64, o->via.u64);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		fprintf(f, "%" PRId64, o->via.i64);
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		json_print_double(f, o->via.f64,
		    o->type == MSGPACK_OBJECT_FLOAT32);
		break;
	case MSGPACK_OBJECT_STR:
		json_print_str(f, o->via.str.ptr, o->via.str.size);
		break;
	case MSGPACK_OBJECT_BIN:
		/* cairn never sends binary; show it rather than drop it. */
		json_print_str(f, o->via.bin.ptr, o->via.bin.size);
		break;
	case MSGPACK_OBJECT_ARRAY:
		putc('[', f);
		for (i = 0; i < o->via.array.size; i++) {
			if (i > 0)
				putc(',', f);
			json_print(f, &o->via.array.ptr[i]);
		}
		putc(']', f);
		break;
	case MSGPACK_OBJECT_MAP:
		putc('{', f);
		for (i = 0; i < o->via.map.size; i++) {
			if (i > 0)
				putc(',', f);
			json_print_key(f, &o->via.map.ptr[i].key);
			putc(':', f);
			json_print(f, &o->via.map.ptr[i].val);
		}
		putc('}', f);
		break;
	default:
		/* Extension types are refused by mp_check; be safe anyway. */
		fputs("null", f);
		break;
	}
}
