-- 024: no reading is dated in a closed period of its KPI (issue 13, item
-- 9; docs/rules.md, "period.closed").  A member recorded a reading dated
-- inside a closed quarter, and that quarter's export changed after its
-- close.
--
-- A KPI is tied to no period; periods are the organisation's.  The
-- closed periods of KPI k are those whose export can hold k's readings
-- (export_kpi_ids in sql/021): the periods in which k's team has an
-- objective, or in which an objective has a key result bound to k or is
-- guarded by k.  A reading falls in period p when its time, in UTC, is on
-- one of p's days: p.start_date 00:00Z <= at < (p.end_date + 1) 00:00Z,
-- the days an export of p takes readings from.
--
-- Once p is closed the objectives, key results and guardrails of p no
-- longer change (period.closed, under p's lock), so the set of closed
-- periods of a KPI only grows, and only when a period closes.  That is
-- the race to close: the trigger below locks FOR SHARE every period whose
-- days hold one of the new readings, in id order, before it looks at
-- their state; period_close() (sql/013) takes the period's row FOR NO KEY
-- UPDATE first.  So a close waits for the readings already past that
-- lock and its export holds them, and a reading that comes later waits
-- for the close and is then refused.
--
-- Logic, not schema: CREATE OR REPLACE, to be replaced by a later file
-- rather than edited here.

-- Day d's first instant in UTC, whatever the session's time zone: a
-- period's days run from period_from(start_date) to period_from(end_date
-- + 1).
CREATE OR REPLACE FUNCTION period_from(d date) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$
	SELECT d::timestamp AT TIME ZONE 'UTC'
$$;

-- p is one of k's periods: its export may hold k's readings.
CREATE OR REPLACE FUNCTION period_holds_kpi(p bigint, k bigint)
RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM objectives o JOIN kpis x
		ON x.team_id = o.team_id WHERE x.id = k AND o.period_id = p)
	    OR EXISTS (SELECT 1 FROM key_results kr JOIN objectives o
		ON o.id = kr.objective_id WHERE kr.kpi_id = k
		AND o.period_id = p)
	    OR EXISTS (SELECT 1 FROM objective_guardrails g JOIN objectives o
		ON o.id = g.objective_id WHERE g.kpi_id = k AND o.period_id = p)
$$;

-- The closed periods of k, "START END NAME ..." by start (names hold no
-- spaces): what kpi.record's context gives cairnd for its friendly check.
CREATE OR REPLACE FUNCTION kpi_closed_periods(k bigint) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT string_agg(to_char(p.start_date, 'YYYY-MM-DD') || ' ' ||
	    to_char(p.end_date, 'YYYY-MM-DD') || ' ' || p.name, ' '
	    ORDER BY p.start_date, p.id)
	FROM periods p WHERE p.state = 'closed' AND period_holds_kpi(p.id, k)
$$;

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

DROP TRIGGER IF EXISTS kpi_readings_closed ON kpi_readings;
CREATE TRIGGER kpi_readings_closed AFTER INSERT ON kpi_readings
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION kpi_readings_closed();
