-- rollup.sql: objectives' progress and forecast, stored and rolled up
-- from key results (their trends: key_result.sql) and child objectives by
-- triggers, in ancestor order and under the ancestors' row locks
-- (docs/rules.md, "Progress", "Forecasts"); a transaction may defer it
-- (cairn.defer_rollup) and rebuild.

-- PL/pgSQL, as before: a SQL function with a subquery is planned again
-- at every call, and this one runs for every objective read.
CREATE OR REPLACE FUNCTION objective_progress(o bigint, lvl integer DEFAULT 0)
RETURNS double precision
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN objective_progress_as(o, (SELECT rollup FROM objectives
	    WHERE id = o), lvl);
END $$;

-- What the one change path (server/change.c) needs from the schema.
--
-- A write answers with the row its reply shows, computed in the same
-- statement.  That statement's final SELECT sees the tables as they were
-- before it, so progress after an edit of an objective's roll-up mode is
-- computed from the mode the UPDATE returned, not the one stored before:
-- objective_progress_as takes the mode as an argument, and
-- objective_progress is that function with the stored mode (one body).
CREATE OR REPLACE FUNCTION objective_progress_as(o bigint, mode text,
    lvl integer DEFAULT 0) RETURNS double precision
LANGUAGE plpgsql STABLE AS $$
DECLARE
	nk bigint; ks double precision; kw double precision;
	nc bigint; cs double precision; cw double precision;
BEGIN
	IF lvl > 1000 THEN
		RETURN 0;
	END IF;
	SELECT count(*), coalesce(sum(weight * kr_progress(type, start_value,
	    target, current)), 0), coalesce(sum(weight), 0)
	    INTO nk, ks, kw FROM key_results WHERE objective_id = o
	    AND NOT removed;
	SELECT count(*), coalesce(sum(weight * objective_progress(id,
	    lvl + 1)), 0), coalesce(sum(weight), 0)
	    INTO nc, cs, cw FROM objectives WHERE parent_id = o
	    AND NOT archived;
	IF mode = 'auto' THEN
		mode := CASE WHEN nk > 0 THEN 'krs' ELSE 'children' END;
	END IF;
	IF mode = 'krs' THEN
		RETURN CASE WHEN kw > 0 THEN ks / kw ELSE 0 END;
	ELSIF mode = 'children' THEN
		RETURN CASE WHEN cw > 0 THEN cs / cw ELSE 0 END;
	END IF;
	RETURN CASE WHEN kw + cw > 0 THEN (ks + cs) / (kw + cw) ELSE 0 END;
END $$;

-- The stored roll-up ---------------------------------------------------------

-- Objective o's progress from its key results and its children's stored
-- progress, in roll-up mode m (objective_progress_as's rule, one level).
CREATE OR REPLACE FUNCTION objective_progress_local(o bigint, m text)
RETURNS double precision
LANGUAGE plpgsql STABLE AS $$
DECLARE
	nk bigint; ks double precision; kw double precision;
	cs double precision; cw double precision;
BEGIN
	SELECT count(*), coalesce(sum(weight * kr_progress(type, start_value,
	    target, current)), 0), coalesce(sum(weight), 0)
	    INTO nk, ks, kw FROM key_results WHERE objective_id = o
	    AND NOT removed;
	SELECT coalesce(sum(weight * progress), 0), coalesce(sum(weight), 0)
	    INTO cs, cw FROM objectives WHERE parent_id = o AND NOT archived;
	IF m = 'auto' THEN
		m := CASE WHEN nk > 0 THEN 'krs' ELSE 'children' END;
	END IF;
	IF m = 'krs' THEN
		RETURN CASE WHEN kw > 0 THEN ks / kw ELSE 0 END;
	ELSIF m = 'children' THEN
		RETURN CASE WHEN cw > 0 THEN cs / cw ELSE 0 END;
	END IF;
	RETURN CASE WHEN kw + cw > 0 THEN (ks + cs) / (kw + cw) ELSE 0 END;
END $$;

-- Objective o's stored roll-up, one level (objective_progress_local's
-- rule): its progress and its forecast (docs/rules.md, "Forecasts"), the
-- same roll-up of its key results' projected progress at the period's end
-- (kr_trend_progress; a key result without a forecast counts with its
-- progress now) and of its children's stored forecasts (a child without
-- one counts with its progress): NULL when none of the key results it
-- rolls up has a forecast; forecast_n of them have one, of forecast_of.
CREATE OR REPLACE FUNCTION objective_rollup_local(o bigint, m text,
    OUT progress double precision, OUT forecast double precision,
    OUT forecast_n integer, OUT forecast_of integer)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	nk bigint; ks double precision; kw double precision;
	kf double precision; kn bigint;
	cs double precision; cw double precision; cf double precision;
	cn bigint; co bigint;
BEGIN
	-- One statement for the key results and the period's length (len):
	-- this runs at every level of every check-in's walk.
	SELECT count(*), coalesce(sum(k.weight * k.p), 0),
	    coalesce(sum(k.weight), 0),
	    coalesce(sum(k.weight * coalesce(k.f, k.p)), 0), count(k.f)
	    INTO nk, ks, kw, kf, kn
	    FROM (SELECT k.weight, kr_progress(k.type, k.start_value, k.target,
		k.current) AS p, kr_trend_progress(k.type, k.start_value,
		k.target, k.kpi_id IS NOT NULL, k.trend_n, k.trend_sx,
		k.trend_sy, k.trend_sxx, k.trend_sxy, k.trend_xlo, k.trend_xhi,
		pl.len) AS f
		FROM key_results k, (SELECT p.end_date + 1 - p.start_date AS len
		FROM objectives x JOIN periods p ON p.id = x.period_id
		WHERE x.id = o) pl
		WHERE k.objective_id = o AND NOT k.removed) k;
	SELECT coalesce(sum(c.weight * c.progress), 0),
	    coalesce(sum(c.weight), 0),
	    coalesce(sum(c.weight * coalesce(c.forecast, c.progress)), 0),
	    coalesce(sum(c.forecast_n), 0), coalesce(sum(c.forecast_of), 0)
	    INTO cs, cw, cf, cn, co FROM objectives c
	    WHERE c.parent_id = o AND NOT c.archived;
	IF m = 'auto' THEN
		m := CASE WHEN nk > 0 THEN 'krs' ELSE 'children' END;
	END IF;
	IF m = 'krs' THEN
		cs := 0; cw := 0; cf := 0; cn := 0; co := 0;
	ELSIF m = 'children' THEN
		nk := 0; ks := 0; kw := 0; kf := 0; kn := 0;
	END IF;
	progress := CASE WHEN kw + cw > 0 THEN (ks + cs) / (kw + cw) ELSE 0 END;
	forecast := CASE WHEN kn + cn > 0 AND kw + cw > 0
	    THEN (kf + cf) / (kw + cw) END;
	forecast_n := kn + cn;
	forecast_of := nk + co;
END $$;

-- Recompute objective o and its ancestors, leaf to root (the check-in's
-- path).  VOLATILE: each statement takes a new snapshot.
CREATE OR REPLACE FUNCTION objectives_walk_up(o bigint) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	was record; r record;
	n integer := 0;
BEGIN
	WHILE o IS NOT NULL AND n < 1000 LOOP
		-- The lock first, alone: the next statement's snapshot then
		-- sees every change committed by the lock's holders before.
		SELECT parent_id, rollup, progress, forecast, forecast_n,
		    forecast_of INTO was FROM objectives WHERE id = o
		    FOR NO KEY UPDATE;
		EXIT WHEN NOT FOUND;
		r := objective_rollup_local(o, was.rollup);
		EXIT WHEN r.progress = was.progress
		    AND r.forecast IS NOT DISTINCT FROM was.forecast
		    AND r.forecast_n = was.forecast_n
		    AND r.forecast_of = was.forecast_of;
		UPDATE objectives SET progress = r.progress,
		    forecast = r.forecast, forecast_n = r.forecast_n,
		    forecast_of = r.forecast_of WHERE id = o;
		o := was.parent_id;
		n := n + 1;
	END LOOP;
END $$;

-- The objectives in starts and all their ancestors, deepest first (then
-- by id): the order in which a change from several objectives locks them.
CREATE OR REPLACE FUNCTION objectives_up_order(starts bigint[])
RETURNS TABLE (id bigint, depth integer)
LANGUAGE sql STABLE AS $$
	WITH RECURSIVE up (s, id, parent_id, dist) AS (
		SELECT o.id, o.id, o.parent_id, 0 FROM objectives o
		WHERE o.id = ANY (starts)
		UNION ALL
		SELECT up.s, p.id, p.parent_id, up.dist + 1 FROM objectives p
		JOIN up ON p.id = up.parent_id WHERE up.dist < 1000),
	d AS (SELECT up.id, max(up.dist) OVER (PARTITION BY up.s) - up.dist
		AS depth FROM up)
	SELECT d.id, max(d.depth)::integer FROM d GROUP BY d.id
	ORDER BY 2 DESC, 1
$$;

-- Lock the objectives in starts and their ancestors in that order.  FOR
-- NO KEY UPDATE, as the roll-up's own UPDATE takes: a foreign key's KEY
-- SHARE check (a new child, key result or check-in) does not wait for it.
CREATE OR REPLACE FUNCTION objectives_lock_up(starts bigint[]) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT u.id FROM objectives_up_order(starts) u LOOP
		PERFORM 1 FROM objectives WHERE id = r.id FOR NO KEY UPDATE;
	END LOOP;
END $$;

-- Recompute the objectives in starts and their ancestors.
CREATE OR REPLACE FUNCTION objectives_refresh(starts bigint[]) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	u record; was record; r record;
BEGIN
	starts := array(SELECT DISTINCT x FROM unnest(starts) x
	    WHERE x IS NOT NULL);
	IF cardinality(starts) = 0 THEN
		RETURN;
	ELSIF cardinality(starts) = 1 THEN
		PERFORM objectives_walk_up(starts[1]);
		RETURN;
	END IF;
	FOR u IN SELECT x.id FROM objectives_up_order(starts) x LOOP
		SELECT rollup, progress, forecast, forecast_n, forecast_of
		    INTO was FROM objectives WHERE id = u.id FOR NO KEY UPDATE;
		CONTINUE WHEN NOT FOUND;
		r := objective_rollup_local(u.id, was.rollup);
		IF r.progress IS DISTINCT FROM was.progress
		    OR r.forecast IS DISTINCT FROM was.forecast
		    OR r.forecast_n <> was.forecast_n
		    OR r.forecast_of <> was.forecast_of THEN
			UPDATE objectives SET progress = r.progress,
			    forecast = r.forecast, forecast_n = r.forecast_n,
			    forecast_of = r.forecast_of WHERE id = u.id;
		END IF;
	END LOOP;
END $$;

CREATE OR REPLACE FUNCTION key_results_rollup() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF cairn_rollup_deferred() THEN
		RETURN NULL;
	END IF;
	IF TG_OP = 'INSERT' THEN
		PERFORM objectives_walk_up(NEW.objective_id);
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM objectives_walk_up(OLD.objective_id);
	ELSIF OLD.objective_id <> NEW.objective_id THEN
		PERFORM objectives_refresh(ARRAY[OLD.objective_id,
		    NEW.objective_id]);
	ELSE
		PERFORM objectives_walk_up(NEW.objective_id);
	END IF;
	RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER key_results_rollup AFTER INSERT OR DELETE ON key_results
	FOR EACH ROW EXECUTE FUNCTION key_results_rollup();

-- trend_n: a check-in that leaves the value as it was still moves the
-- trend, and so the objectives' forecasts.
CREATE OR REPLACE TRIGGER key_results_rollup_update AFTER UPDATE OF current, weight,
	removed, type, start_value, target, objective_id, trend_n ON key_results
	FOR EACH ROW WHEN (OLD.current IS DISTINCT FROM NEW.current
	    OR OLD.trend_n IS DISTINCT FROM NEW.trend_n
	    OR OLD.weight IS DISTINCT FROM NEW.weight
	    OR OLD.removed IS DISTINCT FROM NEW.removed
	    OR OLD.type IS DISTINCT FROM NEW.type
	    OR OLD.start_value IS DISTINCT FROM NEW.start_value
	    OR OLD.target IS DISTINCT FROM NEW.target
	    OR OLD.objective_id IS DISTINCT FROM NEW.objective_id)
	EXECUTE FUNCTION key_results_rollup();

-- Objectives: a new one has no key results and no children (progress 0);
-- alignment, weight, mode and archiving change what its parents read.
CREATE OR REPLACE FUNCTION objectives_progress_init() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.progress := 0;
	RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER objectives_progress_init BEFORE INSERT ON objectives
	FOR EACH ROW EXECUTE FUNCTION objectives_progress_init();

CREATE OR REPLACE FUNCTION objectives_rollup() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF cairn_rollup_deferred() THEN
		RETURN NULL;
	END IF;
	IF TG_OP = 'INSERT' THEN
		PERFORM objectives_walk_up(NEW.parent_id);
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM objectives_walk_up(OLD.parent_id);
	ELSE
		PERFORM objectives_refresh(ARRAY[OLD.parent_id, NEW.parent_id,
		    CASE WHEN OLD.rollup <> NEW.rollup THEN NEW.id END]);
	END IF;
	RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER objectives_rollup AFTER INSERT OR DELETE ON objectives
	FOR EACH ROW EXECUTE FUNCTION objectives_rollup();

CREATE OR REPLACE TRIGGER objectives_rollup_update AFTER UPDATE OF parent_id, weight,
	rollup, archived ON objectives
	FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id
	    OR OLD.weight IS DISTINCT FROM NEW.weight
	    OR OLD.rollup IS DISTINCT FROM NEW.rollup
	    OR OLD.archived IS DISTINCT FROM NEW.archived)
	EXECUTE FUNCTION objectives_rollup();

CREATE OR REPLACE FUNCTION objectives_rollup_lock() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NOT cairn_rollup_deferred() THEN
		PERFORM objectives_lock_up(array_remove(ARRAY[OLD.parent_id,
		    NEW.parent_id], NULL));
	END IF;
	RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER objectives_rollup_lock BEFORE UPDATE OF parent_id ON objectives
	FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id)
	EXECUTE FUNCTION objectives_rollup_lock();

-- Every objective's stored progress and forecast (objective_rollup_local's
-- rule), set-based, level by level from the deepest (bulk loads, and
-- tests comparing stored and computed progress).
CREATE OR REPLACE FUNCTION objectives_progress_rebuild() RETURNS void
LANGUAGE plpgsql VOLATILE SET client_min_messages = warning AS $$
DECLARE
	d integer;
BEGIN
	DROP TABLE IF EXISTS pace_rebuild;
	CREATE TEMP TABLE pace_rebuild ON COMMIT DROP AS
	WITH RECURSIVE down (id, depth) AS (
		SELECT id, 0 FROM objectives WHERE parent_id IS NULL
		UNION ALL
		SELECT c.id, down.depth + 1 FROM objectives c
		JOIN down ON c.parent_id = down.id WHERE down.depth < 1000)
	SELECT down.id, down.depth, o.rollup, coalesce(k.nk, 0) AS nk,
	    coalesce(k.ks, 0) AS ks, coalesce(k.kw, 0) AS kw,
	    coalesce(k.kf, 0) AS kf, coalesce(k.kn, 0) AS kn
	FROM down JOIN objectives o ON o.id = down.id
	LEFT JOIN (SELECT w.objective_id, count(*) AS nk, sum(w.weight * w.p)
	    AS ks, sum(w.weight) AS kw, sum(w.weight * coalesce(w.f, w.p))
	    AS kf, count(w.f) AS kn
	    FROM (SELECT k.objective_id, k.weight, kr_progress(k.type,
		k.start_value, k.target, k.current) AS p,
		kr_trend_progress(k.type, k.start_value, k.target,
		k.kpi_id IS NOT NULL, k.trend_n, k.trend_sx, k.trend_sy,
		k.trend_sxx, k.trend_sxy, k.trend_xlo, k.trend_xhi,
		p.end_date + 1 - p.start_date) AS f
		FROM key_results k JOIN objectives x ON x.id = k.objective_id
		JOIN periods p ON p.id = x.period_id
		WHERE NOT k.removed) w
	    GROUP BY w.objective_id) k ON k.objective_id = down.id;
	CREATE INDEX ON pace_rebuild (depth);
	ANALYZE pace_rebuild;
	FOR d IN REVERSE (SELECT coalesce(max(depth), -1) FROM pace_rebuild)
	    .. 0 LOOP
		UPDATE objectives o SET progress = v.p, forecast = v.f,
		    forecast_n = v.fn, forecast_of = v.fo FROM (
		    SELECT u.id, CASE WHEN u.kw + u.cw > 0
			THEN (u.ks + u.cs) / (u.kw + u.cw) ELSE 0 END AS p,
			CASE WHEN u.kn + u.cn > 0 AND u.kw + u.cw > 0
			THEN (u.kf + u.cf) / (u.kw + u.cw) END AS f,
			(u.kn + u.cn)::integer AS fn,
			(u.nk + u.co)::integer AS fo
		    FROM (SELECT r.id,
			CASE WHEN m.k THEN r.nk ELSE 0 END AS nk,
			CASE WHEN m.k THEN r.ks ELSE 0 END AS ks,
			CASE WHEN m.k THEN r.kw ELSE 0 END AS kw,
			CASE WHEN m.k THEN r.kf ELSE 0 END AS kf,
			CASE WHEN m.k THEN r.kn ELSE 0 END AS kn,
			CASE WHEN m.c THEN coalesce(c.cs, 0) ELSE 0 END AS cs,
			CASE WHEN m.c THEN coalesce(c.cw, 0) ELSE 0 END AS cw,
			CASE WHEN m.c THEN coalesce(c.cf, 0) ELSE 0 END AS cf,
			CASE WHEN m.c THEN coalesce(c.cn, 0) ELSE 0 END AS cn,
			CASE WHEN m.c THEN coalesce(c.co, 0) ELSE 0 END AS co
		    FROM pace_rebuild r
		    CROSS JOIN LATERAL (SELECT r.rollup IN ('krs', 'both')
			OR (r.rollup = 'auto' AND r.nk > 0) AS k,
			r.rollup IN ('children', 'both')
			OR (r.rollup = 'auto' AND r.nk = 0) AS c) m
		    LEFT JOIN (SELECT x.parent_id, sum(x.weight * x.progress)
			AS cs, sum(x.weight) AS cw,
			sum(x.weight * coalesce(x.forecast, x.progress)) AS cf,
			sum(x.forecast_n) AS cn, sum(x.forecast_of) AS co
			FROM objectives x
			JOIN pace_rebuild xr ON xr.id = x.id
			WHERE xr.depth = d + 1 AND NOT x.archived
			GROUP BY x.parent_id) c ON c.parent_id = r.id
		    WHERE r.depth = d) u) v
		WHERE o.id = v.id AND (o.progress IS DISTINCT FROM v.p
		    OR o.forecast IS DISTINCT FROM v.f
		    OR o.forecast_n IS DISTINCT FROM v.fn
		    OR o.forecast_of IS DISTINCT FROM v.fo);
	END LOOP;
	DROP TABLE pace_rebuild;
END $$;

-- Bulk loads (the bench generator, import, the demo) may defer the
-- roll-up: with `SET LOCAL cairn.defer_rollup = on` the roll-up triggers
-- do nothing, and the loader calls objectives_progress_rebuild() before
-- it commits (one set-based pass instead of a walk per row).  cairnd's
-- own statements never set it.
CREATE OR REPLACE FUNCTION cairn_rollup_deferred() RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT coalesce(current_setting('cairn.defer_rollup', true), '') = 'on'
$$;
