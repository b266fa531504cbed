/*
 * watch-int.h: what watch.c (the watchers, their facts, the op) and
 * watch-frame.c (their frames and writes, and the delays logged) share.
 */
#ifndef CAIRN_WATCH_INT_H
#define CAIRN_WATCH_INT_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "events.h"
#include "server.h"
#include "watch-rule.h"

#define WATCH_OUT_LOW		(64 * 1024)
#define WATCH_DIRECT_MAX	16384	/* see watch_frames_send */

struct watcher {
	TAILQ_ENTRY(watcher)	 entry;
	struct watch		*wt;
	struct request		*req;
	struct watch_rule	 r;		/* who reads what, and asks */
	int64_t			 last;		/* last seq considered */
	int64_t			 sent;		/* last seq sent */
	bool			 live;		/* else catching up */
	bool			 paging;	/* a page is being read */
	bool			 stale;		/* facts to read again */
	uint64_t		 last_frame_ms;
	char			 after[24], lim[8];
	char			 caller[24];	/* the ctx's parameters */
	char			 team[65], period[65];
	bool			 has_team, has_period, has_since;
};
TAILQ_HEAD(watcherq, watcher);

struct watch {
	struct server		*srv;
	struct events		*ev;
	struct watcherq		 list;
	int			 n;
	struct event		*tick;
	/* Delivery (on_deliver): live watchers are brought to `target`, a
	 * slice of WATCH_SLICE at a time, from `cursor` on. */
	struct event		*deliver;
	struct watcher		*cursor;	/* next in this sweep */
	bool			 sweeping, again;
	int64_t			 target;	/* deliver up to this seq */
	int64_t			 swept;		/* the last sweep's target */
	int64_t			 facts_at;	/* stop there: facts change */
	uint64_t		 sweep_ms;	/* when this sweep began */
	bool			 refreshing;
	struct watcher		**snap;		/* the refresh's watchers */
	int			 nsnap;
	/* The refresh's parameters, one array each, in wa_names' order:
	 * users, roots (0: no --team), sessions and tokens (0: none). */
	char			*arrays[4];
};

/* The frames of one watcher's write are built here (one per cairnd). */
extern msgpack_sbuffer	 watch_batch;
/* watch_replay_one left events out: the write was full. */
extern bool		 watch_replay_held;

/* Bytes queued on w's connection. */
size_t	watch_out_len(const struct watcher *);
/* Send buf's frames on w's connection in one write (direct: written at
 * once when nothing is queued). */
void	watch_frames_send(struct watcher *, const msgpack_sbuffer *, bool direct);
/* A "watching" frame {"seq": w->last}, through the output buffer. */
void	watch_watching_frame(struct watcher *);
/* Event e's frame appended to buf when w may read it and asked for it. */
bool	watch_consider(struct watcher *, const struct ev *, msgpack_sbuffer *);
/* events_replay()'s callbacks: into watch_batch (at most WATCH_OUT_LOW),
 * and the delay of each event of a finished sweep. */
void	watch_replay_one(void *, const struct ev *);
void	watch_note_one(void *, const struct ev *);
/* A sweep took ms; the tick's report of the delays (and events.c's). */
void	watch_sweep_noted(uint64_t ms);
void	watch_delay_report(struct watch *);

#endif
