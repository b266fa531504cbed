/*
 * stmt.h: a statement's definition, and its parameters by name.
 *
 * A statement declares the parameters it takes by name, as it declares the
 * columns it returns (row.h): its SQL writes $caller, $title, $kpi::bigint,
 * and .params = "caller title kpi" lists them.  stmt_compile() turns the
 * names into $1..$n in the declared order once, at start-up; a placeholder
 * that is not declared, a declared name the SQL never uses, or a positional
 * $1 in a named statement stops cairnd there, naming the statement and the
 * parameter.  The caller fills a struct stmt_params by name (sp_set); a
 * name the statement does not declare, or a declared one left unset, fails
 * the request (request.c, req_db_named) rather than shift a value into the
 * wrong place.  cairnd's own table has no statement without .params
 * (sql.c's stmts_init refuses one); the pool (db.c) still takes such a
 * positional statement, for its unit tests.
 *
 * This file needs no server around it (tests/unit/test_stmt.c).
 */
#ifndef CAIRN_STMT_H
#define CAIRN_STMT_H

#include <stdbool.h>
#include <stddef.h>

struct fieldset;

/*
 * What a statement does, declared with it (never guessed from its text):
 * a read may share a sync point with other reads and is answered as soon as
 * its rows are in; a write gets its own sync and is answered only once that
 * sync confirms its commit.
 */
enum stmt_kind { STMT_READ, STMT_WRITE };

struct stmt_def {
	const char		*name;
	enum stmt_kind		 kind;
	const char		*sql;
	/* The columns the code reads by name (row.h), checked at prepare
	 * time; NULL: none declared. */
	const struct fieldset	*returns;
	/* The parameters by name, separated by spaces, in the order they
	 * are sent; "" for none.  NULL: a positional statement ($1..$n,
	 * filled by position), which only the pool's unit tests use. */
	const char		*params;
	/* A read that may be served by a replica whose replay lag is
	 * under max_replica_lag_ms (db-replica.c): the lag-tolerant ops'
	 * reads (tree, health, review, due, export, kpi list ...).  Only
	 * a STMT_READ may say so (stmts_init refuses a write). */
	bool			 lag_ok;
};

/* At most this many parameters in a named statement. */
#define STMT_MAXP	32
/* A parameter's name: [a-z_][a-z0-9_]*, at most this long. */
#define STMT_NAMELEN	32

/*
 * The SQL of a named statement with its placeholders as $1..$n (*out,
 * malloc'd).  False with a message in err naming the statement and the
 * parameter when the text and the declaration disagree.
 */
bool	 stmt_compile(const struct stmt_def *, char **out, char *err,
	    size_t errlen) __attribute__((warn_unused_result));
/*
 * Gather the sparse tables (each indexed by statement, ended by a NULL
 * table) into out[n]: false with a message in err when a slot is filled
 * twice or never, or a statement declares no parameters by name (cairnd
 * fills none by position).
 */
bool	 stmt_gather(const struct stmt_def *const *tables,
	    struct stmt_def *out, int n, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
/* The number of names in a declaration, -1 when one is malformed, too
 * long, repeated or there are more than STMT_MAXP. */
int	 stmt_nparams(const char *params) __attribute__((warn_unused_result));
/* The index of name (len bytes) in the declaration, or -1. */
int	 stmt_param_index(const char *params, const char *name, size_t len)
	    __attribute__((warn_unused_result));

/*
 * A named statement's parameters as they are filled.  A fill error is
 * kept (the first one) and reported by sp_ready(), so that a run of
 * sp_set() needs no check after each call, as mp_reader does for
 * arguments.
 */
struct stmt_params {
	const struct stmt_def	*sd;
	int			 st;		/* its index in the table */
	int			 n;
	const char		*v[STMT_MAXP];
	bool			 set[STMT_MAXP];
	char			 bad[STMT_NAMELEN + 1];	/* first unknown name */
};

void	 sp_init(struct stmt_params *, const struct stmt_def *, int st);
/* Set name to value (NULL: SQL NULL, set explicitly).  The pointer is
 * kept, not the text: value must live until the statement is sent (a
 * change's args hook writes its texts into the change's arg, never into
 * its own locals, as the statement is sent after the hook returns). */
void	 sp_set(struct stmt_params *, const char *name, const char *value);
/* Whether the statement declares name. */
bool	 sp_has(const struct stmt_params *, const char *name)
	    __attribute__((warn_unused_result));
/* Set name only when the statement declares it (the change path's common
 * parameters: caller, role, key ...). */
void	 sp_set_if(struct stmt_params *, const char *name, const char *value);
/* True when every declared parameter is set and no unknown one was; else
 * false with why (naming the statement and the parameter). */
bool	 sp_ready(const struct stmt_params *, char *why, size_t len)
	    __attribute__((warn_unused_result));

#endif
