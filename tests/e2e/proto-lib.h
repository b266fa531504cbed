/*
 * proto-lib.h: what the raw-frame suites share (test_proto.c, the frames
 * and requests; test_conn.c, TLS and the connection limits): the server's
 * address and credentials from run.sh's environment, requests packed by
 * hand, and reading the answers.  cmocka's asserts fail the test that
 * calls them.
 */
#ifndef CAIRN_PROTO_LIB_H
#define CAIRN_PROTO_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "mpack.h"
#include "peer.h"
#include "reqpack.h"
#include "wire.h"

/* From the environment (proto_env). */
extern const char *addr, *ca, *other_ca, *admin, *admin_pw;

/* Reads them; false (and a line on stderr naming prog) if any is
 * missing. */
bool	proto_env(const char *prog);

/* Connect over verified TLS, or fail the test. */
void	conn(struct peer *p);
/* One answer, checked for its shape and id: its code (E_OK: success). */
enum wire_err	read_resp(struct peer *p, uint64_t want_id,
		    struct mp_doc *doc);
/* Send sb (destroyed) and read its answer's code. */
enum wire_err	call(struct peer *p, uint64_t id, msgpack_sbuffer *sb);
/* hello, ping and the admin's login, each expected to succeed. */
void	hello(struct peer *p);
void	ping_ok(struct peer *p, uint64_t id);
void	login(struct peer *p, uint64_t id);
/* The server has closed p: a read gets EOF. */
void	assert_closed(struct peer *p);
/* A frame of n bytes of payload, whatever they are. */
void	raw_frame(struct peer *p, const void *payload, size_t n);
/* Seconds until the server closes p. */
double	secs_until_closed(struct peer *p);

#endif
