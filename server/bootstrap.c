/*
 * bootstrap.c: create the first administrator and exit.  Runs before any
 * event loop exists, so plain blocking libpq is fine here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/crypto.h>

#include "bootstrap.h"
#include "hashpool.h"
#include "log.h"
#include "login.h"
#include "xmalloc.h"

static char *
read_password_stdin(void)
{
	char buf[1100];
	size_t n;

	if (fgets(buf, sizeof buf, stdin) == NULL)
		return NULL;
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	char *pw = xstrdup(buf);
	OPENSSL_cleanse(buf, sizeof buf);
	return pw;
}

int
bootstrap_admin(const struct config *cf, const char *conninfo)
{
	const char *login = cf->init_admin;
	char *pw, *hash;
	PGconn *pg;
	PGresult *r;
	int rc = 1;

	if (!valid_login(login)) {
		log_warnx("'%s' is not a valid login (1 to 63 of a-z 0-9 . _ -)",
		    login);
		return 1;
	}
	pw = cf->password_stdin ? read_password_stdin() :
	    password_generate();
	if (pw == NULL || strlen(pw) < 8 || strlen(pw) > 1024) {
		log_warnx("the password must be 8 to 1024 bytes");
		free(pw);
		return 1;
	}
	if ((hash = password_hash_now(pw)) == NULL)
		fatalx("password hashing failed");
	pg = PQconnectdb(conninfo);
	if (PQstatus(pg) != CONNECTION_OK) {
		log_warnx("database: %s", PQerrorMessage(pg));
		goto out;
	}
	const char *p[3] = { login, login, hash };
	/* The audit log records the bootstrap too (by nobody). */
	r = PQexecParams(pg, "WITH u AS (INSERT INTO users (login, name, "
	    "role, password_hash) VALUES ($1, $2, 'admin', $3) RETURNING *) "
	    "INSERT INTO audit_log (user_id, op, entity_type, entity_id, "
	    "after) SELECT NULL, 'user.init_admin', 'user', id, "
	    "to_jsonb(u) - 'password_hash' FROM u", 3, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_COMMAND_OK) {
		log_info("administrator '%s' created", login);
		if (!cf->password_stdin)
			printf("administrator '%s' created; password (shown "
			    "once): %s\n", login, pw);
		rc = 0;
	} else {
		const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		if (st != NULL && strcmp(st, "23505") == 0)
			log_warnx("user '%s' already exists", login);
		else
			log_warnx("creating '%s': %s", login,
			    PQresultErrorMessage(r));
	}
	PQclear(r);
out:
	PQfinish(pg);
	OPENSSL_cleanse(pw, strlen(pw));
	free(pw);
	free(hash);
	return rc;
}
