-- signoff.sql: sign-off by the parent lead (sql/008_signoff.sql;
-- docs/rules.md "Sign-off").  Who may decide (signoff_approver), the
-- state every objective of a sign-off team starts in (signoff_init), the
-- transitions there are (signoff_check: the database's half of the rules
-- signoff.state, signoff.approver, signoff.self and signoff.note, whose
-- friendly half is cairnd's), and what the review, due and the inbox
-- read.
--
-- The states: NULL (no sign-off: the team had it off when the objective
-- was created), proposed, approved, sent_back.
--   proposed -> approved | sent_back   by an approver (objective.approve,
--                                      objective.send_back)
--   approved -> proposed               an edit of its title or key results
--   sent_back -> proposed              any edit by the owner's side
-- Nothing else: an objective never gains or loses the need for sign-off
-- after its creation, and a decision is never changed but by an edit.

-- May user u decide on objective o's sign-off?  A lead of the parent team
-- of o's team, or the owner of o's parent objective (when aligned).  The
-- owner of o may not decide on their own (signoff.self, apart).
CREATE OR REPLACE FUNCTION signoff_approver(u bigint, o bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM objectives x
		JOIN teams t ON t.id = x.team_id
		JOIN team_members m ON m.team_id = t.parent_id
		WHERE x.id = o AND m.user_id = u AND m.role = 'lead')
	    OR EXISTS (SELECT 1 FROM objectives x
		JOIN objectives p ON p.id = x.parent_id
		WHERE x.id = o AND p.owner_id = u)
$$;

-- Whether this transaction is an import writing the sign-off its
-- document records (import_apply sets cairn.signoff_as_recorded for the
-- statements that do, and unsets it after): then the triggers below take
-- the states as written.  Nothing else sets it, and no client runs SQL.
CREATE OR REPLACE FUNCTION signoff_as_recorded() RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT coalesce(current_setting('cairn.signoff_as_recorded', true),
	    '') = 'on'
$$;

-- A new objective's sign-off is its team's setting at creation, whatever
-- the insert says (a carry included; an import as its document records
-- it, when it records it: import_apply).  FOR SHARE: turning
-- the setting on or off waits for the creations under way, and the other
-- way round, so that none is created under a setting that was already
-- changed.
CREATE OR REPLACE FUNCTION signoff_init() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	needed boolean;
BEGIN
	-- An import keeps the sign-off its document records
	-- (signoff_as_recorded: import.sql alone sets it, for its own
	-- statements); the table's constraints still hold.
	IF signoff_as_recorded() THEN
		RETURN NEW;
	END IF;
	SELECT signoff INTO needed FROM teams WHERE id = NEW.team_id
	    FOR SHARE;
	IF coalesce(needed, false) THEN
		NEW.signoff := 'proposed';
		NEW.proposed_at := now();
	ELSE
		NEW.signoff := NULL;
		NEW.proposed_at := NULL;
	END IF;
	NEW.signoff_by := NULL;
	NEW.signoff_at := NULL;
	NEW.signoff_note := NULL;
	RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER objectives_signoff_init BEFORE INSERT ON objectives
	FOR EACH ROW EXECUTE FUNCTION signoff_init();

-- The audit entries objective.propose (so the events signoff.requested,
-- and the approvers' mail, notify.sql) of the objectives ids that a write
-- other than objective.create's statement left proposed: a carry, an
-- import.  objective.create writes its own (SIGNOFF_PROPOSE_AUDIT in
-- cairnd's statement); every objective that starts proposed is requested
-- once, in the transaction that made it (an archived one awaits nobody:
-- signoff_awaiting).  v: the audit's via.
CREATE OR REPLACE FUNCTION signoff_propose_audit(u bigint, ids bigint[],
    v text) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO audit_log (user_id, op, entity_type, entity_id, before,
	    after, via)
	SELECT u, 'objective.propose', 'objective', o.id, NULL,
	    jsonb_build_object('signoff', o.signoff), v
	FROM objectives o WHERE o.id = ANY (ids) AND o.signoff = 'proposed'
	AND NOT o.archived ORDER BY o.id
$$;

-- Only the transitions above.  A decision's approver is checked here
-- under a share lock on their lead membership, so that a lead removed
-- meanwhile cannot decide; the time of a decision and of a return to
-- proposed are set here, not by the statements.
CREATE OR REPLACE FUNCTION signoff_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	ok boolean;
BEGIN
	IF signoff_as_recorded() THEN
		RETURN NEW;
	END IF;
	IF NEW.signoff IS NOT DISTINCT FROM OLD.signoff THEN
		IF NEW.signoff_by IS DISTINCT FROM OLD.signoff_by
		    OR NEW.signoff_at IS DISTINCT FROM OLD.signoff_at
		    OR NEW.signoff_note IS DISTINCT FROM OLD.signoff_note
		    OR NEW.proposed_at IS DISTINCT FROM OLD.proposed_at THEN
			PERFORM cairn_refuse('signoff.state', 'objective '
			    || OLD.id || ' is ' || coalesce(OLD.signoff,
			    'without sign-off') || ': nothing to decide');
		END IF;
		IF OLD.signoff = 'approved' AND NEW.title <> OLD.title THEN
			PERFORM cairn_refuse('signoff.state', 'an approved '
			    'objective whose title changes is proposed again');
		END IF;
		RETURN NEW;
	END IF;
	IF OLD.signoff IS NULL OR NEW.signoff IS NULL THEN
		PERFORM cairn_refuse('signoff.state', 'whether an objective '
		    'needs sign-off is set when it is created');
	END IF;
	IF OLD.signoff = 'proposed' AND NEW.signoff IN ('approved',
	    'sent_back') THEN
		PERFORM 1 FROM team_members m JOIN teams t
		    ON t.parent_id = m.team_id WHERE t.id = NEW.team_id
		    AND m.user_id = NEW.signoff_by AND m.role = 'lead'
		    FOR SHARE OF m;
		ok := FOUND OR EXISTS (SELECT 1 FROM objectives p
		    WHERE p.id = NEW.parent_id AND p.owner_id = NEW.signoff_by);
		IF NOT ok THEN
			PERFORM cairn_refuse('signoff.approver', 'only a lead '
			    'of the parent team or the owner of the parent '
			    'objective signs off');
		END IF;
		IF NEW.signoff_by = NEW.owner_id THEN
			PERFORM cairn_refuse('signoff.self', 'nobody signs '
			    'off their own objective');
		END IF;
		IF NEW.signoff = 'sent_back' AND
		    coalesce(length(NEW.signoff_note), 0) = 0 THEN
			PERFORM cairn_refuse('signoff.note', 'sending back '
			    'says why (a note)');
		END IF;
		NEW.signoff_at := now();
		RETURN NEW;
	END IF;
	IF OLD.signoff IN ('approved', 'sent_back') AND
	    NEW.signoff = 'proposed' THEN
		NEW.proposed_at := now();
		RETURN NEW;
	END IF;
	PERFORM cairn_refuse('signoff.state', 'objective ' || OLD.id
	    || ' is ' || OLD.signoff || ', it cannot become ' || NEW.signoff);
	RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER objectives_signoff_check BEFORE UPDATE OF signoff,
	title, proposed_at, signoff_by, signoff_at, signoff_note ON objectives
	FOR EACH ROW EXECUTE FUNCTION signoff_check();

-- The key results' half of "an edit returns it to proposed": a key result
-- added, removed, or with a new title, type, start or target, of an
-- approved objective refuses, unless the same transaction returned the
-- objective to proposed first (SIGNOFF_REPROPOSE in cairnd's statements
-- does, under the objective's row lock; AFTER, so it runs once the whole
-- statement has).  What was approved is what stays approved.
CREATE OR REPLACE FUNCTION signoff_kr_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND NEW.title = OLD.title AND NEW.type = OLD.type
	    AND NEW.start_value = OLD.start_value AND NEW.target = OLD.target
	    AND NEW.removed = OLD.removed THEN
		RETURN NULL;
	END IF;
	IF (SELECT signoff FROM objectives WHERE id = NEW.objective_id)
	    = 'approved' THEN
		PERFORM cairn_refuse('signoff.state', 'a key result of an '
		    'approved objective changes only as the objective is '
		    'proposed again');
	END IF;
	RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER key_results_signoff_check AFTER INSERT OR UPDATE OF
	title, type, start_value, target, removed ON key_results
	FOR EACH ROW EXECUTE FUNCTION signoff_kr_check();

-- For the coordinator's `cairn inbox` (and `due`): the objectives awaiting
-- u's sign-off -- proposed, not archived, in a period not closed, that u
-- may read and decide on and does not own.
CREATE OR REPLACE FUNCTION signoff_awaiting(u bigint)
RETURNS TABLE (id bigint, title text, team text, owner text,
    proposed_at timestamptz)
LANGUAGE sql STABLE AS $$
	SELECT o.id, o.title, t.slug, ow.login, o.proposed_at
	FROM objectives o JOIN teams t ON t.id = o.team_id
	JOIN users ow ON ow.id = o.owner_id
	JOIN periods p ON p.id = o.period_id
	WHERE o.signoff = 'proposed' AND NOT o.archived
	AND p.state <> 'closed' AND o.owner_id <> u
	AND signoff_approver(u, o.id)
	AND can_read_objective(u, (SELECT role FROM users WHERE users.id = u),
	    o.id)
	ORDER BY o.proposed_at, o.id
$$;

-- For the inbox: the objectives u owns that were sent back (not archived,
-- period not closed), with the note and who sent them back, and when.
CREATE OR REPLACE FUNCTION signoff_sent_back(u bigint)
RETURNS TABLE (id bigint, title text, team text, note text, sent_by text,
    sent_at timestamptz)
LANGUAGE sql STABLE AS $$
	SELECT o.id, o.title, t.slug, o.signoff_note, b.login, o.signoff_at
	FROM objectives o JOIN teams t ON t.id = o.team_id
	JOIN users b ON b.id = o.signoff_by
	JOIN periods p ON p.id = o.period_id
	WHERE o.owner_id = u AND o.signoff = 'sent_back' AND NOT o.archived
	AND p.state <> 'closed'
	ORDER BY o.signoff_at, o.id
$$;

-- due's sign-off items for u (the columns of due_items): what awaits
-- their sign-off, oldest first.
CREATE OR REPLACE FUNCTION signoff_due_items(u bigint)
RETURNS TABLE (kind text, id bigint, team text, period text, title text,
    last text, message text)
LANGUAGE sql STABLE AS $$
	SELECT 'signoff', a.id, a.team, p.name, a.title,
	    cairn_time(a.proposed_at),
	    'awaits your sign-off (proposed by ' || a.owner || ')'
	FROM signoff_awaiting(u) a JOIN objectives o ON o.id = a.id
	JOIN periods p ON p.id = o.period_id
$$;

-- review's awaiting_signoff items (the columns of review_items): the
-- objectives of period p (in root's subtree, NULL: all) that reader u
-- (role r) may read and that have been proposed for more than
-- signoff_days; the owner named is who is to decide (the parent team's
-- first lead, else the parent objective's owner).
CREATE OR REPLACE FUNCTION signoff_review_items(u bigint, r text, p bigint,
    root bigint)
RETURNS TABLE (kind text, team text, owner text, id bigint, message text)
LANGUAGE sql STABLE AS $$
	SELECT 'awaiting_signoff', t.slug,
	    coalesce((SELECT lu.login FROM team_members m JOIN users lu
		ON lu.id = m.user_id WHERE m.team_id = t.parent_id
		AND m.role = 'lead' ORDER BY lu.login LIMIT 1),
		(SELECT pu.login FROM objectives q JOIN users pu
		ON pu.id = q.owner_id WHERE q.id = o.parent_id)),
	    o.id, '''' || o.title || ''' has awaited sign-off since '
	    || to_char(o.proposed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')
	    || ' (poor decision-makers buy-in)'
	FROM objectives o JOIN teams t ON t.id = o.team_id
	JOIN team_tree(root) s ON s.id = o.team_id
	WHERE o.period_id = p AND NOT o.archived AND o.signoff = 'proposed'
	AND o.proposed_at < now() - make_interval(days =>
	    cairn_setting('signoff_days'))
	AND can_read_objective(u, r, o.id)
	ORDER BY s.path, o.id
$$;

-- An import's sign-off (import_apply, after its rows are in; docs/rules.md
-- "Sign-off", "Import").  A document whose teams carry `signoff` (an
-- export since sign-off) is taken as recorded, since an export and import
-- move an organisation's state: each team's setting (audited
-- team.signoff, via import, when it changes), and each objective's state,
-- when it was proposed, and the decision (who, when, the note), whoever
-- decides in this database now.  An older document records none: its
-- objectives start as new ones do, by their team's setting.  Either way
-- each objective the import leaves proposed is requested
-- (signoff_propose_audit), in the import's transaction.  Rule
-- import.signoff: a decision names who and when, a sent-back one its note.
CREATE OR REPLACE FUNCTION signoff_import(imp bigint, u bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	bad text;
BEGIN
	IF EXISTS (SELECT 1 FROM import_rows WHERE import_id = imp
	    AND kind = 'teams' AND doc ? 'signoff') THEN
		SELECT string_agg(t.slug, ', ' ORDER BY t.slug) INTO bad
		    FROM import_rows r JOIN teams t ON t.slug = r.doc->>'slug'
		    WHERE r.import_id = imp AND r.kind = 'teams'
		    AND (r.doc->>'signoff')::boolean AND t.parent_id IS NULL;
		IF bad IS NOT NULL THEN
			PERFORM cairn_refuse('signoff.root', 'team ' || bad ||
			    ' is the root here: it cannot need sign-off');
		END IF;
		WITH ch AS (SELECT t.id, to_jsonb(t) AS before,
			(r.doc->>'signoff')::boolean AS want
		    FROM import_rows r JOIN teams t ON t.slug = r.doc->>'slug'
		    WHERE r.import_id = imp AND r.kind = 'teams'
		    AND r.doc ? 'signoff'
		    AND t.signoff <> (r.doc->>'signoff')::boolean),
		up AS (UPDATE teams t SET signoff = ch.want FROM ch
		    WHERE t.id = ch.id RETURNING t.id, ch.before, to_jsonb(t) AS after)
		INSERT INTO audit_log (user_id, op, entity_type, entity_id,
		    before, after, via)
		SELECT u, 'team.signoff', 'team', up.id, up.before, up.after,
		    'import' FROM up ORDER BY up.id;

		SELECT string_agg(x.old::text, ', ' ORDER BY x.old) INTO bad
		    FROM imp_obj x WHERE (x.doc->>'signoff' IN ('approved',
		    'sent_back') AND (x.doc->>'signoff_by' IS NULL OR
		    x.doc->>'signoff_at' IS NULL)) OR (x.doc->>'signoff' =
		    'sent_back' AND coalesce(x.doc->>'signoff_note', '') = '');
		IF bad IS NOT NULL THEN
			PERFORM cairn_refuse('import.signoff', 'objectives ' ||
			    left(bad, 300) || ': a decision names who and when '
			    '(signoff_by, signoff_at), sending back a note');
		END IF;
		PERFORM set_config('cairn.signoff_as_recorded', 'on', true);
		UPDATE objectives o SET signoff = x.doc->>'signoff',
		    proposed_at = CASE WHEN x.doc->>'signoff' IS NOT NULL THEN
			coalesce((x.doc->>'proposed_at')::timestamptz,
			o.proposed_at, now()) END,
		    signoff_by = CASE WHEN x.doc->>'signoff' IS NOT NULL THEN
			sb.id END,
		    signoff_at = CASE WHEN x.doc->>'signoff' IS NOT NULL THEN
			(x.doc->>'signoff_at')::timestamptz END,
		    signoff_note = CASE WHEN x.doc->>'signoff' IS NOT NULL THEN
			x.doc->>'signoff_note' END
		    FROM imp_obj x LEFT JOIN users sb
			ON sb.login = x.doc->>'signoff_by'
		    WHERE o.id = x.new;
		PERFORM set_config('cairn.signoff_as_recorded', 'off', true);
	END IF;
	PERFORM signoff_propose_audit(u, array(SELECT new FROM imp_obj),
	    'import');
END $$;
