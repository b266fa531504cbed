/*
 * pack.c: result rows to MessagePack objects, in the column orders of
 * sql.c (TEAM_COLS, PERIOD_COLS, OBJ_COLS, KR_COLS).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goals.h"
#include "xmalloc.h"

static void
gstate_free(void *p)
{
	free(p);
}

struct gstate *
gstate_new(struct request *req)
{
	struct gstate *g = xcalloc(1, sizeof *g);
	struct session *s = &req->conn->sess;

	snprintf(g->caller, sizeof g->caller, "%lld", (long long)s->user_id);
	snprintf(g->role, sizeof g->role, "%s", s->role == ROLE_NONE ?
	    "member" : role_name(s->role));
	g->f.role = s->role;
	g->version = -1;
	req->state = g;
	req->state_free = gstate_free;
	return g;
}

bool
col_bool(const PGresult *r, int row, int col)
{
	return strcmp(PQgetvalue(r, row, col), "t") == 0;
}

int64_t
col_int(const PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

double
col_num(const PGresult *r, int row, int col)
{
	return strtod(PQgetvalue(r, row, col), NULL);
}

const char *
col_str(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

/* Shortest text that reads back as the same double. */
void
fmt_num(char *buf, size_t len, double d)
{
	snprintf(buf, len, "%.17g", d);
}

bool
valid_slug(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 40)
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    *s != '-')
			return false;
	return true;
}

bool
valid_date(const char *s)
{
	int y, m, d;
	char extra;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3)
		return false;
	return y >= 1900 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
	    d <= 31;
}

static void
kv_num(msgpack_packer *pk, const char *k, const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		mp_kv_nil(pk, k);
	else
		mp_kv_double(pk, k, col_num(r, row, col));
}

static void
kv_int_or_nil(msgpack_packer *pk, const char *k, const PGresult *r, int row,
    int col)
{
	if (PQgetisnull(r, row, col))
		mp_kv_nil(pk, k);
	else
		mp_kv_int(pk, k, col_int(r, row, col));
}

/* extra: map entries the caller packs after these. */
void
pack_team(msgpack_packer *pk, const PGresult *r, int row, int c, int extra)
{
	msgpack_pack_map(pk, 5 + extra);
	mp_kv_int(pk, "id", col_int(r, row, c));
	mp_kv_str(pk, "slug", PQgetvalue(r, row, c + 1));
	mp_kv_str(pk, "name", PQgetvalue(r, row, c + 2));
	mp_kv_str(pk, "parent", col_str(r, row, c + 3));
	mp_kv_bool(pk, "private", col_bool(r, row, c + 4));
}

void
pack_period(msgpack_packer *pk, const PGresult *r, int row, int c)
{
	msgpack_pack_map(pk, 5);
	mp_kv_int(pk, "id", col_int(r, row, c));
	mp_kv_str(pk, "name", PQgetvalue(r, row, c + 1));
	mp_kv_str(pk, "start", PQgetvalue(r, row, c + 2));
	mp_kv_str(pk, "end", PQgetvalue(r, row, c + 3));
	mp_kv_str(pk, "state", PQgetvalue(r, row, c + 4));
}

void
pack_objective(msgpack_packer *pk, const PGresult *r, int row, int c,
    int extra)
{
	msgpack_pack_map(pk, 13 + extra);
	mp_kv_int(pk, "id", col_int(r, row, c));
	mp_kv_str(pk, "team", PQgetvalue(r, row, c + 1));
	mp_kv_str(pk, "period", PQgetvalue(r, row, c + 2));
	mp_kv_str(pk, "title", PQgetvalue(r, row, c + 3));
	mp_kv_str(pk, "description", PQgetvalue(r, row, c + 4));
	mp_kv_str(pk, "owner", PQgetvalue(r, row, c + 5));
	mp_kv_str(pk, "type", PQgetvalue(r, row, c + 6));
	kv_int_or_nil(pk, "parent", r, row, c + 7);
	kv_num(pk, "weight", r, row, c + 8);
	mp_kv_str(pk, "rollup", PQgetvalue(r, row, c + 9));
	kv_num(pk, "progress", r, row, c + 10);
	mp_kv_int(pk, "version", col_int(r, row, c + 11));
	mp_kv_bool(pk, "archived", col_bool(r, row, c + 12));
}

void
pack_kr(msgpack_packer *pk, const PGresult *r, int row, int c)
{
	msgpack_pack_map(pk, 14);
	mp_kv_int(pk, "id", col_int(r, row, c));
	mp_kv_int(pk, "objective", col_int(r, row, c + 1));
	mp_kv_str(pk, "title", PQgetvalue(r, row, c + 2));
	mp_kv_str(pk, "type", PQgetvalue(r, row, c + 3));
	kv_num(pk, "start", r, row, c + 4);
	kv_num(pk, "target", r, row, c + 5);
	kv_num(pk, "current", r, row, c + 6);
	mp_kv_str(pk, "unit", PQgetvalue(r, row, c + 7));
	kv_num(pk, "weight", r, row, c + 8);
	mp_kv_str(pk, "owner", PQgetvalue(r, row, c + 9));
	kv_num(pk, "progress", r, row, c + 10);
	kv_num(pk, "attainment", r, row, c + 11);
	kv_int_or_nil(pk, "confidence", r, row, c + 12);
	mp_kv_int(pk, "version", col_int(r, row, c + 13));
}

void
facts_from_ctx(struct gstate *g, const PGresult *res)
{
	g->f.obj_owner = col_bool(res, 0, 3);
	g->f.private_team = col_bool(res, 0, 4);
	g->f.lead_here = col_bool(res, 0, 5);
	g->f.lead_above = col_bool(res, 0, 6);
	g->f.member_here = col_bool(res, 0, 7);
	g->f.contributor = col_bool(res, 0, 8);
}

bool
change_applied(struct request *req, const PGresult *res, const char *what)
{
	struct gstate *g = req->state;
	const char *st;

	if (!db_ok(res)) {
		st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		/* The owner login named no user: owner_id became NULL. */
		if (st != NULL && strcmp(st, "23502") == 0)
			req_fail(req, E_NOT_FOUND, "owner", "no such user");
		else
			req_fail_db(req, res);
		return false;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_CONFLICT, "version", "%s %s changed meanwhile: "
		    "reload and retry", what, g->id);
		return false;
	}
	return true;
}

void
fail_forbidden(struct request *req, enum action a)
{
	if (!authz_allows(ACT_READ, &((struct gstate *)req->state)->f)) {
		req_fail(req, E_NOT_FOUND, NULL, "not found");
		return;
	}
	req_fail(req, E_FORBIDDEN, NULL, "you may not %s",
	    authz_action_name(a));
}
