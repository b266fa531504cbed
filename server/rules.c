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
