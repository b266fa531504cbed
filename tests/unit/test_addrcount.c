/* test_addrcount.c: connections per address, and the admission policy. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "addrcount.h"

static struct addrkey
v4(const char *s)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct addrkey k;

	assert_int_equal(inet_pton(AF_INET, s, &sa.sin_addr), 1);
	assert_true(addrkey_from_sa(&k, (struct sockaddr *)&sa));
	return k;
}

static struct addrkey
v6(const char *s)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
	struct addrkey k;

	assert_int_equal(inet_pton(AF_INET6, s, &sa.sin6_addr), 1);
	assert_true(addrkey_from_sa(&k, (struct sockaddr *)&sa));
	return k;
}

static void
test_counts(void **st)
{
	struct addrcount *t = addrcount_new(16);
	struct addrkey a = v4("127.0.0.3"), b = v4("127.0.0.4");

	for (int i = 0; i < 1000; i++)
		addrcount_inc(t, &a);
	addrcount_inc(t, &b);
	assert_int_equal(addrcount_get(t, &a), 1000);
	assert_int_equal(addrcount_get(t, &b), 1);
	assert_int_equal(addrcount_addrs(t), 2);
	addrcount_dec(t, &b);
	assert_int_equal(addrcount_get(t, &b), 0);
	assert_int_equal(addrcount_addrs(t), 1);	/* forgotten at 0 */
	for (int i = 0; i < 1000; i++)
		addrcount_dec(t, &a);
	assert_int_equal(addrcount_addrs(t), 0);
	addrcount_free(t);
}

/* Many addresses: each keeps its own count, and all are freed. */
static void
test_many(void **st)
{
	struct addrcount *t = addrcount_new(64);
	char s[32];

	for (int i = 0; i < 5000; i++) {
		snprintf(s, sizeof s, "10.%d.%d.%d", i >> 16, (i >> 8) & 255,
		    i & 255);
		struct addrkey k = v4(s);
		for (int j = 0; j <= i % 3; j++)
			addrcount_inc(t, &k);
	}
	assert_int_equal(addrcount_addrs(t), 5000);
	for (int i = 0; i < 5000; i++) {
		snprintf(s, sizeof s, "10.%d.%d.%d", i >> 16, (i >> 8) & 255,
		    i & 255);
		struct addrkey k = v4(s);
		assert_int_equal(addrcount_get(t, &k), (size_t)(i % 3 + 1));
	}
	addrcount_free(t);
}

static void
test_ipv6_by_64(void **st)
{
	struct addrkey a = v6("2001:db8:1:2::1"), b = v6("2001:db8:1:2:ffff::9");
	struct addrkey c = v6("2001:db8:1:3::1");
	struct addrkey m = v6("::ffff:192.0.2.7"), m4 = v4("192.0.2.7");
	struct addrcount *t = addrcount_new(16);

	addrcount_inc(t, &a);
	addrcount_inc(t, &b);
	assert_int_equal(addrcount_get(t, &a), 2);	/* one /64 */
	assert_int_equal(addrcount_get(t, &c), 0);
	addrcount_inc(t, &m);
	assert_int_equal(addrcount_get(t, &m4), 1);	/* mapped = IPv4 */
	addrcount_dec(t, &a);
	addrcount_dec(t, &b);
	addrcount_dec(t, &m4);
	assert_int_equal(addrcount_addrs(t), 0);
	addrcount_free(t);
}

static void
test_admit(void **st)
{
	/* max_conns 1024, 256 per address, reserve 128 (from 896 on). */
	assert_int_equal(addr_admit(0, 0, 1024, 256, 128), ADMIT_OK);
	assert_int_equal(addr_admit(500, 255, 1024, 256, 128), ADMIT_OK);
	assert_int_equal(addr_admit(500, 256, 1024, 256, 128),
	    ADMIT_PER_ADDR);
	assert_int_equal(addr_admit(895, 100, 1024, 256, 128), ADMIT_OK);
	assert_int_equal(addr_admit(896, 100, 1024, 256, 128),
	    ADMIT_RESERVED);
	assert_int_equal(addr_admit(896, ADDR_RESERVE_HELD_MAX - 1, 1024, 256,
	    128), ADMIT_OK);
	assert_int_equal(addr_admit(1023, 0, 1024, 256, 128), ADMIT_OK);
	assert_int_equal(addr_admit(1024, 0, 1024, 256, 128), ADMIT_FULL);
	/* No reserve: one address may fill max_conns when allowed to. */
	assert_int_equal(addr_admit(63, 63, 64, 256, 0), ADMIT_OK);
	assert_int_equal(addr_admit(64, 64, 64, 256, 0), ADMIT_FULL);
	assert_int_equal(addr_default_reserve(1024), 128);
}

/* Startups (issue 13, item 6): max_startups 256, 8 per address. */
static void
test_startup_admit(void **st)
{
	size_t dropped = 0;

	/* Below half: every address gets in, up to its 8. */
	assert_int_equal(startup_admit(0, 0, 256, 8, 0), ADMIT_OK);
	assert_int_equal(startup_admit(127, 7, 256, 8, 0), ADMIT_OK);
	assert_int_equal(startup_admit(100, 8, 256, 8, 0),
	    ADMIT_STARTUPS_PER_ADDR);
	/* From half (128) to 224, an address holding some is dropped at
	 * random, more often the fuller it is ... */
	for (uint32_t r = 0; r < 97; r++)
		dropped += startup_admit(128, 1, 256, 8, r) ==
		    ADMIT_STARTUPS_DROP;
	assert_int_equal(dropped, 1);
	dropped = 0;
	for (uint32_t r = 0; r < 97; r++)
		dropped += startup_admit(176, 1, 256, 8, r) ==
		    ADMIT_STARTUPS_DROP;
	assert_int_equal(dropped, 49);
	dropped = 0;
	for (uint32_t r = 0; r < 97; r++)
		dropped += startup_admit(223, 1, 256, 8, r) ==
		    ADMIT_STARTUPS_DROP;
	assert_int_equal(dropped, 96);
	/* ... and always from 224. */
	assert_int_equal(startup_admit(224, 1, 256, 8, 96),
	    ADMIT_STARTUPS_DROP);
	/* An address holding none is never dropped, up to 256. */
	for (uint32_t r = 0; r < 97; r++) {
		assert_int_equal(startup_admit(200, 0, 256, 8, r), ADMIT_OK);
		assert_int_equal(startup_admit(255, 0, 256, 8, r), ADMIT_OK);
	}
	assert_int_equal(startup_admit(256, 0, 256, 8, 0),
	    ADMIT_STARTUPS_FULL);
	/* Tiny settings do not divide by zero. */
	assert_int_equal(startup_admit(0, 0, 1, 1, 5), ADMIT_OK);
	assert_int_equal(startup_admit(1, 0, 1, 1, 5), ADMIT_STARTUPS_FULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_ipv6_by_64),
		cmocka_unit_test(test_admit),
		cmocka_unit_test(test_startup_admit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
