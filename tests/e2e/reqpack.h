/*
 * reqpack.h: requests packed by hand (test_proto, test_conn, test_auth,
 * test_batch, test_memory): each into a new sbuffer the caller destroys.
 */
#ifndef CAIRN_REQPACK_H
#define CAIRN_REQPACK_H

#include <stdint.h>

#include <msgpack.h>

/* {"id": id, "op": op, "args": {k: v, ...}}: string pairs, NULL after
 * the last. */
void	pack_req(msgpack_sbuffer *, uint64_t id, const char *op, ...);
/* A hello (any protocol version, for the refusal tests too). */
void	pack_hello(msgpack_sbuffer *, uint64_t id, int proto,
	    const char *client);
/* {"id", "op", "args": {"x": [n nils]}}: n + 9 elements. */
void	pack_nils(msgpack_sbuffer *, uint64_t id, const char *op, uint32_t n);

#endif
