-- review.sql: what a review reads: the framework health of teams
-- (team_health) and a reader's review and due items.

-- Framework health ---------------------------------------------------------
--
-- Per team of the subtree of root (NULL: every team) in period p, each
-- part from 0 to 1, NULL where it does not apply, and the score: 100 x
-- the weighted mean of the parts that apply (weights: the health_w_*
-- settings), rounded.  docs/rules.md, "Framework health", is the
-- reference; in short:
--   checkins   KRs (of the team's live objectives in p) checked in (or,
--              never checked in, created) within stale_days before the
--              reference time: now, or the period's end if it is over;
--              NULL for no KRs or a draft period;
--   kpis       the team's KPIs not stale; NULL for none;
--   alignment  the team's objectives with a parent; NULL for the root
--              team and for a team without objectives;
--   focus      1 within max_objectives, else max_objectives / count;
--   assessment the latest assessment taken before the period ended: 1
--              when taken within the last two periods (since the start
--              of p minus p's length) and the team's mode is the one it
--              recommends, 0.5 when fresh but the mode differs, 0 when
--              older or none.
CREATE OR REPLACE FUNCTION team_health(p bigint, root bigint DEFAULT NULL)
RETURNS TABLE (team_id bigint, score integer, checkins double precision,
    kpis double precision, alignment double precision,
    focus double precision, assessment double precision)
LANGUAGE sql STABLE AS $$
	WITH per AS (SELECT x.id, x.state, x.start_date,
		least(now(), (x.end_date + 1)::timestamptz) AS ref,
		(x.end_date + 1)::timestamptz AS ends,
		x.start_date - (x.end_date - x.start_date + 1) AS fresh_from
		FROM periods x WHERE x.id = p),
	    cf AS (SELECT stale_days, max_objectives AS lim,
		w_checkins AS w1, w_kpis AS w2, w_alignment AS w3,
		w_focus AS w4, w_assessment AS w5 FROM rollup_settings),
	    tt AS (SELECT s.id, s.parent_id, t.framework
		FROM team_tree(root) s JOIN teams t ON t.id = s.id),
	    -- The whole organisation is read in one pass over objectives and
	    -- key results; a subtree team by team through the indexes.  The
	    -- two arms are cut at run time by root's one-time filter.
	    ob AS (SELECT o.team_id, count(*) AS n,
		count(*) FILTER (WHERE o.parent_id IS NOT NULL) AS aligned
		FROM objectives o WHERE root IS NULL AND o.period_id = p
		AND NOT o.archived GROUP BY o.team_id
		UNION ALL
		SELECT tt.id, x.n, x.aligned FROM tt, LATERAL (SELECT
		count(*) AS n,
		count(*) FILTER (WHERE o.parent_id IS NOT NULL) AS aligned
		FROM objectives o WHERE o.team_id = tt.id AND o.period_id = p
		AND NOT o.archived) x WHERE root IS NOT NULL AND x.n > 0),
	    kr AS (SELECT o.team_id, count(*) AS n,
		count(*) FILTER (WHERE coalesce(k.checked_at, k.created_at)
		    >= per.ref - make_interval(days => cf.stale_days)) AS ok
		FROM key_results k JOIN objectives o ON o.id = k.objective_id,
		per, cf
		WHERE root IS NULL AND o.period_id = p AND NOT o.archived
		AND NOT k.removed GROUP BY o.team_id
		UNION ALL
		SELECT tt.id, x.n, x.ok FROM tt, per, cf, LATERAL (SELECT
		count(*) AS n,
		count(*) FILTER (WHERE coalesce(k.checked_at, k.created_at)
		    >= per.ref - make_interval(days => cf.stale_days)) AS ok
		FROM objectives o JOIN key_results k ON k.objective_id = o.id
		WHERE o.team_id = tt.id AND o.period_id = p
		AND NOT o.archived AND NOT k.removed) x
		WHERE root IS NOT NULL AND x.n > 0),
	    kp AS (SELECT s.team_id, count(*) AS n,
		count(*) FILTER (WHERE NOT s.stale) AS ok
		FROM kpi_status s WHERE NOT s.archived
		AND s.team_id IN (SELECT id FROM tt) GROUP BY s.team_id),
	    la AS (SELECT DISTINCT ON (a.team_id) a.team_id, a.at,
		a.recommendation
		FROM assessments a, per WHERE a.at < per.ends
		AND a.team_id IN (SELECT id FROM tt)
		ORDER BY a.team_id, a.at DESC, a.id DESC),
	    parts AS (SELECT tt.id,
		CASE WHEN per.state = 'draft' OR kr.n IS NULL THEN NULL
		    ELSE round(kr.ok::numeric / kr.n, 4)::float8 END AS checkins,
		CASE WHEN kp.n IS NULL THEN NULL
		    ELSE round(kp.ok::numeric / kp.n, 4)::float8 END AS kpis,
		CASE WHEN tt.parent_id IS NULL OR ob.n IS NULL THEN NULL
		    ELSE round(ob.aligned::numeric / ob.n, 4)::float8
		    END AS alignment,
		CASE WHEN coalesce(ob.n, 0) <= cf.lim THEN 1.0::float8
		    ELSE round(cf.lim::numeric / ob.n, 4)::float8 END AS focus,
		CASE WHEN la.at IS NULL OR la.at < per.fresh_from THEN 0.0
		    WHEN la.recommendation <> tt.framework THEN 0.5
		    ELSE 1.0 END::float8 AS assessment
		FROM tt CROSS JOIN per CROSS JOIN cf
		LEFT JOIN ob ON ob.team_id = tt.id
		LEFT JOIN kr ON kr.team_id = tt.id
		LEFT JOIN kp ON kp.team_id = tt.id
		LEFT JOIN la ON la.team_id = tt.id)
	SELECT parts.id,
	    round(100 * (coalesce(cf.w1 * checkins, 0) +
		coalesce(cf.w2 * kpis, 0) + coalesce(cf.w3 * alignment, 0) +
		cf.w4 * focus + cf.w5 * assessment) /
		(CASE WHEN checkins IS NULL THEN 0 ELSE cf.w1 END +
		CASE WHEN kpis IS NULL THEN 0 ELSE cf.w2 END +
		CASE WHEN alignment IS NULL THEN 0 ELSE cf.w3 END +
		cf.w4 + cf.w5))::integer,
	    checkins, kpis, alignment, focus, assessment
	FROM parts CROSS JOIN cf
$$;

-- The weakest part of a health row (for the text output and the review):
-- the lowest that applies, the first in the listed order on a tie.
CREATE OR REPLACE FUNCTION health_weakest(checkins double precision,
    kpis double precision, alignment double precision,
    focus double precision, assessment double precision) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT n FROM (VALUES (1, 'checkins', checkins), (2, 'kpis', kpis),
	    (3, 'alignment', alignment), (4, 'focus', focus),
	    (5, 'assessment', assessment)) v (i, n, x)
	WHERE x IS NOT NULL ORDER BY x, i LIMIT 1
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
		SELECT 8, 'kpi_breach_forecast', ks.team_id,
		    coalesce((SELECT login FROM users WHERE users.id =
		    ks.owner_id), ks.lead), ks.kpi_id,
		    'KPI ''' || ks.name || ''' will turn red in about '
		    || fc.days || CASE fc.days WHEN 1 THEN ' day' ELSE ' days'
		    END || ' at its current trend'
		FROM ks JOIN kpis k ON k.id = ks.kpi_id
		CROSS JOIN LATERAL (SELECT (kpi_forecast_of(k.id, k.direction,
		    k.green, k.amber, k.green_high, k.amber_high)
		    ->> 'breach_in_days')::int AS days) fc
		WHERE fc.days IS NOT NULL
		UNION ALL
		SELECT 8, 'feed_failing', ks.team_id,
		    coalesce((SELECT login FROM users WHERE users.id =
		    ks.owner_id), ks.lead), ks.kpi_id,
		    'the feed of KPI ''' || ks.name || ''' (source '''
		    || s.name || ''') has failed since '
		    || to_char(f.failing_since AT TIME ZONE 'UTC',
		    'YYYY-MM-DD HH24:MI') || ' UTC: ' || coalesce(f.last_error, '')
		FROM ks JOIN feeds f ON f.kpi_id = ks.kpi_id
		JOIN sources s ON s.id = f.source_id WHERE feed_failing(f)
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
