/*
 * stream-shim.c: TEMPORARY stand-in for stream.h until the lead's
 * stream.c lands ("streaming ready"): weak definitions that gather every
 * set into the final result (what a client that did not ask for parts
 * gets), so that export can be built and tested meanwhile.  The real
 * definitions override these at link time; delete this file then.
 */
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "stream.h"
#include "xmalloc.h"

struct shim {
	struct request		*req;
	msgpack_sbuffer		 buf;
	int			 nsets;
	const char		*set;
	const struct fieldset	*fs;
	void			(*done)(struct request *);
	struct shim		*next;
};

static struct shim *shims;

static struct shim *
shim_of(struct request *req, bool make)
{
	struct shim *s;

	for (s = shims; s != NULL; s = s->next)
		if (s->req == req)
			return s;
	if (!make)
		return NULL;
	s = xcalloc(1, sizeof *s);
	s->req = req;
	msgpack_sbuffer_init(&s->buf);
	s->next = shims;
	shims = s;
	return s;
}

static void
shim_drop(struct shim *s)
{
	struct shim **pp;

	for (pp = &shims; *pp != s; pp = &(*pp)->next)
		;
	*pp = s->next;
	msgpack_sbuffer_destroy(&s->buf);
	free(s);
}

static void
on_rows(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct shim *s = shim_of(req, false);
	struct rowpack rp;
	msgpack_packer pk;

	if (!db_ok(res)) {
		shim_drop(s);
		req_fail_db(req, res);
		return;
	}
	if (!rowpack_init(&rp, s->fs, res)) {
		shim_drop(s);
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	msgpack_packer_init(&pk, &s->buf, msgpack_sbuffer_write);
	mp_pack_cstr(&pk, s->set);
	msgpack_pack_array(&pk, PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++)
		rowpack_row(&pk, &rp, i, 0);
	s->nsets++;
	s->done(req);
}

__attribute__((weak)) bool
req_stream(struct request *req, enum stmt st, int n, const char *const *p,
    const char *set, const struct fieldset *fs, void (*done)(struct request *))
{
	struct shim *s = shim_of(req, true);

	s->set = set;
	s->fs = fs;
	s->done = done;
	if (!req_db(req, st, n, p, on_rows)) {
		shim_drop(s);
		return false;
	}
	return true;
}

__attribute__((weak)) msgpack_packer *
req_result_sets(struct request *req, int nextra)
{
	struct shim *s = shim_of(req, false);
	msgpack_packer *pk = req_result(req);

	msgpack_pack_map(pk, (s ? s->nsets : 0) + nextra);
	if (s != NULL) {
		pk->callback(pk->data, s->buf.data, s->buf.size);
		shim_drop(s);
	}
	return pk;
}

__attribute__((weak)) bool
req_parts(const struct request *req)
{
	(void)req;
	return false;
}
