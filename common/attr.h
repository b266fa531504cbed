/*
 * attr.h: compiler attributes shared by cairnd, cairn and the tests.
 *
 * MUST_CHECK marks a function whose result says whether it worked (a
 * bool, a status, an exit code, or a pointer that is NULL on failure):
 * ignoring it is a bug the compiler then reports (-Werror makes it stop
 * the build).  Where ignoring is right, the call site says why in a
 * comment and handles the result anyway.
 */
#ifndef CAIRN_ATTR_H
#define CAIRN_ATTR_H

#ifndef MUST_CHECK
#define MUST_CHECK	__attribute__((warn_unused_result))
#endif

#endif
