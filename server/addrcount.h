/*
 * addrcount.h: connections held per source address, and the admission
 * policy built on them, so that one address (or a handful) cannot take
 * every slot.
 *
 * An IPv4 address counts on its own (an IPv4-mapped IPv6 address counts as
 * that IPv4 address); an IPv6 address counts by its /64 prefix, because one
 * host is usually given a whole /64 and could otherwise pick a fresh
 * address for each connection.
 *
 * Memory is bounded: an address is remembered only while it holds a
 * connection, so there are never more entries than connections.
 */
#ifndef CAIRN_ADDRCOUNT_H
#define CAIRN_ADDRCOUNT_H

#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attr.h"

/* An address that holds this many connections or more gets no slot from
 * the reserve (see addr_admit). */
#define ADDR_RESERVE_HELD_MAX	4

struct addrkey {
	uint8_t		 family;	/* 4 or 6; 0: unknown (not counted) */
	uint8_t		 b[8];		/* IPv4: 4 bytes; IPv6: the /64 */
};

struct addrcount;

/* False (and family 0) for an address family we do not count. */
bool		 addrkey_from_sa(struct addrkey *, const struct sockaddr *)
	    MUST_CHECK;
struct addrcount *addrcount_new(size_t max_conns) MUST_CHECK;
void		 addrcount_free(struct addrcount *);
size_t		 addrcount_get(const struct addrcount *,
		    const struct addrkey *);
void		 addrcount_inc(struct addrcount *, const struct addrkey *);
void		 addrcount_dec(struct addrcount *, const struct addrkey *);
size_t		 addrcount_addrs(const struct addrcount *);

enum admit { ADMIT_OK, ADMIT_FULL, ADMIT_PER_ADDR, ADMIT_RESERVED,
    ADMIT_STARTUPS_FULL, ADMIT_STARTUPS_PER_ADDR, ADMIT_STARTUPS_DROP };

/*
 * May an address that holds `held` connections open one more, with
 * `total` open in all?  Refused when total >= max_conns (ADMIT_FULL), when
 * held >= per_addr (ADMIT_PER_ADDR), and, once total >= max_conns -
 * reserve, when held >= ADDR_RESERVE_HELD_MAX (ADMIT_RESERVED): the last
 * `reserve` slots are kept for addresses that hold few connections.
 */
enum admit	 addr_admit(size_t total, size_t held, size_t max_conns,
		    size_t per_addr, size_t reserve);
/* The reserve when the setting is left to its default: max_conns / 8. */
size_t		 addr_default_reserve(size_t max_conns);

/*
 * Connections not logged in yet ("startups", as OpenSSH calls them): may an
 * address that holds `held` of them open one more, with `n` open in all?
 * rnd is a uniformly random number.
 *
 *   n >= max_startups                   ADMIT_STARTUPS_FULL
 *   held >= per_addr                    ADMIT_STARTUPS_PER_ADDR
 *   held == 0                           ADMIT_OK: an address holding none
 *                                       (someone about to log in) is never
 *                                       dropped at random, and alone may
 *                                       take the last max_startups / 8
 *   n >= max_startups - max_startups/8  ADMIT_STARTUPS_DROP
 *   n >= max_startups / 2               ADMIT_STARTUPS_DROP with a
 *                                       probability rising linearly from
 *                                       1 / (1 + the gap) to 1 across the
 *                                       gap (random early drop)
 *
 * So addresses that already hold startups share at most 7/8 of them, and
 * lose more of their attempts the fuller it is, while an address that
 * holds none finds a slot as long as fewer than max_startups / 8 other
 * such addresses came first.
 */
enum admit	 startup_admit(size_t n, size_t held, size_t max_startups,
		    size_t per_addr, uint32_t rnd);

#endif
