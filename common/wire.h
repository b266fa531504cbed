/*
 * wire.h: the cairn wire protocol, shared by cairnd, cairn, the tests and
 * the benchmark.  docs/protocol.md is the prose version of this file; keep
 * the two in step.
 *
 * A frame is a 4-byte big-endian length N followed by N bytes holding one
 * MessagePack map.  Requests are {"id", "op", "args"}; responses are
 * {"id", "ok", "result"} or {"id", "ok": false, "error": {...}}.
 *
 * A request may carry "parts": true.  Its answer may then come as part
 * frames {"id", "ok": true, "part": {"set", "rows": [...]}} before the
 * final frame, all with the request's id (server/stream.h).
 */
#ifndef CAIRN_WIRE_H
#define CAIRN_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "attr.h"

#define CAIRN_PROTO_VERSION	1
#define CAIRN_VERSION		"0.1.0"
#define CAIRN_DEFAULT_PORT	7443
#define CAIRN_DEFAULT_LISTEN	"127.0.0.1:7443"

#define FRAME_HEADER_SIZE	4
#define DEFAULT_MAX_FRAME	(1024 * 1024)	/* bytes of payload */
#define DEFAULT_MAX_DEPTH	16		/* nested maps/arrays */
#define DEFAULT_MAX_STRING	(64 * 1024)	/* bytes in one str/bin */
#define MP_DEPTH_HARD_MAX	32		/* msgpack-c's own stack */

/* Envelope field names. */
#define WIRE_ID		"id"
#define WIRE_OP		"op"
#define WIRE_ARGS	"args"
#define WIRE_OK		"ok"
#define WIRE_RESULT	"result"
#define WIRE_ERROR	"error"
#define WIRE_CODE	"code"
#define WIRE_MESSAGE	"message"
#define WIRE_RULE	"rule"
#define WIRE_FIELD	"field"
#define WIRE_PARTS	"parts"		/* request: may answer in parts */
#define WIRE_PART	"part"		/* a part frame's body */
#define WIRE_SET	"set"
#define WIRE_ROWS	"rows"
#define WIRE_BUDGET	"budget"	/* E_LIMIT of a write budget: its name */
#define WIRE_RETRY_AFTER "retry_after"	/* ... and seconds until it refills */
/* event.watch's frames (docs/protocol.md "Events"): {"id", "ok": true,
 * "event": {...}} per event, {"id", "ok": true, "watching": {"seq"}} at
 * the start and as a heartbeat; its error frame carries "seq" too. */
#define WIRE_EVENT	"event"
#define WIRE_WATCHING	"watching"
#define WIRE_SEQ	"seq"

/*
 * Error codes.  The numeric value is internal (and maps to the client's
 * exit code); only the string travels on the wire.  Never renumber.
 */
enum wire_err {
	E_OK = 0,
	E_BAD_FRAME,
	E_PROTO,
	E_BAD_REQUEST,
	E_UNKNOWN_OP,
	E_AUTH,
	E_FORBIDDEN,
	E_NOT_FOUND,
	E_INVALID,
	E_RULE,
	E_CONFLICT,
	E_LIMIT,
	E_UNAVAILABLE,
	E_INTERNAL,
	E_MAX
};

const char	*wire_err_name(enum wire_err);
enum wire_err	 wire_err_parse(const char *, size_t) MUST_CHECK;

#endif
