/*
 * fuzz_frame.c: libFuzzer target for what cairnd does with the bytes a
 * connection sends before anything else looks at them: cut them into
 * frames (frame_peek), validate each payload (mp_check) and decode it
 * (mp_decode), then read the envelope as conn.c does.
 *
 * mp_check is a second MessagePack parser, so its verdict is compared
 * with msgpack-c's own, both ways, as tests/unit/test_mpack_fuzz.c does:
 * what one accepts and the other refuses is a hole.  Every decoded value
 * is also printed as the client prints replies (client/json.c), and that
 * text must read back as JSON (common/json2mp.c): json.h promises valid
 * JSON whatever the server sends.
 *
 * The first two input bytes choose the limits, the rest is the stream.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "json.h"
#include "json2mp.h"
#include "mpack.h"

#define MAX_PAYLOAD	65536	/* the e2e tests' max_frame */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
die(const char *what, size_t n, const uint8_t *b)
{
	fprintf(stderr, "fuzz_frame: %s (%zu bytes, first %02x)\n", what, n,
	    n > 0 ? b[0] : 0);
	abort();
}

/* What mp_check enforces beyond syntax, on a decoded object. */
static int
acceptable(const msgpack_object *o, size_t depth, const struct mp_limits *l)
{
	switch (o->type) {
	case MSGPACK_OBJECT_EXT:
		return 0;
	case MSGPACK_OBJECT_STR:
	case MSGPACK_OBJECT_BIN:
		return o->via.str.size <= l->max_string;
	case MSGPACK_OBJECT_ARRAY:
		if (depth + 1 > l->max_depth)
			return 0;
		for (uint32_t i = 0; i < o->via.array.size; i++)
			if (!acceptable(&o->via.array.ptr[i], depth + 1, l))
				return 0;
		return 1;
	case MSGPACK_OBJECT_MAP:
		if (depth + 1 > l->max_depth)
			return 0;
		for (uint32_t i = 0; i < o->via.map.size; i++)
			if (!acceptable(&o->via.map.ptr[i].key, depth + 1, l) ||
			    !acceptable(&o->via.map.ptr[i].val, depth + 1, l))
				return 0;
		return 1;
	default:
		return 1;
	}
}

/*
 * msgpack-c reserves memory for every count a header announces before it
 * reads the elements: a 32-bit lie costs it up to 128 GB, a 16-bit one
 * 1.5 MB per three bytes.  mp_check refuses such lies, so when it has
 * refused, ask msgpack-c only if there is no 32-bit count byte, and no
 * 16-bit one either unless the input is tiny.
 */
static int
safe_for_msgpack_c(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] == 0xdd || b[i] == 0xdf ||
		    (n > 64 && (b[i] == 0xdc || b[i] == 0xde)))
			return 0;
	return 1;
}

static void
cross_check(const uint8_t *b, size_t n, const struct mp_limits *lim)
{
	enum mp_status st = mp_check(b, n, lim);
	msgpack_unpacked up;
	msgpack_unpack_return ur;
	size_t off = 0;

	if (st > MP_TRAILING)
		die("mp_check returned an unexpected status", n, b);
	if (st != MP_OK && st != MP_TRAILING && !safe_for_msgpack_c(b, n))
		return;
	msgpack_unpacked_init(&up);
	ur = msgpack_unpack_next(&up, (const char *)b, n, &off);
	switch (st) {
	case MP_OK:
		if (ur != MSGPACK_UNPACK_SUCCESS || off != n ||
		    !acceptable(&up.data, 0, lim))
			die("mp_check accepted what msgpack-c refuses", n, b);
		break;
	case MP_TRAILING:
		if (ur != MSGPACK_UNPACK_SUCCESS || off >= n ||
		    !acceptable(&up.data, 0, lim) ||
		    mp_check(b, off, lim) != MP_OK)
			die("MP_TRAILING, but the first value is not whole",
			    n, b);
		break;
	default:
		if (ur == MSGPACK_UNPACK_SUCCESS && off == n &&
		    acceptable(&up.data, 0, lim))
			die("mp_check refused what msgpack-c accepts", n, b);
		break;
	}
	msgpack_unpacked_destroy(&up);
}

/* Print as the client does; the text must be JSON, and print the same. */
static void
print_back(const msgpack_object *o)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&text, &len)) == NULL)
		abort();
	json_print(f, o);
	fclose(f);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (!json_to_msgpack(&pk, text, len)) {
		fprintf(stderr, "fuzz_frame: json_print wrote what is not "
		    "JSON: %.*s\n", (int)(len < 300 ? len : 300), text);
		abort();
	}
	msgpack_sbuffer_destroy(&sb);
	free(text);
}

/* The envelope, read as conn.c reads it. */
static void
envelope(const msgpack_object *root)
{
	const msgpack_object *id, *op, *args;
	struct mp_reader r;

	if (root->type != MSGPACK_OBJECT_MAP)
		return;
	id = mp_map_get(root, "id");
	op = mp_map_get(root, "op");
	args = mp_map_get(root, "args");
	if (id != NULL && id->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    op != NULL && mp_str_eq(op, "ping") && args == NULL)
		return;
	if (mp_reader_init(&r, args))
		(void)mp_reader_end(&r);
	mp_reader_free(&r);
}

static void
payload(const uint8_t *p, size_t n, const struct mp_limits *lim)
{
	struct mp_doc doc;
	enum mp_status st;

	cross_check(p, n, lim);
	st = mp_decode(&doc, (const char *)p, n, lim);
	if (st != mp_check(p, n, lim))
		die("mp_decode and mp_check disagree", n, p);
	if (st != MP_OK)
		return;
	if (doc.root == NULL || !acceptable(doc.root, 0, lim))
		die("mp_decode returned what the limits refuse", n, p);
	envelope(doc.root);
	print_back(doc.root);
	mp_doc_free(&doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t strings[] = { 0, 1, 6, 32, 4096, 65536 };
	struct mp_limits lim;
	size_t n = 0, len;

	if (size < 2)
		return 0;
	lim.max_depth = 1 + data[0] % MP_DEPTH_HARD_MAX;
	lim.max_string = strings[data[1] % (sizeof strings / sizeof *strings)];
	data += 2;
	size -= 2;
	while (size > 0) {
		switch (frame_peek(data, size, MAX_PAYLOAD, &n)) {
		case FRAME_NEED_MORE:
			if (size >= FRAME_HEADER_SIZE &&
			    n <= size - FRAME_HEADER_SIZE)
				die("FRAME_NEED_MORE with the frame there",
				    size, data);
			return 0;
		case FRAME_ZERO:
			if (n != 0)
				die("FRAME_ZERO with a length", size, data);
			return 0;
		case FRAME_TOO_BIG:
			if (n <= MAX_PAYLOAD)
				die("FRAME_TOO_BIG within the limit", size,
				    data);
			return 0;
		case FRAME_OK:
			if (n == 0 || n > MAX_PAYLOAD ||
			    n > size - FRAME_HEADER_SIZE)
				die("FRAME_OK with a bad length", size, data);
			break;
		}
		payload(data + FRAME_HEADER_SIZE, n, &lim);
		len = FRAME_HEADER_SIZE + n;
		data += len;
		size -= len;
	}
	return 0;
}
