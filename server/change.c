/*
 * change.c: the one change path (change.h).  Context, checks, write: two
 * round trips, the same order of checks for every entity, so that every
 * entity answers a missing, unreadable, forbidden, closed or stale target
 * the same way.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "log.h"
#include "op.h"
#include "xmalloc.h"

static void
reader_free(struct reader *r)
{
	if (r == NULL)
		return;
	for (int i = 0; i < r->nargs; i++)
		free(r->args[i].value);
	free(r);
}

/* The change path's state of req (req->change, req->reader). */
static void
path_free(struct request *req)
{
	if (req->change != NULL) {
		explicit_bzero(req->change->arg, req->change->argsize);
		free(req->change->arg);
		free(req->change);
		req->change = NULL;
	}
	reader_free(req->reader);
	req->reader = NULL;
}

void
caller_text(struct request *req, char caller[24], char role[16])
{
	struct session *s = &req->conn->sess;

	snprintf(caller, 24, "%lld", (long long)s->user_id);
	snprintf(role, 16, "%s", s->role == ROLE_NONE ? "member" :
	    role_name(s->role));
}

struct change *
change_new(struct request *req, const struct change_op *op, size_t argsize)
{
	struct change *c = xcalloc(1, sizeof *c);

	c->req = req;
	c->op = op;
	c->arg = xcalloc(1, argsize > 0 ? argsize : 1);
	c->argsize = argsize;
	caller_text(req, c->caller, c->role);
	c->f.role = req->conn->sess.role;
	c->version = -1;
	/* One change per request: a second one is a bug, logged; the first
	 * is freed so that nothing reads it by mistake. */
	if (req->change != NULL) {
		log_warnx("%s: a second change in one request", req->op_name);
		if (req->idem == &req->change->idem)
			req->idem = NULL;
		free(req->change->arg);
		free(req->change);
	}
	req->change = c;
	req->path_free = path_free;
	return c;
}

const char *
change_version(const struct change *c)
{
	return c->version >= 0 ? c->vtext : NULL;
}

/* The caller's relation to the entity, from the context's named facts. */
static void
facts_read(struct authz_facts *f, const PGresult *ctx)
{
	static const struct {
		const char	*col;
		size_t		 off;
	} facts[] = {
		{ "obj_owner", offsetof(struct authz_facts, obj_owner) },
		{ "kr_owner", offsetof(struct authz_facts, kr_owner) },
		{ "kpi_owner", offsetof(struct authz_facts, kpi_owner) },
		{ "private_team", offsetof(struct authz_facts, private_team) },
		{ "lead_here", offsetof(struct authz_facts, lead_here) },
		{ "lead_above", offsetof(struct authz_facts, lead_above) },
		{ "lead_parent", offsetof(struct authz_facts, lead_parent) },
		{ "member_here", offsetof(struct authz_facts, member_here) },
		{ "contributor", offsetof(struct authz_facts, contributor) },
	};

	for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++)
		if (row_has(ctx, facts[i].col))
			*(bool *)((char *)f + facts[i].off) =
			    row_bool(ctx, 0, facts[i].col);
}

/* The period rule (rules.c decides); false after answering. */
static bool
period_allows(struct change *c, const PGresult *ctx)
{
	const char *st, *rule;
	const char *what = c->op->what;

	if (c->op->period == PR_NONE || !row_has(ctx, "period_state") ||
	    (st = row_str(ctx, 0, "period_state")) == NULL ||
	    (rule = period_state_refusal(c->op->period, st)) == NULL)
		return true;
	if (strcmp(rule, "period.not_review") == 0)
		req_fail_rule(c->req, rule, "the %s's period is %s: grades "
		    "are given while it is in review", what, st);
	else if (strcmp(rule, "period.closed") == 0)
		req_fail_rule(c->req, rule, "the %s's period is closed", what);
	else if (c->op->period == PR_NEW)
		req_fail_rule(c->req, rule, "nothing new while the period is "
		    "in review");
	else
		req_fail_rule(c->req, rule, "no check-ins while the period is "
		    "a draft");
	return false;
}

/*
 * The parameters every change knows, filled when the statement declares
 * them: the entity's key, the caller and role, the expected version (NULL:
 * any) and the idempotency key and hash (NULL: none given).
 */
static void
common_args(const struct change *c, struct stmt_params *sp)
{
	sp_set_if(sp, "key", c->key);
	sp_set_if(sp, "caller", c->caller);
	sp_set_if(sp, "role", c->role);
	sp_set_if(sp, "via", session_via(&c->req->conn->sess));
	sp_set_if(sp, "version", change_version(c));
	sp_set_if(sp, "idem_key", idem_key(&c->idem));
	sp_set_if(sp, "idem_hash", idem_hash(&c->idem));
}

static void
on_write(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct change *c = req->change;
	const char *st;
	struct rowpack rp;

	if (c->op->keyed && idem_write_failed(req, res))
		return;
	if (!db_ok(res)) {
		st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		/* An owner login that names no user leaves owner_id NULL. */
		if (st != NULL && strcmp(st, "23502") == 0)
			req_fail(req, E_NOT_FOUND, "owner", "no such user");
		else
			req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		if (c->op->empty != NULL)
			c->op->empty(c);
		else
			req_fail(req, E_CONFLICT, "version", "%s %s changed "
			    "meanwhile: reload and retry", c->op->what, c->key);
		return;
	}
	if (c->op->done != NULL && c->op->done(c, res))
		return;
	if (c->op->reply == NULL) {
		msgpack_pack_true(req_result(req));
		req_reply(req);
		return;
	}
	if (!rowpack_init(&rp, c->op->reply, res)) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	rowpack_row(req_result(req), &rp, 0, 0);
	req_reply(req);
}

static void	write_run(struct change *, const PGresult *);

static void
on_ctx(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct change *c = req->change;
	const struct change_op *op = c->op;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (op->batch) {
		if (op->check(c, res))
			write_run(c, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_NOT_FOUND, op->id_field, "no %s %s", op->what,
		    c->key);
		return;
	}
	if (op->found != NULL && !op->found(c, res))
		return;
	facts_read(&c->f, res);
	/* One the caller may not read is answered as a missing one. */
	if (!authz_allows(ACT_READ, &c->f)) {
		req_fail(req, E_NOT_FOUND, op->id_field, "no %s %s", op->what,
		    c->key);
		return;
	}
	if (!authz_allows(op->act, &c->f)) {
		req_fail(req, E_FORBIDDEN, NULL, "you may not %s",
		    authz_action_name(op->act));
		return;
	}
	if (!period_allows(c, res))
		return;
	if (c->version >= 0 && row_has(res, "version") &&
	    c->version != row_int(res, 0, "version")) {
		req_fail(req, E_CONFLICT, "version", "%s %s is at version %s, "
		    "not %lld: reload and retry", op->what, c->key,
		    row_text(res, 0, "version"), (long long)c->version);
		return;
	}
	if (op->check != NULL && !op->check(c, res))
		return;
	write_run(c, res);
}

/* The write, once every check passed on ctx (NULL: op->no_ctx). */
static void
write_run(struct change *c, const PGresult *res)
{
	const struct change_op *op = c->op;
	struct stmt_params sp;

	stmt_params_init(&sp, op->write);
	common_args(c, &sp);
	if (op->args != NULL)
		op->args(c, res, &sp);
	(void)req_db_named(c->req, &sp, on_write);
}

/* The write of a change whose check is waiting for something (a password
 * hash): run it now, with no context (the args hook gets NULL). */
void
change_resume(struct change *c)
{
	write_run(c, NULL);
}

static void
fresh(struct request *req)
{
	struct change *c = req->change;
	struct stmt_params sp;

	if (c->op->no_ctx) {
		write_run(c, NULL);
		return;
	}
	stmt_params_init(&sp, c->op->ctx);
	common_args(c, &sp);
	if (c->op->ctx_args != NULL)
		c->op->ctx_args(c, &sp);
	(void)req_db_named(req, &sp, on_ctx);
}

/* A retry with a known idempotency key: answered as the first was. */
static void
replay(struct request *req, int64_t id)
{
	struct change *c = req->change;

	if (c->op->replay != NULL) {
		c->op->replay(c, id);
		return;
	}
	reply_get(req, c->op->reply, c->op->get, id, c->op->id_field);
}

void
change_run(struct change *c, const char *key)
{
	snprintf(c->key, sizeof c->key, "%s", key);
	if (c->version >= 0)
		snprintf(c->vtext, sizeof c->vtext, "%lld",
		    (long long)c->version);
	if (c->op->keyed)
		idem_begin(c->req, &c->idem, replay, fresh);
	else
		fresh(c->req);
}

void
change_start(struct request *req, const struct change_op *op,
    const void *arg, size_t size, int64_t id, int64_t version)
{
	struct change *c = change_new(req, op, size);

	if (size > 0)		/* arg may be NULL then: memcpy's UB */
		memcpy(c->arg, arg, size);
	c->version = version;
	change_run_id(c, id);
}

bool
ctx_found(struct change *c, const PGresult *ctx, const char *col,
    const char *field, const char *what, const char *name)
{
	const char *v = row_str(ctx, 0, col);

	if (v != NULL && strcmp(v, "f") != 0)
		return true;
	req_fail(c->req, E_NOT_FOUND, field, "no %s '%s'", what, name);
	return false;
}

bool
ctx_rule(struct change *c, const PGresult *ctx, const char *col,
    const char *rule, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!row_bool(ctx, 0, col))
		return true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	req_fail_rule(c->req, rule, "%s", msg);
	return false;
}

void
change_edit(struct request *req, const struct change_op *op, size_t size,
    void (*read)(struct request *, void *, bool),
    bool (*valid)(struct request *, const void *))
{
	struct change *c = change_new(req, op, size);
	int64_t id;

	mp_get_int(&req->args, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	read(req, c->arg, false);
	c->version = arg_version(req);
	if (req_args_done(req) && (valid == NULL || valid(req, c->arg)))
		change_run_id(c, id);
}

int64_t
arg_version(struct request *req)
{
	int64_t version = -1;

	mp_get_int(&req->args, "version", MP_OPTIONAL, 1, INT32_MAX,
	    &version);
	return version;
}

bool
check_choice(struct request *req, const char *field, const char *value,
    const char *const *choices)
{
	char msg[256];
	size_t n = 0, len;

	if (value == NULL)
		return true;
	for (const char *const *c = choices; *c != NULL; c++)
		if (strcmp(value, *c) == 0)
			return true;
	/* "type is increase, decrease or boolean" */
	len = (size_t)snprintf(msg, sizeof msg, "%s is ", field);
	for (const char *const *c = choices; *c != NULL && len < sizeof msg;
	    c++, n++)
		len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%s",
		    n == 0 ? "" : c[1] == NULL ? " or " : ", ", *c);
	req_fail(req, E_INVALID, field, "%s", msg);
	return false;
}

void
change_run_id(struct change *c, int64_t id)
{
	char key[24];

	snprintf(key, sizeof key, "%lld", (long long)id);
	change_run(c, key);
}

/* Reads. */

struct reader *
reader_new(struct request *req, int64_t id)
{
	struct reader *r = xcalloc(1, sizeof *r);

	/* A change answered by a read (a replayed create) keeps its
	 * change: only the reader is replaced. */
	reader_free(req->reader);
	req->idem = NULL;
	snprintf(r->id, sizeof r->id, "%lld", (long long)id);
	caller_text(req, r->caller, r->role);
	r->field = "id";
	req->reader = r;
	req->path_free = path_free;
	return r;
}

void
reader_set(struct reader *r, const char *name, const char *value)
{
	/* The callers are the ops' own code, with their few names. */
	if (r->nargs == READER_MAXARGS)
		fatalx("reader: more than %d parameters", READER_MAXARGS);
	r->args[r->nargs].name = name;
	r->args[r->nargs].value = value != NULL ? xstrdup(value) : NULL;
	r->nargs++;
}

const char *
reader_arg(const struct request *req, const char *name)
{
	const struct reader *r = req->reader;

	for (int i = 0; r != NULL && i < r->nargs; i++)
		if (strcmp(r->args[i].name, name) == 0)
			return r->args[i].value;
	return NULL;
}

bool
reader_db(struct request *req, enum stmt st, db_cb *cb)
{
	struct reader *r = req->reader;
	struct stmt_params sp;

	stmt_params_init(&sp, st);
	sp_set_if(&sp, "id", r->id);
	sp_set_if(&sp, "caller", r->caller);
	sp_set_if(&sp, "role", r->role);
	for (int i = 0; i < r->nargs; i++)
		sp_set_if(&sp, r->args[i].name, r->args[i].value);
	return req_db_named(req, &sp, cb);
}

void
get_by_id(struct request *req, const struct fieldset *fs, enum stmt st)
{
	int64_t id;

	mp_get_int(&req->args, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	if (req_args_done(req))
		reply_get(req, fs, st, id, "id");
}

void
read_by_id(struct request *req, enum stmt st, db_cb *cb)
{
	int64_t id;

	mp_get_int(&req->args, "id", MP_REQUIRED, 1, INT64_MAX, &id);
	if (!req_args_done(req))
		return;
	(void)reader_new(req, id);
	(void)reader_db(req, st, cb);
}

bool
read_found(struct request *req, const PGresult *res, const char *what)
{
	struct reader *r = req->reader;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return false;
	}
	/* One the caller may not read is answered as a missing one. */
	if (PQntuples(res) != 1 || !row_bool(res, 0, "readable")) {
		req_fail(req, E_NOT_FOUND, r->field, "no %s %s", what, r->id);
		return false;
	}
	return true;
}

static void
on_get(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct reader *g = req->reader;
	struct rowpack rp;

	if (!read_found(req, res, g->fs->what))
		return;
	if (!rowpack_init(&rp, g->fs, res)) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	rowpack_row(req_result(req), &rp, 0, 0);
	req_reply(req);
}

void
reply_get(struct request *req, const struct fieldset *fs, enum stmt st,
    int64_t id, const char *field)
{
	/* The request's state is replaced: what a change kept is no longer
	 * needed once its reply is a plain read. */
	struct reader *g = reader_new(req, id);

	g->fs = fs;
	g->field = field;
	(void)reader_db(req, st, on_get);
}

void
reply_first(struct request *req, const PGresult *res,
    const struct fieldset *fs)
{
	struct rowpack rp;

	if (!rowpack_init(&rp, fs, res)) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	rowpack_row(req_result(req), &rp, 0, 0);
	req_reply(req);
}

void
reply_list(struct request *req, const PGresult *res,
    const struct fieldset *fs)
{
	struct rowpack rp;
	msgpack_packer *pk;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (!rowpack_init(&rp, fs, res)) {
		req_fail(req, E_INTERNAL, NULL, "internal error");
		return;
	}
	pk = req_result(req);
	msgpack_pack_array(pk, PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++)
		rowpack_row(pk, &rp, i, 0);
	req_reply(req);
}
