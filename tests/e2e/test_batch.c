/*
 * test_batch.c: many connections at once, each with several requests in
 * flight, mixing reads that PostgreSQL refuses (they fail inside a shared
 * pipeline batch, and the reads after them are sent again) with reads
 * whose answers name who asked: every answer must carry its request's id
 * and that request's data, never another's.  Run under ASan too: the bug
 * this guards against corrupted cairnd's heap.
 *
 * Environment: CAIRN_TEST_ADDR, CAIRN_TEST_CA, CAIRN_TEST_ADMIN(_PW).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mpack.h"
#include "peer.h"
#include "reqpack.h"
#include "wire.h"

enum { NUSERS = 6, NCONN = 30, INFLIGHT = 4, ROUNDS = 25 };

static const char *addr, *ca, *admin, *admin_pw;

static void
send_req(struct peer *p, msgpack_sbuffer *sb)
{
	if (!peer_send_frame(p, sb->data, sb->size))
		fail_msg("send: %s", p->err);
	msgpack_sbuffer_destroy(sb);
}

/* Read one answer: its id, its error code, and result.login if any. */
static enum wire_err
answer(struct peer *p, uint64_t *id, char *login, size_t loginsz)
{
	struct mp_limits lim = { 32, 1 << 20 };
	const char *payload;
	size_t len;
	struct mp_doc doc;
	const msgpack_object *v, *res;
	enum wire_err e = E_OK;

	if (!peer_read_frame(p, &payload, &len))
		fail_msg("read: %s", p->err);
	assert_int_equal(mp_decode(&doc, payload, len, &lim), MP_OK);
	v = mp_map_get(doc.root, "id");
	assert_non_null(v);
	*id = v->via.u64;
	*login = '\0';
	if ((res = mp_map_get(doc.root, "result")) != NULL) {
		if (res->type == MSGPACK_OBJECT_MAP &&
		    (v = mp_map_get(res, "user")) != NULL)
			res = v;	/* whoami: {"user": {...}, ...} */
		if (res->type == MSGPACK_OBJECT_MAP &&
		    (v = mp_map_get(res, "login")) != NULL &&
		    v->type == MSGPACK_OBJECT_STR)
			snprintf(login, loginsz, "%.*s", (int)v->via.str.size,
			    v->via.str.ptr);
	} else {
		v = mp_map_get(mp_map_get(doc.root, "error"), "code");
		assert_non_null(v);
		e = wire_err_parse(v->via.str.ptr, v->via.str.size);
	}
	mp_doc_free(&doc);
	return e;
}

static enum wire_err
roundtrip(struct peer *p, msgpack_sbuffer *sb, char *login, size_t n)
{
	uint64_t id;
	enum wire_err e;

	send_req(p, sb);
	e = answer(p, &id, login, n);
	return e;
}

static void
open_conn(struct peer *p)
{
	msgpack_sbuffer sb;
	char l[64];

	if (!peer_connect(p, addr, ca, 5000))
		fail_msg("connect: %s", p->err);
	pack_hello(&sb, 1, 1, "test_batch");
	assert_int_equal(roundtrip(p, &sb, l, sizeof l), E_OK);
}

/* Log in; the session's token goes to token (65 bytes). */
static void
login(struct peer *p, const char *user, const char *pw, char *token)
{
	struct mp_limits lim = { 32, 1 << 20 };
	msgpack_sbuffer sb;
	struct mp_doc doc;
	const char *payload;
	const msgpack_object *t;
	size_t len;

	pack_req(&sb, 2, "session.login", "login", user, "password", pw, NULL);
	send_req(p, &sb);
	if (!peer_read_frame(p, &payload, &len))
		fail_msg("read: %s", p->err);
	assert_int_equal(mp_decode(&doc, payload, len, &lim), MP_OK);
	t = mp_map_get(mp_map_get(doc.root, "result"), "token");
	if (t == NULL || t->type != MSGPACK_OBJECT_STR || t->via.str.size != 64)
		fail_msg("login %s: no token", user);
	snprintf(token, 65, "%.*s", (int)t->via.str.size, t->via.str.ptr);
	mp_doc_free(&doc);
}

/* Take over a session by its token (no password hashing: quick). */
static void
resume(struct peer *p, const char *token)
{
	msgpack_sbuffer sb;
	char l[64];

	pack_req(&sb, 2, "session.resume", "token", token, NULL);
	assert_int_equal(roundtrip(p, &sb, l, sizeof l), E_OK);
}

/* What a connection is: an admin (its failing read is audit.list with a
 * date PostgreSQL refuses), a member (whoami names it), or not logged in
 * (a login of invalid UTF-8). */
enum who { ADMIN, MEMBER, ANON };

struct expect {
	uint64_t	 id;
	enum wire_err	 code;
	char		 login[64];	/* "" when the answer names none */
};

static void
test_answers_belong_to_their_requests(void **st)
{
	static struct peer ps[NCONN];
	struct expect want[NCONN][INFLIGHT];
	char user[NUSERS][32], pw[] = "batch-password-1";
	char admin_token[65], token[NUSERS][65];
	msgpack_sbuffer sb;
	char l[64];
	long checked = 0, failing = 0;

	/* Set-up on connections of its own, closed before the rounds: the
	 * password hashing it costs must not make the round connections
	 * idle for idle_timeout (4 s in the e2e run), under ASan too. */
	open_conn(&ps[0]);
	login(&ps[0], admin, admin_pw, admin_token);
	for (int u = 0; u < NUSERS; u++) {
		snprintf(user[u], sizeof user[u], "batch%d", u);
		pack_req(&sb, 3, "user.create", "login", user[u], "name", user[u],
		    "password", pw, NULL);
		enum wire_err e = roundtrip(&ps[0], &sb, l, sizeof l);
		assert_true(e == E_OK || e == E_CONFLICT);
	}
	peer_close(&ps[0]);
	/* One login per user, then sessions resumed by token: set-up stays
	 * well inside the server's idle timeout, even under ASan. */
	for (int u = 0; u < NUSERS; u++) {
		struct peer p;
		open_conn(&p);
		login(&p, user[u], pw, token[u]);
		peer_close(&p);
	}
	for (int i = 0; i < NCONN; i++) {
		open_conn(&ps[i]);
		if (i % 3 == 0)
			resume(&ps[i], admin_token);
		else if (i % 3 == 1)
			resume(&ps[i], token[i % NUSERS]);
	}
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < NCONN; i++) {
			enum who w = i % 3 == 0 ? ADMIN : i % 3 == 1 ?
			    MEMBER : ANON;
			for (int j = 0; j < INFLIGHT; j++) {
				struct expect *x = &want[i][j];
				const char *u = user[(i + j + r) % NUSERS];

				x->id = 1000 + (uint64_t)r * 100 + j;
				x->code = E_OK;
				snprintf(x->login, sizeof x->login, "%s", u);
				if (w == ANON) {
					/* Invalid UTF-8: refused, by cairnd
					 * or by PostgreSQL, never answered
					 * with someone's session. */
					pack_req(&sb, x->id, "session.login",
					    "login", "\xc3\x28\xff", "password",
					    "whatever-password", NULL);
					x->code = E_INVALID;
					x->login[0] = '\0';
				} else if ((j + r + i) % 2 == 0) {
					pack_req(&sb, x->id, "user.get", "login",
					    u, NULL);
				} else if (w == ADMIN) {
					pack_req(&sb, x->id, "audit.list", "since",
					    "2026-02-30", NULL);
					x->code = E_INVALID;
					x->login[0] = '\0';
				} else {
					pack_req(&sb, x->id, "session.whoami",
					    NULL);
					snprintf(x->login, sizeof x->login,
					    "%s", user[i % NUSERS]);
				}
				send_req(&ps[i], &sb);
			}
		}
		for (int i = 0; i < NCONN; i++) {
			for (int j = 0; j < INFLIGHT; j++) {
				struct expect *x = &want[i][j];
				uint64_t id;
				enum wire_err e = answer(&ps[i], &id, l,
				    sizeof l);

				if (id != x->id || e != x->code ||
				    strcmp(l, x->login) != 0)
					fail_msg("round %d conn %d: asked id "
					    "%llu (%s, '%s'), got id %llu "
					    "(%s, '%s')", r, i,
					    (unsigned long long)x->id,
					    wire_err_name(x->code), x->login,
					    (unsigned long long)id,
					    wire_err_name(e), l);
				checked++;
				failing += x->code != E_OK;
			}
		}
	}
	print_message("%ld answers checked, %ld of them refusals\n", checked,
	    failing);
	for (int i = 0; i < NCONN; i++)
		peer_close(&ps[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers_belong_to_their_requests),
	};

	/* A connection the server closed must fail a test, not kill it. */
	signal(SIGPIPE, SIG_IGN);
	addr = getenv("CAIRN_TEST_ADDR");
	ca = getenv("CAIRN_TEST_CA");
	admin = getenv("CAIRN_TEST_ADMIN");
	admin_pw = getenv("CAIRN_TEST_ADMIN_PW");
	if (!addr || !ca || !admin || !admin_pw) {
		fprintf(stderr, "test_batch: CAIRN_TEST_* not set\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
