/*
 * change.h: the one path every change to a stored entity takes
 * (objectives, key results, KPIs and whatever comes next):
 *
 *   1. the context: one statement, one row, or no row for a missing
 *      entity (a batch, .batch: a row per entity named, kpi.record);
 *   2. the checks, in a fixed order: readable (else answered as missing),
 *      permission (authz.c), the period's state, the expected version,
 *      then the op's own rules;
 *   3. the write: one statement that writes the entity with its audit
 *      entry (and idempotency key) and returns the row the reply shows.
 *
 * So a change is two round trips.  An op is a struct change_op: a table of
 * its statements and checks, not a handler of its own.
 *
 * Parameters by name (stmt.h): when the context or the write is a named
 * statement, the path fills whichever of these it declares -- $key (the
 * entity's id or key), $caller (the caller's user id), $role (the caller's
 * role name), $via (where the change comes from: "user", or "token:NAME"
 * on a connection of an API token, for kpi_readings.via, checkins.via and
 * audit_log.via), $version (the expected version, NULL for any), $idem_key
 * and $idem_hash (the idempotency key and the hash of the arguments) -- and the
 * op's hooks (ctx_args, args) fill the rest by name.  Positional
 * statements (not yet converted) keep the older convention: the context
 * takes ($1 key, $2 caller, $3 role), the write ($1 caller, $2 key, ...)
 * from the params hook.
 *
 * Context columns read by name (each optional): obj_owner, kr_owner,
 * kpi_owner, private_team, lead_here, lead_above, lead_parent, member_here,
 * contributor (the authz facts), period_state (NULL or absent: no period
 * rule), version (absent: no version check).
 */
#ifndef CAIRN_CHANGE_H
#define CAIRN_CHANGE_H

#include "authz.h"
#include "idem.h"
#include "row.h"
#include "rules.h"
#include "server.h"

/* enum period_rule, what the period's state allows: rules.h. */

struct change;

struct change_op {
	const char		*what;		/* "key result" */
	const char		*id_field;	/* the argument the context is
						 * read by: "id", "objective" */
	enum stmt		 ctx;
	/* No context: the write finds the entity and checks what it must
	 * itself (no row: .empty), after only the op's flags (OP_ADMIN ...);
	 * its hooks get ctx NULL; ctx is then unused.  One round trip (an
	 * import's stage, user.enable). */
	bool			 no_ctx;
	/* The context's parameters other than the common ones ($key,
	 * $caller, $role ... filled by name).  NULL: none. */
	void			(*ctx_args)(struct change *,
				    struct stmt_params *);
	/* For a context row that may name nothing (LEFT JOINs): before any
	 * other check, false after answering.  NULL: a row means found. */
	bool			(*found)(struct change *, const PGresult *ctx);
	enum action		 act;
	enum period_rule	 period;
	/* Rules after the generic checks; false after answering.  NULL:
	 * none. */
	bool			(*check)(struct change *, const PGresult *ctx);
	enum stmt		 write;
	/* The write's parameters other than the common ones, from the op's
	 * arguments and the context, by name.  NULL: none. */
	void			(*args)(struct change *, const PGresult *ctx,
				    struct stmt_params *);
	/* The write's row as the reply; NULL: the reply is true. */
	const struct fieldset	*reply;
	/* What an empty write result means; NULL: changed meanwhile
	 * (E_CONFLICT on version). */
	void			(*empty)(struct change *);
	/* Idempotent creates: the statement (id, caller, role) whose row
	 * answers a retry, as the first reply did. */
	enum stmt		 get;
	bool			 keyed;
	/* A retry answered from the request itself, given the stored result
	 * id (a batch's reply is what it carried).  NULL: by get. */
	void			(*replay)(struct change *, int64_t id);
	/* A batch: the context is one row per entity the request names, in
	 * any number, so the generic checks (found, readable, permission,
	 * period, version) are per row and the check's to make; the path
	 * runs only check, then the write. */
	bool			 batch;
	/* After a write that returned its row, before the reply: the op's
	 * side effects (sessions to re-check, a log line).  True when it
	 * answered (or will answer) itself; false: answered with reply as
	 * above.  NULL: none. */
	bool			(*done)(struct change *, const PGresult *res);
};

struct change {
	struct request		*req;
	const struct change_op	*op;
	char			 caller[24];	/* the caller's user id */
	char			 role[16];	/* the caller's role name */
	char			 key[64];	/* the context's $1 */
	int64_t			 version;	/* expected, or -1 */
	char			 vtext[24];
	struct authz_facts	 f;
	struct idem		 idem;
	void			*arg;		/* the op's own arguments */
	size_t			 argsize;	/* zeroed before it is freed:
						 * it may hold a secret */
};

/* A change for req (req->change), freed with it; arg is argsize zeroed
 * bytes. */
struct change	*change_new(struct request *, const struct change_op *,
		    size_t argsize);
/* Run it on the entity key (an id or slug as text).  With op->keyed the
 * request's idempotency key (read by change_new) is honoured. */
void		 change_run(struct change *, const char *key);
void		 change_run_id(struct change *, int64_t id);
/* The write of a change whose check hook returned false without
 * answering, to wait for work off the event loop (a password hash): the
 * args hook is then given a NULL context, so what it needs of the
 * context is kept in c->arg by the check. */
void		 change_resume(struct change *);
/* change_new with a copy of arg (size bytes), the expected version (-1:
 * any), then change_run_id. */
void		 change_start(struct request *, const struct change_op *,
		    const void *arg, size_t size, int64_t id, int64_t version);
/* Column col of the context names something (not NULL, not false); else
 * E_NOT_FOUND naming field ("no WHAT 'NAME'") and false. */
bool		 ctx_found(struct change *, const PGresult *ctx,
		    const char *col, const char *field, const char *what,
		    const char *name);
/* Column col of the context is true: E_RULE rule with the message and
 * false; else true. */
bool		 ctx_rule(struct change *, const PGresult *ctx, const char *col,
		    const char *rule, const char *fmt, ...)
		    __attribute__((format(printf, 5, 6)));
/* An edit of an existing entity: the arguments "id", the op's own (read
 * into its arg of size bytes; the flag, false, says it is no creation),
 * "version"; then valid (NULL: none) and the change. */
void		 change_edit(struct request *, const struct change_op *,
		    size_t size, void (*read)(struct request *, void *, bool),
		    bool (*valid)(struct request *, const void *));
/* The optional "version" argument (1 to INT32_MAX), -1 when absent. */
int64_t		 arg_version(struct request *);
/* value (NULL: not given) is one of choices (NULL-terminated); else
 * E_INVALID naming field ("type is a, b or c") and false. */
bool		 check_choice(struct request *, const char *field,
		    const char *value, const char *const *choices);
/* The expected version as the write's parameter, or NULL. */
const char	*change_version(const struct change *);

/* The caller's user id and role name as statement parameters. */
void		 caller_text(struct request *, char caller[24], char role[16]);

/* A read's state (req->reader, replacing any): the id and the caller,
 * as a statement's $id, $caller, $role, and the read's own parameters
 * (reader_set). */
#define READER_MAXARGS	4
struct reader {
	char			 id[24], caller[24], role[16];
	const struct fieldset	*fs;		/* reply_get */
	const char		*field;
	/* The read's own parameters by name (reader_set): a read by
	 * something else than an id (a team's slug, a period's name, a
	 * limit), kept for its statements and its callbacks' messages. */
	struct {
		const char	*name;
		char		*value;		/* NULL: SQL NULL */
	}			 args[READER_MAXARGS];
	int			 nargs;
};
struct reader	*reader_new(struct request *, int64_t id);
/* Set the reader's own parameter name (a string that outlives it) to a
 * copy of value: reader_db fills $name in a statement that declares it. */
void		 reader_set(struct reader *, const char *name,
		    const char *value);
/* The value of the reader's own parameter name; NULL when not set. */
const char	*reader_arg(const struct request *, const char *name);
/* Run st for the request's reader: a named one with whichever of $id,
 * $caller, $role and the reader's own parameters it declares (and
 * nothing else). */
bool		 reader_db(struct request *, enum stmt, db_cb *);
/* The op's only argument is "id": answer with reply_get. */
void		 get_by_id(struct request *, const struct fieldset *, enum stmt);
/* The op's only argument is "id": run st (reader_db) with a reader for
 * it, then cb. */
void		 read_by_id(struct request *, enum stmt, db_cb *);
/* After a get statement (with its boolean column "readable") for the
 * reader's id: true if found and readable, else answered (E_NOT_FOUND,
 * as for a missing one) and false. */
bool		 read_found(struct request *, const PGresult *, const char *what);

/* Reads: the row of a get statement (reader_db, with a boolean column
 * "readable"), packed with fs, or E_NOT_FOUND naming field. */
void		 reply_get(struct request *, const struct fieldset *,
		    enum stmt, int64_t id, const char *field);
/* Answer with row 0 of res (a result with rows) packed with fs. */
void		 reply_first(struct request *, const PGresult *,
		    const struct fieldset *);
/* Answer with every row of res packed with fs (an array). */
void		 reply_list(struct request *, const PGresult *,
		    const struct fieldset *);

#endif
