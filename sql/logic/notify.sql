-- notify.sql: notifications (sql/010_notify.sql; docs/rules.md
-- "Notifications"): who gets a message about an event, the outbox's claim
-- and outcome as cairnd's sender (server/notifyrun.c) runs them, the
-- weekly schedules (reminders, digest), the alert sweep, and the texts.
--
-- Functions are plpgsql: their bodies name functions of logic files
-- applied after this one (team.sql, review.sql), which a LANGUAGE sql
-- body would need at creation.

-- Who is emailed about event e (before the preferences): the rules of
-- docs/rules.md, "Who gets what".  The actor is never told of their own
-- act.
CREATE OR REPLACE FUNCTION notify_recipients(e events)
RETURNS TABLE (user_id bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	o record;
BEGIN
	IF e.kind IN ('kpi.health_changed', 'kpi.breach_forecast') THEN
		IF e.kind = 'kpi.health_changed' AND
		    e.data->>'to' IS DISTINCT FROM 'red' THEN
			RETURN;
		END IF;
		-- The KPI's team leads, and the owners of the live objectives
		-- it guards (a guardrail breached).
		RETURN QUERY SELECT m.user_id FROM team_members m
		    JOIN kpis k ON k.team_id = m.team_id
		    WHERE k.id = e.entity_id AND m.role = 'lead'
		    UNION
		    SELECT ob.owner_id FROM objective_guardrails g
		    JOIN objectives ob ON ob.id = g.objective_id
		    JOIN periods p ON p.id = ob.period_id
		    WHERE g.kpi_id = e.entity_id AND NOT ob.archived
		    AND p.state IN ('active', 'review');
	ELSIF e.kind = 'objective.off_track' THEN
		RETURN QUERY SELECT ob.owner_id FROM objectives ob
		    WHERE ob.id = e.entity_id
		    UNION
		    SELECT m.user_id FROM team_members m
		    JOIN objectives ob ON ob.team_id = m.team_id
		    WHERE ob.id = e.entity_id AND m.role = 'lead';
	ELSIF e.kind IN ('comment.mention', 'hook.disabled') THEN
		IF e.user_id IS NOT NULL THEN
			RETURN QUERY SELECT e.user_id;
		END IF;
	ELSIF e.kind = 'signoff.requested' THEN
		-- The approver: the owner of the parent objective when
		-- aligned, else the leads of the parent team.
		SELECT id, team_id, parent_id INTO o FROM objectives
		    WHERE id = coalesce(e.objective_id, e.entity_id);
		IF NOT FOUND THEN
			RETURN;
		END IF;
		IF o.parent_id IS NOT NULL THEN
			RETURN QUERY SELECT ob.owner_id FROM objectives ob
			    WHERE ob.id = o.parent_id;
		ELSE
			RETURN QUERY SELECT m.user_id FROM team_members m
			    JOIN teams t ON t.parent_id = m.team_id
			    WHERE t.id = o.team_id AND m.role = 'lead';
		END IF;
	ELSIF e.kind IN ('signoff.approved', 'signoff.sent_back') THEN
		RETURN QUERY SELECT ob.owner_id FROM objectives ob
		    WHERE ob.id = coalesce(e.objective_id, e.entity_id);
	END IF;
END $$;

-- Whether a recipient with these preferences wants mail of event kind
-- kind: person-to-person messages (a mention, a sign-off request or
-- decision) follow mentions, the alerts follow alerts, and a hook's owner
-- is told it was disabled whatever they chose.  Used when a message is
-- written (notify_route) and again when it is sent (outbox_render).
CREATE OR REPLACE FUNCTION notify_wants(alerts boolean, mentions boolean,
    kind text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
	    WHEN kind = 'hook.disabled' THEN true
	    WHEN kind IN ('comment.mention', 'signoff.requested',
		'signoff.approved', 'signoff.sent_back')
		THEN coalesce(mentions, true)
	    ELSE coalesce(alerts, true) END
$$;

-- Every event writes its messages in its own transaction: one per hook of
-- its team or a team above (hooks get team events, never a user's or the
-- admins'), one email per recipient with an address who wants its kind
-- (notify_wants).
CREATE OR REPLACE FUNCTION notify_route() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.team_id IS NOT NULL AND NEW.audience IN ('team', 'all') AND
	    EXISTS (SELECT 1 FROM hooks WHERE disabled_at IS NULL) THEN
		INSERT INTO outbox (channel, kind, event_id, hook_id)
		SELECT 'hook', NEW.kind, NEW.id, h.id FROM hooks h
		WHERE h.disabled_at IS NULL AND h.secret IS NOT NULL
		AND h.team_id IN (SELECT a.id FROM team_ancestors(NEW.team_id) a)
		AND (NEW.kind = ANY (h.kinds) OR (cardinality(h.kinds) = 0
		    AND NEW.kind <> 'reading'));
	END IF;
	IF NEW.kind IN ('kpi.health_changed', 'kpi.breach_forecast',
	    'objective.off_track', 'comment.mention', 'hook.disabled',
	    'signoff.requested', 'signoff.approved', 'signoff.sent_back') THEN
		INSERT INTO outbox (channel, kind, event_id, user_id)
		SELECT DISTINCT 'email', NEW.kind, NEW.id, r.user_id
		FROM notify_recipients(NEW) r
		JOIN notify_prefs p ON p.user_id = r.user_id
		JOIN users u ON u.id = r.user_id
		WHERE p.email IS NOT NULL AND u.enabled
		AND notify_wants(p.alerts, p.mentions, NEW.kind)
		AND r.user_id IS DISTINCT FROM NEW.actor_id;
	END IF;
	RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER notify_route AFTER INSERT ON events
	FOR EACH ROW EXECUTE FUNCTION notify_route();

-- The retries: 2 s after the first failure, doubled each time, at most an
-- hour; given up notify_retry_hours after the message was written.
CREATE OR REPLACE FUNCTION outbox_backoff(tries integer) RETURNS interval
LANGUAGE sql IMMUTABLE AS $$
	SELECT make_interval(secs => least(3600.0,
	    2 * power(2, least(greatest(tries, 1) - 1, 20))))
$$;

-- Texts -------------------------------------------------------------------

-- A team as a message names it: "ops (Operations)".
CREATE OR REPLACE FUNCTION notify_team_name(t bigint) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT slug || ' (' || name || ')' FROM teams WHERE id = t);
END $$;

CREATE OR REPLACE FUNCTION notify_html_escape(s text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT replace(replace(replace(replace(coalesce(s, ''), '&', '&amp;'),
	    '<', '&lt;'), '>', '&gt;'), '"', '&quot;')
$$;

-- The message about event e for one reader: subject and plain text; the
-- JSON a hook posts.  guards: for a KPI's alert to u, the objectives of
-- u's that it guards, named.
CREATE OR REPLACE FUNCTION notify_event_text(e events, u bigint,
    OUT subject text, OUT body text, OUT payload jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	team text := notify_team_name(e.team_id);
	guards text;
	what text;
BEGIN
	what := CASE e.kind
	    WHEN 'kpi.health_changed' THEN 'KPI alert'
	    WHEN 'kpi.breach_forecast' THEN 'KPI breach forecast'
	    WHEN 'objective.off_track' THEN 'Objective off track'
	    WHEN 'comment.mention' THEN 'You were mentioned'
	    WHEN 'signoff.requested' THEN 'Sign-off requested'
	    WHEN 'signoff.approved' THEN 'Objective approved'
	    WHEN 'signoff.sent_back' THEN 'Objective sent back'
	    WHEN 'hook.disabled' THEN 'Webhook disabled'
	    ELSE e.kind END;
	subject := '[cairn] ' || what || ': ' || left(e.summary, 160) ||
	    coalesce(' (team ' || (SELECT slug FROM teams
	    WHERE id = e.team_id) || ')', '');
	IF u IS NOT NULL AND e.entity = 'kpi' THEN
		SELECT string_agg('  objective ' || ob.id || ' "' || ob.title ||
		    '" (team ' || t.slug || ')', E'\n' ORDER BY ob.id)
		INTO guards FROM objective_guardrails g
		JOIN objectives ob ON ob.id = g.objective_id
		JOIN teams t ON t.id = ob.team_id
		WHERE g.kpi_id = e.entity_id AND ob.owner_id = u
		AND NOT ob.archived;
	END IF;
	body := e.summary || E'\n\n' ||
	    coalesce('Team:   ' || team || E'\n', '') ||
	    coalesce('Period: ' || (SELECT name FROM periods
		WHERE id = e.period_id) || E'\n', '') ||
	    'Event:  ' || e.kind || ' (' || e.entity || ' ' || e.entity_id ||
	    coalesce(', seq ' || e.seq, '') || E')\n' ||
	    'At:     ' || cairn_time(e.at) || E'\n' ||
	    coalesce('By:     ' || (SELECT login FROM users
		WHERE id = e.actor_id) || E'\n', '') ||
	    coalesce(E'\nA guardrail of yours is breached: this KPI ' ||
		E'guards\n' || guards || E'\n', '') ||
	    coalesce(E'\nDetails: ' || nullif(e.data, '{}')::text || E'\n',
		'');
	payload := jsonb_build_object('kind', e.kind, 'entity', e.entity,
	    'id', e.entity_id, 'seq', e.seq, 'at', cairn_time(e.at),
	    'team', (SELECT slug FROM teams WHERE id = e.team_id),
	    'team_name', (SELECT name FROM teams WHERE id = e.team_id),
	    'period', (SELECT name FROM periods WHERE id = e.period_id),
	    'actor', (SELECT login FROM users WHERE id = e.actor_id),
	    'source', e.via, 'summary', e.summary, 'data', e.data);
END $$;

-- A user's reminder: their due list now (empty: nothing to send).
CREATE OR REPLACE FUNCTION notify_reminder_text(u bigint, OUT n integer,
    OUT body text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	SELECT count(*), string_agg('  ' || d.kind || ' ' || d.id || ' ' ||
	    '"' || d.title || '" (team ' || d.team ||
	    coalesce(', period ' || d.period, '') || '): ' || d.message,
	    E'\n' ORDER BY d.kind, d.team, d.id)
	INTO n, body FROM due_items(u) d WHERE d.kind IN ('checkin', 'reading');
	body := 'Due this week (' || n || E'):\n\n' || coalesce(body, '') ||
	    E'\n\nCheck in with: cairn kr checkin ID VALUE; record a ' ||
	    E'reading with: cairn kpi record ID VALUE.\n' ||
	    E'Turn these off with: cairn notify set --reminders off\n';
END $$;

-- The weekly digest for u: the review summary of each active period,
-- framework health against the last digest, KPIs that changed colour and
-- objectives that went off track in the last 7 days: all within what u
-- may read now.
CREATE OR REPLACE FUNCTION notify_digest_text(u bigint, OUT subject text,
    OUT body text, OUT html text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	r text := (SELECT role FROM users WHERE id = u);
	p record;
	x record;
	t text := '';
	h text := '';
BEGIN
	subject := '[cairn] Weekly digest, ' || to_char(now() AT TIME ZONE
	    'UTC', 'YYYY-MM-DD');
	FOR p IN SELECT id, name FROM periods WHERE state IN ('active',
	    'review') ORDER BY start_date, id LOOP
		t := t || 'Period ' || p.name || E'\n\nReview:\n';
		h := h || '<h2>Period ' || notify_html_escape(p.name) ||
		    '</h2><h3>Review</h3><ul>';
		FOR x IN SELECT kind, count(*) AS n FROM review_items(u, r,
		    p.id, NULL) GROUP BY kind ORDER BY kind LOOP
			t := t || '  ' || x.kind || ': ' || x.n || E'\n';
			h := h || '<li>' || notify_html_escape(x.kind) ||
			    ': ' || x.n || '</li>';
		END LOOP;
		h := h || '</ul><h3>Framework health</h3><table>'
		    '<tr><th>team</th><th>now</th><th>last digest</th></tr>';
		t := t || E'\nFramework health (now, last digest):\n';
		FOR x IN SELECT tm.slug, th.score, nh.score AS last
		    FROM team_health(p.id) th JOIN teams tm ON tm.id = th.team_id
		    LEFT JOIN notify_health nh ON nh.team_id = th.team_id
			AND nh.period_id = p.id
		    WHERE th.team_id IN (SELECT id FROM teams_readable(u, r))
		    ORDER BY tm.slug LOOP
			t := t || '  ' || x.slug || ': ' ||
			    coalesce(x.score::text, '-') || ', ' ||
			    coalesce(x.last::text, '-') || E'\n';
			h := h || '<tr><td>' || notify_html_escape(x.slug) ||
			    '</td><td>' || coalesce(x.score::text, '-') ||
			    '</td><td>' || coalesce(x.last::text, '-') ||
			    '</td></tr>';
		END LOOP;
		h := h || '</table>';
		t := t || E'\n';
	END LOOP;
	t := t || E'KPIs that changed colour (7 days):\n';
	h := h || '<h2>KPIs that changed colour (7 days)</h2><ul>';
	FOR x IN SELECT e.summary, e.at, e.team_id FROM events e
	    WHERE e.kind = 'kpi.health_changed' AND e.at > now() - interval
	    '7 days' AND event_readable(u, r, e) ORDER BY e.id LOOP
		t := t || '  ' || cairn_time(x.at) || ' ' || x.summary ||
		    coalesce(' (team ' || (SELECT slug FROM teams
		    WHERE id = x.team_id) || ')', '') || E'\n';
		h := h || '<li>' || notify_html_escape(x.summary) || '</li>';
	END LOOP;
	t := t || E'\nObjectives that went off track (7 days):\n';
	h := h || '</ul><h2>Objectives that went off track (7 days)</h2><ul>';
	FOR x IN SELECT e.summary, e.at FROM events e
	    WHERE e.kind = 'objective.off_track' AND e.at > now() - interval
	    '7 days' AND event_readable(u, r, e) ORDER BY e.id LOOP
		t := t || '  ' || x.summary || E'\n';
		h := h || '<li>' || notify_html_escape(x.summary) || '</li>';
	END LOOP;
	body := 'Weekly digest' || E'\n\n' || t ||
	    E'\nTurn this off with: cairn notify set --digest off\n';
	html := '<!DOCTYPE html><html><head><meta charset="utf-8"><title>' ||
	    notify_html_escape(subject) || '</title><style>body{font-family:'
	    'sans-serif}table{border-collapse:collapse}td,th{border:1px solid '
	    '#ccc;padding:2px 6px}</style></head><body><h1>Weekly digest</h1>'
	    || h || '</ul></body></html>';
END $$;

-- The outbox -------------------------------------------------------------

-- Take up to n messages due for sending, leased to me for lease_s
-- seconds, each rendered for its reader now: a message its reader may no
-- longer read (the read rule at sending time: event_readable() of the
-- recipient, or of a hook's creator within the hook's team and the teams
-- below), whose recipient turned it off or has no address, is dropped
-- here and not returned; so is mail when the sender has no relay (mail
-- false: no smtp_host in its cairnd.conf).
CREATE OR REPLACE FUNCTION outbox_claim(me text, n integer, lease_s integer,
    mail boolean)
RETURNS TABLE (id bigint, delivery text, channel text, hook_id bigint,
    url text, format text, secret text, to_addr text, subject text,
    body text, html text, payload text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	o outbox;
	e events;
	u record;
	h hooks;
	why text;
	m record;
	d record;
	taken integer := 0;
	hooks_taken bigint[] := '{}';
BEGIN
	-- One message at a time per hook (in order, and a hook that hangs
	-- holds one of the sender's slots, not all): none of a hook that has
	-- one on its way, and one per hook in a batch.
	FOR o IN SELECT * FROM outbox x WHERE x.sent_at IS NULL
	    AND x.dropped_at IS NULL AND x.next_try <= now()
	    AND (x.lease_until IS NULL OR x.lease_until < now())
	    AND (x.hook_id IS NULL OR NOT EXISTS (SELECT 1 FROM outbox y
		WHERE y.hook_id = x.hook_id AND y.lease_until >= now()
		AND y.sent_at IS NULL AND y.dropped_at IS NULL))
	    ORDER BY x.next_try, x.id LIMIT 4 * n FOR UPDATE SKIP LOCKED LOOP
		EXIT WHEN taken >= n;
		IF o.hook_id IS NOT NULL THEN
			CONTINUE WHEN o.hook_id = ANY (hooks_taken);
			hooks_taken := hooks_taken || o.hook_id;
		END IF;
		why := NULL;
		e := NULL;
		id := o.id;
		delivery := o.delivery::text;
		channel := o.channel;
		hook_id := o.hook_id;
		url := NULL; format := NULL; secret := NULL; to_addr := NULL;
		subject := NULL; body := NULL; html := NULL; payload := NULL;
		IF o.event_id IS NOT NULL THEN
			SELECT * INTO e FROM events x WHERE x.id = o.event_id;
			IF e.id IS NULL THEN
				why := 'its event was pruned';
			END IF;
		END IF;
		IF why IS NULL AND o.channel = 'email' THEN
			SELECT us.role, us.enabled, p.* INTO u FROM users us
			    LEFT JOIN notify_prefs p ON p.user_id = us.id
			    WHERE us.id = o.user_id;
			to_addr := u.email;
			IF NOT mail THEN
				why := 'mail is off (no smtp_host in cairnd.conf)';
			ELSIF NOT u.enabled THEN
				why := 'the recipient is disabled';
			ELSIF u.email IS NULL THEN
				why := 'the recipient has no address';
			ELSIF (o.kind = 'reminder' AND NOT u.reminders) OR
			    (o.kind = 'digest' AND NOT u.digest) OR
			    (e.id IS NOT NULL AND
			    NOT notify_wants(u.alerts, u.mentions, e.kind)) THEN
				why := 'the recipient turned it off';
			ELSIF e.id IS NOT NULL AND
			    NOT event_readable(o.user_id, u.role, e) THEN
				why := 'the recipient may not read it';
			END IF;
		ELSIF why IS NULL THEN
			SELECT * INTO h FROM hooks x WHERE x.id = o.hook_id;
			SELECT us.role, us.enabled INTO u FROM users us
			    WHERE us.id = h.created_by;
			url := h.url;
			format := h.format;
			secret := h.secret::text;
			IF h.disabled_at IS NOT NULL THEN
				why := 'the hook is disabled';
			ELSIF NOT u.enabled THEN
				why := 'the hook''s creator is disabled';
			ELSIF e.id IS NOT NULL AND NOT (e.team_id IN
			    (SELECT s.id FROM team_subtree(h.team_id) s)
			    AND event_readable(h.created_by, u.role, e)) THEN
				why := 'the hook''s creator may not read it';
			END IF;
		END IF;
		IF why IS NULL AND e.id IS NOT NULL THEN
			SELECT * INTO m FROM notify_event_text(e,
			    CASE WHEN o.channel = 'email' THEN o.user_id END);
			subject := m.subject;
			body := m.body;
			payload := m.payload::text;
		ELSIF why IS NULL AND o.kind = 'reminder' THEN
			SELECT * INTO m FROM notify_reminder_text(o.user_id);
			IF m.n = 0 THEN
				why := 'nothing is due any more';
			END IF;
			subject := '[cairn] Check-in reminder: ' || m.n ||
			    ' item' || CASE WHEN m.n = 1 THEN '' ELSE 's' END ||
			    ' due';
			body := m.body;
		ELSIF why IS NULL AND o.kind = 'reminder.escalation' THEN
			-- Items the lead may still read, still due.
			SELECT count(*), string_agg('  ' || (i->>'who') || ': ' ||
			    (i->>'item') || ' ' || (i->>'id') || ' "' ||
			    (i->>'title') || '" (team ' || (i->>'team') ||
			    '), reminded ' || (i->>'count') || ' times',
			    E'\n') INTO d
			FROM jsonb_array_elements(o.data->'items') i
			WHERE (i->>'team_id')::bigint IN
			    (SELECT t.id FROM teams_readable(o.user_id, u.role) t);
			IF d.count = 0 THEN
				why := 'the recipient may not read it';
			END IF;
			subject := '[cairn] Still due after reminders: ' ||
			    d.count || ' item' || CASE WHEN d.count = 1 THEN ''
			    ELSE 's' END || ' in your team';
			body := E'These are still due after reminders:\n\n' ||
			    coalesce(d.string_agg, '') || E'\n';
		ELSIF why IS NULL AND o.kind = 'digest' THEN
			SELECT * INTO m FROM notify_digest_text(o.user_id);
			subject := m.subject;
			body := m.body;
			html := m.html;
		ELSIF why IS NULL AND o.kind = 'hook.test' THEN
			subject := '[cairn] Test of webhook ' || o.hook_id;
			body := 'A test of webhook ' || o.hook_id || ' of team ' ||
			    notify_team_name(h.team_id) || ', sent by ' ||
			    coalesce(o.data->>'by', '?') || '.';
			payload := jsonb_build_object('kind', 'hook.test',
			    'hook', o.hook_id, 'team', (SELECT slug FROM teams
			    WHERE teams.id = h.team_id), 'summary', body)::text;
		END IF;
		IF why IS NOT NULL THEN
			UPDATE outbox x SET dropped_at = now(),
			    last_error = 'dropped: ' || why,
			    lease_by = NULL, lease_until = NULL
			    WHERE x.id = o.id;
			CONTINUE;
		END IF;
		IF o.channel = 'hook' AND payload IS NULL THEN
			payload := jsonb_build_object('kind', o.kind,
			    'summary', body)::text;
		END IF;
		-- Slack and Mattermost show "text"; every other hook payload
		-- says which delivery it is.
		IF o.channel = 'hook' AND format = 'slack' THEN
			payload := jsonb_build_object('text',
			    regexp_replace(subject, '^\[cairn\] ', 'cairn: '))::text;
		ELSIF payload IS NOT NULL THEN
			payload := (payload::jsonb || jsonb_build_object(
			    'delivery', o.delivery::text))::text;
		END IF;
		UPDATE outbox x SET lease_by = me, lease_until = now() +
		    make_interval(secs => lease_s), tries = x.tries + 1
		    WHERE x.id = o.id;
		taken := taken + 1;
		RETURN NEXT;
	END LOOP;
END $$;

-- The outcome of sending message m (leased to me): sent, or failed with
-- err (tried again after outbox_backoff, given up after
-- notify_retry_hours).  A hook's failures in a row count; at
-- hook_disable_after it is disabled, and its creator told (an event
-- hook.disabled, which mails them if they have an address).  A lease that
-- ran out and was taken by another cairnd is theirs: nothing changes.
CREATE OR REPLACE FUNCTION outbox_done(m bigint, me text, err text)
RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	o outbox;
	h hooks;
	gave_up boolean;
BEGIN
	SELECT * INTO o FROM outbox WHERE id = m FOR UPDATE;
	IF NOT FOUND OR o.lease_by IS DISTINCT FROM me OR o.sent_at IS NOT NULL
	    OR o.dropped_at IS NOT NULL THEN
		RETURN 'stale';
	END IF;
	IF err IS NULL THEN
		UPDATE outbox SET sent_at = now(), lease_by = NULL,
		    lease_until = NULL, last_error = NULL WHERE id = m;
		IF o.hook_id IS NOT NULL THEN
			UPDATE hooks SET failures = 0, last_ok = now()
			    WHERE id = o.hook_id;
		END IF;
		RETURN 'sent';
	END IF;
	gave_up := now() + outbox_backoff(o.tries) > o.created +
	    make_interval(hours => cairn_setting('notify_retry_hours'));
	UPDATE outbox SET lease_by = NULL, lease_until = NULL,
	    last_error = left(err, 500),
	    next_try = now() + outbox_backoff(o.tries),
	    dropped_at = CASE WHEN gave_up THEN now() END WHERE id = m;
	IF o.hook_id IS NOT NULL THEN
		UPDATE hooks SET failures = failures + 1,
		    last_error = left(err, 500), last_error_at = now()
		    WHERE id = o.hook_id RETURNING * INTO h;
		-- The hook backs off, not only this message: its failures in
		-- a row space its next tries (2 s, 4 s ... an hour), so that
		-- a burst of messages to a hook that is down for a minute
		-- counts a few failures, not one per message.
		UPDATE outbox SET next_try = greatest(next_try, now() +
		    outbox_backoff(h.failures))
		    WHERE hook_id = h.id AND sent_at IS NULL
		    AND dropped_at IS NULL;
		IF h.disabled_at IS NULL AND
		    h.failures >= cairn_setting('hook_disable_after') THEN
			UPDATE hooks SET disabled_at = now() WHERE id = h.id;
			-- Its messages waiting go with it.
			UPDATE outbox SET dropped_at = now(), last_error =
			    'dropped: the hook is disabled'
			    WHERE hook_id = h.id AND sent_at IS NULL
			    AND dropped_at IS NULL AND id <> m;
			UPDATE outbox SET dropped_at = now() WHERE id = m;
			INSERT INTO events (kind, entity, entity_id, audience,
			    team_id, user_id, owner_id, summary, data)
			VALUES ('hook.disabled', 'hook', h.id, 'user',
			    h.team_id, h.created_by, h.created_by,
			    'webhook ' || h.id || ' of team ' ||
			    coalesce((SELECT slug FROM teams
			    WHERE id = h.team_id), '?') || ' (' ||
			    left(h.url, 200) || ') was disabled after ' ||
			    h.failures || ' failures in a row; the last: ' ||
			    left(err, 300),
			    jsonb_build_object('hook', h.id, 'failures',
			    h.failures));
			RETURN 'disabled';
		END IF;
	END IF;
	RETURN CASE WHEN gave_up THEN 'gave_up' ELSE 'retry' END;
END $$;

-- The schedules --------------------------------------------------------

-- The latest weekly slot at or before now: ISO day d (1 Monday), UTC hour
-- hr (24: midnight, the start of the next day).
CREATE OR REPLACE FUNCTION notify_slot(d integer, hr integer)
RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
	wk timestamptz := date_trunc('week', now() AT TIME ZONE 'UTC')
	    AT TIME ZONE 'UTC';
	s timestamptz;
BEGIN
	s := wk + make_interval(days => d - 1, hours => hr);
	IF s > now() THEN
		s := s - interval '7 days';
	END IF;
	RETURN s;
END $$;

-- Reminders: each user with reminders on, an address and a due list gets
-- one; what stays due escalate_after reminders in a row is reported to the
-- leads of its team (one message per lead).  Returns the messages written.
CREATE OR REPLACE FUNCTION notify_reminders() RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	n integer := 0;
	k integer;
	esc integer := cairn_setting('escalate_after');
BEGIN
	PERFORM 1 FROM notify_runs WHERE what = 'reminders' FOR UPDATE;
	CREATE TEMP TABLE IF NOT EXISTS notify_due_now (user_id bigint,
	    item text, item_id bigint, team text, title text)
	    ON COMMIT DROP;
	DELETE FROM notify_due_now;
	INSERT INTO notify_due_now SELECT us.id, d.kind, d.id, d.team,
	    d.title FROM users us, due_items(us.id) d
	    WHERE us.enabled AND d.kind IN ('checkin', 'reading');
	-- The counts: what is due again counts one more, what is not any
	-- more is forgotten.
	DELETE FROM notify_reminded r WHERE NOT EXISTS (SELECT 1
	    FROM notify_due_now d WHERE d.user_id = r.user_id
	    AND d.item = r.item AND d.item_id = r.item_id);
	INSERT INTO notify_reminded (user_id, item, item_id)
	    SELECT DISTINCT user_id, item, item_id FROM notify_due_now
	    ON CONFLICT (user_id, item, item_id)
	    DO UPDATE SET count = notify_reminded.count + 1;
	INSERT INTO outbox (channel, kind, user_id)
	    SELECT DISTINCT 'email', 'reminder', d.user_id
	    FROM notify_due_now d JOIN notify_prefs p ON p.user_id = d.user_id
	    WHERE p.email IS NOT NULL AND p.reminders;
	GET DIAGNOSTICS k = ROW_COUNT;
	n := n + k;
	INSERT INTO outbox (channel, kind, user_id, data)
	    SELECT 'email', 'reminder.escalation', l.lead,
	    jsonb_build_object('items', jsonb_agg(jsonb_build_object(
		'who', l.login, 'item', l.item, 'id', l.item_id,
		'title', l.title, 'team', l.team, 'team_id', l.team_id,
		'count', l.count) ORDER BY l.team, l.item_id))
	    FROM (SELECT DISTINCT m.user_id AS lead, us.login, d.item,
		d.item_id, d.title, d.team, t.id AS team_id, r.count
		FROM notify_due_now d
		JOIN notify_reminded r USING (user_id, item, item_id)
		JOIN users us ON us.id = d.user_id
		JOIN teams t ON t.slug = d.team
		JOIN team_members m ON m.team_id = t.id AND m.role = 'lead'
		WHERE r.count >= esc AND m.user_id <> d.user_id) l
	    JOIN notify_prefs p ON p.user_id = l.lead
	    JOIN users lu ON lu.id = l.lead
	    WHERE p.email IS NOT NULL AND p.reminders AND lu.enabled
	    GROUP BY l.lead;
	GET DIAGNOSTICS k = ROW_COUNT;
	n := n + k;
	UPDATE notify_runs SET last_run = now() WHERE what = 'reminders';
	RETURN n;
END $$;

-- The digest: to admins, executives and team leads with digest on and an
-- address; the health is remembered for the next one's comparison.
CREATE OR REPLACE FUNCTION notify_digest() RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	n integer;
	p record;
BEGIN
	PERFORM 1 FROM notify_runs WHERE what = 'digest' FOR UPDATE;
	INSERT INTO outbox (channel, kind, user_id)
	    SELECT 'email', 'digest', us.id FROM users us
	    JOIN notify_prefs pr ON pr.user_id = us.id
	    WHERE us.enabled AND pr.email IS NOT NULL AND pr.digest
	    AND (us.role IN ('admin', 'executive') OR EXISTS (SELECT 1
		FROM team_members m WHERE m.user_id = us.id
		AND m.role = 'lead'));
	GET DIAGNOSTICS n = ROW_COUNT;
	-- The messages render when sent, and compare with the health as
	-- it was at the previous digest: prev_score holds it.
	FOR p IN SELECT id FROM periods WHERE state IN ('active', 'review')
	    LOOP
		INSERT INTO notify_health (team_id, period_id, score,
		    prev_score)
		    SELECT th.team_id, p.id, th.score, NULL
		    FROM team_health(p.id) th
		    ON CONFLICT (team_id, period_id) DO UPDATE
		    SET prev_score = notify_health.score,
		    score = excluded.score;
	END LOOP;
	UPDATE notify_runs SET last_run = now() WHERE what = 'digest';
	RETURN n;
END $$;

-- The alert sweep: a KPI's breach forecast appearing, an objective
-- turning off track, each compared with what was last alerted
-- (alert_state), written as events (which route their messages) in this
-- one transaction.  One sweep at a time (notify_runs' row lock); returns
-- the events written.
CREATE OR REPLACE FUNCTION alert_sweep() RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	n integer := 0;
	x record;
BEGIN
	PERFORM 1 FROM notify_runs WHERE what = 'alerts' FOR UPDATE;
	-- KPIs: a forecast breach now, not alerted yet.
	CREATE TEMP TABLE IF NOT EXISTS alert_now (entity text,
	    entity_id bigint, what text, days integer) ON COMMIT DROP;
	DELETE FROM alert_now;
	INSERT INTO alert_now SELECT 'kpi', k.id, 'breach_forecast',
	    (f->>'breach_in_days')::integer
	    FROM kpis k, kpi_forecast_of(k.id, k.direction, k.green, k.amber,
		k.green_high, k.amber_high) f
	    WHERE NOT k.archived AND f->>'breach_in_days' IS NOT NULL;
	INSERT INTO alert_now SELECT 'objective', o.id, 'off_track', NULL
	    FROM objectives o JOIN periods p ON p.id = o.period_id
	    WHERE NOT o.archived AND p.state = 'active'
	    AND objective_status(o.progress, period_expected(p.id, now()),
		objective_min_confidence(o.id)) = 'off_track';
	DELETE FROM alert_state s WHERE NOT EXISTS (SELECT 1 FROM alert_now a
	    WHERE a.entity = s.entity AND a.entity_id = s.entity_id
	    AND a.what = s.what);
	FOR x IN SELECT a.* FROM alert_now a WHERE NOT EXISTS (SELECT 1
	    FROM alert_state s WHERE s.entity = a.entity
	    AND s.entity_id = a.entity_id AND s.what = a.what)
	    ORDER BY a.entity, a.entity_id LOOP
		INSERT INTO alert_state (entity, entity_id, what)
		    VALUES (x.entity, x.entity_id, x.what);
		IF x.entity = 'kpi' THEN
			INSERT INTO events (kind, entity, entity_id, audience,
			    team_id, owner_id, via, summary, data)
			SELECT 'kpi.breach_forecast', 'kpi', k.id, 'team',
			    k.team_id, k.owner_id, 'alert',
			    'KPI ' || k.id || ' ' || event_quote(k.name) ||
			    ' is forecast to turn red in ' || x.days ||
			    ' day' || CASE WHEN x.days = 1 THEN '' ELSE 's'
			    END, jsonb_build_object('breach_in_days', x.days)
			FROM kpis k WHERE k.id = x.entity_id;
		ELSE
			INSERT INTO events (kind, entity, entity_id, audience,
			    team_id, period_id, objective_id, owner_id, via,
			    summary, data)
			SELECT 'objective.off_track', 'objective', o.id,
			    'team', o.team_id, o.period_id, o.id, o.owner_id,
			    'alert', 'objective ' || o.id || ' ' ||
			    event_quote(o.title) || ' is off track: ' ||
			    round(o.progress * 100) || '% done, ' ||
			    round(period_expected(o.period_id, now()) * 100)
			    || '% expected',
			    jsonb_build_object('progress', o.progress)
			FROM objectives o WHERE o.id = x.entity_id;
		END IF;
		n := n + 1;
	END LOOP;
	UPDATE notify_runs SET last_run = now() WHERE what = 'alerts';
	RETURN n;
END $$;

-- What is due of the schedules now (cairnd asks each minute): the
-- reminders and the digest at their weekly slot, the sweep every
-- alert_sweep_minutes.  Each runs once across every cairnd: the first
-- takes the row and moves last_run on; the others then find it run.
-- Returns what ran.
CREATE OR REPLACE FUNCTION notify_tick() RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	ran text := '';
	last timestamptz;
BEGIN
	SELECT last_run INTO last FROM notify_runs WHERE what = 'reminders'
	    FOR UPDATE SKIP LOCKED;
	IF FOUND AND last < notify_slot(cairn_setting('reminder_day'),
	    cairn_setting('reminder_hour')) THEN
		PERFORM notify_reminders();
		ran := ran || ' reminders';
	END IF;
	SELECT last_run INTO last FROM notify_runs WHERE what = 'digest'
	    FOR UPDATE SKIP LOCKED;
	IF FOUND AND last < notify_slot(cairn_setting('digest_day'),
	    cairn_setting('digest_hour')) THEN
		PERFORM notify_digest();
		ran := ran || ' digest';
	END IF;
	SELECT last_run INTO last FROM notify_runs WHERE what = 'alerts'
	    FOR UPDATE SKIP LOCKED;
	IF FOUND AND last < now() - make_interval(mins =>
	    cairn_setting('alert_sweep_minutes')) THEN
		PERFORM alert_sweep();
		ran := ran || ' alerts';
	END IF;
	RETURN ltrim(ran);
END $$;

-- Sent and dropped messages older than events_keep_days go (housekeeping
-- by the sender), at most lim at a time.
CREATE OR REPLACE FUNCTION outbox_prune(lim integer) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	n integer;
BEGIN
	DELETE FROM outbox WHERE id IN (SELECT id FROM outbox
	    WHERE (sent_at IS NOT NULL OR dropped_at IS NOT NULL)
	    AND created < now() - make_interval(days =>
	    cairn_setting('events_keep_days')) LIMIT lim);
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END $$;

-- Describers of the audit entries of hooks and preferences (event.sql's
-- audit_event looks them up by entity type): a hook is its team's leads'
-- and admins' business (the URL may hold a token), so admin-only; a
-- user's preferences are theirs.
CREATE OR REPLACE FUNCTION event_of_notify(a audit_log) RETURNS events
LANGUAGE plpgsql STABLE AS $$
DECLARE
	e events;
BEGIN
	e.entity := 'notify';
	e.entity_id := a.entity_id;
	e.audience := 'user';
	e.user_id := a.entity_id;
	e.summary := 'notification preferences of ' || coalesce((SELECT login
	    FROM users WHERE id = a.entity_id), '?') || ' changed';
	RETURN e;
END $$;

-- May user u (role r) add, list, test or remove the hooks of team t?
-- Admins, and the leads of t or of a team above it.
CREATE OR REPLACE FUNCTION hook_may_manage(u bigint, r text, t bigint)
RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN r = 'admin' OR EXISTS (SELECT 1 FROM team_members m
	    JOIN team_ancestors(t) a ON a.id = m.team_id
	    WHERE m.user_id = u AND m.role = 'lead');
END $$;
