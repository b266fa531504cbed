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
-- checked_at, version, updated_at): those check the period themselves,
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

-- The forecast of key result kr (docs/rules.md, "Forecasts"): a
-- least-squares line through its check-ins of its period, value against
-- time in days from now.  value: the line at the period's end (midnight
-- UTC after its last day); progress: that value's; reaches_target_on: the
-- day the line reaches the target, today when the trend is there already,
-- NULL when not within the period (or the line goes the other way).  NULL
-- with fewer than 3 check-ins, check-ins spanning less than 7 days, a
-- boolean key result or one bound to a KPI (it takes no check-ins).
CREATE OR REPLACE FUNCTION kr_forecast_of(kr bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	t0 double precision := extract(epoch FROM now()) / 86400;
	typ text;
	s double precision;
	tg double precision;
	bound boolean;
	p_start timestamptz;
	p_end timestamptz;
	n bigint;
	a double precision;
	b double precision;
	r2 double precision;
	span double precision;
	e double precision;
	v double precision;
	up boolean;
	reach double precision;
BEGIN
	SELECT k.type, k.start_value, k.target, k.kpi_id IS NOT NULL,
	    p.start_date::timestamp AT TIME ZONE 'UTC',
	    (p.end_date + 1)::timestamp AT TIME ZONE 'UTC'
	INTO typ, s, tg, bound, p_start, p_end
	FROM key_results k JOIN objectives o ON o.id = k.objective_id
	JOIN periods p ON p.id = o.period_id WHERE k.id = kr;
	IF NOT FOUND OR bound OR typ = 'boolean' THEN
		RETURN NULL;
	END IF;
	SELECT count(*), regr_intercept(w.v, w.d), regr_slope(w.v, w.d),
	    regr_r2(w.v, w.d), max(w.d) - min(w.d)
	INTO n, a, b, r2, span
	FROM (SELECT c.value AS v, extract(epoch FROM c.at) / 86400 - t0 AS d
	    FROM checkins c WHERE c.kr_id = kr AND c.at >= p_start
	    AND c.at < p_end) w;
	IF n < 3 OR b IS NULL OR span < 7 THEN
		RETURN NULL;
	END IF;
	e := extract(epoch FROM p_end) / 86400 - t0;
	v := a + b * e;
	-- increase and above: higher is better; decrease and below: lower.
	up := typ = 'above' OR (typ = 'increase' AND tg > s);
	IF (up AND a >= tg) OR (NOT up AND a <= tg) THEN
		reach := 0;
	ELSIF (up AND b > 0) OR (NOT up AND b < 0) THEN
		reach := (tg - a) / b;
	END IF;
	RETURN json_build_object('value', v,
	    'progress', kr_progress(typ, s, tg, v),
	    'reaches_target_on', CASE WHEN reach IS NOT NULL AND reach <= e
		THEN to_char((now() + reach * interval '1 day')
		AT TIME ZONE 'UTC', 'YYYY-MM-DD') END,
	    'n', n, 'r2', r2);
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
