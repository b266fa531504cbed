/*
 * log.c: log_warn/fatal append strerror(errno); the x variants do not.
 * Lines carry an ISO time and a level so they can be grepped and shipped.
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

static const char	*log_prog = "cairn";
static enum log_level	 log_level = LOG_LVL_INFO;

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

/* One fprintf per line so that lines from threads do not interleave. */
static void
emit(enum log_level lvl, const char *msg, const char *suffix)
{
	static const char *names[] = { "error", "warn", "info", "debug" };
	struct timespec now;
	struct tm tm;
	char ts[32];

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %s %s: %s%s\n", ts, now.tv_nsec / 1000000,
	    log_prog, names[lvl], msg, suffix);
}

static void
format(char *msg, size_t size, const char *fmt, va_list ap)
{
	vsnprintf(msg, size, fmt, ap);
	/* One event, one line: names sent by clients may hold anything. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

static void
vlog(enum log_level lvl, int with_errno, const char *fmt, va_list ap)
{
	char msg[1024], suffix[300] = "";
	int saved = errno;

	if (lvl > log_level)
		return;
	format(msg, sizeof msg, fmt, ap);
	if (with_errno)
		snprintf(suffix, sizeof suffix, ": %s", strerror(saved));
	emit(lvl, msg, suffix);
	errno = saved;
}

#define LOGFN(name, lvl, e)				\
void							\
name(const char *fmt, ...)				\
{							\
	va_list ap;					\
	va_start(ap, fmt);				\
	vlog(lvl, e, fmt, ap);				\
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
	vlog(lvl, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, 0, fmt, ap);
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
	emit(lvl, msg, suffix);
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
		emit(s->lvl, s->held_msg, suffix);
		s->held = 0;
		s->last_ms = now;
	}
	pthread_mutex_unlock(&rl_lock);
}
