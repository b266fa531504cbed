-- feed.sql: KPI feeds (sql/005_feeds.sql): when a feed runs next, what a
-- run records, and what a KPI shows of its feed.  The runner is
-- server/feedrun.c; the rules are docs/rules.md, "Feeds".

-- The first slot of the schedule after now, from the slot s: a feed runs
-- on its own grid (s, s + every, ...), so a late run does not drift it,
-- and a cairnd that was down runs once, not once per missed slot.  A slot
-- still ahead is kept: running this twice changes nothing.
CREATE OR REPLACE FUNCTION feed_next_due(s timestamptz, every integer)
RETURNS timestamptz
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN s > now() THEN s ELSE s + make_interval(secs =>
	    every * (floor(extract(epoch FROM now() - s) / every) + 1)) END
$$;

-- A feed's fixed offset into its interval, so that feeds set at the same
-- moment do not all run in the same second: up to a tenth of the
-- interval, at most 30 s, from the KPI's id.
CREATE OR REPLACE FUNCTION feed_jitter(k bigint, every integer)
RETURNS interval
LANGUAGE sql IMMUTABLE AS $$
	SELECT make_interval(secs => (k * 7919) % greatest(1,
	    least(every / 10, 30)))
$$;

-- After the n-th failure in a row, the next try: 15 s doubled with each
-- failure, at most the feed's interval.
CREATE OR REPLACE FUNCTION feed_backoff(n integer, every integer)
RETURNS interval
LANGUAGE sql IMMUTABLE AS $$
	SELECT make_interval(secs => least(every::float8,
	    15 * power(2, least(greatest(n, 1) - 1, 20))))
$$;

-- A feed is failing when its runs have failed for more than twice its
-- interval (docs/rules.md, "Feeds").
CREATE OR REPLACE FUNCTION feed_failing(f feeds) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT f.failing_since IS NOT NULL AND f.failing_since <
	    now() - make_interval(secs => 2 * f.every)
$$;

-- What a KPI shows of its feed f on source s (kpi.get, kpi.list, the
-- reply of kpi.feed, which has the row it wrote).
CREATE OR REPLACE FUNCTION feed_json(f feeds, s sources) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('source', s.name, 'kind', s.kind,
	    'query', f.query, 'every', f.every,
	    'set_by', (SELECT login FROM users WHERE id = f.set_by),
	    'next_run', cairn_time(coalesce(f.retry_at, f.due)),
	    'last_run', cairn_time(f.last_run),
	    'last_ok', cairn_time(f.last_ok), 'last_error', f.last_error,
	    'failures', f.failures, 'failing', feed_failing(f))
$$;

-- A KPI's feed: NULL for none.
CREATE OR REPLACE FUNCTION kpi_feed_of(k bigint) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT feed_json(f, s) FROM feeds f JOIN sources s ON s.id = f.source_id
	WHERE f.kpi_id = k
$$;

-- Record run's value v (at a: NULL is now) for KPI k's feed, for the slot
-- s (a manual run, `kpi feed --now`, has a slot of its own and leaves the
-- schedule alone).  The reading goes through kpi_readings' own checks
-- (sql/logic/reading.sql: archived, permission of the user who set the
-- feed, closed periods, the future) and moves bound key results as any
-- reading does; a slot already recorded inserts nothing.  Returns the
-- reading's id (NULL: that slot was recorded before, or the feed is
-- gone: turned off meanwhile, nothing recorded).
CREATE OR REPLACE FUNCTION feed_record(k bigint, s timestamptz,
    manual boolean, v float8, a timestamptz)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	f feeds;
	src text;
	rid bigint;
BEGIN
	SELECT * INTO f FROM feeds WHERE kpi_id = k FOR UPDATE;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	SELECT name INTO src FROM sources WHERE id = f.source_id;
	IF NOT source_usable_by_team(f.source_id,
	    (SELECT team_id FROM kpis WHERE id = k)) THEN
		PERFORM cairn_refuse('feed.source', 'source ''' || src ||
		    ''' is no longer allowed to this KPI''s team');
	END IF;
	INSERT INTO kpi_readings (kpi_id, value, at, note, author_id, via,
	    feed_slot)
	    VALUES (k, v, coalesce(a, now()), '', f.set_by, 'feed:' || src, s)
	    ON CONFLICT (kpi_id, feed_slot) WHERE feed_slot IS NOT NULL
	    DO NOTHING RETURNING id INTO rid;
	IF manual THEN
		UPDATE feeds SET last_run = now(), last_ok = now(),
		    last_error = NULL WHERE kpi_id = k;
	ELSIF s = coalesce(f.retry_at, f.due) THEN
		-- Only the run of the feed's current slot moves it on: a late
		-- run of a slot another cairnd took over changes nothing.
		UPDATE feeds SET last_run = now(), last_ok = now(),
		    last_error = NULL, failures = 0, failing_since = NULL,
		    retry_at = NULL, due = feed_next_due(due, every),
		    lease_until = NULL, lease_by = NULL WHERE kpi_id = k;
	END IF;
	RETURN rid;
END $$;

-- A run of KPI k's feed for slot s failed with err: counted, and tried
-- again after feed_backoff.  A manual run only shows its error.
CREATE OR REPLACE FUNCTION feed_failed(k bigint, s timestamptz,
    manual boolean, err text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	f feeds;
BEGIN
	SELECT * INTO f FROM feeds WHERE kpi_id = k FOR UPDATE;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	IF manual THEN
		UPDATE feeds SET last_run = now(), last_error = left(err, 500)
		    WHERE kpi_id = k;
	ELSIF s = coalesce(f.retry_at, f.due) THEN
		UPDATE feeds SET last_run = now(), last_error = left(err, 500),
		    failures = failures + 1,
		    failing_since = coalesce(failing_since, now()),
		    retry_at = now() + feed_backoff(failures + 1, every),
		    due = feed_next_due(due, every),
		    lease_until = NULL, lease_by = NULL WHERE kpi_id = k;
	END IF;
END $$;
