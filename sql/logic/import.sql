-- import.sql: import (docs/protocol.md, "import"): the staged rows'
-- bound (limit.import) and their application in one transaction
-- (import.missing, import.unknown, import.reference, import.period,
-- import.cycle, import.commit).

-- limit.import: the stage of one import stays bounded whatever a client
-- sends (cairnd checks each chunk; this holds under concurrent chunks).
CREATE OR REPLACE FUNCTION imports_check_size() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.nrows > 2000000 OR NEW.bytes > 1073741824 THEN
		PERFORM cairn_refuse('limit.import', 'an import holds at most '
		    '2,000,000 rows and 1 GiB');
	END IF;
	RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER imports_check_size BEFORE UPDATE ON imports
	FOR EACH ROW EXECUTE FUNCTION imports_check_size();

-- What import_apply would not find: the logins and slugs the stage names
-- that the database lacks (each list sorted, NULL when none), and the
-- objectives outside the period it aligns to that do not exist.
CREATE OR REPLACE FUNCTION import_missing(imp bigint) RETURNS TABLE (users text,
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
		    'retros', 'comments')
		UNION SELECT doc->>'added_by' FROM import_rows
		    WHERE import_id = imp AND kind = 'guardrails'
		UNION SELECT doc->>'signoff_by' FROM import_rows
		    WHERE import_id = imp AND kind = 'objectives'),
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
CREATE OR REPLACE FUNCTION import_apply(imp bigint, u bigint) RETURNS TABLE (
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
	INSERT INTO checkins (kr_id, value, confidence, note, author_id, at,
	    via)
	    SELECT x.new, (r.doc->>'value')::float8,
		(r.doc->>'confidence')::smallint, r.doc->>'note', au.id,
		(r.doc->>'at')::timestamptz, 'import'
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
	    recorded_at, via)
	    SELECT k.new, (r.doc->>'value')::float8,
		(r.doc->>'at')::timestamptz, r.doc->>'note', au.id,
		(r.doc->>'recorded_at')::timestamptz, 'import'
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
	-- Sign-off as the document records it, and the objectives left
	-- proposed requested (signoff.sql), before the period moves on.
	PERFORM signoff_import(imp, u);

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

	INSERT INTO audit_log (user_id, op, entity_type, entity_id, after,
	    via)
	    VALUES (u, 'import', 'period', pid, jsonb_build_object(
	    'objectives', n_obj, 'key_results', n_kr, 'checkins', n_ci,
	    'kpis_created', n_kpi, 'readings', n_rd), 'import');
	DELETE FROM imports WHERE id = imp;
	RETURN QUERY SELECT p->>'name', n_obj, n_kr, n_ci, n_kpi, n_rd;
END $$;

-- The retrospective notes (set retros: team, author, note, at) and the
-- comments (set comments, comment_import), added
-- while the imported period is still active; import_missing checks their
-- slugs and logins already.
CREATE OR REPLACE FUNCTION import_apply_more(imp bigint, u bigint, pid bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO retros (team_id, period_id, author_id, note, at)
	    SELECT t.id, pid, au.id, r.doc->>'note', (r.doc->>'at')::timestamptz
	    FROM import_rows r
	    JOIN teams t ON t.slug = r.doc->>'team'
	    JOIN users au ON au.login = r.doc->>'author'
	    WHERE r.import_id = imp AND r.kind = 'retros' ORDER BY r.n;
	-- Comments, after the check-ins they may be on (comment.sql).
	PERFORM comment_import(imp);
END $$;

-- Grades come over in an import (issue 8), set by import_apply_review().
-- They are given only in review (period.not_review), so import_apply()
-- calls it once the period is in review for an export in review or
-- closed; an export of a period reopened after its review (active, with
-- grades) passes through review here and back to active.  Progress and
-- met are not imported: the triggers compute them.
CREATE OR REPLACE FUNCTION import_apply_review(imp bigint, u bigint,
    pid bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	st text := (SELECT state FROM periods WHERE id = pid);
BEGIN
	IF NOT EXISTS (SELECT 1 FROM imp_obj WHERE doc->>'grade' IS NOT NULL
	    OR doc->>'grade_note' IS NOT NULL) THEN
		RETURN;
	END IF;
	IF st = 'active' THEN
		UPDATE periods SET state = 'review' WHERE id = pid;
	END IF;
	UPDATE objectives o SET grade = (x.doc->>'grade')::float8,
	    grade_note = x.doc->>'grade_note' FROM imp_obj x
	    WHERE o.id = x.new AND (x.doc->>'grade' IS NOT NULL
	    OR x.doc->>'grade_note' IS NOT NULL);
	IF st = 'active' THEN
		UPDATE periods SET state = 'active' WHERE id = pid;
	END IF;
END $$;

-- import.commit takes an idempotency key (issue 13, item 11), as
-- objective.create and the other writes that create things do (idempotency_keys).
--
-- A commit applies a whole staged import and deletes it, so that a retry
-- after a lost reply used to find no open import.  With a key, the key's
-- row is written in the same transaction as what the import made, and
-- keeps the id of the import's audit entry (op 'import', whose "after"
-- holds the counts the reply shows): a retry is answered from it, and
-- records nothing more.  The audit entry is written inside import_apply,
-- after the statement's snapshot, so the key is written here, in the
-- function, where it is visible (a CTE beside the call would not see it).
--
-- Logic, not schema: CREATE OR REPLACE.
CREATE OR REPLACE FUNCTION import_commit(imp bigint, u bigint, k text,
    h bytea)
RETURNS TABLE (r_period text, r_objectives bigint, r_key_results bigint,
    r_checkins bigint, r_kpis bigint, r_readings bigint)
LANGUAGE plpgsql AS $$
DECLARE
	x record;
BEGIN
	SELECT * INTO x FROM import_apply(imp, u);
	IF k IS NOT NULL THEN
		-- The primary key (user_id, key) makes a racing twin fail
		-- here, after waiting for the first to commit; cairnd then
		-- answers it from the key (idem_write_failed).  The audit
		-- entry is the one of the period this import made (period
		-- names are unique).
		INSERT INTO idempotency_keys (user_id, key, op, args_hash,
		    result_id)
		    SELECT u, k, 'import.commit', h, max(a.id)
		    FROM audit_log a JOIN periods p ON p.id = a.entity_id
		    WHERE a.op = 'import' AND p.name = x.r_period;
	END IF;
	RETURN QUERY SELECT x.r_period, x.r_objectives, x.r_key_results,
	    x.r_checkins, x.r_kpis, x.r_readings;
END $$;
