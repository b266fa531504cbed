/*
 * tty.c: reading passwords.  Either the first line of standard input
 * (--password-stdin, for scripts) or the terminal with echo off; never a
 * command-line argument, which other users can read in ps(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "client.h"

static volatile sig_atomic_t caught;

static void
on_signal(int sig)
{
	caught = sig;
}

/* Keep the end of a line out of the password; refuse what won't fit. */
static MUST_CHECK int
finish(struct client *c, char *buf, size_t len, size_t n, bool overflow)
{
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	if (overflow || memchr(buf, '\0', n) != NULL) {
		OPENSSL_cleanse(buf, n);
		if (overflow)
			return usage_error(c->cmd, "password too long: more "
			    "than %zu bytes (at most %d)", len - 1,
			    PASSWORD_PROTO_MAX);
		return usage_error(c->cmd, "password contains a NUL byte");
	}
	return CX_OK;
}

static MUST_CHECK int
read_stdin(struct client *c, char *buf, size_t len)
{
	size_t n = 0;
	bool overflow = false;
	int ch;

	while ((ch = getc(stdin)) != EOF && ch != '\n') {
		if (n + 1 < len)
			buf[n++] = (char)ch;
		else
			overflow = true;
	}
	if (ch == EOF && n == 0)
		return usage_error(c->cmd, "no password on standard input");
	return finish(c, buf, len, n, overflow);
}

/*
 * Echo is off while the user types, so a signal must not leave the
 * terminal that way: catch the usual ones, restore, then die of them.
 */
int
read_secret(struct client *c, const char *prompt, bool use_stdin, char *buf,
    size_t len)
{
	static const int sigs[] = { SIGINT, SIGHUP, SIGQUIT, SIGTERM };
	struct sigaction sa, saved[sizeof sigs / sizeof sigs[0]];
	struct termios old, noecho;
	size_t n = 0, i;
	bool overflow = false;
	ssize_t r;
	char ch;
	int fd;

	if (use_stdin)
		return read_stdin(c, buf, len);
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd == -1 || tcgetattr(fd, &old) != 0) {
		if (fd != -1)
			close(fd);
		return usage_error(c->cmd, "no terminal to read the password "
		    "from: use --password-stdin");
	}
	caught = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;	/* no SA_RESTART: read must stop */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, &saved[i]);
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(fd, TCSAFLUSH, &noecho);
	if (write(fd, prompt, strlen(prompt)) == -1) {
		/* Nothing better to do: the read will tell. */
	}
	while (!caught) {
		r = read(fd, &ch, 1);
		if (r == -1 && errno == EINTR)
			continue;
		if (r != 1 || ch == '\n' || ch == '\r')
			break;
		if (n + 1 < len)
			buf[n++] = ch;
		else
			overflow = true;
	}
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) == -1) {
		/* The echo of the newline was off too. */
	}
	close(fd);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &saved[i], NULL);
	if (caught) {
		OPENSSL_cleanse(buf, len);
		raise(caught);
		/* Still here: the signal was ignored before we started. */
		return client_fail(c, CE_CLIENT, "interrupted");
	}
	return finish(c, buf, len, n, overflow);
}
