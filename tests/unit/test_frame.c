/*
 * test_frame.c: the length-prefixed framing, byte by byte.
 *
 * frame_peek() is what stands between a socket and the parser, so these
 * tests feed it every way a stream can be cut: one byte at a time, split at
 * every position, several frames in one read, and the framing errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"
#include "wire.h"

/* Payload limit of the reader below. */
#define MAXF	4096

/*
 * A minimal stand-in for the connection reader: bytes arrive in arbitrary
 * pieces, are appended to buf, and every complete frame is copied out in
 * order.  The server does the same with an evbuffer.
 */
struct rd {
	unsigned char	buf[4 * MAXF];
	size_t		len;
	unsigned char	out[8][MAXF];	/* payloads, in order */
	size_t		outlen[8];
	size_t		nout;
};

static enum frame_status
rd_feed(struct rd *r, const unsigned char *p, size_t n)
{
	enum frame_status st;
	size_t off = 0, plen;

	assert_true(r->len + n <= sizeof r->buf);
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	for (;;) {
		plen = (size_t)-1;
		st = frame_peek(r->buf + off, r->len - off, MAXF, &plen);
		if (st != FRAME_OK)
			break;
		assert_true(plen > 0 && plen <= MAXF);
		assert_true(r->nout < 8);
		memcpy(r->out[r->nout], r->buf + off + FRAME_HEADER_SIZE,
		    plen);
		r->outlen[r->nout++] = plen;
		off += FRAME_HEADER_SIZE + plen;
	}
	memmove(r->buf, r->buf + off, r->len - off);
	r->len -= off;
	return st;
}

/* Append header + payload to s, return the new length. */
static size_t
put_frame(unsigned char *s, size_t at, const unsigned char *p, size_t n)
{
	frame_put_header(s + at, (uint32_t)n);
	memcpy(s + at + FRAME_HEADER_SIZE, p, n);
	return at + FRAME_HEADER_SIZE + n;
}

/* Payloads: a short one and one over 255 bytes so two header bytes count. */
static unsigned char	p1[5] = { 'h', 'e', 'l', 'l', 'o' };
static unsigned char	p2[300];
static unsigned char	p3[1];

static int
setup_payloads(void **state)
{
	for (size_t i = 0; i < sizeof p2; i++)
		p2[i] = (unsigned char)(i * 7 + 3);
	p3[0] = 0x00;		/* a NUL payload byte must not matter */
	return 0;
}

static void
test_put_header_order(void **state)
{
	unsigned char h[4];
	size_t n = 0;

	/* Big-endian on the wire, whatever the host order. */
	frame_put_header(h, 0x01020304);
	assert_int_equal(h[0], 0x01);
	assert_int_equal(h[1], 0x02);
	assert_int_equal(h[2], 0x03);
	assert_int_equal(h[3], 0x04);

	frame_put_header(h, 0xFFFFFFFFu);
	assert_memory_equal(h, "\xff\xff\xff\xff", 4);
	frame_put_header(h, 0);
	assert_memory_equal(h, "\0\0\0\0", 4);
	frame_put_header(h, 256);
	assert_memory_equal(h, "\0\0\x01\0", 4);

	/* What put_header writes, peek reads back. */
	frame_put_header(h, 0x01020304);
	assert_int_equal(frame_peek(h, 4, SIZE_MAX, &n), FRAME_NEED_MORE);
	assert_int_equal(n, 0x01020304);
	for (uint32_t v = 1; v < 70000; v = v * 3 + 1) {
		frame_put_header(h, v);
		assert_int_equal(frame_peek(h, 4, 0, &n), FRAME_TOO_BIG);
		assert_int_equal(n, v);
	}
}

static void
test_one_byte_at_a_time(void **state)
{
	unsigned char s[FRAME_HEADER_SIZE + sizeof p2];
	size_t total, n;

	total = put_frame(s, 0, p2, sizeof p2);
	/* Every strict prefix, header included, is "wait for more". */
	for (size_t k = 0; k < total; k++) {
		n = 12345;
		assert_int_equal(frame_peek(s, k, MAXF, &n), FRAME_NEED_MORE);
		/* Once the header is in, the length is already reported. */
		if (k >= FRAME_HEADER_SIZE)
			assert_int_equal(n, sizeof p2);
	}
	n = 0;
	assert_int_equal(frame_peek(s, total, MAXF, &n), FRAME_OK);
	assert_int_equal(n, sizeof p2);

	/* The same through the reader, fed literally one byte per call. */
	struct rd *r = calloc(1, sizeof *r);
	assert_non_null(r);
	for (size_t k = 0; k < total; k++) {
		assert_int_equal(r->nout, 0);
		assert_int_equal(rd_feed(r, s + k, 1), FRAME_NEED_MORE);
	}
	assert_int_equal(r->nout, 1);
	assert_int_equal(r->outlen[0], sizeof p2);
	assert_memory_equal(r->out[0], p2, sizeof p2);
	assert_int_equal(r->len, 0);
	free(r);
}

static void
test_two_frames_every_split(void **state)
{
	unsigned char s[2 * FRAME_HEADER_SIZE + sizeof p1 + sizeof p2];
	size_t total;

	total = put_frame(s, 0, p1, sizeof p1);
	total = put_frame(s, total, p2, sizeof p2);
	assert_int_equal(total, sizeof s);

	/*
	 * Cut the stream at k (0 and total included: an empty read must be
	 * harmless) and check both frames come out whole and in order.
	 */
	for (size_t k = 0; k <= total; k++) {
		struct rd *r = calloc(1, sizeof *r);

		assert_non_null(r);
		rd_feed(r, s, k);
		/* Exactly the frames entirely inside the first piece. */
		if (k < FRAME_HEADER_SIZE + sizeof p1)
			assert_int_equal(r->nout, 0);
		else if (k < total)
			assert_int_equal(r->nout, 1);
		assert_int_equal(rd_feed(r, s + k, total - k),
		    FRAME_NEED_MORE);
		assert_int_equal(r->nout, 2);
		assert_int_equal(r->outlen[0], sizeof p1);
		assert_memory_equal(r->out[0], p1, sizeof p1);
		assert_int_equal(r->outlen[1], sizeof p2);
		assert_memory_equal(r->out[1], p2, sizeof p2);
		assert_int_equal(r->len, 0);
		free(r);
	}
}

static void
test_three_frames_one_buffer(void **state)
{
	unsigned char s[3 * FRAME_HEADER_SIZE + sizeof p1 + sizeof p2 +
	    sizeof p3];
	const unsigned char *want[3] = { p2, p3, p1 };
	size_t wantlen[3] = { sizeof p2, sizeof p3, sizeof p1 };
	size_t total = 0, off = 0, n, i;
	enum frame_status st;

	for (i = 0; i < 3; i++)
		total = put_frame(s, total, want[i], wantlen[i]);
	assert_int_equal(total, sizeof s);

	/* The server's loop: peek, consume, repeat until NEED_MORE. */
	for (i = 0; (st = frame_peek(s + off, total - off, MAXF, &n)) ==
	    FRAME_OK; i++) {
		assert_true(i < 3);
		assert_int_equal(n, wantlen[i]);
		assert_memory_equal(s + off + FRAME_HEADER_SIZE, want[i], n);
		off += FRAME_HEADER_SIZE + n;
	}
	assert_int_equal(st, FRAME_NEED_MORE);
	assert_int_equal(i, 3);
	assert_int_equal(off, total);

	/* A third frame cut short stays pending, the first two come out. */
	off = 0;
	for (i = 0; frame_peek(s + off, total - 1 - off, MAXF, &n) ==
	    FRAME_OK; i++)
		off += FRAME_HEADER_SIZE + n;
	assert_int_equal(i, 2);
	assert_int_equal(off, total - FRAME_HEADER_SIZE - sizeof p1);
}

static void
test_zero_length(void **state)
{
	unsigned char s[8] = { 0, 0, 0, 0, 'x', 'y', 'z', 'w' };
	size_t n = 99;

	/* An empty frame is a protocol error, not "an empty request". */
	assert_int_equal(frame_peek(s, 4, MAXF, &n), FRAME_ZERO);
	assert_int_equal(n, 0);
	assert_int_equal(frame_peek(s, sizeof s, MAXF, &n), FRAME_ZERO);
	/* ... but only once the whole header is there. */
	assert_int_equal(frame_peek(s, 3, MAXF, &n), FRAME_NEED_MORE);

	/* A zero frame after a good one is found by the consuming loop. */
	unsigned char t[FRAME_HEADER_SIZE + sizeof p1 + 4];
	size_t off = put_frame(t, 0, p1, sizeof p1);
	memset(t + off, 0, 4);
	assert_int_equal(frame_peek(t, sizeof t, MAXF, &n), FRAME_OK);
	assert_int_equal(frame_peek(t + off, sizeof t - off, MAXF, &n),
	    FRAME_ZERO);
}

static void
test_limit(void **state)
{
	unsigned char *s;
	size_t lim = 1000, n;

	s = calloc(1, FRAME_HEADER_SIZE + lim + 1);
	assert_non_null(s);

	/* Exactly the limit is allowed. */
	frame_put_header(s, (uint32_t)lim);
	assert_int_equal(frame_peek(s, FRAME_HEADER_SIZE + lim, lim, &n),
	    FRAME_OK);
	assert_int_equal(n, lim);
	assert_int_equal(frame_peek(s, FRAME_HEADER_SIZE + lim - 1, lim, &n),
	    FRAME_NEED_MORE);

	/*
	 * One more is refused as soon as the header is in, without waiting
	 * for the payload, and the announced size is reported for the log.
	 */
	frame_put_header(s, (uint32_t)lim + 1);
	n = 0;
	assert_int_equal(frame_peek(s, FRAME_HEADER_SIZE, lim, &n),
	    FRAME_TOO_BIG);
	assert_int_equal(n, lim + 1);
	n = 0;
	assert_int_equal(frame_peek(s, FRAME_HEADER_SIZE + lim + 1, lim, &n),
	    FRAME_TOO_BIG);
	assert_int_equal(n, lim + 1);

	/* The default limit, at its edge. */
	frame_put_header(s, DEFAULT_MAX_FRAME);
	assert_int_equal(frame_peek(s, 4, DEFAULT_MAX_FRAME, &n),
	    FRAME_NEED_MORE);
	assert_int_equal(n, DEFAULT_MAX_FRAME);
	frame_put_header(s, DEFAULT_MAX_FRAME + 1);
	assert_int_equal(frame_peek(s, 4, DEFAULT_MAX_FRAME, &n),
	    FRAME_TOO_BIG);
	assert_int_equal(n, DEFAULT_MAX_FRAME + 1);
	free(s);
}

static void
test_huge_length(void **state)
{
	unsigned char s[4] = { 0xff, 0xff, 0xff, 0xff };
	size_t n = 0;

	/* Must not wait for four gigabytes before refusing. */
	assert_int_equal(frame_peek(s, 4, DEFAULT_MAX_FRAME, &n),
	    FRAME_TOO_BIG);
	assert_int_equal(n, 0xFFFFFFFFu);
	/* 0x80000000: the top bit must not turn it into anything odd. */
	s[1] = s[2] = s[3] = 0;
	s[0] = 0x80;
	assert_int_equal(frame_peek(s, 4, DEFAULT_MAX_FRAME, &n),
	    FRAME_TOO_BIG);
	assert_int_equal(n, 0x80000000u);
	/* With no limit to speak of, it is simply incomplete. */
	assert_int_equal(frame_peek(s, 4, SIZE_MAX, &n), FRAME_NEED_MORE);
	assert_int_equal(n, 0x80000000u);
}

static void
test_short_header(void **state)
{
	unsigned char s[4] = { 0xff, 0xff, 0xff, 0xff };
	size_t n = 77;

	/* Fewer than 4 bytes: nothing is decided and n is left alone. */
	for (size_t k = 0; k < FRAME_HEADER_SIZE; k++) {
		assert_int_equal(frame_peek(s, k, 10, &n), FRAME_NEED_MORE);
		assert_int_equal(n, 77);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_header_order),
		cmocka_unit_test(test_one_byte_at_a_time),
		cmocka_unit_test(test_two_frames_every_split),
		cmocka_unit_test(test_three_frames_one_buffer),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_huge_length),
		cmocka_unit_test(test_short_header),
	};

	return cmocka_run_group_tests(tests, setup_payloads, NULL);
}
