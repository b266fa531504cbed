/*
 * cmd-watch.c: cairn watch, the event stream (docs/protocol.md "Events").
 *
 * One line per event, flushed as it is printed, so that `cairn watch |
 * grep` and a redirect to a file see each event as it comes; --json one
 * object per line.  The server's "watching" frames (at the start, then a
 * heartbeat every 30 s) print nothing; a server silent for WATCH_SILENCE_MS
 * is taken for gone.  The stream ends with an error frame only; its "seq"
 * (the last event sent) is printed with the command that resumes from it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

/* Three missed heartbeats (the server sends one each 30 s). */
#define WATCH_SILENCE_MS	95000

static void
line(const msgpack_object *ev)
{
	static const char *const keys[] = { "seq", "at", "kind", "team",
	    "actor", NULL };
	const msgpack_object *v;

	for (int i = 0; keys[i] != NULL; i++) {
		v = mp_map_get(ev, keys[i]);
		if (v == NULL || v->type == MSGPACK_OBJECT_NIL)
			fputs("-", stdout);
		else
			out_value(stdout, v);
		putc(' ', stdout);
	}
	v = map_get_type(ev, "source", MSGPACK_OBJECT_STR);
	if (v != NULL && !(v->via.str.size == 4 &&
	    memcmp(v->via.str.ptr, "user", 4) == 0)) {
		putc('[', stdout);
		out_text(stdout, v->via.str.ptr, v->via.str.size);
		fputs("] ", stdout);
	}
	v = map_get_type(ev, "summary", MSGPACK_OBJECT_STR);
	if (v != NULL)
		out_text(stdout, v->via.str.ptr, v->via.str.size);
	putc('\n', stdout);
}

/* The error that ended the stream, with where to resume. */
static int
ended(struct client *c, int rc)
{
	const msgpack_object *seq = c->err != NULL ?
	    map_get_type(c->err, "seq", MSGPACK_OBJECT_POSITIVE_INTEGER) :
	    NULL;

	client_report(c);
	if (seq != NULL)
		fprintf(stderr, "cairn: resume with: cairn watch --since "
		    "%llu\n", (unsigned long long)seq->via.u64);
	return rc;
}

/* watch [--team SLUG] [--period NAME] [--mine] [--kind K ...]
 *     [--since SEQ] */
int
cmd_watch(struct client *c, struct cmd_args *a)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct reqargs ra = { 0 };
	const msgpack_object *res, *ev, *ok;
	size_t nkinds = 0;
	uint64_t id;
	int rc;

	for (size_t i = 0; i < a->nopt; i++)
		if (strcmp(a->opt[i].spec->name, "kind") == 0)
			nkinds++;
	if (nkinds > 16)
		return usage_error(c->cmd, "at most 16 --kind");
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, nkinds);
	for (size_t i = 0; i < a->nopt; i++)
		if (strcmp(a->opt[i].spec->name, "kind") == 0) {
			const char *v = a->opt[i].val;
			msgpack_pack_str(&pk, strlen(v));
			msgpack_pack_str_body(&pk, v, strlen(v));
		}
	if (nkinds > 0)
		req_raw(&ra, "kinds", sb.data, sb.size);
	req_options(&ra, a);
	rc = client_send_parts(c, c->cmd->op, &ra, &id, &res);
	msgpack_sbuffer_destroy(&sb);
	if (rc != CX_OK) {
		client_report(c);
		return rc;
	}
	peer_set_timeout(&c->peer, WATCH_SILENCE_MS);
	for (;;) {
		mp_doc_free(&c->doc);
		if (!peer_read_doc(&c->peer, &c->doc)) {
			rc = local_errorf(c, c->peer.fail == PEER_EPROTO ?
			    "E_PROTO" : CE_CONNECT, "%s", c->peer.err);
			return ended(c, rc);
		}
		ok = map_get_type(c->doc.root, WIRE_OK, MSGPACK_OBJECT_BOOLEAN);
		if (ok != NULL && !ok->via.boolean)
			return ended(c, client_check_reply(c, id, &res));
		if ((rc = client_check_reply(c, id, &res)) != CX_OK)
			return ended(c, rc);
		ev = map_get_type(c->doc.root, WIRE_EVENT, MSGPACK_OBJECT_MAP);
		if (ev == NULL)
			continue;		/* "watching": a heartbeat */
		if (c->json)
			(void)out_json(ev);
		else
			line(ev);
		if (fflush(stdout) == EOF || ferror(stdout))
			return local_errorf(c, CE_CLIENT, "writing: %s",
			    strerror(errno));
	}
}
