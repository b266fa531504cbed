-- team.sql: teams and their members: the tree (team.root, team.cycle,
-- alignment.team on a move), removal (team.not_empty), members
-- (owner.member), and who may read a team.

-- The team and all its ancestors, with their distance (0 = the team).
CREATE OR REPLACE FUNCTION team_ancestors(t bigint) RETURNS TABLE (id bigint, dist int)
LANGUAGE sql STABLE AS $$
	WITH RECURSIVE up (id, parent_id, dist) AS (
		SELECT id, parent_id, 0 FROM teams WHERE id = t
		UNION ALL
		SELECT p.id, p.parent_id, up.dist + 1 FROM teams p
		JOIN up ON p.id = up.parent_id WHERE up.dist < 1000)
	SELECT id, dist FROM up
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

CREATE OR REPLACE TRIGGER teams_check_tree BEFORE INSERT OR UPDATE OF parent_id ON teams
	FOR EACH ROW EXECUTE FUNCTION teams_check_tree();

-- team.not_empty: a team with KPIs (sql/007) or assessments is not empty
-- either (until now their foreign keys refused the delete with a bare
-- constraint error).  ROI inputs go with the team (ON DELETE CASCADE).
CREATE OR REPLACE FUNCTION teams_check_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM team_members WHERE team_id = OLD.id)
	    OR EXISTS (SELECT 1 FROM teams WHERE parent_id = OLD.id)
	    OR EXISTS (SELECT 1 FROM objectives WHERE team_id = OLD.id)
	    OR EXISTS (SELECT 1 FROM kpis WHERE team_id = OLD.id)
	    OR EXISTS (SELECT 1 FROM assessments WHERE team_id = OLD.id) THEN
		PERFORM cairn_refuse('team.not_empty', 'team ' || OLD.slug ||
		    ' still has members, sub-teams, objectives, KPIs or '
		    'assessments');
	END IF;
	RETURN OLD;
END $$;

CREATE OR REPLACE TRIGGER teams_check_delete BEFORE DELETE ON teams
	FOR EACH ROW EXECUTE FUNCTION teams_check_delete();

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

CREATE OR REPLACE TRIGGER team_members_check BEFORE UPDATE OR DELETE ON team_members
	FOR EACH ROW EXECUTE FUNCTION team_members_check();

-- Reading ----------------------------------------------------------------

-- May user u (with global role r) read the objectives of team t?
CREATE OR REPLACE FUNCTION can_read_team(u bigint, r text, t bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT NOT tm.private OR r IN ('admin', 'executive')
	    OR EXISTS (SELECT 1 FROM team_members m
		WHERE m.team_id = t AND m.user_id = u)
	    OR EXISTS (SELECT 1 FROM team_members m
		JOIN team_ancestors(t) a ON a.id = m.team_id
		WHERE a.dist > 0 AND m.user_id = u AND m.role = 'lead')
	FROM teams tm WHERE tm.id = t
$$;

-- The caller's relation to team t, for the permission checks.
CREATE OR REPLACE FUNCTION team_relation(u bigint, t bigint) RETURNS TABLE (
    lead_here boolean, lead_above boolean, member_here boolean)
LANGUAGE sql STABLE AS $$
	SELECT
	    EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = t
		AND m.user_id = u AND m.role = 'lead'),
	    EXISTS (SELECT 1 FROM team_members m
		JOIN team_ancestors(t) a ON a.id = m.team_id
		WHERE a.dist > 0 AND m.user_id = u AND m.role = 'lead'),
	    EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = t
		AND m.user_id = u)
$$;

-- owner.member's lock: one per user and team, taken by both
-- team_members_check and contributors_check before they look at the other
-- row.
CREATE OR REPLACE FUNCTION owner_member_lock(u bigint, t bigint) RETURNS void
LANGUAGE sql VOLATILE AS $$
	SELECT pg_advisory_xact_lock(7270006, hashtext(u || ':' || t))
$$;

-- The team and all its sub-teams, at any depth.
CREATE OR REPLACE FUNCTION team_subtree(t bigint) RETURNS TABLE (id bigint)
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
CREATE OR REPLACE FUNCTION team_move_misaligned(t bigint, np bigint)
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

-- The teams a user reads the objectives of (can_read_team above, for
-- every team at once): public teams; for admins and executives all; the
-- user's own teams; every team below one the user leads.
CREATE OR REPLACE FUNCTION teams_readable(u bigint, r text) RETURNS TABLE (id bigint)
LANGUAGE sql STABLE AS $$
	WITH RECURSIVE led (id) AS (
		SELECT team_id FROM team_members
		WHERE user_id = u AND role = 'lead'
		UNION
		SELECT c.id FROM teams c JOIN led ON c.parent_id = led.id)
	SELECT t.id FROM teams t WHERE NOT t.private
	    OR r IN ('admin', 'executive')
	UNION SELECT team_id FROM team_members WHERE user_id = u
	UNION SELECT id FROM led
$$;

-- A team and the teams below it (root NULL: the whole organisation), in
-- preorder, with their depth (1 for the top) and the path that orders
-- them (slugs, so that siblings come in slug order).
CREATE OR REPLACE FUNCTION team_tree(root bigint) RETURNS TABLE (id bigint,
    parent_id bigint, depth integer, path text[])
LANGUAGE sql STABLE AS $$
	WITH RECURSIVE s (id, parent_id, depth, path) AS (
		SELECT t.id, t.parent_id, 1, ARRAY[t.slug] FROM teams t
		WHERE (root IS NULL AND t.parent_id IS NULL) OR t.id = root
		UNION ALL
		SELECT c.id, c.parent_id, s.depth + 1, s.path || c.slug
		FROM teams c JOIN s ON c.parent_id = s.id WHERE s.depth < 1000)
	SELECT id, parent_id, depth, path FROM s
$$;
