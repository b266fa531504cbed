/*
 * fields-tiers.c: the fieldsets of fields-tiers.h.
 */
#include "fields-tiers.h"

