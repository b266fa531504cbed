-- budget.sql: per-user write budgets (sql/001_baseline's budgets and
-- budget_lifts; docs/rules.md, "Write budgets"): token buckets taken from
-- in the write's own statement, by triggers on audit_log (writes) and
-- kpi_readings (readings), refusing with SQLSTATE CB001.

-- Take n tokens from user u's budget b (of KPI k, 0 for none), or raise
-- CB001.  One upsert: the bucket is refilled for the time since it was
-- last taken from, capped at the burst, and the tokens taken; a result
-- below zero refuses, and the raise rolls the upsert back with the write.
CREATE OR REPLACE FUNCTION budget_take(u bigint, b text, k bigint, n bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	rate float8;
	burst float8;
	left_ float8;
	secs bigint;
BEGIN
	IF u IS NULL OR n <= 0 THEN
		RETURN;
	END IF;
	IF EXISTS (SELECT 1 FROM budget_lifts WHERE user_id = u) THEN
		RETURN;
	END IF;
	SELECT max(value) FILTER (WHERE name = 'budget_' || b || '_rate'),
	    max(value) FILTER (WHERE name = 'budget_' || b || '_burst')
	    INTO rate, burst FROM settings
	    WHERE name IN ('budget_' || b || '_rate', 'budget_' || b || '_burst');
	INSERT INTO budgets AS x (user_id, name, kpi_id, tokens, at)
	    VALUES (u, b, k, burst - n, now())
	    ON CONFLICT (user_id, name, kpi_id) DO UPDATE SET
		tokens = least(burst, x.tokens + greatest(0, extract(epoch
		    FROM now() - x.at)::float8) * rate / 60) - n,
		at = now()
	    RETURNING tokens INTO left_;
	IF left_ >= 0 THEN
		RETURN;
	END IF;
	IF n > burst THEN
		RAISE EXCEPTION USING ERRCODE = 'CB001',
		    MESSAGE = 'budget.' || b,
		    DETAIL = format('budget.%s: %s at once is more than its '
			'burst of %s: split the write, or ask an admin to '
			'lift your budgets', b, n, burst),
		    HINT = ceil(burst * 60 / rate)::bigint::text;
	END IF;
	secs = greatest(1, ceil(-left_ * 60 / rate))::bigint;
	RAISE EXCEPTION USING ERRCODE = 'CB001', MESSAGE = 'budget.' || b,
	    DETAIL = format('budget.%s exhausted (%s a minute, burst %s%s): '
		'refills enough in %s s', b, rate, burst,
		CASE WHEN k <> 0 THEN ', KPI ' || k ELSE '' END, secs),
	    HINT = secs::text;
END $$;

CREATE OR REPLACE FUNCTION budgets_charge_writes() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	r record;
BEGIN
	-- In user order, and writes before readings everywhere: two
	-- statements of one user lock the buckets in the same order.
	FOR r IN SELECT user_id, coalesce(sum((after->>'readings')::bigint)
	    FILTER (WHERE op = 'import'), 0)::bigint AS readings
	    FROM budget_new WHERE user_id IS NOT NULL
	    GROUP BY user_id ORDER BY user_id
	LOOP
		PERFORM budget_take(r.user_id, 'writes', 0, 1);
		PERFORM budget_take(r.user_id, 'readings', 0, r.readings);
	END LOOP;
	RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER audit_log_budgets AFTER INSERT ON audit_log
	REFERENCING NEW TABLE AS budget_new
	FOR EACH STATEMENT EXECUTE FUNCTION budgets_charge_writes();

CREATE OR REPLACE FUNCTION budgets_charge_readings() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT author_id, kpi_id, count(*) AS n FROM budget_new
	    WHERE recorded_at = now()
	    GROUP BY author_id, kpi_id ORDER BY author_id, kpi_id
	LOOP
		PERFORM budget_take(r.author_id, 'readings_per_kpi', r.kpi_id,
		    r.n);
	END LOOP;
	FOR r IN SELECT author_id, count(*) AS n FROM budget_new
	    WHERE recorded_at = now()
	    GROUP BY author_id ORDER BY author_id
	LOOP
		PERFORM budget_take(r.author_id, 'readings', 0, r.n);
	END LOOP;
	RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER kpi_readings_budgets AFTER INSERT ON kpi_readings
	REFERENCING NEW TABLE AS budget_new
	FOR EACH STATEMENT EXECUTE FUNCTION budgets_charge_readings();
