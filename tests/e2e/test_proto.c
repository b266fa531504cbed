/*
 * test_proto.c: the wire protocol against a live cairnd over TLS, with raw
 * frames, so that what a foreign client would see is checked byte for byte:
 * hello, frames, payloads, requests, pipelines and their limits (TLS and
 * the connection limits: test_conn.c).  run.sh starts the server with
 * small limits (max_frame 65536, max_string 4096, max_depth 8, max_queue 8,
 * max_elements 8192, max_conns 64, handshake_timeout 2 s, hello_timeout
 * 2 s, idle_timeout 4 s).
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>

#include "frame.h"
#include "mpack.h"
#include "peer.h"
#include "tls.h"
#include "wire.h"
#include "proto-lib.h"

static void
test_hello_first(void **st)
{
	struct peer p;
	msgpack_sbuffer sb;

	conn(&p);
	pack_req(&sb, 7, "ping", NULL);
	assert_int_equal(call(&p, 7, &sb), E_PROTO);
	assert_closed(&p);
	peer_close(&p);
}

static void
test_hello_wrong_version(void **st)
{
	struct peer p;
	msgpack_sbuffer sb;
	struct mp_doc doc;

	conn(&p);
	pack_hello(&sb, 3, 2, "future");
	raw_frame(&p, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	assert_int_equal(read_resp(&p, 3, &doc), E_PROTO);
	mp_doc_free(&doc);
	assert_closed(&p);
	peer_close(&p);
}

static void
test_hello_result(void **st)
{
	struct peer p;
	msgpack_sbuffer sb;
	struct mp_doc doc;
	const msgpack_object *r;

	conn(&p);
	pack_hello(&sb, 9, 1, "t");
	raw_frame(&p, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	assert_int_equal(read_resp(&p, 9, &doc), E_OK);
	r = mp_map_get(doc.root, "result");
	assert_int_equal(mp_map_get(r, "proto")->via.u64, 1);
	assert_true(mp_str_eq(mp_map_get(r, "server"), "cairnd"));
	assert_int_equal(mp_map_get(r, "max_frame")->via.u64, 65536);
	/* The limit until login (startup_max_frame, default 8192). */
	assert_non_null(mp_map_get(r, "startup_max_frame"));
	assert_int_equal(mp_map_get(r, "startup_max_frame")->via.u64, 8192);
	mp_doc_free(&doc);
	peer_close(&p);
}

static void
test_zero_frame(void **st)
{
	struct peer p;
	struct mp_doc doc;
	unsigned char zero[4] = { 0, 0, 0, 0 };

	conn(&p);
	hello(&p);
	assert_true(peer_write(&p, zero, 4));
	assert_int_equal(read_resp(&p, 0, &doc), E_BAD_FRAME);
	mp_doc_free(&doc);
	assert_closed(&p);
	peer_close(&p);
}

static void
test_oversized_frame(void **st)
{
	struct peer p;
	struct mp_doc doc;
	unsigned char hdr[4];

	conn(&p);
	hello(&p);
	frame_put_header(hdr, 65537);
	assert_true(peer_write(&p, hdr, 4));	/* no body needed */
	assert_int_equal(read_resp(&p, 0, &doc), E_BAD_FRAME);
	mp_doc_free(&doc);
	assert_closed(&p);
	peer_close(&p);
}

/* Errors inside a good frame leave the connection usable. */
static void
test_bad_payloads(void **st)
{
	static const struct {
		const char	*bytes;
		size_t		 len;
		enum wire_err	 want;
	} cases[] = {
		{ "\xc1", 1, E_BAD_REQUEST },			/* never used */
		{ "\x81\xa2id", 4, E_BAD_REQUEST },		/* truncated */
		{ "\x93\x01\x02\x03", 4, E_BAD_REQUEST },	/* not a map */
		{ "\x80", 1, E_BAD_REQUEST },			/* no id */
		{ "\x81\xa2op\xa4ping", 8, E_BAD_REQUEST },	/* no id */
		{ "\x80\x00", 2, E_BAD_REQUEST },		/* trailing */
		{ "\xd4\x01\x02", 3, E_BAD_REQUEST },		/* ext */
	};
	struct peer p;
	struct mp_doc doc;

	conn(&p);
	hello(&p);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		raw_frame(&p, cases[i].bytes, cases[i].len);
		assert_int_equal(read_resp(&p, 0, &doc), cases[i].want);
		mp_doc_free(&doc);
		ping_ok(&p, 100 + i);
	}
	peer_close(&p);
}

static void
test_limits_in_frame(void **st)
{
	struct peer p;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	char *big = malloc(5000);

	conn(&p);
	hello(&p);
	/* Nested too deeply: args holds arrays 10 deep (limit 8). */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	mp_kv_uint(&pk, "id", 5);
	mp_kv_str(&pk, "op", "ping");
	mp_pack_key(&pk, "args");
	msgpack_pack_map(&pk, 1);
	mp_pack_key(&pk, "x");
	for (int i = 0; i < 10; i++)
		msgpack_pack_array(&pk, 1);
	msgpack_pack_nil(&pk);
	raw_frame(&p, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	struct mp_doc doc;
	assert_int_equal(read_resp(&p, 0, &doc), E_LIMIT);
	mp_doc_free(&doc);
	ping_ok(&p, 6);

	/* A string over max_string (4096). */
	memset(big, 'a', 4999);
	big[4999] = '\0';
	pack_req(&sb, 7, "session.login", "login", big, "password", "x", NULL);
	raw_frame(&p, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	assert_int_equal(read_resp(&p, 0, &doc), E_LIMIT);
	mp_doc_free(&doc);
	ping_ok(&p, 8);
	free(big);
	peer_close(&p);
}

static void
test_requests_refused(void **st)
{
	struct peer p;
	msgpack_sbuffer sb;

	conn(&p);
	hello(&p);
	pack_req(&sb, 11, "no.such.op", NULL);
	assert_int_equal(call(&p, 11, &sb), E_UNKNOWN_OP);
	pack_req(&sb, 12, "session.whoami", NULL);
	assert_int_equal(call(&p, 12, &sb), E_AUTH);
	pack_req(&sb, 13, "user.list", NULL);
	assert_int_equal(call(&p, 13, &sb), E_AUTH);
	pack_req(&sb, 14, "ping", "unexpected", "x", NULL);
	assert_int_equal(call(&p, 14, &sb), E_BAD_REQUEST);
	pack_req(&sb, 15, "session.login", "login", "x", NULL);
	assert_int_equal(call(&p, 15, &sb), E_BAD_REQUEST);	/* no pw */
	pack_req(&sb, 16, "session.resume", "token", "zz", NULL);
	assert_int_equal(call(&p, 16, &sb), E_AUTH);
	pack_req(&sb, 17, "session.resume", "token",
	    "00000000000000000000000000000000"
	    "00000000000000000000000000000000", NULL);
	assert_int_equal(call(&p, 17, &sb), E_AUTH);
	ping_ok(&p, 18);
	peer_close(&p);
}

static void
test_wrong_type(void **st)
{
	struct peer p;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct mp_doc doc;
	const msgpack_object *err;

	conn(&p);
	hello(&p);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	mp_kv_uint(&pk, "id", 21);
	mp_kv_str(&pk, "op", "session.login");
	mp_pack_key(&pk, "args");
	msgpack_pack_map(&pk, 2);
	mp_kv_int(&pk, "login", 42);
	mp_kv_str(&pk, "password", "x");
	raw_frame(&p, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	assert_int_equal(read_resp(&p, 21, &doc), E_BAD_REQUEST);
	err = mp_map_get(doc.root, "error");
	assert_true(mp_str_eq(mp_map_get(err, "field"), "login"));
	mp_doc_free(&doc);
	peer_close(&p);
}

/* Pipelining: many requests in one write come back in order, even past
 * max_queue (the server stops reading rather than dropping). */
static void
test_pipeline(void **st)
{
	struct peer p;
	msgpack_sbuffer all, sb;
	unsigned char hdr[4];
	struct mp_doc doc;

	conn(&p);
	hello(&p);
	msgpack_sbuffer_init(&all);
	for (uint64_t id = 1000; id < 1100; id++) {
		pack_req(&sb, id, "ping", NULL);
		frame_put_header(hdr, sb.size);
		msgpack_sbuffer_write(&all, (const char *)hdr, 4);
		msgpack_sbuffer_write(&all, sb.data, sb.size);
		msgpack_sbuffer_destroy(&sb);
	}
	assert_true(peer_write(&p, all.data, all.size));
	msgpack_sbuffer_destroy(&all);
	for (uint64_t id = 1000; id < 1100; id++) {
		assert_int_equal(read_resp(&p, id, &doc), E_OK);
		mp_doc_free(&doc);
	}
	peer_close(&p);
}

/* Login, then database ops pipelined behind each other stay in order. */
static void
test_session_ops(void **st)
{
	struct peer p;
	msgpack_sbuffer sb;
	struct mp_doc doc;
	const msgpack_object *r;

	conn(&p);
	hello(&p);
	pack_req(&sb, 2, "session.login", "login", admin, "password", admin_pw,
	    NULL);
	raw_frame(&p, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	pack_req(&sb, 3, "session.whoami", NULL);
	raw_frame(&p, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	pack_req(&sb, 4, "ping", NULL);
	raw_frame(&p, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);

	assert_int_equal(read_resp(&p, 2, &doc), E_OK);
	r = mp_map_get(doc.root, "result");
	assert_int_equal(mp_map_get(r, "token")->via.str.size, 64);
	assert_true(mp_str_eq(mp_map_get(mp_map_get(r, "user"), "login"),
	    admin));
	mp_doc_free(&doc);
	assert_int_equal(read_resp(&p, 3, &doc), E_OK);
	r = mp_map_get(doc.root, "result");
	assert_true(mp_str_eq(mp_map_get(r, "role"), "admin"));
	mp_doc_free(&doc);
	assert_int_equal(read_resp(&p, 4, &doc), E_OK);
	mp_doc_free(&doc);

	pack_req(&sb, 5, "session.logout", NULL);
	assert_int_equal(call(&p, 5, &sb), E_OK);
	pack_req(&sb, 6, "session.whoami", NULL);
	assert_int_equal(call(&p, 6, &sb), E_AUTH);
	peer_close(&p);
}

/*
 * Reads from many connections at once share a pipeline batch in cairnd; a
 * read that fails (a date PostgreSQL refuses) must fail alone, the others
 * of its batch being sent again.
 */
static void
test_failing_read_in_batch(void **st)
{
	enum { N = 16, ROUNDS = 20 };
	struct peer ps[N];
	msgpack_sbuffer sb;
	struct mp_doc doc;
	const msgpack_object *r;
	char token[65];

	for (int i = 0; i < N; i++) {
		conn(&ps[i]);
		hello(&ps[i]);
	}
	pack_req(&sb, 2, "session.login", "login", admin, "password",
	    admin_pw, NULL);
	raw_frame(&ps[0], sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	assert_int_equal(read_resp(&ps[0], 2, &doc), E_OK);
	r = mp_map_get(mp_map_get(doc.root, "result"), "token");
	snprintf(token, sizeof token, "%.*s", (int)r->via.str.size,
	    r->via.str.ptr);
	mp_doc_free(&doc);
	for (int i = 1; i < N; i++) {
		pack_req(&sb, 2, "session.resume", "token", token, NULL);
		assert_int_equal(call(&ps[i], 2, &sb), E_OK);
	}
	for (int round = 0; round < ROUNDS; round++) {
		int bad = round % N;
		for (int i = 0; i < N; i++) {
			if (i == bad)
				pack_req(&sb, 10, "audit.list", "since",
				    "2026-02-30", NULL);
			else
				pack_req(&sb, 10, "user.get", "login", admin,
				    NULL);
			raw_frame(&ps[i], sb.data, sb.size);
			msgpack_sbuffer_destroy(&sb);
		}
		for (int i = 0; i < N; i++) {
			assert_int_equal(read_resp(&ps[i], 10, &doc),
			    i == bad ? E_INVALID : E_OK);
			mp_doc_free(&doc);
		}
	}
	for (int i = 0; i < N; i++)
		peer_close(&ps[i]);
}

/* max_elements (8192) counts every object of a request: refused before
 * anything is allocated for it, id 0, and the connection stays open. */
static void
test_max_elements(void **st)
{
	struct peer p;
	msgpack_sbuffer sb;
	struct mp_doc doc;
	const msgpack_object *err;
	char msg[200];

	conn(&p);
	hello(&p);
	login(&p, 30);
	/* 8192 elements in all: decoded, refused by ping for its argument. */
	pack_nils(&sb, 31, "ping", 8192 - 9);
	assert_int_equal(call(&p, 31, &sb), E_BAD_REQUEST);
	/* One more: refused whole. */
	pack_nils(&sb, 32, "ping", 8192 - 8);
	raw_frame(&p, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	assert_int_equal(read_resp(&p, 0, &doc), E_LIMIT);
	err = mp_map_get(mp_map_get(doc.root, "error"), "message");
	snprintf(msg, sizeof msg, "%.*s", (int)err->via.str.size,
	    err->via.str.ptr);
	assert_non_null(strstr(msg, "more than 8192 MessagePack elements"));
	mp_doc_free(&doc);
	/* A frame of nothing but nils, at the frame limit. */
	char *nils = malloc(65536);
	nils[0] = (char)0xdd;			/* array 32 */
	nils[1] = 0;
	nils[2] = 0;
	nils[3] = (char)0xff;
	nils[4] = (char)0xfb;			/* 65531 elements */
	memset(nils + 5, 0xc0, 65531);
	raw_frame(&p, nils, 65536);
	free(nils);
	assert_int_equal(read_resp(&p, 0, &doc), E_LIMIT);
	mp_doc_free(&doc);
	ping_ok(&p, 33);
	peer_close(&p);
}

/* Text that is not UTF-8 never reaches the database: E_INVALID naming
 * the argument, the connection usable. */
static void
test_invalid_utf8(void **st)
{
	static const char *bad[] = {
		"\xc3\x28",			/* bad continuation */
		"ab\xc0\xaf",			/* overlong '/' */
		"\xed\xa0\x80",		/* surrogate U+D800 */
		"\xf4\x90\x80\x80",		/* above U+10FFFF */
		"x\xe2\x82",			/* truncated */
		"\xff",
	};
	struct peer p;
	msgpack_sbuffer sb;
	struct mp_doc doc;
	const msgpack_object *err;
	uint64_t id = 40;

	conn(&p);
	hello(&p);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++, id++) {
		pack_req(&sb, id, "session.login", "login", bad[i],
		    "password", "x", NULL);
		raw_frame(&p, sb.data, sb.size);
		msgpack_sbuffer_destroy(&sb);
		assert_int_equal(read_resp(&p, id, &doc), E_INVALID);
		err = mp_map_get(doc.root, "error");
		/* Not PostgreSQL's refusal (no field): cairnd's own. */
		assert_non_null(mp_map_get(err, "field"));
		assert_true(mp_str_eq(mp_map_get(err, "field"), "login"));
		mp_doc_free(&doc);
	}
	pack_req(&sb, id, "session.login", "login", "someone", "password",
	    "pass\xe9", NULL);			/* Latin-1, not UTF-8 */
	raw_frame(&p, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	assert_int_equal(read_resp(&p, id, &doc), E_INVALID);
	err = mp_map_get(doc.root, "error");
	assert_non_null(mp_map_get(err, "field"));
	assert_true(mp_str_eq(mp_map_get(err, "field"), "password"));
	mp_doc_free(&doc);
	/* Well-formed text of every length is fine (and is a bad login). */
	pack_req(&sb, ++id, "session.login", "login",
	    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "password", "x",
	    NULL);
	assert_int_equal(call(&p, id, &sb), E_AUTH);
	ping_ok(&p, ++id);
	peer_close(&p);
}

/* Large frames pipelined past max_buffered (two frames) come back whole
 * and in order: reading resumes as each is answered, including the bytes
 * OpenSSL had already decrypted when reading stopped. */
static void
test_big_pipeline(void **st)
{
	enum { N = 12 };
	struct peer p;
	msgpack_sbuffer all, sb;
	msgpack_packer pk;
	unsigned char hdr[4];
	char pad[4000];
	struct mp_doc doc;

	memset(pad, 'p', sizeof pad);
	conn(&p);
	hello(&p);
	login(&p, 199);
	msgpack_sbuffer_init(&all);
	for (uint64_t id = 200; id < 200 + N; id++) {
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 3);
		mp_kv_uint(&pk, "id", id);
		mp_kv_str(&pk, "op", "ping");
		mp_pack_key(&pk, "args");
		msgpack_pack_map(&pk, 1);
		mp_pack_key(&pk, "pad");
		msgpack_pack_array(&pk, 16);	/* about 64 000 bytes */
		for (int i = 0; i < 16; i++)
			mp_pack_strn(&pk, pad, sizeof pad);
		assert_true(sb.size <= 65536);
		frame_put_header(hdr, sb.size);
		msgpack_sbuffer_write(&all, (const char *)hdr, 4);
		msgpack_sbuffer_write(&all, sb.data, sb.size);
		msgpack_sbuffer_destroy(&sb);
	}
	assert_true(peer_write(&p, all.data, all.size));
	msgpack_sbuffer_destroy(&all);
	for (uint64_t id = 200; id < 200 + N; id++) {
		/* Refused for its unknown argument, with its own id. */
		assert_int_equal(read_resp(&p, id, &doc), E_BAD_REQUEST);
		mp_doc_free(&doc);
	}
	ping_ok(&p, 300);
	peer_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_first),
		cmocka_unit_test(test_hello_wrong_version),
		cmocka_unit_test(test_hello_result),
		cmocka_unit_test(test_zero_frame),
		cmocka_unit_test(test_oversized_frame),
		cmocka_unit_test(test_bad_payloads),
		cmocka_unit_test(test_limits_in_frame),
		cmocka_unit_test(test_requests_refused),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_pipeline),
		cmocka_unit_test(test_session_ops),
		cmocka_unit_test(test_failing_read_in_batch),
		cmocka_unit_test(test_max_elements),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_big_pipeline),
	};

	if (!proto_env("test_proto"))
		return 1;
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
