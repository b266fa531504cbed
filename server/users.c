/* users.c: see users.h. */
#include "fields-user.h"
#include "users.h"

bool
user_rowpack(struct request *req, struct rowpack *rp, const PGresult *res)
{
	if (rowpack_init(rp, &FS_USER, res))
		return true;
	/* db.c checks every statement's columns at prepare time. */
	req_fail(req, E_INTERNAL, NULL, "a user's columns are missing");
	return false;
}
