-- checkin.sql: check-ins: append-only (checkins.append_only), applied
-- to their key result (current value, checked_at) by checkins_apply, which
-- holds period.closed and period.not_active for check-ins; a key result
-- bound to a KPI takes none (kr.bound).

-- checked_at ---------------------------------------------------------------

-- As in sql/002, and the check-in's time is the key result's checked_at
-- (a check-in given a past time, as a loader writes them, leaves it
-- stale).  A check-in within its objective's period adds to the key
-- result's trend (trend_*, sql/006_kr_trend.sql) in the same update, as
-- regr_* would (Youngs-Cramer, from the row as it is when the update
-- takes it: two check-ins on one key result each add); the roll-up that
-- update starts (key_results_rollup_update, on trend_n too) carries the
-- objectives' forecasts up.
CREATE OR REPLACE FUNCTION checkins_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	st text;
	ps date;
	len integer;
	x double precision;
BEGIN
	SELECT period_state(o.period_id), p.start_date,
	    p.end_date + 1 - p.start_date INTO st, ps, len FROM key_results k
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
	IF NOT (x >= 0 AND x < len) THEN
		UPDATE key_results SET current = NEW.value,
		    confidence = coalesce(NEW.confidence, confidence),
		    checked_at = NEW.at, version = version + 1,
		    updated_at = now()
		    WHERE id = NEW.kr_id;
		RETURN NEW;
	END IF;
	UPDATE key_results SET current = NEW.value,
	    confidence = coalesce(NEW.confidence, confidence),
	    checked_at = NEW.at, version = version + 1, updated_at = now(),
	    trend_n = trend_n + 1, trend_sx = trend_sx + x,
	    trend_sy = trend_sy + NEW.value,
	    trend_sxx = trend_sxx + CASE WHEN trend_n > 0
		THEN (x * trend_n - trend_sx) ^ 2
		/ (trend_n * (trend_n + 1.0)) ELSE 0 END,
	    trend_syy = trend_syy + CASE WHEN trend_n > 0
		THEN (NEW.value * trend_n - trend_sy) ^ 2
		/ (trend_n * (trend_n + 1.0)) ELSE 0 END,
	    trend_sxy = trend_sxy + CASE WHEN trend_n > 0
		THEN (x * trend_n - trend_sx) * (NEW.value * trend_n - trend_sy)
		/ (trend_n * (trend_n + 1.0)) ELSE 0 END,
	    trend_xlo = least(trend_xlo, x), trend_xhi = greatest(trend_xhi, x)
	    WHERE id = NEW.kr_id;
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
