/*
 * throttle.h: failed logins per login name.  After slow_after failures in a
 * row each failed reply is delayed; after max_failures the name is locked
 * for lockout seconds, right password or not.  Unknown names are tracked
 * like known ones so that replies reveal nothing.  Memory is bounded: at
 * most THROTTLE_MAX names are remembered, the stalest evicted first.
 */
#ifndef CAIRN_THROTTLE_H
#define CAIRN_THROTTLE_H

#define THROTTLE_MAX	10000

struct throttle;

struct throttle	*throttle_new(int slow_after, int max_failures, int lockout);
void		 throttle_free(struct throttle *);
/* Seconds the name stays locked, 0 if it may try. */
int		 throttle_locked(struct throttle *, const char *login);
/* Record a failure; returns the delay to put on the reply, in ms. */
int		 throttle_fail(struct throttle *, const char *login);
void		 throttle_ok(struct throttle *, const char *login);

#endif
