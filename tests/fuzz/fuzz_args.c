/*
 * fuzz_args.c: libFuzzer target for the argument readers every handler
 * reads its arguments through (mp_reader_init, the mp_get_* getters,
 * mp_reader_end).
 *
 * The input is a MessagePack value, decoded as cairnd decodes a request;
 * a map is then read with getters of every kind, for its own keys (so
 * that they are found) and for absent ones, with limits taken from a
 * table.  Whatever a getter hands back must be within what it was asked
 * for, a refusal must say which argument and why, and mp_reader_end must
 * refuse exactly the maps with a key nobody read.
 *
 * The first input byte chooses the getters and limits, the rest is the
 * value.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpack.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define fail(...) do {					\
	fprintf(stderr, "fuzz_args: " __VA_ARGS__);	\
	fputc('\n', stderr);				\
	abort();					\
} while (0)

static const struct {
	int64_t	min, max;
} int_ranges[] = {
	{ INT64_MIN, INT64_MAX }, { 1, INT64_MAX }, { 1, 10 }, { 0, 0 },
	{ -5, 5 }, { 1, 2147483647 },
};

static const struct {
	double	min, max;
} dbl_ranges[] = {
	{ -1e15, 1e15 }, { 1e-9, 1000 }, { 0, 0 }, { -INFINITY, INFINITY },
};

static const struct {
	size_t	min, max;
} str_ranges[] = {
	{ 0, 0 }, { 1, 10 }, { 1, 200 }, { 8, 1024 }, { 0, 4000 },
	{ 0, SIZE_MAX },
};

#define N(a)	(sizeof (a) / sizeof *(a))

/* Set when the map has an argument named "", which a refusal may name. */
static bool empty_key;

/* A refusal names its argument (or "args") and says something. */
static void
check_refusal(const struct mp_reader *r)
{
	if (r->err == E_OK)
		return;
	if (r->msg[0] == '\0')
		fail("a refusal without a message");
	if (r->field[0] == '\0' && !empty_key)
		fail("a refusal without a field: %s", r->msg);
	if (r->err != E_BAD_REQUEST && r->err != E_INVALID &&
	    r->err != E_LIMIT)
		fail("a refusal with code %d: %s", r->err, r->msg);
}

/* Read key with getter kind k (0-4) and limits chosen by sel. */
static void
get(struct mp_reader *r, const char *key, unsigned k, unsigned sel)
{
	int req = sel & 1 ? MP_REQUIRED : MP_OPTIONAL;
	bool was_ok = mp_reader_ok(r), got;
	const msgpack_object *m;
	const char *s;
	int64_t i;
	double d;
	bool b;

	switch (k % 5) {
	case 0: {
		size_t lo = str_ranges[sel % N(str_ranges)].min;
		size_t hi = str_ranges[sel % N(str_ranges)].max;

		if ((got = mp_get_str(r, key, req, lo, hi, &s)) &&
		    (strlen(s) < lo || strlen(s) > hi))
			fail("mp_get_str('%s') gave %zu bytes, not %zu-%zu",
			    key, strlen(s), lo, hi);
		break;
	}
	case 1: {
		int64_t lo = int_ranges[sel % N(int_ranges)].min;
		int64_t hi = int_ranges[sel % N(int_ranges)].max;

		if ((got = mp_get_int(r, key, req, lo, hi, &i)) &&
		    (i < lo || i > hi))
			fail("mp_get_int('%s') gave %lld", key, (long long)i);
		break;
	}
	case 2: {
		double lo = dbl_ranges[sel % N(dbl_ranges)].min;
		double hi = dbl_ranges[sel % N(dbl_ranges)].max;

		if ((got = mp_get_double(r, key, req, lo, hi, &d)) &&
		    !(d >= lo && d <= hi))
			fail("mp_get_double('%s') gave %g", key, d);
		break;
	}
	case 3:
		got = mp_get_bool(r, key, req, &b);
		break;
	default:
		if ((got = mp_get_map(r, key, req, &m)) &&
		    (m == NULL || m->type != MSGPACK_OBJECT_MAP))
			fail("mp_get_map('%s') gave no map", key);
		break;
	}
	if (got && !was_ok)
		fail("a getter succeeded after an error");
	if (got && !mp_reader_ok(r))
		fail("a getter succeeded and failed");
	check_refusal(r);
}

/* The map's i-th key as a C string, or NULL if it is none. */
static const char *
key_at(const msgpack_object *map, uint32_t i, char *buf, size_t len)
{
	const msgpack_object *k = &map->via.map.ptr[i].key;

	if (k->type != MSGPACK_OBJECT_STR || k->via.str.size >= len)
		return NULL;
	/* ptr may be NULL for "" (see mpack.c str_bytes). */
	if (k->via.str.size == 0) {
		buf[0] = '\0';
		return buf;
	}
	if (memchr(k->via.str.ptr, '\0', k->via.str.size) != NULL)
		return NULL;
	memcpy(buf, k->via.str.ptr, k->via.str.size);
	buf[k->via.str.size] = '\0';
	return buf;
}

static void
read_args(const msgpack_object *root, unsigned sel)
{
	struct mp_reader r;
	char key[128];
	const char *k;
	uint32_t n, used = 0;
	bool ended;

	empty_key = false;
	if (root != NULL && root->type == MSGPACK_OBJECT_MAP)
		for (uint32_t i = 0; i < root->via.map.size; i++)
			if (root->via.map.ptr[i].key.type ==
			    MSGPACK_OBJECT_STR &&
			    root->via.map.ptr[i].key.via.str.size == 0)
				empty_key = true;

	if (!mp_reader_init(&r, root)) {
		if (mp_reader_ok(&r))
			fail("mp_reader_init refused without an error");
		check_refusal(&r);
		if (mp_reader_end(&r))
			fail("mp_reader_end accepted a refused map");
		mp_reader_free(&r);
		return;
	}
	if (!mp_reader_ok(&r))
		fail("mp_reader_init accepted with an error");
	n = r.map != NULL ? r.map->via.map.size : 0;
	/* Read some of the keys, each with a getter chosen by sel. */
	for (uint32_t i = 0; i < n; i++) {
		if ((sel >> 4) & 1 && i == n - 1)
			break;		/* leave the last one unread */
		if ((k = key_at(r.map, i, key, sizeof key)) == NULL)
			continue;
		get(&r, k, i + sel, sel + i * 7);
		used++;
	}
	/* And an absent one. */
	get(&r, "no such argument \x01", sel >> 1, sel >> 2);
	ended = mp_reader_end(&r);
	if (ended && !mp_reader_ok(&r))
		fail("mp_reader_end accepted after an error");
	if (!ended)
		check_refusal(&r);
	/* Every key that was read leaves only unread ones to refuse. */
	if (ended && used < n) {
		for (uint32_t i = 0; i < n; i++)
			if ((r.used & (UINT64_C(1) << i)) == 0)
				fail("mp_reader_end accepted unread key %u",
				    i);
	}
	mp_reader_free(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mp_limits lim = { DEFAULT_MAX_DEPTH,
	    DEFAULT_MAX_STRING };
	struct mp_doc doc;

	if (size < 1)
		return 0;
	if (mp_decode(&doc, (const char *)data + 1, size - 1, &lim) != MP_OK)
		return 0;
	read_args(doc.root, data[0]);
	/* A request's args may be absent (nil): that is no arguments. */
	read_args(NULL, data[0]);
	mp_doc_free(&doc);
	return 0;
}
