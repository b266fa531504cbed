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
