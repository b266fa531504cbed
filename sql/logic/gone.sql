-- gone.sql: what the logic no longer defines, dropped (applied first).
--
-- The logic is applied with CREATE OR REPLACE, which never removes
-- anything: a function, trigger or view taken out of sql/logic is dropped
-- here, IF EXISTS, so that a database that had it loses it and a fresh
-- one is not troubled.  A function whose arguments or result type change
-- is dropped here too (CREATE OR REPLACE cannot change them), and created
-- anew by its entity's file; so is a view whose columns change.

-- The export finds its teams, objectives and users by its own statements
-- since issue 8 (was sql/018_export_grades.sql).
DROP FUNCTION IF EXISTS export_user_ids(bigint, bigint, text);
DROP FUNCTION IF EXISTS export_team_ids(bigint, bigint, text);
DROP FUNCTION IF EXISTS export_objective_ids(bigint, bigint, text);

-- objectives_check_update leaves the roll-up's updates out by its column
-- list since issue 14 (a WHEN called this per objective walked up): the
-- trigger is dropped first, as it depends on the function, and made again
-- by objective.sql.
DROP TRIGGER IF EXISTS objectives_check_update ON objectives;
DROP FUNCTION IF EXISTS objectives_more_than_progress(objectives, objectives);
