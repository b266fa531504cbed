/*
 * fields-goals.h: the reply objects and contexts of the goal hierarchy, as
 * fieldsets (row.h): each names the columns a statement of sql.c returns
 * and how they are packed; the JSON key is the column name.  A new field
 * of an object is a column in its statement and a line here.
 */
#ifndef CAIRN_FIELDS_GOALS_H
#define CAIRN_FIELDS_GOALS_H

#include "row.h"

/* The caller's relation to an objective, as sql-cols.h's OBJ_FACTS
 * returns it: every context of a change in an objective has them. */
#define OBJ_FACT_FIELDS							\
	{ "period_state", F_HIDDEN }, { "obj_owner", F_HIDDEN },	\
	{ "private_team", F_HIDDEN }, { "lead_here", F_HIDDEN },	\
	{ "lead_above", F_HIDDEN }, { "member_here", F_HIDDEN },	\
	{ "contributor", F_HIDDEN }



#endif
