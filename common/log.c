/*
 * log.c: log_warn/fatal append strerror(errno); the x variants do not.
 * Lines carry an ISO time and a level so they can be grepped and shipped,
 * as text or as one JSON object each (log.h).
 * log_rl() keeps floods of one kind of line to one a second.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "utf8.h"

static const char	*log_prog = "cairn";
static enum log_level	 log_level = LOG_LVL_INFO;
static enum log_format	 log_format = LOG_FMT_TEXT;
static const char	*level_names[] = { "error", "warn", "info", "debug" };

void
log_init(const char *prog, enum log_level lvl)
{
	log_prog = prog;
	log_level = lvl;
}

void
log_set_level(enum log_level lvl)
{
	log_level = lvl;
}

void
log_set_format(enum log_format f)
{
	log_format = f;
}

int
log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

int
log_format_parse(const char *s)
{
	if (strcmp(s, "text") == 0)
		return LOG_FMT_TEXT;
	if (strcmp(s, "json") == 0)
		return LOG_FMT_JSON;
	return -1;
}

size_t
log_json_str(char *out, size_t outlen, const char *str)
{
	const unsigned char *p = (const unsigned char *)str;
	size_t n = strlen(str), o = 0;

	if (outlen < 3) {
		if (outlen > 0)
			out[0] = '\0';
		return 0;
	}
	out[o++] = '"';
	for (size_t i = 0; i < n; ) {
		char tmp[8];
		size_t k;
		uint32_t cp;

		if (p[i] == '"' || p[i] == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)p[i];
			k = 2;
			i++;
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			k = (size_t)snprintf(tmp, sizeof tmp, "\\u%04x", p[i]);
			i++;
		} else if ((k = utf8_decode(p + i, n - i, &cp)) > 0) {
			memcpy(tmp, p + i, k);
			i += k;
		} else {
			/* Not UTF-8: one byte at a time becomes U+FFFD. */
			memcpy(tmp, "\\ufffd", 6);
			k = 6;
			i++;
		}
		if (o + k + 2 > outlen)
			break;
		memcpy(out + o, tmp, k);
		o += k;
	}
	out[o++] = '"';
	out[o] = '\0';
	return o;
}

/* The time now, RFC 3339 in UTC with milliseconds. */
static void
timestamp(char *ts, size_t size)
{
	struct timespec now;
	struct tm tm;
	char sec[24];

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(sec, sizeof sec, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts, size, "%s.%03ldZ", sec, now.tv_nsec / 1000000);
}

static void
emit_json(enum log_level lvl, const struct log_ctx *ctx, const char *msg,
    const char *suffix)
{
	char line[8192], esc[6 * 1024 + 400], full[1400], ts[40];
	size_t o;

	timestamp(ts, sizeof ts);
	snprintf(full, sizeof full, "%s%s", msg, suffix);
	log_json_str(esc, sizeof esc, full);
	o = (size_t)snprintf(line, sizeof line, "{\"time\":\"%s\",\"level\":\"%s\","
	    "\"prog\":\"%s\",\"msg\":%s", ts, level_names[lvl], log_prog, esc);
	if (ctx != NULL && ctx->conn != 0 && o < sizeof line) {
		log_json_str(esc, sizeof esc, ctx->peer ? ctx->peer : "");
		o += (size_t)snprintf(line + o, sizeof line - o,
		    ",\"conn\":%llu,\"peer\":%s", ctx->conn, esc);
	}
	if (ctx != NULL && ctx->user != NULL && o < sizeof line) {
		log_json_str(esc, sizeof esc, ctx->user);
		o += (size_t)snprintf(line + o, sizeof line - o, ",\"user\":%s",
		    esc);
	}
	if (ctx != NULL && ctx->op != NULL && o < sizeof line) {
		log_json_str(esc, sizeof esc, ctx->op);
		o += (size_t)snprintf(line + o, sizeof line - o, ",\"op\":%s",
		    esc);
	}
	if (ctx != NULL && ctx->code != NULL && o < sizeof line) {
		log_json_str(esc, sizeof esc, ctx->code);
		o += (size_t)snprintf(line + o, sizeof line - o, ",\"code\":%s",
		    esc);
	}
	if (ctx != NULL && ctx->ms >= 0 && o < sizeof line)
		o += (size_t)snprintf(line + o, sizeof line - o, ",\"ms\":%lld",
		    ctx->ms);
	if (o >= sizeof line - 2) {
		/* Cannot happen with these sizes; never a broken object. */
		snprintf(line, sizeof line, "{\"time\":\"%s\",\"level\":\"%s\","
		    "\"prog\":\"%s\",\"msg\":\"(line too long)\"}\n", ts,
		    level_names[lvl], log_prog);
	} else
		snprintf(line + o, sizeof line - o, "}\n");
	fputs(line, stderr);
}

/* One write per line so that lines from threads do not interleave. */
static void
emit(enum log_level lvl, const struct log_ctx *ctx, const char *msg,
    const char *suffix)
{
	char ts[40], text[1100], prefix[160] = "";

	if (log_format == LOG_FMT_JSON) {
		emit_json(lvl, ctx, msg, suffix);
		return;
	}
	timestamp(ts, sizeof ts);
	/* One event, one line: names sent by clients may hold anything. */
	snprintf(text, sizeof text, "%s", msg);
	for (char *p = text; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (ctx != NULL && ctx->conn != 0)
		snprintf(prefix, sizeof prefix, "conn %llu %s: %s%s", ctx->conn,
		    ctx->peer ? ctx->peer : "", ctx->op ? ctx->op : "",
		    ctx->op ? ": " : "");
	fprintf(stderr, "%s %s %s: %s%s%s\n", ts, log_prog, level_names[lvl],
	    prefix, text, suffix);
}

static void
format(char *msg, size_t size, const char *fmt, va_list ap)
{
	vsnprintf(msg, size, fmt, ap);
}

static void
vlog(enum log_level lvl, const struct log_ctx *ctx, int with_errno,
    const char *fmt, va_list ap)
{
	char msg[1024], suffix[300] = "";
	int saved = errno;

	if (lvl > log_level)
		return;
	format(msg, sizeof msg, fmt, ap);
	if (with_errno)
		snprintf(suffix, sizeof suffix, ": %s", strerror(saved));
	emit(lvl, ctx, msg, suffix);
	errno = saved;
}

void
log_ctx_at(enum log_level lvl, const struct log_ctx *ctx, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(lvl, ctx, 0, fmt, ap);
	va_end(ap);
}

#define LOGFN(name, lvl, e)				\
void							\
name(const char *fmt, ...)				\
{							\
	va_list ap;					\
	va_start(ap, fmt);				\
	vlog(lvl, NULL, e, fmt, ap);				\
	va_end(ap);					\
}
LOGFN(log_warn, LOG_LVL_WARN, 1)
LOGFN(log_warnx, LOG_LVL_WARN, 0)
LOGFN(log_info, LOG_LVL_INFO, 0)
LOGFN(log_debug, LOG_LVL_DEBUG, 0)

void
log_at(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(lvl, NULL, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, NULL, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, NULL, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

/*
 * The rate limiter.  A slot per kind of line: when its last line was
 * written, how many were held back since, and the last one held back (so
 * that log_rl_flush() can write a real line, not just a count).
 */
struct rl_slot {
	const char	*key;
	enum log_level	 lvl;
	uint64_t	 last_ms;	/* 0: nothing written yet */
	uint64_t	 held;
	char		 held_msg[1024];
};

static struct rl_slot	 rl[LOG_RL_KEYS];
static pthread_mutex_t	 rl_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* +1 so that 0 can mean "never". */
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1;
}

static uint64_t	(*rl_clock)(void) = mono_ms;

void
log_rl_set_clock(uint64_t (*fn)(void))
{
	pthread_mutex_lock(&rl_lock);
	rl_clock = fn != NULL ? fn : mono_ms;
	memset(rl, 0, sizeof rl);
	pthread_mutex_unlock(&rl_lock);
}

static struct rl_slot *
rl_find(const char *key)
{
	for (int i = 0; i < LOG_RL_KEYS; i++) {
		if (rl[i].key == NULL) {
			rl[i].key = key;
			return &rl[i];
		}
		if (strcmp(rl[i].key, key) == 0)
			return &rl[i];
	}
	return &rl[LOG_RL_KEYS - 1];
}

static void
rl_suffix(char *buf, size_t size, uint64_t n, uint64_t since_ms)
{
	if (n == 0)
		buf[0] = '\0';
	else if (since_ms < 2 * LOG_RL_INTERVAL_MS)
		snprintf(buf, size, " (and %llu more like this in the last "
		    "second)", (unsigned long long)n);
	else
		snprintf(buf, size, " (and %llu more like this in the last "
		    "%llu s)", (unsigned long long)n,
		    (unsigned long long)(since_ms / 1000));
}

void
log_rl(enum log_level lvl, const char *key, const char *fmt, ...)
{
	struct rl_slot *s;
	char msg[1024], suffix[100];
	uint64_t now, held, since;
	va_list ap;
	int saved = errno;

	if (lvl > log_level)
		return;
	va_start(ap, fmt);
	format(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&rl_lock);
	s = rl_find(key);
	now = rl_clock();
	if (s->last_ms != 0 && now - s->last_ms < LOG_RL_INTERVAL_MS) {
		s->held++;
		s->lvl = lvl;
		memcpy(s->held_msg, msg, sizeof msg);
		pthread_mutex_unlock(&rl_lock);
		errno = saved;
		return;
	}
	held = s->held;
	since = now - s->last_ms;
	s->held = 0;
	s->last_ms = now;
	rl_suffix(suffix, sizeof suffix, held, since);
	/* Written under the lock, so that counts and lines stay in order. */
	emit(lvl, NULL, msg, suffix);
	pthread_mutex_unlock(&rl_lock);
	errno = saved;
}

void
log_rl_flush(void)
{
	char suffix[100];
	uint64_t now;

	pthread_mutex_lock(&rl_lock);
	now = rl_clock();
	for (int i = 0; i < LOG_RL_KEYS && rl[i].key != NULL; i++) {
		struct rl_slot *s = &rl[i];

		if (s->held == 0 || now - s->last_ms < LOG_RL_INTERVAL_MS)
			continue;
		/* The held-back line itself, and the others before it. */
		rl_suffix(suffix, sizeof suffix, s->held - 1, now - s->last_ms);
		emit(s->lvl, NULL, s->held_msg, suffix);
		s->held = 0;
		s->last_ms = now;
	}
	pthread_mutex_unlock(&rl_lock);
}
