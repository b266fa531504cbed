/*
 * log.h: one line per event on stderr, with a level.  Never log a password
 * or a token: log the user id or login instead.
 */
#ifndef CAIRN_LOG_H
#define CAIRN_LOG_H

#include <stdint.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };
/*
 * text: "2026-12-06T11:00:00.123Z cairnd info: conn 12 10.0.0.7: msg".
 * json: one object per line, for log shippers (docs/operations.md,
 * "Logs"): {"time":"2026-12-06T11:00:00.123Z","level":"info",
 * "prog":"cairnd","msg":"...", and when the line is about a connection or
 * a request "conn":12,"peer":"10.0.0.7","user":"ann","op":"user.get",
 * "code":"ok","ms":3}.  Strings are escaped as JSON wants, and bytes that
 * are not UTF-8 become U+FFFD, so that every line parses.
 */
enum log_format { LOG_FMT_TEXT, LOG_FMT_JSON };

void	log_init(const char *progname, enum log_level);
void	log_set_level(enum log_level);
void	log_set_format(enum log_format);
/* "error", "warn", "info", "debug" / "text", "json": -1 if none. */
int	log_level_parse(const char *);
int	log_format_parse(const char *);

/*
 * What a line is about: a connection (conn != 0), its user once logged
 * in, the request's op, and once answered its code and ms.  In text the
 * connection and op make the line's prefix, as they always have; in JSON
 * each is a field of its own.
 */
struct log_ctx {
	unsigned long long	 conn;		/* 0: no connection */
	const char		*peer;
	const char		*user;		/* NULL: not logged in */
	const char		*op;		/* NULL: not a request's line */
	const char		*code;		/* NULL: not answered */
	long long		 ms;		/* < 0: none */
};
void	log_ctx_at(enum log_level, const struct log_ctx *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* s as a JSON string, quotes included, NUL-terminated in out (cut, never
 * mid-escape, when out is too small).  Returns the length written. */
size_t	log_json_str(char *out, size_t outlen, const char *s);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* The same at a level given at run time: the primitive of the macros that
 * put a context before the message (server.h's log_conn, log_req). */
void	log_at(enum log_level, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Rate-limited logging, for events anyone can cause in bulk (refused
 * connections, failed handshakes, accept errors).  Lines with the same key
 * (a string constant naming the kind of event) are written at most once
 * per LOG_RL_INTERVAL_MS; the ones held back are counted, and the next line
 * of that kind ends with "(and N more like this in the last second)".
 * log_rl_flush() writes the last held-back line of each kind whose interval
 * is over, so that the end of a burst is reported too; cairnd calls it
 * every second.  At most LOG_RL_KEYS kinds are tracked; further keys share
 * the last slot.
 */
#define LOG_RL_INTERVAL_MS	1000
#define LOG_RL_KEYS		32

void	log_rl(enum log_level, const char *key, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
#define log_warnx_rl(key, ...)	log_rl(LOG_LVL_WARN, key, __VA_ARGS__)
#define log_info_rl(key, ...)	log_rl(LOG_LVL_INFO, key, __VA_ARGS__)
void	log_rl_flush(void);
/* For tests: the clock (monotonic ms) the rate limiter reads. */
void	log_rl_set_clock(uint64_t (*)(void));

#endif
