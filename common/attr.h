/*
 * attr.h: compiler attributes cairn uses everywhere.
 *
 * MUST_CHECK marks a function whose result says whether it worked (a bool,
 * an int status, a pointer that is NULL on failure): ignoring it is a bug the
 * compiler reports (-Werror).  Where ignoring one is right, the call says
 * why in a comment and casts to (void) through IGNORE_RESULT, which is the
 * only way past warn_unused_result that GCC accepts.
 */
#ifndef CAIRN_ATTR_H
#define CAIRN_ATTR_H

#define MUST_CHECK	__attribute__((warn_unused_result))

/* GCC does not let a (void) cast silence warn_unused_result; a negated
 * expression statement does. */
#define IGNORE_RESULT(call)	do { if (call) { ; } } while (0)

#endif
