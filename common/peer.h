/*
 * peer.h: a blocking TLS connection to cairnd, for the command-line client
 * and the tests.  (cairnd itself never blocks: it uses bufferevents.)
 */
#ifndef CAIRN_PEER_H
#define CAIRN_PEER_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "attr.h"
#include "mpack.h"

enum peer_fail {
	PEER_OK,
	PEER_ECONNECT,	/* resolve/connect/timeout */
	PEER_ETLS,	/* handshake or certificate verification */
	PEER_EIO,	/* connection lost */
	PEER_EPROTO,	/* bad frame or MessagePack from the server */
	PEER_ECLOSED	/* closed at once, before TLS: cairnd refused it
			 * (its limits on connections); worth a retry */
};

struct peer {
	int		 fd;
	SSL_CTX		*ctx;
	SSL		*ssl;
	size_t		 max_frame;
	unsigned char	*buf;		/* received bytes not yet consumed */
	size_t		 len, cap;
	size_t		 consumed;	/* of the frame returned last */
	enum peer_fail	 fail;
	char		 err[512];
};

bool	parse_hostport(const char *, char *, size_t, char *, size_t)
	    MUST_CHECK;

/* Connect, handshake and verify host against the CA in ca_file. */
bool	peer_connect(struct peer *, const char *hostport, const char *ca_file,
	    int timeout_ms) MUST_CHECK;
void	peer_close(struct peer *);
/* Bound each later read and write by ms instead (cairn watch: longer than
 * the server's heartbeat). */
void	peer_set_timeout(struct peer *, int ms);

bool	peer_write(struct peer *, const void *, size_t) MUST_CHECK;
bool	peer_send_frame(struct peer *, const void *, size_t) MUST_CHECK;
/* The payload stays valid until the next peer_read_frame or peer_close. */
bool	peer_read_frame(struct peer *, const char **, size_t *) MUST_CHECK;
/* Read one response and decode it into doc (a map). */
bool	peer_read_doc(struct peer *, struct mp_doc *) MUST_CHECK;
/* Send a packed request, read one response and decode it into doc. */
bool	peer_roundtrip(struct peer *, const msgpack_sbuffer *,
	    struct mp_doc *) MUST_CHECK;

#endif
