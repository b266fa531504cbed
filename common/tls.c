/*
 * tls.c: TLS 1.3 unless configured otherwise; peers always verified.
 *
 * When TLS 1.2 is allowed it is held to Mozilla's "intermediate" profile:
 * ECDHE key exchange with an AEAD cipher only (no CBC: LUCKY13 and its
 * kin; no RSA key exchange: no forward secrecy).  No session tickets and
 * no session cache either: a ticket key that lives as long as the process
 * would decrypt every session it ever protected.  (Resumption would save
 * a cairn run the certificate's decoding and verification, about a
 * quarter of its work: README.md, "A command's fixed cost".)  No
 * compression (CRIME) and no renegotiation.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tls.h"

/* TLS 1.2 (TLS 1.3 suites are all AEAD, set apart below). */
#define TLS12_CIPHERS	"ECDHE-ECDSA-AES128-GCM-SHA256:" \
			"ECDHE-RSA-AES128-GCM-SHA256:" \
			"ECDHE-ECDSA-AES256-GCM-SHA384:" \
			"ECDHE-RSA-AES256-GCM-SHA384:" \
			"ECDHE-ECDSA-CHACHA20-POLY1305:" \
			"ECDHE-RSA-CHACHA20-POLY1305"
#define TLS13_SUITES	"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:" \
			"TLS_CHACHA20_POLY1305_SHA256"
#define TLS_GROUPS	"X25519:P-256:P-384"

/* What both ends hold to, whichever TLS version they agree on. */
static bool
tls_restrict(SSL_CTX *ctx)
{
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET);
	return SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) == 1 &&
	    SSL_CTX_set_ciphersuites(ctx, TLS13_SUITES) == 1 &&
	    SSL_CTX_set1_groups_list(ctx, TLS_GROUPS) == 1;
}

void
tls_last_error(char *buf, size_t len)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		snprintf(buf, len, "unknown TLS error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
}

SSL_CTX *
tls_server_ctx(const char *cert, const char *key, const char *min_version,
    char *err, size_t errlen)
{
	SSL_CTX *ctx;
	int min = TLS1_3_VERSION;
	char why[256];

	if (min_version != NULL && strcmp(min_version, "1.2") == 0)
		min = TLS1_2_VERSION;
	else if (min_version != NULL && strcmp(min_version, "1.3") != 0) {
		snprintf(err, errlen, "tls_min_version must be 1.2 or 1.3");
		return NULL;
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto fail;
	if (!SSL_CTX_set_min_proto_version(ctx, min) || !tls_restrict(ctx))
		goto fail;
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* No tickets (TLS 1.3 sends them unasked) and no session cache. */
	if (SSL_CTX_set_num_tickets(ctx, 0) != 1)
		goto fail;
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	/* An idle connection gives its record buffers back (two of about
	 * 16 KiB each, allocated again at its next record): most of the
	 * connections of a busy server are idle (docs/operations.md,
	 * "Memory per connection"). */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tls_last_error(why, sizeof why);
		snprintf(err, errlen, "certificate %s: %s", cert, why);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		tls_last_error(why, sizeof why);
		snprintf(err, errlen, "key %s: %s", key, why);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
fail:
	tls_last_error(why, sizeof why);
	snprintf(err, errlen, "TLS set-up: %s", why);
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *
tls_client_ctx(const char *ca_file, char *err, size_t errlen)
{
	SSL_CTX *ctx;
	char why[256];

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		tls_last_error(why, sizeof why);
		snprintf(err, errlen, "TLS set-up: %s", why);
		return NULL;
	}
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    !tls_restrict(ctx)) {
		tls_last_error(why, sizeof why);
		snprintf(err, errlen, "TLS set-up: %s", why);
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (ca_file == NULL ||
	    SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
		tls_last_error(why, sizeof why);
		snprintf(err, errlen, "CA file %s: %s",
		    ca_file ? ca_file : "(none)", why);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

bool
tls_client_expect_host(SSL *ssl, const char *host)
{
	unsigned char addr[16];
	X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);

	if (inet_pton(AF_INET, host, addr) == 1 ||
	    inet_pton(AF_INET6, host, addr) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(vp, host) == 1;
	X509_VERIFY_PARAM_set_hostflags(vp,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	return SSL_set_tlsext_host_name(ssl, host) == 1 &&
	    SSL_set1_host(ssl, host) == 1;
}
