-- 008: each team's framework mode (issue 7, "The two tiers joined").
--
-- A team runs OKRs, KPIs or both (the guide's hybrid, the default).  A
-- team in kpi mode holds KPIs only: no new objective for it
-- (framework.kpi_only); the objectives it already has stay.
--
-- The race: a mode change to kpi and an objective insert at the same
-- moment.  The insert reads its team row FOR SHARE; the mode change is an
-- UPDATE of that row, whose lock conflicts with FOR SHARE (the foreign
-- key's own FOR KEY SHARE would not: the mode is no key).  So either the
-- insert waits for the change to commit and then reads the new mode (READ
-- COMMITTED re-reads a row it waited for), or the change waits for the
-- insert, whose objective then already exists and stays.

ALTER TABLE teams ADD COLUMN framework text NOT NULL DEFAULT 'hybrid'
	CHECK (framework IN ('okr', 'kpi', 'hybrid'));

CREATE FUNCTION objectives_framework() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	mode text;
BEGIN
	SELECT framework INTO mode FROM teams WHERE id = NEW.team_id
	    FOR SHARE;
	-- (A missing team is left to the foreign key.)
	IF mode = 'kpi' THEN
		PERFORM cairn_refuse('framework.kpi_only',
		    'this team is in kpi mode: it holds KPIs, not objectives');
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER objectives_framework BEFORE INSERT ON objectives
	FOR EACH ROW EXECUTE FUNCTION objectives_framework();
