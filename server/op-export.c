/*
 * op-export.c: export, everything of a period the caller may read,
 * streamed set by set (stream.h) in the order of export-sets.c: the
 * period, teams, users, KPIs, objectives, contributors, guardrails, key
 * results, check-ins, readings.  Each set is one statement over the
 * caller's read rule; no set is ever held whole in cairnd.  The final
 * result names the format and each set's columns (for a CSV header of a
 * set that had no rows).  A client that did not ask for parts is answered
 * E_LIMIT: the sets are more than a gathered result holds.
 *
 * The sets are read by separate statements, so an export taken while
 * others write may show a check-in whose key result came after the key
 * results were read; docs/operations.md says to export a period in
 * review or closed (or a quiet one) when it must be exact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "export.h"
#include "fields.h"
#include "op.h"
#include "stream.h"
#include "xmalloc.h"

struct export {
	char		 name[48], period[24], caller[24], role[16];
	const char	*p[3];
	size_t		 next;		/* index of the set to stream */
};

static void	next_set(struct request *);

static void
finish(struct request *req)
{
	msgpack_packer *pk = req_result_sets(req, 3);

	mp_kv_str(pk, "format", EXPORT_FORMAT);
	mp_kv_int(pk, "version", EXPORT_VERSION);
	mp_pack_key(pk, "columns");
	msgpack_pack_map(pk, nxsets);
	for (size_t i = 0; i < nxsets; i++) {
		const struct fieldset *fs = xsets[i].fs;
		int n = 0;

		for (int j = 0; j < fs->n; j++)
			n += fs->f[j].type != F_HIDDEN;
		mp_pack_key(pk, xsets[i].name);
		msgpack_pack_array(pk, n);
		for (int j = 0; j < fs->n; j++)
			if (fs->f[j].type != F_HIDDEN)
				mp_pack_cstr(pk, fs->f[j].name);
	}
	req_reply(req);
}

static void
next_set(struct request *req)
{
	struct export *x = req->state;
	const struct xset *s;

	if (x->next == nxsets) {
		finish(req);
		return;
	}
	s = &xsets[x->next++];
	req_stream(req, s->st, 3, x->p, s->name, s->fs, next_set);
}

static void
on_ctx(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct export *x = req->state;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, "period", "no period %s",
		    x->name);
		return;
	}
	snprintf(x->period, sizeof x->period, "%lld",
	    (long long)row_int(res, 0, "id"));
	next_set(req);
}

void
op_export(struct request *req)
{
	struct export *x;
	const char *period = NULL;

	mp_get_str(&req->args, "period", MP_REQUIRED, 1, 40, &period);
	if (!req_args_done(req))
		return;
	/* More sets than a gathered result holds (STREAM_SETS_MAX), and an
	 * export is meant to be larger than a frame anyway. */
	if (!req_parts(req)) {
		req_fail(req, E_LIMIT, NULL, "an export is sent in parts only: "
		    "ask for parts (\"parts\": true in the request)");
		return;
	}
	x = xcalloc(1, sizeof *x);
	req->state = x;
	req->state_free = free;
	caller_text(req, x->caller, x->role);
	snprintf(x->name, sizeof x->name, "%s", period);
	x->p[0] = x->period;
	x->p[1] = x->caller;
	x->p[2] = x->role;
	const char *p[1] = { period };
	req_db(req, ST_EXPORT_CTX, 1, p, on_ctx);
}
