/*
 * idem.c: idempotency keys (see idem.h and docs/protocol.md).
 *
 * What is stored with a key is the id of what the reply shows (the
 * objective, the key result), not the reply's bytes: the key must be
 * written in the same statement as the entity, before any reply exists,
 * and the first reply was itself built by reading that entity after the
 * commit.  A retry reads it again the same way, so it gets the same
 * answer the first request would have got had it arrived now, through the
 * same permission check.
 *
 * The arguments are hashed in a canonical form (keys sorted, nil dropped
 * as absent, an integral float as the integer), so that a retry encoded
 * slightly differently is still the same request, and any real change of
 * an argument is not.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "attr.h"
#include "idem.h"
#include "op.h"
#include "log.h"

/* A key's row, read by lookup() below: the op, the hex hash of its
 * arguments, the id its reply reads. */
static const struct field idem_f[] = {
	{ "op", F_HIDDEN }, { "args_hash", F_HIDDEN }, { "result_id", F_HIDDEN }
};
static const struct fieldset FS_IDEM = FIELDSET("idempotency key", idem_f);

/* The statements, with their parameters by name (stmt.h), gathered by
 * entities.c.  The keys themselves are written by each create's own
 * statement (IDEM_NAMED, sql-cols.h). */
const stmt_table idem_stmts = {
	/* A key is honoured for as long as it is kept, at least IDEM_KEEP. */
	[ST_IDEM_GET] = { .name = "idem_get", .kind = STMT_READ,
	    .params = "caller key",
	    .sql = "SELECT op, encode(args_hash, 'hex') AS args_hash,"
	    " result_id FROM idempotency_keys"
	    " WHERE user_id = $caller AND key = $key",
	    .returns = &FS_IDEM },
};

static void
put_bytes(EVP_MD_CTX *md, char type, const void *p, size_t n)
{
	unsigned char len[5] = { (unsigned char)type, (unsigned char)(n >> 24),
	    (unsigned char)(n >> 16), (unsigned char)(n >> 8),
	    (unsigned char)n };

	EVP_DigestUpdate(md, len, sizeof len);
	EVP_DigestUpdate(md, p, n);
}

static void
put_value(EVP_MD_CTX *md, const msgpack_object *v)
{
	char num[40];
	msgpack_sbuffer sb;
	msgpack_packer pk;
	double d;

	switch (v->type) {
	case MSGPACK_OBJECT_BOOLEAN:
		put_bytes(md, 'b', v->via.boolean ? "1" : "0", 1);
		return;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		snprintf(num, sizeof num, "%llu", (unsigned long long)v->via.u64);
		put_bytes(md, 'i', num, strlen(num));
		return;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		snprintf(num, sizeof num, "%lld", (long long)v->via.i64);
		put_bytes(md, 'i', num, strlen(num));
		return;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		d = v->via.f64;
		/* 5.0 is the integer 5, as the argument readers take it. */
		if (d > -9.2e18 && d < 9.2e18 && d == (double)(long long)d) {
			snprintf(num, sizeof num, "%lld", (long long)d);
			put_bytes(md, 'i', num, strlen(num));
		} else {
			snprintf(num, sizeof num, "%.17g", d);
			put_bytes(md, 'd', num, strlen(num));
		}
		return;
	case MSGPACK_OBJECT_STR:
		put_bytes(md, 's', v->via.str.ptr, v->via.str.size);
		return;
	default:
		/* Arrays, maps, binaries: as encoded. */
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_object(&pk, *v);
		put_bytes(md, 'o', sb.data, sb.size);
		msgpack_sbuffer_destroy(&sb);
		return;
	}
}

static int
cmp_key(const void *a, const void *b)
{
	const msgpack_object_kv *x = *(const msgpack_object_kv *const *)a;
	const msgpack_object_kv *y = *(const msgpack_object_kv *const *)b;
	uint32_t n = x->key.via.str.size < y->key.via.str.size ?
	    x->key.via.str.size : y->key.via.str.size;
	int c = memcmp(x->key.via.str.ptr, y->key.via.str.ptr, n);

	if (c != 0)
		return c;
	return (x->key.via.str.size > y->key.via.str.size) -
	    (x->key.via.str.size < y->key.via.str.size);
}

void
idem_hash_args(const char *op, const msgpack_object *args, char out[65])
{
	/* mp_reader_init refuses maps of more than 64 arguments and keys
	 * that are not strings, before any handler runs. */
	const msgpack_object_kv *kv[64];
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hlen = 0, n = 0;
	EVP_MD_CTX *md;

	if (args != NULL && args->type == MSGPACK_OBJECT_MAP)
		for (uint32_t i = 0; i < args->via.map.size && n < 64; i++) {
			const msgpack_object_kv *e = &args->via.map.ptr[i];
			if (e->key.type != MSGPACK_OBJECT_STR ||
			    e->val.type == MSGPACK_OBJECT_NIL ||
			    mp_str_eq(&e->key, IDEM_ARG))
				continue;
			kv[n++] = e;
		}
	qsort(kv, n, sizeof kv[0], cmp_key);
	if ((md = EVP_MD_CTX_new()) == NULL)
		fatalx("out of memory hashing arguments");
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	put_bytes(md, 'p', op, strlen(op));
	for (unsigned int i = 0; i < n; i++) {
		put_bytes(md, 'k', kv[i]->key.via.str.ptr,
		    kv[i]->key.via.str.size);
		put_value(md, &kv[i]->val);
	}
	EVP_DigestFinal_ex(md, h, &hlen);
	EVP_MD_CTX_free(md);
	for (unsigned int i = 0; i < 32 && i < hlen; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

void
idem_read(struct request *req, struct idem *id)
{
	struct mp_reader *a = &req->args;
	bool was_ok = mp_reader_ok(a);
	const char *k = NULL;

	memset(id, 0, sizeof *id);
	mp_get_str(a, IDEM_ARG, MP_OPTIONAL, 1, IDEM_KEY_MAX, &k);
	if (was_ok && !mp_reader_ok(a) && strcmp(a->field, IDEM_ARG) == 0) {
		/* Wrong type or length: one answer for every bad key. */
		a->err = E_INVALID;
		snprintf(a->msg, sizeof a->msg, "argument '%s' must be a "
		    "string of 1 to %d visible ASCII characters", IDEM_ARG,
		    IDEM_KEY_MAX);
		return;
	}
	if (k == NULL)
		return;
	for (const char *p = k; *p != '\0'; p++)
		if (*p < '!' || *p > '~') {
			mp_reader_fail(a, E_INVALID, IDEM_ARG, "argument '%s' "
			    "must be a string of 1 to %d visible ASCII "
			    "characters", IDEM_ARG, IDEM_KEY_MAX);
			return;
		}
	id->key = k;
	idem_hash_args(req->op_name, req->args_obj, id->hash);
}

const char *
idem_key(const struct idem *id)
{
	return id->key;
}

const char *
idem_hash(const struct idem *id)
{
	return id->key != NULL ? id->hash : NULL;
}

static void
on_idem_row(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct idem *id = req->idem;
	const char *op;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		if (!id->again)
			id->fresh(req);
		else if (id->code == E_RULE)	/* no twin: the refusal */
			req_fail_rule(req, id->rule, "%s", id->msg);
		else
			req_fail(req, id->code, NULL, "%s", id->msg);
		return;
	}
	op = row_text(res, 0, "op");
	if (strcmp(op, req->op_name) != 0) {
		req_fail(req, E_CONFLICT, IDEM_ARG, "idempotency key already "
		    "used for %s", op);
		return;
	}
	if (strcmp(row_text(res, 0, "args_hash"), id->hash) != 0) {
		req_fail(req, E_CONFLICT, IDEM_ARG, "idempotency key already "
		    "used for %s with other arguments", op);
		return;
	}
	log_req(LOG_LVL_DEBUG, req, "idempotency key seen, replaying result %s",
	    row_text(res, 0, "result_id"));
	id->replay(req, row_int(res, 0, "result_id"));
}

static void
lookup(struct request *req)
{
	struct stmt_params sp;

	stmt_params_init(&sp, ST_IDEM_GET);
	sp_set(&sp, "caller", req->idem->caller);
	sp_set(&sp, "key", req->idem->key);
	(void)req_db_named(req, &sp, on_idem_row);
}

void
idem_begin(struct request *req, struct idem *id,
    void (*replay)(struct request *, int64_t),
    void (*fresh)(struct request *))
{
	req->idem = id;
	snprintf(id->caller, sizeof id->caller, "%lld",
	    (long long)req->conn->sess.user_id);
	id->replay = replay;
	id->fresh = fresh;
	if (id->key == NULL) {
		fresh(req);
		return;
	}
	lookup(req);
}

bool
idem_write_failed(struct request *req, const PGresult *res)
{
	struct idem *id = req->idem;
	const char *st, *cons, *rule, *msg;
	enum wire_err e;

	if (id == NULL || id->key == NULL || id->again || res == NULL ||
	    db_ok(res))
		return false;
	st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	cons = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
	if (st == NULL)
		return false;
	if (strcmp(st, "23505") == 0 && cons != NULL &&
	    strcmp(cons, "idempotency_keys_pkey") == 0) {
		/* The twin committed first (the violation waits for that). */
		e = E_CONFLICT;
		rule = NULL;
		msg = "idempotency key used by a concurrent request";
	} else if (strncmp(st, "CA", 2) == 0) {		/* our triggers */
		e = db_error(res, &rule, &msg);
		if (e != E_RULE || strncmp(rule, "limit.", 6) != 0)
			return false;
	} else
		return false;
	id->again = true;
	id->code = e;
	snprintf(id->rule, sizeof id->rule, "%s", rule ? rule : "");
	snprintf(id->msg, sizeof id->msg, "%s", msg);
	lookup(req);
	return true;
}

void
idem_fail_rule(struct request *req, const char *rule, const char *fmt, ...)
{
	struct idem *id = req->idem;
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (id == NULL || id->key == NULL || id->again) {
		req_fail_rule(req, rule, "%s", msg);
		return;
	}
	snprintf(id->msg, sizeof id->msg, "%s", msg);
	id->again = true;
	id->code = E_RULE;
	snprintf(id->rule, sizeof id->rule, "%s", rule);
	lookup(req);
}
