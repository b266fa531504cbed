/*
 * team.h: what the team entity (team.c) shows to the rest of cairnd: its
 * op table, its statements and its reply object.
 */
#ifndef CAIRN_TEAM_H
#define CAIRN_TEAM_H

#include "op.h"
#include "row.h"
#include "sql.h"

extern const struct op		team_ops[];	/* ended by a NULL name */
extern const stmt_table		team_stmts;
extern const struct fieldset	FS_TEAM;	/* team.* replies */

#endif
