/*
 * parts.c: a result that comes in parts (docs/protocol.md, "Results in
 * parts").  Part frames carry the request's id and {"set", "rows"}; the
 * final frame is the usual reply.  Either each part is handed to a
 * callback as it arrives (and freed), or the parts are kept and merged
 * into the final map, one array per set, so that the caller sees the
 * same result a small one would be in one frame.  Merging copies no rows:
 * the arrays point into the kept part documents.
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "wire.h"
#include "xmalloc.h"

#define MERGE_SETS_MAX	16

bool
client_is_part(const struct client *c, uint64_t id)
{
	const msgpack_object *rid;

	if (c->doc.root == NULL || mp_map_get(c->doc.root, WIRE_PART) == NULL)
		return false;
	rid = map_get_type(c->doc.root, WIRE_ID,
	    MSGPACK_OBJECT_POSITIVE_INTEGER);
	return rid != NULL && rid->via.u64 == id;
}

void
client_parts_free(struct client *c)
{
	for (size_t i = 0; i < c->nparts; i++) {
		mp_doc_free(c->parts[i]);
		free(c->parts[i]);
	}
	free(c->parts);
	c->parts = NULL;
	c->nparts = c->partscap = 0;
	if (c->merged != NULL)
		msgpack_zone_free(c->merged);
	c->merged = NULL;
}

/* The set and rows of a part frame; false if it is malformed. */
static bool
part_of(const msgpack_object *root, const msgpack_object **set,
    const msgpack_object **rows)
{
	const msgpack_object *part = map_get_type(root, WIRE_PART,
	    MSGPACK_OBJECT_MAP);

	if (part == NULL)
		return false;
	*set = map_get_type(part, WIRE_SET, MSGPACK_OBJECT_STR);
	*rows = map_get_type(part, WIRE_ROWS, MSGPACK_OBJECT_ARRAY);
	return *set != NULL && *rows != NULL;
}

static void
keep_part(struct client *c)
{
	if (c->nparts == c->partscap) {
		c->partscap = c->partscap ? 2 * c->partscap : 16;
		c->parts = xrealloc(c->parts, c->partscap *
		    sizeof *c->parts);
	}
	/* A doc's root points into itself: moved, it is pointed again. */
	struct mp_doc *d = xmalloc(sizeof *d);
	*d = c->doc;
	d->root = &d->up.data;
	c->parts[c->nparts++] = d;
	memset(&c->doc, 0, sizeof c->doc);
}

/* The final map with every kept part's rows merged in, set by set. */
static MUST_CHECK int
merge(struct client *c, const msgpack_object *final,
    const msgpack_object **result)
{
	const msgpack_object *names[MERGE_SETS_MAX], *set, *rows;
	uint32_t count[MERGE_SETS_MAX] = { 0 }, fill[MERGE_SETS_MAX] = { 0 };
	msgpack_object *arrays[MERGE_SETS_MAX], *out;
	msgpack_object_kv *kv;
	uint32_t nfinal, nsets = 0, k;

	if (final->type != MSGPACK_OBJECT_MAP)
		return local_errorf(c, "E_PROTO", "a result in parts ends "
		    "with no map");
	nfinal = final->via.map.size;
	for (size_t i = 0; i < c->nparts; i++) {
		(void)part_of(c->parts[i]->root, &set, &rows);
		for (k = 0; k < nsets; k++)
			if (names[k]->via.str.size == set->via.str.size &&
			    memcmp(names[k]->via.str.ptr, set->via.str.ptr,
			    set->via.str.size) == 0)
				break;
		if (k == nsets) {
			if (nsets == MERGE_SETS_MAX)
				return local_errorf(c, "E_PROTO", "more than %d"
				    " sets in one result", MERGE_SETS_MAX);
			names[nsets++] = set;
		}
		count[k] += rows->via.array.size;
	}
	if ((c->merged = msgpack_zone_new(MSGPACK_ZONE_CHUNK_SIZE)) == NULL)
		return local_errorf(c, CE_CLIENT, "out of memory");
	out = msgpack_zone_malloc(c->merged, sizeof *out);
	kv = msgpack_zone_malloc(c->merged, (nsets + nfinal) * sizeof *kv +
	    1);
	if (out == NULL || kv == NULL)
		return local_errorf(c, CE_CLIENT, "out of memory");
	for (k = 0; k < nsets; k++) {
		arrays[k] = msgpack_zone_malloc(c->merged,
		    count[k] * sizeof(msgpack_object) + 1);
		if (arrays[k] == NULL)
			return local_errorf(c, CE_CLIENT, "out of memory");
		kv[k].key = *names[k];
		kv[k].val.type = MSGPACK_OBJECT_ARRAY;
		kv[k].val.via.array.size = count[k];
		kv[k].val.via.array.ptr = arrays[k];
	}
	for (size_t i = 0; i < c->nparts; i++) {
		(void)part_of(c->parts[i]->root, &set, &rows);
		for (k = 0; k < nsets; k++)
			if (names[k] == set || (names[k]->via.str.size ==
			    set->via.str.size && memcmp(names[k]->via.str.ptr,
			    set->via.str.ptr, set->via.str.size) == 0))
				break;
		memcpy(arrays[k] + fill[k], rows->via.array.ptr,
		    rows->via.array.size * sizeof(msgpack_object));
		fill[k] += rows->via.array.size;
	}
	if (nfinal > 0)
		memcpy(kv + nsets, final->via.map.ptr, nfinal * sizeof *kv);
	out->type = MSGPACK_OBJECT_MAP;
	out->via.map.size = nsets + nfinal;
	out->via.map.ptr = kv;
	*result = out;
	return CX_OK;
}

/* One attempt; *delivered once a part went to cb (the retry would hand
 * it over twice), *dropped once the connection was made. */
static MUST_CHECK int
call_parts_once(struct client *c, const char *op, const struct reqargs *ra,
    part_cb *cb, void *arg, const msgpack_object **result, bool *delivered,
    bool *dropped)
{
	const msgpack_object *set, *rows, *final;
	uint64_t id;
	int rc;

	rc = client_send_parts(c, op, ra, &id, &final);
	*dropped = c->open;
	if (rc != CX_OK)
		return rc;
	while (client_is_part(c, id)) {
		if (!part_of(c->doc.root, &set, &rows))
			return local_errorf(c, "E_PROTO", "bad part from "
			    "server");
		if (cb != NULL) {
			*delivered = true;
			rc = cb(arg, set->via.str.ptr, set->via.str.size, rows);
			mp_doc_free(&c->doc);
			if (rc != CX_OK)
				return rc;
		} else
			keep_part(c);
		if (!peer_read_doc(&c->peer, &c->doc))
			return local_errorf(c, c->peer.fail == PEER_EPROTO ?
			    "E_PROTO" : CE_CONNECT, "%s", c->peer.err);
	}
	if ((rc = client_check_reply(c, id, &final)) != CX_OK)
		return rc;
	if (cb != NULL) {
		*result = final;
		return CX_OK;
	}
	/* c->doc keeps the final map, whose entries the merged map shares. */
	return merge(c, final, result);
}

/* A read whose connection dropped is asked again (retry.c), unless some
 * of its parts were already handed to cb. */
static MUST_CHECK int
call_parts(struct client *c, const char *op, const struct reqargs *ra,
    part_cb *cb, void *arg, const msgpack_object **result)
{
	bool delivered = false, dropped;
	int rc, i;

	for (i = 0; ; i++) {
		rc = call_parts_once(c, op, ra, cb, arg, result, &delivered,
		    &dropped);
		if (rc == CX_OK || delivered ||
		    !client_may_retry(c, op, ra, i, dropped))
			return rc;
	}
}

/* The same, keeping the error for the caller (as client_try). */
int
client_try_parts(struct client *c, const char *op, const struct reqargs *ra,
    part_cb *cb, void *arg, const msgpack_object **result)
{
	return call_parts(c, op, ra, cb, arg, result);
}

int
client_call_parts(struct client *c, const char *op, const struct reqargs *ra,
    part_cb *cb, void *arg, const msgpack_object **result)
{
	int rc;

	if ((rc = call_parts(c, op, ra, cb, arg, result)) != CX_OK)
		client_report(c);
	return rc;
}

/* cmd_request for a result in parts, merged (the table's op, positional
 * arguments and options, plus extra). */
int
cmd_request_parts(struct client *c, const struct cmd_args *a,
    struct reqargs *extra, const msgpack_object **result)
{
	struct reqargs ra = { 0 }, *r = extra != NULL ? extra : &ra;

	req_positionals(r, a, c->cmd->keys);
	req_options(r, a);
	return client_call_parts(c, c->cmd->op, r, NULL, NULL, result);
}
