/*
 * test_cache.c: cache.c's coherence rules, without a server: nothing is
 * trusted while the invalidations cannot be heard, nor after they were
 * lost until checked again; a read that raced an invalidation is not kept;
 * "u:ID" forgets that user and marks its sessions, "s:ID" that session; an
 * unknown payload forgets everything; expiry and the bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cache.h"
#include "server.h"

/* conn.c's, which walks the live connections: here, what it was asked. */
static int64_t staled_user, staled_session, staled_token;

size_t
conns_session_stale(struct server *srv, int64_t user_id, int64_t session_id,
    int64_t token_id)
{
	staled_user = user_id;
	staled_session = session_id;
	staled_token = token_id;
	return 1;
}

static struct server srv;

static int
setup(void **state)
{
	cache_init(&srv);
	return 0;
}

static int
teardown(void **state)
{
	cache_lost();
	cache_free();
	return 0;
}

/* A session checked now: the gen taken when the check was sent. */
static void
checked(struct session *s)
{
	memset(s, 0, sizeof *s);
	s->valid = true;
	s->expires = time(NULL) + 3600;
	s->check_gen = cache_gen();
	cache_session_checked(s);
}

static void
put(const char *login, int64_t id)
{
	char packed[32];

	snprintf(packed, sizeof packed, "user %s", login);
	cache_user_put(cache_gen(), login, id, packed, strlen(packed));
}

static void
nothing_trusted_until_listening(void **state)
{
	struct session s;
	const char *p;
	size_t n;

	checked(&s);
	assert_false(cache_session_fresh(&s));
	put("ann", 1);
	assert_false(cache_user_get("ann", &p, &n));
	cache_listening();
	checked(&s);
	assert_true(cache_session_fresh(&s));
	put("ann", 1);
	assert_true(cache_user_get("ann", &p, &n));
	assert_int_equal(n, strlen("user ann"));
	assert_memory_equal(p, "user ann", n);
}

static void
a_read_that_raced_is_not_kept(void **state)
{
	struct session s;
	uint64_t gen;
	const char *p;
	size_t n;

	cache_listening();
	gen = cache_gen();
	cache_notified("u:9");		/* while the read ran */
	cache_user_put(gen, "bob", 2, "old", 3);
	assert_false(cache_user_get("bob", &p, &n));
	/* The same for a session check in flight. */
	memset(&s, 0, sizeof s);
	s.expires = time(NULL) + 3600;
	s.check_gen = cache_gen();
	cache_notified("s:4");
	cache_session_checked(&s);
	assert_false(cache_session_fresh(&s));
	/* And a write of this cairnd (cache_user_forget). */
	gen = cache_gen();
	cache_user_forget("bob");
	cache_user_put(gen, "bob", 2, "old", 3);
	assert_false(cache_user_get("bob", &p, &n));
}

static void
notifications_forget_and_mark(void **state)
{
	const char *p;
	size_t n;

	cache_listening();
	put("ann", 1);
	put("bob", 2);
	cache_notified("u:1");
	assert_int_equal(staled_user, 1);
	assert_int_equal(staled_session, 0);
	assert_false(cache_user_get("ann", &p, &n));
	assert_true(cache_user_get("bob", &p, &n));
	cache_notified("s:77");
	assert_int_equal(staled_user, 0);
	assert_int_equal(staled_session, 77);
	assert_true(cache_user_get("bob", &p, &n));
	cache_notified("t:5");
	assert_int_equal(staled_session, 0);
	assert_int_equal(staled_token, 5);
	assert_true(cache_user_get("bob", &p, &n));
	/* Unknown: everything goes, and every session checks again. */
	{
		struct session s;

		checked(&s);
		assert_true(cache_session_fresh(&s));
		cache_notified("x:1");
		assert_false(cache_user_get("bob", &p, &n));
		assert_false(cache_session_fresh(&s));
		cache_notified("u:");
		cache_notified("u:12x");
		cache_notified("");
	}
}

static void
lost_then_back(void **state)
{
	struct session s;
	const char *p;
	size_t n;

	cache_listening();
	checked(&s);
	put("ann", 1);
	cache_lost();
	assert_false(cache_session_fresh(&s));
	assert_false(cache_user_get("ann", &p, &n));
	cache_listening();
	/* Checked before the loss: checked again. */
	assert_false(cache_session_fresh(&s));
	assert_false(cache_user_get("ann", &p, &n));
	checked(&s);
	assert_true(cache_session_fresh(&s));
}

static void
stale_and_expired_sessions(void **state)
{
	struct session s;

	cache_listening();
	checked(&s);
	s.stale = true;
	assert_false(cache_session_fresh(&s));
	checked(&s);
	s.expires = time(NULL) - 1;
	assert_false(cache_session_fresh(&s));
}

static void
bounds(void **state)
{
	struct cache_stats st;
	char big[CACHE_USER_PACKED_MAX + 1], login[32];
	const char *p;
	size_t n;

	cache_listening();
	memset(big, 'x', sizeof big);
	cache_user_put(cache_gen(), "big", 3, big, sizeof big);
	assert_false(cache_user_get("big", &p, &n));
	for (int i = 0; i <= CACHE_USERS_MAX; i++) {
		snprintf(login, sizeof login, "u%d", i);
		put(login, i + 10);
		cache_stats(&st);
		assert_true(st.users <= CACHE_USERS_MAX);
	}
	/* Full: emptied, then the newest kept. */
	assert_true(cache_user_get(login, &p, &n));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(nothing_trusted_until_listening,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(a_read_that_raced_is_not_kept,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(notifications_forget_and_mark,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(lost_then_back, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(stale_and_expired_sessions,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(bounds, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
