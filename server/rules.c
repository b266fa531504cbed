/* rules.c: see rules.h. */
#include <string.h>

#include "rules.h"

const char *
period_transition_refusal(const char *a, const char *b)
{
	if (strcmp(a, "closed") == 0)
		return "period.closed";
	if (strcmp(a, b) == 0 ||
	    (strcmp(a, "draft") == 0 && strcmp(b, "active") == 0) ||
	    (strcmp(a, "active") == 0 && strcmp(b, "review") == 0) ||
	    (strcmp(a, "review") == 0 && (strcmp(b, "closed") == 0 ||
	    strcmp(b, "active") == 0)))
		return NULL;
	return "period.transition";
}

const char *
kr_shape_refusal(const char *type, double start, double target)
{
	if (strcmp(type, "increase") == 0 && !(target > start))
		return "an increase key result needs target > start";
	if (strcmp(type, "decrease") == 0 && !(target < start))
		return "a decrease key result needs target < start";
	if (strcmp(type, "boolean") == 0 && !(start == 0 && target == 1))
		return "a boolean key result goes from 0 to 1";
	return NULL;
}

/* A team in kpi mode holds KPIs only; its existing objectives stay. */
const char *
framework_objective_refusal(const char *m)
{
	return m != NULL && strcmp(m, "kpi") == 0 ? "framework.kpi_only" :
	    NULL;
}

const char *
period_state_refusal(enum period_rule need, const char *st)
{
	if (need == PR_NONE || st == NULL)
		return NULL;
	if (need == PR_REVIEW)
		return strcmp(st, "review") == 0 ? NULL : "period.not_review";
	if (strcmp(st, "closed") == 0)
		return "period.closed";
	if ((need == PR_NEW && strcmp(st, "review") == 0) ||
	    (need == PR_STARTED && strcmp(st, "draft") == 0))
		return "period.not_active";
	return NULL;
}

/* Only a change that takes away an enabled admin can leave none. */
const char *
last_admin_refusal(const char *role, bool enabled, long long other_admins,
    const char *new_role)
{
	if (strcmp(role, "admin") != 0 || !enabled || other_admins != 0 ||
	    (new_role != NULL && strcmp(new_role, "admin") == 0))
		return NULL;
	return "user.last_admin";
}

/* In the order docs/protocol.md gives for period.carry. */
const char *
carry_refusal(const char *from, const char *to, long long candidates,
    long long max)
{
	if (strcmp(from, "review") != 0 && strcmp(from, "closed") != 0)
		return "carry.from_open";
	if (strcmp(to, "closed") == 0)
		return "period.closed";
	if (strcmp(to, "draft") != 0 && strcmp(to, "active") != 0)
		return "period.not_active";
	if (candidates > max)
		return "limit.carry";
	return NULL;
}

const char *
signoff_refusal(const char *st, bool approver, bool self)
{
	/* Who first: a caller with no say learns nothing of the state. */
	if (!approver)
		return "signoff.approver";
	if (self)
		return "signoff.self";
	if (st == NULL || strcmp(st, "proposed") != 0)
		return "signoff.state";
	return NULL;
}
