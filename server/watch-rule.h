/*
 * watch-rule.h: what a watcher may read and asked for (watch-rule.c).
 */
#ifndef CAIRN_WATCH_RULE_H
#define CAIRN_WATCH_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attr.h"
#include "events.h"
#include "roles.h"

#define WATCH_KINDS_MAX		16
#define WATCH_IDS_MAX		100000	/* teams or objectives cached */

/* A sorted set of ids. */
struct watch_ids {
	int64_t		*v;
	int		 n;
};

struct watch_rule {
	/* The reading rule's facts (sql/logic/event.sql, event_readable). */
	int64_t			 user_id;
	enum role		 role;
	struct watch_ids	 teams;		/* teams_readable() */
	struct watch_ids	 objs;		/* contributed to */
	/* The watcher's filters. */
	int64_t			 root;		/* --team: its id, or 0 */
	struct watch_ids	 subtree;	/* ... and the teams below */
	int64_t			 period_id;	/* --period, or 0 */
	bool			 mine;		/* --mine */
	int			 nkinds;
	char			 kinds[WATCH_KINDS_MAX][48];
};

/* "{1,2,3}" (sorted) into ids; false when malformed or over
 * WATCH_IDS_MAX. */
bool	 watch_ids_parse(struct watch_ids *, const char *) MUST_CHECK;
bool	 watch_ids_has(const struct watch_ids *, int64_t);
/* Whether the watcher reads e and asked for it. */
bool	 watch_rule_wants(const struct watch_rule *, const struct ev *);
/* Whether e may change what someone reads (then the facts are read
 * again before the events after it). */
bool	 watch_changes_facts(const struct ev *);
void	 watch_rule_clear(struct watch_rule *);
/* A kind as --kind takes it: [a-z_]+ with at most one inner '.'. */
bool	 watch_kind_valid(const char *, size_t) MUST_CHECK;

#endif
