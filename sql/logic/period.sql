-- period.sql: periods: their state machine (period.transition,
-- period.closed), period_state() (which locks the period's row FOR SHARE
-- for every rule that depends on it), closing (period.ungraded,
-- period.close) and the days a period holds.  Carrying is in carry.sql.

CREATE OR REPLACE FUNCTION periods_check_state() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.state = 'closed' THEN
		PERFORM cairn_refuse('period.closed',
		    'period ' || OLD.name || ' is closed');
	END IF;
	IF NEW.state <> OLD.state AND NOT (
	    (OLD.state = 'draft' AND NEW.state = 'active') OR
	    (OLD.state = 'active' AND NEW.state = 'review') OR
	    (OLD.state = 'review' AND NEW.state IN ('closed', 'active'))) THEN
		PERFORM cairn_refuse('period.transition',
		    'a period moves draft, active, review, closed (or review '
		    'back to active), not ' || OLD.state || ' to ' || NEW.state);
	END IF;
	RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER periods_check_state BEFORE UPDATE ON periods
	FOR EACH ROW EXECUTE FUNCTION periods_check_state();

-- p contains c: a year contains its quarters, a period contains itself.
CREATE OR REPLACE FUNCTION period_contains(p bigint, c bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT pp.start_date <= cc.start_date AND pp.end_date >= cc.end_date
	FROM periods pp, periods cc WHERE pp.id = p AND cc.id = c
$$;

-- Rules that hold under races (issue 6 items 3, 4, 5).
--
-- owner.member: removing a membership and revoking a contribution of the
-- same user at once could each see the other row still there; both take
-- one advisory lock per (user, team) now, so the second sees the first's
-- commit.  alignment.team: moving a team re-checks the alignments of the
-- objectives below it, under the alignment lock.  period.closed: the
-- period's state is read FOR SHARE, so a close waits for the changes that
-- read it open, and a change waits for a close in progress and then sees
-- it.

-- The period's state, its row locked FOR SHARE until the transaction ends:
-- period.set_state's UPDATE (FOR NO KEY UPDATE) conflicts with it.  Only
-- the triggers call it.  VOLATILE, as a row lock needs.
CREATE OR REPLACE FUNCTION period_state(p bigint) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	st text;
BEGIN
	SELECT state INTO st FROM periods WHERE id = p FOR SHARE;
	RETURN st;
END $$;

-- period.closed: nothing in a closed period changes.  The one refusal of
-- the rule for what belongs to a period (objectives, contributors, key
-- results, check-ins, guardrails, ROI inputs, retros): each entity's
-- trigger finds its row's period state with period_state() and calls this
-- when it is closed.  (A closed period itself refuses in
-- periods_check_state above; a reading dated in one in reading.sql.)
CREATE OR REPLACE FUNCTION period_closed_refuse() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM cairn_refuse('period.closed',
	    'nothing in a closed period changes');
END $$;

-- Pace -------------------------------------------------------------------

-- The elapsed fraction of a period from start_date 00:00 to the end of
-- end_date (the server's time zone): 0 before, 1 after.
CREATE OR REPLACE FUNCTION period_expected_of(s date, e date, at timestamptz)
RETURNS double precision
LANGUAGE sql STABLE AS $$
	SELECT greatest(0.0, least(1.0,
	    extract(epoch FROM (at - s::timestamptz)) /
	    extract(epoch FROM ((e + 1)::timestamptz - s::timestamptz))))::float8
$$;

CREATE OR REPLACE FUNCTION period_expected(period_id bigint, at timestamptz)
RETURNS double precision
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT period_expected_of(p.start_date, p.end_date, at)
	    FROM periods p WHERE p.id = period_id);
END $$;

-- Closing ----------------------------------------------------------------
--
-- period.ungraded: a period closes only when every objective of it that
-- is not archived has a grade.  The trigger runs after the period's row is
-- locked by the UPDATE itself (FOR NO KEY UPDATE, which conflicts with the
-- FOR SHARE every change in the period takes through period_state()), so
-- no grade can be undone and no objective added under it; in review no
-- objective is created anyway (objectives_check).
CREATE OR REPLACE FUNCTION period_ungraded(p bigint, n integer) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT string_agg('#' || id || ' ' || title, ', ' ORDER BY id)
	FROM (SELECT id, title FROM objectives WHERE period_id = p
	    AND NOT archived AND grade IS NULL ORDER BY id LIMIT n) s
$$;

CREATE OR REPLACE FUNCTION periods_check_graded() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	first text;
BEGIN
	first := period_ungraded(NEW.id, 5);
	IF first IS NOT NULL THEN
		PERFORM cairn_refuse('period.ungraded', 'period ' || NEW.name ||
		    ' has objectives not graded yet: ' || first);
	END IF;
	RETURN NEW;
END $$;

-- After periods_check_state (triggers fire in name order): a transition
-- that is refused anyway says so first.
CREATE OR REPLACE TRIGGER periods_check_zgraded BEFORE UPDATE OF state ON periods
	FOR EACH ROW WHEN (NEW.state = 'closed' AND OLD.state <> 'closed')
	EXECUTE FUNCTION periods_check_graded();

-- Close period p for the caller u, in one transaction (one statement
-- calling this).  With auto, the objectives still ungraded are graded
-- first with their progress, each with its audit entry, then the period
-- closes; without, the trigger above refuses while any is ungraded.
-- (met follows the grade by the objectives_met trigger, grade.sql.)
-- Returns the number graded automatically.  The period's row is locked
-- first, as the UPDATE would: changes in flight are waited for, and none
-- starts until the close commits or fails.
CREATE OR REPLACE FUNCTION period_close(p bigint, u bigint, auto boolean)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	before jsonb;
	n integer := 0;
BEGIN
	SELECT to_jsonb(x) INTO before FROM periods x WHERE id = p
	    FOR NO KEY UPDATE;
	IF before IS NULL THEN
		RETURN NULL;
	END IF;
	IF before->>'state' <> 'review' THEN
		-- periods_check_state says why (closed, or not yet reviewed)
		-- before any objective is touched.
		UPDATE periods SET state = 'closed' WHERE id = p;
	END IF;
	IF auto THEN
		WITH g AS (UPDATE objectives o
		    SET grade = least(greatest(o.progress, 0), 1),
			grade_note = 'graded automatically at the close of '
			    'the period, with its progress',
			version = o.version + 1
		    WHERE o.period_id = p AND NOT o.archived
		    AND o.grade IS NULL RETURNING o.*),
		a AS (INSERT INTO audit_log (user_id, op, entity_type,
		    entity_id, before, after)
		    SELECT u, 'objective.grade', 'objective', g.id, NULL,
		    jsonb_build_object('grade', g.grade, 'met', g.met,
		    'grade_note', g.grade_note, 'auto', true) FROM g)
		SELECT count(*) INTO n FROM g;
	END IF;
	UPDATE periods SET state = 'closed' WHERE id = p;
	INSERT INTO audit_log (user_id, op, entity_type, entity_id, before,
	    after) SELECT u, 'period.close', 'period', p, before,
	    to_jsonb(x) || jsonb_build_object('auto_graded', n)
	    FROM periods x WHERE id = p;
	RETURN n;
END $$;

-- The period a roll-up reads when none is named: the active one that
-- contains today, the shortest such (then the latest start, then id).
CREATE OR REPLACE FUNCTION period_default() RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT id FROM periods WHERE state = 'active'
	    AND current_date BETWEEN start_date AND end_date
	ORDER BY end_date - start_date, start_date DESC, id LIMIT 1
$$;

-- No reading is dated in a closed period of its KPI (issue 13, item
-- 9; docs/rules.md, "period.closed").  A member recorded a reading dated
-- inside a closed quarter, and that quarter's export changed after its
-- close.
--
-- A KPI is tied to no period; periods are the organisation's.  The
-- closed periods of KPI k are those whose export can hold k's readings
-- (export_kpi_ids in export.sql): the periods in which k's team has an
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
-- their state; period_close() (above) takes the period's row FOR NO KEY
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
