/*
 * throttle.h: failed password checks (session.login, and old_password in
 * user.set_password), counted per login name and source address in the
 * database (sql/005), so that every cairnd serving it counts together.
 *
 * After login_slow_after failures of a login, from all addresses together,
 * each failed reply is delayed; after login_max_failures from one address,
 * that address (only) is locked out of that login for login_lockout
 * seconds, right password or not.  Other addresses get at most the delay,
 * so nobody can lock a user out from elsewhere.  An address failing for
 * login_addr_logins different names is refused new names until its rows
 * expire, which bounds the rows one address can create.  Unknown names are
 * counted like known ones so that replies reveal nothing.
 *
 * Everything goes through the asynchronous pool: each call answers through
 * its callback, from the event loop, never before it returns.
 */
#ifndef CAIRN_THROTTLE_H
#define CAIRN_THROTTLE_H

#include <stddef.h>

#include "attr.h"
#include "server.h"
#include "sql.h"

#define THROTTLE_DELAY_MAX_MS	5000

/* Its statements (the failures' table), gathered by entities.c. */
extern const stmt_table	throttle_stmts;

struct throttle;

struct throttle	*throttle_new(const struct config *) MUST_CHECK;
void		 throttle_free(struct throttle *);

/*
 * Before checking a password for login from this request's address: when
 * the pair is locked (or the address has too many names), answers E_LIMIT
 * (with field, if not NULL; "too many <what>: try again in N s") and cb is
 * not called; on a database error answers that.  Otherwise cb(req,
 * failures) with the pair's failures so far.
 */
typedef void throttle_check_cb(struct request *, int failures);
void	throttle_check(struct request *, const char *login, const char *field,
	    const char *what, throttle_check_cb *);

/* A wrong password: count it; cb(req, delay) with the ms to hold the reply
 * (the longest delay if it could not be counted). */
typedef void throttle_fail_cb(struct request *, int delay_ms);
void	throttle_fail(struct request *, const char *login, throttle_fail_cb *);

/* The right password: forget this address's failures for login. */
typedef void throttle_ok_cb(struct request *);
void	throttle_ok(struct request *, const char *login, throttle_ok_cb *);

/* The key an address is counted under: itself, an IPv4-mapped IPv6
 * address as IPv4, other IPv6 addresses by their /64. */
void	throttle_addr_key(const char *peer, char *out, size_t outlen);

#endif
