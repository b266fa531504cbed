/*
 * utf8.h: strict UTF-8 (Unicode table 3-7): no overlong forms, no
 * surrogates, nothing past U+10FFFF, no truncated sequences.
 */
#ifndef CAIRN_UTF8_H
#define CAIRN_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "attr.h"

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), storing its
 * code point; 0 if the bytes there are not valid UTF-8.
 */
size_t	utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) MUST_CHECK;

#endif
