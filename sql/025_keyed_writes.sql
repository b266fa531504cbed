-- 025: import.commit takes an idempotency key (issue 13, item 11), as
-- objective.create and the other writes that create things do (sql/004).
--
-- A commit applies a whole staged import and deletes it, so that a retry
-- after a lost reply used to find no open import.  With a key, the key's
-- row is written in the same transaction as what the import made, and
-- keeps the id of the import's audit entry (op 'import', whose "after"
-- holds the counts the reply shows): a retry is answered from it, and
-- records nothing more.  The audit entry is written inside import_apply,
-- after the statement's snapshot, so the key is written here, in the
-- function, where it is visible (a CTE beside the call would not see it).
--
-- Logic, not schema: CREATE OR REPLACE.

CREATE OR REPLACE FUNCTION import_commit(imp bigint, u bigint, k text,
    h bytea)
RETURNS TABLE (r_period text, r_objectives bigint, r_key_results bigint,
    r_checkins bigint, r_kpis bigint, r_readings bigint)
LANGUAGE plpgsql AS $$
DECLARE
	x record;
BEGIN
	SELECT * INTO x FROM import_apply(imp, u);
	IF k IS NOT NULL THEN
		-- The primary key (user_id, key) makes a racing twin fail
		-- here, after waiting for the first to commit; cairnd then
		-- answers it from the key (idem_write_failed).  The audit
		-- entry is the one of the period this import made (period
		-- names are unique).
		INSERT INTO idempotency_keys (user_id, key, op, args_hash,
		    result_id)
		    SELECT u, k, 'import.commit', h, max(a.id)
		    FROM audit_log a JOIN periods p ON p.id = a.entity_id
		    WHERE a.op = 'import' AND p.name = x.r_period;
	END IF;
	RETURN QUERY SELECT x.r_period, x.r_objectives, x.r_key_results,
	    x.r_checkins, x.r_kpis, x.r_readings;
END $$;
