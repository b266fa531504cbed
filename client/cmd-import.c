/*
 * cmd-import.c: cairn import FILE|- (admin): a JSON export into this
 * server, all or nothing.
 *
 * The document may be larger than a frame, so it goes up in steps
 * (docs/protocol.md, "Import"): import.begin with its period, then each
 * set in chunks of at most 1000 rows that each fit in the server's frame
 * (import.rows), then import.commit, which applies everything in one
 * transaction.  On any failure the import is aborted, so no stage is left
 * behind.  The file is read whole: the client's memory, not the server's.
 */
#define _GNU_SOURCE	/* memmem */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "json.h"
#include "json2mp.h"
#include "wire.h"

#define IMPORT_FILE_MAX		(1024UL * 1024 * 1024)
#define IMPORT_CHUNK_ROWS	1000
#define IMPORT_FRAME_SLACK	512	/* envelope and the other arguments */

struct upload {
	struct client	*c;
	int64_t		 id;
	size_t		 limit;		/* bytes of rows in one request */
	uint32_t	 chunk;		/* rows in one request */
	unsigned long	 sent;
};

static MUST_CHECK int
read_all(struct client *c, const char *path, char **buf, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	size_t cap = 65536, n = 0, got;
	char *b;

	if (f == NULL)
		return client_fail(c, CE_CLIENT, "%s: %s", path,
		    strerror(errno));
	b = malloc(cap);
	while (b != NULL && (got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			if (cap >= IMPORT_FILE_MAX) {
				free(b);
				if (f != stdin)
					fclose(f);
				return client_fail(c, "E_LIMIT", "%s: larger "
				    "than %lu bytes", path, IMPORT_FILE_MAX);
			}
			cap *= 2;
			b = realloc(b, cap);
		}
	}
	if (b == NULL || ferror(f)) {
		free(b);
		if (f != stdin)
			fclose(f);
		return client_fail(c, CE_CLIENT, "%s: %s", path,
		    b == NULL ? "out of memory" : strerror(errno));
	}
	if (f != stdin)
		fclose(f);
	*buf = b;
	*len = n;
	return CX_OK;
}

/* Send rows [from, to) of set as one import.rows (errors kept, not
 * reported). */
static MUST_CHECK int
send_chunk(struct upload *u, const char *set, const msgpack_object *rows,
    uint32_t from, uint32_t to)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct reqargs ra = { 0 };
	const msgpack_object *res;
	int rc;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, to - from);
	for (uint32_t i = from; i < to; i++)
		msgpack_pack_object(&pk, rows->via.array.ptr[i]);
	req_int(&ra, "import", u->id);
	req_str(&ra, "set", set);
	req_raw(&ra, "rows", sb.data, sb.size);
	rc = client_try(u->c, "import.rows", &ra, &res);
	msgpack_sbuffer_destroy(&sb);
	if (rc == CX_OK)
		u->sent += to - from;
	return rc;
}

/* A refusal of the request's size (the server's max_elements, which
 * hello does not announce), not of a row or of the rows' count: worth
 * again with fewer rows. */
static bool
too_big(const struct client *c)
{
	const msgpack_object *m;

	if (!client_failed_with(c, "E_LIMIT"))
		return false;
	if (c->err == NULL)
		return strstr(c->lmsg, "too large") != NULL;
	if (mp_map_get(c->err, WIRE_FIELD) != NULL ||
	    (m = map_get_type(c->err, WIRE_MESSAGE, MSGPACK_OBJECT_STR)) ==
	    NULL)
		return false;
	return memmem(m->via.str.ptr, m->via.str.size, "elements", 8) !=
	    NULL || memmem(m->via.str.ptr, m->via.str.size, "too large", 9) !=
	    NULL;
}

static size_t
packed_size(const msgpack_object *o)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	size_t n;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_object(&pk, *o);
	n = sb.size;
	msgpack_sbuffer_destroy(&sb);
	return n;
}

/* A set's rows in chunks of at most u->chunk rows and u->limit bytes (a
 * row larger than that alone, for the server to refuse); halved when the
 * server finds a chunk too large. */
static MUST_CHECK int
send_set(struct upload *u, const char *set, const msgpack_object *rows)
{
	uint32_t from = 0, to, n = rows->via.array.size;
	size_t bytes, sz;
	int rc;

	while (from < n) {
		for (to = from, bytes = 0; to < n && to - from < u->chunk;
		    to++) {
			sz = packed_size(&rows->via.array.ptr[to]);
			if (to > from && bytes + sz > u->limit)
				break;
			bytes += sz;
		}
		rc = send_chunk(u, set, rows, from, to);
		if (rc != CX_OK && to - from > 1 && too_big(u->c)) {
			u->chunk = (to - from) / 2;
			continue;
		}
		if (rc != CX_OK) {
			client_report(u->c);
			return rc;
		}
		from = to;
	}
	return CX_OK;
}

static void
abort_quietly(struct client *c, int64_t id)
{
	struct reqargs ra = { 0 };
	const msgpack_object *res;

	req_int(&ra, "import", id);
	/* Best effort: the user is told the error that made us abort, not
	 * this one, and a stage left behind is dropped by the server within
	 * the hour anyway (docs/protocol.md, import.begin). */
	if (client_try(c, "import.abort", &ra, &res) != CX_OK)
		return;
}

/* Upload doc in chunks and commit it, with idempotency key idem (NULL:
 * a fresh one). */
static MUST_CHECK int
upload(struct client *c, const msgpack_object *doc, uint32_t chunk,
    const char *idem)
{
	const msgpack_object *v, *period, *res, *id;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct reqargs ra = { 0 };
	struct upload u = { 0 };
	char set[64], key[33];
	int rc;

	v = map_get_type(doc, "format", MSGPACK_OBJECT_STR);
	if (v == NULL || !mp_str_eq(v, "cairn-export"))
		return client_fail(c, "E_INVALID", "not a cairn export (its "
		    "\"format\" is not \"cairn-export\")");
	v = map_get_type(doc, "version", MSGPACK_OBJECT_POSITIVE_INTEGER);
	if (v == NULL || v->via.u64 != 1)
		return client_fail(c, "E_INVALID", "an export of version 1 is "
		    "needed (\"version\")");
	if ((period = map_get_type(doc, "period", MSGPACK_OBJECT_MAP)) == NULL)
		return client_fail(c, "E_INVALID", "the export has no "
		    "\"period\" map");
	for (uint32_t i = 0; i < doc->via.map.size; i++) {
		const msgpack_object *k = &doc->via.map.ptr[i].key;

		if (k->type != MSGPACK_OBJECT_STR)
			return client_fail(c, "E_INVALID", "a key of the "
			    "document is not a string");
		if (mp_str_eq(k, "format") || mp_str_eq(k, "version") ||
		    mp_str_eq(k, "period"))
			continue;
		if (doc->via.map.ptr[i].val.type != MSGPACK_OBJECT_ARRAY)
			return client_fail(c, "E_INVALID", "set \"%.*s\" is "
			    "not an array of rows", (int)(k->via.str.size < 60 ?
			    k->via.str.size : 60), k->via.str.ptr);
	}
	if ((rc = client_open(c)) != CX_OK)
		return rc;
	u.c = c;
	u.chunk = chunk;
	u.limit = c->max_frame > 2 * IMPORT_FRAME_SLACK ?
	    c->max_frame - IMPORT_FRAME_SLACK : IMPORT_FRAME_SLACK;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_object(&pk, *period);
	req_raw(&ra, "period", sb.data, sb.size);
	rc = client_call(c, "import.begin", &ra, &res);
	msgpack_sbuffer_destroy(&sb);
	if (rc != CX_OK)
		return rc;
	if ((id = map_get_type(res, "import",
	    MSGPACK_OBJECT_POSITIVE_INTEGER)) == NULL)
		return client_fail(c, CE_CLIENT, "import.begin gave no id");
	u.id = (int64_t)id->via.u64;
	for (uint32_t i = 0; i < doc->via.map.size && rc == CX_OK; i++) {
		const msgpack_object *k = &doc->via.map.ptr[i].key;

		if (mp_str_eq(k, "format") || mp_str_eq(k, "version") ||
		    mp_str_eq(k, "period"))
			continue;
		snprintf(set, sizeof set, "%.*s", (int)(k->via.str.size < 63 ?
		    k->via.str.size : 63), k->via.str.ptr);
		rc = send_set(&u, set, &doc->via.map.ptr[i].val);
	}
	if (rc == CX_OK) {
		/* Keyed: a commit retried after a lost reply is answered from
		 * the first, and applies nothing twice. */
		if (idem == NULL)
			rc = client_new_idem_key(c, key, sizeof key);
	}
	if (rc == CX_OK) {
		ra.n = 0;
		req_int(&ra, "import", u.id);
		req_str(&ra, "idempotency_key", idem != NULL ? idem : key);
		if ((rc = client_try_idem(c, "import.commit", &ra, &res)) !=
		    CX_OK)
			client_report(c);
	}
	if (rc != CX_OK) {
		abort_quietly(c, u.id);
		return rc;
	}
	if (c->json)
		return out_json(res);
	printf("imported period ");
	out_field(stdout, res, "period");
	printf(": ");
	out_field(stdout, res, "objectives");
	printf(" objectives, ");
	out_field(stdout, res, "key_results");
	printf(" key results, ");
	out_field(stdout, res, "checkins");
	printf(" check-ins, ");
	out_field(stdout, res, "readings");
	printf(" readings (");
	out_field(stdout, res, "kpis_created");
	printf(" KPIs created)\n");
	return CX_OK;
}

int
cmd_import(struct client *c, struct cmd_args *a)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_unpacked up;
	size_t len = 0, off = 0;
	const char *ch = args_get(a, "chunk");
	char *buf = NULL, *end;
	long long chunk = IMPORT_CHUNK_ROWS;
	int rc;

	/* Any positive size: the server refuses more than its limit. */
	if (ch != NULL && ((chunk = strtoll(ch, &end, 10)) < 1 ||
	    chunk > UINT32_MAX || *end != '\0'))
		return usage_error(c->cmd, "--chunk is a number of rows, 1 "
		    "or more");

	if ((rc = read_all(c, a->argv[0], &buf, &len)) != CX_OK)
		return rc;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (!json_to_msgpack(&pk, buf, len)) {
		free(buf);
		msgpack_sbuffer_destroy(&sb);
		return client_fail(c, "E_INVALID", "%s: not JSON (or nested "
		    "deeper than %d)", a->argv[0], JSON_MAX_DEPTH);
	}
	free(buf);
	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, sb.data, sb.size, &off) !=
	    MSGPACK_UNPACK_SUCCESS || up.data.type != MSGPACK_OBJECT_MAP)
		rc = client_fail(c, "E_INVALID", "%s: not a JSON object",
		    a->argv[0]);
	else
		rc = upload(c, &up.data, (uint32_t)chunk,
		    args_get(a, "idempotency-key"));
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}
