/*
 * fields-admin.c: the columns of the admin statements not yet in their
 * entity's file (fields-admin.h).
 */
#include "fields-admin.h"

