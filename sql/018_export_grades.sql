-- 018: export and import, second step (issue 8): grades come over, and
-- the export's KPIs are found without functions returning ids.
--
-- sql/015 left import_apply_review() empty for the grades of sql/012:
-- they are given only in review (period.not_review), so import_apply()
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

-- The KPIs of an export of period p: of the teams u may read, those with
-- a reading in the period, bound by one of its key results or guarding
-- one of its objectives.  KPIs are few: a test per KPI, each an index
-- lookup.  (The export statements inline the read rule of objectives,
-- sql-export.inc's X_OBJ: functions returning ids hid their number from
-- the planner, which then looped; those of sql/015 go.)
CREATE OR REPLACE FUNCTION export_kpi_ids(p bigint, u bigint, r text)
RETURNS TABLE (id bigint)
LANGUAGE sql STABLE AS $$
	WITH rt AS MATERIALIZED (SELECT id FROM export_teams(u, r))
	SELECT k.id FROM kpis k, periods pp WHERE pp.id = p
	AND k.team_id IN (SELECT id FROM rt)
	AND (EXISTS (SELECT 1 FROM kpi_readings x WHERE x.kpi_id = k.id
		AND x.at >= pp.start_date::timestamptz
		AND x.at < (pp.end_date + 1)::timestamptz)
	    OR EXISTS (SELECT 1 FROM key_results kr
		JOIN objectives o ON o.id = kr.objective_id
		WHERE kr.kpi_id = k.id AND NOT kr.removed AND o.period_id = p
		AND (o.team_id IN (SELECT id FROM rt) OR EXISTS (SELECT 1
		    FROM objective_contributors c WHERE c.objective_id = o.id
		    AND c.user_id = u)))
	    OR EXISTS (SELECT 1 FROM objective_guardrails g
		JOIN objectives o ON o.id = g.objective_id
		WHERE g.kpi_id = k.id AND o.period_id = p
		AND (o.team_id IN (SELECT id FROM rt) OR EXISTS (SELECT 1
		    FROM objective_contributors c WHERE c.objective_id = o.id
		    AND c.user_id = u))))
$$;

DROP FUNCTION export_user_ids(bigint, bigint, text);
DROP FUNCTION export_team_ids(bigint, bigint, text);
DROP FUNCTION export_objective_ids(bigint, bigint, text);
