-- retro.sql: retrospective notes of a team and period (period.closed,
-- limit.retros, retros.append_only).

CREATE OR REPLACE FUNCTION retros_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' THEN
		PERFORM cairn_refuse('retros.append_only', 'a retrospective '
		    'note is never changed: add another');
	END IF;
	IF period_state(NEW.period_id) = 'closed' THEN
		PERFORM period_closed_refuse();
	END IF;
	PERFORM pg_advisory_xact_lock(7270013,
	    hashtext(NEW.team_id || ':' || NEW.period_id));
	IF (SELECT count(*) FROM retros WHERE team_id = NEW.team_id
	    AND period_id = NEW.period_id) >= 100 THEN
		PERFORM cairn_refuse('limit.retros', 'this team has the most '
		    'retrospective notes a period allows (100)');
	END IF;
	RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER retros_check BEFORE INSERT OR UPDATE ON retros
	FOR EACH ROW EXECUTE FUNCTION retros_check();
