/* tls.c: TLS 1.3 unless configured otherwise; peers always verified. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tls.h"

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
	if (!SSL_CTX_set_min_proto_version(ctx, min))
		goto fail;
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
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
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
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
