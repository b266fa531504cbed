-- guardrail.sql: objectives' guardrails (KPIs that must stay healthy):
-- the rules of guarding (period.closed, kpi.archived, limit.guardrails)
-- and the guardrails as a reader sees them.

CREATE OR REPLACE FUNCTION objective_guardrails_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	o bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.objective_id
	    ELSE NEW.objective_id END;
	per bigint;
	arch boolean;
BEGIN
	SELECT period_id INTO per FROM objectives WHERE id = o FOR UPDATE;
	IF period_state(per) = 'closed' THEN
		PERFORM period_closed_refuse();
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

CREATE OR REPLACE TRIGGER objective_guardrails_check BEFORE INSERT OR DELETE
	ON objective_guardrails FOR EACH ROW
	EXECUTE FUNCTION objective_guardrails_check();

-- The guardrails of an objective: the KPIs named, in id order, each as
-- {"kpi", "name", "health"}.  Given as an array, so that a statement that
-- guards or unguards can answer with the set it leaves (its final SELECT
-- still sees the table as it was).
CREATE OR REPLACE FUNCTION guardrails_json(ids bigint[]) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('kpi', k.id,
	    'name', k.name, 'health', kpi_health(k.id)) ORDER BY k.id), '[]')
	FROM kpis k WHERE k.id = ANY (ids)
$$;

CREATE OR REPLACE FUNCTION guardrail_breach(ids bigint[]) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM unnest(ids) i WHERE kpi_health(i) = 'red')
$$;

CREATE OR REPLACE FUNCTION objective_guardrail_ids(o bigint) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
	SELECT coalesce(array_agg(kpi_id ORDER BY kpi_id), '{}')
	FROM objective_guardrails WHERE objective_id = o
$$;

-- An objective's guardrails (ids) as reader u (role r) may see them: the
-- readable ones as guardrails_json above shows them, in id order,
-- then one {"hidden": true} per KPI they may not read (after the others,
-- so that their place tells nothing of their ids).
CREATE OR REPLACE FUNCTION guardrails_json_for(ids bigint[], u bigint,
    r text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH g AS (SELECT k.id, k.name, kpi_readable(u, r, k.id) AS ok
	    FROM kpis k WHERE k.id = ANY (ids))
	SELECT coalesce((SELECT jsonb_agg(jsonb_build_object('kpi', g.id,
	    'name', g.name, 'health', kpi_health(g.id)) ORDER BY g.id)
	    FROM g WHERE g.ok), '[]') || coalesce((SELECT jsonb_agg(
	    jsonb_build_object('hidden', true)) FROM g WHERE NOT g.ok), '[]')
$$;

-- In breach for reader u: one of the guardrails they may read is red.  A
-- hidden guardrail's health does not count, or the flag would tell them
-- that KPI's health.
CREATE OR REPLACE FUNCTION guardrail_breach_for(ids bigint[], u bigint,
    r text) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM unnest(ids) i
	    WHERE kpi_readable(u, r, i) AND kpi_health(i) = 'red')
$$;
