/*
 * sql-cols.h: the column lists and statement fragments that the statement
 * table (sql.c and its sql-*.inc parts) shares: each reply object's columns
 * named as its fieldset (fields-*.c) reads them, the caller's facts as
 * change.c reads them, and the audit and idempotency CTEs every write
 * carries.  Included by sql.c and the entity files (kr.c) only.
 */
#ifndef CAIRN_SQL_COLS_H
#define CAIRN_SQL_COLS_H

/* A team (FS_TEAM), from teams t. */
#define TEAM_COLS(t)							\
	t "id AS id, " t "slug AS slug, " t "name AS name,"		\
	" (SELECT x.slug FROM teams x WHERE x.id = " t "parent_id)"	\
	" AS parent, " t "private AS private, " t "framework AS framework,"	\
	" " t "signoff AS signoff"

/* The reader of a reply: u the caller's id and r their role, as SQL.  A
 * write's statement has the caller in $1 and no role parameter: the role
 * as stored (a session's role is its user's).  WRITER_* of a statement
 * with named parameters read $caller. */
#define WRITER_U	"$1::bigint"
#define WRITER_R	"(SELECT role FROM users WHERE id = $1::bigint)"
#define WRITER_NAMED_U	"$caller::bigint"
#define WRITER_NAMED_R	"(SELECT role FROM users WHERE id = $caller::bigint)"

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
/* The same with its source (audit_log.via) from $via (change.h), for the
 * writes a token may make (kr.checkin); the others' entries are 'user'. */
#define AUDIT_NAMED_VIA(op, type, idexpr, before, after, from)		\
	" a AS (INSERT INTO audit_log (user_id, op, entity_type,"	\
	" entity_id, before, after, via) SELECT $caller::bigint, '" op	\
	"', '" type "', " idexpr ", " before ", " after ", $via::text"	\
	" FROM " from ")"
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

/* The latest reading of a KPI first (kpi.c, kr.c). */
#define KPI_LATEST_FIRST	"ORDER BY r.at DESC, r.id DESC"
/* The facts of the caller (caller) about KPI k of team t (change.c's
 * column names). */
#define KPI_FACTS(caller)						\
	" t.private AS private_team, r.lead_here, r.lead_above,"	\
	" r.member_here, k.owner_id = " caller " AS kpi_owner"
#define KPI_FACTS_FROM(caller)						\
	" FROM kpis k JOIN teams t ON t.id = k.team_id,"		\
	" team_relation(" caller ", k.team_id) r"

/* The caller's relation to team t (row.h facts), from teams t. */
#define TEAM_FACTS(caller)						\
	" t.private AS private_team, r.lead_here AS lead_here,"		\
	" r.lead_above AS lead_above, r.member_here AS member_here"	\
	" FROM teams t, team_relation(" caller "::bigint, t.id) r"

#endif
