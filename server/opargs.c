/*
 * opargs.c: reading an op's arguments by its declared schema (op.h).  The
 * checks themselves are mpack.c's typed getters; this file only takes
 * their bounds from the op's table, so that a handler never writes one.
 */
#include <string.h>

#include "log.h"
#include "op.h"

/* The schema entry of name, of type t; NULL (failed, logged) if none. */
static const struct op_arg *
schema(struct request *req, const char *name, enum arg_type t)
{
	const struct op_arg *a = req->op != NULL ? req->op->args : NULL;

	for (; a != NULL && a->name != NULL; a++)
		if (strcmp(a->name, name) == 0 && a->type == t)
			return a;
	log_req(LOG_LVL_WARN, req, "argument %s is not in the op's schema",
	    name);
	mp_reader_fail(&req->args, E_INTERNAL, name, "internal error");
	return NULL;
}

bool
op_int(struct request *req, const char *name, int64_t *out)
{
	const struct op_arg *a = schema(req, name, ARG_INT);

	return a != NULL && mp_get_int(&req->args, name, a->required ?
	    MP_REQUIRED : MP_OPTIONAL, a->min, a->max, out);
}

bool
op_num(struct request *req, const char *name, double *out)
{
	const struct op_arg *a = schema(req, name, ARG_NUM);

	return a != NULL && mp_get_double(&req->args, name, a->required ?
	    MP_REQUIRED : MP_OPTIONAL, a->dmin, a->dmax, out);
}

bool
op_str(struct request *req, const char *name, const char **out)
{
	const struct op_arg *a = schema(req, name, ARG_STR);

	return a != NULL && mp_get_str(&req->args, name, a->required ?
	    MP_REQUIRED : MP_OPTIONAL, (size_t)a->min, (size_t)a->max, out);
}

bool
op_bool(struct request *req, const char *name, bool *out)
{
	const struct op_arg *a = schema(req, name, ARG_BOOL);

	return a != NULL && mp_get_bool(&req->args, name, a->required ?
	    MP_REQUIRED : MP_OPTIONAL, out);
}
