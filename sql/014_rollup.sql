-- 014: the executive roll-up (issue 8): the alignment tree, framework
-- health, the review list and what is due (server/sql-rollup.inc).
--
-- Everything here reads the whole organisation set-based: one pass per
-- table, joined, never a query per objective or a recursive function per
-- row.  Progress is the stored objectives.progress, status and staleness
-- the functions of sql/012 (period_expected, objective_status, kr_stale).

-- Settings: the weights of the framework health's parts (docs/rules.md,
-- "Framework health").  The name check is widened as sql/011 does.
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
		    '(%s OR name IN (''health_w_checkins'', '
		    '''health_w_kpis'', ''health_w_alignment'', '
		    '''health_w_focus'', ''health_w_assessment''))',
		    c.conname, regexp_replace(c.def, '^CHECK ', ''));
	END LOOP;
END $$;
INSERT INTO settings VALUES ('health_w_checkins', 30), ('health_w_kpis', 20),
	('health_w_alignment', 20), ('health_w_focus', 15),
	('health_w_assessment', 15);

-- No JIT for cairn's sessions: the roll-up's statements over the whole
-- organisation are estimated above jit_above_cost, and compiling them
-- took 1 to 5 s against some 100 ms of execution (a 100,000-objective
-- organisation).  A database setting, so it holds for the pool's
-- connections (opened after the migrations); a role that does not own
-- the database keeps its setting, with a notice (docs/operations.md).
DO $$
BEGIN
	EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN insufficient_privilege THEN
	RAISE NOTICE 'jit stays as configured: % does not own the database',
	    current_user;
END $$;

-- Indexes the roll-up reads by: a period's objectives, what a user owns
-- or contributes to (due), the readings a user recorded (due).
CREATE INDEX objectives_period_parent ON objectives (period_id, parent_id)
	WHERE NOT archived;
CREATE INDEX objectives_owner ON objectives (owner_id);
CREATE INDEX key_results_owner ON key_results (owner_id) WHERE NOT removed;
CREATE INDEX objective_contributors_user ON objective_contributors (user_id);
CREATE INDEX kpi_readings_author ON kpi_readings (author_id, kpi_id);

-- The settings the roll-up reads, in one row: joined once per statement,
-- they are passed to the forms of objective_status() and kr_stale() that
-- take them (sql/012), which the planner inlines; the forms that read
-- them at each call cost seconds over 300,000 key results.
CREATE VIEW rollup_settings AS
SELECT max(value) FILTER (WHERE name = 'stale_days') AS stale_days,
    max(value) FILTER (WHERE name = 'due_days') AS due_days,
    max(value) FILTER (WHERE name = 'max_objectives') AS max_objectives,
    max(value) FILTER (WHERE name = 'pace_off_pct') AS off_pct,
    max(value) FILTER (WHERE name = 'pace_risk_pct') AS risk_pct,
    max(value) FILTER (WHERE name = 'pace_off_confidence') AS off_conf,
    max(value) FILTER (WHERE name = 'pace_risk_confidence') AS risk_conf,
    max(value) FILTER (WHERE name = 'health_w_checkins') AS w_checkins,
    max(value) FILTER (WHERE name = 'health_w_kpis') AS w_kpis,
    max(value) FILTER (WHERE name = 'health_w_alignment') AS w_alignment,
    max(value) FILTER (WHERE name = 'health_w_focus') AS w_focus,
    max(value) FILTER (WHERE name = 'health_w_assessment') AS w_assessment
FROM settings;

-- Every KPI's state, set-based: its health (as kpi_health_of, sql/007:
-- the best of its last breach_after readings, 'none' before the first),
-- its latest reading's time, stale (as kpi_stale_of: no reading, or the
-- latest older than a window and a half) and due (no reading within its
-- window: the next one is expected).  A view, so that a filter on the
-- team or the id reaches the scan of kpis and the readings are read by
-- index, a few per KPI.
CREATE VIEW kpi_status AS
SELECT k.id AS kpi_id, k.team_id, k.owner_id, k.name, k.archived,
    k.frequency,
    coalesce((SELECT CASE min(CASE x.h WHEN 'green' THEN 0
	WHEN 'amber' THEN 1 ELSE 2 END)
	WHEN 0 THEN 'green' WHEN 1 THEN 'amber' WHEN 2 THEN 'red' END
	FROM (SELECT kpi_reading_health(k.direction, k.green, k.amber,
	    k.green_high, k.amber_high, r.value) AS h
	    FROM kpi_readings r WHERE r.kpi_id = k.id
	    ORDER BY r.at DESC, r.id DESC
	    LIMIT greatest(k.breach_after, 1)) x), 'none') AS health,
    l.at AS latest_at,
    coalesce(l.at < now() - kpi_window(k.frequency) * 1.5, true) AS stale,
    coalesce(l.at <= now() - kpi_window(k.frequency), true) AS due
FROM kpis k
LEFT JOIN LATERAL (SELECT r.at FROM kpi_readings r WHERE r.kpi_id = k.id
    ORDER BY r.at DESC, r.id DESC LIMIT 1) l ON true;

-- The teams a user reads the objectives of (can_read_team, sql/002, for
-- every team at once): public teams; for admins and executives all; the
-- user's own teams; every team below one the user leads.
CREATE FUNCTION teams_readable(u bigint, r text) RETURNS TABLE (id bigint)
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
CREATE FUNCTION team_tree(root bigint) RETURNS TABLE (id bigint,
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

-- The period a roll-up reads when none is named: the active one that
-- contains today, the shortest such (then the latest start, then id).
CREATE FUNCTION period_default() RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT id FROM periods WHERE state = 'active'
	    AND current_date BETWEEN start_date AND end_date
	ORDER BY end_date - start_date, start_date DESC, id LIMIT 1
$$;

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
CREATE FUNCTION team_health(p bigint, root bigint DEFAULT NULL)
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
CREATE FUNCTION health_weakest(checkins double precision,
    kpis double precision, alignment double precision,
    focus double precision, assessment double precision) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT n FROM (VALUES (1, 'checkins', checkins), (2, 'kpis', kpis),
	    (3, 'alignment', alignment), (4, 'focus', focus),
	    (5, 'assessment', assessment)) v (i, n, x)
	WHERE x IS NOT NULL ORDER BY x, i LIMIT 1
$$;

-- The review -----------------------------------------------------------------
--
-- What needs attention in period p before or during its review, for user
-- u with role r, in the subtree of team root (NULL: the organisation), in
-- the order of the team tree, then of the kinds below, then of the ids.
-- Items about objectives, key results and KPIs of a team u may not read
-- are left out (u's contributions excepted); those about teams are public
-- as teams are.  docs/rules.md, "The review", lists the kinds.
CREATE FUNCTION review_items(u bigint, r text, p bigint, root bigint)
RETURNS TABLE (kind text, team text, owner text, id bigint, message text)
LANGUAGE sql STABLE AS $$
	WITH per AS (SELECT x.id, x.state, x.end_date,
		period_expected(x.id, now()) AS e,
		(x.end_date + 1)::timestamptz AS ends,
		x.start_date - (x.end_date - x.start_date + 1) AS fresh_from
		FROM periods x WHERE x.id = p),
	    lim AS (SELECT max_objectives AS n, rollup_settings.*
		FROM rollup_settings),
	    tt AS (SELECT s.id, row_number() OVER (ORDER BY s.path) AS pos,
		t.slug, t.parent_id, t.framework,
		(SELECT lu.login FROM team_members m JOIN users lu
		    ON lu.id = m.user_id WHERE m.team_id = s.id
		    AND m.role = 'lead' ORDER BY lu.login LIMIT 1) AS lead,
		s.id IN (SELECT id FROM teams_readable(u, r)) AS readable
		FROM team_tree(root) s JOIN teams t ON t.id = s.id),
	    ob AS (SELECT o.id, o.team_id, o.title, o.parent_id, o.progress,
		o.grade, ow.login AS owner, tt.parent_id IS NULL AS root_team
		FROM objectives o JOIN tt ON tt.id = o.team_id
		JOIN users ow ON ow.id = o.owner_id
		WHERE o.period_id = p AND NOT o.archived AND (tt.readable OR
		o.id IN (SELECT objective_id FROM objective_contributors
		    WHERE user_id = u))),
	    -- One pass over the key results: staleness and confidence.
	    kr AS MATERIALIZED (SELECT k.id, k.objective_id, k.title,
		k.owner_id, k.checked_at, k.confidence,
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
		WHERE s.health = 'red'
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

-- What is due for user u (docs/rules.md, "What is due"): check-ins of
-- the key results u owns or contributes to (not bound to a KPI) in active
-- periods with none for due_days (counted from creation when never
-- checked in); readings of the live KPIs u owns or has recorded whose
-- latest is a window old (kpi_window: a day, a week, 31 days) or missing;
-- grades of the live objectives u owns or whose team u leads, in periods
-- under review.
CREATE FUNCTION due_items(u bigint)
RETURNS TABLE (kind text, id bigint, team text, period text, title text,
    last text, message text)
LANGUAGE sql STABLE AS $$
	WITH mine AS (SELECT k.id FROM key_results k
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
		AND coalesce(k.checked_at, k.created_at) < now() -
		    make_interval(days => (SELECT due_days
		    FROM rollup_settings))
		UNION ALL
		SELECT 2, 'reading', s.kpi_id, t.slug, NULL, s.name,
		    s.latest_at, CASE WHEN s.latest_at IS NULL
		    THEN 'no reading yet' ELSE 'the ' || s.frequency ||
		    ' reading is due' END
		FROM kpi_status s JOIN teams t ON t.id = s.team_id
		WHERE NOT s.archived AND s.due AND (s.owner_id = u OR
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
		    WHERE m.user_id = u AND m.role = 'lead')))
	SELECT kind, id, team, period, title,
	    to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
	    message
	FROM items ORDER BY ord, team, id
$$;
