/*
 * watch.h: event.watch, the watchers of one cairnd (watch.c).
 */
#ifndef CAIRN_WATCH_H
#define CAIRN_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "attr.h"
#include "op.h"
#include "server.h"
#include "sql.h"

struct events;

extern const struct op		watch_ops[];
extern const stmt_table		watch_stmts;

/* Serve events from ev to watchers (main.c, once). */
void	 watch_init(struct server *, struct events *ev);
/* End every watch (E_UNAVAILABLE with its seq): cairnd is stopping. */
void	 watch_stop(void);
/* The connection's session may have ended or its user changed (cache.c,
 * conns_session_stale): its watcher, if any, reads its session and facts
 * again, and ends with E_AUTH if the session is gone. */
void	 watch_recheck(struct conn *);
void	 watch_free(void);
/* Watchers open now (the metrics). */
int	 watch_count(void);
/* conn_close(): c's active request is a watch; it is answered (nowhere)
 * and freed.  False when it is not a watch. */
bool	 watch_release(struct conn *c) MUST_CHECK;
/* c's active request is a watch that has started (its first "watching"
 * frame sent): conn.c then refuses every other request on c at once
 * (docs/protocol.md, "Events").  Defined in watching.c until the watch
 * keeps its own flag. */
bool	 watch_is_watching(const struct conn *);
/* The request's watcher goes with it (request.watch_free). */
void	 watch_stream_free(void *);

#endif
