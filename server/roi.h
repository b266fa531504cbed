/*
 * roi.h: what the ROI entity (roi.c) shows to the rest of cairnd: its op
 * table and its statements.
 */
#ifndef CAIRN_ROI_H
#define CAIRN_ROI_H

#include "op.h"
#include "sql.h"

extern const struct op		roi_ops[];	/* ended by a NULL name */
extern const stmt_table		roi_stmts;

#endif
