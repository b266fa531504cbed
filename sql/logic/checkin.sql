-- checkin.sql: check-ins: append-only (checkins.append_only), applied
-- to their key result (current value, checked_at) by checkins_apply, which
-- holds period.closed and period.not_active for check-ins; a key result
-- bound to a KPI takes none (kr.bound).

-- checked_at ---------------------------------------------------------------

-- As in sql/002, and the check-in's time is the key result's checked_at
-- (a check-in given a past time, as a loader writes them, leaves it
-- stale).  A check-in within its objective's period adds to the key
-- result's trend (kr_trends, sql/006_kr_trend.sql) first, as regr_* would
-- (Youngs-Cramer), so that the roll-up its value starts sees the new
-- trend; a check-in that leaves the value as it was starts no roll-up of
-- its own, so it walks up here (the objectives' forecasts, rollup.sql).
CREATE OR REPLACE FUNCTION checkins_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	st text;
	ps date;
	len integer;
	obj bigint;
	cur double precision;
	x double precision;
BEGIN
	SELECT period_state(o.period_id), p.start_date,
	    p.end_date + 1 - p.start_date, k.objective_id, k.current
	    INTO st, ps, len, obj, cur FROM key_results k
	    JOIN objectives o ON o.id = k.objective_id
	    JOIN periods p ON p.id = o.period_id WHERE k.id = NEW.kr_id;
	IF st = 'closed' THEN
		PERFORM period_closed_refuse();
	END IF;
	IF st = 'draft' THEN
		PERFORM cairn_refuse('period.not_active',
		    'no check-ins while the period is a draft');
	END IF;
	x := period_day(ps, NEW.at);
	IF x >= 0 AND x < len THEN
		INSERT INTO kr_trends AS t (kr_id, n, sx, sy, sxx, syy, sxy,
		    xlo, xhi)
		    VALUES (NEW.kr_id, 1, x, NEW.value, 0, 0, 0, x, x)
		    ON CONFLICT (kr_id) DO UPDATE SET n = t.n + 1,
		    sx = t.sx + x, sy = t.sy + NEW.value,
		    sxx = t.sxx + (x * t.n - t.sx) ^ 2 / (t.n * (t.n + 1.0)),
		    syy = t.syy + (NEW.value * t.n - t.sy) ^ 2
			/ (t.n * (t.n + 1.0)),
		    sxy = t.sxy + (x * t.n - t.sx) * (NEW.value * t.n - t.sy)
			/ (t.n * (t.n + 1.0)),
		    xlo = least(t.xlo, x), xhi = greatest(t.xhi, x);
	END IF;
	UPDATE key_results SET current = NEW.value,
	    confidence = coalesce(NEW.confidence, confidence),
	    checked_at = NEW.at, version = version + 1, updated_at = now()
	    WHERE id = NEW.kr_id;
	IF x >= 0 AND x < len AND cur IS NOT DISTINCT FROM NEW.value
	    AND NOT cairn_rollup_deferred() THEN
		PERFORM objectives_walk_up(obj);
	END IF;
	RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER checkins_apply AFTER INSERT ON checkins
	FOR EACH ROW EXECUTE FUNCTION checkins_apply();

-- kr.bound: a bound KR's value comes from its KPI's readings only.
CREATE OR REPLACE FUNCTION checkins_check_bound() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM key_results
	    WHERE id = NEW.kr_id AND kpi_id IS NOT NULL) THEN
		PERFORM cairn_refuse('kr.bound', 'this key result follows a '
		    'KPI: record a reading of the KPI instead');
	END IF;
	RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER checkins_check_bound BEFORE INSERT ON checkins
	FOR EACH ROW EXECUTE FUNCTION checkins_check_bound();

CREATE OR REPLACE TRIGGER checkins_append_only BEFORE UPDATE OR DELETE ON checkins
	FOR EACH ROW EXECUTE FUNCTION cairn_append_only();
