/*
 * inbox.c: inbox.get and inbox.seen, the ops behind `cairn inbox`: one
 * list of what needs the caller (sql/logic/inbox.sql's inbox_items: due
 * check-ins, readings and grades, sign-offs to give, objectives sent back,
 * mentions not yet seen), and marking mentions seen.
 */
#include <stdio.h>
#include <string.h>

#include "inbox.h"
#include "op.h"
#include "row.h"
#include "sql.h"
#include "stmt.h"
#include "stream.h"

static const struct field item_f[] = {
	{ "kind", F_STR }, { "id", F_INT }, { "team", F_STR },
	{ "period", F_STR }, { "title", F_STR }, { "at", F_STR },
	{ "message", F_STR },
};
static const struct fieldset FS_INBOX = FIELDSET("inbox item", item_f);

static const struct field seen_f[] = { { "seen", F_INT } };
static const struct fieldset FS_SEEN = FIELDSET("mentions seen", seen_f);

#define INBOX_MAX	1000	/* items in one answer */

const stmt_table inbox_stmts = {
	[ST_INBOX] = { .name = "inbox", .kind = STMT_READ,
	    .params = "caller",
	    .sql = "SELECT kind, id, team, period, title, at, message"
	    " FROM inbox_items($caller::bigint) LIMIT 1000",
	    .returns = &FS_INBOX },
	/* ids: '{1,2}', or NULL for all of the caller's mentions. */
	[ST_INBOX_SEEN] = { .name = "inbox_seen", .kind = STMT_WRITE,
	    .params = "caller ids",
	    .sql = "SELECT comment_mentions_seen($caller::bigint,"
	    " $ids::bigint[]) AS seen",
	    .returns = &FS_SEEN },
};

static const struct op_arg get_args[] = { A_END };
static const struct op_arg seen_args[] = {
	A_ID("id", false), A_BOOL("all", false), A_END
};

static void
on_items(struct request *req)
{
	msgpack_packer *pk = req_result_sets(req, 0);

	(void)pk;
	req_reply(req);
}

static void
op_inbox_get(struct request *req)
{
	struct stmt_params sp;
	char caller[24];

	if (!req_args_done(req))
		return;
	snprintf(caller, sizeof caller, "%lld",
	    (long long)req->conn->sess.user_id);
	stmt_params_init(&sp, ST_INBOX);
	sp_set(&sp, "caller", caller);
	(void)req_stream_named(req, &sp, "items", &FS_INBOX, on_items);
}

static void
on_seen(void *arg, const PGresult *res)
{
	struct request *req = arg;
	msgpack_packer *pk;

	if (!db_ok(res) || PQntuples(res) != 1) {
		req_fail_db(req, res);
		return;
	}
	pk = req_result(req);
	msgpack_pack_map(pk, 1);
	mp_kv_int(pk, "seen", row_int(res, 0, "seen"));
	req_reply(req);
}

static void
op_inbox_seen(struct request *req)
{
	struct stmt_params sp;
	char caller[24], ids[32];
	int64_t id = 0;
	bool all = false, has_id;

	has_id = op_int(req, "id", &id);
	(void)op_bool(req, "all", &all);
	if (!req_args_done(req))
		return;
	if (has_id == all) {
		req_fail(req, E_INVALID, "id", "give a mention's id or all");
		return;
	}
	/* The pool copies the parameters as the query is queued. */
	snprintf(caller, sizeof caller, "%lld",
	    (long long)req->conn->sess.user_id);
	snprintf(ids, sizeof ids, "{%lld}", (long long)id);
	stmt_params_init(&sp, ST_INBOX_SEEN);
	sp_set(&sp, "caller", caller);
	sp_set(&sp, "ids", all ? NULL : ids);
	(void)req_db_named(req, &sp, on_seen);
}

const struct op inbox_ops[] = {
	{ .name = "inbox.get", .fn = op_inbox_get, .flags = OP_SESSION,
	    .args = get_args },
	{ .name = "inbox.seen", .fn = op_inbox_seen,
	    .flags = OP_SESSION | OP_WRITE, .args = seen_args },
	{ .name = NULL }
};
