/*
 * mail.h: notifications by email (issue 16): the relay's settings
 * (cairnd.conf smtp_*), and a message as RFC 5322 text.  Sending is
 * libcurl's SMTP on cairnd's loop (http-loop.h, mail_rcpt): no SMTP is
 * written here by hand.
 *
 * A message has a plain-text part and, optionally, an HTML part
 * (multipart/alternative); each part is base64, so that no line of it is
 * too long for SMTP and no byte of it can end the DATA phase.  Its
 * Message-ID is <DELIVERY@cairn.DOMAIN> (DOMAIN: smtp_from's), the same
 * on every try, so that a receiver can drop a duplicate.  The subject
 * has its control characters replaced and is RFC 2047-encoded when it
 * is not ASCII, so that no text of a user's can add a header.
 *
 * mail_build() needs no server around it (tests/unit/test_mail.c).
 */
#ifndef CAIRN_MAIL_H
#define CAIRN_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "attr.h"

struct config;

/* The longest address taken (RFC 5321's path limit). */
#define MAIL_ADDR_MAX	254

/* An address as cairn takes one: local@domain, no spaces, angle
 * brackets, quotes or control characters. */
bool	 mail_addr_ok(const char *) MUST_CHECK;

/*
 * At start, before the privilege drop: the password file read (refused
 * when group or others may read it), smtp_from defaulted to
 * cairn@HOSTNAME and checked.  False with why in err.  No smtp_host: true
 * and nothing done.
 */
bool	 mail_init(struct config *, char *err, size_t errlen) MUST_CHECK;

/* The relay's URL, smtp://HOST:PORT (malloc'd); NULL without smtp_host. */
char	*mail_url(const struct config *);

struct mail_msg {
	const char	*from;		/* an address */
	const char	*to;
	const char	*delivery;	/* the stable id (a UUID) */
	const char	*subject;
	const char	*text;		/* the plain-text part */
	const char	*html;		/* NULL: none */
	time_t		 date;
};

/* The message, CRLF lines, malloc'd (*len bytes, NUL-terminated). */
char	*mail_build(const struct mail_msg *, size_t *len);

#endif
