/*
 * team.h: what the team entity (team.c) shows to the rest of cairnd: its
 * op table and its statements.  (Its reply object FS_TEAM is still
 * declared in fields-goals.h: see team.c.)
 */
#ifndef CAIRN_TEAM_H
#define CAIRN_TEAM_H

#include "op.h"
#include "sql.h"

extern const struct op		team_ops[];	/* ended by a NULL name */
extern const stmt_table		team_stmts;

#endif
