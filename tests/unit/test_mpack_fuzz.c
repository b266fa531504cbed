/*
 * test_mpack_fuzz.c: mp_check() against msgpack-c on random input.
 *
 * mp_check() is a second MessagePack parser, and two parsers that disagree
 * are a hole: if the validator accepts what msgpack-c then chokes on (or
 * reads differently), the server decodes something it never checked.  So
 * every random buffer is given to both and their verdicts compared, in both
 * directions.  The PRNG has a fixed seed so that a failure reproduces.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mpack.h"

#define ITERATIONS	20000

/* xorshift64* */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dULL) >> 32);
}

/* What mp_check enforces beyond syntax, evaluated on a decoded object. */
static bool
acceptable(const msgpack_object *o, size_t depth, const struct mp_limits *l)
{
	switch (o->type) {
	case MSGPACK_OBJECT_EXT:
		return false;
	case MSGPACK_OBJECT_STR:
	case MSGPACK_OBJECT_BIN:
		return o->via.str.size <= l->max_string;
	case MSGPACK_OBJECT_ARRAY:
		if (depth + 1 > l->max_depth)
			return false;
		for (uint32_t i = 0; i < o->via.array.size; i++)
			if (!acceptable(&o->via.array.ptr[i], depth + 1, l))
				return false;
		return true;
	case MSGPACK_OBJECT_MAP:
		if (depth + 1 > l->max_depth)
			return false;
		for (uint32_t i = 0; i < o->via.map.size; i++)
			if (!acceptable(&o->via.map.ptr[i].key, depth + 1, l) ||
			    !acceptable(&o->via.map.ptr[i].val, depth + 1, l))
				return false;
		return true;
	default:
		return true;
	}
}

/* Verdicts seen, so each test can insist the fuzz reached every path. */
static size_t hist[MP_NOMEM + 1];

/*
 * One buffer, both ways: what mp_check accepts msgpack-c must decode whole
 * and within the limits, and what msgpack-c decodes whole within the limits
 * mp_check must accept.
 */
static void
cross_check(const unsigned char *b, size_t n, const struct mp_limits *lim)
{
	enum mp_status st = mp_check(b, n, lim);
	msgpack_unpacked up;
	msgpack_unpack_return ur;
	size_t off = 0;

	assert_in_range(st, MP_OK, MP_TRAILING);	/* never NOMEM */
	hist[st]++;
	/*
	 * A lying 32-bit count makes msgpack-c reserve gigabytes, the very
	 * thing mp_check is for: ask msgpack-c only when mp_check vouched
	 * for the first value or no such header is present.
	 */
	if (st != MP_OK && st != MP_TRAILING &&
	    (memchr(b, 0xdd, n) != NULL || memchr(b, 0xdf, n) != NULL))
		return;
	msgpack_unpacked_init(&up);
	ur = msgpack_unpack_next(&up, (const char *)b, n, &off);
	switch (st) {
	case MP_OK:
		assert_int_equal(ur, MSGPACK_UNPACK_SUCCESS);
		assert_int_equal(off, n);
		assert_true(acceptable(&up.data, 0, lim));
		break;
	case MP_TRAILING:
		/* The first value is whole and valid; something follows. */
		assert_int_equal(ur, MSGPACK_UNPACK_SUCCESS);
		assert_true(off < n);
		assert_true(acceptable(&up.data, 0, lim));
		assert_int_equal(mp_check(b, off, lim), MP_OK);
		break;
	default:
		if (ur == MSGPACK_UNPACK_SUCCESS && off == n &&
		    acceptable(&up.data, 0, lim))
			fail_msg("mp_check refused (%s) what msgpack-c "
			    "accepts, %zu bytes starting %02x",
			    mp_status_str(st), n, b[0]);
		break;
	}
	msgpack_unpacked_destroy(&up);
}

static int
reset(void **state)
{
	memset(hist, 0, sizeof hist);
	return 0;
}

/* Small limits so that depth and string refusals are common. */
static const struct mp_limits lim = { 3, 6 };

static void
test_uniform_bytes(void **state)
{
	unsigned char b[16];

	for (int it = 0; it < ITERATIONS; it++) {
		size_t n = rnd() % 12;

		for (size_t i = 0; i < n; i++)
			b[i] = (unsigned char)rnd();
		cross_check(b, n, &lim);
	}
	assert_true(hist[MP_OK] > 500);
	assert_true(hist[MP_TRUNCATED] > 500);
	assert_true(hist[MP_MALFORMED] > 100);
	assert_true(hist[MP_STR_TOO_LONG] > 100);
	assert_true(hist[MP_TRAILING] > 500);
}

static void
test_header_alphabet(void **state)
{
	/*
	 * Mostly type bytes and tiny lengths, starting with a container, so
	 * that well-formed nested values and near misses are the norm.
	 */
	static const unsigned char alpha[] = { 0x00, 0x01, 0x02, 0x7f, 0x80,
	    0x81, 0x82, 0x90, 0x91, 0x92, 0x93, 0xa0, 0xa1, 0xa2, 0xa7, 0xc0,
	    0xc1, 0xc2, 0xc3, 0xc4, 0xca, 0xcb, 0xcc, 0xcd, 0xd0, 0xd4, 0xd9,
	    0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff };
	static const unsigned char open[] = { 0x81, 0x82, 0x91, 0x92, 0x93,
	    0xdc, 0xde };
	unsigned char b[32];

	for (int it = 0; it < ITERATIONS; it++) {
		size_t n = 1 + rnd() % 24;

		for (size_t i = 0; i < n; i++)
			b[i] = (rnd() & 3) ? alpha[rnd() % sizeof alpha] :
			    (unsigned char)(rnd() % 8);
		if (rnd() & 3)
			b[0] = open[rnd() % sizeof open];
		cross_check(b, n, &lim);
	}
	/* A TRAILING verdict also checks its whole first value as OK. */
	assert_true(hist[MP_OK] > 200);
	assert_true(hist[MP_TRAILING] > 2000);
	assert_true(hist[MP_TOO_DEEP] > 50);
	assert_true(hist[MP_MALFORMED] > 500);
	assert_true(hist[MP_STR_TOO_LONG] > 500);
	assert_true(hist[MP_TRUNCATED] > 2000);
}

static void
test_mutated_request(void **state)
{
	struct mp_limits reqlim = { 3, 32 };
	msgpack_sbuffer sb;
	msgpack_packer pk;
	unsigned char *m;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	mp_kv_uint(&pk, WIRE_ID, 70000);
	mp_kv_str(&pk, WIRE_OP, "place.add");
	mp_pack_key(&pk, WIRE_ARGS);
	msgpack_pack_map(&pk, 4);
	mp_kv_str(&pk, "name", "x");
	mp_kv_int(&pk, "n", -3);
	mp_kv_double(&pk, "lat", 1.5);
	mp_pack_key(&pk, "tags");
	msgpack_pack_array(&pk, 2);
	mp_pack_cstr(&pk, "a");
	msgpack_pack_nil(&pk);
	assert_int_equal(mp_check((unsigned char *)sb.data, sb.size,
	    &reqlim), MP_OK);

	/* Rewrite one byte, sometimes flip a bit, sometimes cut it short. */
	m = malloc(sb.size);
	assert_non_null(m);
	for (int it = 0; it < ITERATIONS; it++) {
		size_t n = sb.size;

		memcpy(m, sb.data, sb.size);
		m[rnd() % sb.size] = (unsigned char)rnd();
		if (rnd() & 1)
			m[rnd() % sb.size] ^= (unsigned char)(1u << rnd() % 8);
		if ((rnd() & 7) == 0)
			n = rnd() % (sb.size + 1);
		cross_check(m, n, &reqlim);
	}
	free(m);
	msgpack_sbuffer_destroy(&sb);
	assert_true(hist[MP_OK] > 5000);
	assert_true(hist[MP_TRUNCATED] > 1000);
	assert_true(hist[MP_TRAILING] > 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_uniform_bytes, reset),
		cmocka_unit_test_setup(test_header_alphabet, reset),
		cmocka_unit_test_setup(test_mutated_request, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
