-- key_result.sql: key results: their rules (period.closed,
-- period.not_active, limit.key_results, owner.member), attainment and
-- progress of one key result, staleness, and the checked_at of a key
-- result bound to a KPI.

CREATE OR REPLACE FUNCTION key_results_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	obj objectives;
BEGIN
	SELECT * INTO obj FROM objectives WHERE id = CASE WHEN TG_OP = 'DELETE'
	    THEN OLD.objective_id ELSE NEW.objective_id END FOR UPDATE;
	IF period_state(obj.period_id) = 'closed' THEN
		PERFORM period_closed_refuse();
	END IF;
	IF TG_OP = 'DELETE' THEN
		RETURN OLD;
	END IF;
	IF TG_OP = 'INSERT' AND period_state(obj.period_id) = 'review' THEN
		PERFORM cairn_refuse('period.not_active',
		    'no new key results while the period is in review');
	END IF;
	IF TG_OP = 'INSERT' AND (SELECT count(*) FROM key_results
	    WHERE objective_id = obj.id AND NOT removed)
	    >= cairn_setting('max_key_results') THEN
		PERFORM cairn_refuse('limit.key_results',
		    'this objective already has the most key results allowed '
		    '(max_key_results)');
	END IF;
	-- Locked as for objectives, so that the membership (or the
	-- contribution) cannot be removed under a new key result.
	PERFORM 1 FROM team_members WHERE team_id = obj.team_id
	    AND user_id = NEW.owner_id FOR SHARE;
	IF NOT FOUND AND NEW.owner_id IS NOT NULL THEN
		PERFORM 1 FROM objective_contributors WHERE objective_id = obj.id
		    AND user_id = NEW.owner_id FOR SHARE;
		IF NOT FOUND THEN
			PERFORM cairn_refuse('owner.member', 'a key result''s '
			    'owner belongs to the team or contributes to the '
			    'objective');
		END IF;
	END IF;
	IF TG_OP = 'UPDATE' THEN
		NEW.updated_at := now();
	END IF;
	RETURN NEW;
END $$;

-- Not on the updates that only move a key result's value (a check-in's
-- checkins_apply, a reading's kpi_readings_follow: current, confidence,
-- checked_at, version, updated_at, the trend_* sums): those check the
-- period themselves,
-- and nothing this function checks can change with them.  Every other
-- column is listed, so that any other change passes it; tests/e2e/schema.sh
-- fails when a column of key_results is in neither list.
CREATE OR REPLACE TRIGGER key_results_check BEFORE INSERT OR DELETE
	OR UPDATE OF id, objective_id, title, type, start_value, target, unit,
	weight, owner_id, removed, created_at, kpi_id
	ON key_results FOR EACH ROW EXECUTE FUNCTION key_results_check();

-- Progress ---------------------------------------------------------------

-- Unclamped attainment of a key result.
CREATE OR REPLACE FUNCTION kr_attainment(type text, s double precision,
    t double precision, c double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE type
	    WHEN 'increase' THEN (c - s) / (t - s)
	    WHEN 'decrease' THEN (c - s) / (t - s)
	    WHEN 'above' THEN CASE WHEN c >= t THEN 1.0 ELSE 0.0 END
	    WHEN 'below' THEN CASE WHEN c <= t THEN 1.0 ELSE 0.0 END
	    ELSE CASE WHEN c >= 1 THEN 1.0 ELSE 0.0 END END
$$;

CREATE OR REPLACE FUNCTION kr_progress(type text, s double precision,
    t double precision, c double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
	SELECT greatest(0.0, least(1.0, kr_attainment(type, s, t, c)))
$$;

-- Trends (sql/006_kr_trend.sql) ---------------------------------------------

-- Days from period start ps (midnight UTC) to t: a check-in's x.
CREATE OR REPLACE FUNCTION period_day(ps date, t timestamptz)
RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
	SELECT extract(epoch FROM t - ps::timestamp AT TIME ZONE 'UTC') / 86400
$$;

-- The trend's line at x (days since the period's start), from a key
-- result's trend_* sums as regr_intercept and regr_slope compute them;
-- NULL with fewer than 3 check-ins or check-ins spanning less than 7 days.
CREATE OR REPLACE FUNCTION kr_trend_at(n bigint, sx double precision,
    sy double precision, sxx double precision, sxy double precision,
    xlo double precision, xhi double precision, x double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN n >= 3 AND xhi - xlo >= 7 AND sxx > 0
	    THEN (sy - sx * sxy / sxx) / n + sxy / sxx * x END
$$;

-- A key result's projected progress at its period's end (len: the
-- period's days), from its trend: NULL when it has no forecast (no trend,
-- a boolean key result, one bound to a KPI).  What the stored roll-up
-- reads (rollup.sql, objective_rollup_local).
CREATE OR REPLACE FUNCTION kr_trend_progress(type text, s double precision,
    t double precision, bound boolean, n bigint, sx double precision,
    sy double precision, sxx double precision, sxy double precision,
    xlo double precision, xhi double precision, len double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN type <> 'boolean' AND NOT bound
	    AND kr_trend_at(n, sx, sy, sxx, sxy, xlo, xhi, len) IS NOT NULL
	    THEN kr_progress(type, s, t, kr_trend_at(n, sx, sy, sxx, sxy, xlo,
	    xhi, len)) END
$$;

-- The trends of key results krs (NULL: all) computed again from their
-- check-ins, set-based, written where they differ: for loads that bypass
-- checkins_apply (the bench generator, with the triggers off).  Each key
-- result changed walks the roll-up up unless the transaction defers it
-- (cairn.defer_rollup, then objectives_progress_rebuild()).
CREATE OR REPLACE FUNCTION kr_trends_rebuild(krs bigint[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	UPDATE key_results k SET trend_n = coalesce(t.n, 0),
	    trend_sx = coalesce(t.sx, 0), trend_sy = coalesce(t.sy, 0),
	    trend_sxx = coalesce(t.sxx, 0), trend_syy = coalesce(t.syy, 0),
	    trend_sxy = coalesce(t.sxy, 0), trend_xlo = t.xlo,
	    trend_xhi = t.xhi
	FROM key_results k0 LEFT JOIN (SELECT w.kr_id, count(*) AS n,
	    sum(w.x) AS sx, sum(w.y) AS sy, regr_sxx(w.y, w.x) AS sxx,
	    regr_syy(w.y, w.x) AS syy, regr_sxy(w.y, w.x) AS sxy,
	    min(w.x) AS xlo, max(w.x) AS xhi
	    FROM (SELECT c.kr_id, c.value AS y,
		period_day(p.start_date, c.at) AS x,
		p.end_date + 1 - p.start_date AS len
		FROM checkins c JOIN key_results kk ON kk.id = c.kr_id
		JOIN objectives o ON o.id = kk.objective_id
		JOIN periods p ON p.id = o.period_id
		WHERE krs IS NULL OR c.kr_id = ANY (krs)) w
	    WHERE w.x >= 0 AND w.x < w.len
	    GROUP BY w.kr_id) t ON t.kr_id = k0.id
	WHERE k.id = k0.id AND (krs IS NULL OR k0.id = ANY (krs))
	AND (k.trend_n, k.trend_sx, k.trend_sy, k.trend_sxx, k.trend_syy,
	    k.trend_sxy, k.trend_xlo, k.trend_xhi) IS DISTINCT FROM
	    (coalesce(t.n, 0), coalesce(t.sx, 0), coalesce(t.sy, 0),
	    coalesce(t.sxx, 0), coalesce(t.syy, 0), coalesce(t.sxy, 0),
	    t.xlo, t.xhi);
END $$;

-- The forecast of key result kr (docs/rules.md, "Forecasts"): a
-- least-squares line through its check-ins of its period, read from its
-- stored sums (trend_*, kept by checkins_apply) in O(1).  value: the line
-- at the period's end (midnight UTC after its last day); progress: that
-- value's; reaches_target_on: the day the line reaches the target, today
-- when the trend is there already, NULL when not within the period (or
-- the line goes the other way).  NULL with fewer than 3 check-ins,
-- check-ins spanning less than 7 days, a boolean key result or one bound
-- to a KPI (it takes no check-ins).
CREATE OR REPLACE FUNCTION kr_forecast_of(kr bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	k record;
	now_x double precision;
	a double precision;
	b double precision;
	r2 double precision;
	e double precision;
	v double precision;
	up boolean;
	reach double precision;
BEGIN
	SELECT x.type, x.start_value, x.target, x.kpi_id, x.trend_n,
	    x.trend_sx, x.trend_sy, x.trend_sxx, x.trend_syy, x.trend_sxy,
	    x.trend_xlo, x.trend_xhi, p.start_date AS ps,
	    p.end_date + 1 - p.start_date AS len
	INTO k FROM key_results x JOIN objectives o ON o.id = x.objective_id
	JOIN periods p ON p.id = o.period_id WHERE x.id = kr;
	IF NOT FOUND OR k.kpi_id IS NOT NULL OR k.type = 'boolean' THEN
		RETURN NULL;
	END IF;
	v := kr_trend_at(k.trend_n, k.trend_sx, k.trend_sy, k.trend_sxx,
	    k.trend_sxy, k.trend_xlo, k.trend_xhi, k.len);
	IF v IS NULL THEN
		RETURN NULL;
	END IF;
	-- The line in days from now, as before the sums: slope b, value now a.
	now_x := period_day(k.ps, now());
	b := k.trend_sxy / k.trend_sxx;
	a := kr_trend_at(k.trend_n, k.trend_sx, k.trend_sy, k.trend_sxx,
	    k.trend_sxy, k.trend_xlo, k.trend_xhi, now_x);
	e := k.len - now_x;
	r2 := CASE WHEN k.trend_syy = 0 THEN 1
	    ELSE k.trend_sxy ^ 2 / (k.trend_sxx * k.trend_syy) END;
	-- increase and above: higher is better; decrease and below: lower.
	up := k.type = 'above' OR (k.type = 'increase'
	    AND k.target > k.start_value);
	IF (up AND a >= k.target) OR (NOT up AND a <= k.target) THEN
		reach := 0;
	ELSIF (up AND b > 0) OR (NOT up AND b < 0) THEN
		reach := (k.target - a) / b;
	END IF;
	RETURN json_build_object('value', v,
	    'progress', kr_progress(k.type, k.start_value, k.target, v),
	    'reaches_target_on', CASE WHEN reach IS NOT NULL AND reach <= e
		THEN to_char((now() + reach * interval '1 day')
		AT TIME ZONE 'UTC', 'YYYY-MM-DD') END,
	    'n', k.trend_n, 'r2', r2);
END $$;

-- Stale: an active period and no check-in (bound: no reading) for more
-- than stale_days days, counted from creation when never checked in.
CREATE OR REPLACE FUNCTION kr_stale(checked_at timestamptz, created_at timestamptz,
    period_state text, stale_days integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT period_state = 'active' AND coalesce(checked_at, created_at)
	    < now() - stale_days * interval '1 day'
$$;

CREATE OR REPLACE FUNCTION kr_stale(checked_at timestamptz, created_at timestamptz,
    period_state text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN kr_stale(checked_at, created_at, period_state,
	    cairn_setting('stale_days'));
END $$;

-- A key result bound to a KPI is checked in by the KPI's latest reading
-- from the moment it is bound (issue 8: a key result bound to a KPI
-- unread for weeks must look stale, not fresh from its binding).
CREATE OR REPLACE FUNCTION key_results_bound_checked() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.checked_at := (SELECT r.at FROM kpi_readings r
	    WHERE r.kpi_id = NEW.kpi_id ORDER BY r.at DESC, r.id DESC LIMIT 1);
	RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER key_results_bound_checked BEFORE INSERT OR UPDATE OF kpi_id
	ON key_results FOR EACH ROW WHEN (NEW.kpi_id IS NOT NULL)
	EXECUTE FUNCTION key_results_bound_checked();
