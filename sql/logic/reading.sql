-- reading.sql: KPI readings: append-only (kpi_readings.append_only),
-- their rules (kpi.archived, kpi.permission, period.closed for a reading
-- dated in a closed period) and bound key results following them.

-- Readings: checked and followed once per statement ----------------------
--
-- kpi.record writes up to 1000 readings in one INSERT; these triggers see
-- them all at once (a transition table), so the cost per statement does
-- not grow with a query per reading.
CREATE OR REPLACE FUNCTION kpi_readings_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	g record;
BEGIN
	-- No lock of our own on the KPIs: the foreign key's check has taken
	-- each KPI's row FOR KEY SHARE (after-row triggers fire before this
	-- after-statement one), and kpi.archive locks the row FOR UPDATE
	-- first, which conflicts with that.  So an archive waits for readings
	-- in flight, and a reading racing an archive waits for it; this
	-- statement, a new one, then sees it committed.
	-- One pass over the new rows, one check per (KPI, author): the cost
	-- of a bulk record is then that of its distinct KPIs, not of three
	-- scans of its readings (1000 readings: 30 ms before, 6 ms).
	FOR g IN SELECT n.kpi_id, n.author_id, max(n.at) AS latest
	    FROM new_rows n GROUP BY n.kpi_id, n.author_id ORDER BY 1, 2 LOOP
		IF (SELECT archived FROM kpis WHERE id = g.kpi_id) THEN
			PERFORM cairn_refuse('kpi.archived', 'KPI ' ||
			    g.kpi_id || ' is archived: it takes no readings');
		END IF;
		IF g.latest > statement_timestamp() + interval '5 minutes' THEN
			RAISE EXCEPTION USING ERRCODE = '22008',
			    MESSAGE = 'at: a reading may not be more than '
			    '5 minutes in the future';
		END IF;
		IF NOT coalesce(kpi_may_record(g.author_id, g.kpi_id),
		    false) THEN
			PERFORM cairn_refuse('kpi.permission', 'user ' ||
			    g.author_id || ' may not record readings of KPI ' ||
			    g.kpi_id);
		END IF;
	END LOOP;
	RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER kpi_readings_check AFTER INSERT ON kpi_readings
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION kpi_readings_check();

-- As in sql/007, and a bound key result's checked_at is its KPI's latest
-- reading's time.  Before the update, the key results and then their
-- objectives with all ancestors are locked, in the order the roll-up
-- needs (key results by id, objectives deepest first): one reading may
-- move key results under several objectives of one chain.
CREATE OR REPLACE FUNCTION kpi_readings_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM key_results
	    WHERE kpi_id IN (SELECT kpi_id FROM new_rows) AND NOT removed) THEN
		RETURN NULL;	-- the common case: nothing bound
	END IF;
	PERFORM pg_advisory_xact_lock(7270007, hashtext(k::text))
	    FROM (SELECT DISTINCT kpi_id AS k FROM new_rows ORDER BY 1) s;
	PERFORM 1 FROM periods WHERE id IN (SELECT o.period_id
	    FROM key_results kr JOIN objectives o ON o.id = kr.objective_id
	    WHERE kr.kpi_id IN (SELECT kpi_id FROM new_rows)
	    AND NOT kr.removed) ORDER BY id FOR SHARE;
	PERFORM 1 FROM key_results WHERE kpi_id IN (SELECT kpi_id
	    FROM new_rows) AND NOT removed ORDER BY id FOR NO KEY UPDATE;
	PERFORM objectives_lock_up(array(SELECT DISTINCT objective_id
	    FROM key_results WHERE kpi_id IN (SELECT kpi_id FROM new_rows)
	    AND NOT removed));
	UPDATE key_results kr SET current = l.value, checked_at = l.at,
	    version = kr.version + 1, updated_at = now()
	    FROM (SELECT DISTINCT ON (r.kpi_id) r.kpi_id, r.id, r.value, r.at
		FROM kpi_readings r
		WHERE r.kpi_id IN (SELECT kpi_id FROM new_rows)
		ORDER BY r.kpi_id, r.at DESC, r.id DESC) l,
		objectives o, periods p
	    WHERE l.id IN (SELECT id FROM new_rows)
	    AND kr.kpi_id = l.kpi_id AND NOT kr.removed
	    AND o.id = kr.objective_id AND p.id = o.period_id
	    AND p.state <> 'closed';
	RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER kpi_readings_follow AFTER INSERT ON kpi_readings
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION kpi_readings_follow();

CREATE OR REPLACE FUNCTION kpi_readings_closed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	lo date;
	hi date;
	bad record;
BEGIN
	SELECT min((n.at AT TIME ZONE 'UTC')::date),
	    max((n.at AT TIME ZONE 'UTC')::date) INTO lo, hi FROM new_rows n;
	-- Every period whose days hold a new reading, locked before its
	-- state is read (see the head of this file); few rows, as periods
	-- are few.
	PERFORM 1 FROM periods p WHERE p.end_date >= lo AND p.start_date <= hi
	    AND EXISTS (SELECT 1 FROM new_rows n
		WHERE n.at >= period_from(p.start_date)
		AND n.at < period_from(p.end_date + 1))
	    ORDER BY p.id FOR SHARE OF p;
	-- A new snapshot (READ COMMITTED): a close that committed while we
	-- waited is seen.  One test per (KPI, period), not per reading.
	SELECT c.kpi_id, c.name, c.at INTO bad FROM (SELECT n.kpi_id, p.id,
	    p.name, min(n.at) AS at FROM new_rows n JOIN periods p
	    ON n.at >= period_from(p.start_date)
	    AND n.at < period_from(p.end_date + 1)
	    WHERE p.state = 'closed' AND p.end_date >= lo AND p.start_date <= hi
	    GROUP BY n.kpi_id, p.id, p.name) c
	    WHERE period_holds_kpi(c.id, c.kpi_id)
	    ORDER BY c.kpi_id, c.id LIMIT 1;
	IF FOUND THEN
		PERFORM cairn_refuse('period.closed', 'KPI ' || bad.kpi_id ||
		    ': a reading at ' || to_char(bad.at AT TIME ZONE 'UTC',
		    'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ' falls in period ' ||
		    bad.name || ', which is closed');
	END IF;
	RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER kpi_readings_closed AFTER INSERT ON kpi_readings
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION kpi_readings_closed();

CREATE OR REPLACE TRIGGER kpi_readings_append_only BEFORE UPDATE OR DELETE
	ON kpi_readings FOR EACH ROW EXECUTE FUNCTION cairn_append_only();

CREATE OR REPLACE TRIGGER kpi_readings_no_truncate BEFORE TRUNCATE ON kpi_readings
	FOR EACH STATEMENT EXECUTE FUNCTION cairn_append_only();
