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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "json.h"
#include "json2mp.h"

#define IMPORT_FILE_MAX		(1024UL * 1024 * 1024)
#define IMPORT_CHUNK_ROWS	1000
#define IMPORT_FRAME_SLACK	512	/* envelope and the other arguments */

struct upload {
	struct client	*c;
	int64_t		 id;
	size_t		 limit;		/* bytes of rows in one request */
	unsigned long	 sent;
};

static int
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

/* Send rows [from, to) of set as one import.rows. */
static int
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
	rc = client_call(u->c, "import.rows", &ra, &res);
	msgpack_sbuffer_destroy(&sb);
	if (rc == CX_OK)
		u->sent += to - from;
	return rc;
}

/* A set's rows in chunks of at most IMPORT_CHUNK_ROWS and u->limit
 * bytes (a row larger than that alone, for the server to refuse). */
static int
send_set(struct upload *u, const char *set, const msgpack_object *rows)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint32_t from = 0, i;
	size_t bytes = 0;
	int rc = CX_OK;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	for (i = 0; i < rows->via.array.size && rc == CX_OK; i++) {
		sb.size = 0;
		msgpack_pack_object(&pk, rows->via.array.ptr[i]);
		if (i > from && (i - from == IMPORT_CHUNK_ROWS ||
		    bytes + sb.size > u->limit)) {
			rc = send_chunk(u, set, rows, from, i);
			from = i;
			bytes = 0;
		}
		bytes += sb.size;
	}
	if (rc == CX_OK && i > from)
		rc = send_chunk(u, set, rows, from, i);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

static void
abort_quietly(struct client *c, int64_t id)
{
	struct reqargs ra = { 0 };
	const msgpack_object *res;

	req_int(&ra, "import", id);
	(void)client_try(c, "import.abort", &ra, &res);
}

static int
upload(struct client *c, const msgpack_object *doc)
{
	const msgpack_object *v, *period, *res, *id;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct reqargs ra = { 0 };
	struct upload u = { 0 };
	char set[64];
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
		ra.n = 0;
		req_int(&ra, "import", u.id);
		rc = client_call(c, "import.commit", &ra, &res);
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
	char *buf = NULL;
	int rc;

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
		rc = upload(c, &up.data);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}
