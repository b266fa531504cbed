/*
 * test_idem.c: idempotency keys with raw frames, for what the cairn client
 * cannot send: a key of another type, and a retry encoded differently
 * (arguments reordered, an integer as a float, a nil argument).  Run by
 * tests/e2e/idem.sh, which gives the key result to check in on.
 */
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mpack.h"
#include "peer.h"
#include "wire.h"

static const char *addr, *ca, *admin, *admin_pw;
static int64_t kr;
static struct peer P;
static uint64_t next_id = 1;
static char key[64];

/* Send {"id", "op", "args"} with args packed by fill; the reply in doc. */
static enum wire_err
call(const char *op, void (*fill)(msgpack_packer *, void *), void *arg,
    struct mp_doc *doc)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	const msgpack_object *okv, *code;
	uint64_t id = next_id++;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	mp_kv_uint(&pk, "id", id);
	mp_kv_str(&pk, "op", op);
	mp_pack_key(&pk, "args");
	fill(&pk, arg);
	if (!peer_roundtrip(&P, &sb, doc))
		fail_msg("roundtrip: %s", P.err);
	msgpack_sbuffer_destroy(&sb);
	assert_int_equal(mp_map_get(doc->root, "id")->via.u64, id);
	okv = mp_map_get(doc->root, "ok");
	if (okv->via.boolean)
		return E_OK;
	code = mp_map_get(mp_map_get(doc->root, "error"), "code");
	return wire_err_parse(code->via.str.ptr, code->via.str.size);
}

static const char *
err_field(const struct mp_doc *doc)
{
	static char f[64];
	const msgpack_object *o;

	o = mp_map_get(mp_map_get(doc->root, "error"), "field");
	if (o == NULL || o->type != MSGPACK_OBJECT_STR)
		return "";
	snprintf(f, sizeof f, "%.*s", (int)o->via.str.size, o->via.str.ptr);
	return f;
}

static int64_t
result_int(const struct mp_doc *doc, const char *k)
{
	const msgpack_object *o = mp_map_get(mp_map_get(doc->root, "result"),
	    k);

	assert_non_null(o);
	return o->via.i64;
}

static void
fill_hello(msgpack_packer *pk, void *arg)
{
	msgpack_pack_map(pk, 2);
	mp_kv_int(pk, "proto", 1);
	mp_kv_str(pk, "client", "test_idem");
}

static void
fill_login(msgpack_packer *pk, void *arg)
{
	msgpack_pack_map(pk, 2);
	mp_kv_str(pk, "login", admin);
	mp_kv_str(pk, "password", admin_pw);
}

static int
setup(void **st)
{
	struct mp_doc doc;

	if (!peer_connect(&P, addr, ca, 5000))
		fail_msg("connect: %s", P.err);
	assert_int_equal(call("hello", fill_hello, NULL, &doc), E_OK);
	mp_doc_free(&doc);
	assert_int_equal(call("session.login", fill_login, NULL, &doc), E_OK);
	mp_doc_free(&doc);
	snprintf(key, sizeof key, "test-idem-%ld", (long)getpid());
	return 0;
}

static int
teardown(void **st)
{
	peer_close(&P);
	return 0;
}

/* A check-in of 5 with the key set to whatever put packs. */
static void
fill_bad_key(msgpack_packer *pk, void *arg)
{
	void (*put)(msgpack_packer *) = (void (*)(msgpack_packer *))arg;

	msgpack_pack_map(pk, 3);
	mp_kv_int(pk, "id", kr);
	mp_kv_int(pk, "value", 5);
	mp_pack_key(pk, "idempotency_key");
	put(pk);
}

static void put_int(msgpack_packer *pk) { msgpack_pack_int(pk, 5); }
static void put_true(msgpack_packer *pk) { msgpack_pack_true(pk); }
static void put_empty(msgpack_packer *pk) { mp_pack_cstr(pk, ""); }
static void put_bin(msgpack_packer *pk)
{
	msgpack_pack_bin(pk, 4);
	msgpack_pack_bin_body(pk, "abcd", 4);
}
static void put_long(msgpack_packer *pk)
{
	char s[66];

	memset(s, 'k', 65);
	s[65] = '\0';
	mp_pack_cstr(pk, s);
}
static void put_ctrl(msgpack_packer *pk) { mp_pack_cstr(pk, "a\tb"); }
static void put_utf8(msgpack_packer *pk) { mp_pack_cstr(pk, "cl\xc3\xa9"); }

static void
test_bad_keys(void **st)
{
	void (*puts_[])(msgpack_packer *) = { put_int, put_true, put_empty,
	    put_bin, put_long, put_ctrl, put_utf8 };
	struct mp_doc doc;

	for (size_t i = 0; i < sizeof puts_ / sizeof puts_[0]; i++) {
		assert_int_equal(call("kr.checkin", fill_bad_key,
		    (void *)puts_[i], &doc), E_INVALID);
		assert_string_equal(err_field(&doc), "idempotency_key");
		mp_doc_free(&doc);
	}
}

/* The same check-in encoded two ways, then with another value. */
static void
fill_first(msgpack_packer *pk, void *arg)
{
	msgpack_pack_map(pk, 4);
	mp_kv_int(pk, "id", kr);
	mp_kv_int(pk, "value", 5);
	mp_kv_str(pk, "note", "canonical");
	mp_kv_str(pk, "idempotency_key", key);
}

static void
fill_same(msgpack_packer *pk, void *arg)
{
	msgpack_pack_map(pk, 5);
	mp_kv_str(pk, "idempotency_key", key);
	mp_kv_nil(pk, "confidence");
	mp_kv_str(pk, "note", "canonical");
	mp_kv_double(pk, "value", 5.0);
	mp_kv_int(pk, "id", kr);
}

static void
fill_other(msgpack_packer *pk, void *arg)
{
	msgpack_pack_map(pk, 4);
	mp_kv_int(pk, "id", kr);
	mp_kv_double(pk, "value", 5.5);
	mp_kv_str(pk, "note", "canonical");
	mp_kv_str(pk, "idempotency_key", key);
}

static void
test_canonical_retry(void **st)
{
	struct mp_doc doc;
	int64_t v;

	assert_int_equal(call("kr.checkin", fill_first, NULL, &doc), E_OK);
	v = result_int(&doc, "version");
	mp_doc_free(&doc);
	assert_int_equal(call("kr.checkin", fill_same, NULL, &doc), E_OK);
	assert_int_equal(result_int(&doc, "version"), v);	/* no write */
	mp_doc_free(&doc);
	assert_int_equal(call("kr.checkin", fill_other, NULL, &doc),
	    E_CONFLICT);
	assert_string_equal(err_field(&doc), "idempotency_key");
	mp_doc_free(&doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_keys),
		cmocka_unit_test(test_canonical_retry),
	};
	const char *k;

	addr = getenv("CAIRN_TEST_ADDR");
	ca = getenv("CAIRN_TEST_CA");
	admin = getenv("CAIRN_TEST_ADMIN");
	admin_pw = getenv("CAIRN_TEST_ADMIN_PW");
	k = getenv("CAIRN_TEST_KR");
	if (!addr || !ca || !admin || !admin_pw || !k) {
		fprintf(stderr, "test_idem: run me from tests/e2e/idem.sh\n");
		return 1;
	}
	kr = strtoll(k, NULL, 10);
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
