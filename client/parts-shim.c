/*
 * parts-shim.c: TEMPORARY stand-in for client_call_parts until the lead's
 * implementation lands ("streaming ready"): a weak definition that makes
 * one ordinary call and hands each set of the result (an array) to the
 * callback.  The real one overrides it at link time; delete this file
 * then.
 */
#include "client.h"

__attribute__((weak)) int
client_call_parts(struct client *c, const char *op, const struct reqargs *ra,
    part_cb *cb, void *arg, const msgpack_object **result)
{
	int rc;

	if ((rc = client_call(c, op, ra, result)) != CX_OK || cb == NULL)
		return rc;
	for (uint32_t i = 0; i < (*result)->via.map.size; i++) {
		const msgpack_object_kv *kv = &(*result)->via.map.ptr[i];

		if (kv->key.type != MSGPACK_OBJECT_STR ||
		    kv->val.type != MSGPACK_OBJECT_ARRAY)
			continue;
		if ((rc = cb(arg, kv->key.via.str.ptr, kv->key.via.str.size,
		    &kv->val)) != CX_OK)
			return rc;
	}
	return CX_OK;
}
