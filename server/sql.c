/*
 * sql.c: the statement table.  Multi-row changes that must be atomic are
 * single statements with data-modifying CTEs, so that no transaction is ever
 * left open across event-loop turns.
 */
#include "fields.h"
#include "sql.h"

#define USER_COLS(u)							\
	u "id, " u "login, " u "name, " u "role, " u "enabled, "	\
	"to_char(" u "created_at AT TIME ZONE 'UTC', "			\
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS created"

/* A team (FS_TEAM), from teams t. */
#define TEAM_COLS(t)							\
	t "id AS id, " t "slug AS slug, " t "name AS name,"		\
	" (SELECT x.slug FROM teams x WHERE x.id = " t "parent_id)"	\
	" AS parent, " t "private AS private, " t "framework AS framework"

/* A period (FS_PERIOD). */
#define PERIOD_COLS							\
	"id, name, to_char(start_date, 'YYYY-MM-DD') AS start,"		\
	" to_char(end_date, 'YYYY-MM-DD') AS \"end\", state"

/* An objective's guardrails (sql/008), given the array of their KPI
 * ids: a statement that guards or unguards passes the set it leaves. */
#define GUARD_COLS(ids)							\
	" guardrails_json(" ids ") AS guardrails,"			\
	" guardrail_breach(" ids ") AS guardrail_breach"

/*
 * An objective (FS_OBJECTIVE), from a row o of objectives: the stored row
 * or the one an INSERT or UPDATE returned, so that a write answers with
 * the objective as it left it (progress from o.rollup, not from the row
 * before the statement: sql/006).
 */
#define OBJ_COLS_G(ids)							\
	"o.id AS id, (SELECT slug FROM teams WHERE id = o.team_id) AS team,"	\
	" (SELECT name FROM periods WHERE id = o.period_id) AS period,"	\
	" o.title AS title, o.description AS description,"		\
	" (SELECT login FROM users WHERE id = o.owner_id) AS owner,"	\
	" o.type AS type, o.parent_id AS parent, o.weight AS weight,"	\
	" o.rollup AS rollup,"						\
	" objective_progress_as(o.id, o.rollup) AS progress,"		\
	" o.version AS version, o.archived AS archived,"		\
	GUARD_COLS(ids)
#define OBJ_COLS	OBJ_COLS_G("objective_guardrail_ids(o.id)")

/*
 * A key result (FS_KR), from a row k of key_results, with its current
 * value, confidence and version given (a check-in answers with the values
 * its trigger sets, which this statement cannot read back).
 */
#define KR_COLS_WITH(cur, conf, ver)					\
	"k.id AS id, k.objective_id AS objective, k.title AS title,"	\
	" k.type AS type, k.start_value AS start, k.target AS target,"	\
	" " cur " AS current, k.unit AS unit, k.weight AS weight,"	\
	" (SELECT login FROM users WHERE id = k.owner_id) AS owner,"	\
	" kr_progress(k.type, k.start_value, k.target, " cur ")"	\
	" AS progress,"							\
	" kr_attainment(k.type, k.start_value, k.target, " cur ")"	\
	" AS attainment, " conf " AS confidence, " ver " AS version,"	\
	" k.kpi_id AS kpi"
#define KR_COLS	KR_COLS_WITH("k.current", "k.confidence", "k.version")

/*
 * The caller's relation to objective o (columns named as change.c reads
 * them), from objectives o joined to teams t, periods p and
 * team_relation r; caller is the parameter holding the caller's id.
 */
#define OBJ_FACTS(caller)						\
	" p.state AS period_state, o.owner_id = " caller " AS obj_owner,"	\
	" t.private AS private_team, r.lead_here, r.lead_above,"	\
	" r.member_here, EXISTS (SELECT 1 FROM objective_contributors c"	\
	" WHERE c.objective_id = o.id AND c.user_id = " caller ")"	\
	" AS contributor"
#define OBJ_FACTS_FROM(caller)						\
	" FROM objectives o JOIN teams t ON t.id = o.team_id"		\
	" JOIN periods p ON p.id = o.period_id,"			\
	" team_relation(" caller ", o.team_id) r"

/* Every change writes its audit entry in the same statement: $1 is always
 * the caller. */
#define AUDIT(op, type, idexpr, before, after, from)			\
	AUDIT_BY("$1", op, type, idexpr, before, after, from)
#define AUDIT_BY(caller, op, type, idexpr, before, after, from)		\
	" a AS (INSERT INTO audit_log (user_id, op, entity_type,"	\
	" entity_id, before, after) SELECT " caller "::bigint, '" op	\
	"', '" type "', " idexpr ", " before ", " after " FROM " from ")"

/*
 * The idempotency key of a write that creates something, in the same
 * statement as the entity and its audit entry, so that the key exists
 * exactly when the write committed (see server/idem.c): k and h are the
 * parameters holding the key (NULL: none) and the hex SHA-256 of the op
 * and its arguments, idexpr the id a retry's reply reads.  Each such write
 * also deletes up to 16 of the oldest keys older than IDEM_KEEP (of any
 * user, skipping rows another transaction holds), so that the table holds
 * about IDEM_KEEP of keys at any time without a sweeper.
 */
#define IDEM_KEEP	"24 hours"
#define IDEM(op, k, h, idexpr, from)					\
	" i AS (INSERT INTO idempotency_keys (user_id, key, op,"	\
	" args_hash, result_id) SELECT $1::bigint, " k "::text, '" op	\
	"', decode(" h "::text, 'hex'), " idexpr " FROM " from		\
	" WHERE " k "::text IS NOT NULL),"				\
	" x AS (DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid"	\
	" FROM idempotency_keys WHERE created_at < now() - interval '"	\
	IDEM_KEEP "' ORDER BY created_at LIMIT 16"			\
	" FOR UPDATE SKIP LOCKED))"

/*
 * A KPI's reply columns, from a row k of kpis or of a write's RETURNING:
 * health and staleness are computed from k's own columns (the readings
 * are not what the write changes), so a write answers with its new
 * definition, not the snapshot from before the statement.
 */
#define KPI_TIME(x)							\
	"to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define KPI_LATEST_FIRST	"ORDER BY r.at DESC, r.id DESC"
#define KPI_COLS							\
	"k.id AS id, (SELECT slug FROM teams WHERE id = k.team_id) AS team,"	\
	" k.name AS name, k.description AS description, k.unit AS unit,"	\
	" k.direction AS direction, k.green AS green, k.amber AS amber,"	\
	" k.green_high AS green_high, k.amber_high AS amber_high,"	\
	" k.frequency AS frequency,"					\
	" (SELECT login FROM users WHERE id = k.owner_id) AS owner,"	\
	" k.breach_after AS breach_after, k.archived AS archived,"	\
	" k.version AS version,"					\
	" (SELECT json_build_object('value', r.value, 'at', "		\
	KPI_TIME("r.at") ") FROM kpi_readings r WHERE r.kpi_id = k.id "	\
	KPI_LATEST_FIRST " LIMIT 1) AS latest,"				\
	" kpi_health_of(k.id, k.direction, k.green, k.amber, k.green_high,"	\
	" k.amber_high, k.breach_after) AS health,"			\
	" kpi_stale_of(k.id, k.frequency) AS stale,"			\
	" (SELECT coalesce(json_agg(s.value ORDER BY s.at, s.id), '[]')"	\
	" FROM (SELECT r.value, r.at, r.id FROM kpi_readings r"		\
	" WHERE r.kpi_id = k.id " KPI_LATEST_FIRST " LIMIT 12) s) AS recent"
/* The facts of the caller (caller) about KPI k of team t (change.c's
 * column names). */
#define KPI_FACTS(caller)						\
	" t.private AS private_team, r.lead_here, r.lead_above,"	\
	" r.member_here, k.owner_id = " caller " AS kpi_owner"
#define KPI_FACTS_FROM(caller)						\
	" FROM kpis k JOIN teams t ON t.id = k.team_id,"		\
	" team_relation(" caller ", k.team_id) r"

/* A user row for the audit log: never the password hash. */
#define USER_JSON(u)	"(to_jsonb(" u ") - 'password_hash')"

/* The caller's relation to team t (row.h facts), from teams t. */
#define TEAM_FACTS(caller)						\
	" t.private AS private_team, r.lead_here AS lead_here,"		\
	" r.lead_above AS lead_above, r.member_here AS member_here"	\
	" FROM teams t, team_relation(" caller "::bigint, t.id) r"

/* An assessment, from the row n. */
#define ASSESSMENT_COLS							\
	"n.id AS id, (SELECT slug FROM teams WHERE id = n.team_id)"	\
	" AS team, (SELECT login FROM users WHERE id = n.author_id)"	\
	" AS author, to_char(n.at AT TIME ZONE 'UTC',"			\
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS at,"			\
	" n.answers AS answers, n.okr_index AS okr_index,"		\
	" n.kpi_index AS kpi_index, n.recommendation AS recommendation,"	\
	" n.drivers AS drivers, n.unanswered AS unanswered,"		\
	" n.weights AS weights, n.applied AS applied"

const struct stmt_def stmts[ST_MAX] = {
	[ST_AUTH_BY_LOGIN] = { "auth_by_login", STMT_READ,
	    "SELECT id, password_hash, enabled FROM users WHERE login = $1",
	    &FS_AUTH },

	/* $1 user id, $2 token hash (hex), $3 lifetime in seconds */
	[ST_SESSION_CREATE] = { "session_create", STMT_WRITE,
	    "WITH s AS (INSERT INTO sessions (user_id, token_hash, expires_at)"
	    " VALUES ($1, decode($2, 'hex'), now() + make_interval(secs => $3))"
	    " RETURNING id, user_id, expires_at)"
	    " SELECT s.id AS sid, extract(epoch FROM s.expires_at)::bigint"
	    " AS expires, " USER_COLS("u.")
	    " FROM s JOIN users u ON u.id = s.user_id", &FS_SESSION },

	/* $1 token hash (hex), $2 idle limit in seconds.  Touches last_seen
	 * at most once a minute to keep the write rate low. */
	[ST_SESSION_CHECK] = { "session_check", STMT_WRITE,
	    "WITH s AS (SELECT s.id AS sid, s.user_id, s.expires_at,"
	    " s.last_seen FROM sessions s JOIN users u ON u.id = s.user_id"
	    " WHERE s.token_hash = decode($1, 'hex') AND s.revoked_at IS NULL"
	    " AND s.expires_at > now() AND u.enabled"
	    " AND s.last_seen > now() - make_interval(secs => $2)),"
	    " t AS (UPDATE sessions SET last_seen = now() FROM s"
	    " WHERE sessions.id = s.sid AND s.last_seen < now() - interval '60s')"
	    " SELECT s.sid, extract(epoch FROM s.expires_at)::bigint"
	    " AS expires, " USER_COLS("u.")
	    " FROM s JOIN users u ON u.id = s.user_id", &FS_SESSION },

	[ST_SESSION_REVOKE] = { "session_revoke", STMT_WRITE,
	    "UPDATE sessions SET revoked_at = now()"
	    " WHERE id = $1 AND revoked_at IS NULL" },

	[ST_USER_GET] = { "user_get", STMT_READ,
	    "SELECT " USER_COLS("") " FROM users WHERE login = $1",
	    &FS_USER },

	[ST_USER_LIST] = { "user_list", STMT_READ,
	    "SELECT " USER_COLS("") " FROM users ORDER BY login", &FS_USER },

	/* $5 caller (NULL for --init-admin). */
	[ST_USER_CREATE] = { "user_create", STMT_WRITE,
	    "WITH u AS (INSERT INTO users (login, name, role, password_hash)"
	    " VALUES ($1, $2, $3, $4) RETURNING *),"
	    AUDIT_BY("$5", "user.create", "user", "u.id", "NULL",
	    USER_JSON("u"), "u")
	    " SELECT " USER_COLS("u.") " FROM u", &FS_USER },

	/* The target's role and state and how many other enabled admins
	 * remain: the friendly check before user.last_admin's trigger. */
	[ST_USER_ADMIN_STATE] = { "user_admin_state", STMT_READ,
	    "SELECT u.role, u.enabled, (SELECT count(*) FROM users o"
	    " WHERE o.role = 'admin' AND o.enabled AND o.id <> u.id)"
	    " AS other_admins FROM users u WHERE u.login = $1",
	    &FS_USER_ADMIN },

	/* $3 caller. */
	[ST_USER_SET_ROLE] = { "user_set_role", STMT_WRITE,
	    "WITH b AS (SELECT " USER_JSON("x") " j FROM users x"
	    " WHERE login = $1),"
	    " u AS (UPDATE users SET role = $2, updated_at = now()"
	    " WHERE login = $1 RETURNING *),"
	    AUDIT_BY("$3", "user.set_role", "user", "u.id", "(SELECT j FROM b)",
	    USER_JSON("u"), "u")
	    " SELECT " USER_COLS("u.") " FROM u", &FS_USER },

	/* Disabling revokes every session of the user in the same
	 * statement. */
	[ST_USER_DISABLE] = { "user_disable", STMT_WRITE,
	    "WITH u AS (UPDATE users SET enabled = false, updated_at = now()"
	    " WHERE login = $1 RETURNING *),"
	    " s AS (UPDATE sessions SET revoked_at = now() WHERE user_id IN"
	    " (SELECT id FROM u) AND revoked_at IS NULL),"
	    AUDIT_BY("$2", "user.disable", "user", "u.id", "NULL",
	    USER_JSON("u"), "u")
	    " SELECT " USER_COLS("") " FROM u", &FS_USER },

	[ST_USER_ENABLE] = { "user_enable", STMT_WRITE,
	    "WITH u AS (UPDATE users SET enabled = true, updated_at = now()"
	    " WHERE login = $1 RETURNING *),"
	    AUDIT_BY("$2", "user.enable", "user", "u.id", "NULL",
	    USER_JSON("u"), "u")
	    " SELECT " USER_COLS("") " FROM u", &FS_USER },

	[ST_USER_PW_BY_LOGIN] = { "user_pw_by_login", STMT_READ,
	    "SELECT id, password_hash FROM users WHERE login = $1",
	    &FS_USER_PW },

	/* $1 user id, $2 new hash, $3 session to keep (or NULL): the other
	 * sessions of the user are revoked. */
	[ST_USER_SET_PASSWORD] = { "user_set_password", STMT_WRITE,
	    "WITH u AS (UPDATE users SET password_hash = $2, updated_at = now()"
	    " WHERE id = $1 RETURNING id),"
	    " s AS (UPDATE sessions SET revoked_at = now() WHERE user_id IN"
	    " (SELECT id FROM u) AND revoked_at IS NULL"
	    " AND id IS DISTINCT FROM $3::bigint),"
	    AUDIT_BY("$4", "user.set_password", "user", "u.id", "NULL",
	    "NULL", "u")
	    " SELECT id FROM u", &FS_USER_ID },

	/* Teams. */

	/* $1 slug, $2 caller: the team and the caller's relation to it. */
	[ST_TEAM_CTX] = { "team_ctx", STMT_READ,
	    "SELECT t.id, t.private AS private_team, r.lead_here, r.lead_above,"
	    " r.member_here FROM teams t, team_relation($2, t.id) r"
	    " WHERE t.slug = $1", &FS_TEAM_CTX },

	/* $1 team slug (NULL: a new team), $2 parent slug (NULL: none):
	 * does the team exist, is it the root, does the parent exist, is
	 * there a root already, would the move make a cycle, which
	 * objectives would it misalign. */
	[ST_TEAM_TREE_CHECK] = { "team_tree_check", STMT_READ,
	    "SELECT t.id IS NOT NULL AS team_found,"
	    " t.parent_id IS NULL AND t.id IS NOT NULL AS is_root,"
	    " p.id IS NOT NULL AS parent_found,"
	    " EXISTS (SELECT 1 FROM teams WHERE parent_id IS NULL)"
	    " AS root_exists,"
	    " t.id IS NOT NULL AND p.id IS NOT NULL AND EXISTS (SELECT 1"
	    " FROM team_ancestors(p.id) a WHERE a.id = t.id) AS cycle,"
	    /* alignment.team: the objectives the move would leave aligned
	     * outside their team line (the first 20, and how many). */
	    " (SELECT string_agg(x::text, ', ' ORDER BY x) FROM (SELECT x"
	    " FROM team_move_misaligned(t.id, p.id) x LIMIT 20) m)"
	    " AS misaligned,"
	    " (SELECT count(*) FROM team_move_misaligned(t.id, p.id))"
	    " AS nmisaligned FROM (SELECT 1) d LEFT JOIN teams t ON t.slug = $1"
	    " LEFT JOIN teams p ON p.slug = $2", &FS_TEAM_TREE },

	[ST_TEAM_REMOVE_CHECK] = { "team_remove_check", STMT_READ,
	    "SELECT EXISTS (SELECT 1 FROM team_members WHERE team_id = t.id)"
	    " OR EXISTS (SELECT 1 FROM teams c WHERE c.parent_id = t.id)"
	    " OR EXISTS (SELECT 1 FROM objectives o WHERE o.team_id = t.id)"
	    " OR EXISTS (SELECT 1 FROM kpis k WHERE k.team_id = t.id)"
	    " OR EXISTS (SELECT 1 FROM assessments a WHERE a.team_id = t.id)"
	    " AS not_empty FROM teams t WHERE t.slug = $1", &FS_TEAM_EMPTY },

	/* $2 slug, $3 name, $4 parent slug or NULL, $5 private.  No row:
	 * the parent does not exist. */
	[ST_TEAM_CREATE] = { "team_create", STMT_WRITE,
	    "WITH p AS (SELECT id FROM teams WHERE slug = $4),"
	    " t AS (INSERT INTO teams (slug, name, parent_id, private)"
	    " SELECT $2, $3, (SELECT id FROM p), $5::boolean"
	    " WHERE $4::text IS NULL OR EXISTS (SELECT 1 FROM p)"
	    " RETURNING *),"
	    AUDIT("team.create", "team", "t.id", "NULL", "to_jsonb(t)", "t")
	    " SELECT t.id, t.slug, t.name, $4::text AS parent, t.private,"
	    " t.framework AS framework FROM t",
	    &FS_TEAM },

	/* Parents before children: ordered by the path from the root. */
	[ST_TEAM_LIST] = { "team_list", STMT_WRITE,
	    "WITH RECURSIVE tr (id, path) AS (SELECT id, ARRAY[slug]"
	    " FROM teams WHERE parent_id IS NULL UNION ALL"
	    " SELECT c.id, tr.path || c.slug FROM teams c"
	    " JOIN tr ON c.parent_id = tr.id)"
	    " SELECT " TEAM_COLS("t.") " FROM tr JOIN teams t ON t.id = tr.id"
	    " ORDER BY tr.path", &FS_TEAM },

	[ST_TEAM_GET] = { "team_get", STMT_READ,
	    "SELECT " TEAM_COLS("t.") ", (SELECT coalesce(json_agg(c.slug"
	    " ORDER BY c.slug), '[]') FROM teams c WHERE c.parent_id = t.id)"
	    " AS children FROM teams t WHERE t.slug = $1", &FS_TEAM_GET },

	[ST_TEAM_MEMBERS] = { "team_members", STMT_READ,
	    "SELECT u.login, u.name, m.role FROM team_members m"
	    " JOIN users u ON u.id = m.user_id JOIN teams t ON t.id = m.team_id"
	    " WHERE t.slug = $1 ORDER BY u.login", &FS_MEMBER },

	/* $2 slug, $3 new parent slug.  No row: the parent does not exist. */
	[ST_TEAM_MOVE] = { "team_move", STMT_WRITE,
	    "WITH p AS (SELECT id FROM teams WHERE slug = $3),"
	    " o AS (SELECT to_jsonb(x) j FROM teams x WHERE slug = $2),"
	    " t AS (UPDATE teams SET parent_id = (SELECT id FROM p)"
	    " WHERE slug = $2 AND EXISTS (SELECT 1 FROM p) RETURNING *),"
	    AUDIT("team.move", "team", "t.id", "(SELECT j FROM o)",
	    "to_jsonb(t)", "t")
	    " SELECT t.id, t.slug, t.name, $3::text AS parent, t.private,"
	    " t.framework AS framework FROM t",
	    &FS_TEAM },

	[ST_TEAM_RENAME] = { "team_rename", STMT_WRITE,
	    "WITH o AS (SELECT to_jsonb(x) j FROM teams x WHERE slug = $2),"
	    " t AS (UPDATE teams SET name = $3 WHERE slug = $2 RETURNING *),"
	    AUDIT("team.rename", "team", "t.id", "(SELECT j FROM o)",
	    "to_jsonb(t)", "t")
	    " SELECT " TEAM_COLS("t.") " FROM t", &FS_TEAM },

	[ST_TEAM_REMOVE] = { "team_remove", STMT_WRITE,
	    "WITH t AS (DELETE FROM teams WHERE slug = $2 RETURNING *),"
	    AUDIT("team.remove", "team", "t.id", "to_jsonb(t)", "NULL", "t")
	    " SELECT id FROM t" },

	/* $2 team id, $3 login, $4 role.  No row: no such user. */
	[ST_TEAM_MEMBER_SET] = { "team_member_set", STMT_WRITE,
	    "WITH u AS (SELECT id FROM users WHERE login = $3),"
	    " m AS (INSERT INTO team_members (team_id, user_id, role)"
	    " SELECT $2, u.id, $4 FROM u ON CONFLICT (team_id, user_id)"
	    " DO UPDATE SET role = EXCLUDED.role RETURNING *),"
	    AUDIT("team.add_member", "team", "m.team_id", "NULL",
	    "to_jsonb(m)", "m")
	    " SELECT user_id FROM m" },

	/* $2 team id, $3 login.  No row: not a member. */
	[ST_TEAM_MEMBER_DEL] = { "team_member_del", STMT_WRITE,
	    "WITH m AS (DELETE FROM team_members WHERE team_id = $2"
	    " AND user_id = (SELECT id FROM users WHERE login = $3)"
	    " RETURNING *),"
	    AUDIT("team.remove_member", "team", "m.team_id", "to_jsonb(m)",
	    "NULL", "m")
	    " SELECT user_id FROM m" },

	/* Periods. */

	[ST_PERIOD_CREATE] = { "period_create", STMT_WRITE,
	    "WITH p AS (INSERT INTO periods (name, start_date, end_date)"
	    " VALUES ($2, $3::date, $4::date) RETURNING *),"
	    AUDIT("period.create", "period", "p.id", "NULL", "to_jsonb(p)",
	    "p")
	    " SELECT " PERIOD_COLS " FROM p", &FS_PERIOD },

	[ST_PERIOD_LIST] = { "period_list", STMT_READ,
	    "SELECT " PERIOD_COLS " FROM periods ORDER BY start_date, name",
	    &FS_PERIOD },

	[ST_PERIOD_GET] = { "period_get", STMT_READ,
	    "SELECT " PERIOD_COLS " FROM periods WHERE name = $1", &FS_PERIOD },

	[ST_PERIOD_SET_STATE] = { "period_set_state", STMT_WRITE,
	    "WITH o AS (SELECT to_jsonb(x) j FROM periods x WHERE name = $2),"
	    " p AS (UPDATE periods SET state = $3 WHERE name = $2"
	    " RETURNING *),"
	    AUDIT("period.set_state", "period", "p.id", "(SELECT j FROM o)",
	    "to_jsonb(p)", "p")
	    " SELECT " PERIOD_COLS " FROM p", &FS_PERIOD },

	/* Settings and the audit log. */

	[ST_SETTINGS_GET] = { "settings_get", STMT_READ,
	    "SELECT name, value FROM settings ORDER BY name", &FS_SETTING },

	[ST_SETTINGS_SET] = { "settings_set", STMT_WRITE,
	    "WITH o AS (SELECT to_jsonb(x) j FROM settings x WHERE name = $2),"
	    " s AS (UPDATE settings SET value = $3::integer WHERE name = $2"
	    " RETURNING *),"
	    AUDIT("settings.set", "setting", "0", "(SELECT j FROM o)",
	    "to_jsonb(s)", "s")
	    " SELECT name FROM s" },

	/* $1 since, $2 login, $3 entity type, $4 entity id, $5 limit. */
	[ST_AUDIT_LIST] = { "audit_list", STMT_READ,
	    "SELECT a.id, to_char(a.at AT TIME ZONE 'UTC',"
	    " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS at, u.login AS \"user\","
	    " a.op, a.entity_type || ':' || a.entity_id AS entity,"
	    " a.before::text AS before, a.after::text AS after"
	    " FROM audit_log a"
	    " LEFT JOIN users u ON u.id = a.user_id"
	    " WHERE ($1::date IS NULL OR a.at >= $1::date)"
	    " AND ($2::text IS NULL OR u.login = $2)"
	    " AND ($3::text IS NULL OR a.entity_type = $3)"
	    " AND ($4::bigint IS NULL OR a.entity_id = $4)"
	    " ORDER BY a.id DESC LIMIT $5::integer", &FS_AUDIT },

	/* Objectives. */

	/* $1 objective, $2 caller: the context of a change to it or to its
	 * key results. */
	[ST_OBJ_CTX] = { "obj_ctx", STMT_READ,
	    "SELECT o.id, o.team_id," OBJ_FACTS("$2") ", o.version,"
	    " o.archived, (SELECT count(*) FROM key_results k"
	    " WHERE k.objective_id = o.id AND NOT k.removed) AS krs,"
	    " cairn_setting('max_key_results') AS max_krs"
	    OBJ_FACTS_FROM("$2") " WHERE o.id = $1", &FS_OBJ_CTX },

	/* $1 objective, $2 caller, $3 role, $4 the new parent (NULL:
	 * unalign): obj_ctx and the alignment check.  A parent the caller
	 * may not read counts as missing. */
	[ST_OBJ_ALIGN_CTX] = { "obj_align_ctx", STMT_READ,
	    "SELECT o.id," OBJ_FACTS("$2") ", o.version,"
	    " $4::bigint IS NULL OR EXISTS (SELECT 1 FROM objectives"
	    " WHERE id = $4::bigint AND can_read_objective($2, $3, id))"
	    " AS parent_found,"
	    " CASE WHEN $4::bigint IS NOT NULL THEN alignment_refusal(o.id,"
	    " o.team_id, o.period_id, $4::bigint) END AS refusal"
	    OBJ_FACTS_FROM("$2") " WHERE o.id = $1", &FS_OBJ_ALIGN_CTX },

	/* $1 team slug, $2 period name, $3 caller, $4 owner login, $5 parent:
	 * everything objective.create checks, in one row. */
	[ST_OBJ_NEW_CTX] = { "obj_new_ctx", STMT_READ,
	    "SELECT t.id AS team_id, p.id AS period_id, p.state AS period_state,"
	    " t.framework AS framework,"
	    " coalesce(r.lead_here, false) AS lead_here,"
	    " coalesce(r.lead_above, false) AS lead_above, ow.id AS owner_id,"
	    " EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = t.id"
	    " AND m.user_id = ow.id) AS owner_member,"
	    " (SELECT count(*) FROM objectives x WHERE x.team_id = t.id"
	    " AND x.period_id = p.id AND NOT x.archived) AS objectives,"
	    " cairn_setting('max_objectives') AS max_objectives,"
	    /* A parent the caller may not read is answered as a missing
	     * one (the role as stored: this query has no role parameter). */
	    " $5::bigint IS NULL OR EXISTS (SELECT 1 FROM objectives"
	    " WHERE id = $5::bigint AND can_read_objective($3::bigint,"
	    " (SELECT role FROM users WHERE id = $3::bigint), id))"
	    " AS parent_found,"
	    " CASE WHEN $5::bigint IS NOT NULL AND t.id IS NOT NULL"
	    " AND p.id IS NOT NULL THEN alignment_refusal(NULL, t.id, p.id,"
	    " $5::bigint) END AS refusal"
	    " FROM (SELECT 1) d LEFT JOIN teams t ON t.slug = $1"
	    " LEFT JOIN periods p ON p.name = $2"
	    " LEFT JOIN LATERAL team_relation($3, t.id) r ON true"
	    " LEFT JOIN users ow ON ow.login = $4", &FS_OBJ_NEW_CTX },

	/* $2 team, $3 period, $4 title, $5 description, $6 owner, $7 type,
	 * $8 parent, $9 weight, $10 rollup, $11 idempotency key, $12 its
	 * hash. */
	[ST_OBJ_CREATE] = { "obj_create", STMT_WRITE,
	    "WITH o AS (INSERT INTO objectives (team_id, period_id, title,"
	    " description, owner_id, type, parent_id, weight, rollup)"
	    " VALUES ($2, $3, $4, $5, $6, $7, $8::bigint, $9::float8, $10)"
	    " RETURNING *),"
	    AUDIT("objective.create", "objective", "o.id", "NULL",
	    "to_jsonb(o)", "o") ","
	    IDEM("objective.create", "$11", "$12", "o.id", "o")
	    " SELECT " OBJ_COLS " FROM o", &FS_OBJECTIVE },

	/* $1 id, $2 caller, $3 role: the objective, readable or not. */
	[ST_OBJ_GET] = { "obj_get", STMT_READ,
	    "SELECT " OBJ_COLS ", can_read_objective($2, $3, o.id) AS readable"
	    " FROM objectives o WHERE o.id = $1", &FS_OBJECTIVE },

	/* $1 caller, $2 role, $3 team, $4 period, $5 owner, $6 archived. */
	[ST_OBJ_LIST] = { "obj_list", STMT_READ,
	    "SELECT " OBJ_COLS " FROM objectives o"
	    " JOIN teams t ON t.id = o.team_id"
	    " JOIN periods p ON p.id = o.period_id"
	    " WHERE can_read_objective($1, $2, o.id)"
	    " AND ($3::text IS NULL OR t.slug = $3)"
	    " AND ($4::text IS NULL OR p.name = $4)"
	    " AND ($5::text IS NULL OR o.owner_id ="
	    " (SELECT id FROM users WHERE login = $5))"
	    " AND ($6::boolean OR NOT o.archived)"
	    " ORDER BY o.id", &FS_OBJECTIVE },

	[ST_OBJ_KRS] = { "obj_krs", STMT_READ,
	    "SELECT " KR_COLS " FROM key_results k WHERE k.objective_id = $1"
	    " AND NOT k.removed ORDER BY k.id", &FS_KR },

	/* $1 id, $2 caller, $3 role. */
	[ST_OBJ_CHILDREN] = { "obj_children", STMT_READ,
	    "SELECT c.id, c.title, t.slug AS team,"
	    " objective_progress(c.id) AS progress, c.weight,"
	    " can_read_objective($2, $3, c.id) AS readable FROM objectives c"
	    " JOIN teams t ON t.id = c.team_id"
	    " WHERE c.parent_id = $1 AND NOT c.archived ORDER BY c.id",
	    &FS_OBJ_CHILD },

	[ST_OBJ_CONTRIBUTORS] = { "obj_contributors", STMT_READ,
	    "SELECT u.login FROM objective_contributors c"
	    " JOIN users u ON u.id = c.user_id WHERE c.objective_id = $1"
	    " ORDER BY u.login", &FS_LOGIN },

	/* $2 id, $3 title, $4 description, $5 owner login, $6 type,
	 * $7 rollup, $8 expected version.  No row: stale version. */
	[ST_OBJ_UPDATE] = { "obj_update", STMT_WRITE,
	    "WITH b AS (SELECT to_jsonb(x) j FROM objectives x WHERE id = $2),"
	    " o AS (UPDATE objectives SET title = coalesce($3, title),"
	    " description = coalesce($4, description),"
	    " owner_id = CASE WHEN $5::text IS NULL THEN owner_id"
	    " ELSE (SELECT id FROM users WHERE login = $5) END,"
	    " type = coalesce($6, type),"
	    " rollup = coalesce($7, rollup), version = version + 1"
	    " WHERE id = $2 AND ($8::integer IS NULL OR version = $8::integer)"
	    " RETURNING *),"
	    AUDIT("objective.update", "objective", "o.id", "(SELECT j FROM b)",
	    "to_jsonb(o)", "o")
	    " SELECT " OBJ_COLS " FROM o", &FS_OBJECTIVE },

	/* $2 id, $3 parent (NULL: unalign), $4 weight, $5 version, $6 the
	 * op's name for the audit log. */
	[ST_OBJ_ALIGN] = { "obj_align", STMT_WRITE,
	    "WITH b AS (SELECT to_jsonb(x) j FROM objectives x WHERE id = $2),"
	    " o AS (UPDATE objectives SET parent_id = $3::bigint,"
	    " weight = coalesce($4::float8, weight), version = version + 1"
	    " WHERE id = $2 AND ($5::integer IS NULL OR version = $5::integer)"
	    " RETURNING *),"
	    " a AS (INSERT INTO audit_log (user_id, op, entity_type,"
	    " entity_id, before, after) SELECT $1, $6, 'objective', o.id,"
	    " (SELECT j FROM b), to_jsonb(o) FROM o)"
	    " SELECT " OBJ_COLS " FROM o", &FS_OBJECTIVE },

	[ST_OBJ_ARCHIVE] = { "obj_archive", STMT_WRITE,
	    "WITH b AS (SELECT to_jsonb(x) j FROM objectives x WHERE id = $2),"
	    " o AS (UPDATE objectives SET archived = true,"
	    " version = version + 1 WHERE id = $2"
	    " AND ($3::integer IS NULL OR version = $3::integer) RETURNING *),"
	    AUDIT("objective.archive", "objective", "o.id",
	    "(SELECT j FROM b)", "to_jsonb(o)", "o")
	    " SELECT " OBJ_COLS " FROM o", &FS_OBJECTIVE },

	/* $2 objective, $3 login.  No row: no such user.  The contributors
	 * after the grant: those before and the new one. */
	[ST_OBJ_GRANT] = { "obj_grant", STMT_WRITE,
	    "WITH u AS (SELECT id FROM users WHERE login = $3),"
	    " c AS (INSERT INTO objective_contributors (objective_id, user_id)"
	    " SELECT $2, u.id FROM u ON CONFLICT DO NOTHING RETURNING *),"
	    AUDIT("objective.grant", "objective", "c.objective_id", "NULL",
	    "to_jsonb(c)", "c")
	    " SELECT $2::bigint AS id, (SELECT json_agg(l ORDER BY l) FROM"
	    " (SELECT x.login AS l FROM objective_contributors oc"
	    " JOIN users x ON x.id = oc.user_id WHERE oc.objective_id = $2"
	    " UNION SELECT $3) s) AS contributors FROM u",
	    &FS_OBJ_CONTRIBUTORS },

	/* No row: not a contributor. */
	[ST_OBJ_REVOKE] = { "obj_revoke", STMT_WRITE,
	    "WITH c AS (DELETE FROM objective_contributors"
	    " WHERE objective_id = $2 AND user_id ="
	    " (SELECT id FROM users WHERE login = $3) RETURNING *),"
	    AUDIT("objective.revoke", "objective", "c.objective_id",
	    "to_jsonb(c)", "NULL", "c")
	    " SELECT $2::bigint AS id, (SELECT coalesce(json_agg(x.login"
	    " ORDER BY x.login), '[]') FROM objective_contributors oc"
	    " JOIN users x ON x.id = oc.user_id WHERE oc.objective_id = $2"
	    " AND x.login <> $3) AS contributors FROM c",
	    &FS_OBJ_CONTRIBUTORS },

	/* Key results. */

	/* $1 key result, $2 caller: the objective's facts and the KR's. */
	[ST_KR_CTX] = { "kr_ctx", STMT_READ,
	    "SELECT k.id, k.objective_id," OBJ_FACTS("$2") ", k.version,"
	    " k.type, k.owner_id = $2 AS kr_owner,"
	    " k.kpi_id IS NOT NULL AS bound"
	    " FROM key_results k JOIN objectives o ON o.id = k.objective_id"
	    " JOIN teams t ON t.id = o.team_id"
	    " JOIN periods p ON p.id = o.period_id,"
	    " team_relation($2, o.team_id) r"
	    " WHERE k.id = $1 AND NOT k.removed", &FS_KR_CTX },

	/* $2 objective, $3 title, $4 type, $5 start, $6 target, $7 unit,
	 * $8 weight, $9 owner login, $10 idempotency key, $11 its hash,
	 * $12 the KPI it follows (NULL: none).  No row: no such owner (and
	 * no key stored). */
	[ST_KR_CREATE] = { "kr_create", STMT_WRITE,
	    "WITH k AS (INSERT INTO key_results (objective_id, title, type,"
	    " start_value, target, current, unit, weight, owner_id, kpi_id)"
	    " SELECT $2, $3, $4, $5::float8, $6::float8, $5::float8, $7,"
	    " $8::float8, u.id, $12::bigint FROM users u WHERE u.login = $9"
	    " RETURNING *),"
	    AUDIT("kr.create", "kr", "k.id", "NULL", "to_jsonb(k)", "k") ","
	    IDEM("kr.create", "$10", "$11", "k.id", "k")
	    " SELECT " KR_COLS " FROM k", &FS_KR },

	/* $1 id, $2 caller, $3 role. */
	[ST_KR_GET] = { "kr_get", STMT_READ,
	    "SELECT " KR_COLS ", can_read_objective($2, $3, o.id) AS readable"
	    " FROM key_results k JOIN objectives o ON o.id = k.objective_id"
	    " WHERE k.id = $1 AND NOT k.removed", &FS_KR },

	/* $2 id, $3 title, $4 type, $5 start, $6 target, $7 unit, $8 weight,
	 * $9 owner login, $10 version.  No row: stale version. */
	[ST_KR_UPDATE] = { "kr_update", STMT_WRITE,
	    "WITH b AS (SELECT to_jsonb(x) j FROM key_results x WHERE id = $2),"
	    " k AS (UPDATE key_results SET title = coalesce($3, title),"
	    " type = coalesce($4, type),"
	    " start_value = coalesce($5::float8, start_value),"
	    " target = coalesce($6::float8, target),"
	    " unit = coalesce($7, unit), weight = coalesce($8::float8, weight),"
	    " owner_id = CASE WHEN $9::text IS NULL THEN owner_id"
	    " ELSE (SELECT id FROM users WHERE login = $9) END,"
	    " version = version + 1"
	    " WHERE id = $2 AND ($10::integer IS NULL OR version = $10::integer)"
	    " RETURNING *),"
	    AUDIT("kr.update", "kr", "k.id", "(SELECT j FROM b)",
	    "to_jsonb(k)", "k")
	    " SELECT " KR_COLS " FROM k", &FS_KR },

	[ST_KR_REMOVE] = { "kr_remove", STMT_WRITE,
	    "WITH b AS (SELECT to_jsonb(x) j FROM key_results x WHERE id = $2),"
	    " k AS (UPDATE key_results SET removed = true,"
	    " version = version + 1 WHERE id = $2 AND NOT removed RETURNING *),"
	    AUDIT("kr.remove", "kr", "k.id", "(SELECT j FROM b)", "NULL", "k")
	    " SELECT " KR_COLS " FROM k", &FS_KR },

	/* $2 key result, $3 value, $4 confidence, $5 note, $6 idempotency
	 * key, $7 its hash: the insert's trigger (checkins_apply, sql/002)
	 * sets the key result's current value and confidence and bumps its
	 * version; the reply shows what it set.  A retry's reply reads the
	 * key result, as the first reply did. */
	[ST_KR_CHECKIN] = { "kr_checkin", STMT_WRITE,
	    "WITH c AS (INSERT INTO checkins (kr_id, value, confidence, note,"
	    " author_id) VALUES ($2, $3::float8, $4::smallint,"
	    " coalesce($5, ''), $1) RETURNING *),"
	    AUDIT("kr.checkin", "kr", "c.kr_id", "NULL", "to_jsonb(c)", "c") ","
	    IDEM("kr.checkin", "$6", "$7", "c.kr_id", "c")
	    " SELECT " KR_COLS_WITH("c.value",
	    "coalesce(c.confidence, k.confidence)", "k.version + 1")
	    " FROM c JOIN key_results k ON k.id = c.kr_id", &FS_KR },

	[ST_KR_HISTORY] = { "kr_history", STMT_READ,
	    "SELECT c.id, c.value, c.confidence, c.note, u.login AS author,"
	    " to_char(c.at AT TIME ZONE 'UTC',"
	    " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS at"
	    " FROM checkins c JOIN users u ON u.id = c.author_id"
	    " WHERE c.kr_id = $1 ORDER BY c.id", &FS_CHECKIN },

	/* Idempotency keys. */

	/* $1 caller, $2 key: a key is honoured for as long as it is kept,
	 * at least IDEM_KEEP. */
	[ST_IDEM_GET] = { "idem_get", STMT_READ,
	    "SELECT op, encode(args_hash, 'hex') AS args_hash, result_id"
	    " FROM idempotency_keys WHERE user_id = $1 AND key = $2",
	    &FS_IDEM },

	/*
	 * Failed password checks (sql/005).  Bookkeeping, not data: no audit
	 * entry (a failed login is logged instead), or anyone could grow the
	 * audit log without limit.  $2 is always throttle_addr_key().
	 */

	/* $1 login, $2 address, $3 cap on its names: the pair's live
	 * failures, seconds it stays locked, the address's other live names
	 * (up to $3) and seconds until the first of them expires. */
	[ST_THROTTLE_CHECK] = { "throttle_check", STMT_READ,
	    "SELECT coalesce(p.failures, 0) AS failures,"
	    " coalesce(ceil(extract(epoch FROM p.locked_until - now())), 0)"
	    " AS locked_s, a.n AS other_logins,"
	    " coalesce(ceil(extract(epoch FROM a.until - now())), 0)"
	    " AS other_wait_s"
	    " FROM (SELECT 1) one"
	    " LEFT JOIN login_throttle p ON p.login = $1 AND p.addr = $2::inet"
	    " AND p.expires_at > now()"
	    " CROSS JOIN LATERAL (SELECT count(*) AS n, min(x.expires_at)"
	    " AS until FROM (SELECT expires_at FROM login_throttle"
	    " WHERE addr = $2::inet AND login <> $1 AND expires_at > now()"
	    " ORDER BY expires_at LIMIT $3::integer) x) a",
	    &FS_THROTTLE_CHECK },

	/* $1 login, $2 address, $3 slow_after, $4 max_failures, $5 lockout
	 * s, $6 longest delay ms: failures, total, delay_ms, locked. */
	[ST_THROTTLE_FAIL] = { "throttle_fail", STMT_WRITE,
	    "SELECT failures, total, delay_ms, locked FROM login_throttle_fail("
	    "$1, $2::inet, $3::integer, $4::integer, $5::integer,"
	    " $6::integer)", &FS_THROTTLE_FAIL },

	/* $1 login, $2 address: the right password ends its streak (other
	 * addresses' failures stay). */
	[ST_THROTTLE_OK] = { "throttle_ok", STMT_WRITE,
	    "DELETE FROM login_throttle WHERE login = $1 AND addr = $2::inet" },

	/*
	 * Housekeeping (housekeep.c): bounded deletes, at most $n rows each,
	 * skipping rows another cairnd is deleting at the same moment.
	 */

	/* $1 seconds to keep an ended session, $2 session_idle, $3 batch:
	 * sessions revoked, expired or idle for more than $1 seconds. */
	[ST_HOUSEKEEP_SESSIONS] = { "housekeep_sessions", STMT_WRITE,
	    "WITH d AS (DELETE FROM sessions WHERE id IN (SELECT id"
	    " FROM sessions WHERE revoked_at < now() - make_interval(secs =>"
	    " $1::integer) OR expires_at < now() - make_interval(secs =>"
	    " $1::integer) OR last_seen < now() - make_interval(secs =>"
	    " $1::integer + $2::integer)"
	    " LIMIT $3::integer FOR UPDATE SKIP LOCKED) RETURNING 1)"
	    " SELECT count(*) AS deleted FROM d", &FS_HOUSEKEEP },

	/* $1 batch: failure counts that no longer count. */
	[ST_HOUSEKEEP_THROTTLE] = { "housekeep_throttle", STMT_WRITE,
	    "WITH d AS (DELETE FROM login_throttle WHERE (login, addr) IN"
	    " (SELECT login, addr FROM login_throttle WHERE expires_at < now()"
	    " ORDER BY expires_at LIMIT $1::integer FOR UPDATE SKIP LOCKED)"
	    " RETURNING 1)"
	    " SELECT count(*) AS deleted FROM d", &FS_HOUSEKEEP },
	/*
	 * KPIs (sql/007).  Readings are their own record (author, time): no
	 * audit entry; definitions are audited.
	 */

	/* $1 team slug, $2 caller, $3 owner login (NULL: the caller). */
	[ST_KPI_NEW_CTX] = { "kpi_new_ctx", STMT_READ,
	    "SELECT t.id AS team_id, t.private AS private_team, r.lead_here,"
	    " r.lead_above, r.member_here, $3::text IS NULL OR EXISTS (SELECT 1"
	    " FROM users WHERE login = $3::text) AS owner_found"
	    " FROM teams t, team_relation($2, t.id) r WHERE t.slug = $1",
	    &FS_KPI_NEW_CTX },

	/* $2 team id, $3 name, $4 description, $5 unit, $6 direction,
	 * $7 green, $8 amber, $9 green_high, $10 amber_high, $11 frequency,
	 * $12 owner login (NULL: the caller), $13 breach_after,
	 * $14 idempotency key, $15 its hash. */
	[ST_KPI_CREATE] = { "kpi_create", STMT_WRITE,
	    "WITH k AS (INSERT INTO kpis (team_id, name, description, unit,"
	    " direction, green, amber, green_high, amber_high, frequency,"
	    " owner_id, breach_after) VALUES ($2::bigint, $3, coalesce($4, ''),"
	    " coalesce($5, ''), $6, $7::float8, $8::float8, $9::float8,"
	    " $10::float8, coalesce($11, 'weekly'), CASE WHEN $12::text IS NULL"
	    " THEN $1::bigint ELSE (SELECT id FROM users WHERE login = $12)"
	    " END, coalesce($13::integer, 1)) RETURNING *),"
	    AUDIT("kpi.create", "kpi", "k.id", "NULL", "to_jsonb(k)", "k") ","
	    IDEM("kpi.create", "$14", "$15", "k.id", "k")
	    " SELECT " KPI_COLS " FROM k", &FS_KPI },

	/* $1 KPI, $2 caller, $3 new owner login (NULL: none): the facts and
	 * the definition a partial update is merged with. */
	[ST_KPI_CTX] = { "kpi_ctx", STMT_READ,
	    "SELECT k.id, k.version AS version, k.archived AS archived,"
	    KPI_FACTS("$2") ", k.direction AS direction, k.green AS green,"
	    " k.amber AS amber, k.green_high AS green_high,"
	    " k.amber_high AS amber_high, $3::text IS NULL OR EXISTS (SELECT 1"
	    " FROM users WHERE login = $3::text) AS owner_found"
	    KPI_FACTS_FROM("$2") " WHERE k.id = $1", &FS_KPI_CTX },

	/* $2 id, $3 name, $4 description, $5 unit, $6 direction, $7 green,
	 * $8 amber, $9 green_high, $10 amber_high (the merged thresholds:
	 * all four set), $11 frequency, $12 owner login, $13 breach_after,
	 * $14 the version the context read.  No row: changed meanwhile. */
	[ST_KPI_UPDATE] = { "kpi_update", STMT_WRITE,
	    "WITH b AS (SELECT to_jsonb(x) j FROM kpis x WHERE id = $2),"
	    " k AS (UPDATE kpis SET name = coalesce($3, name),"
	    " description = coalesce($4, description),"
	    " unit = coalesce($5, unit), direction = $6, green = $7::float8,"
	    " amber = $8::float8, green_high = $9::float8,"
	    " amber_high = $10::float8, frequency = coalesce($11, frequency),"
	    " owner_id = CASE WHEN $12::text IS NULL THEN owner_id"
	    " ELSE (SELECT id FROM users WHERE login = $12) END,"
	    " breach_after = coalesce($13::integer, breach_after),"
	    " version = version + 1, updated_at = now()"
	    " WHERE id = $2 AND version = $14::integer RETURNING *),"
	    AUDIT("kpi.update", "kpi", "k.id", "(SELECT j FROM b)",
	    "to_jsonb(k)", "k")
	    " SELECT " KPI_COLS " FROM k", &FS_KPI },

	/* $2 id, $3 expected version or NULL.  The row FOR UPDATE first:
	 * that waits for the readings in flight, whose foreign-key checks
	 * hold it FOR KEY SHARE, and makes new ones wait (sql/007,
	 * kpi_readings_check). */
	[ST_KPI_ARCHIVE] = { "kpi_archive", STMT_WRITE,
	    "WITH l AS (SELECT id FROM kpis WHERE id = $2 FOR UPDATE),"
	    " b AS (SELECT to_jsonb(x) j FROM kpis x WHERE id = $2),"
	    " k AS (UPDATE kpis SET archived = true, version = version + 1,"
	    " updated_at = now() WHERE id = (SELECT id FROM l) AND NOT archived"
	    " AND ($3::integer IS NULL OR version = $3::integer) RETURNING *),"
	    AUDIT("kpi.archive", "kpi", "k.id", "(SELECT j FROM b)",
	    "to_jsonb(k)", "k")
	    " SELECT " KPI_COLS " FROM k", &FS_KPI },

	/* $1 id, $2 caller, $3 role. */
	[ST_KPI_GET] = { "kpi_get", STMT_READ,
	    "SELECT " KPI_COLS ", can_read_team($2, $3, k.team_id) AS readable"
	    " FROM kpis k WHERE k.id = $1", &FS_KPI },

	/* $1 caller, $2 role, $3 team slug, $4 health, $5 stale, $6 limit:
	 * the KPIs the caller may read, not archived. */
	[ST_KPI_LIST] = { "kpi_list", STMT_READ,
	    "SELECT * FROM (SELECT " KPI_COLS " FROM kpis k"
	    " WHERE NOT k.archived AND can_read_team($1, $2, k.team_id)"
	    " AND ($3::text IS NULL OR k.team_id ="
	    " (SELECT id FROM teams WHERE slug = $3))) x"
	    " WHERE ($4::text IS NULL OR x.health = $4)"
	    " AND ($5::boolean IS NULL OR x.stale = $5::boolean)"
	    " ORDER BY x.team, x.name, x.id LIMIT $6::integer", &FS_KPI },

	/* $1 KPI, $2 limit: its last readings, oldest first, each with its
	 * health under the KPI's thresholds now. */
	[ST_KPI_HISTORY] = { "kpi_history", STMT_READ,
	    "SELECT id, value, at, health, author, note FROM (SELECT r.id,"
	    " r.value, " KPI_TIME("r.at") " AS at, r.at AS t,"
	    " kpi_reading_health(k.direction, k.green, k.amber, k.green_high,"
	    " k.amber_high, r.value) AS health, u.login AS author, r.note"
	    " FROM kpi_readings r JOIN kpis k ON k.id = r.kpi_id"
	    " JOIN users u ON u.id = r.author_id WHERE r.kpi_id = $1 "
	    KPI_LATEST_FIRST " LIMIT $2::integer) h ORDER BY t, id",
	    &FS_KPI_READING },

	/* $1 the KPI ids ({1,2}), $2 caller: one row per KPI that exists. */
	[ST_KPI_RECORD_CTX] = { "kpi_record_ctx", STMT_READ,
	    "SELECT k.id AS id, k.archived AS archived," KPI_FACTS("$2")
	    KPI_FACTS_FROM("$2") " WHERE k.id = ANY ($1::bigint[])",
	    &FS_KPI_RECORD_CTX },

	/* $2 KPI ids, $3 values, $4 times (NULL: now), $5 notes (NULL:
	 * none), as arrays of the same length; $6 idempotency key, $7 its
	 * hash (a retry is answered from the request: the same readings).
	 * All or nothing: one INSERT, which the triggers of sql/007 check
	 * and follow once per statement. */
	[ST_KPI_RECORD] = { "kpi_record", STMT_WRITE,
	    "WITH r AS (INSERT INTO kpi_readings (kpi_id, value, at, note,"
	    " author_id) SELECT u.kpi, u.value, coalesce(u.at, now()),"
	    " coalesce(u.note, ''), $1::bigint FROM unnest($2::bigint[],"
	    " $3::float8[], $4::timestamptz[], $5::text[]) WITH ORDINALITY"
	    " AS u (kpi, value, at, note, n) ORDER BY u.n RETURNING id),"
	    " m AS (SELECT min(id) AS id FROM r),"
	    IDEM("kpi.record", "$6", "$7", "m.id", "m")
	    " SELECT count(*) AS recorded FROM r", &FS_KPI_RECORDED },

	/* $1 objective, $2 caller, $3 role, $4 KPI: obj_ctx and the KPI a
	 * new key result is bound to (its latest value the default start).
	 * A KPI the caller may not read counts as missing. */
	[ST_KR_NEW_CTX] = { "kr_new_ctx", STMT_READ,
	    "SELECT o.id," OBJ_FACTS("$2") ", (SELECT count(*)"
	    " FROM key_results k WHERE k.objective_id = o.id"
	    " AND NOT k.removed) AS krs,"
	    " cairn_setting('max_key_results') AS max_krs,"
	    " x.id IS NOT NULL AND coalesce(can_read_team($2, $3, x.team_id),"
	    " false) AS kpi_found, x.archived AS kpi_archived,"
	    " x.unit AS kpi_unit, (SELECT r.value FROM kpi_readings r"
	    " WHERE r.kpi_id = x.id " KPI_LATEST_FIRST " LIMIT 1) AS kpi_latest"
	    OBJ_FACTS_FROM("$2") " LEFT JOIN kpis x ON x.id = $4::bigint"
	    " WHERE o.id = $1", &FS_KR_NEW_CTX },

	/*
	 * ROI of the framework (sql/011_roi.sql: the arithmetic is there,
	 * roi_report and roi_org_report).
	 */

#define ROI_PARTS_COLS							\
	"x.days AS days, x.weeks AS weeks, x.missing AS missing,"	\
	" x.productivity AS productivity, x.time_savings AS time_savings,"	\
	" x.engagement AS engagement, x.efficiency AS efficiency,"	\
	" x.benefits AS benefits, x.cost AS cost, x.net AS net,"	\
	" x.roi AS roi, x.roi_message AS roi_message,"			\
	" x.observed_hours AS observed_hours,"				\
	" x.observed_hours_total AS observed_hours_total,"		\
	" x.observed AS observed"

	/* $1 team slug, $2 period name, $3 caller: the caller's relation
	 * to the team and the team's report (checked before it is sent). */
	[ST_ROI_GET] = { "roi_get", STMT_READ,
	    "SELECT t.id AS team_id, p.id AS period_id, t.slug AS team,"
	    " p.name AS period, t.private AS private_team,"
	    " r.lead_here AS lead_here, r.lead_above AS lead_above,"
	    " r.member_here AS member_here, x.inputs_shown AS inputs, "
	    ROI_PARTS_COLS
	    " FROM (SELECT 1) d LEFT JOIN teams t ON t.slug = $1"
	    " LEFT JOIN periods p ON p.name = $2"
	    " LEFT JOIN LATERAL team_relation($3, t.id) r ON true"
	    " LEFT JOIN LATERAL roi_report(roi_inputs_json(t.id, p.id), t.id,"
	    " p.id) x ON t.id IS NOT NULL AND p.id IS NOT NULL", &FS_ROI },

	/* $1 period name: the organisation's report. */
	[ST_ROI_ORG] = { "roi_org", STMT_READ,
	    "SELECT p.id AS period_id, p.name AS period, x.teams AS teams,"
	    " x.headcount AS headcount, " ROI_PARTS_COLS
	    " FROM (SELECT 1) d LEFT JOIN periods p ON p.name = $1"
	    " LEFT JOIN LATERAL roi_org_report(p.id) x ON p.id IS NOT NULL",
	    &FS_ROI_ORG },

	/* $1 team slug, $2 period name, $3 caller: what roi.set checks. */
	[ST_ROI_SET_CTX] = { "roi_set_ctx", STMT_READ,
	    "SELECT t.id AS team_id, p.id AS period_id, p.state AS"
	    " period_state, t.private AS private_team,"
	    " r.lead_here AS lead_here, r.lead_above AS lead_above,"
	    " r.member_here AS member_here"
	    " FROM (SELECT 1) d LEFT JOIN teams t ON t.slug = $1"
	    " LEFT JOIN periods p ON p.name = $2"
	    " LEFT JOIN LATERAL team_relation($3, t.id) r ON true", NULL },

	/* $1 caller, $2 team id, $3 period id, $4 the inputs given, a JSON
	 * map of name to number: upserted with who and when, audited (the
	 * values before and after), and the report computed from the
	 * inputs as they are now (the stored ones overlaid with the new: the
	 * statement cannot read back its own writes). */
	[ST_ROI_SET] = { "roi_set", STMT_WRITE,
	    "WITH n AS (SELECT e.key AS name,"
	    " trim_scale(e.value::text::numeric) AS value"
	    " FROM jsonb_each($4::jsonb) e),"
	    " t AS (SELECT id, slug FROM teams WHERE id = $2),"
	    " p AS (SELECT id, name FROM periods WHERE id = $3),"
	    " b AS (SELECT jsonb_object_agg(i.name, i.value) AS j"
	    " FROM roi_inputs i WHERE i.team_id = $2 AND i.period_id = $3"
	    " AND i.name IN (SELECT name FROM n)),"
	    " w AS (INSERT INTO roi_inputs (team_id, period_id, name, value,"
	    " set_by) SELECT $2, $3, n.name, n.value, $1 FROM n"
	    " ON CONFLICT (team_id, period_id, name) DO UPDATE"
	    " SET value = EXCLUDED.value, set_by = EXCLUDED.set_by,"
	    " set_at = now() RETURNING *),"
	    AUDIT("roi.set", "team", "t.id",
	    "jsonb_build_object('period', (SELECT name FROM p), 'inputs',"
	    " (SELECT j FROM b))",
	    "jsonb_build_object('period', (SELECT name FROM p), 'inputs',"
	    " (SELECT jsonb_object_agg(w.name, w.value) FROM w))", "t") ","
	    " v AS (SELECT roi_inputs_json($2, $3) || coalesce((SELECT"
	    " jsonb_object_agg(w.name, roi_input_entry(w.value, w.set_by,"
	    " w.set_at)) FROM w), '{}') AS j)"
	    " SELECT t.slug AS team, p.name AS period,"
	    " x.inputs_shown AS inputs, " ROI_PARTS_COLS
	    " FROM t, p, v, LATERAL roi_report(v.j, $2, $3) x"
	    " WHERE EXISTS (SELECT 1 FROM w)", &FS_ROI_WRITE },

	/*
	 * The two tiers: framework mode and assessment (sql/008, sql/009).
	 */

	/* $1 team slug, $2 caller, $3 role: the team and the caller's
	 * relation to it. */
	[ST_TEAM_GOV_CTX] = { "team_gov_ctx", STMT_READ,
	    "SELECT t.id AS team_id, t.framework AS framework,"
	    " $3::text AS role," TEAM_FACTS("$2")
	    " WHERE t.slug = $1", &FS_TEAM_GOV_CTX },

	/* The same, and the questions there are ("kind:key,...", for
	 * assessment.create's check of the answers' keys). */
	[ST_ASSESS_CTX] = { "assess_ctx", STMT_READ,
	    "SELECT t.id AS team_id, (SELECT string_agg(q.kind || ':' ||"
	    " q.key, ',' ORDER BY q.position) FROM assessment_questions q)"
	    " AS questions, $3::text AS role," TEAM_FACTS("$2")
	    " WHERE t.slug = $1", &FS_ASSESS_CTX },

	/* $2 team slug, $3 mode. */
	[ST_TEAM_SET_FRAMEWORK] = { "team_set_framework", STMT_WRITE,
	    "WITH b AS (SELECT to_jsonb(x) j FROM teams x WHERE slug = $2),"
	    " t AS (UPDATE teams SET framework = $3 WHERE slug = $2"
	    " RETURNING *),"
	    AUDIT("team.framework", "team", "t.id", "(SELECT j FROM b)",
	    "to_jsonb(t)", "t")
	    " SELECT " TEAM_COLS("t.") " FROM t", &FS_TEAM },

	[ST_ASSESS_QUESTIONS] = { "assess_questions", STMT_READ,
	    "SELECT key AS key, kind AS kind, wording AS wording,"
	    " weight AS weight, position AS position"
	    " FROM assessment_questions ORDER BY position", &FS_QUESTION },

	/* $1 key ($2 caller, $3 role: the change path's). */
	[ST_ASSESS_Q_CTX] = { "assess_q_ctx", STMT_READ,
	    "SELECT position AS position, weight AS weight,"
	    " $2::bigint AS caller, $3::text AS role"
	    " FROM assessment_questions WHERE key = $1", &FS_ASSESS_Q_CTX },

	/* $2 key, $3 weight. */
	[ST_ASSESS_SET_WEIGHT] = { "assess_set_weight", STMT_WRITE,
	    "WITH b AS (SELECT to_jsonb(x) j FROM assessment_questions x"
	    " WHERE key = $2),"
	    " q AS (UPDATE assessment_questions SET weight = $3::integer"
	    " WHERE key = $2 RETURNING *),"
	    AUDIT("assessment.set_weight", "assessment_question", "q.position",
	    "(SELECT j FROM b)", "to_jsonb(q)", "q")
	    " SELECT key AS key, kind AS kind, wording AS wording,"
	    " weight AS weight, position AS position FROM q", &FS_QUESTION },

	/* $2 team slug, $3 answers (JSON), $4 apply.  The insert's trigger
	 * scores the answers (assessment_score, sql/009); with apply the
	 * team's mode becomes the recommendation in the same statement,
	 * with its own audit entry. */
	[ST_ASSESS_CREATE] = { "assess_create", STMT_WRITE,
	    "WITH n AS (INSERT INTO assessments (team_id, author_id, answers,"
	    " applied) SELECT x.id, $1::bigint, $3::jsonb, $4::boolean"
	    " FROM teams x WHERE x.slug = $2 RETURNING *),"
	    " b AS (SELECT to_jsonb(x) j FROM teams x WHERE slug = $2),"
	    " t AS (UPDATE teams SET framework = n.recommendation FROM n"
	    " WHERE teams.id = n.team_id AND n.applied RETURNING teams.*),"
	    AUDIT("assessment.create", "assessment", "n.id", "NULL",
	    "to_jsonb(n)", "n") ","
	    " f AS (INSERT INTO audit_log (user_id, op, entity_type,"
	    " entity_id, before, after) SELECT $1::bigint, 'team.framework',"
	    " 'team', t.id, (SELECT j FROM b), to_jsonb(t) FROM t)"
	    " SELECT " ASSESSMENT_COLS ", CASE WHEN n.applied"
	    " THEN n.recommendation ELSE (SELECT framework FROM teams"
	    " WHERE id = n.team_id) END AS framework FROM n", &FS_ASSESSMENT },

	/* $1 objective, $2 KPI, $3 caller, $4 role: the objective's facts
	 * and period, the KPI (NULL: none), whether the caller may read its
	 * team, whether it guards already, and how many guardrails the
	 * objective has. */
	[ST_GUARD_CTX] = { "guard_ctx", STMT_READ,
	    "SELECT o.id AS id," OBJ_FACTS("$3::bigint") ","
	    " k.id AS kpi_id, k.archived AS kpi_archived,"
	    " coalesce(can_read_team($3::bigint, $4::text, k.team_id), false)"
	    " AS kpi_readable, EXISTS (SELECT 1 FROM objective_guardrails g"
	    " WHERE g.objective_id = o.id AND g.kpi_id = k.id) AS guarded,"
	    " (SELECT count(*) FROM objective_guardrails g"
	    " WHERE g.objective_id = o.id) AS nguards"
	    OBJ_FACTS_FROM("$3::bigint")
	    " LEFT JOIN kpis k ON k.id = $2::bigint"
	    " WHERE o.id = $1::bigint", &FS_GUARD_CTX },

	/* $2 objective, $3 KPI.  A KPI that guards
	 * already: no row inserted, no audit entry, the same reply. */
	[ST_GUARD_ADD] = { "guard_add", STMT_WRITE,
	    "WITH g AS (INSERT INTO objective_guardrails (objective_id, kpi_id,"
	    " added_by) VALUES ($2::bigint, $3::bigint, $1::bigint)"
	    " ON CONFLICT DO NOTHING RETURNING *),"
	    AUDIT("objective.guard", "objective", "g.objective_id", "NULL",
	    "to_jsonb(g)", "g")
	    " SELECT " OBJ_COLS_G("(SELECT array_agg(DISTINCT x)"
	    " FROM unnest(objective_guardrail_ids(o.id) || $3::bigint) x)")
	    " FROM objectives o WHERE o.id = $2::bigint", &FS_OBJECTIVE },

	[ST_GUARD_REMOVE] = { "guard_remove", STMT_WRITE,
	    "WITH g AS (DELETE FROM objective_guardrails"
	    " WHERE objective_id = $2::bigint AND kpi_id = $3::bigint"
	    " RETURNING *),"
	    AUDIT("objective.unguard", "objective", "g.objective_id",
	    "to_jsonb(g)", "NULL", "g")
	    " SELECT " OBJ_COLS_G("array_remove("
	    "objective_guardrail_ids(o.id), $3::bigint)")
	    " FROM objectives o WHERE o.id = $2::bigint", &FS_OBJECTIVE },

	/* $1 team slug, $2 caller, $3 role, $4 how many (newest first):
	 * one row with a NULL id when the team has none; no row, no team. */
	[ST_ASSESS_GET] = { "assess_get", STMT_READ,
	    "SELECT " ASSESSMENT_COLS ", t.framework AS framework,"
	    " can_read_team($2::bigint, $3::text, t.id) AS readable"
	    " FROM teams t LEFT JOIN LATERAL (SELECT * FROM assessments x"
	    " WHERE x.team_id = t.id ORDER BY x.id DESC LIMIT $4::integer) n"
	    " ON true WHERE t.slug = $1 ORDER BY n.id DESC", &FS_ASSESSMENT },
};
