-- carry.sql: carrying unmet objectives of a closed period into the next
-- (period.carry; docs/rules.md, "Carry-over").  Rules held here:
-- period.carry, objective.carry, limit.carry, limit.objectives (for the
-- carried copies).

-- The team and every team below it.
CREATE OR REPLACE FUNCTION carry_teams(tm bigint) RETURNS TABLE (id bigint)
LANGUAGE sql STABLE AS $$
	WITH RECURSIVE d (id, lvl) AS (
		SELECT id, 0 FROM teams WHERE id = tm
		UNION ALL
		SELECT x.id, d.lvl + 1 FROM teams x JOIN d ON x.parent_id = d.id
		WHERE d.lvl < 1000)
	SELECT id FROM d
$$;

-- What a carry from f (into t, for team tm and its sub-teams, NULL: all)
-- would copy: the objectives of f that are not archived, were not met
-- (graded with met false; in a closed period also those never graded,
-- which only a period closed before this migration can hold) and have no
-- copy in t yet.
CREATE OR REPLACE FUNCTION carry_candidates(f bigint, t bigint, tm bigint)
RETURNS SETOF objectives
LANGUAGE sql STABLE AS $$
	SELECT o.* FROM objectives o
	WHERE o.period_id = f AND NOT o.archived
	AND (o.met = false OR (o.grade IS NULL
	    AND (SELECT state FROM periods WHERE id = f) = 'closed'))
	AND (tm IS NULL OR o.team_id IN (SELECT id FROM carry_teams(tm)))
	AND NOT EXISTS (SELECT 1 FROM objectives c
	    WHERE c.carried_from = o.id AND c.period_id = t)
$$;

-- The candidates that would not fit t's objective limit (max_objectives
-- per team and period, the archived not counted), each as "team #id" (the
-- later ids of a team are the ones left out), in order; NULL when all fit.
CREATE OR REPLACE FUNCTION carry_misfits(f bigint, t bigint, tm bigint) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT string_agg(s.slug || ' #' || s.id, ', ' ORDER BY s.slug, s.id)
	FROM (SELECT c.id, c.title, x.slug, row_number() OVER (PARTITION BY
		c.team_id ORDER BY c.id) + (SELECT count(*) FROM objectives e
		WHERE e.team_id = c.team_id AND e.period_id = t
		AND NOT e.archived) AS nth
	    FROM carry_candidates(f, t, tm) c JOIN teams x ON x.id = c.team_id) s
	WHERE s.nth > cairn_setting('max_objectives')
$$;

-- Carry for u from f into t (team tm and below, NULL: all): all or nothing,
-- one statement calling this.  key and hash: the idempotency key (NULL:
-- none), stored with the carry's id.  Returns the carry's row (a
-- statement calling this cannot read back what it wrote).
--
-- Copies, in order of depth (a parent before its children), each
-- candidate with its contributors, guardrails and key results that are
-- not removed (their start, target and current value as they ended, the
-- confidence not: it is asked again), carried_from naming the origin.
-- A copy's parent: the parent's copy in t (carried now or before), else
-- the parent itself when its period contains t and is not closed (a
-- year's objective above two quarters), else none (the copy is
-- unaligned).  A key result's owner who is no longer in the team and does
-- not contribute gives it to the objective's owner.
CREATE OR REPLACE FUNCTION period_carry(u bigint, f bigint, t bigint, tm bigint,
    key text, hash text) RETURNS period_carries
LANGUAGE plpgsql AS $$
DECLARE
	misfit text;
	lvl integer := 0;
	cid bigint;
	res period_carries;
	ids bigint[];
	done bigint[] := '{}';
BEGIN
	-- The target's row FOR SHARE (a close waits for us), then the
	-- objective-limit lock of every team involved, in order (as
	-- objectives_check takes them), so the count below stays true.
	IF period_state(t) IS NULL THEN
		RAISE EXCEPTION 'carry: no period %', t;
	END IF;
	PERFORM pg_advisory_xact_lock(7270004, hashtext(x.team_id || ':' || t))
	    FROM (SELECT DISTINCT team_id FROM carry_candidates(f, t, tm)
		ORDER BY 1) x;
	SELECT array_agg(id) INTO ids FROM carry_candidates(f, t, tm);
	IF array_length(ids, 1) > 2000 THEN
		PERFORM cairn_refuse('limit.carry', array_length(ids, 1) ||
		    ' objectives to carry: at most 2000 in one carry');
	END IF;
	misfit := carry_misfits(f, t, tm);
	IF misfit IS NOT NULL THEN
		PERFORM cairn_refuse('limit.objectives', 'these do not fit the '
		    'objective limit of their team (max_objectives): ' ||
		    misfit);
	END IF;
	-- Level by level: those whose parent is not to be copied (or is
	-- copied already) first.
	WHILE ids IS NOT NULL AND array_length(ids, 1) > coalesce(
	    array_length(done, 1), 0) LOOP
		WITH lv AS (SELECT o.* FROM objectives o
		    WHERE o.id = ANY (ids) AND NOT (o.id = ANY (done))
		    AND (o.parent_id IS NULL OR NOT (o.parent_id = ANY (ids))
			OR o.parent_id = ANY (done))),
		n AS (INSERT INTO objectives (team_id, period_id, title,
		    description, owner_id, type, parent_id, weight, rollup,
		    carried_from)
		    SELECT o.team_id, t, o.title, o.description, o.owner_id,
		    o.type, coalesce((SELECT c.id FROM objectives c
			WHERE c.carried_from = o.parent_id AND c.period_id = t),
			(SELECT p.id FROM objectives p WHERE p.id = o.parent_id
			AND period_contains(p.period_id, t)
			AND period_state(p.period_id) <> 'closed')),
		    o.weight, o.rollup, o.id FROM lv o ORDER BY o.id
		    RETURNING *)
		SELECT done || coalesce(array_agg(carried_from), '{}')
		    INTO done FROM n;
		lvl := lvl + 1;
		IF lvl > 1000 THEN
			RAISE EXCEPTION 'carry: alignment deeper than 1000';
		END IF;
	END LOOP;
	INSERT INTO objective_contributors (objective_id, user_id)
	    SELECT n.id, c.user_id FROM objectives n
	    JOIN objective_contributors c ON c.objective_id = n.carried_from
	    WHERE n.period_id = t AND n.carried_from = ANY (done)
	    ORDER BY 1, 2;
	INSERT INTO objective_guardrails (objective_id, kpi_id, added_by)
	    SELECT n.id, g.kpi_id, u FROM objectives n
	    JOIN objective_guardrails g ON g.objective_id = n.carried_from
	    JOIN kpis k ON k.id = g.kpi_id AND NOT k.archived
	    WHERE n.period_id = t AND n.carried_from = ANY (done)
	    ORDER BY 1, 2;
	INSERT INTO key_results (objective_id, title, type, start_value,
	    target, current, unit, weight, owner_id, kpi_id)
	    SELECT n.id, k.title, k.type, k.start_value, k.target, k.current,
	    k.unit, k.weight, CASE WHEN EXISTS (SELECT 1 FROM team_members m
		WHERE m.team_id = n.team_id AND m.user_id = k.owner_id)
		OR EXISTS (SELECT 1 FROM objective_contributors c
		WHERE c.objective_id = n.id AND c.user_id = k.owner_id)
		THEN k.owner_id ELSE n.owner_id END, k.kpi_id
	    FROM objectives n JOIN key_results k ON k.objective_id = n.carried_from
	    WHERE n.period_id = t AND n.carried_from = ANY (done)
	    AND NOT k.removed ORDER BY n.id, k.id;
	INSERT INTO period_carries (from_period, to_period, team_id, by_id,
	    copied)
	    SELECT f, t, tm, u, coalesce(jsonb_agg(jsonb_build_object(
		'from', n.carried_from, 'to', n.id, 'team', x.slug,
		'title', n.title) ORDER BY n.carried_from), '[]')
	    FROM objectives n JOIN teams x ON x.id = n.team_id
	    WHERE n.period_id = t AND n.carried_from = ANY (done)
	    RETURNING * INTO res;
	cid := res.id;
	INSERT INTO audit_log (user_id, op, entity_type, entity_id, before,
	    after)
	    SELECT u, 'objective.carry', 'objective', n.id, NULL, to_jsonb(n)
	    FROM objectives n WHERE n.period_id = t
	    AND n.carried_from = ANY (done) ORDER BY n.id;
	-- The carried objectives of a sign-off team start proposed
	-- (signoff_init): each is requested, as objective.create does.
	PERFORM signoff_propose_audit(u, array(SELECT n.id FROM objectives n
	    WHERE n.period_id = t AND n.carried_from = ANY (done)), 'user');
	INSERT INTO audit_log (user_id, op, entity_type, entity_id, before,
	    after)
	    SELECT u, 'period.carry', 'period', t, NULL, to_jsonb(c)
	    FROM period_carries c WHERE c.id = cid;
	IF key IS NOT NULL THEN
		INSERT INTO idempotency_keys (user_id, key, op, args_hash,
		    result_id) VALUES (u, key, 'period.carry',
		    decode(hash, 'hex'), cid);
	END IF;
	RETURN res;
END $$;
