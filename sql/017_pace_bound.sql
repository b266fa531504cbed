-- 017: a key result bound to a KPI is checked in by the KPI's latest
-- reading from the moment it is bound (issue 8; sql/012 set checked_at
-- only from the readings that came after the binding, so a key result
-- bound to a KPI unread for weeks did not look stale).  A new migration,
-- as 012 is merged; 013 to 016 are other parts of issue 8.

CREATE FUNCTION key_results_bound_checked() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.checked_at := (SELECT r.at FROM kpi_readings r
	    WHERE r.kpi_id = NEW.kpi_id ORDER BY r.at DESC, r.id DESC LIMIT 1);
	RETURN NEW;
END $$;
CREATE TRIGGER key_results_bound_checked BEFORE INSERT OR UPDATE OF kpi_id
	ON key_results FOR EACH ROW WHEN (NEW.kpi_id IS NOT NULL)
	EXECUTE FUNCTION key_results_bound_checked();

UPDATE key_results k SET checked_at = (SELECT r.at FROM kpi_readings r
	WHERE r.kpi_id = k.kpi_id ORDER BY r.at DESC, r.id DESC LIMIT 1)
	WHERE k.kpi_id IS NOT NULL AND k.checked_at IS NULL;

-- Bulk loads (the bench generator, import, the demo) may defer the
-- roll-up: with `SET LOCAL cairn.defer_rollup = on` the roll-up triggers
-- do nothing, and the loader calls objectives_progress_rebuild() before
-- it commits (one set-based pass instead of a walk per row).  cairnd's
-- own statements never set it.
CREATE FUNCTION cairn_rollup_deferred() RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT coalesce(current_setting('cairn.defer_rollup', true), '') = 'on'
$$;

CREATE OR REPLACE FUNCTION key_results_rollup() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF cairn_rollup_deferred() THEN
		RETURN NULL;
	END IF;
	IF TG_OP = 'INSERT' THEN
		PERFORM objectives_walk_up(NEW.objective_id);
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM objectives_walk_up(OLD.objective_id);
	ELSIF OLD.objective_id <> NEW.objective_id THEN
		PERFORM objectives_refresh(ARRAY[OLD.objective_id,
		    NEW.objective_id]);
	ELSE
		PERFORM objectives_walk_up(NEW.objective_id);
	END IF;
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION objectives_rollup() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF cairn_rollup_deferred() THEN
		RETURN NULL;
	END IF;
	IF TG_OP = 'INSERT' THEN
		PERFORM objectives_walk_up(NEW.parent_id);
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM objectives_walk_up(OLD.parent_id);
	ELSE
		PERFORM objectives_refresh(ARRAY[OLD.parent_id, NEW.parent_id,
		    CASE WHEN OLD.rollup <> NEW.rollup THEN NEW.id END]);
	END IF;
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION objectives_rollup_lock() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NOT cairn_rollup_deferred() THEN
		PERFORM objectives_lock_up(array_remove(ARRAY[OLD.parent_id,
		    NEW.parent_id], NULL));
	END IF;
	RETURN NEW;
END $$;
