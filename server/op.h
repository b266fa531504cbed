/*
 * op.h: the op table.  Each op is a name, a handler, flags and the schema
 * of its arguments; the dispatcher checks the flags in one place before
 * calling the handler, so that no handler can forget the session or admin
 * check.  An entity's ops are declared in its own file (kr.c: kr_ops),
 * and dispatch.c gathers the entity tables; ops not yet moved are listed
 * in dispatch.c with a prototype below.
 */
#ifndef CAIRN_OP_H
#define CAIRN_OP_H

#include "server.h"

#define OP_SESSION	0x01	/* needs a logged-in session */
#define OP_ADMIN	0x02	/* admin role only */
#define OP_WRITE	0x04	/* changes stored data */
#define OP_NO_HELLO	0x08	/* allowed before hello (only hello) */

/*
 * An argument of an op: its type, whether it must be given, and its
 * bounds (an integer's or a string's length as min/max, a number's as
 * dmin/dmax).  The handler reads it with op_int/op_num/op_str by name, so
 * the bounds are written once, in the table, as tmux's cmd_entry carries
 * its argument spec.
 */
enum arg_type { ARG_INT, ARG_NUM, ARG_STR, ARG_BOOL };

struct op_arg {
	const char	*name;
	enum arg_type	 type;
	bool		 required;
	int64_t		 min, max;	/* ARG_INT; ARG_STR: length */
	double		 dmin, dmax;	/* ARG_NUM */
};

#define A_INT(n, req, lo, hi)							{ .name = (n), .type = ARG_INT, .required = (req), .min = (lo),		    .max = (hi) }
#define A_NUM(n, req, lo, hi)							{ .name = (n), .type = ARG_NUM, .required = (req), .dmin = (lo),		    .dmax = (hi) }
#define A_STR(n, req, lo, hi)							{ .name = (n), .type = ARG_STR, .required = (req), .min = (lo),		    .max = (hi) }
/* A boolean: no bounds. */
#define A_BOOL(n, req)	{ .name = (n), .type = ARG_BOOL, .required = (req) }
/* An id argument: 1 and up. */
#define A_ID(n, req)	A_INT(n, req, 1, INT64_MAX)
#define A_END		{ .name = NULL }

struct op {
	const char		*name;
	void			(*fn)(struct request *);
	int			 flags;
	/* Its arguments, ended by A_END; NULL: not declared (an op not yet
	 * moved to its entity's file). */
	const struct op_arg	*args;
};

/*
 * Read the request's argument name as the op's schema declares it (its
 * type, whether required, its bounds): true when given and valid.  Errors
 * are kept in req->args, as mp_get_* keep them, and answered by
 * req_args_done(); a name the schema does not declare, or of another
 * type, is a bug answered E_INTERNAL.
 */
bool	 op_int(struct request *, const char *name, int64_t *);
bool	 op_num(struct request *, const char *name, double *);
bool	 op_str(struct request *, const char *name, const char **);
bool	 op_bool(struct request *, const char *name, bool *);

const struct op	*op_find(const char *);




#endif
