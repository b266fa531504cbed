-- 008: each team's framework mode and objectives' guardrails (issue 7,
-- "The two tiers joined").
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

-- Guardrails ---------------------------------------------------------------
--
-- KPIs that must stay healthy while an objective is pursued ("cut cost
-- without breaking on-time delivery").  An objective shows each with its
-- KPI's health (kpi_health, sql/007) and is in breach when any is red.
-- Guarding and unguarding follow the objective's rules: nothing changes in
-- a closed period (the period's row is read FOR SHARE, as period_state()
-- does since sql/003, so a close waits for a guard in flight and a guard
-- then sees the close); an archived KPI guards nothing new (its row FOR
-- SHARE: an archive in progress is waited for, then seen); at most
-- max_guardrails (10) per objective, counted under the objective's row
-- lock so that two guards cannot pass the limit together.

CREATE TABLE objective_guardrails (
	objective_id	bigint NOT NULL REFERENCES objectives (id),
	kpi_id		bigint NOT NULL REFERENCES kpis (id),
	added_by	bigint NOT NULL REFERENCES users (id),
	added_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (objective_id, kpi_id)
);
CREATE INDEX objective_guardrails_kpi ON objective_guardrails (kpi_id);

CREATE FUNCTION objective_guardrails_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	o bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.objective_id
	    ELSE NEW.objective_id END;
	per bigint;
	arch boolean;
BEGIN
	SELECT period_id INTO per FROM objectives WHERE id = o FOR UPDATE;
	IF period_state(per) = 'closed' THEN
		PERFORM cairn_refuse('period.closed',
		    'nothing in a closed period changes');
	END IF;
	IF TG_OP = 'INSERT' THEN
		SELECT archived INTO arch FROM kpis WHERE id = NEW.kpi_id
		    FOR SHARE;
		IF arch THEN
			PERFORM cairn_refuse('kpi.archived', 'KPI ' ||
			    NEW.kpi_id || ' is archived: it guards nothing');
		END IF;
		-- (A KPI guarding already is left to the primary key, or to
		-- ON CONFLICT DO NOTHING: it adds nothing to count.)
		IF NOT EXISTS (SELECT 1 FROM objective_guardrails
		    WHERE objective_id = o AND kpi_id = NEW.kpi_id) AND
		    (SELECT count(*) FROM objective_guardrails
		    WHERE objective_id = o) >= 10 THEN
			PERFORM cairn_refuse('limit.guardrails',
			    'an objective has at most 10 guardrails');
		END IF;
		RETURN NEW;
	END IF;
	RETURN OLD;
END $$;
CREATE TRIGGER objective_guardrails_check BEFORE INSERT OR DELETE
	ON objective_guardrails FOR EACH ROW
	EXECUTE FUNCTION objective_guardrails_check();

-- The guardrails of an objective: the KPIs named, in id order, each as
-- {"kpi", "name", "health"}.  Given as an array, so that a statement that
-- guards or unguards can answer with the set it leaves (its final SELECT
-- still sees the table as it was).
CREATE FUNCTION guardrails_json(ids bigint[]) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('kpi', k.id,
	    'name', k.name, 'health', kpi_health(k.id)) ORDER BY k.id), '[]')
	FROM kpis k WHERE k.id = ANY (ids)
$$;

CREATE FUNCTION guardrail_breach(ids bigint[]) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM unnest(ids) i WHERE kpi_health(i) = 'red')
$$;

CREATE FUNCTION objective_guardrail_ids(o bigint) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
	SELECT coalesce(array_agg(kpi_id ORDER BY kpi_id), '{}')
	FROM objective_guardrails WHERE objective_id = o
$$;
