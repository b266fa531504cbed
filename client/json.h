/*
 * json.h: MessagePack objects as JSON text, for --json output.  Strings are
 * escaped so that the output is always valid JSON and safe on a terminal:
 * control characters (C0, DEL and C1) are \u-escaped, valid UTF-8 passes
 * through, and invalid bytes become U+FFFD rather than corrupt JSON.
 */
#ifndef CAIRN_JSON_H
#define CAIRN_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <msgpack.h>

void	json_print(FILE *, const msgpack_object *);
void	json_print_str(FILE *, const char *, size_t);
/* The shortest text that reads back as the same double (or float). */
void	json_print_double(FILE *, double, int is_float32);

#include "utf8.h"	/* utf8_decode(), used with the printer */

#endif
