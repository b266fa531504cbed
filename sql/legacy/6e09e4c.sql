-- legacy/6e09e4c.sql: bring a database made before the squash (by cairn
-- up to commit 6e09e4c: migrations 001_users_sessions .. 025_keyed_writes
-- recorded in schema_migrations) to sql/001_baseline.sql, keeping its data.
-- server/migrate.c runs it once, in one transaction with the rows of
-- schema_migrations it rewrites, when version 1 there is not the baseline.
-- Its functions, triggers and views are then replaced from sql/logic,
-- whose hash such a database has never recorded.  Delete this file when no
-- database from before the squash is left anywhere.

DO $$
DECLARE
	want text[] := ARRAY['001_users_sessions', '002_goals',
	    '003_rules_hardening', '004_idempotency', '005_login_throttle',
	    '006_change_path', '007_kpis', '008_framework_guardrails',
	    '009_assessment', '011_roi', '012_pace', '013_cycle',
	    '014_rollup', '015_export', '017_pace_bound', '018_export_grades',
	    '021_export_fix', '022_read_links', '023_budgets',
	    '024_closed_readings', '025_keyed_writes'];
	have text[];
BEGIN
	SELECT array_agg(name ORDER BY version) INTO have
	    FROM schema_migrations;
	IF have IS DISTINCT FROM want THEN
		RAISE EXCEPTION 'this database was made by a cairn from before '
		    'the schema squash but is not at its last migration '
		    '(025_keyed_writes; it has %): start the cairnd of commit '
		    '6e09e4c on it once, then this one', have;
	END IF;
END $$;

-- The one schema change since 025: the known settings are rows of
-- setting_names, no longer a CHECK spliced from strings.
CREATE TABLE setting_names (
	name	text PRIMARY KEY
);
INSERT INTO setting_names SELECT name FROM settings;
ALTER TABLE settings DROP CONSTRAINT settings_name_check;
ALTER TABLE settings ADD CONSTRAINT settings_name_fkey
	FOREIGN KEY (name) REFERENCES setting_names (name);

DELETE FROM schema_migrations;
INSERT INTO schema_migrations (version, name) VALUES (1, '001_baseline');
