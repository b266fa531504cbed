-- 007: KPIs, their readings, and key results bound to a KPI (issue 7).
--
-- A KPI belongs to a team and runs on, tied to no period.  Its readings are
-- append-only: a wrong reading is corrected by a new one.  A key result may
-- be bound to a KPI; its current value then follows the KPI's latest
-- reading, set by the trigger below in the same transaction as the
-- reading, and it takes no check-ins (kr.bound).
--
-- As in 002, cairnd checks each rule first for a friendly error; what is
-- here holds under races and bugs.  Rule refusals raise CA001 (E_RULE);
-- bad values raise a 22xxx or 23xxx state (E_INVALID).

-- KPIs -------------------------------------------------------------------

CREATE TABLE kpis (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	team_id		bigint NOT NULL REFERENCES teams (id),
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	description	text NOT NULL DEFAULT ''
			CHECK (length(description) <= 4000),
	-- A bound key result takes this unit: key_results.unit's limit.
	unit		text NOT NULL DEFAULT '' CHECK (length(unit) <= 20),
	direction	text NOT NULL
			CHECK (direction IN ('up', 'down', 'range')),
	green		double precision NOT NULL,
	amber		double precision NOT NULL,
	green_high	double precision,
	amber_high	double precision,
	frequency	text NOT NULL DEFAULT 'weekly'
			CHECK (frequency IN ('daily', 'weekly', 'monthly')),
	owner_id	bigint REFERENCES users (id),
	breach_after	integer NOT NULL DEFAULT 1
			CHECK (breach_after BETWEEN 1 AND 100),
	archived	boolean NOT NULL DEFAULT false,
	version		integer NOT NULL DEFAULT 1,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT kpis_finite CHECK (green NOT IN ('NaN', 'Infinity',
	    '-Infinity') AND amber NOT IN ('NaN', 'Infinity', '-Infinity')
	    AND coalesce(green_high, 0) NOT IN ('NaN', 'Infinity', '-Infinity')
	    AND coalesce(amber_high, 0) NOT IN ('NaN', 'Infinity', '-Infinity')),
	-- The order of the thresholds for each direction.
	CONSTRAINT kpis_up_order CHECK (direction <> 'up' OR green >= amber),
	CONSTRAINT kpis_down_order CHECK (direction <> 'down' OR green <= amber),
	CONSTRAINT kpis_range_order CHECK (direction <> 'range' OR
	    (green_high IS NOT NULL AND amber_high IS NOT NULL AND
	    amber <= green AND green <= green_high AND
	    green_high <= amber_high)),
	CONSTRAINT kpis_high_only_range CHECK (direction = 'range' OR
	    (green_high IS NULL AND amber_high IS NULL))
);
CREATE INDEX kpis_team ON kpis (team_id);

CREATE TABLE kpi_readings (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kpi_id		bigint NOT NULL REFERENCES kpis (id),
	value		double precision NOT NULL
			CHECK (value NOT IN ('NaN', 'Infinity', '-Infinity')),
	at		timestamptz NOT NULL DEFAULT now(),
	note		text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
	author_id	bigint NOT NULL REFERENCES users (id),
	recorded_at	timestamptz NOT NULL DEFAULT now()
);
-- The latest readings of a KPI: ORDER BY at DESC, id DESC everywhere (the
-- id breaks ties between readings given the same time).
CREATE INDEX kpi_readings_kpi_at ON kpi_readings (kpi_id, at, id);

CREATE TRIGGER kpi_readings_append_only BEFORE UPDATE OR DELETE
	ON kpi_readings FOR EACH ROW EXECUTE FUNCTION cairn_append_only();
CREATE TRIGGER kpi_readings_no_truncate BEFORE TRUNCATE ON kpi_readings
	FOR EACH STATEMENT EXECUTE FUNCTION cairn_append_only();

-- Health -----------------------------------------------------------------

-- The health of one reading v; thresholds inclusive.  'none' for no value.
CREATE FUNCTION kpi_reading_health(direction text, green double precision,
    amber double precision, green_high double precision,
    amber_high double precision, v double precision) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
	    WHEN v IS NULL THEN 'none'
	    WHEN direction = 'up' THEN CASE WHEN v >= green THEN 'green'
		WHEN v >= amber THEN 'amber' ELSE 'red' END
	    WHEN direction = 'down' THEN CASE WHEN v <= green THEN 'green'
		WHEN v <= amber THEN 'amber' ELSE 'red' END
	    ELSE CASE WHEN v >= green AND v <= green_high THEN 'green'
		WHEN v >= amber AND v <= amber_high THEN 'amber'
		ELSE 'red' END END
$$;

-- The health of KPI k with the given definition: the best among its last
-- n readings by time, so that a KPI set to breach after n readings does not
-- turn red on one bad reading; 'none' before the first.  The thresholds
-- are arguments so that a statement changing them can answer with the
-- health they give (its final SELECT sees the kpis row from before).
CREATE FUNCTION kpi_health_of(k bigint, direction text,
    green double precision, amber double precision,
    green_high double precision, amber_high double precision, n integer)
RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
	-- PL/pgSQL so that the plan is kept: a SQL function with a FROM is
	-- planned again at each call, once per row of a list.
	RETURN (SELECT CASE min(CASE h WHEN 'green' THEN 0 WHEN 'amber'
	    THEN 1 ELSE 2 END)
	    WHEN 0 THEN 'green' WHEN 1 THEN 'amber' WHEN 2 THEN 'red'
	    ELSE 'none' END
	FROM (SELECT kpi_reading_health(direction, green, amber, green_high,
	    amber_high, r.value) AS h
	    FROM kpi_readings r WHERE r.kpi_id = k
	    ORDER BY r.at DESC, r.id DESC LIMIT greatest(n, 1)) last);
END $$;

CREATE FUNCTION kpi_health(kpi bigint) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT kpi_health_of(k.id, k.direction, k.green, k.amber,
	    k.green_high, k.amber_high, k.breach_after)
	FROM kpis k WHERE k.id = kpi);
END $$;

-- The window a reading is expected in.
CREATE FUNCTION kpi_window(frequency text) RETURNS interval
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE frequency WHEN 'daily' THEN interval '1 day'
	    WHEN 'weekly' THEN interval '7 days'
	    ELSE interval '31 days' END
$$;

-- Stale: no reading, or the latest older than the window and a half.
CREATE FUNCTION kpi_stale_of(k bigint, frequency text) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT coalesce((SELECT max(r.at) FROM kpi_readings r
	    WHERE r.kpi_id = k) < now() - kpi_window(frequency) * 1.5, true)
$$;

CREATE FUNCTION kpi_stale(kpi bigint) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT kpi_stale_of(k.id, k.frequency) FROM kpis k
	    WHERE k.id = kpi);
END $$;

-- Who may record a reading of KPI k: an admin, the KPI's owner, a member
-- or lead of its team, a lead of an ancestor team.  Disabled users none.
-- PL/pgSQL, not SQL: a SQL function that cannot be inlined is planned
-- again at every call, and this one runs for every kpi.record (measured:
-- 841 against 2110 one-reading INSERTs a second from 32 clients).
CREATE FUNCTION kpi_may_record(u bigint, k bigint) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT us.enabled AND (us.role = 'admin' OR x.owner_id = u
	    OR EXISTS (SELECT 1 FROM team_members m
		WHERE m.team_id = x.team_id AND m.user_id = u)
	    OR EXISTS (SELECT 1 FROM team_members m
		JOIN team_ancestors(x.team_id) a ON a.id = m.team_id
		WHERE a.dist > 0 AND m.user_id = u AND m.role = 'lead'))
	    FROM kpis x, users us WHERE x.id = k AND us.id = u);
END $$;

-- Key results bound to a KPI ---------------------------------------------

ALTER TABLE key_results ADD COLUMN kpi_id bigint REFERENCES kpis (id);
-- A bound KR's current value is any reading: a boolean KR cannot hold it.
ALTER TABLE key_results ADD CONSTRAINT key_results_bound_type
	CHECK (kpi_id IS NULL OR type <> 'boolean');
CREATE INDEX key_results_kpi ON key_results (kpi_id)
	WHERE kpi_id IS NOT NULL;

-- kr.bound: a bound KR's value comes from its KPI's readings only.
CREATE FUNCTION checkins_check_bound() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM key_results
	    WHERE id = NEW.kr_id AND kpi_id IS NOT NULL) THEN
		PERFORM cairn_refuse('kr.bound', 'this key result follows a '
		    'KPI: record a reading of the KPI instead');
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER checkins_check_bound BEFORE INSERT ON checkins
	FOR EACH ROW EXECUTE FUNCTION checkins_check_bound();

-- Readings: checked and followed once per statement ----------------------
--
-- kpi.record writes up to 1000 readings in one INSERT; these triggers see
-- them all at once (a transition table), so the cost per statement does
-- not grow with a query per reading.

CREATE FUNCTION kpi_readings_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	g record;
BEGIN
	-- No lock of our own on the KPIs: the foreign key's check has taken
	-- each KPI's row FOR KEY SHARE (after-row triggers fire before this
	-- after-statement one), and kpi.archive locks the row FOR UPDATE
	-- first, which conflicts with that.  So an archive waits for readings
	-- in flight, and a reading racing an archive waits for it; this
	-- statement, a new one, then sees it committed.
	-- One pass over the new rows, one check per (KPI, author): the cost
	-- of a bulk record is then that of its distinct KPIs, not of three
	-- scans of its readings (1000 readings: 30 ms before, 6 ms).
	FOR g IN SELECT n.kpi_id, n.author_id, max(n.at) AS latest
	    FROM new_rows n GROUP BY n.kpi_id, n.author_id ORDER BY 1, 2 LOOP
		IF (SELECT archived FROM kpis WHERE id = g.kpi_id) THEN
			PERFORM cairn_refuse('kpi.archived', 'KPI ' ||
			    g.kpi_id || ' is archived: it takes no readings');
		END IF;
		IF g.latest > statement_timestamp() + interval '5 minutes' THEN
			RAISE EXCEPTION USING ERRCODE = '22008',
			    MESSAGE = 'at: a reading may not be more than '
			    '5 minutes in the future';
		END IF;
		IF NOT coalesce(kpi_may_record(g.author_id, g.kpi_id),
		    false) THEN
			PERFORM cairn_refuse('kpi.permission', 'user ' ||
			    g.author_id || ' may not record readings of KPI ' ||
			    g.kpi_id);
		END IF;
	END LOOP;
	RETURN NULL;
END $$;
CREATE TRIGGER kpi_readings_check AFTER INSERT ON kpi_readings
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION kpi_readings_check();

-- Bound key results follow the latest reading of their KPI (by `at`, then
-- id): a reading given a past time older than the latest changes nothing.
-- Key results in a closed period stop following; the reading is never
-- refused for them.  Draft, active and review periods follow, so that a
-- key result bound in a draft starts its period at the KPI's value.
CREATE FUNCTION kpi_readings_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM key_results
	    WHERE kpi_id IN (SELECT kpi_id FROM new_rows) AND NOT removed) THEN
		RETURN NULL;	-- the common case: nothing bound
	END IF;
	-- One follower per KPI at a time, in order of id: after the lock, a
	-- reading committed meanwhile by another request is seen below, so
	-- the later of two racing readings wins whichever commits first.
	PERFORM pg_advisory_xact_lock(7270007, hashtext(k::text))
	    FROM (SELECT DISTINCT kpi_id AS k FROM new_rows ORDER BY 1) s;
	-- The periods' rows FOR SHARE (as period_state() takes them): a close
	-- in progress is waited for and then seen, so key_results_check never
	-- finds closed a period this statement thought open.
	PERFORM 1 FROM periods WHERE id IN (SELECT o.period_id
	    FROM key_results kr JOIN objectives o ON o.id = kr.objective_id
	    WHERE kr.kpi_id IN (SELECT kpi_id FROM new_rows)
	    AND NOT kr.removed) ORDER BY id FOR SHARE;
	UPDATE key_results kr SET current = l.value, version = kr.version + 1
	    FROM (SELECT DISTINCT ON (r.kpi_id) r.kpi_id, r.id, r.value
		FROM kpi_readings r
		WHERE r.kpi_id IN (SELECT kpi_id FROM new_rows)
		ORDER BY r.kpi_id, r.at DESC, r.id DESC) l,
		objectives o, periods p
	    WHERE l.id IN (SELECT id FROM new_rows)
	    AND kr.kpi_id = l.kpi_id AND NOT kr.removed
	    AND o.id = kr.objective_id AND p.id = o.period_id
	    AND p.state <> 'closed';
	RETURN NULL;
END $$;
CREATE TRIGGER kpi_readings_follow AFTER INSERT ON kpi_readings
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION kpi_readings_follow();
