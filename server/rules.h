/*
 * rules.h: the domain rules that need no database to decide, as pure
 * functions (unit tested in tests/unit/test_rules.c).  The rules that need
 * the stored hierarchy (alignment, limits, ownership) are decided from
 * context queries in the op files and again by the triggers of sql/002.
 */
#ifndef CAIRN_RULES_H
#define CAIRN_RULES_H

/* The rule a period state change a -> b breaks, or NULL. */
const char	*period_transition_refusal(const char *a, const char *b);
/* Why start/target do not fit a key result type (E_INVALID), or NULL. */
const char	*kr_shape_refusal(const char *type, double start, double target);
/* The rule a new objective breaks in a team of framework mode m
 * (framework.kpi_only), or NULL. */
const char	*framework_objective_refusal(const char *m);

#endif
