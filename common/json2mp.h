/*
 * json2mp.h: pack JSON text as MessagePack.  The server uses it for values
 * PostgreSQL hands over as jsonb (the audit log's before and after), so
 * that clients get maps, not strings to parse again.
 */
#ifndef CAIRN_JSON2MP_H
#define CAIRN_JSON2MP_H

#include <stdbool.h>
#include <stddef.h>

#include <msgpack.h>

#include "attr.h"

/* Containers nested deeper than this are refused. */
#define JSON_MAX_DEPTH	32

/*
 * Pack the JSON text (len bytes, not necessarily NUL-terminated).  False,
 * with nothing packed, if it is not strict JSON (see json2mp.c) or nests
 * deeper than JSON_MAX_DEPTH.  Time and memory are linear in len.
 */
bool	json_to_msgpack(msgpack_packer *, const char *, size_t) MUST_CHECK;

#endif
