/*
 * secret.c: sealing credentials with AES-256-GCM (secret.h), the key file,
 * and the re-sealing of a key rotation at start.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "log.h"
#include "secret.h"
#include "xmalloc.h"

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

bool
secret_key_parse(const char *hex, size_t len, struct secret_key *key)
{
	uint8_t digest[SHA256_DIGEST_LENGTH];

	while (len > 0 && isspace((unsigned char)hex[len - 1]))
		len--;
	if (len != 2 * SECRET_KEY_LEN)
		return false;
	for (size_t i = 0; i < SECRET_KEY_LEN; i++) {
		int hi = hexval((unsigned char)hex[2 * i]);
		int lo = hexval((unsigned char)hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			OPENSSL_cleanse(key, sizeof *key);
			return false;
		}
		key->k[i] = (uint8_t)(hi << 4 | lo);
	}
	SHA256(key->k, SECRET_KEY_LEN, digest);
	memcpy(key->id, digest, SECRET_ID_LEN);
	return true;
}

bool
secret_key_load(const char *path, struct secret_key *key, char *err,
    size_t errlen)
{
	char buf[160];
	struct stat sb;
	ssize_t n;
	bool ok;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "secret_key %s: %s", path,
		    strerror(errno));
		return false;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "secret_key %s: not a regular file",
		    path);
		close(fd);
		return false;
	}
	if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		snprintf(err, errlen, "secret_key %s: group or others may "
		    "read it (mode %04o): chmod 400 it", path,
		    (unsigned)(sb.st_mode & 07777));
		close(fd);
		return false;
	}
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "secret_key %s: %s", path,
		    strerror(errno));
		return false;
	}
	ok = (size_t)n < sizeof buf && secret_key_parse(buf, (size_t)n, key);
	OPENSSL_cleanse(buf, sizeof buf);
	if (!ok)
		snprintf(err, errlen, "secret_key %s: want 64 hex characters "
		    "(32 bytes; e.g. openssl rand -hex 32)", path);
	return ok;
}

bool
secret_seal(const struct secret_key *key, const char *aad, const void *pt,
    size_t ptlen, uint8_t *out, size_t outcap, size_t *outlen)
{
	uint8_t *nonce = out + 1 + SECRET_ID_LEN;
	uint8_t *ct = nonce + SECRET_NONCE_LEN;
	EVP_CIPHER_CTX *ctx;
	int n, m;
	bool ok;

	if (ptlen > SECRET_MAX || outcap < ptlen + SECRET_OVERHEAD)
		return false;
	out[0] = SECRET_VERSION;
	memcpy(out + 1, key->id, SECRET_ID_LEN);
	if (RAND_bytes(nonce, SECRET_NONCE_LEN) != 1)
		return false;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return false;
	ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) ==
	    1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SECRET_NONCE_LEN,
	    NULL) == 1 &&
	    EVP_EncryptInit_ex(ctx, NULL, NULL, key->k, nonce) == 1 &&
	    EVP_EncryptUpdate(ctx, NULL, &n, (const uint8_t *)aad,
	    (int)strlen(aad)) == 1 &&
	    EVP_EncryptUpdate(ctx, ct, &n, pt, (int)ptlen) == 1 &&
	    EVP_EncryptFinal_ex(ctx, ct + n, &m) == 1 &&
	    (size_t)(n + m) == ptlen &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SECRET_TAG_LEN,
	    ct + ptlen) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (ok)
		*outlen = ptlen + SECRET_OVERHEAD;
	return ok;
}

bool
secret_sealed_with(const struct secret_key *key, const uint8_t *in,
    size_t inlen)
{
	return key != NULL && inlen >= SECRET_OVERHEAD &&
	    in[0] == SECRET_VERSION &&
	    memcmp(in + 1, key->id, SECRET_ID_LEN) == 0;
}

bool
secret_open(const struct secret_key *cur, const struct secret_key *prev,
    const char *aad, const uint8_t *in, size_t inlen, char *out,
    size_t outcap, size_t *outlen, char *err, size_t errlen)
{
	const struct secret_key *key;
	const uint8_t *nonce, *ct;
	size_t ctlen;
	EVP_CIPHER_CTX *ctx;
	uint8_t tag[SECRET_TAG_LEN];
	int n, m;
	bool ok;

	if (inlen < SECRET_OVERHEAD || in[0] != SECRET_VERSION) {
		snprintf(err, errlen, "the stored secret is not in a form "
		    "this cairnd knows");
		return false;
	}
	if (secret_sealed_with(cur, in, inlen))
		key = cur;
	else if (secret_sealed_with(prev, in, inlen))
		key = prev;
	else {
		snprintf(err, errlen, "the stored secret was sealed with "
		    "another key than secret_key%s", prev != NULL ?
		    " and secret_key_previous" : "");
		return false;
	}
	nonce = in + 1 + SECRET_ID_LEN;
	ct = nonce + SECRET_NONCE_LEN;
	ctlen = inlen - SECRET_OVERHEAD;
	if (outcap < ctlen + 1) {
		snprintf(err, errlen, "the stored secret is too long");
		return false;
	}
	memcpy(tag, ct + ctlen, SECRET_TAG_LEN);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) ==
	    1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SECRET_NONCE_LEN,
	    NULL) == 1 &&
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key->k, nonce) == 1 &&
	    EVP_DecryptUpdate(ctx, NULL, &n, (const uint8_t *)aad,
	    (int)strlen(aad)) == 1 &&
	    EVP_DecryptUpdate(ctx, (uint8_t *)out, &n, ct, (int)ctlen) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SECRET_TAG_LEN,
	    tag) == 1 &&
	    EVP_DecryptFinal_ex(ctx, (uint8_t *)out + n, &m) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok) {
		OPENSSL_cleanse(out, outcap);
		snprintf(err, errlen, "the stored secret does not open (it "
		    "was changed, or copied from another source)");
		return false;
	}
	out[n + m] = '\0';
	*outlen = (size_t)(n + m);
	return true;
}

char *
secret_bytea_hex(const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = xmalloc(2 * n + 3), *p = s;

	*p++ = '\\';
	*p++ = 'x';
	for (size_t i = 0; i < n; i++) {
		*p++ = digits[b[i] >> 4];
		*p++ = digits[b[i] & 15];
	}
	*p = '\0';
	return s;
}

bool
secret_bytea_parse(const char *s, uint8_t **out, size_t *outlen)
{
	size_t len = strlen(s), n;
	uint8_t *b;

	if (len < 2 || s[0] != '\\' || s[1] != 'x' || len % 2 != 0)
		return false;
	n = (len - 2) / 2;
	b = xmalloc(n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		int hi = hexval((unsigned char)s[2 + 2 * i]);
		int lo = hexval((unsigned char)s[3 + 2 * i]);

		if (hi < 0 || lo < 0) {
			free(b);
			return false;
		}
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = b;
	*outlen = n;
	return true;
}

/* cairnd's keys. */

static struct secret_key	cur_key, prev_key;
static bool			have_cur, have_prev;

bool
secret_init(const char *path, const char *prev)
{
	char err[512];

	if (path == NULL && prev != NULL) {
		log_warnx("secret_key_previous is set without secret_key: "
		    "give the new key as secret_key");
		return false;
	}
	if (path != NULL) {
		if (!secret_key_load(path, &cur_key, err, sizeof err)) {
			log_warnx("%s", err);
			return false;
		}
		have_cur = true;
	}
	if (prev != NULL) {
		if (!secret_key_load(prev, &prev_key, err, sizeof err)) {
			log_warnx("%s (secret_key_previous)", err);
			return false;
		}
		if (memcmp(prev_key.id, cur_key.id, SECRET_ID_LEN) == 0) {
			log_warnx("secret_key_previous is the same key as "
			    "secret_key");
			return false;
		}
		have_prev = true;
	}
	return true;
}

const struct secret_key *
secret_current(void)
{
	return have_cur ? &cur_key : NULL;
}

const struct secret_key *
secret_previous(void)
{
	return have_prev ? &prev_key : NULL;
}

static bool
pg_ok(PGconn *pg, PGresult *r, ExecStatusType want, const char *what)
{
	bool ok = PQresultStatus(r) == want;

	if (!ok)
		log_warnx("secrets: %s: %s", what, PQerrorMessage(pg));
	PQclear(r);
	return ok;
}

/* A table whose rows hold sealed secrets: the sources' credentials,
 * the hooks' signing secrets (issue 16).  select returns id, the
 * additional data the secret was sealed for, the secret (locked), and
 * what log lines call the row (a hook's id: its URL may hold a token). */
struct sealed_table {
	const char	*what;		/* "source", "hook" */
	const char	*select;
	const char	*update;	/* $1 secret, $2 id */
};

static const struct sealed_table sealed_tables[] = {
	{ "source", "SELECT id, name, secret, name AS label FROM sources"
	    " WHERE secret IS NOT NULL ORDER BY id FOR UPDATE",
	    "UPDATE sources SET secret = $1::bytea WHERE id = $2::bigint" },
	{ "hook", "SELECT id, 'hook:' || url, secret, id::text AS label"
	    " FROM hooks"
	    " WHERE secret IS NOT NULL ORDER BY id FOR UPDATE",
	    "UPDATE hooks SET secret = $1::bytea WHERE id = $2::bigint" },
};

/* Re-seal one secret sealed with the previous key: 1 done, 0 it does
 * not open (left as it is, unusable: warned), -1 the update failed.
 * Blocking libpq: start-up only, before the event loop exists. */
static int
reseal(PGconn *pg, const struct sealed_table *st, const char *id,
    const char *aad, const char *name, const uint8_t *in, size_t inlen)
{
	char pt[SECRET_MAX + 1], err[256];
	uint8_t out[SECRET_MAX + SECRET_OVERHEAD];
	size_t ptlen, outlen;
	const char *p[2];
	char *hex;
	bool ok;

	if (!secret_open(&prev_key, NULL, aad, in, inlen, pt, sizeof pt,
	    &ptlen, err, sizeof err)) {
		log_warnx("secrets: %s %s: %s: left as it is (set it "
		    "again)", st->what, name, err);
		return 0;
	}
	ok = secret_seal(&cur_key, aad, pt, ptlen, out, sizeof out, &outlen);
	OPENSSL_cleanse(pt, sizeof pt);
	if (!ok) {
		log_warnx("secrets: %s %s: sealing failed", st->what, name);
		return -1;
	}
	hex = secret_bytea_hex(out, outlen);
	p[0] = hex;
	p[1] = id;
	ok = pg_ok(pg, PQexecParams(pg, st->update, 2, NULL, p, NULL, NULL,
	    0), PGRES_COMMAND_OK, "update");
	free(hex);
	return ok ? 1 : -1;
}

/* Blocking libpq: start-up only, before the event loop exists (as
 * migrate.c). */
bool
secret_rotate(const char *conninfo)
{
	PGconn *pg;
	PGresult *r;
	int resealed = 0, unknown = 0, n;
	bool ok = true;

	if (!have_cur)
		return true;
	pg = PQconnectdb(conninfo);
	if (PQstatus(pg) != CONNECTION_OK) {
		log_warnx("secrets: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return false;
	}
	if (!pg_ok(pg, PQexec(pg, "BEGIN"), PGRES_COMMAND_OK, "begin")) {
		PQfinish(pg);
		return false;
	}
	n = 0;
	for (size_t t = 0; ok && t < sizeof sealed_tables /
	    sizeof *sealed_tables; t++) {
		const struct sealed_table *st = &sealed_tables[t];
		int rows;

		r = PQexec(pg, st->select);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			log_warnx("secrets: reading %ss: %s", st->what,
			    PQerrorMessage(pg));
			PQclear(r);
			PQfinish(pg);
			return false;
		}
		rows = PQntuples(r);
		n += rows;
		for (int i = 0; i < rows && ok; i++) {
			const char *aad = PQgetvalue(r, i, 1);
			const char *name = PQgetvalue(r, i, 3);
			uint8_t *b;
			size_t blen;

			if (!secret_bytea_parse(PQgetvalue(r, i, 2), &b,
			    &blen)) {
				log_warnx("secrets: %s %s: unreadable secret",
				    st->what, name);
				unknown++;
				continue;
			}
			if (secret_sealed_with(&cur_key, b, blen))
				;
			else if (have_prev && secret_sealed_with(&prev_key, b,
			    blen)) {
				int done = reseal(pg, st, PQgetvalue(r, i, 0),
				    aad, name, b, blen);

				ok = done >= 0;
				resealed += done == 1;
				unknown += done == 0;
			} else {
				log_warnx("secrets: %s %s: sealed with a key "
				    "that is neither secret_key nor "
				    "secret_key_previous: it cannot be used "
				    "until it is set again", st->what, name);
				unknown++;
			}
			free(b);
		}
		PQclear(r);
	}
	if (!ok || !pg_ok(pg, PQexec(pg, "COMMIT"), PGRES_COMMAND_OK,
	    "commit")) {
		log_warnx("secrets: re-sealing failed: nothing was changed");
		PQfinish(pg);
		return false;
	}
	PQfinish(pg);
	if (have_prev || resealed > 0)
		log_info("secrets: %d re-sealed with the current key, %d "
		    "could not be opened or were sealed with neither key "
		    "(of %d)", resealed, unknown, n);
	return true;
}
