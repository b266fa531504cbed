-- 012: status by pace, stale key results, stored roll-up, grading (issue 8).
--
-- objectives.progress stores what objective_progress(id) computes, so that
-- a read of the whole organisation needs no recursive function per row.
-- Triggers keep it: a change to a key result or to an objective's
-- alignment, weight, roll-up mode or archived flag recomputes the objective
-- concerned and then its ancestors, each from its direct key results and
-- the STORED progress of its direct children (one level, indexed).
--
-- Concurrency (READ COMMITTED).  Each objective on the way up is first
-- locked (FOR NO KEY UPDATE) in a statement of its own, then recomputed in a new
-- statement, whose new snapshot sees what every transaction that held the
-- lock before committed.  Two check-ins under one parent: the second waits
-- for the first's lock on the parent, then recomputes it from both.  The
-- lock order is leaf to root (a walk along one chain); a change that
-- starts from several objectives at once (an alignment move: old and new
-- parent; a reading followed by several key results) locks all the
-- objectives concerned in order of depth, deepest first, so that it never
-- holds an ancestor of a row it still waits for: no deadlock with the
-- single walks.  A walk stops early where the value does not change: the
-- transaction that stored that value held the row until it had updated
-- the ancestors too.
--
-- Sums of floating-point numbers in another order may differ in the last
-- bit: stored and computed progress agree to 1e-9, not bit for bit.

-- Settings -----------------------------------------------------------------

DO $$
DECLARE
	c record;
BEGIN
	FOR c IN SELECT conname, pg_get_constraintdef(oid) AS def
	    FROM pg_constraint WHERE conrelid = 'settings'::regclass
	    AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%name%'
	LOOP
		EXECUTE format('ALTER TABLE settings DROP CONSTRAINT %I',
		    c.conname);
		EXECUTE format('ALTER TABLE settings ADD CONSTRAINT %I CHECK '
		    '(%s OR name IN (''stale_days'', ''due_days'', '
		    '''pace_off_pct'', ''pace_risk_pct'', '
		    '''pace_off_confidence'', ''pace_risk_confidence''))',
		    c.conname, regexp_replace(c.def, '^CHECK ', ''));
	END LOOP;
END $$;
INSERT INTO settings VALUES ('stale_days', 14), ('due_days', 7),
	('pace_off_pct', 50), ('pace_risk_pct', 85),
	('pace_off_confidence', 3), ('pace_risk_confidence', 6);

-- Columns --------------------------------------------------------------------

ALTER TABLE objectives ADD COLUMN progress double precision NOT NULL
	DEFAULT 0;
ALTER TABLE objectives ADD COLUMN grade double precision
	CHECK (grade >= 0 AND grade <= 1);
ALTER TABLE objectives ADD COLUMN grade_note text
	CHECK (length(grade_note) <= 2000);
-- met follows from the grade and the type (objectives_met below).
ALTER TABLE objectives ADD COLUMN met boolean;
ALTER TABLE key_results ADD COLUMN checked_at timestamptz;

-- Pace -------------------------------------------------------------------

-- The elapsed fraction of a period from start_date 00:00 to the end of
-- end_date (the server's time zone): 0 before, 1 after.
CREATE FUNCTION period_expected_of(s date, e date, at timestamptz)
RETURNS double precision
LANGUAGE sql STABLE AS $$
	SELECT greatest(0.0, least(1.0,
	    extract(epoch FROM (at - s::timestamptz)) /
	    extract(epoch FROM ((e + 1)::timestamptz - s::timestamptz))))::float8
$$;

CREATE FUNCTION period_expected(period_id bigint, at timestamptz)
RETURNS double precision
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT period_expected_of(p.start_date, p.end_date, at)
	    FROM periods p WHERE p.id = period_id);
END $$;

-- The status with its factors given (inlined by the planner: set-based
-- reads pass the settings once, e.g. from pace_settings()).
CREATE FUNCTION objective_status(progress double precision,
    expected double precision, min_confidence integer, off_pct integer,
    risk_pct integer, off_conf integer, risk_conf integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
	    WHEN progress >= 1.0 THEN 'done'
	    WHEN progress < off_pct / 100.0 * expected
		OR min_confidence <= off_conf THEN 'off_track'
	    WHEN progress < risk_pct / 100.0 * expected
		OR min_confidence <= risk_conf THEN 'at_risk'
	    ELSE 'on_track' END
$$;

-- The pace settings in one row, for a set-based read to join once.
CREATE FUNCTION pace_settings(OUT stale_days integer, OUT due_days integer,
    OUT off_pct integer, OUT risk_pct integer, OUT off_conf integer,
    OUT risk_conf integer)
LANGUAGE sql STABLE AS $$
	SELECT max(value) FILTER (WHERE name = 'stale_days'),
	    max(value) FILTER (WHERE name = 'due_days'),
	    max(value) FILTER (WHERE name = 'pace_off_pct'),
	    max(value) FILTER (WHERE name = 'pace_risk_pct'),
	    max(value) FILTER (WHERE name = 'pace_off_confidence'),
	    max(value) FILTER (WHERE name = 'pace_risk_confidence')
	FROM settings
$$;

CREATE FUNCTION objective_status(progress double precision,
    expected double precision, min_confidence integer) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
	s record;
BEGIN
	SELECT * INTO s FROM pace_settings();
	RETURN objective_status(progress, expected, min_confidence,
	    s.off_pct, s.risk_pct, s.off_conf, s.risk_conf);
END $$;

-- The lowest latest confidence of an objective's key results (NULL: none
-- has one).
CREATE FUNCTION objective_min_confidence(o bigint) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT min(confidence) FROM key_results
	    WHERE objective_id = o AND NOT removed);
END $$;

-- Stale: an active period and no check-in (bound: no reading) for more
-- than stale_days days, counted from creation when never checked in.
CREATE FUNCTION kr_stale(checked_at timestamptz, created_at timestamptz,
    period_state text, stale_days integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT period_state = 'active' AND coalesce(checked_at, created_at)
	    < now() - stale_days * interval '1 day'
$$;

CREATE FUNCTION kr_stale(checked_at timestamptz, created_at timestamptz,
    period_state text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN kr_stale(checked_at, created_at, period_state,
	    cairn_setting('stale_days'));
END $$;

-- The stored roll-up ---------------------------------------------------------

-- Objective o's progress from its key results and its children's stored
-- progress, in roll-up mode m (objective_progress_as's rule, one level).
CREATE FUNCTION objective_progress_local(o bigint, m text)
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

-- Recompute objective o and its ancestors, leaf to root (the check-in's
-- path).  VOLATILE: each statement takes a new snapshot.
CREATE FUNCTION objectives_walk_up(o bigint) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	par bigint; mode text; old double precision; p double precision;
	n integer := 0;
BEGIN
	WHILE o IS NOT NULL AND n < 1000 LOOP
		-- The lock first, alone: the next statement's snapshot then
		-- sees every change committed by the lock's holders before.
		SELECT parent_id, rollup, progress INTO par, mode, old
		    FROM objectives WHERE id = o FOR NO KEY UPDATE;
		EXIT WHEN NOT FOUND;
		p := objective_progress_local(o, mode);
		EXIT WHEN p = old;
		UPDATE objectives SET progress = p WHERE id = o;
		o := par;
		n := n + 1;
	END LOOP;
END $$;

-- The objectives in starts and all their ancestors, deepest first (then
-- by id): the order in which a change from several objectives locks them.
CREATE FUNCTION objectives_up_order(starts bigint[])
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
CREATE FUNCTION objectives_lock_up(starts bigint[]) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT u.id FROM objectives_up_order(starts) u LOOP
		PERFORM 1 FROM objectives WHERE id = r.id FOR NO KEY UPDATE;
	END LOOP;
END $$;

-- Recompute the objectives in starts and their ancestors.
CREATE FUNCTION objectives_refresh(starts bigint[]) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	r record; mode text; old double precision; p double precision;
BEGIN
	starts := array(SELECT DISTINCT x FROM unnest(starts) x
	    WHERE x IS NOT NULL);
	IF cardinality(starts) = 0 THEN
		RETURN;
	ELSIF cardinality(starts) = 1 THEN
		PERFORM objectives_walk_up(starts[1]);
		RETURN;
	END IF;
	FOR r IN SELECT u.id FROM objectives_up_order(starts) u LOOP
		SELECT rollup, progress INTO mode, old FROM objectives
		    WHERE id = r.id FOR NO KEY UPDATE;
		CONTINUE WHEN NOT FOUND;
		p := objective_progress_local(r.id, mode);
		IF p IS DISTINCT FROM old THEN
			UPDATE objectives SET progress = p WHERE id = r.id;
		END IF;
	END LOOP;
END $$;

-- Key results: a change of what progress reads.
CREATE FUNCTION key_results_rollup() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
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
CREATE TRIGGER key_results_rollup AFTER INSERT OR DELETE ON key_results
	FOR EACH ROW EXECUTE FUNCTION key_results_rollup();
CREATE TRIGGER key_results_rollup_update AFTER UPDATE OF current, weight,
	removed, type, start_value, target, objective_id ON key_results
	FOR EACH ROW WHEN (OLD.current IS DISTINCT FROM NEW.current
	    OR OLD.weight IS DISTINCT FROM NEW.weight
	    OR OLD.removed IS DISTINCT FROM NEW.removed
	    OR OLD.type IS DISTINCT FROM NEW.type
	    OR OLD.start_value IS DISTINCT FROM NEW.start_value
	    OR OLD.target IS DISTINCT FROM NEW.target
	    OR OLD.objective_id IS DISTINCT FROM NEW.objective_id)
	EXECUTE FUNCTION key_results_rollup();

-- Objectives: a new one has no key results and no children (progress 0);
-- alignment, weight, mode and archiving change what its parents read.
CREATE FUNCTION objectives_progress_init() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.progress := 0;
	RETURN NEW;
END $$;
CREATE TRIGGER objectives_progress_init BEFORE INSERT ON objectives
	FOR EACH ROW EXECUTE FUNCTION objectives_progress_init();

CREATE FUNCTION objectives_rollup() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
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
CREATE TRIGGER objectives_rollup AFTER INSERT OR DELETE ON objectives
	FOR EACH ROW EXECUTE FUNCTION objectives_rollup();
-- An alignment move locks the old and the new parent's chains before the
-- row's update goes on: the foreign key's check of the new parent (an
-- AFTER trigger, before ours) takes a KEY SHARE lock on it, out of the
-- deepest-first order, which a check-in's FOR UPDATE there (sql/002's
-- key_results_check) would wait for while holding a deeper row we need.
CREATE FUNCTION objectives_rollup_lock() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM objectives_lock_up(array_remove(ARRAY[OLD.parent_id,
	    NEW.parent_id], NULL));
	RETURN NEW;
END $$;
CREATE TRIGGER objectives_rollup_lock BEFORE UPDATE OF parent_id ON objectives
	FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id)
	EXECUTE FUNCTION objectives_rollup_lock();

CREATE TRIGGER objectives_rollup_update AFTER UPDATE OF parent_id, weight,
	rollup, archived ON objectives
	FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id
	    OR OLD.weight IS DISTINCT FROM NEW.weight
	    OR OLD.rollup IS DISTINCT FROM NEW.rollup
	    OR OLD.archived IS DISTINCT FROM NEW.archived)
	EXECUTE FUNCTION objectives_rollup();

-- The roll-up's own updates change progress only: they are no edit of the
-- objective (no updated_at, allowed in a closed period whose objective
-- sums children of an open one), so objectives_check (sql/002) skips
-- them.  Any other change still passes it.
CREATE FUNCTION objectives_more_than_progress(o objectives, n objectives)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	o.progress := n.progress;
	RETURN o IS DISTINCT FROM n;
END $$;
DROP TRIGGER objectives_check ON objectives;
CREATE TRIGGER objectives_check BEFORE INSERT ON objectives
	FOR EACH ROW EXECUTE FUNCTION objectives_check();
CREATE TRIGGER objectives_check_update BEFORE UPDATE ON objectives
	FOR EACH ROW WHEN (OLD.progress IS NOT DISTINCT FROM NEW.progress
	    OR objectives_more_than_progress(OLD, NEW))
	EXECUTE FUNCTION objectives_check();

-- Every objective's stored progress, set-based, level by level from the
-- deepest (bulk loads, and tests comparing stored and computed progress).
CREATE FUNCTION objectives_progress_rebuild() RETURNS void
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
	    coalesce(k.ks, 0) AS ks, coalesce(k.kw, 0) AS kw
	FROM down JOIN objectives o ON o.id = down.id
	LEFT JOIN (SELECT objective_id, count(*) AS nk,
	    sum(weight * kr_progress(type, start_value, target, current))
	    AS ks, sum(weight) AS kw FROM key_results WHERE NOT removed
	    GROUP BY objective_id) k ON k.objective_id = down.id;
	CREATE INDEX ON pace_rebuild (depth);
	ANALYZE pace_rebuild;
	FOR d IN REVERSE (SELECT coalesce(max(depth), -1) FROM pace_rebuild)
	    .. 0 LOOP
		UPDATE objectives o SET progress = v.p FROM (
		    SELECT r.id, CASE
			WHEN r.rollup = 'krs' OR (r.rollup = 'auto' AND r.nk > 0)
			    THEN CASE WHEN r.kw > 0 THEN r.ks / r.kw ELSE 0 END
			WHEN r.rollup IN ('children', 'auto')
			    THEN CASE WHEN coalesce(c.cw, 0) > 0
			    THEN c.cs / c.cw ELSE 0 END
			ELSE CASE WHEN r.kw + coalesce(c.cw, 0) > 0
			    THEN (r.ks + coalesce(c.cs, 0)) /
			    (r.kw + coalesce(c.cw, 0)) ELSE 0 END END AS p
		    FROM pace_rebuild r
		    LEFT JOIN (SELECT x.parent_id, sum(x.weight * x.progress)
			AS cs, sum(x.weight) AS cw FROM objectives x
			JOIN pace_rebuild xr ON xr.id = x.id
			WHERE xr.depth = d + 1 AND NOT x.archived
			GROUP BY x.parent_id) c ON c.parent_id = r.id
		    WHERE r.depth = d) v
		WHERE o.id = v.id AND o.progress IS DISTINCT FROM v.p;
	END LOOP;
	DROP TABLE pace_rebuild;
END $$;

-- checked_at ---------------------------------------------------------------

-- As in sql/002, and the check-in's time is the key result's checked_at
-- (a check-in given a past time, as a loader writes them, leaves it
-- stale).
CREATE OR REPLACE FUNCTION checkins_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	st text;
BEGIN
	SELECT period_state(o.period_id) INTO st FROM key_results k
	    JOIN objectives o ON o.id = k.objective_id WHERE k.id = NEW.kr_id;
	IF st = 'closed' THEN
		PERFORM cairn_refuse('period.closed',
		    'nothing in a closed period changes');
	END IF;
	IF st = 'draft' THEN
		PERFORM cairn_refuse('period.not_active',
		    'no check-ins while the period is a draft');
	END IF;
	UPDATE key_results SET current = NEW.value,
	    confidence = coalesce(NEW.confidence, confidence),
	    checked_at = NEW.at, version = version + 1
	    WHERE id = NEW.kr_id;
	RETURN NEW;
END $$;

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
	    version = kr.version + 1
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

-- Grading ------------------------------------------------------------------

-- period.not_review: a grade is given or changed only while the period is
-- in review (period_state() reads the period FOR SHARE: a state change in
-- flight is waited for, then seen).
CREATE FUNCTION objectives_grade_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF period_state(NEW.period_id) IS DISTINCT FROM 'review' THEN
		PERFORM cairn_refuse('period.not_review',
		    'objectives are graded while their period is in review');
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER objectives_grade_check BEFORE UPDATE OF grade, grade_note
	ON objectives FOR EACH ROW
	WHEN (OLD.grade IS DISTINCT FROM NEW.grade
	    OR OLD.grade_note IS DISTINCT FROM NEW.grade_note)
	EXECUTE FUNCTION objectives_grade_check();

-- met: aspirational graded 0.7 or more, committed graded 1.0; NULL until
-- graded.  Set here whatever a statement writes, so it cannot disagree
-- with the grade and the type.  (Not a generated column: a BEFORE
-- trigger's WHEN, objectives_check_update's, may not read a whole row
-- that has one.)
CREATE FUNCTION objective_met(type text, grade double precision)
RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN grade IS NULL THEN NULL
	    WHEN type = 'aspirational' THEN grade >= 0.7
	    ELSE grade >= 1.0 END
$$;
CREATE FUNCTION objectives_met() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.met := objective_met(NEW.type, NEW.grade);
	RETURN NEW;
END $$;
CREATE TRIGGER objectives_met BEFORE INSERT OR UPDATE OF grade, type, met
	ON objectives FOR EACH ROW EXECUTE FUNCTION objectives_met();

-- Backfill -------------------------------------------------------------------

UPDATE key_results k SET checked_at = c.at
	FROM (SELECT DISTINCT ON (kr_id) kr_id, at FROM checkins
	    ORDER BY kr_id, id DESC) c
	WHERE c.kr_id = k.id AND k.kpi_id IS NULL;
UPDATE key_results k SET checked_at = r.at
	FROM (SELECT kpi_id, max(at) AS at FROM kpi_readings GROUP BY kpi_id) r
	WHERE r.kpi_id = k.kpi_id;
DO $$ BEGIN PERFORM objectives_progress_rebuild(); END $$;
