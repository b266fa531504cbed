-- objective.sql: objectives: their rules (alignment.team,
-- alignment.period, alignment.cycle, alignment.depth, limit.objectives,
-- owner.member, period.closed, period.not_active, framework.kpi_only),
-- contributors, who may read one, and its status by pace.  Progress and
-- its roll-up are in rollup.sql, grades in grade.sql.

-- The objective and its ancestors along the alignment chain.
CREATE OR REPLACE FUNCTION objective_ancestors(o bigint) RETURNS TABLE (id bigint,
    dist int)
LANGUAGE sql STABLE AS $$
	WITH RECURSIVE up (id, parent_id, dist) AS (
		SELECT id, parent_id, 0 FROM objectives WHERE id = o
		UNION ALL
		SELECT p.id, p.parent_id, up.dist + 1 FROM objectives p
		JOIN up ON p.id = up.parent_id WHERE up.dist < 1000)
	SELECT id, dist FROM up
$$;

-- Levels below o, counting o as 1.
CREATE OR REPLACE FUNCTION objective_height(o bigint) RETURNS integer
LANGUAGE sql STABLE AS $$
	WITH RECURSIVE down (id, lvl) AS (
		SELECT id, 1 FROM objectives WHERE id = o
		UNION ALL
		SELECT c.id, down.lvl + 1 FROM objectives c
		JOIN down ON c.parent_id = down.id WHERE down.lvl < 1000)
	SELECT coalesce(max(lvl), 1) FROM down
$$;

-- Why aligning child (in team t, period p) under parent would break a
-- rule, or NULL.  cairnd calls it for its own check; the trigger below
-- calls it again under the lock.
CREATE OR REPLACE FUNCTION alignment_refusal(child bigint, t bigint, p bigint,
    parent bigint) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
	par objectives;
BEGIN
	SELECT * INTO par FROM objectives WHERE id = parent;
	IF NOT FOUND THEN
		RETURN NULL;	-- the foreign key answers
	END IF;
	IF NOT EXISTS (SELECT 1 FROM team_ancestors(t) a
	    WHERE a.id = par.team_id) THEN
		RETURN 'alignment.team';
	END IF;
	IF NOT period_contains(par.period_id, p) THEN
		RETURN 'alignment.period';
	END IF;
	IF child IS NOT NULL AND EXISTS (SELECT 1
	    FROM objective_ancestors(parent) a WHERE a.id = child) THEN
		RETURN 'alignment.cycle';
	END IF;
	IF ((SELECT count(*) FROM objective_ancestors(parent)) +
	    (CASE WHEN child IS NULL THEN 1 ELSE objective_height(child) END)
	    > cairn_setting('max_depth')) THEN
		RETURN 'alignment.depth';
	END IF;
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION objectives_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	why text;
BEGIN
	IF period_state(NEW.period_id) = 'closed' OR (TG_OP = 'UPDATE' AND
	    period_state(OLD.period_id) = 'closed') THEN
		PERFORM period_closed_refuse();
	END IF;
	IF TG_OP = 'INSERT' AND period_state(NEW.period_id) = 'review' THEN
		PERFORM cairn_refuse('period.not_active',
		    'no new objectives while the period is in review');
	END IF;
	-- FOR SHARE: a concurrent removal of this membership waits for us,
	-- then sees the objective (team_members_check refuses it).
	PERFORM 1 FROM team_members WHERE team_id = NEW.team_id
	    AND user_id = NEW.owner_id FOR SHARE;
	-- (A NULL owner is left to the NOT NULL constraint.)
	IF NOT FOUND AND NEW.owner_id IS NOT NULL THEN
		PERFORM cairn_refuse('owner.member',
		    'an objective''s owner belongs to its team');
	END IF;
	IF NOT NEW.archived AND (TG_OP = 'INSERT' OR OLD.archived OR
	    OLD.team_id <> NEW.team_id OR OLD.period_id <> NEW.period_id) THEN
		-- Serialise creations per team and period, then count.
		PERFORM pg_advisory_xact_lock(7270004,
		    hashtext(NEW.team_id || ':' || NEW.period_id));
		IF (SELECT count(*) FROM objectives WHERE team_id = NEW.team_id
		    AND period_id = NEW.period_id AND NOT archived
		    AND id <> NEW.id) >= cairn_setting('max_objectives') THEN
			PERFORM cairn_refuse('limit.objectives',
			    'this team already has the most objectives this '
			    'period allows (max_objectives)');
		END IF;
	END IF;
	IF NEW.parent_id IS NOT NULL AND (TG_OP = 'INSERT' OR
	    NEW.parent_id IS DISTINCT FROM OLD.parent_id OR
	    OLD.team_id <> NEW.team_id OR OLD.period_id <> NEW.period_id) THEN
		-- One alignment change at a time: two that would close a
		-- cycle together cannot both pass.
		PERFORM pg_advisory_xact_lock(7270005);
		why := alignment_refusal(CASE WHEN TG_OP = 'UPDATE'
		    THEN NEW.id END, NEW.team_id, NEW.period_id, NEW.parent_id);
		IF why IS NOT NULL THEN
			PERFORM cairn_refuse(why, 'refused by ' || why);
		END IF;
	END IF;
	IF TG_OP = 'UPDATE' THEN
		NEW.updated_at := now();
	END IF;
	RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER objectives_check BEFORE INSERT ON objectives
	FOR EACH ROW EXECUTE FUNCTION objectives_check();

-- The roll-up's own updates set progress and forecast only (progress,
-- forecast, forecast_n, forecast_of): they are no edit of the
-- objective (no updated_at, allowed in a closed period whose objective
-- sums children of an open one), so this trigger leaves them out by its
-- column list, which names every column but those (a WHEN comparing
-- the rows cost a function call per objective walked up).  Any other
-- change still passes it; tests/e2e/schema.sh fails when a column of
-- objectives is left out of the list.
CREATE OR REPLACE TRIGGER objectives_check_update BEFORE UPDATE OF id, team_id,
	period_id, title, description, owner_id, type, parent_id, weight,
	rollup, archived, version, created_at, updated_at, grade, grade_note,
	met, carried_from, signoff, proposed_at, signoff_by, signoff_at,
	signoff_note ON objectives
	FOR EACH ROW EXECUTE FUNCTION objectives_check();

CREATE OR REPLACE FUNCTION contributors_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	o bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.objective_id
	    ELSE NEW.objective_id END;
	obj objectives;
BEGIN
	SELECT * INTO obj FROM objectives WHERE id = o;
	IF period_state(obj.period_id) = 'closed' THEN
		PERFORM period_closed_refuse();
	END IF;
	IF TG_OP = 'DELETE' THEN
		-- Then, in READ COMMITTED, the statements below see a removal
		-- of the membership that committed meanwhile.
		PERFORM owner_member_lock(OLD.user_id, obj.team_id);
		IF EXISTS (SELECT 1 FROM key_results k
		    WHERE k.objective_id = o AND k.owner_id = OLD.user_id
		    AND NOT k.removed)
		    AND NOT EXISTS (SELECT 1 FROM team_members m
			WHERE m.team_id = obj.team_id
			AND m.user_id = OLD.user_id) THEN
			PERFORM cairn_refuse('owner.member', 'this contributor '
			    'owns key results of the objective: hand them over '
			    'first');
		END IF;
	END IF;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE OR REPLACE TRIGGER contributors_check BEFORE INSERT OR DELETE
	ON objective_contributors
	FOR EACH ROW EXECUTE FUNCTION contributors_check();

-- May user u (with global role r) read objective o?  Its contributors
-- may, even in a private team.
CREATE OR REPLACE FUNCTION can_read_objective(u bigint, r text, o bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT can_read_team(u, r, x.team_id) OR EXISTS (SELECT 1
	    FROM objective_contributors c WHERE c.objective_id = o
	    AND c.user_id = u)
	FROM objectives x WHERE x.id = o
$$;

CREATE OR REPLACE FUNCTION objectives_framework() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	mode text;
BEGIN
	SELECT framework INTO mode FROM teams WHERE id = NEW.team_id
	    FOR SHARE;
	-- (A missing team is left to the foreign key.)
	IF mode = 'kpi' THEN
		PERFORM cairn_refuse('framework.kpi_only',
		    'this team is in kpi mode: it holds KPIs, not objectives');
	END IF;
	RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER objectives_framework BEFORE INSERT ON objectives
	FOR EACH ROW EXECUTE FUNCTION objectives_framework();

-- The status with its factors given (inlined by the planner: set-based
-- reads pass the settings once, e.g. from pace_settings()).
CREATE OR REPLACE FUNCTION objective_status(progress double precision,
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

CREATE OR REPLACE FUNCTION objective_status(progress double precision,
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
CREATE OR REPLACE FUNCTION objective_min_confidence(o bigint) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT min(confidence) FROM key_results
	    WHERE objective_id = o AND NOT removed);
END $$;

-- The parent of an objective as reader u (role r) may see it: its id when
-- they may read it, else NULL (objective_parent_hidden says which).
CREATE OR REPLACE FUNCTION objective_parent_for(parent bigint, u bigint,
    r text) RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN parent IS NOT NULL
	    AND coalesce(can_read_objective(u, r, parent), false)
	    THEN parent END
$$;

CREATE OR REPLACE FUNCTION objective_parent_hidden(parent bigint, u bigint,
    r text) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT parent IS NOT NULL
	    AND NOT coalesce(can_read_objective(u, r, parent), false)
$$;
