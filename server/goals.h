/*
 * goals.h: what the goal-hierarchy ops (op-team.c, op-period.c,
 * op-objective.c, op-kr.c, op-admin.c) share: packing the objects and a
 * scratch state for ops that take several steps.
 */
#ifndef CAIRN_GOALS_H
#define CAIRN_GOALS_H

#include "authz.h"
#include "idem.h"
#include "op.h"

/* Scratch for a multi-step op; freed with the request. */
struct gstate {
	char		 caller[24];	/* the caller's user id */
	char		 role[16];	/* the caller's role name */
	char		 id[24];	/* the object's id, as text */
	char		 aux[24];	/* a second id (team, parent...) */
	char		 num[4][32];	/* numbers formatted for SQL */
	char		 name[64];	/* a slug or login kept for messages */
	char		 name2[64];
	bool		 flag;		/* op variant (add or remove...) */
	void		(*next)(struct request *);	/* after the checks */
	const char	*p[12];		/* parameters of the next statement */
	struct authz_facts f;
	int64_t		 version;	/* expected, or -1 */
	bool		 full;		/* reply with the detailed object */
	struct idem	 idem;		/* the write's idempotency key */
};

struct gstate	*gstate_new(struct request *);
bool		 col_bool(const PGresult *, int row, int col);
int64_t		 col_int(const PGresult *, int row, int col);
double		 col_num(const PGresult *, int row, int col);
const char	*col_str(const PGresult *, int row, int col); /* NULL if null */
void		 fmt_num(char *, size_t, double);
bool		 valid_slug(const char *);
bool		 valid_date(const char *);

void	 pack_team(msgpack_packer *, const PGresult *, int row, int col,
	    int extra);
void	 pack_period(msgpack_packer *, const PGresult *, int row, int col);
void	 pack_objective(msgpack_packer *, const PGresult *, int row, int col,
	    int extra);
void	 pack_kr(msgpack_packer *, const PGresult *, int row, int col);

/* Answer with the objective (with key results, children and contributors
 * when full) or the key result: used after every change. */
void	 reply_objective(struct request *, int64_t id, bool full);
void	 reply_kr(struct request *, int64_t id);
/* The caller's relation to an objective, from columns 3-8 of obj_ctx or
 * kr_ctx. */
void	 facts_from_ctx(struct gstate *, const PGresult *);
/* After an update of objective or key result g->id: true if it was
 * applied, else answered (unknown owner, stale version, database). */
bool	 change_applied(struct request *, const PGresult *, const char *what);
/* E_FORBIDDEN for the action, or E_NOT_FOUND when the caller may not
 * even see the team. */
void	 fail_forbidden(struct request *, enum action);

#endif
