/*
 * http-loop.h: outgoing HTTP(S) requests on cairnd's event loop, through
 * libcurl's multi-socket interface (libevent watches curl's sockets and
 * timer).  Generic on purpose: the Prometheus reader (prom.c) uses it for
 * GET, webhooks (notifyrun.c) for POST, and mail (mail.c) for SMTP.
 *
 * What every request gets, whatever the caller asks: http and https only
 * (smtp only for mail),
 * no redirects, TLS peer and host verified, a connect and a total timeout,
 * a capped response body, no signals.  Nothing here blocks the loop:
 * Debian 12's libcurl (7.88, OpenSSL flavour) is built with the threaded
 * resolver (CURL_VERSION_ASYNCHDNS), and http_loop_new() refuses a libcurl
 * without it rather than let getaddrinfo() stall every connection.
 *
 * curl_global_init() must have run (main.c, before any thread starts).
 */
#ifndef CAIRN_HTTP_LOOP_H
#define CAIRN_HTTP_LOOP_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/event.h>

#include "attr.h"

struct http_loop;
struct http_req;

/* The loop's limits; 0 in a field takes the default. */
struct http_settings {
	int	 connect_timeout_ms;	/* 3000 */
	int	 timeout_ms;		/* 10000, the whole request */
	size_t	 max_response;		/* 1 MiB of body */
};
#define HTTP_CONNECT_TIMEOUT_MS	3000
#define HTTP_TIMEOUT_MS		10000
#define HTTP_MAX_RESPONSE	((size_t)1 << 20)

struct http_opts {
	const char		 *method;	/* NULL: GET */
	const char		 *url;
	const char *const	 *headers;	/* "Name: value", NULL-ended */
	const char		 *body;		/* sent as is (POST) */
	size_t			  bodylen;
	/* PEM text of the CAs to trust instead of the system store and
	 * outgoing_ca; NULL: those two. */
	const char		 *ca_pem;
	/* Mail (url smtp://HOST:PORT): the envelope's sender and its one
	 * recipient; body is the whole message, uploaded.  require_tls:
	 * STARTTLS or fail (CURLUSESSL_ALL); user and password: AUTH (NULL:
	 * none).  The result's status is the server's last reply code. */
	const char		 *mail_from;
	const char		 *mail_rcpt;
	bool			  require_tls;
	const char		 *user;
	const char		 *password;
};

enum http_fail {
	HTTP_OK,		/* an HTTP answer came (any status) */
	HTTP_CONNECT,		/* no connection (refused, unreachable, DNS) */
	HTTP_CONNECT_TIMEOUT,	/* no connection within the connect timeout */
	HTTP_TIMEOUT,		/* connected, no whole answer in time */
	HTTP_TLS_UNTRUSTED,	/* the peer's certificate was not trusted */
	HTTP_TLS,		/* any other TLS failure */
	HTTP_TOO_LARGE,		/* the body passed max_response */
	HTTP_FAILED		/* anything else (err says what) */
};

struct http_result {
	enum http_fail	 fail;
	long		 status;	/* HTTP status; 0 without an answer */
	const char	*body;		/* NUL-terminated; "" without one */
	size_t		 len;
	/* Why it failed, for a person: the system's reason ("Connection
	 * refused") or curl's message.  Never holds request headers. */
	const char	*err;
	const struct http_settings *settings;	/* the limits it ran under */
};

/* Runs on the loop; the result and everything in it die after return. */
typedef void http_cb(void *arg, const struct http_result *);

/*
 * A loop on base.  outgoing_ca: a PEM file of CAs trusted beside the
 * system store (NULL: none), read here, once.  NULL with err set if the
 * file cannot be read or libcurl cannot serve (no asynchronous resolver).
 */
struct http_loop *http_loop_new(struct event_base *, const char *outgoing_ca,
		    const struct http_settings *, char *err, size_t errlen)
		    MUST_CHECK;
/* Ends every request still running, with no callback. */
void		 http_loop_free(struct http_loop *);
const struct http_settings *http_loop_settings(const struct http_loop *);
struct event_base *http_loop_base(const struct http_loop *);

/*
 * Start a request; cb runs once, later, on the loop (never from inside
 * this call).  Everything in opts is copied.  NULL (err set) only for a
 * request curl refuses outright (a bad URL or header).
 */
struct http_req	*http_start(struct http_loop *, const struct http_opts *,
		    http_cb *, void *arg, char *err, size_t errlen) MUST_CHECK;
/* No callback after this.  Not from inside the request's own callback
 * (it is freed when the callback returns). */
void		 http_cancel(struct http_req *);

#endif
