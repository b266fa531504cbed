/*
 * op-session.c: login, resume, logout, whoami.
 *
 * A token is 32 bytes from the OpenSSL CSPRNG, sent to the client once as
 * 64 hex characters; the database keeps only its SHA-256.  Neither is ever
 * logged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "attr.h"
#include "hashpool.h"
#include "log.h"
#include "op.h"
#include "roles.h"
#include "server.h"
#include "throttle.h"
#include "users.h"
#include "xmalloc.h"

#define TOKEN_BYTES	32

struct login_state {
	char		*login;
	char		*password;
	int64_t		 user_id;
	int		 failures;	/* this address's, before this try */
	char		 token[2 * TOKEN_BYTES + 1];
	char		 token_hash[2 * TOKEN_BYTES + 1];
};

static void
login_state_free(void *p)
{
	struct login_state *ls = p;

	free(ls->login);
	if (ls->password != NULL) {
		OPENSSL_cleanse(ls->password, strlen(ls->password));
		free(ls->password);
	}
	OPENSSL_cleanse(ls->token, sizeof ls->token);
	free(ls);
}

static void
hex(const unsigned char *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* SHA-256 of the token's 32 bytes, as hex; false if it is malformed. */
static bool MUST_CHECK
token_hash(const char *token, char out[2 * TOKEN_BYTES + 1])
{
	unsigned char raw[TOKEN_BYTES], md[32];
	unsigned int mdlen;

	if (strlen(token) != 2 * TOKEN_BYTES)
		return false;
	for (int i = 0; i < TOKEN_BYTES; i++) {
		unsigned v;
		if (sscanf(token + 2 * i, "%2x", &v) != 1 ||
		    strchr("0123456789abcdef", token[2 * i]) == NULL ||
		    strchr("0123456789abcdef", token[2 * i + 1]) == NULL)
			return false;
		raw[i] = v;
	}
	EVP_Digest(raw, sizeof raw, md, &mdlen, EVP_sha256(), NULL);
	hex(md, 32, out);
	OPENSSL_cleanse(raw, sizeof raw);
	return true;
}

/* Fill the connection's session from a row of FS_SESSION. */
static void
session_set(struct conn *c, const PGresult *res, const char *hash)
{
	struct session *s = &c->sess;

	memset(s, 0, sizeof *s);
	s->valid = true;
	s->id = row_int(res, 0, "sid");
	s->expires = row_int(res, 0, "expires");
	s->user_id = row_int(res, 0, "id");
	snprintf(s->login, sizeof s->login, "%s", row_text(res, 0, "login"));
	s->role = role_parse(row_text(res, 0, "role"));
	snprintf(s->token_hex, sizeof s->token_hex, "%s", hash);
	s->checked_ms = now_ms();
}

static void
on_failure_counted(struct request *req, int delay_ms)
{
	req->defer_ms = delay_ms;
	/* Same words for unknown login, wrong password, disabled user. */
	req_fail(req, E_AUTH, NULL, "invalid login or password");
}

static void
login_failed(struct request *req)
{
	struct login_state *ls = req->state;

	log_conn(LOG_LVL_INFO, req->conn, "failed login for '%s'", ls->login);
	throttle_fail(req, ls->login, on_failure_counted);
}

static void
on_session_created(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct login_state *ls = req->state;
	struct rowpack rp;
	msgpack_packer *pk;

	if (!db_ok(res) || PQntuples(res) != 1) {
		req_fail_db(req, res);
		return;
	}
	if (!user_rowpack(req, &rp, res))
		return;
	session_set(req->conn, res, ls->token_hash);
	log_conn(LOG_LVL_INFO, req->conn, "'%s' logged in", ls->login);
	pk = req_result(req);
	msgpack_pack_map(pk, 3);
	mp_kv_str(pk, "token", ls->token);
	mp_kv_int(pk, "expires", req->conn->sess.expires);
	mp_pack_key(pk, "user");
	rowpack_row(pk, &rp, 0, 0);
	/* The reply waits for the count to go: a client that logs in again
	 * at once must not find itself still counted. */
	if (ls->failures > 0)
		throttle_ok(req, ls->login, req_reply);
	else
		req_reply(req);
}

static void
on_verified(void *arg, bool match, const char *encoded)
{
	struct request *req = arg;
	struct login_state *ls = req->state;
	unsigned char raw[TOKEN_BYTES];
	char uid[24], life[16];
	const char *p[3] = { uid, ls->token_hash, life };

	if (!match || ls->user_id == 0) {
		login_failed(req);
		return;
	}
	if (RAND_bytes(raw, sizeof raw) != 1) {
		req_fail(req, E_INTERNAL, NULL, "no randomness");
		return;
	}
	hex(raw, sizeof raw, ls->token);
	OPENSSL_cleanse(raw, sizeof raw);
	if (!token_hash(ls->token, ls->token_hash)) {
		/* hex() just wrote it: a malformed token is our bug. */
		req_fail(req, E_INTERNAL, NULL, "a new token is malformed");
		return;
	}
	snprintf(uid, sizeof uid, "%lld", (long long)ls->user_id);
	snprintf(life, sizeof life, "%d", req->conn->srv->cf->session_max);
	req_db(req, ST_SESSION_CREATE, 3, p, on_session_created);
}

static void
on_auth_row(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct login_state *ls = req->state;
	const char *encoded = req->conn->srv->dummy_hash;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	/* Unknown and disabled users still cost a hash, so that timing does
	 * not tell them apart from a wrong password. */
	if (PQntuples(res) == 1) {
		encoded = row_text(res, 0, "password_hash");
		if (row_bool(res, 0, "enabled"))
			ls->user_id = row_int(res, 0, "id");
	}
	hash_or_fail(req, hashpool_verify(req->conn->srv->hp,
	    &req->conn->akey, ls->password, encoded, on_verified, req));
}

static void
on_throttle_checked(struct request *req, int failures)
{
	struct login_state *ls = req->state;
	const char *p[1] = { ls->login };

	ls->failures = failures;
	req_db(req, ST_AUTH_BY_LOGIN, 1, p, on_auth_row);
}

void
op_session_login(struct request *req)
{
	struct mp_reader *a = &req->args;
	struct login_state *ls;
	const char *login, *password;
	enum hash_refusal r;

	mp_get_str(a, "login", MP_REQUIRED, 1, 200, &login);
	mp_get_str(a, "password", MP_REQUIRED, 1, 1024, &password);
	if (!req_args_done(req))
		return;
	/* This address's hashes are all waiting: refused before any work,
	 * so that its excess costs nobody else a database query. */
	if ((r = hashpool_room(req->conn->srv->hp, &req->conn->akey)) !=
	    HASH_QUEUED) {
		hash_or_fail(req, r);
		return;
	}
	ls = xcalloc(1, sizeof *ls);
	ls->login = xstrdup(login);
	ls->password = xstrdup(password);
	req->state = ls;
	req->state_free = login_state_free;
	/* Locked from this address: refused before any hashing. */
	throttle_check(req, ls->login, NULL, "failed logins",
	    on_throttle_checked);
}

static void
on_resumed(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct rowpack rp;
	msgpack_packer *pk;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_AUTH, NULL, "session expired or revoked: log "
		    "in again");
		return;
	}
	if (!user_rowpack(req, &rp, res))
		return;
	session_set(req->conn, res, req->state);
	pk = req_result(req);
	msgpack_pack_map(pk, 2);
	mp_kv_int(pk, "expires", req->conn->sess.expires);
	mp_pack_key(pk, "user");
	rowpack_row(pk, &rp, 0, 0);
	req_reply(req);
}

void
op_session_resume(struct request *req)
{
	struct mp_reader *a = &req->args;
	const char *token;
	char *hash = xmalloc(2 * TOKEN_BYTES + 1), idle[16];
	const char *p[2] = { hash, idle };

	req->state = hash;
	req->state_free = free;
	mp_get_str(a, "token", MP_REQUIRED, 1, 256, &token);
	if (!req_args_done(req))
		return;
	if (!token_hash(token, hash)) {
		req_fail(req, E_AUTH, "token", "malformed session token");
		return;
	}
	/* A resume replaces whatever session the connection had. */
	req->conn->sess.valid = false;
	snprintf(idle, sizeof idle, "%d", req->conn->srv->cf->session_idle);
	req_db(req, ST_SESSION_CHECK, 2, p, on_resumed);
}

static void
on_logged_out(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct conn *c = req->conn;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	/* Other connections sharing the token notice at their next op. */
	conns_session_stale(c->srv, 0, c->sess.id);
	log_conn(LOG_LVL_INFO, c, "'%s' logged out", c->sess.login);
	memset(&c->sess, 0, sizeof c->sess);
	msgpack_pack_true(req_result(req));
	req_reply(req);
}

void
op_session_logout(struct request *req)
{
	char sid[24];
	const char *p[1] = { sid };

	if (!req_args_done(req))
		return;
	snprintf(sid, sizeof sid, "%lld", (long long)req->conn->sess.id);
	req_db(req, ST_SESSION_REVOKE, 1, p, on_logged_out);
}

static void
on_whoami(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct rowpack rp;

	if (!db_ok(res)) {
		req_fail_db(req, res);
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(req, E_AUTH, NULL, "session user is gone");
		return;
	}
	if (!user_rowpack(req, &rp, res))
		return;
	rowpack_row(req_result(req), &rp, 0, 0);
	req_reply(req);
}

void
op_session_whoami(struct request *req)
{
	const char *p[1] = { req->conn->sess.login };

	if (!req_args_done(req))
		return;
	req_db(req, ST_USER_GET, 1, p, on_whoami);
}
