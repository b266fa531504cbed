-- 022_read_links.sql: links from what a reader may read to what they may
-- not (issue 13, "Links from what you may read to what you may not").
--
-- A link is made by someone who may read both ends (objective.guard,
-- kr.create --kpi, objective.align check that); a team that becomes
-- private later cuts nothing.  A reader who may not read the far end
-- sees the link as hidden: no id, no name, no value (docs/rules.md,
-- "Reading: private teams").  The read rules are those of the get ops:
-- can_read_objective() for objectives, can_read_team() of the KPI's team
-- for KPIs (sql/002).

-- May user u (role r) read KPI k?  A missing KPI (no link) is readable:
-- callers ask about links, and no link hides nothing.
CREATE OR REPLACE FUNCTION kpi_readable(u bigint, r text, k bigint)
RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT k IS NULL OR coalesce((SELECT can_read_team(u, r, x.team_id)
	    FROM kpis x WHERE x.id = k), true)
$$;

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

-- An objective's guardrails (ids) as reader u (role r) may see them: the
-- readable ones as sql/008's guardrails_json shows them, in id order,
-- then one {"hidden": true} per KPI they may not read (after the others,
-- so that their place tells nothing of their ids).
CREATE OR REPLACE FUNCTION guardrails_json_for(ids bigint[], u bigint,
    r text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH g AS (SELECT k.id, k.name, kpi_readable(u, r, k.id) AS ok
	    FROM kpis k WHERE k.id = ANY (ids))
	SELECT coalesce((SELECT jsonb_agg(jsonb_build_object('kpi', g.id,
	    'name', g.name, 'health', kpi_health(g.id)) ORDER BY g.id)
	    FROM g WHERE g.ok), '[]') || coalesce((SELECT jsonb_agg(
	    jsonb_build_object('hidden', true)) FROM g WHERE NOT g.ok), '[]')
$$;

-- In breach for reader u: one of the guardrails they may read is red.  A
-- hidden guardrail's health does not count, or the flag would tell them
-- that KPI's health.
CREATE OR REPLACE FUNCTION guardrail_breach_for(ids bigint[], u bigint,
    r text) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM unnest(ids) i
	    WHERE kpi_readable(u, r, i) AND kpi_health(i) = 'red')
$$;

-- As sql/014, with the guardrail_breach item counting (and naming) only
-- the guardrail KPIs the caller may read, and no stale_kr item for a key
-- result bound to a KPI the caller may not read (its date is that KPI's
-- latest reading's).
CREATE OR REPLACE FUNCTION review_items(u bigint, r text, p bigint,
    root bigint)
RETURNS TABLE (kind text, team text, owner text, id bigint, message text)
LANGUAGE sql STABLE AS $$
	WITH per AS (SELECT x.id, x.state, x.end_date,
		period_expected(x.id, now()) AS e,
		(x.end_date + 1)::timestamptz AS ends,
		x.start_date - (x.end_date - x.start_date + 1) AS fresh_from
		FROM periods x WHERE x.id = p),
	    lim AS (SELECT max_objectives AS n, rollup_settings.*
		FROM rollup_settings),
	    rt AS MATERIALIZED (SELECT id FROM teams_readable(u, r)),
	    tt AS (SELECT s.id, row_number() OVER (ORDER BY s.path) AS pos,
		t.slug, t.parent_id, t.framework,
		(SELECT lu.login FROM team_members m JOIN users lu
		    ON lu.id = m.user_id WHERE m.team_id = s.id
		    AND m.role = 'lead' ORDER BY lu.login LIMIT 1) AS lead,
		s.id IN (SELECT id FROM rt) AS readable
		FROM team_tree(root) s JOIN teams t ON t.id = s.id),
	    ob AS (SELECT o.id, o.team_id, o.title, o.parent_id, o.progress,
		o.grade, ow.login AS owner, tt.parent_id IS NULL AS root_team
		FROM objectives o JOIN tt ON tt.id = o.team_id
		JOIN users ow ON ow.id = o.owner_id
		WHERE o.period_id = p AND NOT o.archived AND (tt.readable OR
		o.id IN (SELECT objective_id FROM objective_contributors
		    WHERE user_id = u))),
	    kr AS MATERIALIZED (SELECT k.id, k.objective_id, k.title,
		k.owner_id, k.checked_at, k.confidence, k.kpi_id,
		kr_stale(k.checked_at, k.created_at, per.state,
		    lim.stale_days) AS stale
		FROM key_results k JOIN ob ON ob.id = k.objective_id
		CROSS JOIN per CROSS JOIN lim WHERE NOT k.removed),
	    ka AS (SELECT kr.objective_id, min(kr.confidence) AS conf
		FROM kr GROUP BY kr.objective_id),
	    st AS (SELECT ob.*, objective_status(ob.progress, per.e,
		ka.conf, lim.off_pct, lim.risk_pct, lim.off_conf,
		lim.risk_conf) AS status FROM ob CROSS JOIN per CROSS JOIN lim
		LEFT JOIN ka ON ka.objective_id = ob.id),
	    ks AS (SELECT s.*, tt.lead FROM kpi_status s
		JOIN tt ON tt.id = s.team_id
		WHERE NOT s.archived AND tt.readable),
	    la AS (SELECT DISTINCT ON (a.team_id) a.team_id, a.at,
		a.recommendation FROM assessments a, per WHERE a.at < per.ends
		AND a.team_id IN (SELECT tt.id FROM tt)
		ORDER BY a.team_id, a.at DESC, a.id DESC),
	    items (ord, kind, team_id, owner, id, message) AS (
		SELECT 1, 'over_limit', ob.team_id, min(tt.lead), ob.team_id,
		    count(*) || ' objectives, the limit is ' || min(lim.n) ||
		    ' (setting too many objectives)'
		FROM ob JOIN tt ON tt.id = ob.team_id CROSS JOIN lim
		GROUP BY ob.team_id HAVING count(*) > min(lim.n)
		UNION ALL
		SELECT 2, 'unaligned', ob.team_id, ob.owner, ob.id,
		    '''' || ob.title || ''' has no parent objective'
		    ' (misaligning with the organisation)'
		FROM ob WHERE ob.parent_id IS NULL AND NOT ob.root_team
		UNION ALL
		SELECT 3, 'stale_kr', ob.team_id, kw.login, k.id,
		    'key result ''' || k.title || ''' has had no check-in '
		    || CASE WHEN k.checked_at IS NULL THEN 'yet'
		    ELSE 'since ' || to_char(k.checked_at AT TIME ZONE 'UTC',
		    'YYYY-MM-DD') END || ' (inadequate tracking)'
		FROM kr k JOIN ob ON ob.id = k.objective_id
		JOIN users kw ON kw.id = k.owner_id WHERE k.stale
		AND (k.kpi_id IS NULL OR k.kpi_id IN (SELECT x.id FROM kpis x
		    WHERE x.team_id IN (SELECT id FROM rt)))
		UNION ALL
		SELECT CASE st.status WHEN 'off_track' THEN 4 ELSE 5 END,
		    st.status, st.team_id, st.owner, st.id,
		    '''' || st.title || ''' is ' || replace(st.status, '_', ' ')
		    || ': ' || round(st.progress * 100) || '% done, '
		    || round(per.e * 100) || '% expected'
		FROM st CROSS JOIN per
		WHERE st.status IN ('off_track', 'at_risk')
		UNION ALL
		SELECT CASE ks.health WHEN 'red' THEN 6 ELSE 7 END,
		    'kpi_' || ks.health, ks.team_id,
		    coalesce((SELECT login FROM users WHERE users.id =
		    ks.owner_id), ks.lead), ks.kpi_id,
		    'KPI ''' || ks.name || ''' is ' || ks.health
		FROM ks WHERE ks.health IN ('red', 'amber')
		UNION ALL
		SELECT 8, 'kpi_stale', ks.team_id,
		    coalesce((SELECT login FROM users WHERE users.id =
		    ks.owner_id), ks.lead), ks.kpi_id,
		    'KPI ''' || ks.name || ''' has ' || CASE WHEN ks.latest_at
		    IS NULL THEN 'no reading yet' ELSE 'had no reading since '
		    || to_char(ks.latest_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')
		    END || ' (' || ks.frequency || '; inadequate tracking)'
		FROM ks WHERE ks.stale
		UNION ALL
		SELECT 9, 'guardrail_breach', ob.team_id, ob.owner, ob.id,
		    '''' || ob.title || ''' breaches its guardrail '
		    || string_agg('''' || s.name || '''', ', ' ORDER BY s.kpi_id)
		    || ' (red)'
		FROM ob JOIN objective_guardrails g ON g.objective_id = ob.id
		JOIN kpi_status s ON s.kpi_id = g.kpi_id
		WHERE s.health = 'red' AND s.team_id IN (SELECT id FROM rt)
		GROUP BY ob.team_id, ob.owner, ob.id, ob.title
		UNION ALL
		SELECT 10, 'assessment_due', tt.id, tt.lead, tt.id,
		    CASE WHEN la.at IS NULL THEN 'no assessment yet'
		    ELSE 'the latest assessment, of ' || to_char(la.at AT TIME
		    ZONE 'UTC', 'YYYY-MM-DD') || ', is older than two periods'
		    END || ': run cairn assess'
		FROM tt CROSS JOIN per LEFT JOIN la ON la.team_id = tt.id
		WHERE la.at IS NULL OR la.at < per.fresh_from
		UNION ALL
		SELECT 11, 'mode_mismatch', tt.id, tt.lead, tt.id,
		    'runs ' || tt.framework || ', its assessment recommends '
		    || la.recommendation
		FROM tt JOIN la ON la.team_id = tt.id
		WHERE la.recommendation <> tt.framework
		UNION ALL
		SELECT 12, 'ungraded', ob.team_id, ob.owner, ob.id,
		    '''' || ob.title || ''' is not graded yet (suggested: '
		    || round(ob.progress::numeric, 2) || ')'
		FROM ob CROSS JOIN per
		WHERE per.state = 'review' AND ob.grade IS NULL)
	SELECT i.kind, tt.slug, i.owner, i.id, i.message
	FROM items i JOIN tt ON tt.id = i.team_id
	ORDER BY tt.pos, i.ord, i.id
$$;

-- As sql/014, with the read rules of the get ops: a key result whose
-- objective u may no longer read (kr.get), a KPI of a team u may no
-- longer read (kpi.get), an objective u may no longer read (objective.get)
-- is not u's to do.  Owning or having recorded gives no read right: a
-- member who leaves a private team keeps neither.  The role is the one
-- stored (due has no role parameter; a session's role is the user's).
CREATE OR REPLACE FUNCTION due_items(u bigint)
RETURNS TABLE (kind text, id bigint, team text, period text, title text,
    last text, message text)
LANGUAGE sql STABLE AS $$
	WITH me AS (SELECT role FROM users WHERE users.id = u),
	    rt AS MATERIALIZED (SELECT t.id FROM me,
		teams_readable(u, me.role) t),
	    mine AS (SELECT k.id FROM key_results k
		WHERE k.owner_id = u AND NOT k.removed
		UNION
		SELECT k.id FROM objective_contributors c
		JOIN key_results k ON k.objective_id = c.objective_id
		WHERE c.user_id = u AND NOT k.removed),
	    items (ord, kind, id, team, period, title, at, message) AS (
		SELECT 1, 'checkin', k.id, t.slug, p.name, k.title,
		    k.checked_at, CASE WHEN k.checked_at IS NULL
		    THEN 'no check-in yet' ELSE 'no check-in for ' ||
		    extract(day FROM now() - k.checked_at)::integer ||
		    ' days' END
		FROM key_results k JOIN objectives o ON o.id = k.objective_id
		JOIN periods p ON p.id = o.period_id
		JOIN teams t ON t.id = o.team_id
		WHERE k.id IN (SELECT mine.id FROM mine) AND k.kpi_id IS NULL
		AND NOT o.archived AND p.state = 'active'
		AND (o.team_id IN (SELECT rt.id FROM rt) OR EXISTS (SELECT 1
		    FROM objective_contributors c WHERE c.objective_id = o.id
		    AND c.user_id = u))
		AND coalesce(k.checked_at, k.created_at) < now() -
		    make_interval(days => (SELECT due_days
		    FROM rollup_settings))
		UNION ALL
		SELECT 2, 'reading', s.kpi_id, t.slug, NULL, s.name,
		    s.latest_at, CASE WHEN s.latest_at IS NULL
		    THEN 'no reading yet' ELSE 'the ' || s.frequency ||
		    ' reading is due' END
		FROM kpi_status s JOIN teams t ON t.id = s.team_id
		WHERE NOT s.archived AND s.due
		AND s.team_id IN (SELECT rt.id FROM rt) AND (s.owner_id = u OR
		s.kpi_id IN (SELECT r.kpi_id FROM kpi_readings r
		    WHERE r.author_id = u))
		UNION ALL
		SELECT 3, 'grade', o.id, t.slug, p.name, o.title, NULL,
		    'to grade (suggested: ' || round(o.progress::numeric, 2)
		    || ')'
		FROM objectives o JOIN periods p ON p.id = o.period_id
		JOIN teams t ON t.id = o.team_id
		WHERE p.state = 'review' AND NOT o.archived
		AND o.grade IS NULL AND (o.owner_id = u OR o.team_id IN
		    (SELECT m.team_id FROM team_members m
		    WHERE m.user_id = u AND m.role = 'lead'))
		AND (o.team_id IN (SELECT rt.id FROM rt) OR EXISTS (SELECT 1
		    FROM objective_contributors c WHERE c.objective_id = o.id
		    AND c.user_id = u)))
	SELECT kind, id, team, period, title,
	    to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
	    message
	FROM items ORDER BY ord, team, id
$$;
