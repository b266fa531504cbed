/*
 * test_proto.c: the wire protocol against a live cairnd over TLS, with raw
 * frames, so that what a foreign client would see is checked byte for byte.
 * run.sh starts the server with small limits (max_frame 65536, max_string
 * 4096, max_depth 8, max_queue 8, max_elements 8192, max_conns 64,
 * handshake_timeout 2 s, hello_timeout 2 s, idle_timeout 4 s).
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

static const char *addr, *ca, *other_ca, *admin, *admin_pw;

static void
conn(struct peer *p)
{
	if (!peer_connect(p, addr, ca, 5000))
		fail_msg("connect: %s", p->err);
}

/* Pack {"id": id, "op": op, "args": {k: v-string ...}}; NULL-terminated. */
static void
pack_req(msgpack_sbuffer *sb, uint64_t id, const char *op, ...)
{
	msgpack_packer pk;
	va_list ap;
	int n = 0;

	va_start(ap, op);
	while (va_arg(ap, const char *) != NULL)
		n++;
	va_end(ap);
	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	mp_kv_uint(&pk, "id", id);
	mp_kv_str(&pk, "op", op);
	mp_pack_key(&pk, "args");
	msgpack_pack_map(&pk, n / 2);
	va_start(ap, op);
	for (int i = 0; i < n / 2; i++) {
		const char *k = va_arg(ap, const char *);
		const char *v = va_arg(ap, const char *);
		mp_kv_str(&pk, k, v);
	}
	va_end(ap);
}

/* A hello request (any protocol version, for the refusal tests). */
static void
pack_hello(msgpack_sbuffer *sb, uint64_t id, int proto, const char *client)
{
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	mp_kv_uint(&pk, "id", id);
	mp_kv_str(&pk, "op", "hello");
	mp_pack_key(&pk, "args");
	msgpack_pack_map(&pk, 2);
	mp_kv_int(&pk, "proto", proto);
	mp_kv_str(&pk, "client", client);
}

/* Read one response; return its error code (E_OK on success). */
static enum wire_err
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

static enum wire_err
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

static void
hello(struct peer *p)
{
	msgpack_sbuffer sb;

	pack_hello(&sb, 1, 1, "test_proto");
	assert_int_equal(call(p, 1, &sb), E_OK);
}

static void
ping_ok(struct peer *p, uint64_t id)
{
	msgpack_sbuffer sb;

	pack_req(&sb, id, "ping", NULL);
	assert_int_equal(call(p, id, &sb), E_OK);
}

/* The server closed the connection: a read gets EOF. */
static void
assert_closed(struct peer *p)
{
	const char *payload;
	size_t len;

	assert_false(peer_read_frame(p, &payload, &len));
}

static void
raw_frame(struct peer *p, const void *payload, size_t n)
{
	assert_true(peer_send_frame(p, payload, n));
}

/* Log in as the admin: the limits after login apply from then on. */
static void
login(struct peer *p, uint64_t id)
{
	msgpack_sbuffer sb;

	pack_req(&sb, id, "session.login", "login", admin, "password",
	    admin_pw, NULL);
	assert_int_equal(call(p, id, &sb), E_OK);
}

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

/* TLS below 1.3 is refused by default. */
static void
test_tls12_refused(void **st)
{
	char err[256];
	SSL_CTX *ctx = tls_client_ctx(ca, err, sizeof err);

	assert_non_null(ctx);
	SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	char host[64], port[16];
	assert_true(parse_hostport(addr, host, sizeof host, port, sizeof port));
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons(atoi(port)) };
	inet_pton(AF_INET, host, &sin.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	assert_true(SSL_connect(ssl) != 1);
	ERR_clear_error();
	SSL_free(ssl);
	close(fd);
	SSL_CTX_free(ctx);
}

static void
test_wrong_ca(void **st)
{
	struct peer p;

	assert_false(peer_connect(&p, addr, other_ca, 5000));
	assert_int_equal(p.fail, PEER_ETLS);
	assert_non_null(strstr(p.err, "certificate verify failed"));
	peer_close(&p);
}

/* A TCP connection that never starts TLS is closed after the timeout. */
static void
test_handshake_timeout(void **st)
{
	char host[64], port[16], b;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct timeval tv = { 6, 0 };
	time_t t0 = time(NULL);
	int fd;

	assert_true(parse_hostport(addr, host, sizeof host, port, sizeof port));
	sin.sin_port = htons(atoi(port));
	inet_pton(AF_INET, host, &sin.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	assert_int_equal(read(fd, &b, 1), 0);	/* EOF, not a time-out */
	assert_true(time(NULL) - t0 <= 4);
	close(fd);
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

/* A connection with nothing to do is closed after idle_timeout (4 s). */
static void
test_idle_timeout(void **st)
{
	struct peer p;
	time_t t0;

	conn(&p);
	hello(&p);
	t0 = time(NULL);
	assert_closed(&p);	/* the read blocks until the server closes */
	assert_true(time(NULL) - t0 >= 3);
	assert_true(time(NULL) - t0 <= 7);
	peer_close(&p);
}

/* More than max_conns connections: the extra ones are closed. */
static void
test_max_conns(void **st)
{
	struct peer *ps = calloc(70, sizeof *ps);
	bool *open = calloc(70, sizeof *open);
	struct timespec last, now;
	uint64_t id = 2;
	int answered = 0;

	/*
	 * Those past the limit are closed during or right after TLS.  Each
	 * says hello at once (hello_timeout is 2 s), and those open are
	 * pinged every second (idle_timeout is 4 s, and 70 handshakes may
	 * take longer under ASan): a connection closed for idleness would
	 * let one more in.
	 */
	clock_gettime(CLOCK_MONOTONIC, &last);
	for (int i = 0; i < 70; i++) {
		msgpack_sbuffer sb;
		const char *pl;
		size_t len;

		if (!peer_connect(&ps[i], addr, ca, 3000)) {
			peer_close(&ps[i]);
			continue;
		}
		pack_hello(&sb, 1, 1, "t");
		open[i] = peer_send_frame(&ps[i], sb.data, sb.size) &&
		    peer_read_frame(&ps[i], &pl, &len);
		msgpack_sbuffer_destroy(&sb);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - last.tv_sec < 1)
			continue;
		last = now;
		for (int j = 0; j <= i; j++)
			if (open[j]) {
				pack_req(&sb, id, "ping", NULL);
				assert_int_equal(call(&ps[j], id, &sb), E_OK);
				id++;
			}
	}
	for (int i = 0; i < 70; i++)
		if (open[i]) {
			msgpack_sbuffer sb;
			pack_req(&sb, id, "ping", NULL);
			assert_int_equal(call(&ps[i], id, &sb), E_OK);
			id++;
			answered++;
		}
	for (int i = 0; i < 70; i++)
		peer_close(&ps[i]);
	free(ps);
	free(open);
	assert_true(answered <= 64);
	assert_true(answered >= 60);	/* others may still be closing */
}

/* A request {"id", "op", "args": {"x": [n nils]}}: n + 9 elements. */
static void
pack_nils(msgpack_sbuffer *sb, uint64_t id, const char *op, uint32_t n)
{
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	mp_kv_uint(&pk, "id", id);
	mp_kv_str(&pk, "op", op);
	mp_pack_key(&pk, "args");
	msgpack_pack_map(&pk, 1);
	mp_pack_key(&pk, "x");
	msgpack_pack_array(&pk, n);
	for (uint32_t i = 0; i < n; i++)
		msgpack_pack_nil(&pk);
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

/* Seconds until the server closes p (reads block until EOF). */
static double
secs_until_closed(struct peer *p)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_closed(p);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
}

/* hello_timeout (2 s): TLS done and no hello, the slot is given back,
 * well before idle_timeout (4 s). */
static void
test_hello_timeout(void **st)
{
	struct peer p;
	double t;

	conn(&p);
	t = secs_until_closed(&p);
	assert_true(t >= 1.5);
	assert_true(t <= 3.5);
	peer_close(&p);
}

/* A deadline, not an idle timer: a hello that trickles in a byte at a
 * time never completes in time. */
static void
test_hello_trickle(void **st)
{
	struct peer p;
	msgpack_sbuffer sb;
	unsigned char hdr[FRAME_HEADER_SIZE];
	struct timespec t0, t1;
	size_t i = 0, n;
	double t;

	conn(&p);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pack_hello(&sb, 1, 1, "slow");
	n = sb.size;
	frame_put_header(hdr, (uint32_t)n);
	/* The 4-byte header, then one byte of payload every 0.4 s: the
	 * whole hello would take longer than 8 s. */
	if (!peer_write(&p, hdr, sizeof hdr))
		fail_msg("write: %s", p.err);
	for (; i + 1 < n; i++) {
		usleep(400000);
		if (!peer_write(&p, sb.data + i, 1))
			break;		/* closed under us */
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	msgpack_sbuffer_destroy(&sb);
	t = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (i + 1 >= n)
		t += secs_until_closed(&p);
	else
		assert_closed(&p);
	assert_true(t <= 4.5);
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

/*
 * Before login, the startup_* limits (8192-byte frames, 512 elements):
 * anyone can open a connection (issue 13, item 7).  After login, the
 * same requests pass these checks.
 */
static void
test_startup_limits(void **st)
{
	struct peer p;
	msgpack_sbuffer sb;
	struct mp_doc doc;
	const msgpack_object *err;
	unsigned char hdr[4];
	char msg[200];

	conn(&p);
	hello(&p);
	/* 513 elements: refused whole before login ... */
	pack_nils(&sb, 40, "ping", 513 - 8);
	raw_frame(&p, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	assert_int_equal(read_resp(&p, 0, &doc), E_LIMIT);
	err = mp_map_get(mp_map_get(doc.root, "error"), "message");
	snprintf(msg, sizeof msg, "%.*s", (int)err->via.str.size,
	    err->via.str.ptr);
	assert_non_null(strstr(msg, "more than 512 MessagePack elements"));
	mp_doc_free(&doc);
	/* ... decoded after it (and refused by ping for its argument). */
	login(&p, 41);
	pack_nils(&sb, 42, "ping", 513 - 8);
	assert_int_equal(call(&p, 42, &sb), E_BAD_REQUEST);
	peer_close(&p);

	/* A frame over 8192 bytes before login: E_BAD_FRAME, naming the
	 * setting, and the connection closed. */
	conn(&p);
	hello(&p);
	frame_put_header(hdr, 8193);
	assert_true(peer_write(&p, hdr, 4));
	assert_int_equal(read_resp(&p, 0, &doc), E_BAD_FRAME);
	err = mp_map_get(mp_map_get(doc.root, "error"), "message");
	snprintf(msg, sizeof msg, "%.*s", (int)err->via.str.size,
	    err->via.str.ptr);
	assert_string_equal(msg, "frame of 8193 bytes exceeds the limit of "
	    "8192 before login (startup_max_frame)");
	mp_doc_free(&doc);
	assert_closed(&p);
	peer_close(&p);

	/* After login the frame limit is max_frame (65536). */
	conn(&p);
	hello(&p);
	login(&p, 2);
	pack_nils(&sb, 3, "ping", 8192 - 9);
	assert_true(sb.size > 8192);
	assert_int_equal(call(&p, 3, &sb), E_BAD_REQUEST);
	ping_ok(&p, 4);
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
		cmocka_unit_test(test_startup_limits),
		cmocka_unit_test(test_bad_payloads),
		cmocka_unit_test(test_limits_in_frame),
		cmocka_unit_test(test_requests_refused),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_pipeline),
		cmocka_unit_test(test_session_ops),
		cmocka_unit_test(test_failing_read_in_batch),
		cmocka_unit_test(test_tls12_refused),
		cmocka_unit_test(test_wrong_ca),
		cmocka_unit_test(test_handshake_timeout),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_max_conns),
		cmocka_unit_test(test_max_elements),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_hello_timeout),
		cmocka_unit_test(test_hello_trickle),
		cmocka_unit_test(test_big_pipeline),
	};

	addr = getenv("CAIRN_TEST_ADDR");
	ca = getenv("CAIRN_TEST_CA");
	other_ca = getenv("CAIRN_TEST_OTHER_CA");
	admin = getenv("CAIRN_TEST_ADMIN");
	admin_pw = getenv("CAIRN_TEST_ADMIN_PW");
	if (!addr || !ca || !other_ca || !admin || !admin_pw) {
		fprintf(stderr, "test_proto: run me from tests/e2e/run.sh\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
