-- event.sql: the event stream (sql/007_events.sql; docs/protocol.md
-- "Events", docs/rules.md "Events"): which committed changes write which
-- events, who may read one, the sequencer, and pruning.
--
-- Events come from two places, both in the change's own transaction:
--   - every audit entry (the trigger audit_event below): an op's kind and
--     its thing, described by event_of_ENTITY(audit_log) when the entity
--     has one (the entity's own logic file may define it; the ones here
--     cover the entities of issues 1 to 15), else an admin-only event;
--   - the readings' statement trigger (kpi_readings_event): one `reading`
--     event per KPI and statement; the sequencer adds `kpi.health_changed`
--     when committed readings changed the KPI's health
--     (event_health_changes).

-- Kinds: an op's name, but for these (the names the protocol documents).
CREATE OR REPLACE FUNCTION event_kind(op text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
	    WHEN op = 'kr.checkin' THEN 'checkin'
	    WHEN op IN ('period.set_state', 'period.close') THEN 'period.state'
	    -- sign-off (docs/rules.md "Sign-off")
	    WHEN op = 'objective.propose' THEN 'signoff.requested'
	    WHEN op = 'objective.approve' THEN 'signoff.approved'
	    WHEN op = 'objective.send_back' THEN 'signoff.sent_back'
	    WHEN op = 'comment.add' THEN 'comment.added'
	    WHEN op LIKE '%.create' THEN op || 'd'
	    ELSE op END
$$;

-- How a thing is named in a summary: its kind, id and name, never what it
-- links to (a reader may read this thing and not the far end).
CREATE OR REPLACE FUNCTION event_quote(s text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT '"' || left(coalesce(s, ''), 120) || '"'
$$;

-- Describers: what an audit entry is about.  Each returns an events row
-- with kind, entity, entity_id, audience, team_id, period_id,
-- objective_id, user_id, owner_id, summary and data filled (the trigger
-- adds at, actor and via), or NULL for no event.
CREATE OR REPLACE FUNCTION event_of_objective(a audit_log) RETURNS events
LANGUAGE plpgsql STABLE AS $$
DECLARE
	e events;
	o record;
BEGIN
	SELECT id, title, team_id, period_id, owner_id INTO o
	    FROM objectives WHERE id = a.entity_id;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	e.entity := 'objective';
	e.entity_id := o.id;
	e.audience := 'team';
	e.team_id := o.team_id;
	e.period_id := o.period_id;
	e.objective_id := o.id;
	e.owner_id := o.owner_id;
	e.summary := 'objective ' || o.id || ' ' || event_quote(o.title) ||
	    ' ' || replace(split_part(event_kind(a.op), '.', 2), '_', ' ');
	RETURN e;
END $$;

CREATE OR REPLACE FUNCTION event_of_kr(a audit_log) RETURNS events
LANGUAGE plpgsql STABLE AS $$
DECLARE
	e events;
	j jsonb := coalesce(a.after, a.before);
	k record;
BEGIN
	SELECT kr.id, kr.title, kr.owner_id, kr.unit, o.id AS objective_id,
	    o.team_id, o.period_id
	    INTO k FROM key_results kr JOIN objectives o
	    ON o.id = kr.objective_id WHERE kr.id = a.entity_id;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	e.audience := 'team';
	e.team_id := k.team_id;
	e.period_id := k.period_id;
	e.objective_id := k.objective_id;
	e.owner_id := k.owner_id;
	IF a.op = 'kr.checkin' THEN
		e.entity := 'checkin';
		e.entity_id := (a.after->>'id')::bigint;
		e.data := jsonb_build_object('kr', k.id, 'value',
		    a.after->'value', 'confidence', a.after->'confidence');
		e.summary := 'key result ' || k.id || ' ' ||
		    event_quote(k.title) || ' checked in at ' ||
		    (a.after->>'value') || CASE WHEN k.unit <> '' THEN ' ' ||
		    k.unit ELSE '' END;
	ELSE
		e.entity := 'kr';
		e.entity_id := k.id;
		e.summary := 'key result ' || k.id || ' ' ||
		    event_quote(k.title) || ' ' ||
		    replace(split_part(event_kind(a.op), '.', 2), '_', ' ');
	END IF;
	RETURN e;
END $$;

CREATE OR REPLACE FUNCTION event_of_kpi(a audit_log) RETURNS events
LANGUAGE plpgsql STABLE AS $$
DECLARE
	e events;
	k record;
BEGIN
	SELECT id, name, team_id, owner_id INTO k FROM kpis
	    WHERE id = a.entity_id;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	e.entity := 'kpi';
	e.entity_id := k.id;
	e.audience := 'team';
	e.team_id := k.team_id;
	e.owner_id := k.owner_id;
	e.summary := 'KPI ' || k.id || ' ' || event_quote(k.name) || ' ' ||
	    replace(split_part(event_kind(a.op), '.', 2), '_', ' ');
	RETURN e;
END $$;

CREATE OR REPLACE FUNCTION event_of_team(a audit_log) RETURNS events
LANGUAGE plpgsql STABLE AS $$
DECLARE
	e events;
	slug text;
	who text;
BEGIN
	slug := coalesce((SELECT t.slug FROM teams t WHERE t.id = a.entity_id),
	    a.before->>'slug', a.after->>'slug', a.entity_id::text);
	e.entity := 'team';
	e.entity_id := a.entity_id;
	-- Teams and their members are visible to every session.
	e.audience := 'all';
	e.team_id := a.entity_id;
	IF a.op IN ('team.add_member', 'team.remove_member') THEN
		who := (SELECT u.login FROM users u WHERE u.id =
		    (coalesce(a.after, a.before)->>'user_id')::bigint);
		e.summary := 'team ' || slug || ': ' || coalesce(who, '?') ||
		    CASE a.op WHEN 'team.add_member' THEN ' added as ' ||
		    coalesce(a.after->>'role', 'member')
		    ELSE ' removed' END;
	ELSE
		e.summary := 'team ' || slug || ' ' ||
		    replace(split_part(event_kind(a.op), '.', 2), '_', ' ');
	END IF;
	RETURN e;
END $$;

CREATE OR REPLACE FUNCTION event_of_period(a audit_log) RETURNS events
LANGUAGE plpgsql STABLE AS $$
DECLARE
	e events;
	p record;
BEGIN
	SELECT name, state INTO p FROM periods WHERE id = a.entity_id;
	e.entity := 'period';
	e.entity_id := a.entity_id;
	e.period_id := a.entity_id;
	IF a.op IN ('import', 'period.carry') THEN
		-- Their counts span every team, private ones included.
		e.audience := 'admin';
	ELSE
		e.audience := 'all';
	END IF;
	IF event_kind(a.op) = 'period.state' THEN
		e.data := jsonb_build_object('from', a.before->>'state',
		    'to', p.state);
		e.summary := 'period ' || p.name || ': ' ||
		    coalesce(a.before->>'state', '?') || ' -> ' || p.state;
	ELSE
		e.summary := 'period ' || coalesce(p.name, a.entity_id::text) ||
		    ' ' || replace(split_part(event_kind(a.op), '.', 2), '_',
		    ' ');
	END IF;
	RETURN e;
END $$;

CREATE OR REPLACE FUNCTION event_of_user(a audit_log) RETURNS events
LANGUAGE plpgsql STABLE AS $$
DECLARE
	e events;
BEGIN
	e.entity := 'user';
	e.entity_id := a.entity_id;
	-- Users are visible to every session; their passwords and budgets
	-- are the admins' business.
	e.audience := CASE WHEN a.op IN ('user.set_password', 'user.budget')
	    THEN 'admin' ELSE 'all' END;
	e.summary := 'user ' || coalesce((SELECT login FROM users
	    WHERE id = a.entity_id), a.entity_id::text) || ' ' ||
	    replace(split_part(event_kind(a.op), '.', 2), '_', ' ');
	RETURN e;
END $$;

CREATE OR REPLACE FUNCTION event_of_setting(a audit_log) RETURNS events
LANGUAGE plpgsql STABLE AS $$
DECLARE
	e events;
BEGIN
	e.entity := 'setting';
	e.entity_id := a.entity_id;
	e.audience := 'all';		-- settings are visible to everyone
	e.summary := 'setting ' || coalesce(a.after->>'name', '?') ||
	    ' set to ' || coalesce(a.after->>'value', '?');
	RETURN e;
END $$;

-- Assessments and retrospectives: the read rule of their team.
CREATE OR REPLACE FUNCTION event_of_team_thing(a audit_log, what text)
RETURNS events
LANGUAGE plpgsql STABLE AS $$
DECLARE
	e events;
BEGIN
	e.entity := a.entity_type;
	e.entity_id := a.entity_id;
	e.audience := 'team';
	e.team_id := (a.after->>'team_id')::bigint;
	e.period_id := (a.after->>'period_id')::bigint;
	IF e.team_id IS NULL THEN
		RETURN NULL;
	END IF;
	e.summary := what || ' of team ' || coalesce((SELECT slug FROM teams
	    WHERE id = e.team_id), '?') || ' ' ||
	    replace(split_part(event_kind(a.op), '.', 2), '_', ' ');
	RETURN e;
END $$;

CREATE OR REPLACE FUNCTION event_of_assessment(a audit_log) RETURNS events
LANGUAGE sql STABLE AS $$
	SELECT event_of_team_thing(a, 'assessment')
$$;

CREATE OR REPLACE FUNCTION event_of_retro(a audit_log) RETURNS events
LANGUAGE sql STABLE AS $$
	SELECT event_of_team_thing(a, 'retrospective')
$$;

-- A token is its owner's business.
CREATE OR REPLACE FUNCTION event_of_token(a audit_log) RETURNS events
LANGUAGE plpgsql STABLE AS $$
DECLARE
	e events;
	j jsonb := coalesce(a.after, a.before);
BEGIN
	e.entity := 'token';
	e.entity_id := a.entity_id;
	e.audience := 'user';
	e.user_id := coalesce((j->>'user_id')::bigint, a.user_id);
	e.summary := 'token ' || coalesce(j->>'name', '?') || ' ' ||
	    replace(split_part(event_kind(a.op), '.', 2), '_', ' ');
	RETURN e;
END $$;

-- Every audit entry writes its event.  The describer is looked up by the
-- entry's entity_type, which is a constant of cairn's own statements
-- (never user text); an entity without one gets an admin-only event.  It
-- is called in FROM: "SELECT (f($1)).*" would call it once per column of
-- events (16 times, each with its own lookups: make bench saw 16 reads of
-- key_results per check-in).
CREATE OR REPLACE FUNCTION audit_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	e events;
	f regproc;
BEGIN
	f := to_regproc('event_of_' || NEW.entity_type);
	IF f IS NOT NULL THEN
		EXECUTE format('SELECT * FROM %s($1)', f) INTO e USING NEW;
		IF e.entity IS NULL THEN
			RETURN NULL;	-- the describer says: no event
		END IF;
	ELSE
		e.entity := NEW.entity_type;
		e.entity_id := NEW.entity_id;
		e.audience := 'admin';
		e.summary := NEW.entity_type || ' ' || NEW.entity_id || ' ' ||
		    replace(split_part(event_kind(NEW.op), '.', 2), '_', ' ');
	END IF;
	INSERT INTO events (kind, entity, entity_id, audience, team_id,
	    period_id, objective_id, user_id, owner_id, actor_id, via,
	    summary, data)
	VALUES (coalesce(e.kind, event_kind(NEW.op)), e.entity, e.entity_id,
	    e.audience, e.team_id, e.period_id, e.objective_id, e.user_id,
	    e.owner_id, NEW.user_id, coalesce(NEW.via, 'user'),
	    left(e.summary, 1000), coalesce(e.data, '{}'));
	RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER audit_event AFTER INSERT ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_event();

-- Readings: one event per KPI and statement (an import of a thousand
-- readings of one KPI is one event).  Whether the KPI's health changed is
-- the sequencer's to tell (event_health_changes, below).
CREATE OR REPLACE FUNCTION kpi_readings_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO events (kind, entity, entity_id, audience, team_id,
	    owner_id, actor_id, via, summary, data)
	SELECT 'reading', 'kpi', g.kpi_id, 'team', k.team_id, k.owner_id,
	    g.author, g.via,
	    'KPI ' || g.kpi_id || ' ' || event_quote(k.name) || ': ' ||
	    CASE WHEN g.n = 1 THEN 'reading ' ELSE g.n ||
	    ' readings, the latest ' END || g.value ||
	    CASE WHEN k.unit <> '' THEN ' ' || k.unit ELSE '' END,
	    jsonb_build_object('value', g.value, 'readings', g.n)
	FROM (SELECT n.kpi_id, count(*) AS n,
	    (array_agg(n.value ORDER BY n.at DESC, n.id DESC))[1] AS value,
	    (array_agg(n.author_id ORDER BY n.id DESC))[1] AS author,
	    (array_agg(n.via ORDER BY n.id DESC))[1] AS via
	    FROM new_rows n GROUP BY n.kpi_id) g
	JOIN kpis k ON k.id = g.kpi_id ORDER BY g.kpi_id;
	RETURN NULL;
END $$;

-- A KPI's health changes (kpi.health_changed): for each KPI with a
-- reading committed and not yet numbered, its health now against the one
-- the last run saw (kpis.health_seen).  Called by the sequencer, under its
-- lock, before it numbers: one run at a time, after the readings commit,
-- so a change is told once and only for committed readings.  Not in the
-- readings' own transaction: there, every writer of a KPI whose readings
-- cross a threshold queued on the KPI's row until the one before it had
-- committed (32 writers of one KPI: 177 inserts a second, against 1,026
-- with readings that kept its health).  Readings of several transactions
-- between two runs give one change, from the health seen to the health
-- now; the actor and source are the latest reading's.
CREATE OR REPLACE FUNCTION event_health_changes() RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	g record;
	h text;
BEGIN
	FOR g IN SELECT k.id, k.name, k.team_id, k.owner_id, k.health_seen,
	    r.actor_id, r.via
	    FROM (SELECT DISTINCT ON (e.entity_id) e.entity_id, e.actor_id,
		e.via FROM events e WHERE e.seq IS NULL AND e.kind = 'reading'
		ORDER BY e.entity_id, e.id DESC) r
	    JOIN kpis k ON k.id = r.entity_id ORDER BY k.id LOOP
		h := kpi_health(g.id);
		CONTINUE WHEN h IS NOT DISTINCT FROM g.health_seen;
		UPDATE kpis SET health_seen = h WHERE id = g.id;
		CONTINUE WHEN g.health_seen IS NULL;
		INSERT INTO events (kind, entity, entity_id, audience, team_id,
		    owner_id, actor_id, via, summary, data)
		VALUES ('kpi.health_changed', 'kpi', g.id, 'team', g.team_id,
		    g.owner_id, g.actor_id, g.via, 'KPI ' || g.id || ' ' ||
		    event_quote(g.name) || ' turned ' || h || ' (was ' ||
		    g.health_seen || ')',
		    jsonb_build_object('from', g.health_seen, 'to', h));
	END LOOP;
END $$;

CREATE OR REPLACE TRIGGER kpi_readings_event AFTER INSERT ON kpi_readings
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION kpi_readings_event();

-- Reading ----------------------------------------------------------------

-- May user u (global role r) read event e?  The rule cairnd's watch
-- applies in C (server/watch.c, on the same facts it caches per watcher:
-- teams_readable() and the objectives u contributes to), and that the
-- notifications check at sending time.
CREATE OR REPLACE FUNCTION event_readable(u bigint, r text, e events)
RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT CASE e.audience
	    WHEN 'all' THEN true
	    WHEN 'admin' THEN r = 'admin'
	    -- addressed to one user (a mention, a token); when it is about
	    -- a team's thing, only while that user may still read it
	    WHEN 'user' THEN e.user_id = u AND (e.team_id IS NULL
		OR e.team_id IN (SELECT id FROM teams_readable(u, r))
		OR EXISTS (SELECT 1 FROM objective_contributors c
		    WHERE c.objective_id = e.objective_id AND c.user_id = u))
	    ELSE e.team_id IN (SELECT id FROM teams_readable(u, r))
		OR EXISTS (SELECT 1 FROM objective_contributors c
		    WHERE c.objective_id = e.objective_id AND c.user_id = u)
	    END
$$;

-- The sequencer ----------------------------------------------------------

-- Number the committed events not yet numbered, at most lim of them, in
-- the order they were written, and tell the listeners (NOTIFY
-- cairn_events, the highest seq).  One sequencer at a time: the counter's
-- row lock, taken first, waits for another run to commit; each statement
-- after it (a volatile function's) then sees every event committed before.
-- Returns how many it numbered.
CREATE OR REPLACE FUNCTION event_sequence(lim integer) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	base bigint;
	n integer;
BEGIN
	-- Nothing to number (the sweep's usual case): no lock, no commit
	-- record to wait for.
	IF NOT EXISTS (SELECT 1 FROM events WHERE seq IS NULL) THEN
		RETURN 0;
	END IF;
	SELECT last_seq INTO base FROM events_state FOR UPDATE;
	PERFORM event_health_changes();
	-- Planned each time (EXECUTE of a constant text): a plan cached
	-- while the table was small (a nested loop over a scan of events)
	-- costs minutes once a burst of thousands waits.
	EXECUTE 'WITH todo AS (SELECT id, row_number() OVER (ORDER BY id)
		AS rn FROM events WHERE seq IS NULL ORDER BY id LIMIT $1),
	    u AS (UPDATE events e SET seq = $2 + todo.rn FROM todo
		WHERE e.id = todo.id AND e.seq IS NULL RETURNING e.seq)
	    SELECT count(*), coalesce(max(seq), $2) FROM u'
	    INTO n, base USING lim, base;
	IF n > 0 THEN
		UPDATE events_state SET last_seq = base;
		PERFORM pg_notify('cairn_events', base::text);
	END IF;
	RETURN n;
END $$;

-- Pruning: events older than events_keep_days go, oldest first, at most
-- lim at a time; events_state.pruned_through remembers how far, so that a
-- watch from below it is refused instead of missing events.
CREATE OR REPLACE FUNCTION event_prune(lim integer) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	n integer;
	top bigint;
BEGIN
	WITH d AS (DELETE FROM events WHERE id IN (SELECT id FROM events
		WHERE seq IS NOT NULL AND at < now() - make_interval(days =>
		(SELECT value FROM settings WHERE name = 'events_keep_days'))
		ORDER BY seq LIMIT lim FOR UPDATE SKIP LOCKED) RETURNING seq)
	SELECT count(*), max(seq) INTO n, top FROM d;
	IF n > 0 THEN
		UPDATE events_state SET pruned_through =
		    greatest(pruned_through, top);
	END IF;
	RETURN n;
END $$;

-- The events after seq s, at most lim, as watch sends them: the time to
-- the millisecond (a watcher may measure its delay), the names of the
-- team, period and actor as they are now, and the facts the reading rule
-- needs (not sent).
CREATE OR REPLACE FUNCTION events_after(s bigint, lim integer)
RETURNS TABLE (seq bigint, at text, kind text, entity text, id bigint,
    team text, period text, actor text, source text, summary text,
    data jsonb, audience text, team_id bigint, period_id bigint,
    objective_id bigint, user_id bigint, owner_id bigint, actor_id bigint)
LANGUAGE sql STABLE AS $$
	SELECT e.seq, to_char(e.at AT TIME ZONE 'UTC',
	    'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), e.kind, e.entity, e.entity_id,
	    t.slug, p.name, u.login, e.via, e.summary, e.data, e.audience,
	    e.team_id, e.period_id, e.objective_id, e.user_id, e.owner_id,
	    e.actor_id
	FROM events e
	LEFT JOIN teams t ON t.id = e.team_id
	LEFT JOIN periods p ON p.id = e.period_id
	LEFT JOIN users u ON u.id = e.actor_id
	WHERE e.seq > s AND e.seq IS NOT NULL
	ORDER BY e.seq LIMIT lim
$$;
