/*
 * proto-lib.c: the raw-frame suites' shared helpers (proto-lib.h).
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

const char *addr, *ca, *other_ca, *admin, *admin_pw;

bool
proto_env(const char *prog)
{
	addr = getenv("CAIRN_TEST_ADDR");
	ca = getenv("CAIRN_TEST_CA");
	other_ca = getenv("CAIRN_TEST_OTHER_CA");
	admin = getenv("CAIRN_TEST_ADMIN");
	admin_pw = getenv("CAIRN_TEST_ADMIN_PW");
	if (!addr || !ca || !other_ca || !admin || !admin_pw) {
		fprintf(stderr, "%s: run me from tests/e2e/run.sh\n", prog);
		return false;
	}
	return true;
}

/* Connect over verified TLS, or fail the test. */
void
conn(struct peer *p)
{
	if (!peer_connect(p, addr, ca, 5000))
		fail_msg("connect: %s", p->err);
}

/* Read one response; return its error code (E_OK on success). */
enum wire_err
read_resp(struct peer *p, uint64_t want_id, struct mp_doc *doc)
{
	struct mp_limits lim = { 32, 1 << 20 };
	const char *payload;
	size_t len;
	const msgpack_object *id, *okv, *err, *code;

	if (!peer_read_frame(p, &payload, &len))
		fail_msg("read: %s", p->err);
	assert_int_equal(mp_decode(doc, payload, len, &lim), MP_OK);
	id = mp_map_get(doc->root, "id");
	assert_non_null(id);
	assert_int_equal(id->via.u64, want_id);
	okv = mp_map_get(doc->root, "ok");
	assert_non_null(okv);
	assert_int_equal(okv->type, MSGPACK_OBJECT_BOOLEAN);
	if (okv->via.boolean) {
		assert_non_null(mp_map_get(doc->root, "result"));
		return E_OK;
	}
	err = mp_map_get(doc->root, "error");
	assert_non_null(err);
	code = mp_map_get(err, "code");
	assert_non_null(code);
	assert_non_null(mp_map_get(err, "message"));
	return wire_err_parse(code->via.str.ptr, code->via.str.size);
}

enum wire_err
call(struct peer *p, uint64_t id, msgpack_sbuffer *sb)
{
	struct mp_doc doc;
	enum wire_err e;

	if (!peer_send_frame(p, sb->data, sb->size))
		fail_msg("send: %s", p->err);
	msgpack_sbuffer_destroy(sb);
	e = read_resp(p, id, &doc);
	mp_doc_free(&doc);
	return e;
}

void
hello(struct peer *p)
{
	msgpack_sbuffer sb;

	pack_hello(&sb, 1, 1, "test_proto");
	assert_int_equal(call(p, 1, &sb), E_OK);
}

void
ping_ok(struct peer *p, uint64_t id)
{
	msgpack_sbuffer sb;

	pack_req(&sb, id, "ping", NULL);
	assert_int_equal(call(p, id, &sb), E_OK);
}

/* The server closed the connection: a read gets EOF. */
void
assert_closed(struct peer *p)
{
	const char *payload;
	size_t len;

	assert_false(peer_read_frame(p, &payload, &len));
}

void
raw_frame(struct peer *p, const void *payload, size_t n)
{
	assert_true(peer_send_frame(p, payload, n));
}

/* Log in as the admin: the limits after login apply from then on. */
void
login(struct peer *p, uint64_t id)
{
	msgpack_sbuffer sb;

	pack_req(&sb, id, "session.login", "login", admin, "password",
	    admin_pw, NULL);
	assert_int_equal(call(p, id, &sb), E_OK);
}

/* Seconds until the server closes p (reads block until EOF). */
double
secs_until_closed(struct peer *p)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_closed(p);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
}
