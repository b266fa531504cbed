/*
 * reqpack.c: requests packed by hand for the suites that speak the wire
 * protocol themselves (reqpack.h).
 */
#include <stdarg.h>
#include <stdint.h>

#include <msgpack.h>

#include "mpack.h"
#include "reqpack.h"

/* {"id": id, "op": op, "args": ...}: the args' value is the caller's to
 * pack next. */
static void
pack_head(msgpack_sbuffer *sb, msgpack_packer *pk, uint64_t id,
    const char *op)
{
	msgpack_sbuffer_init(sb);
	msgpack_packer_init(pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(pk, 3);
	mp_kv_uint(pk, "id", id);
	mp_kv_str(pk, "op", op);
	mp_pack_key(pk, "args");
}

/* Pack {"id": id, "op": op, "args": {k: v-string ...}}; NULL-terminated. */
void
pack_req(msgpack_sbuffer *sb, uint64_t id, const char *op, ...)
{
	msgpack_packer pk;
	va_list ap;
	int n = 0;

	va_start(ap, op);
	while (va_arg(ap, const char *) != NULL)
		n++;
	va_end(ap);
	pack_head(sb, &pk, id, op);
	msgpack_pack_map(&pk, n / 2);
	va_start(ap, op);
	for (int i = 0; i < n / 2; i++) {
		const char *k = va_arg(ap, const char *);
		const char *v = va_arg(ap, const char *);
		mp_kv_str(&pk, k, v);
	}
	va_end(ap);
}

/* A hello request (any protocol version, for the refusal tests). */
void
pack_hello(msgpack_sbuffer *sb, uint64_t id, int proto, const char *client)
{
	msgpack_packer pk;

	pack_head(sb, &pk, id, "hello");
	msgpack_pack_map(&pk, 2);
	mp_kv_int(&pk, "proto", proto);
	mp_kv_str(&pk, "client", client);
}

/* A request {"id", "op", "args": {"x": [n nils]}}: n + 9 elements. */
void
pack_nils(msgpack_sbuffer *sb, uint64_t id, const char *op, uint32_t n)
{
	msgpack_packer pk;

	pack_head(sb, &pk, id, op);
	msgpack_pack_map(&pk, 1);
	mp_pack_key(&pk, "x");
	msgpack_pack_array(&pk, n);
	for (uint32_t i = 0; i < n; i++)
		msgpack_pack_nil(&pk);
}
