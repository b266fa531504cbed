-- kpi.sql: KPIs: health and staleness of a KPI, who may record it,
-- who may read it, its closed periods, and the kpi_status view.  The rules
-- of its readings are in reading.sql.

-- Health -----------------------------------------------------------------

-- The health of one reading v; thresholds inclusive.  'none' for no value.
CREATE OR REPLACE FUNCTION kpi_reading_health(direction text, green double precision,
    amber double precision, green_high double precision,
    amber_high double precision, v double precision) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
	    WHEN v IS NULL THEN 'none'
	    WHEN direction = 'up' THEN CASE WHEN v >= green THEN 'green'
		WHEN v >= amber THEN 'amber' ELSE 'red' END
	    WHEN direction = 'down' THEN CASE WHEN v <= green THEN 'green'
		WHEN v <= amber THEN 'amber' ELSE 'red' END
	    ELSE CASE WHEN v >= green AND v <= green_high THEN 'green'
		WHEN v >= amber AND v <= amber_high THEN 'amber'
		ELSE 'red' END END
$$;

-- The health of KPI k with the given definition: the best among its last
-- n readings by time, so that a KPI set to breach after n readings does not
-- turn red on one bad reading; 'none' before the first.  The thresholds
-- are arguments so that a statement changing them can answer with the
-- health they give (its final SELECT sees the kpis row from before).
CREATE OR REPLACE FUNCTION kpi_health_of(k bigint, direction text,
    green double precision, amber double precision,
    green_high double precision, amber_high double precision, n integer)
RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
	-- PL/pgSQL so that the plan is kept: a SQL function with a FROM is
	-- planned again at each call, once per row of a list.
	RETURN (SELECT CASE min(CASE h WHEN 'green' THEN 0 WHEN 'amber'
	    THEN 1 ELSE 2 END)
	    WHEN 0 THEN 'green' WHEN 1 THEN 'amber' WHEN 2 THEN 'red'
	    ELSE 'none' END
	FROM (SELECT kpi_reading_health(direction, green, amber, green_high,
	    amber_high, r.value) AS h
	    FROM kpi_readings r WHERE r.kpi_id = k
	    ORDER BY r.at DESC, r.id DESC LIMIT greatest(n, 1)) last);
END $$;

CREATE OR REPLACE FUNCTION kpi_health(kpi bigint) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT kpi_health_of(k.id, k.direction, k.green, k.amber,
	    k.green_high, k.amber_high, k.breach_after)
	FROM kpis k WHERE k.id = kpi);
END $$;

-- The forecast of KPI k with the given thresholds (docs/rules.md,
-- "Forecasts"): a least-squares line through its latest forecast_window
-- readings, value against time in days from now, so that its intercept is
-- the trend's value now.  value: the line's value forecast_horizon days
-- from now; breach_in_days: when the latest reading is not red, the first
-- whole day from now (1 to forecast_horizon) on which the line's value is
-- red by the thresholds alone, else NULL.  NULL with fewer than 4 readings
-- or readings spanning less than a day.
CREATE OR REPLACE FUNCTION kpi_forecast_of(k bigint, direction text,
    green double precision, amber double precision,
    green_high double precision, amber_high double precision)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	win integer := greatest(cairn_setting('forecast_window'), 4);
	hor integer := cairn_setting('forecast_horizon');
	t0 double precision := extract(epoch FROM now()) / 86400;
	n bigint;
	a double precision;
	b double precision;
	r2 double precision;
	latest double precision;
	span double precision;
	breach integer;
BEGIN
	SELECT count(*), regr_intercept(w.v, w.d), regr_slope(w.v, w.d),
	    regr_r2(w.v, w.d), (array_agg(w.v ORDER BY w.d DESC))[1],
	    max(w.d) - min(w.d)
	INTO n, a, b, r2, latest, span
	FROM (SELECT r.value AS v, extract(epoch FROM r.at) / 86400 - t0 AS d
	    FROM kpi_readings r WHERE r.kpi_id = k
	    ORDER BY r.at DESC, r.id DESC LIMIT win) w;
	-- Readings bunched within a day (a bulk load, a burst) give a slope
	-- that says nothing of the trend.
	IF n < 4 OR b IS NULL OR span < 1 THEN
		RETURN NULL;
	END IF;
	IF kpi_reading_health(direction, green, amber, green_high, amber_high,
	    latest) <> 'red' THEN
		SELECT min(d) INTO breach FROM generate_series(1, hor) d
		WHERE kpi_reading_health(direction, green, amber, green_high,
		    amber_high, a + b * d) = 'red';
	END IF;
	RETURN json_build_object('value', a + b * hor,
	    'at', to_char((now() + hor * interval '1 day') AT TIME ZONE 'UTC',
		'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
	    'breach_in_days', breach, 'n', n, 'r2', r2);
END $$;

-- The window a reading is expected in.
CREATE OR REPLACE FUNCTION kpi_window(frequency text) RETURNS interval
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE frequency WHEN 'daily' THEN interval '1 day'
	    WHEN 'weekly' THEN interval '7 days'
	    ELSE interval '31 days' END
$$;

-- Stale: no reading, or the latest older than the window and a half.
CREATE OR REPLACE FUNCTION kpi_stale_of(k bigint, frequency text) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT coalesce((SELECT max(r.at) FROM kpi_readings r
	    WHERE r.kpi_id = k) < now() - kpi_window(frequency) * 1.5, true)
$$;

CREATE OR REPLACE FUNCTION kpi_stale(kpi bigint) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT kpi_stale_of(k.id, k.frequency) FROM kpis k
	    WHERE k.id = kpi);
END $$;

-- Who may record a reading of KPI k: an admin, the KPI's owner, a member
-- or lead of its team, a lead of an ancestor team.  Disabled users none.
-- PL/pgSQL, not SQL: a SQL function that cannot be inlined is planned
-- again at every call, and this one runs for every kpi.record (measured:
-- 841 against 2110 one-reading INSERTs a second from 32 clients).
CREATE OR REPLACE FUNCTION kpi_may_record(u bigint, k bigint) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT us.enabled AND (us.role = 'admin' OR x.owner_id = u
	    OR EXISTS (SELECT 1 FROM team_members m
		WHERE m.team_id = x.team_id AND m.user_id = u)
	    OR EXISTS (SELECT 1 FROM team_members m
		JOIN team_ancestors(x.team_id) a ON a.id = m.team_id
		WHERE a.dist > 0 AND m.user_id = u AND m.role = 'lead'))
	    FROM kpis x, users us WHERE x.id = k AND us.id = u);
END $$;

-- Links from what a reader may read to what they may
-- not (issue 13, "Links from what you may read to what you may not").
--
-- A link is made by someone who may read both ends (objective.guard,
-- kr.create --kpi, objective.align check that); a team that becomes
-- private later cuts nothing.  A reader who may not read the far end
-- sees the link as hidden: no id, no name, no value (docs/rules.md,
-- "Reading: private teams").  The read rules are those of the get ops:
-- can_read_objective() for objectives, can_read_team() of the KPI's team
-- for KPIs (sql/002).

-- May user u (role r) read KPI k?  A missing KPI (no link) is readable:
-- callers ask about links, and no link hides nothing.
CREATE OR REPLACE FUNCTION kpi_readable(u bigint, r text, k bigint)
RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT k IS NULL OR coalesce((SELECT can_read_team(u, r, x.team_id)
	    FROM kpis x WHERE x.id = k), true)
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

-- Every KPI's state, set-based: its health (as kpi_health_of above:
-- the best of its last breach_after readings, 'none' before the first),
-- its latest reading's time, stale (as kpi_stale_of: no reading, or the
-- latest older than a window and a half) and due (no reading within its
-- window: the next one is expected).  A view, so that a filter on the
-- team or the id reaches the scan of kpis and the readings are read by
-- index, a few per KPI.
CREATE OR REPLACE VIEW kpi_status AS
SELECT k.id AS kpi_id, k.team_id, k.owner_id, k.name, k.archived,
    k.frequency,
    coalesce((SELECT CASE min(CASE x.h WHEN 'green' THEN 0
	WHEN 'amber' THEN 1 ELSE 2 END)
	WHEN 0 THEN 'green' WHEN 1 THEN 'amber' WHEN 2 THEN 'red' END
	FROM (SELECT kpi_reading_health(k.direction, k.green, k.amber,
	    k.green_high, k.amber_high, r.value) AS h
	    FROM kpi_readings r WHERE r.kpi_id = k.id
	    ORDER BY r.at DESC, r.id DESC
	    LIMIT greatest(k.breach_after, 1)) x), 'none') AS health,
    l.at AS latest_at,
    coalesce(l.at < now() - kpi_window(k.frequency) * 1.5, true) AS stale,
    coalesce(l.at <= now() - kpi_window(k.frequency), true) AS due
FROM kpis k
LEFT JOIN LATERAL (SELECT r.at FROM kpi_readings r WHERE r.kpi_id = k.id
    ORDER BY r.at DESC, r.id DESC LIMIT 1) l ON true;
