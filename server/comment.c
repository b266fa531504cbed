/*
 * comment.c: the comment entity (issue 16), in one place: comment.add,
 * comment.edit, comment.remove (changes, change.h), comment.get and
 * comment.list, with their statements by name.  Its database logic
 * (comment_thing, comment_readable, the mentions' trigger, the events'
 * describer event_of_comment, the inbox's functions) lives in
 * sql/logic/comment.sql; the rules are docs/rules.md "Comments".
 *
 * A comment is on a thing: an objective, a key result, a check-in or a
 * KPI ("on" and "thing" in the protocol).  Whoever may read the thing may
 * read its comments and write one; a thing the caller may not read is
 * answered as a missing one (E_NOT_FOUND), for every op, so that a
 * comment's id tells nothing of a private team.  The author alone edits
 * or removes a comment; both are kept in the audit log with the text
 * before.
 *
 * Each rule lives twice: the context's facts give the friendly answer
 * here (authz.c's read rule, the author), and every write re-checks the
 * read rule and the author in its own statement, so that a membership
 * ended meanwhile cannot slip a comment in; the table's CHECK holds the
 * text's bounds.
 */
#include <stdio.h>
#include <string.h>

#include "change.h"
#include "comment.h"
#include "idem.h"
#include "op.h"
#include "sql-cols.h"

/* A comment's text: 1 to COMMENT_TEXT_MAX characters (the table's CHECK),
 * at most 4 bytes each in UTF-8. */
#define COMMENT_TEXT_MAX	4000
#define COMMENT_TEXT_BYTES	(4 * COMMENT_TEXT_MAX)
/* comment.list: a page of at most this many (the largest page, 50 texts
 * of 16000 bytes, fits the default max_frame of 1 MiB). */
#define COMMENT_PAGE_MAX	50
#define COMMENT_PAGE_DEFAULT	50

/* What a comment may be on, and how each is named in a message. */
static const char *const kinds[] = { "objective", "kr", "checkin", "kpi",
	NULL };
static const char *const kind_names[] = { "objective", "key result",
	"check-in", "KPI" };

static const struct field comment_f[] = {
	{ "id", F_INT }, { "on", F_STR }, { "thing", F_INT },
	{ "author", F_STR }, { "text", F_STR }, { "at", F_STR },
	{ "edited_at", F_STR }, { "readable", F_HIDDEN },
};
static const struct fieldset FS_COMMENT = FIELDSET("comment", comment_f);

/* A change's reply: the same without readable (the writer may read). */
static const struct field comment_w_f[] = {
	{ "id", F_INT }, { "on", F_STR }, { "thing", F_INT },
	{ "author", F_STR }, { "text", F_STR }, { "at", F_STR },
	{ "edited_at", F_STR },
};
static const struct fieldset FS_COMMENT_W = FIELDSET("comment",
    comment_w_f);

static const struct field removed_f[] = { { "id", F_INT } };
static const struct fieldset FS_COMMENT_REMOVED = FIELDSET("comment",
    removed_f);

/* Contexts: the authz facts of the thing, read by the change path. */
static const struct field thing_ctx_f[] = {
	{ "private_team", F_HIDDEN }, { "lead_here", F_HIDDEN },
	{ "lead_above", F_HIDDEN }, { "member_here", F_HIDDEN },
	{ "contributor", F_HIDDEN },
};
static const struct fieldset FS_COMMENT_THING_CTX = FIELDSET("thing",
    thing_ctx_f);
static const struct field ctx_f[] = {
	{ "private_team", F_HIDDEN }, { "lead_here", F_HIDDEN },
	{ "lead_above", F_HIDDEN }, { "member_here", F_HIDDEN },
	{ "contributor", F_HIDDEN }, { "author", F_HIDDEN },
};
static const struct fieldset FS_COMMENT_CTX = FIELDSET("comment", ctx_f);

/* The kind and the id of what comment row a is on (a row of comments or
 * of a CTE over it). */
#define COMMENT_ON(a)							\
	" CASE WHEN " a ".objective_id IS NOT NULL THEN 'objective'"	\
	" WHEN " a ".kr_id IS NOT NULL THEN 'kr'"			\
	" WHEN " a ".checkin_id IS NOT NULL THEN 'checkin'"		\
	" ELSE 'kpi' END"
#define COMMENT_ON_ID(a)						\
	" coalesce(" a ".objective_id, " a ".kr_id, " a ".checkin_id, "	\
	a ".kpi_id)"
/* A comment as the protocol shows it, from comment row c and its author
 * u. */
#define COMMENT_COLS							\
	" c.id AS id," COMMENT_ON("c") " AS \"on\","			\
	COMMENT_ON_ID("c") " AS thing, u.login AS author, c.body AS text,"	\
	" cairn_time(c.created_at) AS at,"				\
	" cairn_time(c.edited_at) AS edited_at"
/* The authz facts of thing t for $caller. */
#define THING_FACTS							\
	" tm.private AS private_team, r.lead_here, r.lead_above,"	\
	" r.member_here, (t.objective_id IS NOT NULL AND EXISTS (SELECT 1"	\
	" FROM objective_contributors oc"				\
	" WHERE oc.objective_id = t.objective_id"			\
	" AND oc.user_id = $caller::bigint)) AS contributor"
#define THING_FACTS_FROM						\
	" JOIN teams tm ON tm.id = t.team_id"				\
	" CROSS JOIN LATERAL team_relation($caller::bigint, t.team_id) r"
/* What the audit log keeps of comment row a (comment_audit). */
#define COMMENT_AUDIT(a)						\
	"jsonb_build_object('id', " a ".id, 'on'," COMMENT_ON(a) ","	\
	" 'thing'," COMMENT_ON_ID(a) ", 'author_id', " a ".author_id,"	\
	" 'text', " a ".body, 'at', " a ".created_at,"			\
	" 'edited_at', " a ".edited_at)"
/* Comment c may still be read by $caller ($role): the write's own check
 * of the read rule. */
#define COMMENT_MAY_READ						\
	" comment_may_read($caller::bigint, $role::text," COMMENT_ON("c")	\
	"," COMMENT_ON_ID("c") ")"

const stmt_table comment_stmts = {
	/* key: the thing's id, kind its kind.  No row: no such thing. */
	[ST_COMMENT_THING_CTX] = { .name = "comment_thing_ctx",
	    .kind = STMT_READ, .params = "key caller kind",
	    .sql = "SELECT" THING_FACTS
	    " FROM comment_thing($kind::text, $key::bigint) t" THING_FACTS_FROM,
	    .returns = &FS_COMMENT_THING_CTX },

	/*
	 * No row: the thing is gone, or the caller may no longer read it.
	 * A key result's row (a check-in's too) is locked FOR SHARE and
	 * read again once a concurrent kr.remove has committed, so that no
	 * comment lands on a key result removed meanwhile (objectives and
	 * KPIs are archived, never removed, and keep taking comments).
	 */
	[ST_COMMENT_ADD] = { .name = "comment_add", .kind = STMT_WRITE,
	    .params = "caller role key kind text via idem_key idem_hash",
	    .sql = "WITH k AS (SELECT k.id FROM key_results k"
	    " WHERE $kind::text IN ('kr', 'checkin') AND NOT k.removed"
	    " AND k.id = CASE WHEN $kind = 'kr' THEN $key::bigint"
	    " ELSE (SELECT ci.kr_id FROM checkins ci"
	    " WHERE ci.id = $key::bigint) END FOR SHARE OF k),"
	    " t AS (SELECT 1 FROM comment_thing($kind::text,"
	    " $key::bigint) t WHERE comment_readable($caller::bigint,"
	    " $role::text, t.team_id, t.objective_id)"
	    " AND ($kind NOT IN ('kr', 'checkin') OR EXISTS (SELECT 1"
	    " FROM k))),"
	    " c AS (INSERT INTO comments (objective_id, kr_id, checkin_id,"
	    " kpi_id, author_id, body, via)"
	    " SELECT CASE WHEN $kind = 'objective' THEN $key::bigint END,"
	    " CASE WHEN $kind = 'kr' THEN $key::bigint END,"
	    " CASE WHEN $kind = 'checkin' THEN $key::bigint END,"
	    " CASE WHEN $kind = 'kpi' THEN $key::bigint END,"
	    " $caller::bigint, $text, $via FROM t RETURNING *),"
	    AUDIT_NAMED_VIA("comment.add", "comment", "c.id", "NULL",
	    COMMENT_AUDIT("c"), "c")
	    "," IDEM_NAMED("comment.add", "c.id", "c")
	    " SELECT" COMMENT_COLS " FROM c JOIN users u ON u.id = c.author_id",
	    .returns = &FS_COMMENT_W },

	[ST_COMMENT_GET] = { .name = "comment_get", .kind = STMT_READ,
	    .params = "id caller role",
	    .sql = "SELECT" COMMENT_COLS "," COMMENT_MAY_READ " AS readable"
	    " FROM comments c JOIN users u ON u.id = c.author_id"
	    " WHERE c.id = $id::bigint",
	    .returns = &FS_COMMENT },

	/* The comment's thing's facts, and whether the caller wrote it. */
	[ST_COMMENT_CTX] = { .name = "comment_ctx", .kind = STMT_READ,
	    .params = "key caller",
	    .sql = "SELECT" THING_FACTS ","
	    " c.author_id = $caller::bigint AS author FROM comments c"
	    " CROSS JOIN LATERAL comment_thing(" COMMENT_ON("c") ","
	    COMMENT_ON_ID("c") ") t" THING_FACTS_FROM
	    " WHERE c.id = $key::bigint",
	    .returns = &FS_COMMENT_CTX },

	/* No row: not the caller's, gone, or no longer readable. */
	[ST_COMMENT_EDIT] = { .name = "comment_edit", .kind = STMT_WRITE,
	    .params = "caller role key text via",
	    .sql = "WITH b AS (SELECT c.* FROM comments c"
	    " WHERE c.id = $key::bigint AND c.author_id = $caller::bigint"
	    " AND" COMMENT_MAY_READ " FOR UPDATE),"
	    " c AS (UPDATE comments x SET body = $text,"
	    " edited_at = clock_timestamp() FROM b WHERE x.id = b.id"
	    " RETURNING x.*),"
	    AUDIT_NAMED_VIA("comment.edit", "comment", "c.id",
	    "(SELECT " COMMENT_AUDIT("b") " FROM b)", COMMENT_AUDIT("c"), "c")
	    " SELECT" COMMENT_COLS " FROM c JOIN users u ON u.id = c.author_id",
	    .returns = &FS_COMMENT_W },

	[ST_COMMENT_REMOVE] = { .name = "comment_remove", .kind = STMT_WRITE,
	    .params = "caller role key via",
	    .sql = "WITH c AS (DELETE FROM comments c"
	    " WHERE c.id = $key::bigint AND c.author_id = $caller::bigint"
	    " AND" COMMENT_MAY_READ " RETURNING c.*),"
	    AUDIT_NAMED_VIA("comment.remove", "comment", "c.id",
	    COMMENT_AUDIT("c"), "NULL", "c")
	    " SELECT c.id FROM c",
	    .returns = &FS_COMMENT_REMOVED },

	/*
	 * The thread of thing id (kind): the last `limit` comments before
	 * comment `before` (NULL: the newest), oldest first.  Always one
	 * row at least, with readable; a row with a NULL id: none (or a
	 * thing the caller may not read, whose comments are not joined).
	 */
	[ST_COMMENT_LIST] = { .name = "comment_list", .kind = STMT_READ,
	    .params = "id caller role kind limit before",
	    .sql = "SELECT h.*, t.readable FROM (SELECT comment_may_read("
	    "$caller::bigint, $role::text, $kind::text, $id::bigint)"
	    " AS readable) t LEFT JOIN LATERAL (SELECT" COMMENT_COLS
	    " FROM comments c JOIN users u ON u.id = c.author_id"
	    " WHERE (($kind = 'objective' AND c.objective_id = $id::bigint)"
	    " OR ($kind = 'kr' AND c.kr_id = $id::bigint)"
	    " OR ($kind = 'checkin' AND c.checkin_id = $id::bigint)"
	    " OR ($kind = 'kpi' AND c.kpi_id = $id::bigint))"
	    " AND ($before::bigint IS NULL OR c.id < $before::bigint)"
	    " ORDER BY c.id DESC LIMIT $limit::integer) h ON t.readable"
	    " ORDER BY h.id",
	    .returns = &FS_COMMENT },
};

/* The ops' arguments. */
static const struct op_arg add_args[] = {
	A_STR("on", true, 1, 20), A_ID("thing", true),
	A_STR("text", true, 1, COMMENT_TEXT_BYTES), A_END
};
static const struct op_arg edit_args[] = {
	A_ID("id", true), A_STR("text", true, 1, COMMENT_TEXT_BYTES), A_END
};
static const struct op_arg id_args[] = {
	A_ID("id", true), A_END
};
static const struct op_arg list_args[] = {
	A_STR("on", true, 1, 20), A_ID("thing", true),
	A_INT("limit", false, 1, COMMENT_PAGE_MAX), A_ID("before", false),
	A_END
};

/* How kind (one of kinds) is named in a message. */
static const char *
kind_name(const char *kind)
{
	for (int i = 0; kinds[i] != NULL; i++)
		if (kind != NULL && strcmp(kinds[i], kind) == 0)
			return kind_names[i];
	return "thing";
}

/* The index of kind in kinds, or -1 (answered E_INVALID). */
static int
kind_index(struct request *req, const char *kind)
{
	if (!check_choice(req, "on", kind, kinds))
		return -1;
	for (int i = 0; kinds[i] != NULL; i++)
		if (strcmp(kinds[i], kind) == 0)
			return i;
	return -1;
}

/* The text's bounds in characters (mp_get_str checked it is UTF-8 and
 * its bytes); false after answering. */
static bool MUST_CHECK
text_valid(struct request *req, const char *text)
{
	size_t chars = 0;
	bool blank = true;

	for (const unsigned char *p = (const unsigned char *)text; *p != '\0';
	    p++) {
		if ((*p & 0xC0) != 0x80)
			chars++;
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' &&
		    *p != '\v' && *p != '\f')
			blank = false;
	}
	if (chars > COMMENT_TEXT_MAX) {
		req_fail(req, E_LIMIT, "text", "a comment is at most %d "
		    "characters (this one is %zu)", COMMENT_TEXT_MAX, chars);
		return false;
	}
	if (blank) {
		req_fail(req, E_INVALID, "text", "a comment's text may not be "
		    "blank");
		return false;
	}
	return true;
}

/* comment.add */

struct comment_new {
	const char	*kind;
	const char	*text;
};

static void
add_ctx_args(struct change *c, struct stmt_params *sp)
{
	sp_set(sp, "kind", ((struct comment_new *)c->arg)->kind);
}

static void
add_args_fill(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	struct comment_new *n = c->arg;

	sp_set(sp, "kind", n->kind);
	sp_set(sp, "text", n->text);
}

/* Gone or no longer readable between the context and the write. */
static void
add_empty(struct change *c)
{
	struct comment_new *n = c->arg;

	req_fail(c->req, E_NOT_FOUND, "thing", "no %s %s", kind_name(n->kind),
	    c->key);
}

/* One per kind, so that a missing thing is named as what it is.  The
 * permission to comment is the permission to read (ACT_READ). */
#define ADD_OP(w)							\
	{ .what = (w), .id_field = "thing", .ctx = ST_COMMENT_THING_CTX,	\
	    .ctx_args = add_ctx_args, .act = ACT_READ, .period = PR_NONE,	\
	    .write = ST_COMMENT_ADD, .args = add_args_fill,		\
	    .reply = &FS_COMMENT_W, .empty = add_empty,			\
	    .get = ST_COMMENT_GET, .keyed = true }
static const struct change_op add_ops[] = {
	ADD_OP("objective"), ADD_OP("key result"), ADD_OP("check-in"),
	ADD_OP("KPI"),
};

static void
op_comment_add(struct request *req)
{
	struct comment_new n = { 0 };
	struct change *c;
	struct idem idem;
	int64_t thing;
	int k;

	(void)op_str(req, "on", &n.kind);
	(void)op_int(req, "thing", &thing);
	(void)op_str(req, "text", &n.text);
	idem_read(req, &idem);
	if (!req_args_done(req) || (k = kind_index(req, n.kind)) < 0 ||
	    !text_valid(req, n.text))
		return;
	c = change_new(req, &add_ops[k], sizeof n);
	*(struct comment_new *)c->arg = n;
	c->idem = idem;
	change_run_id(c, thing);
}

/* comment.edit and comment.remove: the author's own. */

static bool
author_check(struct change *c, const PGresult *ctx)
{
	if (row_bool(ctx, 0, "author"))
		return true;
	req_fail(c->req, E_FORBIDDEN, NULL, "only its author may %s comment "
	    "%s", c->op->write == ST_COMMENT_EDIT ? "edit" : "remove", c->key);
	return false;
}

static void
no_longer(struct change *c)
{
	req_fail(c->req, E_NOT_FOUND, "id", "no comment %s", c->key);
}

static void
edit_args_fill(struct change *c, const PGresult *ctx, struct stmt_params *sp)
{
	sp_set(sp, "text", *(const char **)c->arg);
}

static const struct change_op edit_op = {
	.what = "comment", .id_field = "id", .ctx = ST_COMMENT_CTX,
	.act = ACT_READ, .period = PR_NONE, .check = author_check,
	.write = ST_COMMENT_EDIT, .args = edit_args_fill,
	.reply = &FS_COMMENT_W, .empty = no_longer,
};

static void
op_comment_edit(struct request *req)
{
	const char *text = NULL;
	struct change *c;
	int64_t id;

	(void)op_int(req, "id", &id);
	(void)op_str(req, "text", &text);
	if (!req_args_done(req) || !text_valid(req, text))
		return;
	c = change_new(req, &edit_op, sizeof text);
	*(const char **)c->arg = text;
	change_run_id(c, id);
}

static const struct change_op remove_op = {
	.what = "comment", .id_field = "id", .ctx = ST_COMMENT_CTX,
	.act = ACT_READ, .period = PR_NONE, .check = author_check,
	.write = ST_COMMENT_REMOVE, .reply = &FS_COMMENT_REMOVED,
	.empty = no_longer,
};

static void
op_comment_remove(struct request *req)
{
	int64_t id;

	(void)op_int(req, "id", &id);
	if (!req_args_done(req))
		return;
	change_run_id(change_new(req, &remove_op, 0), id);
}

/* comment.get */

static void
op_comment_get(struct request *req)
{
	get_by_id(req, &FS_COMMENT, ST_COMMENT_GET);
}

/* comment.list: a page of a thread, in one round trip with the read
 * rule. */

static void
on_list(void *arg, const PGresult *res)
{
	struct request *req = arg;

	if (!db_ok(res) || PQntuples(res) == 0 ||
	    !row_bool(res, 0, "readable")) {
		(void)read_found(req, res, kind_name(reader_arg(req, "kind")));
		return;
	}
	if (PQntuples(res) == 1 && row_null(res, 0, "id")) {
		msgpack_pack_array(req_result(req), 0);
		req_reply(req);
		return;
	}
	reply_list(req, res, &FS_COMMENT);
}

static void
op_comment_list(struct request *req)
{
	const char *kind = NULL;
	int64_t thing, limit = COMMENT_PAGE_DEFAULT, before = 0;
	bool has_before;
	struct reader *r;
	char lim[16], bef[24];

	(void)op_str(req, "on", &kind);
	(void)op_int(req, "thing", &thing);
	(void)op_int(req, "limit", &limit);
	has_before = op_int(req, "before", &before);
	if (!req_args_done(req) || kind_index(req, kind) < 0)
		return;
	r = reader_new(req, thing);
	r->field = "thing";
	snprintf(lim, sizeof lim, "%lld", (long long)limit);
	snprintf(bef, sizeof bef, "%lld", (long long)before);
	reader_set(r, "kind", kind);
	reader_set(r, "limit", lim);
	reader_set(r, "before", has_before ? bef : NULL);
	(void)reader_db(req, ST_COMMENT_LIST, on_list);
}

/* The ops, gathered by dispatch.c. */
const struct op comment_ops[] = {
	{ .name = "comment.add", .fn = op_comment_add,
	    .flags = OP_SESSION | OP_WRITE, .args = add_args },
	{ .name = "comment.edit", .fn = op_comment_edit,
	    .flags = OP_SESSION | OP_WRITE, .args = edit_args },
	{ .name = "comment.remove", .fn = op_comment_remove,
	    .flags = OP_SESSION | OP_WRITE, .args = id_args },
	{ .name = "comment.get", .fn = op_comment_get, .flags = OP_SESSION,
	    .args = id_args },
	{ .name = "comment.list", .fn = op_comment_list, .flags = OP_SESSION,
	    .args = list_args },
	{ .name = NULL }
};
