-- gen-org.sql: the bench organisation (issue 8, "Performance"), loaded by
-- tests/bench/run.sh into a fresh cairn database:
--
--	psql -X -v ON_ERROR_STOP=1 -v per_team=100 -f gen-org.sql
--
-- 1,000 teams in a reporting hierarchy (the root, 9 divisions, 90
-- departments, 900 teams: 1 + 9 + 9 x 10 + 90 x 10), 8 members each (the
-- first its lead), per_team objectives per team (100: 100,000 in all), 3
-- key results each (300,000), one active period around today, check-ins
-- spread over it (about 540,000), a KPI per team with twelve weekly
-- readings, a guardrail per team; then the stored progress rebuilt.
--
-- The alignment: a team's first half of objectives align under the
-- second half of its parent team's (each of those gets one child from each
-- sub-team), its second half under its own first half, one for one.  So
-- objective levels go 1-2 (root team), 3-4, 5-6, 7-8: depth 8, the
-- max_depth setting.  One in 50 first-half objectives below the root team
-- is left unaligned (the review's "unaligned").  Leaves roll up their key
-- results (auto); objectives with children roll up both, one in ten
-- children only, so that a check-in on a leaf moves up to 8 ancestors.
--
-- Set-based: one INSERT ... SELECT generate_series per table, with explicit
-- ids (OVERRIDING SYSTEM VALUE) so that parents are computed, not looked
-- up.  The per-row rule triggers are off while loading
-- (session_replication_role = replica, which needs the superuser cairnd's
-- cluster role is): they would cost minutes on 1.5 million rows.  The rules
-- they enforce are then checked set-based below, and the load refused if
-- any is broken; the columns the triggers maintain (a key result's current
-- value, confidence, version and last check-in) are set from the
-- check-ins as checkins_apply would, and the stored progress by
-- objectives_progress_rebuild() (sql/012).  Everything in one transaction.
--
-- Deterministic: the "random" choices are hashes of the row numbers.

\set ON_ERROR_STOP 1
\if :{?per_team}
\else
\set per_team 100
\endif

-- sql/012 (pace): key_results.checked_at and objectives_progress_rebuild().
-- Without them (a tree from before it) the load goes on without either.
SELECT to_regproc('objectives_progress_rebuild') IS NOT NULL AS pace \gset
\if :pace
\set kr_checked ', checked_at'
\set cv_at ', cv.at'
\else
\echo 'gen-org: no sql/012 (pace): no checked_at, no stored progress'
\set kr_checked ''
\set cv_at ''
\endif

BEGIN;
SET LOCAL session_replication_role = replica;
SET LOCAL work_mem = '64MB';

-- h(a, b): a deterministic pseudo-random integer in 0 .. 2^31 - 1.
CREATE FUNCTION pg_temp.h(a bigint, b integer) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
	SELECT (hashint8(a * 7919 + b) & 2147483647)::bigint
$$;

-- Refuses (rolls everything back) when the query given finds a row.
CREATE FUNCTION pg_temp.must_be_empty(what text, q text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	EXECUTE 'SELECT count(*) FROM (' || q || ') x' INTO n;
	IF n > 0 THEN
		RAISE EXCEPTION 'gen-org: % broken by % rows', what, n;
	END IF;
END $$;

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM teams) OR EXISTS (SELECT 1 FROM objectives)
	    OR EXISTS (SELECT 1 FROM periods) THEN
		RAISE EXCEPTION 'gen-org: wants a database without teams, '
		    'periods and objectives';
	END IF;
END $$;

-- The limits of this organisation.
UPDATE settings SET value = :per_team WHERE name = 'max_objectives';
UPDATE settings SET value = 8 WHERE name = 'max_depth';

-- Shape and id bases.  Team index ti: 0 root, 1..9 divisions, 10..99
-- departments, 100..999 teams.
CREATE TEMP TABLE g ON COMMIT DROP AS SELECT
	(SELECT coalesce(max(id), 0) FROM users) AS ubase,
	:per_team::integer AS per_team,
	8 AS members,
	3 AS krs,
	date_trunc('day', now()) - interval '60 days' AS pstart,
	(current_date + 30)::date AS pend;

CREATE TEMP TABLE tt ON COMMIT DROP AS
SELECT ti, CASE WHEN ti = 0 THEN 0 WHEN ti < 10 THEN 1
	    WHEN ti < 100 THEN 2 ELSE 3 END AS lvl,
	CASE WHEN ti = 0 THEN NULL WHEN ti < 10 THEN 0
	    WHEN ti < 100 THEN 1 + (ti - 10) / 10
	    ELSE 10 + (ti - 100) / 10 END AS pti
FROM generate_series(0, 999) ti;

INSERT INTO periods (id, name, start_date, end_date, state)
OVERRIDING SYSTEM VALUE
SELECT 1, 'bench-q', pstart::date, pend, 'active' FROM g;

INSERT INTO teams (id, slug, name, parent_id)
OVERRIDING SYSTEM VALUE
SELECT ti + 1, CASE lvl WHEN 0 THEN 'org' WHEN 1 THEN 'div-' || ti
	    WHEN 2 THEN 'dep-' || ti ELSE 'team-' || ti END,
	CASE lvl WHEN 0 THEN 'The organisation' WHEN 1 THEN 'Division ' || ti
	    WHEN 2 THEN 'Department ' || ti ELSE 'Team ' || ti END,
	pti + 1
FROM tt;

-- Users u<ti>-<m>: the password hash is a placeholder (no one logs in as
-- them); the first of each team is its lead.
INSERT INTO users (id, login, name, role, password_hash)
OVERRIDING SYSTEM VALUE
SELECT g.ubase + 1 + tt.ti * g.members + m, 'u' || tt.ti || '-' || m,
	'Member ' || m || ' of team ' || tt.ti,
	CASE WHEN tt.ti = 0 AND m = 1 THEN 'executive' ELSE 'member' END,
	'$argon2id$v=19$m=65536,t=3,p=1$bench$not-a-real-hash'
FROM g, tt, generate_series(0, 7) m;

INSERT INTO team_members (team_id, user_id, role)
SELECT tt.ti + 1, g.ubase + 1 + tt.ti * g.members + m,
	CASE WHEN m = 0 THEN 'lead' ELSE 'member' END
FROM g, tt, generate_series(0, 7) m;

-- Objectives: id = 1 + ti * per_team + j.  half = per_team / 2.
INSERT INTO objectives (id, team_id, period_id, title, owner_id, type,
    parent_id, weight, rollup, created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT 1 + tt.ti * g.per_team + j, tt.ti + 1, 1,
	(ARRAY['Grow', 'Cut', 'Launch', 'Improve', 'Retain', 'Automate'])
	    [1 + pg_temp.h(tt.ti, j) % 6] || ' ' ||
	(ARRAY['the pipeline', 'downtime', 'delivery times', 'support load',
	    'onboarding', 'customer satisfaction', 'cost per order',
	    'release cadence'])[1 + pg_temp.h(tt.ti, j + 1000) % 8] ||
	    ' (' || tt.ti || '.' || j || ')',
	g.ubase + 1 + tt.ti * g.members + j % g.members,
	CASE WHEN j % 4 = 0 THEN 'aspirational' ELSE 'committed' END,
	CASE
	    WHEN j >= g.per_team / 2 THEN 1 + tt.ti * g.per_team + j -
		g.per_team / 2
	    WHEN tt.ti = 0 THEN NULL
	    WHEN pg_temp.h(tt.ti, j + 2000) % 50 = 0 THEN NULL
	    ELSE 1 + tt.pti * g.per_team + g.per_team / 2 + j
	END,
	1 + pg_temp.h(tt.ti, j + 3000) % 3,
	CASE WHEN tt.lvl = 3 AND j >= g.per_team / 2 THEN 'auto'
	    WHEN j % 10 = 9 THEN 'children' ELSE 'both' END,
	g.pstart, g.pstart
FROM g, tt, generate_series(0, g.per_team - 1) j;

-- Key results: id = (objective - 1) * krs + r + 1.  Mostly increase, one
-- in seven a decrease, one in eleven a boolean.
CREATE TEMP TABLE kk ON COMMIT DROP AS
SELECT x.*, CASE x.type WHEN 'decrease' THEN 100 ELSE 0 END AS start_value,
	CASE x.type WHEN 'boolean' THEN 1 WHEN 'decrease' THEN 20
	    ELSE 10 * (1 + pg_temp.h(x.id, 2) % 100) END AS target,
	-- check-ins: none for one in ten, else 1 to 3 (n), the last 0 to
	-- 16 days ago (so some are stale), the earlier ones spread between
	-- the start and the last; values climbing towards an attainment
	-- of 0 to 1.2 (reach); confidence 2 to 10.
	CASE WHEN pg_temp.h(x.id, 14) % 10 = 0 THEN 0
	    ELSE 1 + pg_temp.h(x.id, 10)::integer % 3 END AS n,
	now() - interval '1 day' * (pg_temp.h(x.id, 11) % 17)
	    - interval '1 minute' * (pg_temp.h(x.id, 12) % 600) AS last_at,
	(pg_temp.h(x.id, 13) % 121) / 100.0 AS reach
FROM (SELECT (o.id - 1) * g.krs + r + 1 AS id, o.id AS objective_id,
	CASE WHEN pg_temp.h(o.id, r) % 11 = 0 THEN 'boolean'
	    WHEN pg_temp.h(o.id, r) % 7 = 0 THEN 'decrease'
	    ELSE 'increase' END AS type,
	g.ubase + 1 + (o.team_id - 1) * g.members +
	    ((o.id + r) % g.members) AS owner_id
    FROM g, objectives o, generate_series(0, g.krs - 1) r) x;

-- Check-in c of n of each key result, its value and confidence.
CREATE TEMP TABLE cv ON COMMIT DROP AS
SELECT kk.id AS kr_id, c, c = kk.n AS latest, kk.owner_id,
	CASE kk.type WHEN 'boolean' THEN
	    CASE WHEN c = kk.n AND kk.reach >= 0.6 THEN 1 ELSE 0 END
	ELSE round((kk.start_value + (kk.target - kk.start_value) *
	    kk.reach * c / kk.n)::numeric, 1)::float8 END AS value,
	(2 + pg_temp.h(kk.id, 20 + c) % 9)::smallint AS confidence,
	g.pstart + (kk.last_at - g.pstart) * c / kk.n AS at
FROM g, kk, generate_series(1, 3) c WHERE c <= kk.n;

-- current, confidence, version and checked_at as checkins_apply (sql/012)
-- would leave them.
INSERT INTO key_results (id, objective_id, title, type, start_value, target,
    current, unit, weight, owner_id, confidence, version, created_at,
    updated_at :kr_checked)
OVERRIDING SYSTEM VALUE
SELECT kk.id, kk.objective_id,
	(ARRAY['Reach', 'Ship', 'Hold', 'Sign', 'Close'])
	    [1 + pg_temp.h(kk.id, 1) % 5] || ' key result ' || kk.id,
	kk.type, kk.start_value, kk.target, coalesce(cv.value, kk.start_value),
	CASE kk.type WHEN 'boolean' THEN '' ELSE '%' END,
	1 + pg_temp.h(kk.id, 3) % 2, kk.owner_id, cv.confidence, 1 + kk.n,
	g.pstart, g.pstart :cv_at
FROM g, kk LEFT JOIN cv ON cv.kr_id = kk.id AND cv.latest;

INSERT INTO checkins (kr_id, value, confidence, note, author_id, at)
SELECT kr_id, value, confidence, CASE WHEN latest THEN 'latest' ELSE '' END,
	owner_id, at
FROM cv ORDER BY at;


-- A KPI per team (its lead owns it), twelve weekly readings ending 0 to
-- 19 days ago; values drift so that some are amber or red.  The first
-- objective of each team is guarded by its team's KPI.
INSERT INTO kpis (id, team_id, name, unit, direction, green, amber,
    frequency, owner_id, created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT tt.ti + 1, tt.ti + 1, 'Throughput of team ' || tt.ti, 'orders',
	'up', 100, 80, 'weekly', g.ubase + 1 + tt.ti * g.members,
	g.pstart - interval '30 days', g.pstart - interval '30 days'
FROM g, tt;

INSERT INTO kpi_readings (kpi_id, value, at, author_id, recorded_at)
SELECT tt.ti + 1,
	60 + pg_temp.h(tt.ti, 100 + w) % 40 + pg_temp.h(tt.ti, 99) % 40,
	now() - interval '1 day' * (pg_temp.h(tt.ti, 98) % 20)
	    - interval '7 days' * (11 - w),
	g.ubase + 1 + tt.ti * g.members, now()
FROM g, tt, generate_series(0, 11) w
ORDER BY 3;

INSERT INTO objective_guardrails (objective_id, kpi_id, added_by)
SELECT 1 + tt.ti * g.per_team, tt.ti + 1, g.ubase + 1 + tt.ti * g.members
FROM g, tt;

-- The rules the triggers would have enforced, checked over the whole set.
DO $chk$
BEGIN
	PERFORM pg_temp.must_be_empty('owner.member (objectives)',
	    'SELECT 1 FROM objectives o WHERE NOT EXISTS (SELECT 1 FROM team_members m
	    WHERE m.team_id = o.team_id AND m.user_id = o.owner_id)');
	PERFORM pg_temp.must_be_empty('owner.member (key results)',
	    'SELECT 1 FROM key_results k JOIN objectives o ON o.id = k.objective_id
	    WHERE NOT EXISTS (SELECT 1 FROM team_members m
	    WHERE m.team_id = o.team_id AND m.user_id = k.owner_id)');
	PERFORM pg_temp.must_be_empty('limit.objectives',
	    'SELECT 1 FROM objectives WHERE NOT archived GROUP BY team_id, period_id
	    HAVING count(*) > cairn_setting(''max_objectives'')');
	PERFORM pg_temp.must_be_empty('limit.key_results',
	    'SELECT 1 FROM key_results WHERE NOT removed GROUP BY objective_id
	    HAVING count(*) > cairn_setting(''max_key_results'')');
	PERFORM pg_temp.must_be_empty('alignment.team',
	    'WITH RECURSIVE up (team, anc) AS (SELECT id, id FROM teams
	    UNION ALL SELECT up.team, t.parent_id FROM up JOIN teams t
	    ON t.id = up.anc WHERE t.parent_id IS NOT NULL)
	    SELECT 1 FROM objectives c JOIN objectives p ON p.id = c.parent_id
	    WHERE NOT EXISTS (SELECT 1 FROM up WHERE up.team = c.team_id
	    AND up.anc = p.team_id)');
	PERFORM pg_temp.must_be_empty('alignment.period',
	    'SELECT 1 FROM objectives c JOIN objectives p ON p.id = c.parent_id
	    JOIN periods cp ON cp.id = c.period_id JOIN periods pp
	    ON pp.id = p.period_id WHERE pp.start_date > cp.start_date
	    OR pp.end_date < cp.end_date');
	PERFORM pg_temp.must_be_empty('alignment.depth (and no cycle)',
	    'WITH RECURSIVE d (id, lvl) AS (SELECT id, 1 FROM objectives
	    WHERE parent_id IS NULL UNION ALL SELECT o.id, d.lvl + 1
	    FROM objectives o JOIN d ON o.parent_id = d.id WHERE d.lvl <= 9)
	    SELECT 1 FROM d
	    HAVING max(lvl) > cairn_setting(''max_depth'')
	    OR count(*) <> (SELECT count(*) FROM objectives)');
	PERFORM pg_temp.must_be_empty('period.not_active (check-ins)',
	    'SELECT 1 FROM checkins c JOIN key_results k ON k.id = c.kr_id
	    JOIN objectives o ON o.id = k.objective_id JOIN periods p
	    ON p.id = o.period_id WHERE p.state NOT IN (''active'', ''review'')');
	PERFORM pg_temp.must_be_empty('team.root',
	    'SELECT 1 FROM teams WHERE parent_id IS NULL HAVING count(*) <> 1');
END $chk$;

-- The identities go on after the explicit ids.
SELECT setval(pg_get_serial_sequence(t, 'id'), m)
FROM (VALUES ('periods', (SELECT max(id) FROM periods)),
    ('teams', (SELECT max(id) FROM teams)),
    ('users', (SELECT max(id) FROM users)),
    ('objectives', (SELECT max(id) FROM objectives)),
    ('key_results', (SELECT max(id) FROM key_results)),
    ('kpis', (SELECT max(id) FROM kpis))) v (t, m);

-- The stored progress (sql/012), level by level from the leaves, still
-- without the triggers: its updates change progress only.
\if :pace
SELECT to_regproc('kr_trends_rebuild') IS NOT NULL AS trends \gset
\if :trends
-- The key results' trends (sql/006_kr_trend.sql), as checkins_apply would
-- have kept them, before the roll-up that reads them.
SELECT kr_trends_rebuild();
\endif
SELECT objectives_progress_rebuild();
\endif

SET LOCAL session_replication_role = origin;

-- An assessment for every other team, through its scoring trigger.
INSERT INTO assessments (team_id, author_id, at, answers)
SELECT tt.ti + 1, g.ubase + 1 + tt.ti * g.members,
	now() - interval '1 day' * (pg_temp.h(tt.ti, 97) % 200),
	'{"scenarios": {}, "checklist": {}}'
FROM g, tt WHERE tt.ti % 2 = 0;

COMMIT;

-- Vacuumed and analysed now, so that autovacuum does not do it (and take
-- the CPU) during the timed runs, and the planner knows the new tables.
VACUUM (ANALYZE);

SELECT (SELECT count(*) FROM teams) AS teams,
	(SELECT count(*) FROM users) AS users,
	(SELECT count(*) FROM objectives) AS objectives,
	(SELECT count(*) FROM key_results) AS key_results,
	(SELECT count(*) FROM checkins) AS checkins,
	(SELECT count(*) FROM kpi_readings) AS readings;
