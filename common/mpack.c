/*
 * mpack.c: a validating walk over raw MessagePack, then typed access to the
 * decoded objects.  See mpack.h for why decoding is two steps.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "mpack.h"
#include "utf8.h"
#include "xmalloc.h"

static uint64_t
be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * Size of the item header at p (with avail bytes), how many payload bytes
 * follow it (str/bin/scalars) and how many child elements it opens.
 * Returns false if the type byte is invalid or not accepted.
 */
static bool MUST_CHECK
item_shape(const unsigned char *p, size_t avail, size_t *hdr, uint64_t *body,
    uint64_t *children, bool *is_container, bool *is_str)
{
	unsigned char t = p[0];
	int lenbytes = 0;

	*hdr = 1;
	*body = 0;
	*children = 0;
	*is_container = false;
	*is_str = false;
	if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3)
		return true;
	if (t >= 0x80 && t <= 0x8f) {
		*is_container = true;
		*children = 2 * (uint64_t)(t & 0x0f);
		return true;
	}
	if (t >= 0x90 && t <= 0x9f) {
		*is_container = true;
		*children = t & 0x0f;
		return true;
	}
	if (t >= 0xa0 && t <= 0xbf) {
		*is_str = true;
		*body = t & 0x1f;
		return true;
	}
	switch (t) {
	case 0xca: *body = 4; return true;
	case 0xcb: *body = 8; return true;
	case 0xcc: case 0xd0: *body = 1; return true;
	case 0xcd: case 0xd1: *body = 2; return true;
	case 0xce: case 0xd2: *body = 4; return true;
	case 0xcf: case 0xd3: *body = 8; return true;
	case 0xc4: case 0xd9: lenbytes = 1; *is_str = true; break;
	case 0xc5: case 0xda: lenbytes = 2; *is_str = true; break;
	case 0xc6: case 0xdb: lenbytes = 4; *is_str = true; break;
	case 0xdc: case 0xde: lenbytes = 2; *is_container = true; break;
	case 0xdd: case 0xdf: lenbytes = 4; *is_container = true; break;
	default:
		/* 0xc1 is never used; ext types have no meaning in cairn. */
		return false;
	}
	*hdr = 1 + lenbytes;
	if (avail < *hdr)
		return true;	/* caller sees truncation */
	uint64_t n = be(p + 1, lenbytes);
	if (*is_container)
		*children = (t == 0xde || t == 0xdf) ? 2 * n : n;
	else
		*body = n;
	return true;
}

enum mp_status
mp_check(const unsigned char *buf, size_t len, const struct mp_limits *lim)
{
	return mp_check_elements(buf, len, lim, 0);
}

enum mp_status
mp_check_elements(const unsigned char *buf, size_t len,
    const struct mp_limits *lim, size_t max_elements)
{
	uint64_t remaining[MP_DEPTH_HARD_MAX + 2];
	size_t max_depth = lim->max_depth;
	size_t pos = 0, sp = 0;
	uint64_t count = 0;	/* elements seen or announced */

	if (max_depth > MP_DEPTH_HARD_MAX)
		max_depth = MP_DEPTH_HARD_MAX;
	remaining[0] = 1;
	for (;;) {
		size_t hdr;
		uint64_t body, children;
		bool container, str;

		while (remaining[sp] == 0) {
			if (sp == 0)
				return pos == len ? MP_OK : MP_TRAILING;
			sp--;
		}
		remaining[sp]--;
		if (pos >= len)
			return MP_TRUNCATED;
		/* The root; every other element was counted when its
		 * container announced it. */
		if (sp == 0 && ++count > max_elements && max_elements != 0)
			return MP_TOO_MANY;
		if (!item_shape(buf + pos, len - pos, &hdr, &body, &children,
		    &container, &str))
			return MP_MALFORMED;
		if (len - pos < hdr)
			return MP_TRUNCATED;
		pos += hdr;
		if (str && body > lim->max_string)
			return MP_STR_TOO_LONG;
		if (body > len - pos)
			return MP_TRUNCATED;
		pos += body;
		if (!container)
			continue;
		if (sp + 1 > max_depth)
			return MP_TOO_DEEP;
		/* Every element takes at least one byte: refuse a lie. */
		if (children > len - pos)
			return MP_TRUNCATED;
		/* Refused before walking them, from the announcement. */
		count += children;
		if (max_elements != 0 && count > max_elements)
			return MP_TOO_MANY;
		if (children > 0)
			remaining[++sp] = children;
	}
}

const char *
mp_status_str(enum mp_status s)
{
	switch (s) {
	case MP_OK: return "ok";
	case MP_TRUNCATED: return "truncated MessagePack";
	case MP_MALFORMED: return "invalid MessagePack";
	case MP_TOO_DEEP: return "MessagePack nested too deeply";
	case MP_STR_TOO_LONG: return "string too long";
	case MP_TRAILING: return "bytes after the MessagePack value";
	case MP_NOMEM: return "out of memory decoding MessagePack";
	case MP_TOO_MANY: return "too many MessagePack elements";
	}
	return "?";
}

/* Let msgpack-c build the objects of bytes that mp_check() accepted. */
static enum mp_status
unpack(struct mp_doc *doc, char *bytes, size_t len)
{
	size_t off = 0;

	msgpack_unpacked_init(&doc->up);
	doc->live = true;
	doc->bytes = bytes;
	switch (msgpack_unpack_next(&doc->up, doc->bytes, len, &off)) {
	case MSGPACK_UNPACK_SUCCESS:
		break;
	case MSGPACK_UNPACK_NOMEM_ERROR:
		mp_doc_free(doc);
		return MP_NOMEM;
	default:
		/* mp_check accepted it, so this is msgpack-c disagreeing. */
		mp_doc_free(doc);
		return MP_MALFORMED;
	}
	doc->root = &doc->up.data;
	return MP_OK;
}

enum mp_status
mp_decode(struct mp_doc *doc, const char *buf, size_t len,
    const struct mp_limits *lim)
{
	enum mp_status st;
	char *copy;

	doc->live = false;
	doc->root = NULL;
	if ((st = mp_check((const unsigned char *)buf, len, lim)) != MP_OK)
		return st;
	copy = xmalloc(len > 0 ? len : 1);
	memcpy(copy, buf, len);
	return unpack(doc, copy, len);
}

enum mp_status
mp_decode_take(struct mp_doc *doc, char *buf, size_t len,
    const struct mp_limits *lim, size_t max_elements)
{
	enum mp_status st;

	doc->live = false;
	doc->root = NULL;
	if ((st = mp_check_elements((const unsigned char *)buf, len, lim,
	    max_elements)) != MP_OK) {
		free(buf);
		return st;
	}
	return unpack(doc, buf, len);
}

void
mp_doc_free(struct mp_doc *doc)
{
	if (doc->live) {
		msgpack_unpacked_destroy(&doc->up);
		free(doc->bytes);
	}
	doc->bytes = NULL;
	doc->live = false;
	doc->root = NULL;
}

/*
 * A str's bytes.  msgpack-c leaves ptr NULL for an empty string that comes
 * before any other (fuzz_args), and memcmp, memchr and strndup must not be
 * given NULL even for 0 bytes (UBSan stops cairnd on it).
 */
static const char *
str_bytes(const msgpack_object *o)
{
	return o->via.str.size > 0 ? o->via.str.ptr : "";
}

bool
mp_str_eq(const msgpack_object *o, const char *s)
{
	size_t n = strlen(s);

	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
	    memcmp(str_bytes(o), s, n) == 0;
}

bool
mp_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t i = 0, len;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((len = utf8_decode(p + i, n - i, &cp)) == 0)
			return false;
		i += len;
	}
	return true;
}

const msgpack_object *
mp_map_get(const msgpack_object *map, const char *key)
{
	if (map == NULL || map->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (uint32_t i = 0; i < map->via.map.size; i++)
		if (mp_str_eq(&map->via.map.ptr[i].key, key))
			return &map->via.map.ptr[i].val;
	return NULL;
}

/* The reader. */

void
mp_reader_fail(struct mp_reader *r, enum wire_err e, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	if (r->err != E_OK)
		return;		/* keep the first error */
	r->err = e;
	snprintf(r->field, sizeof r->field, "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof r->msg, fmt, ap);
	va_end(ap);
}

bool
mp_reader_init(struct mp_reader *r, const msgpack_object *map)
{
	memset(r, 0, sizeof *r);
	r->err = E_OK;
	if (map == NULL || map->type == MSGPACK_OBJECT_NIL)
		return true;
	if (map->type != MSGPACK_OBJECT_MAP) {
		mp_reader_fail(r, E_BAD_REQUEST, "args", "args must be a map");
		return false;
	}
	if (map->via.map.size > 64) {
		mp_reader_fail(r, E_BAD_REQUEST, "args",
		    "too many arguments");
		return false;
	}
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;

		if (k->type != MSGPACK_OBJECT_STR) {
			mp_reader_fail(r, E_BAD_REQUEST, "args",
			    "argument names must be strings");
			return false;
		}
		/* Else an unknown one would be reported as '' (fuzz_args). */
		if (memchr(str_bytes(k), '\0', k->via.str.size) != NULL) {
			mp_reader_fail(r, E_BAD_REQUEST, "args",
			    "argument names must not contain NUL bytes");
			return false;
		}
		for (uint32_t j = 0; j < i; j++) {
			const msgpack_object *o = &map->via.map.ptr[j].key;
			if (o->via.str.size == k->via.str.size &&
			    memcmp(str_bytes(o), str_bytes(k),
			    k->via.str.size) == 0) {
				mp_reader_fail(r, E_BAD_REQUEST, "args",
				    "argument '%.*s' given twice",
				    (int)k->via.str.size, k->via.str.ptr);
				return false;
			}
		}
	}
	r->map = map;
	return true;
}

void
mp_reader_free(struct mp_reader *r)
{
	for (size_t i = 0; i < r->narena; i++)
		free(r->arena[i]);
	free(r->arena);
	r->arena = NULL;
	r->narena = 0;
}

bool
mp_reader_ok(const struct mp_reader *r)
{
	return r->err == E_OK;
}

bool
mp_reader_end(struct mp_reader *r)
{
	if (r->err != E_OK)
		return false;
	if (r->map == NULL)
		return true;
	for (uint32_t i = 0; i < r->map->via.map.size; i++) {
		if (r->used & (UINT64_C(1) << i))
			continue;
		const msgpack_object *k = &r->map->via.map.ptr[i].key;
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)k->via.str.size,
		    k->via.str.ptr);
		mp_reader_fail(r, E_BAD_REQUEST, name,
		    "unknown argument '%s'", name);
		return false;
	}
	return true;
}

/*
 * Find key; mark it used.  Returns NULL if absent or nil (an error if
 * required), else the value.
 */
static const msgpack_object *
lookup(struct mp_reader *r, const char *key, int req)
{
	if (r->err != E_OK)
		return NULL;
	if (r->map != NULL) {
		for (uint32_t i = 0; i < r->map->via.map.size; i++) {
			if (!mp_str_eq(&r->map->via.map.ptr[i].key, key))
				continue;
			r->used |= UINT64_C(1) << i;
			const msgpack_object *v = &r->map->via.map.ptr[i].val;
			if (v->type != MSGPACK_OBJECT_NIL)
				return v;
			break;
		}
	}
	if (req == MP_REQUIRED)
		mp_reader_fail(r, E_BAD_REQUEST, key,
		    "missing argument '%s'", key);
	return NULL;
}

static char *
arena_keep(struct mp_reader *r, char *p)
{
	r->arena = xrealloc(r->arena, (r->narena + 1) * sizeof *r->arena);
	r->arena[r->narena++] = p;
	return p;
}

bool
mp_get_str(struct mp_reader *r, const char *key, int req, size_t minlen,
    size_t maxlen, const char **out)
{
	const msgpack_object *v = lookup(r, key, req);

	if (v == NULL)
		return false;
	if (v->type != MSGPACK_OBJECT_STR) {
		mp_reader_fail(r, E_BAD_REQUEST, key,
		    "argument '%s' must be a string", key);
		return false;
	}
	if (v->via.str.size < minlen || v->via.str.size > maxlen) {
		mp_reader_fail(r, v->via.str.size > maxlen ? E_LIMIT :
		    E_INVALID, key, "argument '%s' must be %zu to %zu bytes",
		    key, minlen, maxlen);
		return false;
	}
	/* libpq takes C strings: an embedded NUL would truncate silently. */
	if (memchr(str_bytes(v), '\0', v->via.str.size) != NULL) {
		mp_reader_fail(r, E_INVALID, key,
		    "argument '%s' contains a NUL byte", key);
		return false;
	}
	/* Text the database would refuse (or store as mojibake) is refused
	 * here, naming the argument. */
	if (!mp_utf8_valid(str_bytes(v), v->via.str.size)) {
		mp_reader_fail(r, E_INVALID, key,
		    "argument '%s' is not valid UTF-8", key);
		return false;
	}
	*out = arena_keep(r, xstrndup(str_bytes(v), v->via.str.size));
	return true;
}

bool
mp_get_int(struct mp_reader *r, const char *key, int req, int64_t min,
    int64_t max, int64_t *out)
{
	const msgpack_object *v = lookup(r, key, req);
	int64_t n;

	if (v == NULL)
		return false;
	if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		if (v->via.u64 > (uint64_t)INT64_MAX)
			goto range;
		n = (int64_t)v->via.u64;
	} else if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		n = v->via.i64;
	} else {
		mp_reader_fail(r, E_BAD_REQUEST, key,
		    "argument '%s' must be an integer", key);
		return false;
	}
	if (n < min || n > max)
		goto range;
	*out = n;
	return true;
range:
	mp_reader_fail(r, E_INVALID, key,
	    "argument '%s' must be between %lld and %lld", key,
	    (long long)min, (long long)max);
	return false;
}

bool
mp_get_bool(struct mp_reader *r, const char *key, int req, bool *out)
{
	const msgpack_object *v = lookup(r, key, req);

	if (v == NULL)
		return false;
	if (v->type != MSGPACK_OBJECT_BOOLEAN) {
		mp_reader_fail(r, E_BAD_REQUEST, key,
		    "argument '%s' must be a boolean", key);
		return false;
	}
	*out = v->via.boolean;
	return true;
}

bool
mp_get_double(struct mp_reader *r, const char *key, int req, double min,
    double max, double *out)
{
	const msgpack_object *v = lookup(r, key, req);
	double d;

	if (v == NULL)
		return false;
	switch (v->type) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER: d = (double)v->via.u64; break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: d = (double)v->via.i64; break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: d = v->via.f64; break;
	default:
		mp_reader_fail(r, E_BAD_REQUEST, key,
		    "argument '%s' must be a number", key);
		return false;
	}
	if (!(d >= min && d <= max)) {	/* also refuses NaN */
		mp_reader_fail(r, E_INVALID, key,
		    "argument '%s' must be between %g and %g", key, min, max);
		return false;
	}
	*out = d;
	return true;
}

bool
mp_get_map(struct mp_reader *r, const char *key, int req,
    const msgpack_object **out)
{
	const msgpack_object *v = lookup(r, key, req);

	if (v == NULL)
		return false;
	if (v->type != MSGPACK_OBJECT_MAP) {
		mp_reader_fail(r, E_BAD_REQUEST, key,
		    "argument '%s' must be a map", key);
		return false;
	}
	*out = v;
	return true;
}

bool
mp_get_array(struct mp_reader *r, const char *key, int req, size_t max,
    const msgpack_object **out)
{
	const msgpack_object *v = lookup(r, key, req);

	if (v == NULL)
		return false;
	if (v->type != MSGPACK_OBJECT_ARRAY) {
		mp_reader_fail(r, E_BAD_REQUEST, key,
		    "argument '%s' must be an array", key);
		return false;
	}
	if (v->via.array.size > max) {
		mp_reader_fail(r, E_LIMIT, key,
		    "argument '%s' has more than %zu elements", key, max);
		return false;
	}
	*out = v;
	return true;
}

/* Packing. */

void
mp_pack_strn(msgpack_packer *pk, const char *s, size_t n)
{
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

void
mp_pack_cstr(msgpack_packer *pk, const char *s)
{
	if (s == NULL)
		msgpack_pack_nil(pk);
	else
		mp_pack_strn(pk, s, strlen(s));
}

void
mp_pack_key(msgpack_packer *pk, const char *k)
{
	mp_pack_strn(pk, k, strlen(k));
}

void
mp_kv_str(msgpack_packer *pk, const char *k, const char *v)
{
	mp_pack_key(pk, k);
	mp_pack_cstr(pk, v);
}

void
mp_kv_strn(msgpack_packer *pk, const char *k, const char *v, size_t n)
{
	mp_pack_key(pk, k);
	mp_pack_strn(pk, v, n);
}

void
mp_kv_int(msgpack_packer *pk, const char *k, int64_t v)
{
	mp_pack_key(pk, k);
	msgpack_pack_int64(pk, v);
}

void
mp_kv_uint(msgpack_packer *pk, const char *k, uint64_t v)
{
	mp_pack_key(pk, k);
	msgpack_pack_uint64(pk, v);
}

void
mp_kv_bool(msgpack_packer *pk, const char *k, bool v)
{
	mp_pack_key(pk, k);
	if (v)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
}

void
mp_kv_double(msgpack_packer *pk, const char *k, double v)
{
	mp_pack_key(pk, k);
	msgpack_pack_double(pk, v);
}

void
mp_kv_nil(msgpack_packer *pk, const char *k)
{
	mp_pack_key(pk, k);
	msgpack_pack_nil(pk);
}
