/*
 * idem.h: idempotency keys for the writes that create things
 * (objective.create, kr.create, kr.checkin; KPI readings next).
 *
 * One mechanism for every such op: the handler reads the optional
 * idempotency_key argument with idem_read(), then calls idem_begin() with
 * how to answer from a stored result (replay) and how to do the work
 * (fresh).  The write itself inserts the key in the same statement as the
 * entity and its audit entry (IDEM in sql.c, with idem_key() and
 * idem_hash() as its last two parameters); its callback first asks
 * idem_lost_race() whether a twin with the same key committed first.
 */
#ifndef CAIRN_IDEM_H
#define CAIRN_IDEM_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>
#include <msgpack.h>

#include "sql.h"
#include "wire.h"

struct request;

/* Its statement (the look-up of a key), gathered by entities.c. */
extern const stmt_table	idem_stmts;

#define IDEM_ARG	"idempotency_key"
#define IDEM_KEY_MAX	64

struct idem {
	const char	*key;		/* NULL: none given */
	char		 caller[24];	/* the caller's id, as text */
	char		 hash[65];	/* SHA-256 of the op and its args, hex */
	bool		 again;		/* looking up after a refusal */
	void		(*replay)(struct request *, int64_t);
	void		(*fresh)(struct request *);
	/* The refusal to give if the key is still unknown. */
	enum wire_err	 code;
	char		 rule[64];
	char		 msg[256];
};

/* Read idempotency_key (call with the other getters, before
 * req_args_done) and hash the op's other arguments. */
void	 idem_read(struct request *, struct idem *);
/* id lives as long as the request (in its state) and becomes req->idem.
 * No key: fresh(req).  Else look the key up: replay(req, result_id) for
 * a retry, E_CONFLICT for the key reused on another op or other
 * arguments, fresh(req) if the key is new. */
void	 idem_begin(struct request *, struct idem *,
	    void (*replay)(struct request *, int64_t),
	    void (*fresh)(struct request *));
/* The last two parameters of the write: the key and the hash, or NULL. */
const char *idem_key(const struct idem *);
const char *idem_hash(const struct idem *);
/*
 * A twin request with the same key may commit while this one runs: this
 * one then fails on the key's unique index, or is refused by a rule the
 * twin's row now trips (a count limit).  So a keyed request that is
 * refused looks its key up once more before answering: if the twin
 * committed, it is answered from the twin's result.
 *
 * idem_write_failed, first in the write's callback: true if res is such
 * a refusal of a keyed request (the unique violation on the key, or a
 * limit.* rule from a trigger); the request is then answered from the
 * key or, if still unknown, with that refusal.  False for anything else
 * (carry on as without a key).
 */
bool	 idem_write_failed(struct request *, const PGresult *)
	    __attribute__((warn_unused_result));
/* req_fail_rule for a refusal a twin may have caused (count limits). */
void	 idem_fail_rule(struct request *, const char *rule, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));
/* The canonical hash of op and args (without the key), exposed for the
 * unit test. */
void	 idem_hash_args(const char *op, const msgpack_object *args,
	    char out[65]);

#endif
