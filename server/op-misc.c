/* op-misc.c: hello and ping, the two ops that need no session. */
#include <time.h>

#include "op.h"
#include "server.h"

void
op_hello(struct request *req)
{
	struct mp_reader *a = &req->args;
	struct conn *c = req->conn;
	int64_t proto;
	const char *client;
	msgpack_packer *pk;

	mp_get_int(a, "proto", MP_REQUIRED, 0, INT64_MAX, &proto);
	mp_get_str(a, "client", MP_REQUIRED, 1, 200, &client);
	if (!mp_reader_end(a)) {
		req->close_after = !c->hello_done;
		req_fail_args(req);
		return;
	}
	if (proto != CAIRN_PROTO_VERSION) {
		req->close_after = true;
		req_fail(req, E_PROTO, "proto", "protocol version %lld is not "
		    "supported (this server speaks %d)", (long long)proto,
		    CAIRN_PROTO_VERSION);
		return;
	}
	c->hello_done = true;
	pk = req_result(req);
	msgpack_pack_map(pk, 6);
	mp_kv_int(pk, "proto", CAIRN_PROTO_VERSION);
	mp_kv_str(pk, "server", "cairnd");
	mp_kv_str(pk, "version", CAIRN_VERSION);
	mp_kv_uint(pk, "max_frame", c->srv->cf->max_frame);
	/* The limit until this connection has logged in. */
	mp_kv_uint(pk, "startup_max_frame", c->srv->cf->startup_max_frame);
	/* So that a client can name the argument that is too long. */
	mp_kv_uint(pk, "max_string", c->srv->cf->max_string);
	req_reply(req);
}

void
op_ping(struct request *req)
{
	struct timespec ts;
	msgpack_packer *pk;

	if (!req_args_done(req))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	pk = req_result(req);
	msgpack_pack_map(pk, 1);
	mp_kv_int(pk, "time", (int64_t)ts.tv_sec * 1000 +
	    ts.tv_nsec / 1000000);
	req_reply(req);
}
