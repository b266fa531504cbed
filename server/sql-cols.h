/*
 * sql-cols.h: the column lists and statement fragments that the statement
 * table (sql.c and its sql-*.inc parts) shares: each reply object's columns
 * named as its fieldset (fields-*.c) reads them, the caller's facts as
 * change.c reads them, and the audit and idempotency CTEs every write
 * carries.  Included by sql.c and the entity files (kr.c) only.
 */
#ifndef CAIRN_SQL_COLS_H
#define CAIRN_SQL_COLS_H

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

/* The reader of a reply: u the caller's id and r their role, as SQL.  A
 * write's statement has the caller in $1 and no role parameter: the role
 * as stored (a session's role is its user's).  WRITER_* of a statement
 * with named parameters read $caller. */
#define WRITER_U	"$1::bigint"
#define WRITER_R	"(SELECT role FROM users WHERE id = $1::bigint)"
#define WRITER_NAMED_U	"$caller::bigint"
#define WRITER_NAMED_R	"(SELECT role FROM users WHERE id = $caller::bigint)"

/* An objective's guardrails (sql/008), given the array of their KPI
 * ids: a statement that guards or unguards passes the set it leaves.
 * Those reader u (role r) may not read are hidden, and their health does
 * not count in the breach (sql/022). */
#define GUARD_COLS(ids, u, r)						\
	" guardrails_json_for(" ids ", " u ", " r ") AS guardrails,"	\
	" guardrail_breach_for(" ids ", " u ", " r ") AS guardrail_breach"

/*
 * An objective (FS_OBJECTIVE), from a row o of objectives: the stored row
 * or the one an INSERT or UPDATE returned, so that a write answers with
 * the objective as it left it (progress from o.rollup, not from the row
 * before the statement: sql/006).  prog is its progress: computed for a
 * write's reply (OBJ_COLS), the stored roll-up (sql/012) for reads
 * (OBJ_READ_COLS), which the triggers keep equal to it.  Status by pace
 * (docs/rules.md) from that progress, the period's elapsed fraction and
 * the lowest confidence of its key results; while the period is in
 * review, the suggested grade is that progress.
 */
#define OBJ_COLS_PG(prog, ids, u, r)					\
	"o.id AS id, (SELECT slug FROM teams WHERE id = o.team_id) AS team,"	\
	" (SELECT name FROM periods WHERE id = o.period_id) AS period,"	\
	" o.title AS title, o.description AS description,"		\
	" (SELECT login FROM users WHERE id = o.owner_id) AS owner,"	\
	" o.type AS type,"						\
	" objective_parent_for(o.parent_id, " u ", " r ") AS parent,"	\
	" objective_parent_hidden(o.parent_id, " u ", " r ")"		\
	" AS parent_hidden, o.weight AS weight,"			\
	" o.rollup AS rollup,"						\
	" " prog " AS progress,"					\
	" period_expected(o.period_id, now()) AS expected,"		\
	" objective_status(" prog ", period_expected(o.period_id, now()),"	\
	" objective_min_confidence(o.id)) AS status,"			\
	" o.grade AS grade, o.grade_note AS grade_note, o.met AS met,"	\
	" CASE WHEN (SELECT state FROM periods WHERE id = o.period_id)"	\
	" = 'review' THEN " prog " END AS suggested_grade,"		\
	" o.version AS version, o.archived AS archived,"		\
	GUARD_COLS(ids, u, r)
#define OBJ_COLS_G(ids)							\
	OBJ_COLS_PG("objective_progress_as(o.id, o.rollup)", ids,	\
	WRITER_U, WRITER_R)
#define OBJ_COLS	OBJ_COLS_G("objective_guardrail_ids(o.id)")
#define OBJ_READ_COLS(u, r)						\
	OBJ_COLS_PG("o.progress", "objective_guardrail_ids(o.id)", u, r)

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
 * the caller (AUDIT_NAMED: $caller). */
#define AUDIT(op, type, idexpr, before, after, from)			\
	AUDIT_BY("$1", op, type, idexpr, before, after, from)
#define AUDIT_NAMED(op, type, idexpr, before, after, from)		\
	AUDIT_BY("$caller", op, type, idexpr, before, after, from)
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
	IDEM_BY("$1", op, k, h, idexpr, from)
/* The same in a statement with named parameters: $caller, $idem_key and
 * $idem_hash, which the change path fills (change.h). */
#define IDEM_NAMED(op, idexpr, from)					\
	IDEM_BY("$caller", op, "$idem_key", "$idem_hash", idexpr, from)
#define IDEM_BY(caller, op, k, h, idexpr, from)				\
	" i AS (INSERT INTO idempotency_keys (user_id, key, op,"	\
	" args_hash, result_id) SELECT " caller "::bigint, " k "::text, '" op	\
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

#endif
