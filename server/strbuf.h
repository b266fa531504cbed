/*
 * strbuf.h: a growing string, for statement parameters built from many
 * values (kpi.record's arrays).  Out of memory is xmalloc's to handle.
 */
#ifndef CAIRN_STRBUF_H
#define CAIRN_STRBUF_H

#include <stddef.h>

struct strbuf {
	char	*s;		/* NUL-terminated; NULL until the first add */
	size_t	 len, cap;
};

/* Append n bytes of s. */
void	strbuf_add(struct strbuf *, const char *s, size_t n);
/* Append the string s. */
void	strbuf_str(struct strbuf *, const char *s);
/* Append s as an element of a PostgreSQL array literal: quoted, with \
 * and " escaped, so that any text (a note) stays one element. */
void	strbuf_pg_elem(struct strbuf *, const char *s);

#endif
