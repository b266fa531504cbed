-- 023: per-user write budgets (issue 13 item 8; docs/rules.md, "Write
-- budgets").
--
-- A budget is a token bucket per user (and per KPI for readings): it holds
-- up to its burst, refills at its rate per minute, and a write takes its
-- tokens in the same statement, so in the same transaction, as the write:
-- a refused write raises and changes nothing, a write rolled back gives
-- its tokens back, and a retried keyed write answered from its key runs no
-- write and takes nothing.  The buckets live here, not in cairnd, so that
-- several cairnd over one database share them.
--
-- The charge is made by statement triggers on the tables every write
-- ends in, so that no write path (of cairnd, or any other client of the
-- database) can forget it:
--   - audit_log: one budget.writes token per statement per acting user
--     (every write request of cairnd leaves its audit entries in one
--     statement); an import's entry also takes its readings from
--     budget.readings;
--   - kpi_readings: readings recorded now (recorded_at is the
--     transaction's time, as for kpi.record) take one token each from the
--     author's budget.readings_per_kpi of that KPI and budget.readings.
--     Readings carried in with their original recording time (an import,
--     the demo) are charged to the importer by the import's audit entry.
--
-- A refusal raises SQLSTATE CB001 with the budget's name as the message,
-- the sentence for people as the detail and the seconds until the write
-- would pass as the hint (cairnd answers E_LIMIT with both).

-- Settings: a rate per minute and a burst per budget, up to 1,000,000.
DO $$
DECLARE
	c record;
BEGIN
	FOR c IN SELECT conname, pg_get_constraintdef(oid) AS def
	    FROM pg_constraint WHERE conrelid = 'settings'::regclass
	    AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%name%'
	LOOP
		EXECUTE format('ALTER TABLE settings DROP CONSTRAINT %I',
		    c.conname);
		EXECUTE format('ALTER TABLE settings ADD CONSTRAINT %I CHECK '
		    '(%s OR name IN (''budget_writes_rate'', '
		    '''budget_writes_burst'', ''budget_readings_rate'', '
		    '''budget_readings_burst'', '
		    '''budget_readings_per_kpi_rate'', '
		    '''budget_readings_per_kpi_burst''))',
		    c.conname, regexp_replace(c.def, '^CHECK ', ''));
	END LOOP;
END $$;
ALTER TABLE settings DROP CONSTRAINT settings_value_check;
ALTER TABLE settings ADD CONSTRAINT settings_value_check
	CHECK (value BETWEEN 1 AND 1000 OR
	    (name LIKE 'budget\_%' AND value BETWEEN 1 AND 1000000));
INSERT INTO settings VALUES
	('budget_writes_rate', 600), ('budget_writes_burst', 600),
	('budget_readings_rate', 2000), ('budget_readings_burst', 20000),
	('budget_readings_per_kpi_rate', 120),
	('budget_readings_per_kpi_burst', 5000);

-- The buckets: tokens as of at.  kpi_id 0 for the budgets of a user as a
-- whole (no foreign key: a bucket outlives nothing it would protect).
CREATE TABLE budgets (
	user_id		bigint NOT NULL REFERENCES users (id),
	name		text NOT NULL CHECK (name IN ('writes', 'readings',
			    'readings_per_kpi')),
	kpi_id		bigint NOT NULL DEFAULT 0,
	tokens		double precision NOT NULL,
	at		timestamptz NOT NULL,
	PRIMARY KEY (user_id, name, kpi_id)
);

-- Users an admin exempted from every budget (user.budget).
CREATE TABLE budget_lifts (
	user_id		bigint PRIMARY KEY REFERENCES users (id),
	lifted_by	bigint REFERENCES users (id),
	lifted_at	timestamptz NOT NULL DEFAULT now()
);

-- Take n tokens from user u's budget b (of KPI k, 0 for none), or raise
-- CB001.  One upsert: the bucket is refilled for the time since it was
-- last taken from, capped at the burst, and the tokens taken; a result
-- below zero refuses, and the raise rolls the upsert back with the write.
CREATE FUNCTION budget_take(u bigint, b text, k bigint, n bigint)
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

CREATE FUNCTION budgets_charge_writes() RETURNS trigger
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

CREATE TRIGGER audit_log_budgets AFTER INSERT ON audit_log
	REFERENCING NEW TABLE AS budget_new
	FOR EACH STATEMENT EXECUTE FUNCTION budgets_charge_writes();

CREATE FUNCTION budgets_charge_readings() RETURNS trigger
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

CREATE TRIGGER kpi_readings_budgets AFTER INSERT ON kpi_readings
	REFERENCING NEW TABLE AS budget_new
	FOR EACH STATEMENT EXECUTE FUNCTION budgets_charge_readings();
