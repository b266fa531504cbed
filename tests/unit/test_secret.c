/* test_secret.c: sealing sources' credentials (server/secret.c). */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "secret.h"

static const char K1[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char K2[] =
    "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n";

static void
key(const char *hex, struct secret_key *k)
{
	assert_true(secret_key_parse(hex, strlen(hex), k));
}

/* Seal "pw-secret" for name with k into out. */
static size_t
seal(const struct secret_key *k, const char *name, uint8_t *out)
{
	size_t n;

	assert_true(secret_seal(k, name, "pw-secret", 9, out,
	    9 + SECRET_OVERHEAD, &n));
	assert_int_equal(n, 9 + SECRET_OVERHEAD);
	return n;
}

static void
test_parse(void **state)
{
	struct secret_key k;

	key(K1, &k);
	key(K2, &k);
	assert_false(secret_key_parse("00", 2, &k));
	assert_false(secret_key_parse("zz0102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f", 64, &k));
}

static void
test_round_trip(void **state)
{
	struct secret_key k;
	uint8_t sealed[64], again[64];
	char out[64], err[256];
	size_t n, m;

	key(K1, &k);
	n = seal(&k, "ops", sealed);
	assert_int_equal(sealed[0], SECRET_VERSION);
	assert_memory_equal(sealed + 1, k.id, SECRET_ID_LEN);
	/* The plaintext appears nowhere in the sealed form. */
	for (size_t i = 0; i + 9 <= n; i++)
		assert_memory_not_equal(sealed + i, "pw-secret", 9);
	assert_true(secret_open(&k, NULL, "ops", sealed, n, out, sizeof out,
	    &m, err, sizeof err));
	assert_int_equal(m, 9);
	assert_string_equal(out, "pw-secret");
	/* A fresh nonce each time. */
	(void)seal(&k, "ops", again);
	assert_memory_not_equal(sealed, again, n);
	assert_true(secret_sealed_with(&k, sealed, n));
}

static void
test_wrong_aad(void **state)
{
	struct secret_key k;
	uint8_t sealed[64];
	char out[64], err[256];
	size_t n, m;

	key(K1, &k);
	n = seal(&k, "ops", sealed);
	assert_false(secret_open(&k, NULL, "other", sealed, n, out,
	    sizeof out, &m, err, sizeof err));
	assert_non_null(strstr(err, "does not open"));
	assert_null(strstr(err, "pw-secret"));
}

static void
test_tampered(void **state)
{
	struct secret_key k;
	uint8_t sealed[64];
	char out[64], err[256];
	size_t n, m;

	key(K1, &k);
	n = seal(&k, "ops", sealed);
	for (size_t i = 1 + SECRET_ID_LEN; i < n; i++) {
		sealed[i] ^= 0x01;
		assert_false(secret_open(&k, NULL, "ops", sealed, n, out,
		    sizeof out, &m, err, sizeof err));
		sealed[i] ^= 0x01;
	}
	/* Truncated, or of another version. */
	assert_false(secret_open(&k, NULL, "ops", sealed, n - 1, out,
	    sizeof out, &m, err, sizeof err));
	sealed[0] = 2;
	assert_false(secret_open(&k, NULL, "ops", sealed, n, out,
	    sizeof out, &m, err, sizeof err));
}

static void
test_wrong_key(void **state)
{
	struct secret_key k1, k2;
	uint8_t sealed[64];
	char out[64], err[256];
	size_t n, m;

	key(K1, &k1);
	key(K2, &k2);
	n = seal(&k1, "ops", sealed);
	assert_false(secret_open(&k2, NULL, "ops", sealed, n, out,
	    sizeof out, &m, err, sizeof err));
	assert_non_null(strstr(err, "another key"));
	/* The same key id with another key: the tag does not match. */
	memcpy(k2.id, k1.id, SECRET_ID_LEN);
	assert_false(secret_open(&k2, NULL, "ops", sealed, n, out,
	    sizeof out, &m, err, sizeof err));
}

static void
test_previous_key(void **state)
{
	struct secret_key cur, prev;
	uint8_t sealed[64];
	char out[64], err[256];
	size_t n, m;

	key(K2, &cur);
	key(K1, &prev);
	n = seal(&prev, "ops", sealed);
	assert_false(secret_sealed_with(&cur, sealed, n));
	assert_true(secret_sealed_with(&prev, sealed, n));
	assert_true(secret_open(&cur, &prev, "ops", sealed, n, out,
	    sizeof out, &m, err, sizeof err));
	assert_string_equal(out, "pw-secret");
}

static void
test_bytea(void **state)
{
	const uint8_t b[] = { 0, 1, 0xab, 0xff };
	uint8_t *back;
	size_t n;
	char *hex = secret_bytea_hex(b, sizeof b);

	assert_string_equal(hex, "\\x0001abff");
	assert_true(secret_bytea_parse(hex, &back, &n));
	assert_int_equal(n, 4);
	assert_memory_equal(back, b, 4);
	free(back);
	free(hex);
	assert_false(secret_bytea_parse("0001", &back, &n));
	assert_false(secret_bytea_parse("\\x0g", &back, &n));
}

static void
test_key_file(void **state)
{
	struct secret_key k;
	char path[] = "/tmp/cairn-test-secret.XXXXXX", err[512];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, K1, 64), 64);
	close(fd);
	assert_int_equal(chmod(path, 0400), 0);
	assert_true(secret_key_load(path, &k, err, sizeof err));
	assert_int_equal(chmod(path, 0440), 0);
	assert_false(secret_key_load(path, &k, err, sizeof err));
	assert_non_null(strstr(err, "chmod 400"));
	assert_int_equal(chmod(path, 0404), 0);
	assert_false(secret_key_load(path, &k, err, sizeof err));
	unlink(path);
	assert_false(secret_key_load(path, &k, err, sizeof err));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_wrong_aad),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_previous_key),
		cmocka_unit_test(test_bytea),
		cmocka_unit_test(test_key_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
