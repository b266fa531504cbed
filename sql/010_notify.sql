-- 010_notify.sql: notifications (issue 16; docs/operations.md
-- "Notifications", docs/rules.md "Notifications").  Schema only; the
-- logic is sql/logic/notify.sql (who gets what, the outbox's claim and
-- its outcome, the schedules, the alert sweep, the renderers).
--
-- A message is a row of outbox, written in the transaction of what causes
-- it (the trigger notify_route on events, or a schedule's run), so that a
-- message exists exactly when its cause committed.  cairnd sends it later
-- (server/notifyrun.c), taking each row with FOR UPDATE SKIP LOCKED and a
-- lease, as feeds are taken (sql/005_feeds.sql).

-- Each user's preferences: where mail goes, and what they want.  No row:
-- every kind on, no address (so no mail).
CREATE TABLE notify_prefs (
	user_id		bigint PRIMARY KEY REFERENCES users (id),
	email		text CHECK (email IS NULL OR (length(email) <= 254
			    AND email ~ '^[A-Za-z0-9.!#$%&''*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+$')),
	reminders	boolean NOT NULL DEFAULT true,
	digest		boolean NOT NULL DEFAULT true,
	alerts		boolean NOT NULL DEFAULT true
);

-- Team webhooks.  secret: the signing secret sealed by cairnd
-- (server/secret.c, the additional data "hook:ID" of the row), so that
-- the database alone does not give it.  kinds: the event kinds sent (empty:
-- every kind but `reading`).  A hook of a team gets the events of that
-- team and of the teams below it.
CREATE TABLE hooks (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	team_id		bigint NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
	url		text NOT NULL CHECK (url ~ '^https://[^\s@/?#]+' AND
			    length(url) <= 2000),
	format		text NOT NULL DEFAULT 'json'
			CHECK (format IN ('json', 'slack')),
	kinds		text[] NOT NULL DEFAULT '{}'
			CHECK (cardinality(kinds) <= 20),
	secret		bytea,			-- NULL only while being added
	created_by	bigint NOT NULL REFERENCES users (id),
	created		timestamptz NOT NULL DEFAULT now(),
	failures	integer NOT NULL DEFAULT 0,	-- in a row
	last_error	text CHECK (length(last_error) <= 500),
	last_error_at	timestamptz,
	last_ok		timestamptz,
	disabled_at	timestamptz
);
CREATE INDEX hooks_team ON hooks (team_id) WHERE disabled_at IS NULL;

-- The outbox.  delivery: the stable id a receiver drops duplicates by
-- (the mail's Message-ID, the webhook's X-Cairn-Delivery), the same on
-- every try.  A message is about an event (event_id, rendered when sent,
-- under the read rule then) or is a schedule's (kind reminder,
-- reminder.escalation, digest, hook.test: rendered when sent from data).
CREATE TABLE outbox (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	delivery	uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
	channel		text NOT NULL CHECK (channel IN ('email', 'hook')),
	kind		text NOT NULL,
	event_id	bigint,			-- no key: events are pruned
	user_id		bigint REFERENCES users (id),
	hook_id		bigint REFERENCES hooks (id) ON DELETE CASCADE,
	data		jsonb NOT NULL DEFAULT '{}',
	created		timestamptz NOT NULL DEFAULT now(),
	next_try	timestamptz NOT NULL DEFAULT now(),
	tries		integer NOT NULL DEFAULT 0,
	lease_by	text,
	lease_until	timestamptz,
	sent_at		timestamptz,
	-- Not sent, and never will be: given up after notify_retry_hours,
	-- or dropped at sending time (why in last_error).
	dropped_at	timestamptz,
	last_error	text CHECK (length(last_error) <= 500),
	CHECK ((channel = 'email') = (user_id IS NOT NULL)),
	CHECK ((channel = 'hook') = (hook_id IS NOT NULL))
);
CREATE INDEX outbox_pending ON outbox (next_try)
	WHERE sent_at IS NULL AND dropped_at IS NULL;
CREATE INDEX outbox_done ON outbox (created)
	WHERE sent_at IS NOT NULL OR dropped_at IS NOT NULL;

-- When each schedule last ran (its row lock makes one run at a time, with
-- several cairnd).  Each starts as run now: a new install sends at the
-- next slot, and sweeps alert_sweep_minutes after it starts, not at once.
CREATE TABLE notify_runs (
	what		text PRIMARY KEY
			CHECK (what IN ('reminders', 'digest', 'alerts')),
	last_run	timestamptz NOT NULL
);
INSERT INTO notify_runs VALUES ('reminders', now()), ('digest', now()),
	('alerts', now());

-- How many reminders in a row listed an item still due (escalate_after).
CREATE TABLE notify_reminded (
	user_id		bigint NOT NULL REFERENCES users (id),
	item		text NOT NULL CHECK (item IN ('checkin', 'reading')),
	item_id		bigint NOT NULL,
	count		integer NOT NULL DEFAULT 1,
	PRIMARY KEY (user_id, item, item_id)
);

-- What the alert sweep last alerted: a breach forecast of a KPI, an
-- objective off track.  A row exists while the condition holds; the
-- condition ending deletes it, so that its return alerts again.
CREATE TABLE alert_state (
	entity		text NOT NULL CHECK (entity IN ('kpi', 'objective')),
	entity_id	bigint NOT NULL,
	what		text NOT NULL
			CHECK (what IN ('breach_forecast', 'off_track')),
	since		timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (entity, entity_id, what)
);

-- Each team's framework health at the last two digests, for the digest's
-- "health changes since last week".
CREATE TABLE notify_health (
	team_id		bigint NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
	period_id	bigint NOT NULL REFERENCES periods (id),
	score		integer,
	prev_score	integer,
	PRIMARY KEY (team_id, period_id)
);

INSERT INTO setting_names VALUES ('notify_retry_hours'),
	('hook_disable_after'), ('escalate_after'), ('reminder_day'),
	('reminder_hour'), ('digest_day'), ('digest_hour'),
	('alert_sweep_minutes');
INSERT INTO settings VALUES ('notify_retry_hours', 24),
	('hook_disable_after', 10), ('escalate_after', 2),
	('reminder_day', 1), ('reminder_hour', 9),
	('digest_day', 1), ('digest_hour', 8),
	('alert_sweep_minutes', 10);
-- Days are ISO (1 Monday .. 7 Sunday), hours UTC 1 .. 24 (24: midnight,
-- as settings are 1 and up).
ALTER TABLE settings ADD CONSTRAINT settings_notify_day_range
	CHECK (name NOT IN ('reminder_day', 'digest_day') OR
	    value BETWEEN 1 AND 7);
ALTER TABLE settings ADD CONSTRAINT settings_notify_hour_range
	CHECK (name NOT IN ('reminder_hour', 'digest_hour') OR
	    value BETWEEN 1 AND 24);
