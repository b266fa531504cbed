/*
 * feed.h: what the feed entity (feed.c) shows to the rest of cairnd: its
 * op table, its statements and its limits.  The schedule is feedrun.h.
 */
#ifndef CAIRN_FEED_H
#define CAIRN_FEED_H

#include "op.h"
#include "sql.h"

#define FEED_QUERY_MAX	4000		/* bytes of a feed's query */
#define FEED_EVERY_MIN	60		/* seconds: 1m */
#define FEED_EVERY_MAX	604800		/* seconds: 7d */

extern const struct op		feed_ops[];	/* ended by a NULL name */
extern const stmt_table		feed_stmts;

#endif
