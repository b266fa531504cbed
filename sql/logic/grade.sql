-- grade.sql: grading objectives in review: a grade only while the
-- period is in review (period.not_review), met follows from the grade and
-- the objective's type.

-- Grading ------------------------------------------------------------------

-- period.not_review: a grade is given or changed only while the period is
-- in review (period_state() reads the period FOR SHARE: a state change in
-- flight is waited for, then seen).
CREATE OR REPLACE FUNCTION objectives_grade_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF period_state(NEW.period_id) IS DISTINCT FROM 'review' THEN
		PERFORM cairn_refuse('period.not_review',
		    'objectives are graded while their period is in review');
	END IF;
	RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER objectives_grade_check BEFORE UPDATE OF grade, grade_note
	ON objectives FOR EACH ROW
	WHEN (OLD.grade IS DISTINCT FROM NEW.grade
	    OR OLD.grade_note IS DISTINCT FROM NEW.grade_note)
	EXECUTE FUNCTION objectives_grade_check();

-- met: aspirational graded 0.7 or more, committed graded 1.0; NULL until
-- graded.  Set here whatever a statement writes, so it cannot disagree
-- with the grade and the type.  (Not a generated column: a BEFORE
-- trigger's WHEN, objectives_check_update's, may not read a whole row
-- that has one.)
CREATE OR REPLACE FUNCTION objective_met(type text, grade double precision)
RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN grade IS NULL THEN NULL
	    WHEN type = 'aspirational' THEN grade >= 0.7
	    ELSE grade >= 1.0 END
$$;

CREATE OR REPLACE FUNCTION objectives_met() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.met := objective_met(NEW.type, NEW.grade);
	RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER objectives_met BEFORE INSERT OR UPDATE OF grade, type, met
	ON objectives FOR EACH ROW EXECUTE FUNCTION objectives_met();
