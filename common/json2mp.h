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

/* False (and nothing sensible packed) if the text is not JSON or nests
 * deeper than 32; the caller then discards the buffer. */
bool	json_to_msgpack(msgpack_packer *, const char *, size_t);

#endif
