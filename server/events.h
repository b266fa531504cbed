/*
 * events.h: the event stream inside one cairnd (docs/protocol.md "Events").
 *
 * Changes write their events in their own transactions (sql/logic/
 * event.sql); this module makes them reach the watchers (watch.c):
 *
 *   - the sequencer: after a write of this cairnd commits (the request
 *     pool's committed hook, db.h), event_sequence() numbers the events
 *     committed so far and NOTIFYs cairn_events with the highest seq; one
 *     run at a time per cairnd, a poke during a run asks for one more, and
 *     a timer runs it each EVENTS_SWEEP_MS for events written outside any
 *     cairnd (psql, migrations); runs start at most each EVENTS_BATCH_MS,
 *     so that the changes of those milliseconds go out together;
 *   - one connection of its own, outside the request pool, LISTENs to
 *     cairn_events: every cairnd over the database hears every seq (its
 *     own included: one path for all), and reads the rows after the last
 *     one it has (events_after) into a ring of the latest EVENTS_RING;
 *   - each row is packed once, as the map a watcher's frame carries, and
 *     handed to the sink (watch.c) in seq order, a read's rows at once.
 *
 * Memory: the ring holds at most EVENTS_RING events of at most ~1.5 KiB
 * each (a summary is at most 1000 bytes), whatever the rate.
 */
#ifndef CAIRN_EVENTS_H
#define CAIRN_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "attr.h"
#include "db.h"
#include "sql.h"

#define EVENTS_RING	4096	/* events kept in memory */
#define EVENTS_PAGE	500	/* rows read at once */
#define EVENTS_SWEEP_MS	1000	/* sequencer run without a poke */
#define EVENTS_BATCH_MS	20	/* runs start at most this often */

/* Who may read an event (event_readable() in sql/logic/event.sql). */
enum ev_audience { EVA_ALL, EVA_TEAM, EVA_ADMIN, EVA_USER };

/* One event, as read back: the facts the reading rule and the filters
 * need, and the map a frame carries (packed, size bytes). */
struct ev {
	int64_t		 seq;
	enum ev_audience audience;
	int64_t		 team_id, period_id, objective_id, user_id;
	int64_t		 owner_id, actor_id;
	int64_t		 at_ms;		/* when written, Unix ms (0: unknown) */
	char		 kind[48];
	char		*packed;
	size_t		 size;
};

struct events;
extern const stmt_table	events_stmts;

/* Called with the new events of one read (at most EVENTS_PAGE), in seq
 * order, each once: handed together so that a watcher gets them in one
 * write.  The pointers are valid during the call only. */
typedef void events_sink(void *arg, const struct ev *const *, int n);

struct events	*events_new(struct event_base *, const char *conninfo,
		    int connect_timeout);
void		 events_free(struct events *);
void		 events_set_sink(struct events *, events_sink *, void *);
/* What the LISTEN connection tells the caches (cache.h), set once by
 * main.c (a hook, so that this file does not call the caches, which call
 * the connections, which call the watches, which call this file):
 * LISTEN cairn_cache confirmed, the connection lost, a notification. */
struct events_cache_hooks {
	void	(*listening)(void);
	void	(*lost)(void);
	void	(*notified)(const char *payload);
};
void		 events_set_cache_hooks(struct events *,
		    const struct events_cache_hooks *);
/* A write committed somewhere in this cairnd: sequence soon. */
void		 events_poke(struct events *);
/* Log the delays of the stages since the last report: the wait for the
 * batch, the sequencer's run, the read of the new rows (watch.c's tick,
 * beside its own). */
void		 events_report(struct events *);
/* The highest seq read so far (0: none yet). */
int64_t		 events_top(const struct events *);
/* Call fn for each event in the ring with after < seq <= upto, in order.
 * False when the ring does not reach back to after + 1 (read the table). */
bool		 events_replay(const struct events *, int64_t after,
		    int64_t upto, void (*fn)(void *, const struct ev *),
		    void *arg) MUST_CHECK;
/* Unpack a row of events_after (the columns of sql/logic/event.sql) into
 * e (e->packed malloc'd).  False when the row is malformed. */
bool		 ev_from_row(struct ev *, const PGresult *, int row)
		    MUST_CHECK;
void		 ev_clear(struct ev *);

#endif
