/* peer.c: blocking client side of the protocol, over verified TLS. */
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "frame.h"
#include "peer.h"
#include "tls.h"
#include "wire.h"
#include "xmalloc.h"

bool
parse_hostport(const char *s, char *host, size_t hlen, char *port,
    size_t plen)
{
	const char *colon;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (end == NULL || end[1] != ':' || end[2] == '\0')
			return false;
		snprintf(host, hlen, "%.*s", (int)(end - s - 1), s + 1);
		snprintf(port, plen, "%s", end + 2);
		return true;
	}
	if ((colon = strrchr(s, ':')) == NULL || colon == s ||
	    colon[1] == '\0' || strchr(s, ':') != colon)
		return false;
	snprintf(host, hlen, "%.*s", (int)(colon - s), s);
	snprintf(port, plen, "%s", colon + 1);
	return true;
}

static bool
fail(struct peer *p, enum peer_fail f, const char *fmt, const char *arg)
{
	p->fail = f;
	snprintf(p->err, sizeof p->err, fmt, arg);
	return false;
}

static int
connect_timeout(const char *host, const char *port, int timeout_ms,
    char *err, size_t errlen)
{
	struct addrinfo hints = { 0 }, *res, *ai;
	int fd = -1, rc;

	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(rc));
		return -1;
	}
	snprintf(err, errlen, "cannot connect to %s port %s", host, port);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		struct pollfd pfd;
		int soerr = 0, fl;
		socklen_t sl = sizeof soerr;

		if ((fd = socket(ai->ai_family, ai->ai_socktype, 0)) == -1)
			continue;
		fl = fcntl(fd, F_GETFL);
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
		rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
		if (rc == -1 && errno == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			rc = poll(&pfd, 1, timeout_ms);
			if (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR,
			    &soerr, &sl) == 0 && soerr == 0)
				rc = 0;
			else {
				errno = rc == 0 ? ETIMEDOUT : soerr;
				rc = -1;
			}
		}
		if (rc == 0) {
			fcntl(fd, F_SETFL, fl);
			break;
		}
		snprintf(err, errlen, "cannot connect to %s port %s: %s",
		    host, port, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* Did SSL_connect fail because the peer closed the socket at once? */
static bool
early_close(int sslerr)
{
	unsigned long e = ERR_peek_error();

	if (sslerr == SSL_ERROR_SYSCALL && e == 0)
		return true;	/* EOF or ECONNRESET, nothing in the queue */
	return sslerr == SSL_ERROR_SSL &&
	    ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

bool
peer_connect(struct peer *p, const char *hostport, const char *ca_file,
    int timeout_ms)
{
	char host[256], port[32], why[256];
	struct timeval tv;
	long vr;
	int one = 1, rc;

	memset(p, 0, sizeof *p);
	p->fd = -1;
	p->max_frame = DEFAULT_MAX_FRAME;
	if (!parse_hostport(hostport, host, sizeof host, port, sizeof port))
		return fail(p, PEER_ECONNECT,
		    "bad server address '%s' (want HOST:PORT)", hostport);
	if ((p->ctx = tls_client_ctx(ca_file, why, sizeof why)) == NULL)
		return fail(p, PEER_ETLS, "%s", why);
	p->fd = connect_timeout(host, port, timeout_ms, why, sizeof why);
	if (p->fd == -1)
		return fail(p, PEER_ECONNECT, "%s", why);
	setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	/* Bound every later read and write too: never hang forever. */
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(p->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	p->ssl = SSL_new(p->ctx);
	if (p->ssl == NULL || !tls_client_expect_host(p->ssl, host)) {
		tls_last_error(why, sizeof why);
		return fail(p, PEER_ETLS, "TLS set-up: %s", why);
	}
	SSL_set_fd(p->ssl, p->fd);
	if ((rc = SSL_connect(p->ssl)) != 1) {
		vr = SSL_get_verify_result(p->ssl);
		/* cairnd refuses a connection over its limits by closing it
		 * before any TLS byte: an end of file (or a reset) with nothing
		 * received says so, and is not a handshake failure. */
		if (vr == X509_V_OK && early_close(SSL_get_error(p->ssl, rc)))
			return fail(p, PEER_ECLOSED, "%s", "the server closed "
			    "the connection before TLS (too many connections?)");
		if (vr != X509_V_OK)
			snprintf(why, sizeof why, "certificate verify failed: %s",
			    X509_verify_cert_error_string(vr));
		else
			tls_last_error(why, sizeof why);
		return fail(p, PEER_ETLS, "TLS handshake failed: %s", why);
	}
	return true;
}

void
peer_set_timeout(struct peer *p, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(p->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

void
peer_close(struct peer *p)
{
	if (p->ssl != NULL) {
		SSL_shutdown(p->ssl);
		SSL_free(p->ssl);
	}
	if (p->fd != -1)
		close(p->fd);
	SSL_CTX_free(p->ctx);
	free(p->buf);
	memset(p, 0, sizeof *p);
	p->fd = -1;
}

bool
peer_write(struct peer *p, const void *data, size_t len)
{
	const char *d = data;

	while (len > 0) {
		int n = SSL_write(p->ssl, d, len > INT32_MAX ? INT32_MAX :
		    (int)len);
		if (n <= 0) {
			ERR_clear_error();
			return fail(p, PEER_EIO, "%s", "connection lost");
		}
		d += n;
		len -= n;
	}
	return true;
}

bool
peer_send_frame(struct peer *p, const void *payload, size_t len)
{
	unsigned char *buf = xmalloc(FRAME_HEADER_SIZE + len);
	bool ok;

	/* One write, one TLS record: no Nagle/delayed-ACK stall. */
	frame_put_header(buf, (uint32_t)len);
	memcpy(buf + FRAME_HEADER_SIZE, payload, len);
	ok = peer_write(p, buf, FRAME_HEADER_SIZE + len);
	free(buf);
	return ok;
}

bool
peer_read_frame(struct peer *p, const char **payload, size_t *plen)
{
	size_t n;

	/* Drop the frame handed out last time. */
	if (p->consumed > 0) {
		memmove(p->buf, p->buf + p->consumed, p->len - p->consumed);
		p->len -= p->consumed;
		p->consumed = 0;
	}
	for (;;) {
		switch (frame_peek(p->buf, p->len, p->max_frame, &n)) {
		case FRAME_OK:
			*payload = (const char *)p->buf + FRAME_HEADER_SIZE;
			*plen = n;
			p->consumed = FRAME_HEADER_SIZE + n;
			return true;
		case FRAME_ZERO:
		case FRAME_TOO_BIG:
			return fail(p, PEER_EPROTO, "%s",
			    "bad frame from server");
		case FRAME_NEED_MORE:
			break;
		}
		if (p->cap - p->len < 16384) {
			p->cap = p->cap ? p->cap * 2 : 65536;
			p->buf = xrealloc(p->buf, p->cap);
		}
		int r = SSL_read(p->ssl, p->buf + p->len,
		    (int)(p->cap - p->len));
		if (r <= 0) {
			ERR_clear_error();
			return fail(p, PEER_EIO, "%s",
			    "connection closed by server");
		}
		p->len += r;
	}
}

bool
peer_read_doc(struct peer *p, struct mp_doc *doc)
{
	struct mp_limits lim = { MP_DEPTH_HARD_MAX, p->max_frame };
	const char *payload;
	size_t len;

	if (!peer_read_frame(p, &payload, &len))
		return false;
	if (mp_decode(doc, payload, len, &lim) != MP_OK ||
	    doc->root->type != MSGPACK_OBJECT_MAP) {
		mp_doc_free(doc);
		return fail(p, PEER_EPROTO, "%s", "bad response from server");
	}
	return true;
}

bool
peer_roundtrip(struct peer *p, const msgpack_sbuffer *req, struct mp_doc *doc)
{
	return peer_send_frame(p, req->data, req->size) &&
	    peer_read_doc(p, doc);
}
