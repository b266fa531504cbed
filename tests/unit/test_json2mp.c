/* test_json2mp.c: JSON text to MessagePack, as the audit log needs it. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "json2mp.h"
#include "mpack.h"

static const struct mp_limits lim = { 32, 1 << 20 };

static bool
convert(const char *json, msgpack_sbuffer *sb)
{
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	return json_to_msgpack(&pk, json, strlen(json));
}

static void
test_object(void **st)
{
	msgpack_sbuffer sb;
	struct mp_doc doc;
	const msgpack_object *v;

	assert_true(convert("{\"id\": 12, \"title\": \"a \\\"q\\\" \\u00e9\\n\","
	    " \"w\": 1.5, \"ok\": true, \"no\": false, \"n\": null,"
	    " \"list\": [1, -2, [], {}], \"e\": {}}", &sb));
	assert_int_equal(mp_decode(&doc, sb.data, sb.size, &lim), MP_OK);
	assert_int_equal(doc.root->type, MSGPACK_OBJECT_MAP);
	assert_int_equal(doc.root->via.map.size, 8);
	assert_int_equal(mp_map_get(doc.root, "id")->via.u64, 12);
	v = mp_map_get(doc.root, "title");
	assert_int_equal(v->via.str.size, strlen("a \"q\" \xc3\xa9\n"));
	assert_memory_equal(v->via.str.ptr, "a \"q\" \xc3\xa9\n",
	    v->via.str.size);
	assert_true(mp_map_get(doc.root, "w")->via.f64 == 1.5);
	assert_true(mp_map_get(doc.root, "ok")->via.boolean);
	assert_false(mp_map_get(doc.root, "no")->via.boolean);
	assert_int_equal(mp_map_get(doc.root, "n")->type, MSGPACK_OBJECT_NIL);
	v = mp_map_get(doc.root, "list");
	assert_int_equal(v->via.array.size, 4);
	assert_int_equal(v->via.array.ptr[1].via.i64, -2);
	assert_int_equal(v->via.array.ptr[2].via.array.size, 0);
	assert_int_equal(v->via.array.ptr[3].via.map.size, 0);
	mp_doc_free(&doc);
	msgpack_sbuffer_destroy(&sb);
}

static void
test_surrogates(void **st)
{
	msgpack_sbuffer sb;
	struct mp_doc doc;

	assert_true(convert("\"\\ud83d\\ude00\"", &sb));
	assert_int_equal(mp_decode(&doc, sb.data, sb.size, &lim), MP_OK);
	assert_int_equal(doc.root->via.str.size, 4);
	assert_memory_equal(doc.root->via.str.ptr, "\xf0\x9f\x98\x80", 4);
	mp_doc_free(&doc);
	msgpack_sbuffer_destroy(&sb);
}

static void
test_bad(void **st)
{
	static const char *bad[] = { "", "{", "{\"a\" 1}", "[1,", "tru",
	    "\"abc", "{\"a\":1,}", "[1] 2", "{1: 2}", "\"\\u12\"",
	    /* what the old, lenient reader let through */
	    "[1,]", "01", "-", "1.", ".5", "+1", "1e", "1-2", "--1", "1e400",
	    "-1e400", "\"\\x\"", "\"a\tb\"", "\"\x01\"", "\"\xff\"",
	    "\"\xc3\"", "\"\xc0\x80\"", "\"\xed\xa0\x80\"",
	    "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
	    "nul", "truefalse", "[true false]", "{\"a\":1 \"b\":2}", "[}",
	    "{]", "{\"a\"}", "{\"a\":}", "\"\\\"", "[\"a\",]", " ",
	    "NaN", "Infinity", "[-]", "[1.e5]" };
	msgpack_sbuffer sb;
	char deep[100];

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (convert(bad[i], &sb))
			fail_msg("accepted '%s'", bad[i]);
		msgpack_sbuffer_destroy(&sb);
	}
	memset(deep, '[', 40);
	memset(deep + 40, ']', 40);
	deep[80] = '\0';
	assert_false(convert(deep, &sb));	/* deeper than 32 */
	msgpack_sbuffer_destroy(&sb);
}

/* Refused text packs nothing, so the caller's buffer stays as it was. */
static void
test_bad_packs_nothing(void **st)
{
	msgpack_sbuffer sb;

	assert_false(convert("{\"a\": [1, 2, {\"b\": \"c\"}], \"d\": 1e999}",
	    &sb));
	assert_int_equal(sb.size, 0);
	msgpack_sbuffer_destroy(&sb);
}

static void
test_numbers(void **st)
{
	msgpack_sbuffer sb;
	struct mp_doc doc;
	const msgpack_object *a;

	assert_true(convert("[0, -0, 9223372036854775807, -9223372036854775808,"
	    " 18446744073709551615, 18446744073709551616, 1e-400, 2.5E+3,"
	    " 0.125, -1e2]", &sb));
	assert_int_equal(mp_decode(&doc, sb.data, sb.size, &lim), MP_OK);
	a = doc.root->via.array.ptr;
	assert_int_equal(doc.root->via.array.size, 10);
	assert_int_equal(a[0].type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	/* Found by fuzz_json: -0 read as the integer 0 printed back as 0. */
	assert_int_equal(a[1].type, MSGPACK_OBJECT_FLOAT64);
	assert_true(a[1].via.f64 == 0 && signbit(a[1].via.f64));
	assert_int_equal(a[2].via.u64, INT64_MAX);
	assert_int_equal(a[3].type, MSGPACK_OBJECT_NEGATIVE_INTEGER);
	assert_true(a[3].via.i64 == INT64_MIN);
	assert_true(a[4].via.u64 == UINT64_MAX);
	assert_int_equal(a[5].type, MSGPACK_OBJECT_FLOAT64);
	assert_true(a[5].via.f64 == 18446744073709551616.0);
	assert_true(a[6].via.f64 == 0);		/* underflow is 0 */
	assert_true(a[7].via.f64 == 2500);
	assert_true(a[8].via.f64 == 0.125);
	assert_true(a[9].via.f64 == -100);
	mp_doc_free(&doc);
	msgpack_sbuffer_destroy(&sb);
}

/* NUL-terminated or not, only len bytes are read. */
static void
test_not_terminated(void **st)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	char *t = malloc(3);

	assert_non_null(t);
	memcpy(t, "125", 3);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_true(json_to_msgpack(&pk, t, 2));
	assert_int_equal(sb.size, 1);
	assert_int_equal((unsigned char)sb.data[0], 12);
	free(t);
	msgpack_sbuffer_destroy(&sb);
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 +
	    (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The deepest text allowed, in several shapes, must take well under a
 * millisecond: the old reader rescanned every container once per level
 * above it, 2^32 times for the innermost one here (about 22 s).
 */
static void
test_deep_is_linear(void **st)
{
	enum { RUNS = 15 };
	static const char *shapes[][3] = {
		{ "[", "]", "" },
		{ "{\"k\":", "}", "0" },
		{ "[1,\"s\\u00e9\",true,null,", "]", "-2.5e3" },
	};
	char text[2048];
	double ms[RUNS];
	msgpack_sbuffer sb;
	struct mp_doc doc;
	struct mp_limits deep = { JSON_MAX_DEPTH, 1 << 20 };

	for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
		size_t o = 0;

		for (int d = 0; d < JSON_MAX_DEPTH; d++)
			o += (size_t)snprintf(text + o, sizeof text - o, "%s",
			    shapes[s][0]);
		o += (size_t)snprintf(text + o, sizeof text - o, "%s",
		    shapes[s][2]);
		for (int d = 0; d < JSON_MAX_DEPTH; d++)
			o += (size_t)snprintf(text + o, sizeof text - o, "%s",
			    shapes[s][1]);
		assert_true(o < sizeof text - 1);
		for (int i = 0; i < RUNS; i++) {
			struct timespec t0;

			clock_gettime(CLOCK_MONOTONIC, &t0);
			assert_true(convert(text, &sb));
			ms[i] = ms_since(&t0);
			if (i == 0) {
				assert_int_equal(mp_decode(&doc, sb.data,
				    sb.size, &deep), MP_OK);
				mp_doc_free(&doc);
			}
			msgpack_sbuffer_destroy(&sb);
		}
		qsort(ms, RUNS, sizeof *ms, cmp_double);
		print_message("depth %d, shape %zu: median %.4f ms\n",
		    JSON_MAX_DEPTH, s, ms[RUNS / 2]);
		/* A generous bound: the box running the tests is shared. */
		assert_true(ms[RUNS / 2] < 1.0);
		/* One level more is refused. */
		memmove(text + strlen(shapes[s][0]), text, o + 1);
		memcpy(text, shapes[s][0], strlen(shapes[s][0]));
		strcat(text, shapes[s][1]);
		assert_false(convert(text, &sb));
		msgpack_sbuffer_destroy(&sb);
	}
}

/* Linear in width too: 100,000 elements in one array, then nested. */
static void
test_wide_is_linear(void **st)
{
	enum { N = 100000 };
	char *text = malloc(4 * N + 8);
	size_t o = 0;
	struct timespec t0;
	msgpack_sbuffer sb;
	double ms;

	assert_non_null(text);
	text[o++] = '[';
	for (int i = 0; i < N; i++) {
		memcpy(text + o, i ? ",[1]" : "[1]", i ? 4 : 3);
		o += i ? 4 : 3;
	}
	text[o++] = ']';
	text[o] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_true(convert(text, &sb));
	ms = ms_since(&t0);
	print_message("%d small arrays: %.2f ms\n", N, ms);
	assert_true(ms < 500);
	msgpack_sbuffer_destroy(&sb);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_surrogates),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_bad_packs_nothing),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_not_terminated),
		cmocka_unit_test(test_deep_is_linear),
		cmocka_unit_test(test_wide_is_linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
