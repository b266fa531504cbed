/*
 * stream.h: results in parts.
 *
 * A result larger than one frame (the organisation's tree, an export) is
 * sent as a sequence of frames with the request's id: part frames
 *
 *	{"id": N, "ok": true, "part": {"set": "objectives", "rows": [...]}}
 *
 * each within max_frame, then one final frame {"id": N, "ok": true,
 * "result": {...}} (or an error frame, after which the parts are void).
 * Only a client that asked for parts ("parts": true in the request
 * envelope) gets them.  For any other, the rows are gathered into the
 * final result, one array per set ({"objectives": [...], ...}), and a
 * result that would not fit in max_frame is answered E_LIMIT as before:
 * either way, what the client ends up with is the same map.
 *
 * Rows are packed as the database delivers them (libpq single-row mode on
 * a pool connection of their own), and the database is read only while
 * the client keeps up: when the connection's output holds more than
 * STREAM_OUT_HIGH bytes, reading stops until it drains below
 * STREAM_OUT_LOW.  Memory per streaming request is one part buffer plus
 * that output, whatever the size of the result.  A paused stream holds a
 * pool connection, so one that stays paused for stream_stall_timeout is
 * cancelled, one that waits that long for a slot is refused, and a user
 * streams at most max_streams_per_user results in parts at once (stream.c).
 */
#ifndef CAIRN_STREAM_H
#define CAIRN_STREAM_H

#include "attr.h"
#include "db.h"
#include "row.h"
#include "server.h"

#define STREAM_PART_BYTES	(64 * 1024)	/* a part frame is sent at */
#define STREAM_OUT_HIGH		(512 * 1024)	/* stop reading the db */
#define STREAM_OUT_LOW		(128 * 1024)	/* read again */
#define STREAM_SETS_MAX		16		/* sets in one result */

/*
 * Send the rows of statement st as set `set` (a static string), each
 * packed as a map of fieldset fs.  done runs once every row is out; then
 * the handler streams the next set or answers with req_result_sets() and
 * req_reply().  On failure (database error or loss, a row larger than a
 * frame, a result over max_frame without parts) the request has been
 * answered and freed, and done is not called.  False: the query could not
 * even be queued (the request has been answered).  Not MUST_CHECK, as
 * req_db_named(): the request is answered either way, so a handler whose last
 * statement this is may ignore it; one that goes on must check it.
 */
bool		 req_stream(struct request *, enum stmt, int n,
		    const char *const *p, const char *set,
		    const struct fieldset *fs, void (*done)(struct request *));
/* req_stream of a named statement, filled by name (stmt.h); one not
 * filled as declared is answered E_INTERNAL (logged), as req_db_named. */
bool		 req_stream_named(struct request *, const struct stmt_params *,
		    const char *set, const struct fieldset *fs,
		    void (*done)(struct request *));
/* Open the final result: a map of the sets gathered (none in parts mode)
 * plus nextra entries the caller packs next. */
msgpack_packer	*req_result_sets(struct request *, int nextra);
/* Whether the client asked for parts. */
bool		 req_parts(const struct request *) MUST_CHECK;
/* conn.c: the output of c drained (its write callback) ... */
void		 stream_drained(struct conn *);
/* ... or c was closed: a paused stream reads on, to its end. */
void		 stream_release(struct conn *);

#endif
