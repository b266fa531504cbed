/*
 * fields.h: what several entities' fieldsets share (each entity's reply
 * objects live in its own file): the caller's facts about an objective.
 */
#ifndef CAIRN_FIELDS_H
#define CAIRN_FIELDS_H

#include "fields-goals.h"

#endif
