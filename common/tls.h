/* tls.h: OpenSSL context set-up shared by cairnd, cairn and the tests. */
#ifndef CAIRN_TLS_H
#define CAIRN_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "attr.h"

/* min_version: "1.3" (default) or "1.2". */
SSL_CTX	*tls_server_ctx(const char *cert, const char *key,
	    const char *min_version, char *err, size_t errlen) MUST_CHECK;
/* Verifies the peer against ca_file; never continues unverified. */
SSL_CTX	*tls_client_ctx(const char *ca_file, char *err, size_t errlen)
	    MUST_CHECK;
/* SNI and the name (or IP address) the certificate must carry. */
bool	 tls_client_expect_host(SSL *, const char *host) MUST_CHECK;
void	 tls_last_error(char *buf, size_t len);

#endif
