-- 007_events.sql: one event stream (issue 16; docs/protocol.md "Events",
-- docs/rules.md "Events").  Schema only; the logic is sql/logic/event.sql
-- (which changes write which events, the sequencer, the summaries).
--
-- Every committed change writes its events in its own transaction, so an
-- event exists exactly when its change committed.  An event is written
-- with seq NULL; the sequencer (event_sequence(), run by cairnd after its
-- writes commit, one at a time under an advisory lock) numbers the
-- committed ones in one short transaction of its own.  That makes seq the
-- order in which events became visible: a reader that has seen seq N
-- never later finds an event below N, so `watch --since N` resumes
-- without a gap, whatever order the writers committed in.  (A seq taken
-- in the writer's transaction would commit out of order.)
CREATE TABLE events (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	seq		bigint UNIQUE,		-- NULL until sequenced
	at		timestamptz NOT NULL DEFAULT clock_timestamp(),
	kind		text NOT NULL CHECK (kind ~ '^[a-z_]+(\.[a-z_]+)?$'),
	entity		text NOT NULL,		-- objective, kr, kpi, ...
	entity_id	bigint NOT NULL,
	-- Who may read it (event_readable()): 'all' sessions, the read rule
	-- of 'team' (team_id, and contributors of objective_id), 'admin'
	-- only, or 'user' (user_id only: what is about one person).
	audience	text NOT NULL
			CHECK (audience IN ('all', 'team', 'admin', 'user')),
	team_id		bigint,			-- no foreign keys: an event
	period_id	bigint,			-- outlives what it is about
	objective_id	bigint,
	user_id		bigint,			-- audience 'user': the one
	owner_id	bigint,			-- of the thing: watch --mine
	actor_id	bigint,
	via		text NOT NULL DEFAULT 'user',
	summary		text NOT NULL CHECK (length(summary) <= 1000),
	data		jsonb NOT NULL DEFAULT '{}',
	CHECK (audience <> 'team' OR team_id IS NOT NULL),
	CHECK (audience <> 'user' OR user_id IS NOT NULL)
);

-- The sequencer's work: the events not yet numbered, in write order.
CREATE INDEX events_unsequenced ON events (id) WHERE seq IS NULL;
CREATE INDEX events_at ON events (at);

-- The sequencer's counter (the last seq given; its row lock makes one
-- sequencer run at a time) and how far the events were pruned
-- (events_keep_days): a `--since` below pruned_through would have a gap,
-- and is refused.
CREATE TABLE events_state (
	one		boolean PRIMARY KEY DEFAULT true CHECK (one),
	last_seq	bigint NOT NULL,
	pruned_through	bigint NOT NULL
);
INSERT INTO events_state VALUES (true, 0, 0);

INSERT INTO setting_names VALUES ('events_keep_days');
INSERT INTO settings VALUES ('events_keep_days', 30);

-- What a KPI's health last was, as the readings' trigger saw it: a reading
-- that changes it writes kpi.health_changed.
ALTER TABLE kpis ADD COLUMN health_seen text
	CHECK (health_seen IN ('green', 'amber', 'red', 'none'));
