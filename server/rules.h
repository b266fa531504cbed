/*
 * rules.h: the domain rules that need no database to decide, as pure
 * functions (unit tested in tests/unit/test_rules.c): each returns the
 * rule's name, and its caller writes the refusal's text.  The rules that
 * need the stored hierarchy (alignment, team cycles, ownership) are
 * decided by SQL functions in the entity's context query (alignment_refusal,
 * team_move_misaligned ...), relayed by the entity file, and again by the
 * triggers of sql/logic; those are tested against PostgreSQL end to end.
 */
#ifndef CAIRN_RULES_H
#define CAIRN_RULES_H

#include <stdbool.h>

/* What the period's state allows an op (its change_op's .period). */
enum period_rule {
	PR_NONE,	/* no period involved */
	PR_OPEN,	/* anything but closed: edits */
	PR_NEW,		/* draft or active: new key results, objectives */
	PR_STARTED,	/* active or review: check-ins */
	PR_REVIEW	/* review only: grades (else period.not_review) */
};

/* The rule a change of kind need in a period of state st breaks
 * (period.closed, period.not_active, period.not_review), or NULL. */
const char	*period_state_refusal(enum period_rule need, const char *st);
/* user.last_admin: the target has role and enabled, other_admins enabled
 * admins besides it; new_role is its new role, NULL when disabled. */
const char	*last_admin_refusal(const char *role, bool enabled,
		    long long other_admins, const char *new_role);
/* period.carry from a period of state from into one of state to, with
 * candidates objectives to carry and at most max at once: carry.from_open,
 * period.closed, period.not_active or limit.carry, or NULL. */
const char	*carry_refusal(const char *from, const char *to,
		    long long candidates, long long max);

/* The rule a period state change a -> b breaks, or NULL. */
const char	*period_transition_refusal(const char *a, const char *b);
/* Why start/target do not fit a key result type (E_INVALID), or NULL. */
const char	*kr_shape_refusal(const char *type, double start, double target);
/* The rule a new objective breaks in a team of framework mode m
 * (framework.kpi_only), or NULL. */
const char	*framework_objective_refusal(const char *m);

/* The rule a sign-off decision (approve or send back) on an objective in
 * sign-off state st (NULL: none needed) breaks: signoff.approver (the
 * caller is neither a lead of the parent team nor the owner of the parent
 * objective), signoff.self (the caller owns it), signoff.state (it is not
 * proposed), or NULL.  signoff.note, the send-back's note, is an argument's
 * check. */
const char	*signoff_refusal(const char *st, bool approver, bool self);

#endif
