/*
 * row.c: results read by column name (row.h).
 */
#include <stdlib.h>
#include <string.h>

#include "json2mp.h"
#include "log.h"
#include "mpack.h"
#include "row.h"

static int
fieldset_npacked(const struct fieldset *fs)
{
	int n = 0;

	for (int i = 0; i < fs->n; i++)
		if (fs->f[i].type != F_HIDDEN)
			n++;
	return n;
}

bool
fieldset_fits(const struct fieldset *fs, const PGresult *res,
    const char **missing)
{
	for (int i = 0; i < fs->n; i++)
		if (PQfnumber(res, fs->f[i].name) < 0) {
			*missing = fs->f[i].name;
			return false;
		}
	return true;
}

bool
rowpack_init(struct rowpack *rp, const struct fieldset *fs,
    const PGresult *res)
{
	if (fs->n > FIELDS_MAX) {
		log_warnx("fieldset %s: %d fields, more than %d", fs->what,
		    fs->n, FIELDS_MAX);
		return false;
	}
	rp->fs = fs;
	rp->res = res;
	rp->npacked = fieldset_npacked(fs);
	for (int i = 0; i < fs->n; i++)
		if ((rp->ix[i] = PQfnumber(res, fs->f[i].name)) < 0) {
			log_warnx("fieldset %s: no column %s in the result",
			    fs->what, fs->f[i].name);
			return false;
		}
	return true;
}

void
rowpack_row(msgpack_packer *pk, const struct rowpack *rp, int row, int extra)
{
	const PGresult *r = rp->res;

	msgpack_pack_map(pk, rp->npacked + extra);
	for (int i = 0; i < rp->fs->n; i++) {
		const struct field *f = &rp->fs->f[i];
		int c = rp->ix[i];
		const char *v;

		if (f->type == F_HIDDEN)
			continue;
		mp_pack_key(pk, f->name);
		if (PQgetisnull(r, row, c)) {
			msgpack_pack_nil(pk);
			continue;
		}
		v = PQgetvalue(r, row, c);
		switch (f->type) {
		case F_INT:
			msgpack_pack_int64(pk, strtoll(v, NULL, 10));
			break;
		case F_NUM:
			msgpack_pack_double(pk, strtod(v, NULL));
			break;
		case F_STR:
			mp_pack_cstr(pk, v);
			break;
		case F_BOOL:
			if (v[0] == 't')
				msgpack_pack_true(pk);
			else
				msgpack_pack_false(pk);
			break;
		case F_JSON:
			/* PostgreSQL's own JSON: refusing it would be a bug
			 * in the statement, so it is logged and nil sent. */
			if (!json_to_msgpack(pk, v, strlen(v))) {
				log_warnx("fieldset %s: column %s is not JSON",
				    rp->fs->what, f->name);
				msgpack_pack_nil(pk);
			}
			break;
		case F_HIDDEN:
			break;
		}
	}
}

int
col_ix(const PGresult *r, const char *name)
{
	int c = PQfnumber(r, name);

	if (c < 0)
		log_warnx("no column %s in the result", name);
	return c;
}

bool
row_has(const PGresult *r, const char *name)
{
	return PQfnumber(r, name) >= 0;
}

bool
row_null(const PGresult *r, int row, const char *name)
{
	int c = col_ix(r, name);

	return c < 0 || PQgetisnull(r, row, c);
}

const char *
row_str(const PGresult *r, int row, const char *name)
{
	int c = col_ix(r, name);

	return c < 0 || PQgetisnull(r, row, c) ? NULL : PQgetvalue(r, row, c);
}

const char *
row_text(const PGresult *r, int row, const char *name)
{
	const char *s = row_str(r, row, name);

	return s != NULL ? s : "";
}

bool
row_bool(const PGresult *r, int row, const char *name)
{
	const char *s = row_str(r, row, name);

	return s != NULL && s[0] == 't';
}

int64_t
row_int(const PGresult *r, int row, const char *name)
{
	const char *s = row_str(r, row, name);

	return s != NULL ? strtoll(s, NULL, 10) : 0;
}

double
row_num(const PGresult *r, int row, const char *name)
{
	const char *s = row_str(r, row, name);

	return s != NULL ? strtod(s, NULL) : 0;
}
