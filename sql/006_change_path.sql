-- 006: what the one change path (server/change.c) needs from the schema.
--
-- A write answers with the row its reply shows, computed in the same
-- statement.  That statement's final SELECT sees the tables as they were
-- before it, so progress after an edit of an objective's roll-up mode is
-- computed from the mode the UPDATE returned, not the one stored before:
-- objective_progress_as takes the mode as an argument, and
-- objective_progress is that function with the stored mode (one body).

CREATE FUNCTION objective_progress_as(o bigint, mode text,
    lvl integer DEFAULT 0) RETURNS double precision
LANGUAGE plpgsql STABLE AS $$
DECLARE
	nk bigint; ks double precision; kw double precision;
	nc bigint; cs double precision; cw double precision;
BEGIN
	IF lvl > 1000 THEN
		RETURN 0;
	END IF;
	SELECT count(*), coalesce(sum(weight * kr_progress(type, start_value,
	    target, current)), 0), coalesce(sum(weight), 0)
	    INTO nk, ks, kw FROM key_results WHERE objective_id = o
	    AND NOT removed;
	SELECT count(*), coalesce(sum(weight * objective_progress(id,
	    lvl + 1)), 0), coalesce(sum(weight), 0)
	    INTO nc, cs, cw FROM objectives WHERE parent_id = o
	    AND NOT archived;
	IF mode = 'auto' THEN
		mode := CASE WHEN nk > 0 THEN 'krs' ELSE 'children' END;
	END IF;
	IF mode = 'krs' THEN
		RETURN CASE WHEN kw > 0 THEN ks / kw ELSE 0 END;
	ELSIF mode = 'children' THEN
		RETURN CASE WHEN cw > 0 THEN cs / cw ELSE 0 END;
	END IF;
	RETURN CASE WHEN kw + cw > 0 THEN (ks + cs) / (kw + cw) ELSE 0 END;
END $$;

-- PL/pgSQL, as before: a SQL function with a subquery is planned again
-- at every call, and this one runs for every objective read.
CREATE OR REPLACE FUNCTION objective_progress(o bigint, lvl integer DEFAULT 0)
RETURNS double precision
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN objective_progress_as(o, (SELECT rollup FROM objectives
	    WHERE id = o), lvl);
END $$;
