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
