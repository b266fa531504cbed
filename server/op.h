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
enum arg_type { ARG_INT, ARG_NUM, ARG_STR };

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

const struct op	*op_find(const char *);

/* op-misc.c */
void	op_hello(struct request *);
void	op_ping(struct request *);
/* op-session.c */
void	op_session_login(struct request *);
void	op_session_resume(struct request *);
void	op_session_logout(struct request *);
void	op_session_whoami(struct request *);
/* op-user.c */
void	op_user_create(struct request *);
void	op_user_list(struct request *);
void	op_user_get(struct request *);
void	op_user_set_role(struct request *);
void	op_user_disable(struct request *);
void	op_user_enable(struct request *);
void	op_user_budget(struct request *);
void	op_user_set_password(struct request *);

/* op-team.c */
void	op_team_create(struct request *);
void	op_team_list(struct request *);
void	op_team_get(struct request *);
void	op_team_move(struct request *);
void	op_team_rename(struct request *);
void	op_team_remove(struct request *);
void	op_team_add_member(struct request *);
void	op_team_remove_member(struct request *);
/* op-period.c */
void	op_period_create(struct request *);
void	op_period_list(struct request *);
void	op_period_set_state(struct request *);
/* op-admin.c */
void	op_settings_get(struct request *);
void	op_settings_set(struct request *);
void	op_audit_list(struct request *);
/* op-objective.c, op-objective-edit.c */
void	op_objective_create(struct request *);
void	op_objective_list(struct request *);
void	op_objective_get(struct request *);
void	op_objective_update(struct request *);
void	op_objective_align(struct request *);
void	op_objective_unalign(struct request *);
void	op_objective_archive(struct request *);
void	op_objective_grant(struct request *);
void	op_objective_revoke(struct request *);
/* issue 8: the review's grade (op-objective-grade.c) */
void	op_objective_grade(struct request *);
/* op-kpi.c, op-kpi-record.c */
void	op_kpi_create(struct request *);
void	op_kpi_update(struct request *);
void	op_kpi_archive(struct request *);
void	op_kpi_get(struct request *);
void	op_kpi_list(struct request *);
void	op_kpi_history(struct request *);
void	op_kpi_record(struct request *);

/* op-cycle.c: the end of the review */
void	op_retro_set(struct request *);
void	op_retro_get(struct request *);
void	op_period_close(struct request *);
void	op_period_carry(struct request *);

/* op-objective-guard.c */
void	op_objective_guard(struct request *);
void	op_objective_unguard(struct request *);

/* op-export.c, op-import.c */
void	op_export(struct request *);
void	op_import_begin(struct request *);
void	op_import_rows(struct request *);
void	op_import_commit(struct request *);
void	op_import_abort(struct request *);
/* op-rollup.c */
void	op_tree(struct request *);
void	op_health(struct request *);
void	op_review(struct request *);
void	op_due(struct request *);

#endif
