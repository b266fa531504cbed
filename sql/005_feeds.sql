-- 005_feeds.sql: KPI feeds (issue 15): a KPI read from a source
-- (sql/003_sources.sql) on a schedule.  Schema only; the logic is
-- sql/logic/feed.sql, the runner server/feedrun.c.
--
-- One feed per KPI.  `due` is the next run's place on the feed's own
-- schedule (its slot); `retry_at`, after a failure, the backed-off retry
-- that comes first.  A cairnd that takes a run holds it by `lease_until`
-- (and names itself in `lease_by`), so that several cairnd over one
-- database run each slot once; a lease that runs out (its cairnd died)
-- lets another take the same slot, and the reading's key (kpi, slot)
-- records it once whoever finishes.
CREATE TABLE feeds (
	kpi_id		bigint PRIMARY KEY REFERENCES kpis (id),
	source_id	bigint NOT NULL REFERENCES sources (id),
	query		text NOT NULL CHECK (length(query) BETWEEN 1 AND 4000),
	every		integer NOT NULL CHECK (every BETWEEN 60 AND 604800),
	set_by		bigint NOT NULL REFERENCES users (id),
	set_at		timestamptz NOT NULL DEFAULT now(),
	due		timestamptz NOT NULL,
	retry_at	timestamptz,
	lease_until	timestamptz,
	lease_by	text,
	last_run	timestamptz,
	last_ok		timestamptz,
	last_error	text,
	failures	integer NOT NULL DEFAULT 0,
	failing_since	timestamptz
);

CREATE INDEX feeds_next ON feeds ((coalesce(retry_at, due)));
CREATE INDEX feeds_source ON feeds (source_id);

-- A feed's reading carries its slot: a run retried after a crash (by this
-- cairnd or another) inserts nothing the second time.
ALTER TABLE kpi_readings ADD COLUMN feed_slot timestamptz;
CREATE UNIQUE INDEX kpi_readings_feed_slot ON kpi_readings (kpi_id, feed_slot)
	WHERE feed_slot IS NOT NULL;

-- How many feed runs one cairnd has in flight at most.
INSERT INTO setting_names VALUES ('feed_concurrency');
INSERT INTO settings VALUES ('feed_concurrency', 8);
ALTER TABLE settings ADD CONSTRAINT settings_feed_concurrency_range
	CHECK (name <> 'feed_concurrency' OR value BETWEEN 1 AND 64);
