/*
 * test_mail.c: a notification's mail as mail.c builds it (server/mail.h):
 * the headers a receiver drops duplicates by, base64 parts with CRLF
 * lines, a subject that cannot add a header, addresses refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "mail.h"

static char *
build(const char *subject, const char *text, const char *html)
{
	struct mail_msg m = { .from = "cairn@example.com",
	    .to = "ann@example.org", .delivery = "0b8a7c1e-1111-2222-3333-"
	    "444455556666", .subject = subject, .text = text, .html = html,
	    .date = 1764979200 };
	size_t len;
	char *s = mail_build(&m, &len);

	assert_int_equal(strlen(s), len);
	return s;
}

/* Every line ends CRLF and none is longer than 998 bytes. */
static void
check_lines(const char *s)
{
	const char *p = s, *nl;

	while ((nl = strchr(p, '\n')) != NULL) {
		assert_true(nl > p && nl[-1] == '\r');
		assert_true(nl - p <= 999);
		p = nl + 1;
	}
	assert_int_equal(*p, '\0');
}

static void
test_headers(void **state)
{
	char *s = build("[cairn] KPI alert", "line one\nline two\n", NULL);

	assert_non_null(strstr(s, "\r\nMessage-ID: <0b8a7c1e-1111-2222-3333-"
	    "444455556666@cairn.example.com>\r\n"));
	assert_non_null(strstr(s, "\r\nX-Cairn-Delivery: 0b8a7c1e-"));
	assert_non_null(strstr(s, "From: cairn <cairn@example.com>\r\n"));
	assert_non_null(strstr(s, "\r\nTo: <ann@example.org>\r\n"));
	assert_non_null(strstr(s, "\r\nDate: Sat, 06 Dec 2025 00:00:00 +0000"
	    "\r\n"));
	assert_non_null(strstr(s, "\r\nSubject: [cairn] KPI alert\r\n"));
	assert_non_null(strstr(s, "Content-Transfer-Encoding: base64\r\n\r\n"));
	check_lines(s);
	free(s);
}

static void
test_body_base64_crlf(void **state)
{
	char *s = build("s", "a\nb\n", NULL), *b = strstr(s, "\r\n\r\n");
	unsigned char out[64];
	int n;

	assert_non_null(b);
	b += 4;
	b[strcspn(b, "\r")] = '\0';
	n = EVP_DecodeBlock(out, (unsigned char *)b, (int)strlen(b));
	assert_true(n >= 6);
	assert_memory_equal(out, "a\r\nb\r\n", 6);
	free(s);
}

static void
test_subject_injection(void **state)
{
	char *s = build("hi\r\nBcc: evil@example.net\nX: y", "t", NULL);

	assert_null(strstr(s, "\nBcc:"));
	assert_null(strstr(s, "\nX: y"));
	assert_non_null(strstr(s, "Subject: hi  Bcc: evil@example.net X: y\r\n"));
	check_lines(s);
	free(s);
}

static void
test_subject_utf8(void **state)
{
	char subj[300];
	char *s;

	snprintf(subj, sizeof subj, "[cairn] ");
	for (int i = 0; i < 40; i++)
		strcat(subj, "\xc3\xa9");	/* é, 2 bytes each */
	s = build(subj, "t", NULL);
	assert_non_null(strstr(s, "Subject: =?UTF-8?B?"));
	/* Folded words, each line short. */
	for (const char *p = strstr(s, "Subject: "); *p != '\0' &&
	    strncmp(p, "Content-Type", 12) != 0; p = strchr(p, '\n') + 1)
		assert_true(strcspn(p, "\r") <= 78);
	check_lines(s);
	free(s);
}

static void
test_multipart(void **state)
{
	char *s = build("digest", "text part", "<p>html</p>");

	assert_non_null(strstr(s, "Content-Type: multipart/alternative; "
	    "boundary=\"cairn-0b8a7c1e-"));
	assert_non_null(strstr(s, "Content-Type: text/plain; charset=utf-8"));
	assert_non_null(strstr(s, "Content-Type: text/html; charset=utf-8"));
	assert_non_null(strstr(s, "--cairn-0b8a7c1e-1111-2222-3333-"
	    "444455556666--\r\n"));
	check_lines(s);
	free(s);
}

static void
test_addresses(void **state)
{
	char longaddr[300];

	assert_true(mail_addr_ok("ann@example.org"));
	assert_true(mail_addr_ok("a.b+c@x.y"));
	assert_false(mail_addr_ok("ann"));
	assert_false(mail_addr_ok("@example.org"));
	assert_false(mail_addr_ok("ann@"));
	assert_false(mail_addr_ok("a@b@c"));
	assert_false(mail_addr_ok("a b@c.d"));
	assert_false(mail_addr_ok("a<b>@c.d"));
	assert_false(mail_addr_ok("a@c.d\r\nBcc: x@y"));
	assert_false(mail_addr_ok("\"a\"@c.d"));
	memset(longaddr, 'a', 250);
	strcpy(longaddr + 250, "@x.yz");
	assert_false(mail_addr_ok(longaddr));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_body_base64_crlf),
		cmocka_unit_test(test_subject_injection),
		cmocka_unit_test(test_subject_utf8),
		cmocka_unit_test(test_multipart),
		cmocka_unit_test(test_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
