/*
 * test_auth.c: failed password checks against a live cairnd, from several
 * source addresses.  A client socket bound to 127.0.0.2, .3, ... before it
 * connects to the server on 127.0.0.1 comes from that address (loopback is
 * 127.0.0.0/8 on Linux).  The counts are read from the real database.
 * run.sh starts the server with login_slow_after 2, login_max_failures 4,
 * login_lockout 3 and login_addr_logins 8; tests/e2e/auth.sh runs this.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "mpack.h"
#include "peer.h"
#include "reqpack.h"
#include "tls.h"
#include "wire.h"

#define MAX_FAILURES	4	/* login_max_failures in run.sh */
#define ADDR_LOGINS	8	/* login_addr_logins in run.sh */

static const char *addr, *ca, *admin, *admin_pw, *pginfo;
static PGconn *pg;
static char user_a[64], user_b[64], user_c[64];
static const char *pw_a = "password-of-a", *pw_b = "password-of-b",
    *pw_c = "password-of-c";

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A TLS connection to the server from source address src. */
static void
connect_from(struct peer *p, const char *src)
{
	char host[64], port[16], err[256];
	struct sockaddr_in to = { .sin_family = AF_INET }, me = {
	    .sin_family = AF_INET };
	struct timeval tv = { 20, 0 };	/* longer than any delay */
	int one = 1;

	memset(p, 0, sizeof *p);
	p->fd = -1;
	p->max_frame = DEFAULT_MAX_FRAME;
	assert_true(parse_hostport(addr, host, sizeof host, port,
	    sizeof port));
	assert_int_equal(inet_pton(AF_INET, host, &to.sin_addr), 1);
	to.sin_port = htons(atoi(port));
	assert_int_equal(inet_pton(AF_INET, src, &me.sin_addr), 1);
	p->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(p->fd >= 0);
	if (bind(p->fd, (struct sockaddr *)&me, sizeof me) != 0 ||
	    connect(p->fd, (struct sockaddr *)&to, sizeof to) != 0)
		fail_msg("connect from %s: %s", src, strerror(errno));
	setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(p->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if ((p->ctx = tls_client_ctx(ca, err, sizeof err)) == NULL)
		fail_msg("%s", err);
	p->ssl = SSL_new(p->ctx);
	assert_non_null(p->ssl);
	assert_true(tls_client_expect_host(p->ssl, host));
	SSL_set_fd(p->ssl, p->fd);
	if (SSL_connect(p->ssl) != 1) {
		tls_last_error(err, sizeof err);
		fail_msg("TLS from %s: %s", src, err);
	}
}

struct answer {
	enum wire_err	 code;
	char		 message[256];
	char		 field[64];
	uint64_t	 ms;		/* from sending to the reply */
};

/* Send one packed request and read its answer. */
static void
call(struct peer *p, uint64_t id, msgpack_sbuffer *sb, struct answer *a)
{
	struct mp_limits lim = { 32, 1 << 20 };
	const char *payload;
	size_t len;
	struct mp_doc doc;
	const msgpack_object *okv, *err, *v;
	uint64_t t0 = mono_ms();

	memset(a, 0, sizeof *a);
	if (!peer_send_frame(p, sb->data, sb->size))
		fail_msg("send: %s", p->err);
	msgpack_sbuffer_destroy(sb);
	if (!peer_read_frame(p, &payload, &len))
		fail_msg("read: %s", p->err);
	a->ms = mono_ms() - t0;
	assert_int_equal(mp_decode(&doc, payload, len, &lim), MP_OK);
	assert_int_equal(mp_map_get(doc.root, "id")->via.u64, id);
	okv = mp_map_get(doc.root, "ok");
	assert_non_null(okv);
	if (okv->via.boolean) {
		a->code = E_OK;
		mp_doc_free(&doc);
		return;
	}
	err = mp_map_get(doc.root, "error");
	v = mp_map_get(err, "code");
	a->code = wire_err_parse(v->via.str.ptr, v->via.str.size);
	v = mp_map_get(err, "message");
	snprintf(a->message, sizeof a->message, "%.*s", (int)v->via.str.size,
	    v->via.str.ptr);
	if ((v = mp_map_get(err, "field")) != NULL)
		snprintf(a->field, sizeof a->field, "%.*s",
		    (int)v->via.str.size, v->via.str.ptr);
	mp_doc_free(&doc);
}

static void
hello(struct peer *p)
{
	msgpack_sbuffer sb;
	struct answer a;

	pack_hello(&sb, 1, 1, "test_auth");
	call(p, 1, &sb, &a);
	assert_int_equal(a.code, E_OK);
}

/* session.login on connection p (after hello). */
static void
login_on(struct peer *p, const char *login, const char *pw, struct answer *a)
{
	msgpack_sbuffer sb;

	pack_req(&sb, 2, "session.login", "login", login, "password", pw,
	    NULL);
	call(p, 2, &sb, a);
}

/* A fresh connection from src, one login, closed. */
static void
login_from(const char *src, const char *login, const char *pw,
    struct answer *a)
{
	struct peer p;

	connect_from(&p, src);
	hello(&p);
	login_on(&p, login, pw, a);
	peer_close(&p);
}

static void
set_password(struct peer *p, uint64_t id, const char *old, const char *pw,
    struct answer *a)
{
	msgpack_sbuffer sb;

	pack_req(&sb, id, "user.set_password", "old_password", old,
	    "password", pw, NULL);
	call(p, id, &sb, a);
}

/* An integer from the database, -1 for no row or NULL. */
static long
pg_long(const char *sql, const char *p1, const char *p2)
{
	const char *p[2] = { p1, p2 };
	PGresult *r = PQexecParams(pg, sql, p2 ? 2 : 1, NULL, p, NULL, NULL,
	    0);
	long v = -1;

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(pg));
	if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
		v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return v;
}

/* This pair's live failures in the database (-1: none). */
static long
db_failures(const char *login, const char *src)
{
	return pg_long("SELECT failures FROM login_throttle WHERE login = $1"
	    " AND addr = $2::inet AND expires_at > now()", login, src);
}

static bool
db_locked(const char *login, const char *src)
{
	return pg_long("SELECT count(*) FROM login_throttle WHERE login = $1"
	    " AND addr = $2::inet AND locked_until > now()", login, src) == 1;
}

/*
 * The reported bug: failures from one address lock the login for all.
 * Now 127.0.0.3 locks itself out, and 127.0.0.1 still logs in; its wrong
 * passwords are delayed by the failures from .3 but never locked.
 */
static void
test_lock_is_per_address(void **st)
{
	struct answer a;

	for (int i = 1; i <= MAX_FAILURES; i++) {
		login_from("127.0.0.3", user_a, "wrong-password", &a);
		assert_int_equal(a.code, E_AUTH);
		assert_string_equal(a.message, "invalid login or password");
		/* n-th failure, n >= slow_after (2): n - 1 seconds. */
		if (i >= 3)
			assert_true(a.ms >= (uint64_t)(i - 1) * 1000 - 100);
	}
	login_from("127.0.0.3", user_a, pw_a, &a);
	assert_int_equal(a.code, E_LIMIT);
	assert_non_null(strstr(a.message, "too many failed logins"));
	assert_true(a.ms < 1000);	/* refused before any hashing */

	/* Another address: the right password works. */
	login_from("127.0.0.1", user_a, pw_a, &a);
	assert_int_equal(a.code, E_OK);
	assert_int_equal(db_failures(user_a, "127.0.0.3"), MAX_FAILURES);
	assert_true(db_locked(user_a, "127.0.0.3"));
	login_from("127.0.0.3", user_a, pw_a, &a);
	assert_int_equal(a.code, E_LIMIT);

	/* A wrong password from .1 is delayed by .3's failures (.1 alone
	 * has 1, below slow_after), and refused with E_AUTH, not locked. */
	login_from("127.0.0.1", user_a, "wrong-password", &a);
	assert_int_equal(a.code, E_AUTH);
	assert_true(a.ms >= 900);
	assert_int_equal(db_failures(user_a, "127.0.0.1"), 1);
	/* The right one clears .1's count, not .3's lock. */
	login_from("127.0.0.1", user_a, pw_a, &a);
	assert_int_equal(a.code, E_OK);
	assert_int_equal(db_failures(user_a, "127.0.0.1"), -1);
}

/* Wrong old_password guesses through a session count like logins: same
 * login, same address, same counter. */
static void
test_set_password_throttled(void **st)
{
	struct peer p, q;
	struct answer a;
	uint64_t id = 10;

	connect_from(&p, "127.0.0.2");
	hello(&p);
	login_on(&p, user_b, pw_b, &a);
	assert_int_equal(a.code, E_OK);
	for (int i = 1; i <= MAX_FAILURES; i++) {
		set_password(&p, ++id, "wrong-password", "new-password-b", &a);
		assert_int_equal(a.code, E_AUTH);
		assert_string_equal(a.field, "old_password");
		if (i >= 3)
			assert_true(a.ms >= (uint64_t)(i - 1) * 1000 - 100);
	}
	set_password(&p, ++id, pw_b, "new-password-b", &a);
	assert_int_equal(a.code, E_LIMIT);
	assert_string_equal(a.field, "old_password");
	assert_non_null(strstr(a.message, "too many wrong passwords"));
	assert_int_equal(db_failures(user_b, "127.0.0.2"), MAX_FAILURES);
	assert_true(db_locked(user_b, "127.0.0.2"));
	/* The session is not harmed, the password not changed, and a login
	 * from the same address is locked too. */
	login_from("127.0.0.2", user_b, pw_b, &a);
	assert_int_equal(a.code, E_LIMIT);
	peer_close(&p);

	/* From another address: delayed, not locked, then changed. */
	connect_from(&q, "127.0.0.1");
	hello(&q);
	login_on(&q, user_b, pw_b, &a);
	assert_int_equal(a.code, E_OK);
	set_password(&q, ++id, "wrong-password", "new-password-b", &a);
	assert_int_equal(a.code, E_AUTH);
	assert_true(a.ms >= 900);
	set_password(&q, ++id, pw_b, "new-password-b", &a);
	assert_int_equal(a.code, E_OK);
	assert_int_equal(db_failures(user_b, "127.0.0.1"), -1);
	peer_close(&q);
	pw_b = "new-password-b";
}

/* Concurrent wrong passwords from one address, on several connections at
 * once: every one that was refused with E_AUTH was counted (the upsert is
 * atomic), and the address ends up locked. */
static void
test_concurrent_failures_all_count(void **st)
{
	enum { N = 8 };
	struct peer p[N];
	msgpack_sbuffer sb;
	struct answer a;
	int auth = 0, limit = 0;

	for (int i = 0; i < N; i++) {
		connect_from(&p[i], "127.0.0.5");
		hello(&p[i]);
	}
	for (int i = 0; i < N; i++) {
		pack_req(&sb, 2, "session.login", "login", user_c, "password",
		    "wrong-password", NULL);
		assert_true(peer_send_frame(&p[i], sb.data, sb.size));
		msgpack_sbuffer_destroy(&sb);
	}
	for (int i = 0; i < N; i++) {
		const char *payload;
		size_t len;
		struct mp_doc doc;
		struct mp_limits lim = { 32, 1 << 20 };
		const msgpack_object *code;

		assert_true(peer_read_frame(&p[i], &payload, &len));
		assert_int_equal(mp_decode(&doc, payload, len, &lim), MP_OK);
		code = mp_map_get(mp_map_get(doc.root, "error"), "code");
		assert_non_null(code);
		if (mp_str_eq(code, "E_AUTH"))
			auth++;
		else if (mp_str_eq(code, "E_LIMIT"))
			limit++;
		mp_doc_free(&doc);
		peer_close(&p[i]);
	}
	assert_int_equal(auth + limit, N);
	assert_true(auth >= MAX_FAILURES);
	assert_int_equal(db_failures(user_c, "127.0.0.5"), auth);
	login_from("127.0.0.5", user_c, pw_c, &a);
	assert_int_equal(a.code, E_LIMIT);
	login_from("127.0.0.1", user_c, pw_c, &a);
	assert_int_equal(a.code, E_OK);
}

/* One address failing for many names: the rows it can create are capped
 * (login_addr_logins); other addresses are not affected.  All but one of
 * its names are failing already, put in the database with a minute to
 * live, so that slow hashing (ASan) cannot let them expire mid-test. */
static void
test_names_per_address_capped(void **st)
{
	struct answer a;
	char name[64], pat[64], n[16];
	PGresult *r;

	snprintf(pat, sizeof pat, "nobody-%d-", (int)getpid());
	snprintf(n, sizeof n, "%d", ADDR_LOGINS - 1);
	r = PQexecParams(pg, "INSERT INTO login_throttle (login, addr,"
	    " failures, expires_at) SELECT $1 || i, '127.0.0.4', 1,"
	    " now() + interval '1 minute' FROM generate_series(1, $2::integer)"
	    " i", 2, NULL, (const char *[]){ pat, n }, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("insert: %s", PQerrorMessage(pg));
	PQclear(r);
	/* The last name it may fail for: counted like any. */
	snprintf(name, sizeof name, "%slast", pat);
	login_from("127.0.0.4", name, "wrong-password", &a);
	assert_int_equal(a.code, E_AUTH);
	assert_int_equal(db_failures(name, "127.0.0.4"), 1);
	assert_int_equal(pg_long("SELECT count(*) FROM login_throttle WHERE"
	    " addr = $1::inet AND expires_at > now()", "127.0.0.4", NULL),
	    ADDR_LOGINS);
	/* A new name, even a real one with its right password, is refused,
	 * before any hashing, and creates no row. */
	login_from("127.0.0.4", user_c, pw_c, &a);
	assert_int_equal(a.code, E_LIMIT);
	assert_non_null(strstr(a.message, "from your address"));
	snprintf(name, sizeof name, "%sx", pat);
	login_from("127.0.0.4", name, "wrong-password", &a);
	assert_int_equal(a.code, E_LIMIT);
	assert_true(a.ms < 1000);
	assert_int_equal(db_failures(name, "127.0.0.4"), -1);
	assert_int_equal(db_failures(user_c, "127.0.0.4"), -1);
	/* A name it is already failing still gets the usual answer. */
	snprintf(name, sizeof name, "%s1", pat);
	login_from("127.0.0.4", name, "wrong-password", &a);
	assert_int_equal(a.code, E_AUTH);
	assert_int_equal(db_failures(name, "127.0.0.4"), 2);
	/* Elsewhere, nothing changed. */
	login_from("127.0.0.1", user_c, pw_c, &a);
	assert_int_equal(a.code, E_OK);
}

static void
create_user(struct peer *p, uint64_t id, const char *login, const char *pw)
{
	msgpack_sbuffer sb;
	struct answer a;

	pack_req(&sb, id, "user.create", "login", login, "name", login,
	    "password", pw, NULL);
	call(p, id, &sb, &a);
	if (a.code != E_OK)
		fail_msg("user.create %s: %s", login, a.message);
}

static int
setup(void **st)
{
	struct peer p;
	struct answer a;

	if ((pg = PQconnectdb(pginfo)) == NULL ||
	    PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "test_auth: database: %s\n",
		    PQerrorMessage(pg));
		return -1;
	}
	snprintf(user_a, sizeof user_a, "lock-a-%d", (int)getpid());
	snprintf(user_b, sizeof user_b, "lock-b-%d", (int)getpid());
	snprintf(user_c, sizeof user_c, "lock-c-%d", (int)getpid());
	connect_from(&p, "127.0.0.1");
	hello(&p);
	login_on(&p, admin, admin_pw, &a);
	if (a.code != E_OK) {
		fprintf(stderr, "test_auth: admin login: %s\n", a.message);
		return -1;
	}
	create_user(&p, 3, user_a, pw_a);
	create_user(&p, 4, user_b, pw_b);
	create_user(&p, 5, user_c, pw_c);
	peer_close(&p);
	return 0;
}

static int
teardown(void **st)
{
	PQfinish(pg);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock_is_per_address),
		cmocka_unit_test(test_set_password_throttled),
		cmocka_unit_test(test_concurrent_failures_all_count),
		cmocka_unit_test(test_names_per_address_capped),
	};

	addr = getenv("CAIRN_TEST_ADDR");
	ca = getenv("CAIRN_TEST_CA");
	admin = getenv("CAIRN_TEST_ADMIN");
	admin_pw = getenv("CAIRN_TEST_ADMIN_PW");
	pginfo = getenv("CAIRN_TEST_PG");
	if (!addr || !ca || !admin || !admin_pw || !pginfo) {
		fprintf(stderr, "test_auth: run me from tests/e2e/auth.sh\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
