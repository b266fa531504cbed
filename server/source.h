/*
 * source.h: what the source entity (source.c) shows to the rest of
 * cairnd: its op table, its statements, opening a source's secret (for
 * feeds), and the Prometheus test that server/prom.c provides.
 */
#ifndef CAIRN_SOURCE_H
#define CAIRN_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "op.h"
#include "row.h"
#include "sql.h"

extern const struct op		source_ops[];	/* ended by a NULL name */
extern const stmt_table		source_stmts;

/* A source's secret as the database returns it (bytea as text, NULL:
 * none) opened for the source name into out (NUL-terminated; "" when
 * there is none).  False with why in err, which never holds the secret;
 * the caller clears out (OPENSSL_cleanse) once used. */
bool	 source_secret_open(const char *name, const char *sealed, char *out,
	    size_t outcap, char *err, size_t errlen)
	    __attribute__((warn_unused_result));

/* source.test of a Prometheus source: answers req with its build
 * information (prom.c's probe).  token: the opened bearer token or NULL;
 * ca_pem NULL: the system's CAs plus outgoing_ca. */
void	 source_test_prometheus(struct request *, const char *name,
	    const char *url, const char *ca_pem, const char *token);

#endif
