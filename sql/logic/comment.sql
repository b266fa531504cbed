-- comment.sql: comments and their @login mentions (sql/009_comments.sql;
-- docs/rules.md "Comments", docs/protocol.md "comment.*"): what a comment
-- is on and who may read it, the mentions a written comment records, the
-- events it writes, what objective.get shows of a thread, the export's
-- and the import's rows, and the mentions the inbox lists.
--
-- A thing is named by its kind, one of 'objective', 'kr', 'checkin',
-- 'kpi', and its id.  Its comments are read and written by whoever may
-- read it, by the thing's own rule: an objective's (can_read_team of its
-- team, or a contributor), a key result's and a check-in's that of their
-- objective, a KPI's can_read_team of its team.  A removed key result and
-- its check-ins are no thing (kr.get answers them as missing).

-- What comments of kind/tid are on: no row for a missing thing.  name is
-- the thing's own title or name (a check-in's: its key result's), never
-- that of what it links to.
CREATE OR REPLACE FUNCTION comment_thing(kind text, tid bigint)
RETURNS TABLE (team_id bigint, objective_id bigint, period_id bigint,
    owner_id bigint, kr_id bigint, name text)
LANGUAGE sql STABLE AS $$
	SELECT o.team_id, o.id, o.period_id, o.owner_id, NULL::bigint,
	    o.title
	    FROM objectives o WHERE kind = 'objective' AND o.id = tid
	UNION ALL
	SELECT o.team_id, o.id, o.period_id, k.owner_id, k.id, k.title
	    FROM key_results k JOIN objectives o ON o.id = k.objective_id
	    WHERE kind = 'kr' AND k.id = tid AND NOT k.removed
	UNION ALL
	SELECT o.team_id, o.id, o.period_id, c.author_id, k.id, k.title
	    FROM checkins c JOIN key_results k ON k.id = c.kr_id
	    JOIN objectives o ON o.id = k.objective_id
	    WHERE kind = 'checkin' AND c.id = tid AND NOT k.removed
	UNION ALL
	SELECT x.team_id, NULL, NULL, x.owner_id, NULL, x.name
	    FROM kpis x WHERE kind = 'kpi' AND x.id = tid
$$;

-- May user u (role r) read a thing of team t and objective o (NULL for a
-- KPI)?  The rule of event_readable() for audience 'team'.
CREATE OR REPLACE FUNCTION comment_readable(u bigint, r text, t bigint,
    o bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT coalesce(can_read_team(u, r, t), false) OR (o IS NOT NULL
	    AND EXISTS (SELECT 1 FROM objective_contributors c
		WHERE c.objective_id = o AND c.user_id = u))
$$;

-- May user u (role r) read thing kind/tid (and so its comments)?  False
-- for a missing one: both are answered alike.
CREATE OR REPLACE FUNCTION comment_may_read(u bigint, r text, kind text,
    tid bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT coalesce((SELECT comment_readable(u, r, t.team_id,
	    t.objective_id) FROM comment_thing(kind, tid) t), false)
$$;

-- The kind and the id of what comment c is on.
CREATE OR REPLACE FUNCTION comment_on(c comments) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN c.objective_id IS NOT NULL THEN 'objective'
	    WHEN c.kr_id IS NOT NULL THEN 'kr'
	    WHEN c.checkin_id IS NOT NULL THEN 'checkin' ELSE 'kpi' END
$$;

CREATE OR REPLACE FUNCTION comment_on_id(c comments) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(c.objective_id, c.kr_id, c.checkin_id, c.kpi_id)
$$;

-- A thing as a summary names it: its kind, id and quoted name.
CREATE OR REPLACE FUNCTION comment_label(kind text, tid bigint, kr bigint,
    name text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE kind
	    WHEN 'objective' THEN 'objective ' || tid
	    WHEN 'kr' THEN 'key result ' || tid
	    WHEN 'checkin' THEN 'check-in ' || tid || ' of key result ' || kr
	    ELSE 'KPI ' || tid END || ' ' || event_quote(name)
$$;

-- What the audit log keeps of comment c (before an edit or a removal,
-- after an add or an edit): the text, so that edits and removals are
-- kept.
CREATE OR REPLACE FUNCTION comment_json(c comments) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('id', c.id, 'on', comment_on(c),
	    'thing', comment_on_id(c), 'author_id', c.author_id,
	    'text', c.body, 'at', c.created_at, 'edited_at', c.edited_at)
$$;

-- Mentions: each distinct @login in the text (the first 20, in order;
-- trailing . _ - are tried off too, so "@bob." names bob) of an enabled
-- user other than the author who may read the thing is recorded once per
-- comment, with an event for that user alone (audience 'user', kind
-- comment.mention) in the comment's transaction.  A login that is
-- unknown, disabled or may not read the thing records nothing and writes
-- nothing: the author learns nothing either way (the reply is the same).
-- An edit records the mentions it adds; one it drops stays recorded.
-- Imported comments record none (their mentions were made elsewhere).
CREATE OR REPLACE FUNCTION comment_mentions_record() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	kind text := comment_on(NEW);
	tid bigint := comment_on_id(NEW);
	t record;
	m record;
	who text;
BEGIN
	IF NEW.via = 'import' OR position('@' IN NEW.body) = 0 THEN
		RETURN NULL;
	END IF;
	SELECT * INTO t FROM comment_thing(kind, tid);
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	who := (SELECT login FROM users WHERE id = NEW.author_id);
	FOR m IN
		WITH cand AS (SELECT x.m[1] AS login, min(x.n) AS n
		    FROM regexp_matches(NEW.body,
			'(?:^|[^A-Za-z0-9._@-])@([a-z0-9][a-z0-9._-]{0,62})', 'g')
			WITH ORDINALITY AS x(m, n)
		    GROUP BY x.m[1] ORDER BY min(x.n) LIMIT 20)
		SELECT DISTINCT u.id, u.login FROM cand c JOIN users u
		    ON u.login IN (c.login, rtrim(c.login, '._-'))
		WHERE u.enabled AND u.id <> NEW.author_id
		AND comment_readable(u.id, u.role, t.team_id, t.objective_id)
		ORDER BY u.id
	LOOP
		INSERT INTO comment_mentions (comment_id, user_id)
		    VALUES (NEW.id, m.id) ON CONFLICT DO NOTHING;
		IF FOUND THEN
			INSERT INTO events (kind, entity, entity_id, audience,
			    team_id, period_id, objective_id, user_id,
			    owner_id, actor_id, via, summary, data)
			VALUES ('comment.mention', 'comment', NEW.id, 'user',
			    t.team_id, t.period_id, t.objective_id, m.id,
			    t.owner_id, NEW.author_id, NEW.via,
			    left(coalesce(who, '?') || ' mentioned you on ' ||
			    comment_label(kind, tid, t.kr_id, t.name), 1000),
			    jsonb_build_object('comment', NEW.id, 'on', kind,
			    'thing', tid, 'text', left(NEW.body, 200)));
		END IF;
	END LOOP;
	RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER comment_mentions_record
	AFTER INSERT OR UPDATE OF body ON comments
	FOR EACH ROW EXECUTE FUNCTION comment_mentions_record();

-- The event of an audit entry of a comment (comment.add -> comment.added,
-- comment.edit, comment.remove): the read rule of its thing (audience
-- 'team', the thing's team and objective), a summary that names the thing
-- and the author, the text's first 200 characters in data (but for a
-- removal).  No event when the thing is gone.
CREATE OR REPLACE FUNCTION event_of_comment(a audit_log) RETURNS events
LANGUAGE plpgsql STABLE AS $$
DECLARE
	e events;
	j jsonb := coalesce(a.after, a.before);
	t record;
	who text;
BEGIN
	SELECT * INTO t FROM comment_thing(j->>'on', (j->>'thing')::bigint);
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	who := coalesce((SELECT login FROM users
	    WHERE id = (j->>'author_id')::bigint), '?');
	e.entity := 'comment';
	e.entity_id := a.entity_id;
	e.audience := 'team';
	e.team_id := t.team_id;
	e.period_id := t.period_id;
	e.objective_id := t.objective_id;
	e.owner_id := t.owner_id;
	e.summary := who || CASE a.op WHEN 'comment.add' THEN ' commented on '
	    WHEN 'comment.edit' THEN ' edited a comment on '
	    ELSE ' removed a comment on ' END ||
	    comment_label(j->>'on', (j->>'thing')::bigint, t.kr_id, t.name);
	e.data := jsonb_build_object('comment', a.entity_id, 'on', j->>'on',
	    'thing', (j->>'thing')::bigint);
	IF a.after IS NOT NULL THEN
		e.data := e.data || jsonb_build_object('text',
		    left(a.after->>'text', 200));
	END IF;
	RETURN e;
END $$;

-- What objective.get shows of objective o's thread: how many comments,
-- and the last one.
CREATE OR REPLACE FUNCTION comment_digest(o bigint) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('count', (SELECT count(*) FROM comments c
	    WHERE c.objective_id = o), 'last', (SELECT json_build_object(
	    'id', c.id, 'author', u.login, 'text', c.body,
	    'at', cairn_time(c.created_at), 'edited', c.edited_at IS NOT NULL)
	    FROM comments c JOIN users u ON u.id = c.author_id
	    WHERE c.objective_id = o ORDER BY c.id DESC LIMIT 1))
$$;

-- The inbox (built by the coordinator): user u's mentions not yet seen,
-- oldest first, at most 1000, each only while u may still read the
-- thing (checked now, not when the mention was made).
CREATE OR REPLACE FUNCTION comment_mentions_unseen(u bigint)
RETURNS TABLE (id bigint, comment_id bigint, thing_kind text,
    thing_id bigint, author text, at text, excerpt text)
LANGUAGE sql STABLE AS $$
	SELECT m.id, c.id, comment_on(c), comment_on_id(c), au.login,
	    cairn_time(m.created_at), left(c.body, 200)
	FROM comment_mentions m
	JOIN comments c ON c.id = m.comment_id
	JOIN users au ON au.id = c.author_id
	JOIN users me ON me.id = m.user_id
	WHERE m.user_id = u AND m.seen_at IS NULL
	AND comment_may_read(u, me.role, comment_on(c), comment_on_id(c))
	ORDER BY m.id LIMIT 1000
$$;

-- Mark user u's mentions ids (NULL: all of them) seen; how many were.
CREATE OR REPLACE FUNCTION comment_mentions_seen(u bigint, ids bigint[])
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	n integer;
BEGIN
	UPDATE comment_mentions SET seen_at = now()
	    WHERE user_id = u AND seen_at IS NULL
	    AND (ids IS NULL OR id = ANY (ids));
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END $$;

-- Export (server/export.c, set "comments"): the comments of period p that
-- user u (role r) may read, on what the export holds (the rule of its
-- objectives, key results and KPIs, as export.c inlines it); a KPI's only
-- those written within the period's days, as its readings.  A check-in is
-- named by its key result and its time (the export gives check-ins no
-- id).
CREATE OR REPLACE FUNCTION comment_export(p bigint, u bigint, r text)
RETURNS TABLE (id bigint, thing text, objective bigint, kr bigint,
    kpi bigint, checkin_at text, author_id bigint, body text, at text,
    edited_at text)
LANGUAGE sql STABLE AS $$
	WITH o AS MATERIALIZED (SELECT o.id FROM objectives o
	    WHERE o.period_id = p AND (o.team_id IN
	    (SELECT id FROM export_teams(u, r)) OR EXISTS (SELECT 1
	    FROM objective_contributors xc WHERE xc.objective_id = o.id
	    AND xc.user_id = u))),
	k AS MATERIALIZED (SELECT k.id FROM key_results k
	    WHERE NOT k.removed AND k.objective_id IN (SELECT id FROM o)
	    AND kpi_readable(u, r, k.kpi_id)),
	x AS MATERIALIZED (SELECT id FROM export_kpi_ids(p, u, r))
	SELECT c.id, 'objective', c.objective_id, NULL::bigint, NULL::bigint,
	    NULL::text, c.author_id, c.body, export_time(c.created_at),
	    export_time(c.edited_at)
	    FROM comments c WHERE c.objective_id IN (SELECT id FROM o)
	UNION ALL
	SELECT c.id, 'kr', NULL, c.kr_id, NULL, NULL, c.author_id, c.body,
	    export_time(c.created_at), export_time(c.edited_at)
	    FROM comments c WHERE c.kr_id IN (SELECT id FROM k)
	UNION ALL
	SELECT c.id, 'checkin', NULL, ci.kr_id, NULL, export_time(ci.at),
	    c.author_id, c.body, export_time(c.created_at),
	    export_time(c.edited_at)
	    FROM comments c JOIN checkins ci ON ci.id = c.checkin_id
	    WHERE ci.kr_id IN (SELECT id FROM k)
	UNION ALL
	SELECT c.id, 'kpi', NULL, NULL, c.kpi_id, NULL, c.author_id, c.body,
	    export_time(c.created_at), export_time(c.edited_at)
	    FROM comments c, periods pp WHERE pp.id = p
	    AND c.kpi_id IN (SELECT id FROM x)
	    AND c.created_at >= pp.start_date::timestamptz
	    AND c.created_at < (pp.end_date + 1)::timestamptz
$$;

-- Import (import_apply_more): the staged comments (set comments: thing,
-- objective, kr, kpi, checkin_at, author, text, at, edited_at) onto the
-- new ids of import_apply's maps (imp_obj, imp_kr, imp_kpi), with their
-- times, as via 'import' (no mention is recorded again).  A comment on
-- what the document does not hold is import.reference; one on a KPI that
-- existed already and holds it (same author and time) is not added twice.
CREATE OR REPLACE FUNCTION comment_import(imp bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	bad text;
BEGIN
	CREATE TEMP TABLE imp_comment ON COMMIT DROP AS
	    SELECT r.n, r.doc, CASE r.doc->>'thing'
		WHEN 'objective' THEN (SELECT x.new FROM imp_obj x
		    WHERE x.old = (r.doc->>'objective')::bigint) END AS obj,
		CASE r.doc->>'thing' WHEN 'kr' THEN (SELECT x.new FROM imp_kr x
		    WHERE x.old = (r.doc->>'kr')::bigint) END AS kr,
		CASE r.doc->>'thing' WHEN 'checkin' THEN (SELECT min(c.id)
		    FROM imp_kr x JOIN checkins c ON c.kr_id = x.new
		    WHERE x.old = (r.doc->>'kr')::bigint
		    AND c.at = (r.doc->>'checkin_at')::timestamptz) END AS ci,
		CASE r.doc->>'thing' WHEN 'kpi' THEN (SELECT x.new FROM imp_kpi x
		    WHERE x.old = (r.doc->>'kpi')::bigint) END AS kpi
	    FROM import_rows r WHERE r.import_id = imp AND r.kind = 'comments';
	SELECT string_agg(DISTINCT (doc->>'thing') || ' ' ||
	    coalesce(doc->>'objective', doc->>'kr', doc->>'kpi', '?') ||
	    coalesce(' at ' || (doc->>'checkin_at'), ''), ', ') INTO bad
	    FROM imp_comment WHERE num_nonnulls(obj, kr, ci, kpi) <> 1;
	IF bad IS NOT NULL THEN
		PERFORM cairn_refuse('import.reference', 'comments on what '
		    'the document does not hold: ' || left(bad, 400));
	END IF;
	INSERT INTO comments (objective_id, kr_id, checkin_id, kpi_id,
	    author_id, body, via, created_at, edited_at)
	    SELECT i.obj, i.kr, i.ci, i.kpi, au.id, i.doc->>'text', 'import',
		(i.doc->>'at')::timestamptz,
		(i.doc->>'edited_at')::timestamptz
	    FROM imp_comment i JOIN users au ON au.login = i.doc->>'author'
	    WHERE i.kpi IS NULL OR NOT EXISTS (SELECT 1 FROM comments e
		WHERE e.kpi_id = i.kpi AND e.author_id = au.id
		AND e.created_at = (i.doc->>'at')::timestamptz)
	    ORDER BY (i.doc->>'at')::timestamptz, i.n;
END $$;
