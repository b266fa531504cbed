-- 001_baseline.sql: the schema, squashed from migrations 001..025 (which
-- shipped in no release): tables, constraints, indexes and the rows they
-- start with.  No function, trigger or view is here: they live in
-- sql/logic/<entity>.sql, applied after the migrations at every start-up
-- whose logic text changed (server/migrate.c).
--
-- One function is schema: roi_input_refusal(), which roi_inputs' CHECK
-- calls.  A function a constraint depends on is part of what the
-- constraint means, and replacing it would not re-check the rows already
-- stored; so it changes only in a migration, which drops and re-adds the
-- constraint (re-checking every row), never in sql/logic.
--
-- The sections keep the order of the migrations they come from, so that
-- the columns added by later ones (ALTER TABLE ... ADD COLUMN below) keep
-- their position: a database migrated by 001..025 and one created from
-- this file are the same schema (tests/e2e/schema.sh compares them with
-- pg_dump).  The cairn before the squash upgrades through
-- sql/legacy/6e09e4c.sql.
--
-- The server checks every rule first to give a friendly error; the
-- constraints and triggers make a broken state impossible even if a bug
-- or a race gets past it.
-- ==== was sql/001_users_sessions.sql ====================================

CREATE TABLE users (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	login		text NOT NULL UNIQUE
			CHECK (login ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	role		text NOT NULL CHECK (role IN ('admin', 'executive', 'member')),
	password_hash	text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
	enabled		boolean NOT NULL DEFAULT true,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);

-- Only the SHA-256 of a token is stored: a stolen table opens no session.
CREATE TABLE sessions (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id		bigint NOT NULL REFERENCES users (id),
	token_hash	bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_seen	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	revoked_at	timestamptz,
	CHECK (expires_at > created_at)
);

CREATE INDEX sessions_live_by_user ON sessions (user_id)
	WHERE revoked_at IS NULL;

-- ==== was sql/002_goals.sql =============================================

-- 002: the goal hierarchy: teams, periods, objectives, key results,
-- check-ins, settings and the audit log.
--
-- cairnd checks every rule first for a friendly error; the constraints and
-- triggers here are the second line, which no bug and no race between two
-- requests can pass.  A rule refusal raises SQLSTATE CA001 with the rule's
-- name as the message (cairnd maps it to E_RULE).  Triggers that must see
-- what concurrent transactions committed take an advisory lock first: in
-- READ COMMITTED each statement of a VOLATILE function then sees the other
-- transaction's committed change.

-- Settings ---------------------------------------------------------------
-- setting_names lists the settings there are: a new one is a migration
-- that inserts its name here and its default into settings.  (Until the
-- squash, settings.name had a CHECK listing them, rebuilt by splicing
-- strings in four migrations.)  cairnd checks the name first
-- (op_settings_set) for a friendly error; the foreign key is the second
-- line.
CREATE TABLE setting_names (
	name	text PRIMARY KEY
);

INSERT INTO setting_names VALUES
	('max_objectives'), ('max_key_results'), ('max_depth'),
	-- the minutes an action counts for in the ROI (roi.sql)
	('roi_minutes_checkin'), ('roi_minutes_reading'),
	('roi_minutes_assessment'), ('roi_minutes_edit'),
	-- staleness and status by pace (objective.sql, key_result.sql)
	('stale_days'), ('due_days'), ('pace_off_pct'), ('pace_risk_pct'),
	('pace_off_confidence'), ('pace_risk_confidence'),
	-- the weights of the framework health's parts (review.sql)
	('health_w_checkins'), ('health_w_kpis'), ('health_w_alignment'),
	('health_w_focus'), ('health_w_assessment'),
	-- per-user write budgets (budget.sql)
	('budget_writes_rate'), ('budget_writes_burst'),
	('budget_readings_rate'), ('budget_readings_burst'),
	('budget_readings_per_kpi_rate'), ('budget_readings_per_kpi_burst');

-- Budgets go far higher than the other settings.
CREATE TABLE settings (
	name	text PRIMARY KEY REFERENCES setting_names (name),
	value	integer NOT NULL,
	CONSTRAINT settings_value_check
	    CHECK (value BETWEEN 1 AND 1000 OR
		(name LIKE 'budget\_%' AND value BETWEEN 1 AND 1000000))
);

INSERT INTO settings VALUES
	('max_objectives', 5), ('max_key_results', 5), ('max_depth', 8),
	('roi_minutes_checkin', 5), ('roi_minutes_reading', 2),
	('roi_minutes_assessment', 30), ('roi_minutes_edit', 5),
	('stale_days', 14), ('due_days', 7), ('pace_off_pct', 50),
	('pace_risk_pct', 85), ('pace_off_confidence', 3),
	('pace_risk_confidence', 6),
	('health_w_checkins', 30), ('health_w_kpis', 20),
	('health_w_alignment', 20), ('health_w_focus', 15),
	('health_w_assessment', 15),
	('budget_writes_rate', 600), ('budget_writes_burst', 600),
	('budget_readings_rate', 2000), ('budget_readings_burst', 20000),
	('budget_readings_per_kpi_rate', 120),
	('budget_readings_per_kpi_burst', 5000);

-- Audit log: append-only -------------------------------------------------
CREATE TABLE audit_log (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT clock_timestamp(),
	user_id		bigint REFERENCES users (id),
	op		text NOT NULL,
	entity_type	text NOT NULL,
	entity_id	bigint NOT NULL,
	before		jsonb,
	after		jsonb
);

CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);

CREATE INDEX audit_log_at ON audit_log (at);

-- Teams ------------------------------------------------------------------
CREATE TABLE teams (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	slug		text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{2,40}$'),
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	parent_id	bigint REFERENCES teams (id),
	private		boolean NOT NULL DEFAULT false,
	created_at	timestamptz NOT NULL DEFAULT now(),
	CHECK (parent_id <> id)
);

-- team.root: exactly one team has no parent.
CREATE UNIQUE INDEX teams_one_root ON teams ((true)) WHERE parent_id IS NULL;

CREATE INDEX teams_parent ON teams (parent_id);

CREATE TABLE team_members (
	team_id		bigint NOT NULL REFERENCES teams (id),
	user_id		bigint NOT NULL REFERENCES users (id),
	role		text NOT NULL CHECK (role IN ('lead', 'member')),
	PRIMARY KEY (team_id, user_id)
);

CREATE INDEX team_members_user ON team_members (user_id);

-- Periods ----------------------------------------------------------------
CREATE TABLE periods (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name		text NOT NULL UNIQUE
			CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
	start_date	date NOT NULL,
	end_date	date NOT NULL,
	state		text NOT NULL DEFAULT 'draft'
			CHECK (state IN ('draft', 'active', 'review', 'closed')),
	created_at	timestamptz NOT NULL DEFAULT now(),
	CHECK (end_date >= start_date)
);

-- Objectives -------------------------------------------------------------
CREATE TABLE objectives (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	team_id		bigint NOT NULL REFERENCES teams (id),
	period_id	bigint NOT NULL REFERENCES periods (id),
	title		text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
	description	text NOT NULL DEFAULT ''
			CHECK (length(description) <= 4000),
	owner_id	bigint NOT NULL REFERENCES users (id),
	type		text NOT NULL DEFAULT 'committed'
			CHECK (type IN ('committed', 'aspirational')),
	parent_id	bigint REFERENCES objectives (id),
	weight		double precision NOT NULL DEFAULT 1
			CHECK (weight > 0 AND weight <= 1000),
	rollup		text NOT NULL DEFAULT 'auto'
			CHECK (rollup IN ('auto', 'krs', 'children', 'both')),
	archived	boolean NOT NULL DEFAULT false,
	version		integer NOT NULL DEFAULT 1,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	CHECK (parent_id <> id)
);

CREATE INDEX objectives_team_period ON objectives (team_id, period_id);

CREATE INDEX objectives_parent ON objectives (parent_id);

CREATE TABLE objective_contributors (
	objective_id	bigint NOT NULL REFERENCES objectives (id),
	user_id		bigint NOT NULL REFERENCES users (id),
	PRIMARY KEY (objective_id, user_id)
);

-- Key results and check-ins ------------------------------------------------
CREATE TABLE key_results (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	objective_id	bigint NOT NULL REFERENCES objectives (id),
	title		text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
	type		text NOT NULL CHECK (type IN ('increase', 'decrease',
			'above', 'below', 'boolean')),
	start_value	double precision NOT NULL DEFAULT 0,
	target		double precision NOT NULL,
	current		double precision NOT NULL,
	unit		text NOT NULL DEFAULT '' CHECK (length(unit) <= 20),
	weight		double precision NOT NULL DEFAULT 1
			CHECK (weight > 0 AND weight <= 1000),
	owner_id	bigint NOT NULL REFERENCES users (id),
	confidence	smallint CHECK (confidence BETWEEN 1 AND 10),
	removed		boolean NOT NULL DEFAULT false,	-- history stays
	version		integer NOT NULL DEFAULT 1,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	CHECK (type <> 'increase' OR target > start_value),
	CHECK (type <> 'decrease' OR target < start_value),
	CHECK (type <> 'boolean' OR (start_value = 0 AND target = 1
	    AND current IN (0, 1)))
);

CREATE INDEX key_results_objective ON key_results (objective_id);

CREATE TABLE checkins (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kr_id		bigint NOT NULL REFERENCES key_results (id),
	value		double precision NOT NULL,
	confidence	smallint CHECK (confidence BETWEEN 1 AND 10),
	note		text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
	author_id	bigint NOT NULL REFERENCES users (id),
	at		timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX checkins_kr ON checkins (kr_id, id);

-- ==== was sql/004_idempotency.sql =======================================

-- 004: idempotency keys.
--
-- A write that creates something (objective.create, kr.create, kr.checkin,
-- later KPI readings) may carry a key chosen by the client.  The key row is
-- inserted by the same statement as the entity and its audit entry, so it
-- exists exactly when the write committed; the primary key on
-- (user_id, key) makes two racing retries unable to both create.  A retry
-- finds the row and is answered from result_id, as the first reply was
-- (by reading that entity again); args_hash (SHA-256 of the op's name and
-- its arguments) tells a true retry from a reuse of the key for something
-- else.
CREATE TABLE idempotency_keys (
	user_id		bigint NOT NULL REFERENCES users (id),
	key		text NOT NULL CHECK (key ~ '^[!-~]{1,64}$'),
	op		text NOT NULL,
	args_hash	bytea NOT NULL CHECK (length(args_hash) = 32),
	result_id	bigint NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (user_id, key)
);

-- The writes delete the oldest expired keys (see IDEM_KEEP in
-- server/sql.c): this index makes finding them cheap.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- ==== was sql/005_login_throttle.sql ====================================

-- 005: failed password checks, counted per login name and source address.
--
-- Kept in the database so that every cairnd serving it counts together.
-- A row is one (login, address) pair with failures in its current streak;
-- it is live until expires_at, after which it counts for nothing (every
-- read checks expires_at) and housekeeping deletes it.  Logins are stored as
-- sent, known or not, so that the table tells nothing about which exist.
-- An IPv6 address is counted by its /64, the block one host usually has.
CREATE TABLE login_throttle (
	login		text NOT NULL CHECK (length(login) BETWEEN 1 AND 200),
	addr		inet NOT NULL,
	failures	integer NOT NULL CHECK (failures > 0),
	last_failure	timestamptz NOT NULL DEFAULT now(),
	locked_until	timestamptz,
	expires_at	timestamptz NOT NULL,
	PRIMARY KEY (login, addr),
	CHECK (locked_until IS NULL OR expires_at >= locked_until)
);

-- The logins one address is failing (its cap), and housekeeping's scan.
CREATE INDEX login_throttle_by_addr ON login_throttle (addr, expires_at);

CREATE INDEX login_throttle_by_expiry ON login_throttle (expires_at);

-- ==== was sql/007_kpis.sql ==============================================

-- 007: KPIs, their readings, and key results bound to a KPI (issue 7).
--
-- A KPI belongs to a team and runs on, tied to no period.  Its readings are
-- append-only: a wrong reading is corrected by a new one.  A key result may
-- be bound to a KPI; its current value then follows the KPI's latest
-- reading, set by the trigger below in the same transaction as the
-- reading, and it takes no check-ins (kr.bound).
--
-- As in 002, cairnd checks each rule first for a friendly error; what is
-- here holds under races and bugs.  Rule refusals raise CA001 (E_RULE);
-- bad values raise a 22xxx or 23xxx state (E_INVALID).

-- KPIs -------------------------------------------------------------------
CREATE TABLE kpis (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	team_id		bigint NOT NULL REFERENCES teams (id),
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	description	text NOT NULL DEFAULT ''
			CHECK (length(description) <= 4000),
	-- A bound key result takes this unit: key_results.unit's limit.
	unit		text NOT NULL DEFAULT '' CHECK (length(unit) <= 20),
	direction	text NOT NULL
			CHECK (direction IN ('up', 'down', 'range')),
	green		double precision NOT NULL,
	amber		double precision NOT NULL,
	green_high	double precision,
	amber_high	double precision,
	frequency	text NOT NULL DEFAULT 'weekly'
			CHECK (frequency IN ('daily', 'weekly', 'monthly')),
	owner_id	bigint REFERENCES users (id),
	breach_after	integer NOT NULL DEFAULT 1
			CHECK (breach_after BETWEEN 1 AND 100),
	archived	boolean NOT NULL DEFAULT false,
	version		integer NOT NULL DEFAULT 1,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT kpis_finite CHECK (green NOT IN ('NaN', 'Infinity',
	    '-Infinity') AND amber NOT IN ('NaN', 'Infinity', '-Infinity')
	    AND coalesce(green_high, 0) NOT IN ('NaN', 'Infinity', '-Infinity')
	    AND coalesce(amber_high, 0) NOT IN ('NaN', 'Infinity', '-Infinity')),
	-- The order of the thresholds for each direction.
	CONSTRAINT kpis_up_order CHECK (direction <> 'up' OR green >= amber),
	CONSTRAINT kpis_down_order CHECK (direction <> 'down' OR green <= amber),
	CONSTRAINT kpis_range_order CHECK (direction <> 'range' OR
	    (green_high IS NOT NULL AND amber_high IS NOT NULL AND
	    amber <= green AND green <= green_high AND
	    green_high <= amber_high)),
	CONSTRAINT kpis_high_only_range CHECK (direction = 'range' OR
	    (green_high IS NULL AND amber_high IS NULL))
);

CREATE INDEX kpis_team ON kpis (team_id);

CREATE TABLE kpi_readings (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kpi_id		bigint NOT NULL REFERENCES kpis (id),
	value		double precision NOT NULL
			CHECK (value NOT IN ('NaN', 'Infinity', '-Infinity')),
	at		timestamptz NOT NULL DEFAULT now(),
	note		text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
	author_id	bigint NOT NULL REFERENCES users (id),
	recorded_at	timestamptz NOT NULL DEFAULT now()
);

-- The latest readings of a KPI: ORDER BY at DESC, id DESC everywhere (the
-- id breaks ties between readings given the same time).
CREATE INDEX kpi_readings_kpi_at ON kpi_readings (kpi_id, at, id);

-- Key results bound to a KPI ---------------------------------------------
ALTER TABLE key_results ADD COLUMN kpi_id bigint REFERENCES kpis (id);

-- A bound KR's current value is any reading: a boolean KR cannot hold it.
ALTER TABLE key_results ADD CONSTRAINT key_results_bound_type
	CHECK (kpi_id IS NULL OR type <> 'boolean');

CREATE INDEX key_results_kpi ON key_results (kpi_id)
	WHERE kpi_id IS NOT NULL;

-- ==== was sql/008_framework_guardrails.sql ==============================

-- 008: each team's framework mode and objectives' guardrails (issue 7,
-- "The two tiers joined").
--
-- A team runs OKRs, KPIs or both (the guide's hybrid, the default).  A
-- team in kpi mode holds KPIs only: no new objective for it
-- (framework.kpi_only); the objectives it already has stay.
--
-- The race: a mode change to kpi and an objective insert at the same
-- moment.  The insert reads its team row FOR SHARE; the mode change is an
-- UPDATE of that row, whose lock conflicts with FOR SHARE (the foreign
-- key's own FOR KEY SHARE would not: the mode is no key).  So either the
-- insert waits for the change to commit and then reads the new mode (READ
-- COMMITTED re-reads a row it waited for), or the change waits for the
-- insert, whose objective then already exists and stays.
ALTER TABLE teams ADD COLUMN framework text NOT NULL DEFAULT 'hybrid'
	CHECK (framework IN ('okr', 'kpi', 'hybrid'));

-- Guardrails ---------------------------------------------------------------
--
-- KPIs that must stay healthy while an objective is pursued ("cut cost
-- without breaking on-time delivery").  An objective shows each with its
-- KPI's health (kpi_health, sql/logic/kpi.sql) and is in breach when any is red.
-- Guarding and unguarding follow the objective's rules: nothing changes in
-- a closed period (the period's row is read FOR SHARE, as period_state()
-- does since sql/003, so a close waits for a guard in flight and a guard
-- then sees the close); an archived KPI guards nothing new (its row FOR
-- SHARE: an archive in progress is waited for, then seen); at most
-- max_guardrails (10) per objective, counted under the objective's row
-- lock so that two guards cannot pass the limit together.
CREATE TABLE objective_guardrails (
	objective_id	bigint NOT NULL REFERENCES objectives (id),
	kpi_id		bigint NOT NULL REFERENCES kpis (id),
	added_by	bigint NOT NULL REFERENCES users (id),
	added_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (objective_id, kpi_id)
);

CREATE INDEX objective_guardrails_kpi ON objective_guardrails (kpi_id);

-- ==== was sql/009_assessment.sql ========================================

-- 009: the assessment (issue 7): the guide's decision matrix (twelve OKR
-- scenarios, each weighted, answered 0 to 5) and its KPI checklist (six
-- yes/no questions), scored into an OKR index, a KPI index and a
-- recommendation, kept per team with its history.
--
-- The scoring lives in one place, assessment_score() below: the insert
-- trigger of assessments fills every computed column from it, so a stored
-- result always agrees with its answers and the weights of its time, and
-- cairnd never computes a score itself.  docs/rules.md ("The assessment")
-- states the formulas and the drivers rule in words.
CREATE TABLE assessment_questions (
	key		text PRIMARY KEY CHECK (key ~ '^[a-z_]{1,40}$'),
	kind		text NOT NULL CHECK (kind IN ('scenario', 'checklist')),
	wording		text NOT NULL CHECK (length(wording) BETWEEN 1 AND 200),
	weight		integer NOT NULL CHECK (weight BETWEEN 1 AND 10),
	-- The order the questions are asked in; also the entity id of a
	-- weight change in the audit log.
	position	integer NOT NULL UNIQUE CHECK (position > 0)
);

-- The guide's decision matrix, with its scores as the weights.
INSERT INTO assessment_questions (key, kind, wording, weight, position) VALUES
	('rapid_growth', 'scenario', 'Rapid Growth', 5, 1),
	('cross_functional', 'scenario', 'Cross-Functional Coordination', 4, 2),
	('innovation', 'scenario', 'Innovation-Driven Improvements', 5, 3),
	('alignment_challenges', 'scenario', 'Team Alignment Challenges', 3, 4),
	('flexibility', 'scenario', 'Need for Flexibility', 4, 5),
	('strategic_alignment', 'scenario', 'Strategic Alignment', 5, 6),
	('focus_on_change', 'scenario', 'Focus on Change', 5, 7),
	('engagement', 'scenario', 'High Team Engagement', 4, 8),
	('short_term', 'scenario', 'Short Term Goals', 5, 9),
	('cross_departmental', 'scenario', 'Cross-Departmental Initiatives',
	    4, 10),
	('aspiration', 'scenario', 'Aspiration Over Tradition', 5, 11),
	('innovation_culture', 'scenario', 'Innovation Culture', 5, 12),
	-- The guide's KPI checklist; each yes counts the same (weight 1).
	('stable', 'checklist', 'Are operations stable?', 1, 13),
	('compliance', 'checklist', 'Is compliance a major concern?', 1, 14),
	-- The guide prints "resource improve": its meaning, as the issue
	-- words it.
	('resource_focus', 'checklist',
	    'Is the focus on improving resource use?', 1, 15),
	('maintenance', 'checklist',
	    'Are performance maintenance goals a priority?', 1, 16),
	('monitoring', 'checklist', 'Do you require ongoing monitoring?', 1, 17),
	('incremental', 'checklist', 'Are improvements incremental?', 1, 18);

CREATE TABLE assessments (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	team_id		bigint NOT NULL REFERENCES teams (id),
	author_id	bigint NOT NULL REFERENCES users (id),
	at		timestamptz NOT NULL DEFAULT clock_timestamp(),
	-- {"scenarios": {KEY: 0..5}, "checklist": {KEY: bool}}, as given.
	answers		jsonb NOT NULL,
	-- The rest is filled by the insert trigger from assessment_score().
	okr_index	double precision NOT NULL DEFAULT 0,
	kpi_index	double precision NOT NULL DEFAULT 0,
	recommendation	text NOT NULL DEFAULT 'hybrid'
			CHECK (recommendation IN ('okr', 'kpi', 'hybrid')),
	drivers		jsonb NOT NULL DEFAULT '[]',
	unanswered	jsonb NOT NULL DEFAULT '[]',
	weights		jsonb NOT NULL DEFAULT '{}',	-- those in force
	applied		boolean NOT NULL DEFAULT false
);

CREATE INDEX assessments_team ON assessments (team_id, id);

-- ==== was sql/011_roi.sql ===============================================

-- The inputs, their limits and their precision.  cairnd checks the same
-- limits first (server/op-roi.c) for an E_INVALID naming the input; this
-- is the second line.  Money is to the cent, hours to 0.01, percentages
-- to 0.0001 point, headcount whole.
CREATE FUNCTION roi_input_refusal(n text, v numeric) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
	    WHEN n = 'headcount' THEN CASE WHEN v < 0 OR v > 1000000
		OR v <> trunc(v) THEN 'a whole number from 0 to 1000000' END
	    WHEN n IN ('hourly_cost', 'output_value', 'replacement_cost',
		'efficiency_savings', 'tool_cost') THEN CASE WHEN v < 0
		OR v > 1e12 OR v <> round(v, 2)
		THEN 'an amount from 0 to 1e12, to the cent' END
	    WHEN n IN ('hours_saved_per_week', 'framework_hours_per_week')
		THEN CASE WHEN v < 0 OR v > 168 OR v <> round(v, 2)
		THEN 'hours a week from 0 to 168, to 0.01' END
	    WHEN n = 'productivity_pct' THEN CASE WHEN v < 0 OR v > 1000
		OR v <> round(v, 4) THEN 'a percentage from 0 to 1000' END
	    WHEN n = 'retention_change_pct' THEN CASE WHEN v < 0 OR v > 100
		OR v <> round(v, 4) THEN 'percentage points from 0 to 100' END
	    ELSE 'not an ROI input' END
$$;

CREATE TABLE roi_inputs (
	-- A team is removed only when empty (team.not_empty); its inputs go
	-- with it, their history stays in the audit log.
	team_id		bigint NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
	period_id	bigint NOT NULL REFERENCES periods (id),
	name		text NOT NULL,
	value		numeric NOT NULL,
	set_by		bigint NOT NULL REFERENCES users (id),
	set_at		timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (team_id, period_id, name),
	CONSTRAINT roi_inputs_value CHECK (roi_input_refusal(name, value) IS NULL)
);

CREATE INDEX roi_inputs_period ON roi_inputs (period_id);

-- ==== was sql/012_pace.sql ==============================================

-- Columns --------------------------------------------------------------------
ALTER TABLE objectives ADD COLUMN progress double precision NOT NULL
	DEFAULT 0;

ALTER TABLE objectives ADD COLUMN grade double precision
	CHECK (grade >= 0 AND grade <= 1);

ALTER TABLE objectives ADD COLUMN grade_note text
	CHECK (length(grade_note) <= 2000);

-- met follows from the grade and the type (objectives_met below).
ALTER TABLE objectives ADD COLUMN met boolean;

ALTER TABLE key_results ADD COLUMN checked_at timestamptz;

-- ==== was sql/013_cycle.sql =============================================

-- 013: the end of the quarterly review (issue 8): retrospectives, closing
-- a graded period, and carrying unmet objectives over to the next one.
--
-- Rules live twice: cairnd checks them first for the friendly error
-- (server/op-cycle.c), the triggers and functions here make the bad state
-- impossible under races.  See docs/rules.md, "The end of the review".

-- Retrospectives -----------------------------------------------------------
--
-- A team's notes for a period, appended: each retro.set adds a note with
-- its author and time, none is edited or removed (a correction is a new
-- note), so the retrospective keeps what every lead said.  At most
-- RETRO_MAX (100) notes per team and period, counted under a lock per
-- (team, period) so that two writers cannot pass it together; nothing is
-- added in a closed period (its row read FOR SHARE by period_state(), so
-- a close waits for a note in flight and a note then sees the close).
-- The notes go with their team (a team is removed only when empty).
CREATE TABLE retros (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	team_id		bigint NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
	period_id	bigint NOT NULL REFERENCES periods (id),
	author_id	bigint NOT NULL REFERENCES users (id),
	note		text NOT NULL CHECK (length(note) BETWEEN 1 AND 4000),
	at		timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX retros_team_period ON retros (team_id, period_id, id);

-- Carry-over ---------------------------------------------------------------
--
-- objectives.carried_from: the objective of an earlier period a copy was
-- carried from.  One copy per origin and period (the unique index), so a
-- carry run twice copies nothing the second time, and two carries racing
-- cannot both copy one objective.
ALTER TABLE objectives ADD COLUMN carried_from bigint
	REFERENCES objectives (id);

CREATE UNIQUE INDEX objectives_carried_once ON objectives (carried_from,
	period_id) WHERE carried_from IS NOT NULL;

-- One row per carry: what it copied, so that a retry with the carry's
-- idempotency key is answered as the first was.
CREATE TABLE period_carries (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	from_period	bigint NOT NULL REFERENCES periods (id),
	to_period	bigint NOT NULL REFERENCES periods (id),
	team_id		bigint REFERENCES teams (id) ON DELETE SET NULL,
	by_id		bigint NOT NULL REFERENCES users (id),
	at		timestamptz NOT NULL DEFAULT now(),
	copied		jsonb NOT NULL,	-- [{"from", "to", "team", "title"}]
	CHECK (from_period <> to_period)
);

-- ==== was sql/014_rollup.sql ============================================

-- No JIT for cairn's sessions: the roll-up's statements over the whole
-- organisation are estimated above jit_above_cost, and compiling them
-- took 1 to 5 s against some 100 ms of execution (a 100,000-objective
-- organisation).  A database setting, so it holds for the pool's
-- connections (opened after the migrations); a role that does not own
-- the database keeps its setting, with a notice (docs/operations.md).
DO $$
BEGIN
	EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN insufficient_privilege THEN
	RAISE NOTICE 'jit stays as configured: % does not own the database',
	    current_user;
END $$;

-- Indexes the roll-up reads by: a period's objectives, what a user owns
-- or contributes to (due), the readings a user recorded (due).
CREATE INDEX objectives_period_parent ON objectives (period_id, parent_id)
	WHERE NOT archived;

CREATE INDEX objectives_owner ON objectives (owner_id);

CREATE INDEX key_results_owner ON key_results (owner_id) WHERE NOT removed;

CREATE INDEX objective_contributors_user ON objective_contributors (user_id);

CREATE INDEX kpi_readings_author ON kpi_readings (author_id, kpi_id);

-- ==== was sql/015_export.sql ============================================

-- 015: export and import of a period (issue 8, "Export, import").
--
-- An export is streamed by cairnd straight from the tables (server/
-- sql-export.inc).  An import is larger than a frame, so it is uploaded
-- in bounded steps: import.begin makes a row of `imports` (the handle),
-- import.rows adds up to 1000 checked rows at a time to `import_rows`
-- (the stage, one jsonb per row as cairnd checked it), and import.commit
-- calls import_apply(), which applies the whole stage in ONE statement,
-- hence one transaction, and drops it.  Nothing outside the stage changes
-- before the commit; a failed commit changes nothing and leaves the stage
-- for import.abort (or for the next import.begin, an hour later).
--
-- Rows of the stage are keyed by the ids of the exporting database (the
-- document's ids); import_apply maps them onto new ids taken in the same
-- order, so the imported rows keep the order of the exported ones.  Users
-- and teams are mapped by login and slug and never created; KPIs by their
-- team and name (created when missing, so that the KPIs of a team come
-- over with its first period).  The triggers of 002 to 013 check every
-- row again as it is inserted.
CREATE TABLE imports (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id		bigint NOT NULL REFERENCES users (id),
	period		jsonb NOT NULL,
	nrows		integer NOT NULL DEFAULT 0,
	bytes		bigint NOT NULL DEFAULT 0,
	created_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE import_rows (
	import_id	bigint NOT NULL REFERENCES imports (id)
			ON DELETE CASCADE,
	kind		text NOT NULL,
	n		integer NOT NULL,	-- order within the import
	doc		jsonb NOT NULL,
	PRIMARY KEY (import_id, n)
);

CREATE INDEX import_rows_set ON import_rows (import_id, kind, n);

-- ==== was sql/023_budgets.sql ===========================================

-- The buckets: tokens as of at.  kpi_id 0 for the budgets of a user as a
-- whole (no foreign key: a bucket outlives nothing it would protect).
CREATE TABLE budgets (
	user_id		bigint NOT NULL REFERENCES users (id),
	name		text NOT NULL CHECK (name IN ('writes', 'readings',
			    'readings_per_kpi')),
	kpi_id		bigint NOT NULL DEFAULT 0,
	tokens		double precision NOT NULL,
	at		timestamptz NOT NULL,
	PRIMARY KEY (user_id, name, kpi_id)
);

-- Users an admin exempted from every budget (user.budget).
CREATE TABLE budget_lifts (
	user_id		bigint PRIMARY KEY REFERENCES users (id),
	lifted_by	bigint REFERENCES users (id),
	lifted_at	timestamptz NOT NULL DEFAULT now()
);
