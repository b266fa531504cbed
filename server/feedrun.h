/*
 * feedrun.h: the feeds' schedule (feedrun.c): every cairnd runs one; the
 * database's leases make each feed's slot run once among them all.
 */
#ifndef CAIRN_FEEDRUN_H
#define CAIRN_FEEDRUN_H

#include <stdbool.h>

#include "sql.h"

struct server;
struct feedrun;

extern const stmt_table		feedrun_stmts;

struct feedrun	*feedrun_start(struct server *);
/* Drop the runs in flight (their leases run out); free once the last
 * statement returns. */
void		 feedrun_stop(struct feedrun *);
/* Statements of the runner are in flight (the shutdown waits for them). */
bool		 feedrun_busy(const struct feedrun *);

#endif
