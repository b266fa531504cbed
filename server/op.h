/*
 * op.h: the op table.  Each op is a name, a handler and flags; the
 * dispatcher checks the flags in one place before calling the handler, so
 * that no handler can forget the session or admin check.  Adding an op is a
 * handler in an op-*.c file and one line in dispatch.c.
 */
#ifndef CAIRN_OP_H
#define CAIRN_OP_H

#include "server.h"

#define OP_SESSION	0x01	/* needs a logged-in session */
#define OP_ADMIN	0x02	/* admin role only */
#define OP_WRITE	0x04	/* changes stored data */
#define OP_NO_HELLO	0x08	/* allowed before hello (only hello) */

struct op {
	const char	*name;
	void		(*fn)(struct request *);
	int		 flags;
};

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
/* op-kr.c */
void	op_kr_create(struct request *);
void	op_kr_get(struct request *);
void	op_kr_update(struct request *);
void	op_kr_remove(struct request *);
void	op_kr_checkin(struct request *);
void	op_kr_history(struct request *);
/* op-kpi.c, op-kpi-record.c */
void	op_kpi_create(struct request *);
void	op_kpi_update(struct request *);
void	op_kpi_archive(struct request *);
void	op_kpi_get(struct request *);
void	op_kpi_list(struct request *);
void	op_kpi_history(struct request *);
void	op_kpi_record(struct request *);
/* op-roi.c */
void	op_roi_set(struct request *);
void	op_roi_get(struct request *);

/* op-cycle.c: the end of the review */
void	op_retro_set(struct request *);
void	op_retro_get(struct request *);
void	op_period_close(struct request *);
void	op_period_carry(struct request *);

/* op-tiers.c */
void	op_team_framework(struct request *);
void	op_assessment_questions(struct request *);
void	op_assessment_create(struct request *);
void	op_assessment_get(struct request *);
void	op_assessment_set_weight(struct request *);
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

/* Shared by the op files. */
/* FS_USER's columns in res (a statement returning users), or answered
 * (E_INTERNAL): pack each user with rowpack_row. */
bool	user_rowpack(struct request *, struct rowpack *, const PGresult *)
	    __attribute__((warn_unused_result));
enum role role_parse(const char *);
const char *role_name(enum role);
bool	valid_login(const char *);

#endif
