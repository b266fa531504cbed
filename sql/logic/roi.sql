-- roi.sql: ROI inputs and reports (docs/rules.md, "ROI").  The
-- inputs' limits are roi_input_refusal(), kept in sql/001_baseline.sql as
-- the CHECK of roi_inputs calls it; period.closed for inputs is here.

-- period.closed: a closed period is read-only, its ROI inputs too.
-- period_state() (period.sql) locks the period's row FOR SHARE, so a close
-- waits for an input being written, and a write waits for a close.
CREATE OR REPLACE FUNCTION roi_inputs_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF period_state(NEW.period_id) = 'closed' OR (TG_OP = 'UPDATE' AND
	    period_state(OLD.period_id) = 'closed') THEN
		PERFORM period_closed_refuse();
	END IF;
	IF TG_OP = 'UPDATE' THEN
		NEW.set_at := now();
	END IF;
	RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER roi_inputs_check BEFORE INSERT OR UPDATE ON roi_inputs
	FOR EACH ROW EXECUTE FUNCTION roi_inputs_check();

-- The names, in the order replies show them.
CREATE OR REPLACE FUNCTION roi_input_names() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT ARRAY['headcount', 'hourly_cost', 'output_value',
	    'productivity_pct', 'hours_saved_per_week', 'retention_change_pct',
	    'replacement_cost', 'efficiency_savings',
	    'framework_hours_per_week', 'tool_cost']
$$;

-- One team's parts, from its inputs (NULL: missing, counted as 0) and the
-- period's length in days.  W = days / 7 weeks; the division by 7 comes
-- last so that a period whose length is not whole weeks is still exact to
-- the cent (each part rounded half away from zero).
CREATE OR REPLACE FUNCTION roi_parts(days integer, headcount numeric,
    hourly_cost numeric, output_value numeric, productivity_pct numeric,
    hours_saved_per_week numeric, retention_change_pct numeric,
    replacement_cost numeric, efficiency_savings numeric,
    framework_hours_per_week numeric, tool_cost numeric,
    OUT productivity numeric, OUT time_savings numeric,
    OUT engagement numeric, OUT efficiency numeric, OUT benefits numeric,
    OUT cost numeric, OUT net numeric)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	hc numeric := coalesce(headcount, 0);
	rate numeric := coalesce(hourly_cost, 0);
BEGIN
	productivity := round(coalesce(output_value, 0) *
	    coalesce(productivity_pct, 0) / 100, 2);
	time_savings := round(coalesce(hours_saved_per_week, 0) * days * hc *
	    rate / 7, 2);
	engagement := round(coalesce(retention_change_pct, 0) * hc *
	    coalesce(replacement_cost, 0) / 100, 2);
	efficiency := round(coalesce(efficiency_savings, 0), 2);
	benefits := productivity + time_savings + engagement + efficiency;
	cost := round(coalesce(framework_hours_per_week, 0) * days * hc *
	    rate / 7, 2) + round(coalesce(tool_cost, 0), 2);
	net := benefits - cost;
END $$;

-- (benefits - cost) / cost, NULL when there is no cost.
CREATE OR REPLACE FUNCTION roi_ratio(net numeric, cost numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN cost <> 0 THEN net / cost END
$$;

CREATE OR REPLACE FUNCTION roi_ratio_message(cost numeric) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN cost = 0 THEN 'the cost is 0, so the ROI is '
	    'undefined: set framework_hours_per_week (with headcount and '
	    'hourly_cost) or tool_cost' END
$$;

-- One input as the replies show it.
CREATE OR REPLACE FUNCTION roi_input_entry(v numeric, by_user bigint, at timestamptz)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('value', v,
	    'set_by', (SELECT login FROM users WHERE id = by_user),
	    'set_at', to_char(at AT TIME ZONE 'UTC',
	    'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
$$;

-- The stored inputs of team t in period p: {name: {"value", "set_by",
-- "set_at"}}; an input never set is absent.
CREATE OR REPLACE FUNCTION roi_inputs_json(t bigint, p bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_object_agg(i.name,
	    roi_input_entry(i.value, i.set_by, i.set_at)), '{}'::jsonb)
	FROM roi_inputs i WHERE i.team_id = t AND i.period_id = p
$$;

-- The value of input n in such a map, NULL when missing.
CREATE OR REPLACE FUNCTION roi_value(inputs jsonb, n text) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
	SELECT (inputs -> n ->> 'value')::numeric
$$;

-- What the server itself saw team t do in period p, and the minutes that
-- stands for (the roi_minutes_* settings): check-ins of the key results
-- of its objectives of the period; readings of its KPIs taken in the
-- period; assessments of the team taken in the period; audited changes
-- to its objectives of the period (op objective.*).  "In the period" is
-- from its first day 00:00 UTC to the day after its last.  The KPI tables
-- (sql/007) and the assessments' (sql/009) may not exist yet: plpgsql
-- binds late, and each count runs only when its table exists.  Without
-- the assessments table, assessments are the audit entries
-- assessment.create on team:ID.
CREATE OR REPLACE FUNCTION roi_observed(t bigint, p bigint, OUT checkins bigint,
    OUT readings bigint, OUT assessments bigint, OUT edits bigint,
    OUT minutes bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	s timestamptz;
	e timestamptz;
BEGIN
	SELECT pp.start_date::timestamp AT TIME ZONE 'UTC',
	    (pp.end_date + 1)::timestamp AT TIME ZONE 'UTC' INTO s, e
	    FROM periods pp WHERE pp.id = p;
	SELECT count(*) INTO checkins FROM checkins c
	    JOIN key_results k ON k.id = c.kr_id
	    JOIN objectives o ON o.id = k.objective_id
	    WHERE o.team_id = t AND o.period_id = p;
	readings := 0;
	IF to_regclass('kpi_readings') IS NOT NULL
	    AND to_regclass('kpis') IS NOT NULL THEN
		EXECUTE 'SELECT count(*) FROM kpi_readings r'
		    ' JOIN kpis k ON k.id = r.kpi_id'
		    ' WHERE k.team_id = $1 AND r.at >= $2 AND r.at < $3'
		    INTO readings USING t, s, e;
	END IF;
	IF to_regclass('assessments') IS NOT NULL THEN
		EXECUTE 'SELECT count(*) FROM assessments a'
		    ' WHERE a.team_id = $1 AND a.at >= $2 AND a.at < $3'
		    INTO assessments USING t, s, e;
	ELSE
		SELECT count(*) INTO assessments FROM audit_log a
		    WHERE a.entity_type = 'team' AND a.entity_id = t
		    AND a.op = 'assessment.create' AND a.at >= s AND a.at < e;
	END IF;
	SELECT count(*) INTO edits FROM audit_log a
	    WHERE a.entity_type = 'objective' AND a.op LIKE 'objective.%'
	    AND a.entity_id IN (SELECT o.id FROM objectives o
		WHERE o.team_id = t AND o.period_id = p);
	minutes := checkins * coalesce(cairn_setting('roi_minutes_checkin'), 0)
	    + readings * coalesce(cairn_setting('roi_minutes_reading'), 0)
	    + assessments *
		coalesce(cairn_setting('roi_minutes_assessment'), 0)
	    + edits * coalesce(cairn_setting('roi_minutes_edit'), 0);
END $$;

-- Observed hours per person per week: NULL without a headcount.
CREATE OR REPLACE FUNCTION roi_observed_per_person(minutes numeric, headcount numeric,
    days integer) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN coalesce(headcount, 0) > 0 AND days > 0
	    THEN round(minutes * 7 / (60 * headcount * days), 4) END
$$;

-- One team's report from its inputs (as roi_inputs_json gives them: a
-- write passes the map with its new values, as the statement cannot read
-- back what it wrote).
CREATE OR REPLACE FUNCTION roi_report(inputs jsonb, t bigint, p bigint)
RETURNS TABLE (days integer, weeks numeric, inputs_shown jsonb,
    missing jsonb, productivity numeric, time_savings numeric,
    engagement numeric, efficiency numeric, benefits numeric,
    cost numeric, net numeric, roi numeric, roi_message text,
    observed_hours numeric, observed_hours_total numeric, observed jsonb)
LANGUAGE sql STABLE AS $$
	SELECT d.days, round(d.days / 7.0, 4),
	    (SELECT jsonb_object_agg(n, inputs -> n)
		FROM unnest(roi_input_names()) n),
	    (SELECT coalesce(jsonb_agg(n ORDER BY o), '[]'::jsonb)
		FROM unnest(roi_input_names()) WITH ORDINALITY AS x (n, o)
		WHERE NOT inputs ? n),
	    r.productivity, r.time_savings, r.engagement, r.efficiency,
	    r.benefits, r.cost, r.net, roi_ratio(r.net, r.cost),
	    roi_ratio_message(r.cost),
	    roi_observed_per_person(ob.minutes, roi_value(inputs, 'headcount'),
		d.days),
	    round(ob.minutes / 60.0, 2),
	    jsonb_build_object('checkins', ob.checkins, 'readings',
		ob.readings, 'assessments', ob.assessments, 'edits', ob.edits,
		'minutes', ob.minutes)
	FROM (SELECT (pp.end_date - pp.start_date + 1) AS days FROM periods pp
	    WHERE pp.id = p) d,
	LATERAL roi_parts(d.days, roi_value(inputs, 'headcount'),
	    roi_value(inputs, 'hourly_cost'), roi_value(inputs, 'output_value'),
	    roi_value(inputs, 'productivity_pct'),
	    roi_value(inputs, 'hours_saved_per_week'),
	    roi_value(inputs, 'retention_change_pct'),
	    roi_value(inputs, 'replacement_cost'),
	    roi_value(inputs, 'efficiency_savings'),
	    roi_value(inputs, 'framework_hours_per_week'),
	    roi_value(inputs, 'tool_cost')) r,
	LATERAL roi_observed(t, p) ob
$$;

-- The organisation in period p: every team with an input in the period,
-- each team's parts summed, so that its ROI is the sum of net over the
-- sum of cost (hourly costs and percentages are not summed: they only
-- make sense within their team).  `missing` names "team.input".
CREATE OR REPLACE FUNCTION roi_org_report(p bigint)
RETURNS TABLE (days integer, weeks numeric, teams jsonb, headcount numeric,
    missing jsonb, productivity numeric, time_savings numeric,
    engagement numeric, efficiency numeric, benefits numeric,
    cost numeric, net numeric, roi numeric, roi_message text,
    observed_hours numeric, observed_hours_total numeric, observed jsonb)
LANGUAGE sql STABLE AS $$
	WITH d AS (SELECT (pp.end_date - pp.start_date + 1) AS days
	    FROM periods pp WHERE pp.id = p),
	r AS (SELECT t.slug, roi_value(j.inputs, 'headcount') AS hc, x.*
	    FROM teams t,
	    LATERAL (SELECT roi_inputs_json(t.id, p) AS inputs) j,
	    LATERAL roi_report(j.inputs, t.id, p) x
	    WHERE EXISTS (SELECT 1 FROM roi_inputs i
		WHERE i.team_id = t.id AND i.period_id = p)),
	s AS (SELECT coalesce(sum(r.productivity), 0) AS productivity,
	    coalesce(sum(r.time_savings), 0) AS time_savings,
	    coalesce(sum(r.engagement), 0) AS engagement,
	    coalesce(sum(r.efficiency), 0) AS efficiency,
	    coalesce(sum(r.benefits), 0) AS benefits,
	    coalesce(sum(r.cost), 0) AS cost,
	    coalesce(sum(r.hc), 0) AS hc,
	    coalesce(sum((r.observed ->> 'minutes')::numeric), 0) AS minutes,
	    coalesce(sum((r.observed ->> 'checkins')::numeric), 0) AS checkins,
	    coalesce(sum((r.observed ->> 'readings')::numeric), 0) AS readings,
	    coalesce(sum((r.observed ->> 'assessments')::numeric), 0)
		AS assessments,
	    coalesce(sum((r.observed ->> 'edits')::numeric), 0) AS edits,
	    coalesce(jsonb_agg(jsonb_build_object('team', r.slug,
		'headcount', r.hc, 'benefits', r.benefits, 'cost', r.cost,
		'net', r.net, 'roi', r.roi, 'missing', r.missing)
		ORDER BY r.slug), '[]'::jsonb) AS teams,
	    coalesce((SELECT jsonb_agg(q.slug || '.' || m.n
		ORDER BY q.slug, m.o) FROM r q,
		jsonb_array_elements_text(q.missing) WITH ORDINALITY m (n, o)),
		'[]'::jsonb) AS missing
	    FROM r)
	SELECT d.days, round(d.days / 7.0, 4), s.teams, s.hc, s.missing,
	    s.productivity, s.time_savings, s.engagement, s.efficiency,
	    s.benefits, s.cost, s.benefits - s.cost,
	    roi_ratio(s.benefits - s.cost, s.cost), roi_ratio_message(s.cost),
	    roi_observed_per_person(s.minutes, s.hc, d.days),
	    round(s.minutes / 60.0, 2),
	    jsonb_build_object('checkins', s.checkins, 'readings', s.readings,
		'assessments', s.assessments, 'edits', s.edits,
		'minutes', s.minutes)
	FROM d, s
$$;
