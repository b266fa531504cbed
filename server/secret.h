/*
 * secret.h: sealing a source's credentials (issue 15) so that reading the
 * database alone does not reveal them.  AES-256-GCM (OpenSSL EVP) with a
 * key of 32 bytes read at start from the file named by secret_key (64 hex
 * characters, refused when group or others may read it), before the
 * privilege drop, as the TLS key is.
 *
 * Sealed form (bytea in sources.secret):
 *
 *   version (1 byte, 1) | key id (8: the first bytes of SHA-256 of the
 *   key) | nonce (12, random) | ciphertext | tag (16)
 *
 * The additional data is the source's name, so that a sealed secret
 * copied to another row does not open.  The key id says which key sealed
 * it: with secret_key_previous also configured, cairnd re-seals at start
 * every secret sealed with the previous key, the sources' and the
 * hooks' (secret_rotate,
 * docs/operations.md "Rotating the secret key").
 *
 * The pure part (parse, seal, open) needs no server around it
 * (tests/unit/test_secret.c).
 */
#ifndef CAIRN_SECRET_H
#define CAIRN_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attr.h"

#define SECRET_KEY_LEN		32
#define SECRET_ID_LEN		8
#define SECRET_NONCE_LEN	12
#define SECRET_TAG_LEN		16
#define SECRET_VERSION		1
/* Bytes a sealed secret adds to its plaintext. */
#define SECRET_OVERHEAD	(1 + SECRET_ID_LEN + SECRET_NONCE_LEN + \
			    SECRET_TAG_LEN)
/* The longest secret cairn stores (a password, a bearer token). */
#define SECRET_MAX		1024

struct secret_key {
	uint8_t	k[SECRET_KEY_LEN];
	uint8_t	id[SECRET_ID_LEN];
};

/* 64 hex characters (and optional trailing white space) into key. */
bool	 secret_key_parse(const char *hex, size_t len, struct secret_key *)
	    MUST_CHECK;
/* Read and check the key file: a regular file that neither group nor
 * others may read, holding 64 hex characters.  False with why in err. */
bool	 secret_key_load(const char *path, struct secret_key *, char *err,
	    size_t errlen) MUST_CHECK;

/* Seal pt (ptlen bytes, at most SECRET_MAX) for the source aad into out
 * (ptlen + SECRET_OVERHEAD bytes). */
bool	 secret_seal(const struct secret_key *, const char *aad,
	    const void *pt, size_t ptlen, uint8_t *out, size_t outcap,
	    size_t *outlen) MUST_CHECK;
/* Open a sealed secret with cur or, when its key id is prev's, prev (NULL:
 * none) into out, NUL-terminated (outcap >= inlen).  False with why in
 * err (never any byte of the secret). */
bool	 secret_open(const struct secret_key *cur,
	    const struct secret_key *prev, const char *aad, const uint8_t *in,
	    size_t inlen, char *out, size_t outcap, size_t *outlen, char *err,
	    size_t errlen) MUST_CHECK;
/* Whether in was sealed with key (by its key id). */
bool	 secret_sealed_with(const struct secret_key *, const uint8_t *in,
	    size_t inlen) MUST_CHECK;

/* Bytes as PostgreSQL's bytea hex text ("\x0a1b..."), malloc'd; and back
 * (false for anything else).  *out is malloc'd. */
char	*secret_bytea_hex(const uint8_t *, size_t);
bool	 secret_bytea_parse(const char *, uint8_t **out, size_t *outlen)
	    MUST_CHECK;

/* cairnd's keys, loaded once at start (main.c) before the privilege drop.
 * path NULL: no key (a secret cannot be stored); prev NULL: none. */
bool	 secret_init(const char *path, const char *prev) MUST_CHECK;
const struct secret_key *secret_current(void);	/* NULL: none */
const struct secret_key *secret_previous(void);	/* NULL: none */
/* At start, before serving (blocking libpq, as migrate.c): re-seal with
 * the current key every secret sealed with the previous one, in one
 * transaction; warn about secrets neither key opens.  False: do not
 * serve. */
bool	 secret_rotate(const char *conninfo) MUST_CHECK;

#endif
