/*
 * export.h: what the export entity (export.c) shows to the rest of
 * cairnd: its op table, its statements, and the sets of an export, in one
 * table that the export op streams in order and the import ops (import.c)
 * check rows against.  A new set (retros, grades of another kind ...) is
 * a statement, a fieldset, the checks of its columns and one line of the
 * table, all in export.c; the client writes whatever sets the server
 * sends.
 */
#ifndef CAIRN_EXPORT_H
#define CAIRN_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "op.h"
#include "row.h"
#include "sql.h"

#define EXPORT_FORMAT	"cairn-export"
#define EXPORT_VERSION	1
#define IMPORT_CHUNK_MAX 1000	/* rows in one import.rows */

/* What a column of an imported row must be. */
enum icheck {
	IC_ID,		/* a positive integer (a document's id) */
	IC_INT,		/* an integer from min to max */
	IC_NUM,		/* a finite number from min to max */
	IC_STR,		/* text of min to max bytes */
	IC_BOOL,
	IC_LOGIN,	/* a login (users.login's syntax) */
	IC_SLUG,	/* a team's slug */
	IC_PERIOD,	/* a period's name */
	IC_DATE,	/* YYYY-MM-DD */
	IC_TIME,	/* RFC 3339 (exports write ...Z), stored in UTC */
	IC_CHOICE	/* one of choices (a "|"-separated list) */
};

struct icol {
	const char	*name;
	enum icheck	 check;
	bool		 optional;	/* nil or absent: SQL NULL */
	double		 min, max;
	const char	*choices;
};

struct xset {
	const char		*name;
	enum stmt		 st;
	const struct fieldset	*fs;
	const struct icol	*cols;	/* NULL: not imported (the period) */
	size_t			 ncols;
};

extern const struct op		export_ops[];	/* ended by a NULL name */
extern const stmt_table		export_stmts;

extern const struct xset xsets[];
extern const size_t nxsets;

const struct xset *xset_find(const char *, size_t);

#endif
