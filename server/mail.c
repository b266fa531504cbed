/*
 * mail.c: the relay's settings and a message's text (see mail.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "config.h"
#include "mail.h"
#include "xmalloc.h"

#define PASSWORD_MAX	1024
#define SUBJECT_MAX	400	/* bytes of subject kept */
#define B64_LINE	57	/* bytes per base64 line of 76 */
#define EW_BYTES	42	/* bytes per RFC 2047 encoded word */

bool
mail_addr_ok(const char *a)
{
	const char *at = strchr(a, '@');
	size_t n = strlen(a);

	if (n < 3 || n > MAIL_ADDR_MAX || at == NULL || at == a ||
	    at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return false;
	for (const char *p = a; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c >= 0x7f || strchr("<>()[]\\,;:\"", c) !=
		    NULL)
			return false;
	}
	return true;
}

static bool MUST_CHECK
read_password(const char *path, char **out, char *err, size_t errlen)
{
	struct stat st;
	char buf[PASSWORD_MAX + 2];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "smtp_password_file %s: %s", path,
		    strerror(errno));
		return false;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 077) != 0) {
		close(fd);
		snprintf(err, errlen, "smtp_password_file %s: must be a file "
		    "that neither group nor others may read (chmod 600)", path);
		return false;
	}
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0 || n > PASSWORD_MAX) {
		snprintf(err, errlen, "smtp_password_file %s: %s", path,
		    n < 0 ? strerror(errno) : "longer than 1024 bytes");
		return false;
	}
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	*out = xstrdup(buf);
	explicit_bzero(buf, sizeof buf);
	return true;
}

bool
mail_init(struct config *cf, char *err, size_t errlen)
{
	char host[256];

	if (cf->smtp_host == NULL)
		return true;
	if (cf->smtp_host[0] == '\0' || strpbrk(cf->smtp_host, " /@?#") !=
	    NULL) {
		snprintf(err, errlen, "smtp_host '%s' is not a host name",
		    cf->smtp_host);
		return false;
	}
	if (cf->smtp_from == NULL) {
		if (gethostname(host, sizeof host) != 0)
			snprintf(host, sizeof host, "localhost");
		host[sizeof host - 1] = '\0';
		xasprintf(&cf->smtp_from, "cairn@%s", host);
	}
	if (!mail_addr_ok(cf->smtp_from)) {
		snprintf(err, errlen, "smtp_from '%s' is not an address",
		    cf->smtp_from);
		return false;
	}
	if (cf->smtp_password_file != NULL && !read_password(
	    cf->smtp_password_file, &cf->smtp_password, err, errlen))
		return false;
	if (cf->smtp_password != NULL && cf->smtp_user == NULL) {
		snprintf(err, errlen, "smtp_password_file goes with smtp_user");
		return false;
	}
	return true;
}

char *
mail_url(const struct config *cf)
{
	char *u;
	bool v6 = cf->smtp_host != NULL && strchr(cf->smtp_host, ':') != NULL;

	if (cf->smtp_host == NULL)
		return NULL;
	xasprintf(&u, "smtp://%s%s%s:%d", v6 ? "[" : "", cf->smtp_host,
	    v6 ? "]" : "", cf->smtp_port);
	return u;
}

/* A growing buffer. */
struct buf {
	char	*p;
	size_t	 len, cap;
};

static void
put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void
b64(struct buf *b, const unsigned char *s, size_t n)
{
	char out[B64_LINE * 2];
	int k;

	k = EVP_EncodeBlock((unsigned char *)out, s, (int)n);
	put(b, out, (size_t)k);
}

/* The text with its line ends as CRLF, base64 in lines of 76. */
static void
body_b64(struct buf *b, const char *text)
{
	struct buf crlf = { NULL, 0, 0 };

	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\n' && (p == text || p[-1] != '\r'))
			put(&crlf, "\r", 1);
		put(&crlf, p, 1);
	}
	for (size_t i = 0; i < crlf.len; i += B64_LINE) {
		b64(b, (const unsigned char *)crlf.p + i,
		    crlf.len - i < B64_LINE ? crlf.len - i : B64_LINE);
		puts_(b, "\r\n");
	}
	free(crlf.p);
}

/* Subject: control characters as spaces; RFC 2047 words when not ASCII,
 * cut at character boundaries, folded. */
static void
subject(struct buf *b, const char *s)
{
	char clean[SUBJECT_MAX + 1];
	size_t n = 0, i, take;
	bool ascii = true;

	for (; *s != '\0' && n < SUBJECT_MAX; s++) {
		unsigned char c = (unsigned char)*s;

		clean[n++] = c < ' ' || c == 0x7f ? ' ' : (char)c;
		if (c >= 0x80)
			ascii = false;
	}
	/* Not a cut character at the end. */
	while (n > 0 && ((unsigned char)clean[n - 1] & 0xc0) == 0x80)
		n--;
	if (n > 0 && (unsigned char)clean[n - 1] >= 0xc0)
		n--;
	clean[n] = '\0';
	puts_(b, "Subject: ");
	if (ascii) {
		puts_(b, clean);
		puts_(b, "\r\n");
		return;
	}
	for (i = 0; i < n; i += take) {
		take = n - i < EW_BYTES ? n - i : EW_BYTES;
		while (i + take < n &&
		    ((unsigned char)clean[i + take] & 0xc0) == 0x80)
			take--;
		if (i > 0)
			puts_(b, "\r\n ");
		puts_(b, "=?UTF-8?B?");
		b64(b, (const unsigned char *)clean + i, take);
		puts_(b, "?=");
	}
	puts_(b, "\r\n");
}

char *
mail_build(const struct mail_msg *m, size_t *len)
{
	struct buf b = { NULL, 0, 0 };
	const char *dom = strchr(m->from, '@');
	char line[600], date[64], boundary[80];
	struct tm tm;

	gmtime_r(&m->date, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	snprintf(line, sizeof line, "From: cairn <%s>\r\nTo: <%s>\r\n"
	    "Date: %s\r\nMessage-ID: <%s@cairn.%s>\r\n"
	    "X-Cairn-Delivery: %s\r\nAuto-Submitted: auto-generated\r\n"
	    "MIME-Version: 1.0\r\n", m->from, m->to, date, m->delivery,
	    dom != NULL ? dom + 1 : "localhost", m->delivery);
	puts_(&b, line);
	subject(&b, m->subject);
	if (m->html == NULL) {
		puts_(&b, "Content-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n");
		body_b64(&b, m->text);
	} else {
		snprintf(boundary, sizeof boundary, "cairn-%s", m->delivery);
		snprintf(line, sizeof line, "Content-Type: multipart/"
		    "alternative; boundary=\"%s\"\r\n\r\n"
		    "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n", boundary,
		    boundary);
		puts_(&b, line);
		body_b64(&b, m->text);
		snprintf(line, sizeof line, "--%s\r\nContent-Type: text/html; "
		    "charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		    boundary);
		puts_(&b, line);
		body_b64(&b, m->html);
		snprintf(line, sizeof line, "--%s--\r\n", boundary);
		puts_(&b, line);
	}
	*len = b.len;
	return b.p;
}
