/*
 * scope.h: what an API token (token.c) may do, as pure functions (no
 * server around them: tests/unit/test_scope.c).  A token acts as its owner
 * and only within its scopes; every permission check stays the owner's.
 *
 *   read        every op that stores nothing (not OP_WRITE), but token.*
 *   kpi.record  kpi.record (only the token's KPIs when it lists some,
 *               checked per reading by reading.c)
 *   kr.checkin  kr.checkin
 *
 * session.whoami is allowed to any token; session.logout and token.* to
 * none (they need a session opened with a password).
 */
#ifndef CAIRN_SCOPE_H
#define CAIRN_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#include "attr.h"

#define SCOPE_READ		0x01
#define SCOPE_KPI_RECORD	0x02
#define SCOPE_KR_CHECKIN	0x04
#define SCOPE_ALL		0x07

/* "cairn_" and 64 lowercase hex digits. */
#define TOKEN_PREFIX		"cairn_"
#define TOKEN_RAW		32
#define TOKEN_TEXT_LEN		(sizeof TOKEN_PREFIX - 1 + 2 * TOKEN_RAW)
/* A token's name: ^[a-z0-9][a-z0-9._-]{0,39}$ */
#define TOKEN_NAME_MAX		40
/* The KPIs one token may be limited to, at most. */
#define TOKEN_KPIS_MAX		64

/* The bit of a scope's name; 0 for an unknown one. */
unsigned	 scope_bit(const char *name) MUST_CHECK;
/* The names of the bits of scopes, ", "-separated, in out. */
void		 scope_names(unsigned scopes, char *out, size_t outlen);
/* Whether a token of scopes may run op (write: the op is OP_WRITE). */
bool		 scope_allows(unsigned scopes, const char *op, bool write)
		    MUST_CHECK;
bool		 token_name_valid(const char *) MUST_CHECK;
/* The 32 bytes of a token's text; false when it is malformed. */
bool		 token_parse(const char *text, unsigned char raw[TOKEN_RAW])
		    MUST_CHECK;
/* The text of 32 bytes: out holds TOKEN_TEXT_LEN + 1. */
void		 token_format(const unsigned char raw[TOKEN_RAW], char *out);

#endif
