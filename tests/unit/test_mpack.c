/*
 * test_mpack.c: mp_check(), the validator that runs on untrusted bytes
 * before msgpack-c ever sees them, and mp_decode().
 *
 * The validator is what keeps a hostile client from making msgpack-c
 * allocate for a container that does not exist, recurse past its stack or
 * accept types cairn has no meaning for, so every refusal is pinned to its
 * exact status.  test_mpack_fuzz.c cross-checks it against msgpack-c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mpack.h"

static const struct mp_limits deflim = { DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_STRING };
/* No string limit: lets a lying length reach the truncation check. */
static const struct mp_limits nostrlim = { DEFAULT_MAX_DEPTH, SIZE_MAX };

/* mp_check on a string literal, without its terminating NUL. */
#define CHECK(s, lim) \
	mp_check((const unsigned char *)(s), sizeof(s) - 1, (lim))
/* The same, at most n elements. */
#define CHECK_N(s, n) mp_check_elements((const unsigned char *)(s), \
	sizeof(s) - 1, &deflim, (n))

/* A request as the client sends it. */
static void
pack_request(msgpack_sbuffer *sb, const char *op)
{
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	mp_kv_uint(&pk, WIRE_ID, 300);
	mp_kv_str(&pk, WIRE_OP, op);
	mp_pack_key(&pk, WIRE_ARGS);
	msgpack_pack_map(&pk, 6);
	mp_kv_str(&pk, "name", "caf\xc3\xa9 du coin");
	mp_kv_int(&pk, "n", -70000);
	mp_kv_double(&pk, "lat", 48.8566);
	mp_kv_bool(&pk, "open", true);
	mp_kv_nil(&pk, "note");
	mp_pack_key(&pk, "tags");
	msgpack_pack_array(&pk, 3);
	mp_pack_cstr(&pk, "a");
	msgpack_pack_bin(&pk, 2);
	msgpack_pack_bin_body(&pk, "\0\1", 2);
	msgpack_pack_float(&pk, 0.25f);
}

static void
test_valid_request(void **state)
{
	msgpack_sbuffer sb;
	struct mp_doc doc;
	const msgpack_object *a, *v;

	pack_request(&sb, "place.add");
	assert_int_equal(mp_check((unsigned char *)sb.data, sb.size,
	    &deflim), MP_OK);
	assert_int_equal(mp_decode(&doc, sb.data, sb.size, &deflim), MP_OK);
	assert_true(doc.live);
	assert_non_null(doc.root);
	assert_int_equal(doc.root->type, MSGPACK_OBJECT_MAP);
	assert_int_equal(doc.root->via.map.size, 3);
	v = mp_map_get(doc.root, WIRE_ID);
	assert_non_null(v);
	assert_int_equal(v->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	assert_int_equal(v->via.u64, 300);
	assert_true(mp_str_eq(mp_map_get(doc.root, WIRE_OP), "place.add"));
	/* Exact match only: a prefix or an extension is a different op. */
	assert_false(mp_str_eq(mp_map_get(doc.root, WIRE_OP), "place"));
	assert_false(mp_str_eq(mp_map_get(doc.root, WIRE_OP), "place.addx"));
	assert_null(mp_map_get(doc.root, "i"));
	assert_null(mp_map_get(doc.root, "idx"));
	a = mp_map_get(doc.root, WIRE_ARGS);
	assert_non_null(a);
	assert_int_equal(a->via.map.size, 6);
	v = mp_map_get(a, "n");
	assert_int_equal(v->type, MSGPACK_OBJECT_NEGATIVE_INTEGER);
	assert_int_equal(v->via.i64, -70000);
	v = mp_map_get(a, "tags");
	assert_int_equal(v->type, MSGPACK_OBJECT_ARRAY);
	assert_int_equal(v->via.array.ptr[1].type, MSGPACK_OBJECT_BIN);
	assert_int_equal(mp_map_get(a, "note")->type, MSGPACK_OBJECT_NIL);
	/* mp_map_get on something that is not a map finds nothing. */
	assert_null(mp_map_get(v, "a"));
	assert_null(mp_map_get(NULL, "a"));
	mp_doc_free(&doc);
	assert_false(doc.live);
	assert_null(doc.root);
	mp_doc_free(&doc);	/* twice is harmless */
	msgpack_sbuffer_destroy(&sb);
}

static void
test_truncations(void **state)
{
	msgpack_sbuffer sb;
	struct mp_doc doc;

	pack_request(&sb, "place.add");
	/*
	 * Every strict prefix of a valid encoding is incomplete, never
	 * malformed and never OK: a stream cut anywhere must be recognised.
	 */
	for (size_t k = 0; k < sb.size; k++) {
		assert_int_equal(mp_check((unsigned char *)sb.data, k,
		    &deflim), MP_TRUNCATED);
		assert_int_equal(mp_decode(&doc, sb.data, k, &deflim),
		    MP_TRUNCATED);
		assert_false(doc.live);
		assert_null(doc.root);
		mp_doc_free(&doc);
	}
	msgpack_sbuffer_destroy(&sb);
}

static void
test_trailing(void **state)
{
	msgpack_sbuffer sb;
	struct mp_doc doc;

	pack_request(&sb, "ping");
	msgpack_sbuffer_write(&sb, "\xc0", 1);
	assert_int_equal(mp_check((unsigned char *)sb.data, sb.size,
	    &deflim), MP_TRAILING);
	assert_int_equal(mp_decode(&doc, sb.data, sb.size, &deflim),
	    MP_TRAILING);
	assert_false(doc.live);
	msgpack_sbuffer_destroy(&sb);

	assert_int_equal(CHECK("\xc0\xc0", &deflim), MP_TRAILING);
	assert_int_equal(CHECK("\x80\x80", &deflim), MP_TRAILING);
	assert_int_equal(CHECK("\x91\x01\x02", &deflim), MP_TRAILING);
	/* A trailing NUL is a trailing byte too (0x00 is fixint 0). */
	assert_int_equal(CHECK("\xa1x\x00", &deflim), MP_TRAILING);
	/* Trailing garbage is reported as trailing, not as malformed. */
	assert_int_equal(CHECK("\x01\xc1", &deflim), MP_TRAILING);
}

static void
test_malformed(void **state)
{
	/* 0xc1 is "never used" in the spec, wherever it appears. */
	assert_int_equal(CHECK("\xc1", &deflim), MP_MALFORMED);
	assert_int_equal(CHECK("\x91\xc1", &deflim), MP_MALFORMED);
	assert_int_equal(CHECK("\x81\xa1k\xc1", &deflim), MP_MALFORMED);
	assert_int_equal(CHECK("\x81\xc1\x01", &deflim), MP_MALFORMED);

	/* Extension types have no meaning in cairn: refused, all of them. */
	assert_int_equal(CHECK("\xd4\x01\x00", &deflim), MP_MALFORMED);
	assert_int_equal(CHECK("\xd5\x01\x00\x00", &deflim), MP_MALFORMED);
	assert_int_equal(CHECK("\xd6\xff\x00\x00\x00\x00", &deflim),
	    MP_MALFORMED);
	assert_int_equal(CHECK("\xd7\x01" "12345678", &deflim), MP_MALFORMED);
	assert_int_equal(CHECK("\xd8\x01" "1234567812345678", &deflim),
	    MP_MALFORMED);
	assert_int_equal(CHECK("\xc7\x02\x01xy", &deflim), MP_MALFORMED);
	assert_int_equal(CHECK("\xc7\x00\x01", &deflim), MP_MALFORMED);
	assert_int_equal(CHECK("\xc8\x00\x02\x01xy", &deflim), MP_MALFORMED);
	assert_int_equal(CHECK("\xc9\x00\x00\x00\x02\x01xy", &deflim),
	    MP_MALFORMED);
	/* ... also nested, and also when cut short. */
	assert_int_equal(CHECK("\x92\x01\xd4\x01\x00", &deflim),
	    MP_MALFORMED);
	assert_int_equal(CHECK("\xd4", &deflim), MP_MALFORMED);
	assert_int_equal(CHECK("\xc9\xff", &deflim), MP_MALFORMED);

	/* The timestamp extension, as msgpack-c packs it. */
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_timestamp ts = { 1700000000, 0 };

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_timestamp(&pk, &ts);
	assert_int_equal(mp_check((unsigned char *)sb.data, sb.size,
	    &deflim), MP_MALFORMED);
	msgpack_sbuffer_destroy(&sb);
}

/*
 * depth nested containers around a fixint: [[[1]]] or {"k":{"k":1}}.
 * With empty set the innermost container is empty instead: [[[]]].
 */
static size_t
nested(unsigned char *b, size_t depth, bool map, bool empty)
{
	size_t n = 0;

	for (size_t i = 0; i < depth; i++) {
		if (empty && i == depth - 1) {
			b[n++] = map ? 0x80 : 0x90;
			return n;
		}
		if (map) {
			b[n++] = 0x81;
			b[n++] = 0xa1;
			b[n++] = 'k';
		} else
			b[n++] = 0x91;
	}
	b[n++] = 0x01;
	return n;
}

static void
test_depth(void **state)
{
	static const size_t depths[] = { 1, 2, 3, 16, 31, 32 };
	unsigned char b[4 * 40];
	struct mp_doc doc;
	size_t n;

	for (size_t i = 0; i < sizeof depths / sizeof depths[0]; i++) {
		struct mp_limits lim = { depths[i], 100 };

		for (int kind = 0; kind < 4; kind++) {
			bool map = kind & 1, empty = kind & 2;

			n = nested(b, depths[i], map, empty);
			assert_int_equal(mp_check(b, n, &lim), MP_OK);
			/* msgpack-c must agree up to the hard maximum. */
			assert_int_equal(mp_decode(&doc, (char *)b, n, &lim),
			    MP_OK);
			mp_doc_free(&doc);
			n = nested(b, depths[i] + 1, map, empty);
			assert_int_equal(mp_check(b, n, &lim), MP_TOO_DEEP);
		}
	}

	/* Depth 0: scalars only. */
	struct mp_limits zero = { 0, 100 };
	assert_int_equal(CHECK("\x01", &zero), MP_OK);
	assert_int_equal(CHECK("\xa1x", &zero), MP_OK);
	assert_int_equal(CHECK("\x90", &zero), MP_TOO_DEEP);
	assert_int_equal(CHECK("\x80", &zero), MP_TOO_DEEP);

	/* Above the hard maximum the limit is clamped, not obeyed. */
	struct mp_limits big = { 1000, 100 };
	n = nested(b, MP_DEPTH_HARD_MAX, false, false);
	assert_int_equal(mp_check(b, n, &big), MP_OK);
	assert_int_equal(mp_decode(&doc, (char *)b, n, &big), MP_OK);
	mp_doc_free(&doc);
	n = nested(b, MP_DEPTH_HARD_MAX + 1, false, false);
	assert_int_equal(mp_check(b, n, &big), MP_TOO_DEEP);
	n = nested(b, MP_DEPTH_HARD_MAX + 1, true, true);
	assert_int_equal(mp_check(b, n, &big), MP_TOO_DEEP);

	/* Depth is per path, not a count of containers: siblings are fine. */
	struct mp_limits two = { 2, 100 };
	assert_int_equal(CHECK("\x93\x91\x01\x90\x81\x01\x02", &two),
	    MP_OK);
	assert_int_equal(CHECK("\x93\x91\x01\x90\x81\x01\x91\x02", &two),
	    MP_TOO_DEEP);
	assert_int_equal(CHECK("\x92\x91\x01\x91\x91\x01", &two),
	    MP_TOO_DEEP);
	/* A container used as a map key counts like any other. */
	assert_int_equal(CHECK("\x81\x91\x01\x02", &two), MP_OK);
	assert_int_equal(CHECK("\x81\x91\x91\x01\x02", &two), MP_TOO_DEEP);
}

static void
test_very_deep(void **state)
{
	enum { N = 10000 };
	unsigned char *b = malloc(N + 1);
	struct mp_limits huge = { SIZE_MAX, SIZE_MAX };
	struct mp_doc doc;

	/* A recursive validator would blow its stack here. */
	assert_non_null(b);
	memset(b, 0x91, N);
	b[N] = 0x01;
	assert_int_equal(mp_check(b, N + 1, &deflim), MP_TOO_DEEP);
	assert_int_equal(mp_check(b, N, &deflim), MP_TOO_DEEP);
	assert_int_equal(mp_check(b, N + 1, &huge), MP_TOO_DEEP);
	assert_int_equal(mp_decode(&doc, (char *)b, N + 1, &huge),
	    MP_TOO_DEEP);
	assert_false(doc.live);
	memset(b, 0x81, N);	/* maps whose keys are maps */
	assert_int_equal(mp_check(b, N + 1, &huge), MP_TOO_DEEP);
	free(b);
}

static void
test_lying_counts(void **state)
{
	struct mp_doc doc;

	/*
	 * 2^32-1 elements announced, three bytes present: refused before
	 * msgpack-c would reserve 2^32 objects.  Under ASan a huge
	 * allocation would abort the test.
	 */
	assert_int_equal(CHECK("\xdd\xff\xff\xff\xff\x01\x02\x03", &deflim),
	    MP_TRUNCATED);
	assert_int_equal(CHECK("\xdf\xff\xff\xff\xff\x01\x02\x03", &deflim),
	    MP_TRUNCATED);
	assert_int_equal(CHECK("\xdd\xff\xff\xff\xff", &deflim),
	    MP_TRUNCATED);
	assert_int_equal(CHECK("\xdf\x7f\xff\xff\xff", &deflim),
	    MP_TRUNCATED);
	assert_int_equal(CHECK("\xdc\xff\xff\x01", &deflim), MP_TRUNCATED);
	assert_int_equal(CHECK("\xde\xff\xff\x01\x01", &deflim),
	    MP_TRUNCATED);
	assert_int_equal(mp_decode(&doc,
	    "\xdd\xff\xff\xff\xff\x01\x02\x03", 8, &deflim), MP_TRUNCATED);
	assert_false(doc.live);
	assert_int_equal(mp_decode(&doc,
	    "\xdf\xff\xff\xff\xff\x01\x02\x03", 8, &deflim), MP_TRUNCATED);
	assert_false(doc.live);
	/* A map of n pairs needs 2n elements, not n. */
	assert_int_equal(CHECK("\x82\x01\x02\x03", &deflim), MP_TRUNCATED);
	assert_int_equal(CHECK("\xdf\x00\x00\x00\x02\x01\x02\x03",
	    &deflim), MP_TRUNCATED);
	/*
	 * The lie is refused at the header, as mpack.h promises, before any
	 * element is looked at (else these would be MALFORMED).
	 */
	assert_int_equal(CHECK("\xdd\xff\xff\xff\xff\xc1", &deflim),
	    MP_TRUNCATED);
	assert_int_equal(CHECK("\x93\xc1\x01", &deflim), MP_TRUNCATED);
	assert_int_equal(CHECK("\x81\xc1", &deflim), MP_TRUNCATED);
	/* Header itself cut. */
	assert_int_equal(CHECK("\xdd\xff\xff", &deflim), MP_TRUNCATED);
	assert_int_equal(CHECK("\xde", &deflim), MP_TRUNCATED);
	/* Honest 16/32-bit forms are accepted. */
	assert_int_equal(CHECK("\xdc\x00\x02\x01\x02", &deflim), MP_OK);
	assert_int_equal(CHECK("\xdd\x00\x00\x00\x00", &deflim), MP_OK);
	assert_int_equal(CHECK("\xde\x00\x01\x01\x02", &deflim), MP_OK);
	assert_int_equal(CHECK("\xdf\x00\x00\x00\x01\xa1k\xc0", &deflim),
	    MP_OK);
}

static void
test_string_limit(void **state)
{
	struct mp_limits lim = { 4, 10 };
	char big[DEFAULT_MAX_STRING + 8];

	/* Exactly max_string, in every encoding (non-minimal ones too). */
	assert_int_equal(CHECK("\xaa" "0123456789", &lim), MP_OK);
	assert_int_equal(CHECK("\xd9\x0a" "0123456789", &lim), MP_OK);
	assert_int_equal(CHECK("\xda\x00\x0a" "0123456789", &lim), MP_OK);
	assert_int_equal(CHECK("\xdb\x00\x00\x00\x0a" "0123456789", &lim),
	    MP_OK);
	assert_int_equal(CHECK("\xc4\x0a" "0123456789", &lim), MP_OK);
	assert_int_equal(CHECK("\xc5\x00\x0a" "0123456789", &lim), MP_OK);
	assert_int_equal(CHECK("\xc6\x00\x00\x00\x0a" "0123456789", &lim),
	    MP_OK);
	/* One more byte, str or bin. */
	assert_int_equal(CHECK("\xab" "0123456789a", &lim), MP_STR_TOO_LONG);
	assert_int_equal(CHECK("\xd9\x0b" "0123456789a", &lim),
	    MP_STR_TOO_LONG);
	assert_int_equal(CHECK("\xda\x00\x0b" "0123456789a", &lim),
	    MP_STR_TOO_LONG);
	assert_int_equal(CHECK("\xdb\x00\x00\x00\x0b" "0123456789a", &lim),
	    MP_STR_TOO_LONG);
	assert_int_equal(CHECK("\xc4\x0b" "0123456789a", &lim),
	    MP_STR_TOO_LONG);
	assert_int_equal(CHECK("\xc5\x00\x0b" "0123456789a", &lim),
	    MP_STR_TOO_LONG);
	assert_int_equal(CHECK("\xc6\x00\x00\x00\x0b" "0123456789a", &lim),
	    MP_STR_TOO_LONG);
	/* As a map key and deep inside. */
	assert_int_equal(CHECK("\x81\xab" "0123456789a\x01", &lim),
	    MP_STR_TOO_LONG);
	assert_int_equal(CHECK("\x91\x91\x81\x01\xab" "0123456789a", &lim),
	    MP_STR_TOO_LONG);
	/* A huge announced string is refused for its size alone. */
	assert_int_equal(CHECK("\xdb\xff\xff\xff\xff", &deflim),
	    MP_STR_TOO_LONG);

	/* The default limit, packed by msgpack-c. */
	msgpack_sbuffer sb;
	msgpack_packer pk;

	memset(big, 'x', sizeof big);
	for (size_t extra = 0; extra < 2; extra++) {
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		mp_pack_strn(&pk, big, DEFAULT_MAX_STRING + extra);
		assert_int_equal(mp_check((unsigned char *)sb.data, sb.size,
		    &deflim), extra ? MP_STR_TOO_LONG : MP_OK);
		msgpack_sbuffer_destroy(&sb);
	}
}

static void
test_length_beyond_buffer(void **state)
{
	/* Lengths that run past the end: str8/16/32, bin8/16/32. */
	assert_int_equal(CHECK("\xa5" "ab", &nostrlim), MP_TRUNCATED);
	assert_int_equal(CHECK("\xd9\x05" "ab", &nostrlim), MP_TRUNCATED);
	assert_int_equal(CHECK("\xd9\xff", &nostrlim), MP_TRUNCATED);
	assert_int_equal(CHECK("\xda\x01\x00" "abcdef", &nostrlim),
	    MP_TRUNCATED);
	assert_int_equal(CHECK("\xda\xff\xff", &nostrlim), MP_TRUNCATED);
	assert_int_equal(CHECK("\xdb\xff\xff\xff\xff" "ab", &nostrlim),
	    MP_TRUNCATED);
	assert_int_equal(CHECK("\xdb\x00\x00\x00\x03" "ab", &nostrlim),
	    MP_TRUNCATED);
	assert_int_equal(CHECK("\xc4\x05" "ab", &nostrlim), MP_TRUNCATED);
	assert_int_equal(CHECK("\xc5\xff\xff" "ab", &nostrlim), MP_TRUNCATED);
	assert_int_equal(CHECK("\xc6\xff\xff\xff\xff", &nostrlim),
	    MP_TRUNCATED);
	assert_int_equal(CHECK("\xc6\x80\x00\x00\x00" "a", &nostrlim),
	    MP_TRUNCATED);
	/* With the default limits, within the limit but past the end. */
	assert_int_equal(CHECK("\xdb\x00\x00\x01\x00" "ab", &deflim),
	    MP_TRUNCATED);
	assert_int_equal(CHECK("\xc6\x00\x00\x00\x20" "ab", &deflim),
	    MP_TRUNCATED);
	/* The length field itself cut short. */
	assert_int_equal(CHECK("\xd9", &nostrlim), MP_TRUNCATED);
	assert_int_equal(CHECK("\xda\x00", &nostrlim), MP_TRUNCATED);
	assert_int_equal(CHECK("\xdb\x00\x00\x00", &nostrlim), MP_TRUNCATED);
	assert_int_equal(CHECK("\xc4", &nostrlim), MP_TRUNCATED);
	assert_int_equal(CHECK("\xc5\x00", &nostrlim), MP_TRUNCATED);
	assert_int_equal(CHECK("\xc6\x00\x00", &nostrlim), MP_TRUNCATED);
	/* A long string inside an array whose count is honest. */
	assert_int_equal(CHECK("\x92\x01\xd9\x09" "abc", &nostrlim),
	    MP_TRUNCATED);
}

struct scalar {
	const char		*b;
	size_t			 n;
	msgpack_object_type	 type;
	uint64_t		 u;	/* u64, or i64 bits, or boolean */
	double			 d;
};

#define S(str, t, u, d)	{ str, sizeof(str) - 1, t, (uint64_t)(u), d }

static const struct scalar scalars[] = {
	S("\xc0", MSGPACK_OBJECT_NIL, 0, 0),
	S("\xc2", MSGPACK_OBJECT_BOOLEAN, 0, 0),
	S("\xc3", MSGPACK_OBJECT_BOOLEAN, 1, 0),
	S("\x00", MSGPACK_OBJECT_POSITIVE_INTEGER, 0, 0),
	S("\x7f", MSGPACK_OBJECT_POSITIVE_INTEGER, 127, 0),
	S("\xff", MSGPACK_OBJECT_NEGATIVE_INTEGER, -1, 0),
	S("\xe0", MSGPACK_OBJECT_NEGATIVE_INTEGER, -32, 0),
	S("\xcc\xff", MSGPACK_OBJECT_POSITIVE_INTEGER, 255, 0),
	S("\xcd\xff\xfe", MSGPACK_OBJECT_POSITIVE_INTEGER, 65534, 0),
	S("\xce\xff\xff\xff\xff", MSGPACK_OBJECT_POSITIVE_INTEGER,
	    UINT32_MAX, 0),
	S("\xcf\xff\xff\xff\xff\xff\xff\xff\xff",
	    MSGPACK_OBJECT_POSITIVE_INTEGER, UINT64_MAX, 0),
	S("\xd0\x80", MSGPACK_OBJECT_NEGATIVE_INTEGER, -128, 0),
	S("\xd1\x80\x00", MSGPACK_OBJECT_NEGATIVE_INTEGER, -32768, 0),
	S("\xd2\x80\x00\x00\x00", MSGPACK_OBJECT_NEGATIVE_INTEGER,
	    INT32_MIN, 0),
	S("\xd3\x80\x00\x00\x00\x00\x00\x00\x00",
	    MSGPACK_OBJECT_NEGATIVE_INTEGER, INT64_MIN, 0),
	S("\xca\x3f\xc0\x00\x00", MSGPACK_OBJECT_FLOAT32, 0, 1.5),
	S("\xcb\xc0\x09\x21\xfb\x54\x44\x2d\x18", MSGPACK_OBJECT_FLOAT64, 0,
	    -3.141592653589793),
	S("\xa0", MSGPACK_OBJECT_STR, 0, 0),
	S("\xc4\x00", MSGPACK_OBJECT_BIN, 0, 0),
	S("\x90", MSGPACK_OBJECT_ARRAY, 0, 0),
	S("\x80", MSGPACK_OBJECT_MAP, 0, 0),
};

static void
test_scalars(void **state)
{
	struct mp_doc doc;

	for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
		const struct scalar *s = &scalars[i];
		const msgpack_object *o;

		assert_int_equal(mp_check((unsigned char *)s->b, s->n,
		    &deflim), MP_OK);
		assert_int_equal(mp_decode(&doc, s->b, s->n, &deflim), MP_OK);
		o = doc.root;
		assert_int_equal(o->type, s->type);
		switch (s->type) {
		case MSGPACK_OBJECT_BOOLEAN:
			assert_int_equal(o->via.boolean, s->u);
			break;
		case MSGPACK_OBJECT_POSITIVE_INTEGER:
			assert_true(o->via.u64 == s->u);
			break;
		case MSGPACK_OBJECT_NEGATIVE_INTEGER:
			assert_true(o->via.i64 == (int64_t)s->u);
			break;
		case MSGPACK_OBJECT_FLOAT32:
		case MSGPACK_OBJECT_FLOAT64:
			assert_true(o->via.f64 == s->d);
			break;
		default:
			break;
		}
		mp_doc_free(&doc);
		/* Any scalar missing its last byte is truncated. */
		if (s->n > 1)
			assert_int_equal(mp_check((unsigned char *)s->b,
			    s->n - 1, &deflim), MP_TRUNCATED);
		/* ... and followed by one more, trailing. */
		unsigned char t[16];
		memcpy(t, s->b, s->n);
		t[s->n] = 0xc0;
		assert_int_equal(mp_check(t, s->n + 1, &deflim),
		    MP_TRAILING);
	}
	assert_int_equal(mp_check(NULL, 0, &deflim), MP_TRUNCATED);
}

static void
test_decode_no_leak(void **state)
{
	msgpack_sbuffer sb;
	struct mp_doc doc;

	/* Run under ASan: LeakSanitizer fails the build-asan run on a leak. */
	pack_request(&sb, "place.add");
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(mp_decode(&doc, sb.data, sb.size, &deflim),
		    MP_OK);
		assert_true(doc.live);
		mp_doc_free(&doc);
		assert_int_equal(mp_decode(&doc, sb.data, sb.size - 1,
		    &deflim), MP_TRUNCATED);
		mp_doc_free(&doc);
	}
	msgpack_sbuffer_destroy(&sb);
}

/*
 * max_elements counts every object: the root, each array element, each map
 * key and each map value, at any depth.  msgpack-c spends 24 bytes on each,
 * so this is what bounds a decoded request.
 */
static void
test_element_limit(void **state)
{
	struct mp_doc doc;
	unsigned char *b;
	char *owned;

	assert_int_equal(CHECK_N("\x94\x01\x02\x03\x04", 5), MP_OK);
	assert_int_equal(CHECK_N("\x95\x01\x02\x03\x04\x05", 5),
	    MP_TOO_MANY);
	assert_int_equal(CHECK_N("\x82\xa1" "a\x01\xa1" "b\x02", 5),
	    MP_OK);
	assert_int_equal(CHECK_N("\x83\xa1" "a\x01\xa1" "b\x02\xa1" "c\x03",
	    5), MP_TOO_MANY);
	/* Nested: [[1], [2]] is 5, [[1, 2], [3]] is 6. */
	assert_int_equal(CHECK_N("\x92\x91\x01\x91\x02", 5), MP_OK);
	assert_int_equal(CHECK_N("\x92\x92\x01\x02\x91\x03", 5),
	    MP_TOO_MANY);
	assert_int_equal(CHECK_N("\xc0", 1), MP_OK);
	assert_int_equal(CHECK_N("\x90", 1), MP_OK);
	assert_int_equal(CHECK_N("\x91\xc0", 1), MP_TOO_MANY);
	/* mp_check and mp_decode have no element limit (the client reads
	 * the server's replies with them). */
	assert_int_equal(CHECK("\x95\x01\x02\x03\x04\x05", &deflim), MP_OK);

	/* A frame of nils: refused from the array header, before the walk;
	 * 0 means no limit. */
	b = malloc(5 + 100000);
	b[0] = 0xdd;
	b[1] = 0x00;
	b[2] = 0x01;
	b[3] = 0x86;
	b[4] = 0xa0;			/* 100000 */
	memset(b + 5, 0xc0, 100000);
	assert_int_equal(mp_check_elements(b, 5 + 100000, &deflim, 10),
	    MP_TOO_MANY);
	assert_int_equal(mp_check_elements(b, 5 + 100000, &deflim, 0), MP_OK);
	/* The lie is still a lie, whatever the limit. */
	assert_int_equal(mp_check_elements(b, 5 + 100, &deflim, 10),
	    MP_TRUNCATED);
	free(b);

	/* mp_decode_take owns the buffer it is given, decoded or not: under
	 * ASan a leak or a double free fails this test. */
	owned = malloc(2);
	memcpy(owned, "\x91\x07", 2);
	assert_int_equal(mp_decode_take(&doc, owned, 2, &deflim, 5), MP_OK);
	assert_int_equal(doc.root->via.array.ptr[0].via.u64, 7);
	mp_doc_free(&doc);
	owned = malloc(6);
	memcpy(owned, "\x95\x01\x02\x03\x04\x05", 6);
	assert_int_equal(mp_decode_take(&doc, owned, 6, &deflim, 5),
	    MP_TOO_MANY);
	assert_false(doc.live);
	mp_doc_free(&doc);
}

static void
test_status_str(void **state)
{
	/* Every status has its own message: they reach the client. */
	for (int i = MP_OK; i <= MP_TOO_MANY; i++) {
		assert_string_not_equal(mp_status_str(i), "?");
		for (int j = MP_OK; j < i; j++)
			assert_string_not_equal(mp_status_str(i),
			    mp_status_str(j));
	}
	assert_string_equal(mp_status_str(MP_OK), "ok");
	assert_string_equal(mp_status_str(MP_TOO_MANY + 1), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_request),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_very_deep),
		cmocka_unit_test(test_lying_counts),
		cmocka_unit_test(test_string_limit),
		cmocka_unit_test(test_length_beyond_buffer),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_decode_no_leak),
		cmocka_unit_test(test_element_limit),
		cmocka_unit_test(test_status_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
