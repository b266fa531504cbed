-- export.sql: what the export reads with (docs/protocol.md, "export"):
-- its time format, the teams a reader may export, the KPIs of a period.

-- A time as the export writes it: UTC, microseconds, ISO 8601.
CREATE OR REPLACE FUNCTION export_time(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

-- The teams whose objectives and KPIs user u (role r) may read: the
-- read rule once per team, not once per objective.
CREATE OR REPLACE FUNCTION export_teams(u bigint, r text) RETURNS TABLE (id bigint)
LANGUAGE sql STABLE AS $$
	SELECT t.id FROM teams t WHERE can_read_team(u, r, t.id)
$$;

-- An export holds the KPIs of the period's teams only: taking every
-- readable KPI with a reading in the period (as before issue 13) put the
-- KPIs of the whole organisation, their teams and the users who recorded
-- their readings into an export, and its import into another database
-- failed.
--
-- The KPIs of an export of period p: those of a team that has an
-- objective of the export (the ancestors the document carries are there
-- for the tree, not for their KPIs) with a reading in the period, and,
-- of any team u may read, those bound by one of its key results or
-- guarding one of its objectives.
CREATE OR REPLACE FUNCTION export_kpi_ids(p bigint, u bigint, r text)
RETURNS TABLE (id bigint)
LANGUAGE sql STABLE AS $$
	WITH rt AS MATERIALIZED (SELECT id FROM export_teams(u, r)),
	o AS MATERIALIZED (SELECT o.id, o.team_id FROM objectives o
	    WHERE o.period_id = p AND (o.team_id IN (SELECT id FROM rt)
	    OR EXISTS (SELECT 1 FROM objective_contributors c
		WHERE c.objective_id = o.id AND c.user_id = u)))
	SELECT k.id FROM kpis k, periods pp WHERE pp.id = p
	AND k.team_id IN (SELECT id FROM rt)
	AND ((k.team_id IN (SELECT team_id FROM o)
		AND EXISTS (SELECT 1 FROM kpi_readings x WHERE x.kpi_id = k.id
		AND x.at >= pp.start_date::timestamptz
		AND x.at < (pp.end_date + 1)::timestamptz))
	    OR EXISTS (SELECT 1 FROM key_results kr WHERE kr.kpi_id = k.id
		AND NOT kr.removed AND kr.objective_id IN (SELECT id FROM o))
	    OR EXISTS (SELECT 1 FROM objective_guardrails g
		WHERE g.kpi_id = k.id AND g.objective_id IN (SELECT id FROM o)))
$$;
