-- settings.sql: reading settings (the known names are the rows of
-- setting_names, sql/001_baseline.sql).

CREATE OR REPLACE FUNCTION cairn_setting(n text) RETURNS integer
LANGUAGE sql STABLE AS $$ SELECT value FROM settings WHERE name = n $$;

-- The pace settings in one row, for a set-based read to join once.
CREATE OR REPLACE FUNCTION pace_settings(OUT stale_days integer, OUT due_days integer,
    OUT off_pct integer, OUT risk_pct integer, OUT off_conf integer,
    OUT risk_conf integer)
LANGUAGE sql STABLE AS $$
	SELECT max(value) FILTER (WHERE name = 'stale_days'),
	    max(value) FILTER (WHERE name = 'due_days'),
	    max(value) FILTER (WHERE name = 'pace_off_pct'),
	    max(value) FILTER (WHERE name = 'pace_risk_pct'),
	    max(value) FILTER (WHERE name = 'pace_off_confidence'),
	    max(value) FILTER (WHERE name = 'pace_risk_confidence')
	FROM settings
$$;

-- The settings the roll-up reads, in one row: joined once per statement,
-- they are passed to the forms of objective_status() and kr_stale() that
-- take them (sql/012), which the planner inlines; the forms that read
-- them at each call cost seconds over 300,000 key results.
CREATE OR REPLACE VIEW rollup_settings AS
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
