/*
 * cmd-report.c: cairn report --period NAME --html FILE.  Fetches what the
 * page shows (tree and health in parts, whatever the organisation's size;
 * kpi.list and objective.list, for the grades, in one frame each; the
 * retros with one retro.get a team), keeps each reply, and lets report.c
 * lay the page out.  FILE is written by file.c: a new temporary file
 * beside it (O_EXCL, O_NOFOLLOW), flushed to disk, then renamed over it,
 * so a reader never sees half a page; mode 0600 (it shows what this user
 * may read) unless --mode says otherwise; "-" writes to stdout.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "file.h"
#include "json.h"
#include "report.h"
#include "xmalloc.h"

/* One reply, kept past the next call (the client reuses its document). */
struct kept {
	struct mp_doc		 doc;
	const msgpack_object	*res;
};

static MUST_CHECK int
keep(struct client *c, const msgpack_object *res, struct kept *k)
{
	struct mp_limits lim = { MP_DEPTH_HARD_MAX, (size_t)-1 };
	msgpack_sbuffer sb;
	msgpack_packer pk;
	enum mp_status st;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_object(&pk, *res);
	st = mp_decode(&k->doc, sb.data, sb.size, &lim);
	msgpack_sbuffer_destroy(&sb);
	if (st != MP_OK)
		return client_fail(c, CE_CLIENT, "keeping a reply: %s",
		    mp_status_str(st));
	k->res = k->doc.root;
	return CX_OK;
}

/* op's result in k; with optional, a server without the op (or, for one
 * frame, a result over max_frame) leaves k->res NULL and the page goes
 * without it, instead of failing.  parts: the op answers in parts. */
static MUST_CHECK int
fetch(struct client *c, const char *op, const struct reqargs *ra,
    bool optional, bool parts, struct kept *k)
{
	const msgpack_object *res;
	int rc;

	k->res = NULL;
	rc = parts ? client_try_parts(c, op, ra, NULL, NULL, &res) :
	    client_try(c, op, ra, &res);
	if (rc != CX_OK) {
		if (optional && (client_failed_with(c, "E_UNKNOWN_OP") ||
		    client_failed_with(c, "E_LIMIT")))
			return CX_OK;
		client_report(c);
		return rc;
	}
	return keep(c, res, k);
}

/* Each team's retrospective of the period (retro.get), gathered into one
 * array of the replies that have notes.  Teams the caller may not read
 * are left out; a server without retros gives none. */
static MUST_CHECK int
fetch_retros(struct client *c, const char *period, const struct kept *tree,
    struct kept *k)
{
	struct mp_limits lim = { MP_DEPTH_HARD_MAX, (size_t)-1 };
	const msgpack_object *teams, *res, *notes, *slug;
	msgpack_sbuffer body, all;
	msgpack_packer pk;
	uint32_t n = 0;
	int rc = CX_OK;

	k->res = NULL;
	teams = tree->res ? map_get_type(tree->res, "teams",
	    MSGPACK_OBJECT_ARRAY) : NULL;
	if (teams == NULL)
		return CX_OK;
	msgpack_sbuffer_init(&body);
	msgpack_packer_init(&pk, &body, msgpack_sbuffer_write);
	for (uint32_t i = 0; i < teams->via.array.size; i++) {
		struct reqargs ra = { 0 };
		char name[64];

		slug = map_get_type(&teams->via.array.ptr[i], "slug",
		    MSGPACK_OBJECT_STR);
		if (slug == NULL || slug->via.str.size >= sizeof name)
			continue;
		memcpy(name, slug->via.str.ptr, slug->via.str.size);
		name[slug->via.str.size] = '\0';
		req_str(&ra, "team", name);
		req_str(&ra, "period", period);
		if (client_try(c, "retro.get", &ra, &res) != CX_OK) {
			if (client_failed_with(c, "E_UNKNOWN_OP"))
				break;
			if (client_failed_with(c, "E_NOT_FOUND") ||
			    client_failed_with(c, "E_FORBIDDEN"))
				continue;
			client_report(c);
			rc = CX_ERROR;
			goto out;
		}
		notes = map_get_type(res, "notes", MSGPACK_OBJECT_ARRAY);
		if (notes != NULL && notes->via.array.size > 0) {
			msgpack_pack_object(&pk, *res);
			n++;
		}
	}
	msgpack_sbuffer_init(&all);
	msgpack_packer_init(&pk, &all, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, n);
	msgpack_sbuffer_write(&all, body.data, body.size);
	if (mp_decode(&k->doc, all.data, all.size, &lim) != MP_OK)
		rc = client_fail(c, CE_CLIENT, "keeping the retros");
	else
		k->res = k->doc.root;
	msgpack_sbuffer_destroy(&all);
out:
	msgpack_sbuffer_destroy(&body);
	return rc;
}

static MUST_CHECK int
write_page(struct client *c, const char *path, mode_t mode,
    const struct report *r)
{
	struct file_out fo;
	char err[512];

	if (strcmp(path, "-") == 0) {
		report_page(stdout, r);
		return fflush(stdout) == 0 ? CX_OK :
		    client_fail(c, CE_CLIENT, "stdout: %s", strerror(errno));
	}
	if (!file_open(&fo, AT_FDCWD, path, mode, err, sizeof err))
		return client_fail(c, CE_CLIENT, "%s", err);
	report_page(fo.f, r);
	if (!file_commit(&fo, err, sizeof err))
		return client_fail(c, CE_CLIENT, "%s", err);
	return CX_OK;
}

int
cmd_report(struct client *c, struct cmd_args *a)
{
	const char *period = args_get(a, "period"), *path = args_get(a, "html");
	const char *mode_arg = args_get(a, "mode");
	mode_t mode = FILE_MODE_DEFAULT;
	struct kept tree = { 0 }, health = { 0 }, kpis = { 0 }, objs = { 0 };
	struct kept retro = { 0 };
	struct reqargs ra = { 0 }, none = { 0 };
	struct report r = { 0 };
	char when[64];
	time_t now = time(NULL);
	int rc;

	if (mode_arg != NULL && !file_mode_parse(mode_arg, &mode))
		return usage_error(c->cmd, "--mode is octal permissions, "
		    "000 to 777 (e.g. 0640)");
	req_str(&ra, "period", period);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&now));
	if ((rc = fetch(c, "tree", &ra, false, true, &tree)) != CX_OK ||
	    (rc = fetch(c, "health", &ra, true, true, &health)) != CX_OK ||
	    (rc = fetch(c, "kpi.list", &none, false, false, &kpis)) != CX_OK ||
	    (rc = fetch(c, "objective.list", &ra, true, false, &objs)) !=
	    CX_OK || (rc = fetch_retros(c, period, &tree, &retro)) != CX_OK)
		goto out;
	r.period = period;
	r.generated = when;
	r.tree = tree.res;
	r.health = health.res;
	r.kpis = kpis.res;
	r.objectives = objs.res;
	r.retros = retro.res;
	if ((rc = write_page(c, path, mode, &r)) != CX_OK)
		client_report(c);
	else if (c->json && strcmp(path, "-") != 0) {
		fputs("{\"period\":", stdout);
		json_print_str(stdout, period, strlen(period));
		fputs(",\"html\":", stdout);
		json_print_str(stdout, path, strlen(path));
		fputs("}\n", stdout);
	} else if (strcmp(path, "-") != 0) {
		fputs("report written to ", stdout);
		out_text(stdout, path, strlen(path));
		putchar('\n');
	}
out:
	mp_doc_free(&tree.doc);
	mp_doc_free(&health.doc);
	mp_doc_free(&kpis.doc);
	mp_doc_free(&objs.doc);
	mp_doc_free(&retro.doc);
	return rc;
}
