/*
 * test_args.c: the mp_reader, through which every handler reads its
 * arguments.  The reader is where type, range, length, NUL bytes, unknown
 * and duplicate keys are refused, and the error code it picks is what the
 * client sees, so each refusal is pinned to its code and field.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mpack.h"

static const struct mp_limits lim = { DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_STRING };

/* One argument map: packed, decoded, and a reader over it. */
struct args {
	msgpack_sbuffer	sb;
	msgpack_packer	pk;
	struct mp_doc	doc;
	struct mp_reader r;
};

static msgpack_packer *
args_begin(struct args *a, uint32_t n)
{
	msgpack_sbuffer_init(&a->sb);
	msgpack_packer_init(&a->pk, &a->sb, msgpack_sbuffer_write);
	msgpack_pack_map(&a->pk, n);
	return &a->pk;
}

/* Decode what was packed (must be valid) and start a reader over it. */
static bool
args_init(struct args *a)
{
	assert_int_equal(mp_decode(&a->doc, a->sb.data, a->sb.size, &lim),
	    MP_OK);
	return mp_reader_init(&a->r, a->doc.root);
}

static void
args_free(struct args *a)
{
	mp_reader_free(&a->r);
	mp_doc_free(&a->doc);
	msgpack_sbuffer_destroy(&a->sb);
}

/* n arguments "k0".."k<n-1>", each the int i or (str) its own name. */
static void
args_numbered(struct args *a, int n, bool str)
{
	char key[16];
	msgpack_packer *pk = args_begin(a, n);

	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof key, "k%d", i);
		if (str)
			mp_kv_str(pk, key, key);
		else
			mp_kv_int(pk, key, i);
	}
}

/* The reader failed with this code, naming this field in field and msg. */
static void
assert_err(const struct mp_reader *r, enum wire_err e, const char *field)
{
	assert_false(mp_reader_ok(r));
	assert_string_equal(wire_err_name(r->err), wire_err_name(e));
	assert_string_equal(r->field, field);
	if (strcmp(field, "args") != 0 && strstr(r->msg, field) == NULL)
		fail_msg("message '%s' does not name '%s'", r->msg, field);
}

static void
test_str(void **state)
{
	struct args a;
	const char *s = NULL;
	msgpack_packer *pk = args_begin(&a, 2);

	mp_kv_str(pk, "name", "bob");
	mp_kv_str(pk, "empty", "");
	assert_true(args_init(&a));
	assert_true(mp_get_str(&a.r, "name", MP_REQUIRED, 1, 3, &s));
	assert_string_equal(s, "bob");
	/* A copy, NUL-terminated, not a pointer into the frame. */
	assert_true(s < a.sb.data || s >= a.sb.data + a.sb.size);
	assert_true(mp_get_str(&a.r, "empty", MP_REQUIRED, 0, 3, &s));
	assert_string_equal(s, "");
	assert_true(mp_reader_ok(&a.r));
	assert_true(mp_reader_end(&a.r));
	/* Strings outlive the frame: the server frees the frame first. */
	mp_doc_free(&a.doc);
	msgpack_sbuffer_destroy(&a.sb);
	msgpack_sbuffer_init(&a.sb);
	assert_string_equal(s, "");
	args_free(&a);
}

static void
test_str_missing(void **state)
{
	struct args a;
	const char *s = "untouched";

	args_begin(&a, 0);
	assert_true(args_init(&a));
	/* Optional and absent: false, but no error and *out left alone. */
	assert_false(mp_get_str(&a.r, "nick", MP_OPTIONAL, 0, 10, &s));
	assert_true(mp_reader_ok(&a.r));
	assert_string_equal(s, "untouched");
	assert_false(mp_get_str(&a.r, "name", MP_REQUIRED, 0, 10, &s));
	assert_err(&a.r, E_BAD_REQUEST, "name");
	assert_string_equal(s, "untouched");
	assert_false(mp_reader_end(&a.r));
	args_free(&a);
}

static void
test_str_refused(void **state)
{
	static const struct {
		const char	*val;	/* NULL: the integer 5 */
		size_t		 len;	/* 99: val as bin, not str */
		size_t		 min, max;
		enum wire_err	 want;
	} cases[] = {
		{ NULL, 0, 0, 10, E_BAD_REQUEST },	/* wrong type */
		{ "abcd", 4, 0, 3, E_LIMIT },		/* too long */
		{ "abc", 3, 0, 3, E_OK },		/* exactly max */
		{ "a", 1, 2, 10, E_INVALID },		/* too short */
		{ "ab", 2, 2, 10, E_OK },		/* exactly min */
		{ "", 0, 1, 10, E_INVALID },		/* empty */
		{ "\xc3\xa9", 2, 0, 1, E_LIMIT },	/* bytes, not chars */
		{ "a\0b", 3, 0, 10, E_INVALID },	/* embedded NUL */
		{ "ab\0", 3, 0, 10, E_INVALID },	/* trailing NUL */
		{ "\0", 1, 0, 10, E_INVALID },
		{ "abc", 99, 0, 10, E_BAD_REQUEST },	/* bin is not str */
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct args a;
		const char *s = NULL;
		msgpack_packer *pk = args_begin(&a, 1);

		if (cases[i].val == NULL)
			mp_kv_int(pk, "v", 5);
		else if (cases[i].len == 99) {
			mp_pack_key(pk, "v");
			msgpack_pack_bin(pk, 3);
			msgpack_pack_bin_body(pk, cases[i].val, 3);
		} else
			mp_kv_strn(pk, "v", cases[i].val, cases[i].len);
		assert_true(args_init(&a));
		bool got = mp_get_str(&a.r, "v", MP_REQUIRED, cases[i].min,
		    cases[i].max, &s);
		if (cases[i].want == E_OK) {
			assert_true(got);
			assert_int_equal(strlen(s), cases[i].len);
			assert_true(mp_reader_end(&a.r));
		} else {
			assert_false(got);
			assert_null(s);
			assert_err(&a.r, cases[i].want, "v");
		}
		args_free(&a);
	}

}

/*
 * Text must be well-formed UTF-8 (RFC 3629, Unicode table 3-7): anything
 * else is E_INVALID naming the argument, so that it never reaches
 * PostgreSQL (which would refuse the statement, or worse).
 */
static void
test_str_utf8(void **state)
{
	static const struct {
		const char	*val;
		bool		 ok;
	} cases[] = {
		{ "plain ascii", true },
		{ "\x7f", true },			/* DEL, still ASCII */
		{ "\xc2\x80", true },		/* U+0080, smallest 2-byte */
		{ "caf\xc3\xa9", true },
		{ "\xdf\xbf", true },		/* U+07FF */
		{ "\xe0\xa0\x80", true },		/* U+0800, smallest 3-byte */
		{ "\xe2\x82\xac", true },		/* EUR */
		{ "\xed\x9f\xbf", true },		/* U+D7FF, below surrogates */
		{ "\xee\x80\x80", true },		/* U+E000, above them */
		{ "\xef\xbf\xbf", true },		/* U+FFFF */
		{ "\xf0\x90\x80\x80", true },	/* U+10000 */
		{ "\xf0\x9f\x98\x80", true },	/* emoji */
		{ "\xf4\x8f\xbf\xbf", true },	/* U+10FFFF, the last */
		{ "\x80", false },			/* lone continuation */
		{ "a\xbf", false },
		{ "\xc0\xaf", false },		/* overlong '/' */
		{ "\xc1\xbf", false },		/* overlong */
		{ "\xe0\x80\xaf", false },		/* overlong, 3 bytes */
		{ "\xe0\x9f\xbf", false },		/* overlong U+07FF */
		{ "\xf0\x80\x80\xaf", false },	/* overlong, 4 bytes */
		{ "\xf0\x8f\xbf\xbf", false },	/* overlong U+FFFF */
		{ "\xed\xa0\x80", false },		/* U+D800, surrogate */
		{ "\xed\xbf\xbf", false },		/* U+DFFF */
		{ "\xed\xa0\xbd\xed\xb8\x80", false },	/* CESU-8 pair */
		{ "\xf4\x90\x80\x80", false },	/* U+110000 */
		{ "\xf5\x80\x80\x80", false },
		{ "\xf8\x88\x80\x80\x80", false },	/* old 5-byte form */
		{ "\xfe", false },
		{ "\xff", false },
		{ "\xc3", false },			/* truncated at the end */
		{ "ab\xe2\x82", false },
		{ "\xf0\x9f\x98", false },
		{ "\xc3(", false },			/* bad continuation */
		{ "\xe2\x28\xa1", false },
		{ "\xe2\x82\x28", false },
		{ "\xf0\x9f\x28\x80", false },
		{ "caf\xe9", false },			/* Latin-1 */
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct args a;
		const char *s = NULL;
		size_t n = strlen(cases[i].val);

		mp_kv_strn(args_begin(&a, 1), "title", cases[i].val, n);
		assert_true(args_init(&a));
		assert_int_equal(mp_utf8_valid(cases[i].val, n), cases[i].ok);
		if (cases[i].ok) {
			assert_true(mp_get_str(&a.r, "title", MP_REQUIRED, 0,
			    100, &s));
			assert_memory_equal(s, cases[i].val, n);
			assert_true(mp_reader_end(&a.r));
		} else {
			assert_false(mp_get_str(&a.r, "title", MP_REQUIRED, 0,
			    100, &s));
			assert_null(s);
			assert_err(&a.r, E_INVALID, "title");
			assert_non_null(strstr(a.r.msg, "UTF-8"));
		}
		args_free(&a);
	}
	/* Length is checked first: too long is E_LIMIT whatever the bytes. */
	{
		struct args a;
		const char *s = NULL;

		mp_kv_str(args_begin(&a, 1), "title", "\xff\xff\xff");
		assert_true(args_init(&a));
		assert_false(mp_get_str(&a.r, "title", MP_REQUIRED, 0, 2, &s));
		assert_err(&a.r, E_LIMIT, "title");
		args_free(&a);
	}
	/* Every truncation of a long valid string is refused exactly when
	 * it cuts a sequence. */
	{
		const char *t = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z";
		static const bool cut[] = { 1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 1 };

		for (size_t n = 0; n <= strlen(t); n++)
			assert_int_equal(mp_utf8_valid(t, n), cut[n]);
	}
}

/* The values tried as argument "n" by the int and double tests. */
enum val {
	V_0, V_1, V_10, V_11, V_M5, V_M11, V_MIN, V_MAX, V_MAXP1, V_UMAX,
	V_STR, V_FLT, V_F32, V_NAN, V_INF, V_BOOL, V_NIL, V_MAP
};

static void
pack_n(msgpack_packer *pk, enum val v)
{
	switch (v) {
	case V_0: mp_kv_int(pk, "n", 0); break;
	case V_1: mp_kv_int(pk, "n", 1); break;
	case V_10: mp_kv_int(pk, "n", 10); break;
	case V_11: mp_kv_int(pk, "n", 11); break;
	case V_M5: mp_kv_int(pk, "n", -5); break;
	case V_M11: mp_kv_int(pk, "n", -11); break;
	case V_MIN: mp_kv_int(pk, "n", INT64_MIN); break;
	case V_MAX: mp_kv_int(pk, "n", INT64_MAX); break;
	case V_MAXP1: mp_kv_uint(pk, "n", (uint64_t)INT64_MAX + 1); break;
	case V_UMAX: mp_kv_uint(pk, "n", UINT64_MAX); break;
	case V_STR: mp_kv_str(pk, "n", "5"); break;
	case V_FLT: mp_kv_double(pk, "n", 5.0); break;
	case V_F32:
		mp_pack_key(pk, "n");
		msgpack_pack_float(pk, 0.25f);
		break;
	case V_NAN: mp_kv_double(pk, "n", NAN); break;
	case V_INF: mp_kv_double(pk, "n", INFINITY); break;
	case V_BOOL: mp_kv_bool(pk, "n", true); break;
	case V_NIL: mp_kv_nil(pk, "n"); break;
	case V_MAP:
		mp_pack_key(pk, "n");
		msgpack_pack_map(pk, 0);
		break;
	}
}

/* Argument "n" set to v, read as an int in [min, max]. */
static enum wire_err
get_int(enum val v, int64_t min, int64_t max, int64_t *out)
{
	struct args a;
	enum wire_err e;

	pack_n(args_begin(&a, 1), v);
	assert_true(args_init(&a));
	*out = 424242;
	if (mp_get_int(&a.r, "n", MP_REQUIRED, min, max, out)) {
		assert_true(mp_reader_ok(&a.r));
		assert_true(mp_reader_end(&a.r));
	} else {
		assert_false(mp_reader_ok(&a.r));
		assert_string_equal(a.r.field, "n");
		assert_true(*out == 424242);	/* untouched on error */
	}
	e = a.r.err;
	args_free(&a);
	return e;
}

static void
test_int(void **state)
{
	int64_t v;

	assert_int_equal(get_int(V_1, 1, 10, &v), E_OK);
	assert_true(v == 1);
	assert_int_equal(get_int(V_10, 1, 10, &v), E_OK);
	assert_true(v == 10);
	assert_int_equal(get_int(V_0, 1, 10, &v), E_INVALID);
	assert_int_equal(get_int(V_11, 1, 10, &v), E_INVALID);
	assert_int_equal(get_int(V_M5, -10, 10, &v), E_OK);
	assert_true(v == -5);
	assert_int_equal(get_int(V_M5, 0, 10, &v), E_INVALID);
	assert_int_equal(get_int(V_M11, -10, 10, &v), E_INVALID);
	assert_int_equal(get_int(V_MIN, INT64_MIN, INT64_MAX, &v), E_OK);
	assert_true(v == INT64_MIN);
	assert_int_equal(get_int(V_MAX, INT64_MIN, INT64_MAX, &v), E_OK);
	assert_true(v == INT64_MAX);
	/* Above INT64_MAX must not wrap to a negative number. */
	assert_int_equal(get_int(V_MAXP1, INT64_MIN, INT64_MAX, &v),
	    E_INVALID);
	assert_int_equal(get_int(V_UMAX, INT64_MIN, INT64_MAX, &v),
	    E_INVALID);
	assert_int_equal(get_int(V_UMAX, -1, 0, &v), E_INVALID);
	/* Only integers: no coercion from str, float or bool. */
	assert_int_equal(get_int(V_STR, 0, 10, &v), E_BAD_REQUEST);
	assert_int_equal(get_int(V_FLT, 0, 10, &v), E_BAD_REQUEST);
	assert_int_equal(get_int(V_BOOL, 0, 10, &v), E_BAD_REQUEST);
	assert_int_equal(get_int(V_MAP, 0, 10, &v), E_BAD_REQUEST);
	/* nil is absence: a required one is missing. */
	assert_int_equal(get_int(V_NIL, 0, 10, &v), E_BAD_REQUEST);
}

/* As get_int, for doubles. */
static enum wire_err
get_double(enum val v, double min, double max, double *out)
{
	struct args a;
	enum wire_err e;

	pack_n(args_begin(&a, 1), v);
	assert_true(args_init(&a));
	*out = 4242.0;
	if (mp_get_double(&a.r, "n", MP_REQUIRED, min, max, out))
		assert_true(mp_reader_end(&a.r));
	else {
		assert_string_equal(a.r.field, "n");
		assert_true(*out == 4242.0);
	}
	e = a.r.err;
	args_free(&a);
	return e;
}

static void
test_double(void **state)
{
	double d;

	/* Integers are numbers too: clients pack 3.0 as 3. */
	assert_int_equal(get_double(V_10, 0, 90, &d), E_OK);
	assert_true(d == 10.0);
	assert_int_equal(get_double(V_M5, -90, 90, &d), E_OK);
	assert_true(d == -5.0);
	assert_int_equal(get_double(V_FLT, 0, 90, &d), E_OK);
	assert_true(d == 5.0);
	assert_int_equal(get_double(V_F32, 0, 1, &d), E_OK);
	assert_true(d == 0.25);
	assert_int_equal(get_double(V_FLT, 5.0, 5.0, &d), E_OK);
	assert_int_equal(get_double(V_11, 0, 10, &d), E_INVALID);
	assert_int_equal(get_double(V_M11, -10, 10, &d), E_INVALID);
	/* NaN compares false with everything: it must not slip through. */
	assert_int_equal(get_double(V_NAN, -INFINITY, INFINITY, &d),
	    E_INVALID);
	assert_int_equal(get_double(V_INF, -1e308, 1e308, &d), E_INVALID);
	assert_int_equal(get_double(V_STR, 0, 10, &d), E_BAD_REQUEST);
	assert_int_equal(get_double(V_BOOL, 0, 10, &d), E_BAD_REQUEST);
	assert_int_equal(get_double(V_NIL, 0, 10, &d), E_BAD_REQUEST);
}

static void
test_bool_map(void **state)
{
	struct args a;
	bool b = false, c = true;
	const msgpack_object *m = NULL;
	msgpack_packer *pk = args_begin(&a, 5);

	mp_kv_bool(pk, "t", true);
	mp_kv_bool(pk, "f", false);
	mp_kv_int(pk, "one", 1);
	mp_pack_key(pk, "m");
	msgpack_pack_map(pk, 1);
	mp_kv_int(pk, "x", 1);
	mp_kv_str(pk, "s", "{}");
	assert_true(args_init(&a));
	assert_true(mp_get_bool(&a.r, "t", MP_REQUIRED, &b));
	assert_true(b);
	assert_true(mp_get_bool(&a.r, "f", MP_REQUIRED, &c));
	assert_false(c);
	assert_true(mp_get_map(&a.r, "m", MP_REQUIRED, &m));
	assert_int_equal(m->type, MSGPACK_OBJECT_MAP);
	assert_int_equal(m->via.map.size, 1);
	assert_false(mp_get_bool(&a.r, "absent", MP_OPTIONAL, &b));
	assert_false(mp_get_map(&a.r, "absent", MP_OPTIONAL, &m));
	assert_true(mp_reader_ok(&a.r));
	/* 1 is not true. */
	assert_false(mp_get_bool(&a.r, "one", MP_OPTIONAL, &b));
	assert_err(&a.r, E_BAD_REQUEST, "one");
	args_free(&a);

	pk = args_begin(&a, 1);
	mp_kv_str(pk, "s", "{}");
	assert_true(args_init(&a));
	assert_false(mp_get_map(&a.r, "s", MP_OPTIONAL, &m));
	assert_err(&a.r, E_BAD_REQUEST, "s");
	args_free(&a);
}

static void
test_nil_is_absent(void **state)
{
	struct args a;
	const char *s = "x";
	int64_t n = 7;
	bool b = true;
	double d = 1.0;
	const msgpack_object *m = NULL;
	msgpack_packer *pk = args_begin(&a, 5);

	mp_kv_nil(pk, "s");
	mp_kv_str(pk, "s2", NULL);	/* mp_kv_str packs NULL as nil */
	mp_kv_nil(pk, "n");
	mp_kv_nil(pk, "b");
	mp_kv_nil(pk, "d");
	assert_true(args_init(&a));
	assert_false(mp_get_str(&a.r, "s", MP_OPTIONAL, 0, 9, &s));
	assert_false(mp_get_str(&a.r, "s2", MP_OPTIONAL, 0, 9, &s));
	assert_false(mp_get_int(&a.r, "n", MP_OPTIONAL, 0, 9, &n));
	assert_false(mp_get_bool(&a.r, "b", MP_OPTIONAL, &b));
	assert_false(mp_get_map(&a.r, "b", MP_OPTIONAL, &m));
	assert_false(mp_get_double(&a.r, "d", MP_OPTIONAL, 0, 9, &d));
	assert_true(mp_reader_ok(&a.r));
	assert_string_equal(s, "x");
	assert_true(n == 7 && b && d == 1.0 && m == NULL);
	/* A nil key was still given: it is known, not unknown. */
	assert_true(mp_reader_end(&a.r));
	args_free(&a);
}

static void
test_unknown_keys(void **state)
{
	struct args a;
	int64_t n;
	msgpack_packer *pk = args_begin(&a, 3);

	mp_kv_int(pk, "a", 1);
	mp_kv_int(pk, "bogus", 2);
	mp_kv_int(pk, "c", 3);
	assert_true(args_init(&a));
	assert_true(mp_get_int(&a.r, "a", MP_REQUIRED, 0, 9, &n));
	assert_true(mp_get_int(&a.r, "c", MP_REQUIRED, 0, 9, &n));
	/* Looking for an absent key marks nothing. */
	assert_false(mp_get_int(&a.r, "bogu", MP_OPTIONAL, 0, 9, &n));
	assert_true(mp_reader_ok(&a.r));
	assert_false(mp_reader_end(&a.r));
	assert_err(&a.r, E_BAD_REQUEST, "bogus");
	assert_non_null(strstr(a.r.msg, "'bogus'"));
	args_free(&a);

	/* All read, in any order: accepted. */
	args_numbered(&a, 3, false);
	assert_true(args_init(&a));
	assert_true(mp_get_int(&a.r, "k2", MP_REQUIRED, 0, 9, &n));
	assert_true(mp_get_int(&a.r, "k1", MP_REQUIRED, 0, 9, &n));
	assert_true(n == 1);
	assert_true(mp_get_int(&a.r, "k0", MP_REQUIRED, 0, 9, &n));
	assert_true(mp_reader_end(&a.r));
	assert_true(mp_reader_ok(&a.r));
	args_free(&a);

	/* A long unknown name is cut to fit field, not overflowed. */
	char name[101];
	memset(name, 'k', 100);
	name[100] = '\0';
	pk = args_begin(&a, 1);
	mp_kv_int(pk, name, 1);
	assert_true(args_init(&a));
	assert_false(mp_reader_end(&a.r));
	assert_int_equal(a.r.err, E_BAD_REQUEST);
	assert_int_equal(strlen(a.r.field), sizeof a.r.field - 1);
	assert_memory_equal(a.r.field, name, sizeof a.r.field - 1);
	args_free(&a);
}

static void
test_init_refused(void **state)
{
	struct args a;
	int64_t n;
	msgpack_packer *pk;

	/* Duplicate keys: which one would a handler read? */
	pk = args_begin(&a, 3);
	mp_kv_int(pk, "a", 1);
	mp_kv_int(pk, "b", 2);
	mp_kv_int(pk, "a", 3);
	assert_false(args_init(&a));
	assert_err(&a.r, E_BAD_REQUEST, "args");
	assert_non_null(strstr(a.r.msg, "'a'"));
	/* A failed init leaves a reader whose getters all fail. */
	assert_false(mp_get_int(&a.r, "b", MP_OPTIONAL, 0, 9, &n));
	assert_false(mp_reader_end(&a.r));
	args_free(&a);

	/* Same length or same prefix is not a duplicate. */
	pk = args_begin(&a, 3);
	mp_kv_int(pk, "ab", 1);
	mp_kv_int(pk, "ba", 2);
	mp_kv_int(pk, "a", 3);
	assert_true(args_init(&a));
	args_free(&a);

	/* Keys must be strings: an int, then a bin that spells "a". */
	pk = args_begin(&a, 2);
	mp_kv_int(pk, "a", 1);
	msgpack_pack_int(pk, 1);
	msgpack_pack_int(pk, 2);
	assert_false(args_init(&a));
	assert_err(&a.r, E_BAD_REQUEST, "args");
	args_free(&a);
	pk = args_begin(&a, 1);
	msgpack_pack_bin(pk, 1);
	msgpack_pack_bin_body(pk, "a", 1);
	msgpack_pack_int(pk, 2);
	assert_false(args_init(&a));
	assert_err(&a.r, E_BAD_REQUEST, "args");
	args_free(&a);
}

static void
test_not_a_map(void **state)
{
	static const char *bad[] = { "\x90", "\x91\x80", "\x05", "\xa1x",
	    "\xc3" };
	static const char *none[] = { "\xc0" };	/* nil: no args */

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct mp_doc doc;
		struct mp_reader r;

		assert_int_equal(mp_decode(&doc, bad[i], strlen(bad[i]),
		    &lim), MP_OK);
		assert_false(mp_reader_init(&r, doc.root));
		assert_err(&r, E_BAD_REQUEST, "args");
		assert_false(mp_reader_end(&r));
		mp_reader_free(&r);
		mp_doc_free(&doc);
	}

	struct mp_doc doc;
	struct mp_reader r;
	const char *s = "x";

	assert_int_equal(mp_decode(&doc, none[0], 1, &lim), MP_OK);
	assert_true(mp_reader_init(&r, doc.root));
	assert_true(mp_reader_end(&r));
	mp_doc_free(&doc);

	/* NULL: the request had no args at all. */
	assert_true(mp_reader_init(&r, NULL));
	assert_null(r.map);
	assert_false(mp_get_str(&r, "s", MP_OPTIONAL, 0, 9, &s));
	assert_true(mp_reader_ok(&r));
	assert_true(mp_reader_end(&r));
	assert_false(mp_get_str(&r, "s", MP_REQUIRED, 0, 9, &s));
	assert_err(&r, E_BAD_REQUEST, "s");
	assert_string_equal(s, "x");
	mp_reader_free(&r);
}

static void
test_first_error_kept(void **state)
{
	struct args a;
	const char *s = NULL;
	int64_t n = 99;
	msgpack_packer *pk = args_begin(&a, 2);

	mp_kv_str(pk, "a", "x");
	mp_kv_int(pk, "b", 5);
	assert_true(args_init(&a));
	assert_false(mp_get_int(&a.r, "a", MP_REQUIRED, 0, 9, &n));
	assert_err(&a.r, E_BAD_REQUEST, "a");

	char msg[sizeof a.r.msg];
	memcpy(msg, a.r.msg, sizeof msg);
	/* Later failures of other kinds do not replace it... */
	assert_false(mp_get_str(&a.r, "b", MP_REQUIRED, 5, 9, &s));
	assert_false(mp_get_int(&a.r, "b", MP_REQUIRED, 6, 9, &n));
	assert_false(mp_get_str(&a.r, "zz", MP_REQUIRED, 0, 9, &s));
	mp_reader_fail(&a.r, E_INTERNAL, "other", "other %d", 1);
	assert_false(mp_reader_end(&a.r));
	assert_err(&a.r, E_BAD_REQUEST, "a");
	assert_string_equal(a.r.msg, msg);
	/* ... and nothing is returned after the first error. */
	assert_null(s);
	assert_true(n == 99);
	args_free(&a);
}

static void
test_many_keys(void **state)
{
	char key[16];
	int64_t n;

	/* 64 keys fit the used-bitmap, key 63 included; 65 are refused. */
	for (int skip = -1; skip < 64; skip += 32) {
		struct args a;

		args_numbered(&a, 64, false);
		assert_true(args_init(&a));
		for (int i = 0; i < 64; i++) {
			if (i == skip || (skip == 31 && i == 63))
				continue;
			snprintf(key, sizeof key, "k%d", i);
			assert_true(mp_get_int(&a.r, key, MP_REQUIRED, 0, 99,
			    &n));
			assert_true(n == i);
		}
		if (skip == -1)
			assert_true(mp_reader_end(&a.r));
		else {
			assert_false(mp_reader_end(&a.r));
			snprintf(key, sizeof key, "k%d", skip);
			assert_err(&a.r, E_BAD_REQUEST, key);
		}
		args_free(&a);
	}

	struct args a;

	args_numbered(&a, 65, false);
	assert_false(args_init(&a));
	assert_err(&a.r, E_BAD_REQUEST, "args");
	args_free(&a);
}

static void
test_arena(void **state)
{
	struct args a;
	const char *s[40];
	char key[16];

	/* Forty copies, all alive until mp_reader_free; ASan sees a leak. */
	args_numbered(&a, 40, true);
	assert_true(args_init(&a));
	for (int i = 0; i < 40; i++) {
		snprintf(key, sizeof key, "k%d", i);
		assert_true(mp_get_str(&a.r, key, MP_REQUIRED, 1, 9, &s[i]));
	}
	assert_int_equal(a.r.narena, 40);
	for (int i = 0; i < 40; i++) {
		snprintf(key, sizeof key, "k%d", i);
		assert_string_equal(s[i], key);
	}
	assert_true(mp_reader_end(&a.r));
	mp_reader_free(&a.r);
	assert_null(a.r.arena);
	assert_int_equal(a.r.narena, 0);
	args_free(&a);	/* frees the reader again: harmless */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_str),
		cmocka_unit_test(test_str_missing),
		cmocka_unit_test(test_str_refused),
		cmocka_unit_test(test_str_utf8),
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_bool_map),
		cmocka_unit_test(test_nil_is_absent),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_init_refused),
		cmocka_unit_test(test_not_a_map),
		cmocka_unit_test(test_first_error_kept),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_arena),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
