/*
 * row.h: reading results by column name, never by position.
 *
 * A reply object is a fieldset: the columns it shows, each with the way it
 * is packed.  The JSON key of a field is its column name, so a column added
 * to a statement and to the one fieldset that shows it is all a new field
 * takes.  Columns are looked up once per result (rowpack_init), then every
 * row is packed from the indices; single values read by name (row_*) use
 * PQfnumber and are meant for one-row results (contexts, checks).
 *
 * A statement declares the fieldset it returns (stmt_def.returns, sql.c);
 * db.c checks at prepare time that PostgreSQL describes every one of those
 * columns, so a missing or misspelt column stops start-up instead of
 * reaching a client.
 */
#ifndef CAIRN_ROW_H
#define CAIRN_ROW_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>
#include <msgpack.h>

/* How a column is packed; SQL NULL is always packed as nil. */
enum ftype {
	F_INT,		/* integer */
	F_NUM,		/* double */
	F_STR,		/* text */
	F_BOOL,		/* boolean ('t'/'f') */
	F_JSON,		/* json(b) text, packed as the MessagePack it means */
	F_HIDDEN	/* read by checks, never packed */
};

struct field {
	const char	*name;
	enum ftype	 type;
};

#define FIELDS_MAX	48

struct fieldset {
	const char		*what;		/* "key result": messages */
	const struct field	*f;
	int			 n;
};

/* A fieldset from a static array of fields. */
#define FIELDSET(what, arr) { what, arr, sizeof(arr) / sizeof(arr[0]) }

struct rowpack {
	const struct fieldset	*fs;
	const PGresult		*res;
	int			 ix[FIELDS_MAX];
	int			 npacked;
};

/* Look up fs's columns in res.  False (logged) when one is missing: a bug
 * that db.c's prepare-time check should have caught. */
bool	 rowpack_init(struct rowpack *, const struct fieldset *,
	    const PGresult *) __attribute__((warn_unused_result));
/* Pack row as a map of the fieldset's packed fields plus extra entries
 * the caller packs after it. */
void	 rowpack_row(msgpack_packer *, const struct rowpack *, int row,
	    int extra);
/* True when every field of fs is a column of res (db.c, at prepare). */
bool	 fieldset_fits(const struct fieldset *, const PGresult *,
	    const char **missing);

/* One value by name.  A missing column is a bug: logged, read as NULL. */
int	 col_ix(const PGresult *, const char *name);
bool	 row_null(const PGresult *, int row, const char *name);
bool	 row_bool(const PGresult *, int row, const char *name);
int64_t	 row_int(const PGresult *, int row, const char *name);
double	 row_num(const PGresult *, int row, const char *name);
/* NULL when SQL NULL. */
const char *row_str(const PGresult *, int row, const char *name);
/* "" when SQL NULL (for messages). */
const char *row_text(const PGresult *, int row, const char *name);
/* Whether res has the column at all (optional context facts). */
bool	 row_has(const PGresult *, const char *name);

#endif
