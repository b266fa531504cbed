-- 003: rules that hold under races (issue 6 items 3, 4, 5).
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

-- owner.member's lock: one per user and team, taken by both
-- team_members_check and contributors_check before they look at the other
-- row.
CREATE FUNCTION owner_member_lock(u bigint, t bigint) RETURNS void
LANGUAGE sql VOLATILE AS $$
	SELECT pg_advisory_xact_lock(7270006, hashtext(u || ':' || t))
$$;

CREATE OR REPLACE FUNCTION contributors_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	o bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.objective_id
	    ELSE NEW.objective_id END;
	obj objectives;
BEGIN
	SELECT * INTO obj FROM objectives WHERE id = o;
	IF period_state(obj.period_id) = 'closed' THEN
		PERFORM cairn_refuse('period.closed',
		    'nothing in a closed period changes');
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

CREATE OR REPLACE FUNCTION team_members_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND OLD.team_id = NEW.team_id
	    AND OLD.user_id = NEW.user_id THEN
		RETURN NEW;	/* a role change keeps the membership */
	END IF;
	PERFORM owner_member_lock(OLD.user_id, OLD.team_id);
	IF EXISTS (SELECT 1 FROM objectives o WHERE o.team_id = OLD.team_id
	    AND o.owner_id = OLD.user_id AND NOT o.archived
	    AND period_state(o.period_id) <> 'closed')
	    OR EXISTS (SELECT 1 FROM key_results k
		JOIN objectives o ON o.id = k.objective_id
		WHERE o.team_id = OLD.team_id AND k.owner_id = OLD.user_id
		AND NOT k.removed AND NOT o.archived
		AND period_state(o.period_id) <> 'closed'
		AND NOT EXISTS (SELECT 1 FROM objective_contributors c
		    WHERE c.objective_id = o.id AND c.user_id = OLD.user_id))
	THEN
		PERFORM cairn_refuse('owner.member', 'this member still owns '
		    'objectives or key results of the team: hand them over '
		    'first');
	END IF;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

-- The team and all its sub-teams, at any depth.
CREATE FUNCTION team_subtree(t bigint) RETURNS TABLE (id bigint)
LANGUAGE sql STABLE AS $$
	WITH RECURSIVE down (id, lvl) AS (
		SELECT id, 0 FROM teams WHERE id = t
		UNION ALL
		SELECT c.id, down.lvl + 1 FROM teams c
		JOIN down ON c.parent_id = down.id WHERE down.lvl < 1000)
	SELECT id FROM down
$$;

-- alignment.team after moving team t under np: the objectives of t and
-- its sub-teams whose parent objective is outside that subtree and would
-- not be in the team line any more (not np nor one of its ancestors).
-- Objectives of closed periods do not count: they can no longer be
-- unaligned, and nothing in them changes.
CREATE FUNCTION team_move_misaligned(t bigint, np bigint)
RETURNS SETOF bigint
LANGUAGE sql STABLE AS $$
	SELECT c.id FROM objectives c
	JOIN objectives par ON par.id = c.parent_id
	JOIN periods p ON p.id = c.period_id
	WHERE p.state <> 'closed'
	AND c.team_id IN (SELECT id FROM team_subtree(t))
	AND par.team_id NOT IN (SELECT id FROM team_subtree(t))
	AND par.team_id NOT IN (SELECT id FROM team_ancestors(np))
	ORDER BY c.id
$$;

CREATE OR REPLACE FUNCTION teams_check_tree() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	bad text;
BEGIN
	PERFORM pg_advisory_xact_lock(7270003);	-- one tree change at a time
	IF TG_OP = 'UPDATE' AND OLD.parent_id IS NULL
	    AND NEW.parent_id IS NOT NULL THEN
		PERFORM cairn_refuse('team.root',
		    'the root team cannot be moved under another team');
	END IF;
	IF NEW.parent_id IS NULL AND EXISTS (SELECT 1 FROM teams
	    WHERE parent_id IS NULL AND id <> NEW.id) THEN
		PERFORM cairn_refuse('team.root',
		    'there is already a root team: give a parent');
	END IF;
	IF NEW.parent_id IS NOT NULL AND EXISTS (SELECT 1
	    FROM team_ancestors(NEW.parent_id) a WHERE a.id = NEW.id) THEN
		PERFORM cairn_refuse('team.cycle',
		    'a team cannot move under itself or its own sub-team');
	END IF;
	IF TG_OP = 'UPDATE' AND NEW.parent_id IS DISTINCT FROM OLD.parent_id
	    THEN
		-- The alignment lock (objectives_check takes it before
		-- alignment_refusal()): an alignment racing this move either
		-- committed already, and is seen below, or waits and then sees
		-- the new tree.
		PERFORM pg_advisory_xact_lock(7270005);
		SELECT string_agg(x::text, ', ' ORDER BY x) INTO bad FROM (SELECT x
		    FROM team_move_misaligned(NEW.id, NEW.parent_id) x
		    LIMIT 20) m;
		IF bad IS NOT NULL THEN
			PERFORM cairn_refuse('alignment.team', 'moving team '
			    || NEW.slug || ' would leave objectives ' || bad ||
			    ' aligned under a parent outside their team''s line');
		END IF;
	END IF;
	RETURN NEW;
END $$;
