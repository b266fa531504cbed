-- 015: export and import of a period (issue 8, "Export, import").
--
-- An export is streamed by cairnd straight from the tables (server/
-- sql-export.inc).  An import is larger than a frame, so it is uploaded
-- in bounded steps: import.begin makes a row of `imports` (the handle),
-- import.rows adds up to 1000 checked rows at a time to `import_rows`
-- (the stage, one jsonb per row as cairnd checked it), and import.commit
-- calls import_apply(), which applies the whole stage in ONE statement,
-- hence one transaction, and drops it.  Nothing outside the stage changes
-- before the commit; a failed commit changes nothing and leaves the stage
-- for import.abort (or for the next import.begin, an hour later).
--
-- Rows of the stage are keyed by the ids of the exporting database (the
-- document's ids); import_apply maps them onto new ids taken in the same
-- order, so the imported rows keep the order of the exported ones.  Users
-- and teams are mapped by login and slug and never created; KPIs by their
-- team and name (created when missing, so that the KPIs of a team come
-- over with its first period).  The triggers of 002 to 013 check every
-- row again as it is inserted.

CREATE TABLE imports (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id		bigint NOT NULL REFERENCES users (id),
	period		jsonb NOT NULL,
	nrows		integer NOT NULL DEFAULT 0,
	bytes		bigint NOT NULL DEFAULT 0,
	created_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE import_rows (
	import_id	bigint NOT NULL REFERENCES imports (id)
			ON DELETE CASCADE,
	kind		text NOT NULL,
	n		integer NOT NULL,	-- order within the import
	doc		jsonb NOT NULL,
	PRIMARY KEY (import_id, n)
);
CREATE INDEX import_rows_set ON import_rows (import_id, kind, n);

-- limit.import: the stage of one import stays bounded whatever a client
-- sends (cairnd checks each chunk; this holds under concurrent chunks).
CREATE FUNCTION imports_check_size() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.nrows > 2000000 OR NEW.bytes > 1073741824 THEN
		PERFORM cairn_refuse('limit.import', 'an import holds at most '
		    '2,000,000 rows and 1 GiB');
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER imports_check_size BEFORE UPDATE ON imports
	FOR EACH ROW EXECUTE FUNCTION imports_check_size();

-- A time as the export writes it: UTC, microseconds, ISO 8601.
CREATE FUNCTION export_time(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

-- The teams whose objectives and KPIs user u (role r) may read: the
-- read rule once per team, not once per objective.
CREATE FUNCTION export_teams(u bigint, r text) RETURNS TABLE (id bigint)
LANGUAGE sql STABLE AS $$
	SELECT t.id FROM teams t WHERE can_read_team(u, r, t.id)
$$;

-- What import_apply would not find: the logins and slugs the stage names
-- that the database lacks (each list sorted, NULL when none), and the
-- objectives outside the period it aligns to that do not exist.
CREATE FUNCTION import_missing(imp bigint) RETURNS TABLE (users text,
    teams text, parents text)
LANGUAGE sql STABLE AS $$
	WITH l AS (
		SELECT doc->>'login' AS login FROM import_rows
		    WHERE import_id = imp AND kind = 'users'
		UNION SELECT doc->>'owner' FROM import_rows
		    WHERE import_id = imp AND kind IN ('objectives',
		    'key_results', 'kpis')
		UNION SELECT doc->>'login' FROM import_rows
		    WHERE import_id = imp AND kind = 'contributors'
		UNION SELECT doc->>'author' FROM import_rows
		    WHERE import_id = imp AND kind IN ('checkins', 'readings',
		    'retros')
		UNION SELECT doc->>'added_by' FROM import_rows
		    WHERE import_id = imp AND kind = 'guardrails'),
	s AS (
		SELECT doc->>'slug' AS slug FROM import_rows
		    WHERE import_id = imp AND kind = 'teams'
		UNION SELECT doc->>'team' FROM import_rows
		    WHERE import_id = imp AND kind IN ('objectives', 'kpis',
		    'retros')),
	x AS (
		SELECT DISTINCT (doc->>'parent_period') || '/' ||
		    (doc->>'parent_team') || '/' || (doc->>'parent_title') AS ref
		FROM import_rows r WHERE import_id = imp AND kind = 'objectives'
		    AND doc->>'parent_period' IS NOT NULL
		    AND (SELECT count(*) FROM objectives o
			JOIN periods p ON p.id = o.period_id
			JOIN teams t ON t.id = o.team_id
			WHERE p.name = r.doc->>'parent_period'
			AND t.slug = r.doc->>'parent_team'
			AND o.title = r.doc->>'parent_title') <> 1)
	SELECT
	    (SELECT string_agg(login, ', ' ORDER BY login) FROM l
		WHERE login IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u
		WHERE u.login = l.login)),
	    (SELECT string_agg(slug, ', ' ORDER BY slug) FROM s
		WHERE slug IS NOT NULL AND NOT EXISTS (SELECT 1 FROM teams t
		WHERE t.slug = s.slug)),
	    (SELECT string_agg(ref, ', ' ORDER BY ref) FROM x)
$$;

-- Apply import imp of user u in one transaction (the caller's statement)
-- and drop its stage.  Refusals: import.unknown (users, teams or outside
-- parents missing, all named), import.period (the period exists and is
-- not empty, or is past active, or has other dates), import.reference (a
-- row names an id the document lacks), import.cycle; then whatever the
-- triggers refuse.
CREATE FUNCTION import_apply(imp bigint, u bigint) RETURNS TABLE (
    r_period text, r_objectives bigint, r_key_results bigint,
    r_checkins bigint, r_kpis bigint, r_readings bigint)
LANGUAGE plpgsql AS $$
DECLARE
	p jsonb;
	pid bigint;
	pst text;
	want text;
	m record;
	bad text;
	depth integer;
	n_obj bigint; n_kr bigint; n_ci bigint; n_kpi bigint; n_rd bigint;
BEGIN
	SELECT i.period INTO p FROM imports i WHERE i.id = imp
	    AND i.user_id = u FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'CA001',
		    MESSAGE = 'import.missing', DETAIL = 'no import ' || imp ||
		    ' of yours is open';
	END IF;
	SELECT * INTO m FROM import_missing(imp);
	IF m.users IS NOT NULL OR m.teams IS NOT NULL OR m.parents IS NOT NULL
	THEN
		PERFORM cairn_refuse('import.unknown', concat_ws('; ',
		    'unknown users: ' || m.users, 'unknown teams: ' || m.teams,
		    'unknown parent objectives: ' || m.parents));
	END IF;

	-- The period: created, or an empty one not yet in review.
	want := p->>'state';
	SELECT id, state INTO pid, pst FROM periods WHERE name = p->>'name'
	    FOR UPDATE;
	IF pid IS NULL THEN
		INSERT INTO periods (name, start_date, end_date, state)
		    VALUES (p->>'name', (p->>'start_date')::date,
		    (p->>'end_date')::date,
		    CASE WHEN want = 'draft' THEN 'draft' ELSE 'active' END)
		    RETURNING id, state INTO pid, pst;
	ELSE
		IF EXISTS (SELECT 1 FROM objectives WHERE period_id = pid) THEN
			PERFORM cairn_refuse('import.period', 'period ' ||
			    (p->>'name') || ' is not empty');
		END IF;
		IF pst NOT IN ('draft', 'active') THEN
			PERFORM cairn_refuse('import.period', 'period ' ||
			    (p->>'name') || ' is ' || pst ||
			    ': import into a draft or active period');
		END IF;
		IF (SELECT start_date <> (p->>'start_date')::date OR
		    end_date <> (p->>'end_date')::date FROM periods
		    WHERE id = pid) THEN
			PERFORM cairn_refuse('import.period', 'period ' ||
			    (p->>'name') || ' has other dates than the export''s');
		END IF;
		IF pst = 'draft' AND want <> 'draft' THEN
			UPDATE periods SET state = 'active' WHERE id = pid;
		END IF;
	END IF;

	-- References inside the document.
	SELECT string_agg(DISTINCT x.what, ', ') INTO bad FROM (
		SELECT 'objective ' || (r.doc->>'parent') AS what
		    FROM import_rows r WHERE r.import_id = imp
		    AND r.kind = 'objectives' AND r.doc->>'parent' IS NOT NULL
		    AND NOT EXISTS (SELECT 1 FROM import_rows q
			WHERE q.import_id = imp AND q.kind = 'objectives'
			AND q.doc->'id' = r.doc->'parent')
		UNION ALL SELECT 'objective ' || (r.doc->>'objective')
		    FROM import_rows r WHERE r.import_id = imp
		    AND r.kind IN ('key_results', 'contributors', 'guardrails')
		    AND NOT EXISTS (SELECT 1 FROM import_rows q
			WHERE q.import_id = imp AND q.kind = 'objectives'
			AND q.doc->'id' = r.doc->'objective')
		UNION ALL SELECT 'key result ' || (r.doc->>'kr')
		    FROM import_rows r WHERE r.import_id = imp
		    AND r.kind = 'checkins'
		    AND NOT EXISTS (SELECT 1 FROM import_rows q
			WHERE q.import_id = imp AND q.kind = 'key_results'
			AND q.doc->'id' = r.doc->'kr')
		UNION ALL SELECT 'KPI ' || (r.doc->>'kpi')
		    FROM import_rows r WHERE r.import_id = imp
		    AND r.kind IN ('key_results', 'readings', 'guardrails')
		    AND r.doc->>'kpi' IS NOT NULL
		    AND NOT EXISTS (SELECT 1 FROM import_rows q
			WHERE q.import_id = imp AND q.kind = 'kpis'
			AND q.doc->'id' = r.doc->'kpi')
		UNION ALL SELECT s.kind || ' id ' || (s.doc->>'id')
		    FROM import_rows s WHERE s.import_id = imp
		    AND s.kind IN ('objectives', 'key_results', 'kpis')
		    GROUP BY s.kind, s.doc->>'id' HAVING count(*) > 1) x;
	IF bad IS NOT NULL THEN
		PERFORM cairn_refuse('import.reference', 'the document names '
		    'what it does not hold, or twice: ' || left(bad, 400));
	END IF;

	-- KPIs: mapped by team and name, created when missing.
	CREATE TEMP TABLE imp_kpi ON COMMIT DROP AS
	    SELECT (r.doc->>'id')::bigint AS old, r.n, r.doc,
		(SELECT k.id FROM kpis k JOIN teams t ON t.id = k.team_id
		 WHERE t.slug = r.doc->>'team' AND k.name = r.doc->>'name'
		 ORDER BY k.id LIMIT 1) AS new, false AS made
	    FROM import_rows r WHERE r.import_id = imp AND r.kind = 'kpis';
	UPDATE imp_kpi SET new = nextval(pg_get_serial_sequence('kpis', 'id')),
	    made = true WHERE new IS NULL;
	INSERT INTO kpis (id, team_id, name, description, unit, direction,
	    green, amber, green_high, amber_high, frequency, owner_id,
	    breach_after, created_at) OVERRIDING SYSTEM VALUE
	    SELECT k.new, t.id, k.doc->>'name', k.doc->>'description',
		k.doc->>'unit', k.doc->>'direction',
		(k.doc->>'green')::float8, (k.doc->>'amber')::float8,
		(k.doc->>'green_high')::float8, (k.doc->>'amber_high')::float8,
		k.doc->>'frequency', ow.id, (k.doc->>'breach_after')::int,
		(k.doc->>'created_at')::timestamptz
	    FROM imp_kpi k JOIN teams t ON t.slug = k.doc->>'team'
	    LEFT JOIN users ow ON ow.login = k.doc->>'owner'
	    WHERE k.made ORDER BY k.new;
	GET DIAGNOSTICS n_kpi = ROW_COUNT;

	-- Objectives: new ids in the old order, inserted level by level so
	-- that each one's parent is in place when its trigger checks the
	-- alignment.
	CREATE TEMP TABLE imp_obj ON COMMIT DROP AS
	    WITH RECURSIVE o AS (
		SELECT (r.doc->>'id')::bigint AS old,
		    (r.doc->>'parent')::bigint AS parent, r.doc
		FROM import_rows r WHERE r.import_id = imp
		AND r.kind = 'objectives'),
	    d (old, lvl) AS (
		SELECT old, 0 FROM o WHERE parent IS NULL
		UNION ALL SELECT o.old, d.lvl + 1 FROM o JOIN d
		    ON o.parent = d.old WHERE d.lvl < 1000)
	    SELECT o.old, o.parent, o.doc, d.lvl, 0::bigint AS new
	    FROM o LEFT JOIN d ON d.old = o.old;
	IF EXISTS (SELECT 1 FROM imp_obj WHERE lvl IS NULL) THEN
		PERFORM cairn_refuse('import.cycle', 'objectives ' ||
		    (SELECT string_agg(old::text, ', ' ORDER BY old)
		    FROM imp_obj WHERE lvl IS NULL) ||
		    ' are aligned in a cycle');
	END IF;
	UPDATE imp_obj x SET new = s.new FROM (SELECT old,
	    nextval(pg_get_serial_sequence('objectives', 'id')) AS new
	    FROM (SELECT old FROM imp_obj ORDER BY old) q) s
	    WHERE s.old = x.old;
	FOR depth IN SELECT DISTINCT i.lvl FROM imp_obj i ORDER BY 1 LOOP
		INSERT INTO objectives (id, team_id, period_id, title,
		    description, owner_id, type, parent_id, weight, rollup,
		    archived, created_at) OVERRIDING SYSTEM VALUE
		    SELECT x.new, t.id, pid, x.doc->>'title',
			x.doc->>'description', ow.id, x.doc->>'type',
			coalesce(par.new, (SELECT o.id FROM objectives o
			    JOIN periods pp ON pp.id = o.period_id
			    JOIN teams tt ON tt.id = o.team_id
			    WHERE pp.name = x.doc->>'parent_period'
			    AND tt.slug = x.doc->>'parent_team'
			    AND o.title = x.doc->>'parent_title')),
			(x.doc->>'weight')::float8, x.doc->>'rollup',
			(x.doc->>'archived')::boolean,
			(x.doc->>'created_at')::timestamptz
		    FROM imp_obj x JOIN teams t ON t.slug = x.doc->>'team'
		    JOIN users ow ON ow.login = x.doc->>'owner'
		    LEFT JOIN imp_obj par ON par.old = x.parent
		    WHERE x.lvl = depth ORDER BY x.new;
	END LOOP;
	SELECT count(*) INTO n_obj FROM imp_obj;

	INSERT INTO objective_contributors (objective_id, user_id)
	    SELECT x.new, us.id FROM import_rows r
	    JOIN imp_obj x ON x.old = (r.doc->>'objective')::bigint
	    JOIN users us ON us.login = r.doc->>'login'
	    WHERE r.import_id = imp AND r.kind = 'contributors' ORDER BY r.n;

	INSERT INTO objective_guardrails (objective_id, kpi_id, added_by,
	    added_at)
	    SELECT x.new, k.new, us.id, (r.doc->>'added_at')::timestamptz
	    FROM import_rows r
	    JOIN imp_obj x ON x.old = (r.doc->>'objective')::bigint
	    JOIN imp_kpi k ON k.old = (r.doc->>'kpi')::bigint
	    JOIN users us ON us.login = r.doc->>'added_by'
	    WHERE r.import_id = imp AND r.kind = 'guardrails' ORDER BY r.n;

	-- Key results unbound first: a bound one takes no check-ins, and
	-- some were checked in before they were bound.
	CREATE TEMP TABLE imp_kr ON COMMIT DROP AS
	    SELECT (r.doc->>'id')::bigint AS old, r.doc, x.new AS obj,
		k.new AS kpi, 0::bigint AS new
	    FROM import_rows r
	    JOIN imp_obj x ON x.old = (r.doc->>'objective')::bigint
	    LEFT JOIN imp_kpi k ON k.old = (r.doc->>'kpi')::bigint
	    WHERE r.import_id = imp AND r.kind = 'key_results';
	UPDATE imp_kr x SET new = s.new FROM (SELECT old,
	    nextval(pg_get_serial_sequence('key_results', 'id')) AS new
	    FROM (SELECT old FROM imp_kr ORDER BY old) q) s
	    WHERE s.old = x.old;
	INSERT INTO key_results (id, objective_id, title, type, start_value,
	    target, current, unit, weight, owner_id, confidence, created_at)
	    OVERRIDING SYSTEM VALUE
	    SELECT x.new, x.obj, x.doc->>'title', x.doc->>'type',
		(x.doc->>'start_value')::float8, (x.doc->>'target')::float8,
		(x.doc->>'current')::float8, x.doc->>'unit',
		(x.doc->>'weight')::float8, ow.id,
		(x.doc->>'confidence')::smallint,
		(x.doc->>'created_at')::timestamptz
	    FROM imp_kr x JOIN users ow ON ow.login = x.doc->>'owner'
	    ORDER BY x.new;
	GET DIAGNOSTICS n_kr = ROW_COUNT;

	-- Check-ins with their own times, in the order they were made.
	INSERT INTO checkins (kr_id, value, confidence, note, author_id, at)
	    SELECT x.new, (r.doc->>'value')::float8,
		(r.doc->>'confidence')::smallint, r.doc->>'note', au.id,
		(r.doc->>'at')::timestamptz
	    FROM import_rows r
	    JOIN imp_kr x ON x.old = (r.doc->>'kr')::bigint
	    JOIN users au ON au.login = r.doc->>'author'
	    WHERE r.import_id = imp AND r.kind = 'checkins'
	    ORDER BY (r.doc->>'at')::timestamptz, r.n;
	GET DIAGNOSTICS n_ci = ROW_COUNT;

	UPDATE key_results kr SET kpi_id = x.kpi FROM imp_kr x
	    WHERE kr.id = x.new AND x.kpi IS NOT NULL;

	-- Readings of the period; into a KPI that exists already, only
	-- those it does not hold (same time and value).
	INSERT INTO kpi_readings (kpi_id, value, at, note, author_id,
	    recorded_at)
	    SELECT k.new, (r.doc->>'value')::float8,
		(r.doc->>'at')::timestamptz, r.doc->>'note', au.id,
		(r.doc->>'recorded_at')::timestamptz
	    FROM import_rows r
	    JOIN imp_kpi k ON k.old = (r.doc->>'kpi')::bigint
	    JOIN users au ON au.login = r.doc->>'author'
	    WHERE r.import_id = imp AND r.kind = 'readings'
	    AND (k.made OR NOT EXISTS (SELECT 1 FROM kpi_readings e
		WHERE e.kpi_id = k.new AND e.at = (r.doc->>'at')::timestamptz
		AND e.value = (r.doc->>'value')::float8))
	    ORDER BY (r.doc->>'at')::timestamptz, r.n;
	GET DIAGNOSTICS n_rd = ROW_COUNT;

	-- The values as exported (a KR edited after its last check-in, a
	-- bound one that followed a reading outside the period).
	UPDATE key_results kr SET current = (x.doc->>'current')::float8,
	    confidence = (x.doc->>'confidence')::smallint
	    FROM imp_kr x WHERE kr.id = x.new
	    AND (kr.current IS DISTINCT FROM (x.doc->>'current')::float8
	    OR kr.confidence IS DISTINCT FROM
		(x.doc->>'confidence')::smallint);
	UPDATE kpis k SET archived = true FROM imp_kpi x
	    WHERE k.id = x.new AND x.made AND (x.doc->>'archived')::boolean;

	PERFORM import_apply_more(imp, u, pid);

	-- Progress is maintained by triggers once migration 012 is in; the
	-- rebuild makes it right whatever order the rows came in.
	IF to_regproc('objectives_progress_rebuild') IS NOT NULL THEN
		EXECUTE 'SELECT objectives_progress_rebuild()';
	END IF;

	-- The period to the export's state, by the legal moves.
	IF want IN ('review', 'closed') THEN
		UPDATE periods SET state = 'review' WHERE id = pid;
	END IF;
	PERFORM import_apply_review(imp, u, pid);
	IF want = 'closed' THEN
		UPDATE periods SET state = 'closed' WHERE id = pid;
	END IF;

	INSERT INTO audit_log (user_id, op, entity_type, entity_id, after)
	    VALUES (u, 'import', 'period', pid, jsonb_build_object(
	    'objectives', n_obj, 'key_results', n_kr, 'checkins', n_ci,
	    'kpis_created', n_kpi, 'readings', n_rd));
	DELETE FROM imports WHERE id = imp;
	RETURN QUERY SELECT p->>'name', n_obj, n_kr, n_ci, n_kpi, n_rd;
END $$;

-- Sets that later migrations add (retros, ...) are applied by these two,
-- replaced when they land: import_apply_more while the period is active,
-- import_apply_review once it is in review (grades).
CREATE FUNCTION import_apply_more(imp bigint, u bigint, pid bigint)
RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION import_apply_review(imp bigint, u bigint, pid bigint)
RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$;

-- The objectives of period p that user u (role r) may read, and the KPIs
-- (of the teams u may read): what an export holds.
CREATE FUNCTION export_objective_ids(p bigint, u bigint, r text)
RETURNS TABLE (id bigint)
LANGUAGE sql STABLE AS $$
	SELECT o.id FROM objectives o WHERE o.period_id = p
	    AND (o.team_id IN (SELECT id FROM export_teams(u, r))
	    OR EXISTS (SELECT 1 FROM objective_contributors c
		WHERE c.objective_id = o.id AND c.user_id = u))
$$;

-- The KPIs of an export: of the teams u may read, those with a reading
-- in the period, bound by one of its key results or guarding one of its
-- objectives.
CREATE FUNCTION export_kpi_ids(p bigint, u bigint, r text)
RETURNS TABLE (id bigint)
LANGUAGE sql STABLE AS $$
	WITH o AS (SELECT id FROM export_objective_ids(p, u, r))
	SELECT k.id FROM kpis k WHERE k.team_id IN
	    (SELECT id FROM export_teams(u, r))
	AND (EXISTS (SELECT 1 FROM kpi_readings x, periods pp
		WHERE pp.id = p AND x.kpi_id = k.id
		AND x.at >= pp.start_date::timestamptz
		AND x.at < (pp.end_date + 1)::timestamptz)
	    OR EXISTS (SELECT 1 FROM key_results kr WHERE kr.kpi_id = k.id
		AND NOT kr.removed AND kr.objective_id IN (SELECT id FROM o))
	    OR EXISTS (SELECT 1 FROM objective_guardrails g
		WHERE g.kpi_id = k.id AND g.objective_id IN (SELECT id FROM o)))
$$;

-- The teams of an export: those of its objectives and KPIs, and their
-- ancestors (so that the document holds the tree they hang in).
CREATE FUNCTION export_team_ids(p bigint, u bigint, r text)
RETURNS TABLE (id bigint)
LANGUAGE sql STABLE AS $$
	WITH RECURSIVE up (id, depth) AS (
		SELECT team_id, 0 FROM objectives
		    WHERE id IN (SELECT id FROM export_objective_ids(p, u, r))
		UNION SELECT team_id, 0 FROM kpis
		    WHERE id IN (SELECT id FROM export_kpi_ids(p, u, r))
		UNION SELECT t.parent_id, up.depth + 1 FROM teams t
		    JOIN up ON t.id = up.id
		    WHERE t.parent_id IS NOT NULL AND up.depth < 1000)
	SELECT DISTINCT id FROM up
$$;

-- The users an export of period p names.
CREATE FUNCTION export_user_ids(p bigint, u bigint, r text)
RETURNS TABLE (id bigint)
LANGUAGE sql STABLE AS $$
	WITH o AS (SELECT id FROM export_objective_ids(p, u, r)),
	k AS (SELECT id FROM export_kpi_ids(p, u, r)),
	kr AS (SELECT x.id, x.owner_id FROM key_results x
	    WHERE x.objective_id IN (SELECT id FROM o) AND NOT x.removed)
	SELECT owner_id FROM objectives WHERE id IN (SELECT id FROM o)
	UNION SELECT owner_id FROM kr
	UNION SELECT user_id FROM objective_contributors
	    WHERE objective_id IN (SELECT id FROM o)
	UNION SELECT author_id FROM checkins WHERE kr_id IN (SELECT id FROM kr)
	UNION SELECT owner_id FROM kpis WHERE id IN (SELECT id FROM k)
	    AND owner_id IS NOT NULL
	UNION SELECT added_by FROM objective_guardrails
	    WHERE objective_id IN (SELECT id FROM o)
	UNION SELECT author_id FROM kpi_readings kr2, periods pp
	    WHERE pp.id = p AND kr2.kpi_id IN (SELECT id FROM k)
	    AND kr2.at >= pp.start_date::timestamptz
	    AND kr2.at < (pp.end_date + 1)::timestamptz
$$;
