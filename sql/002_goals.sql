-- 002: the goal hierarchy: teams, periods, objectives, key results,
-- check-ins, settings and the audit log.
--
-- cairnd checks every rule first for a friendly error; the constraints and
-- triggers here are the second line, which no bug and no race between two
-- requests can pass.  A rule refusal raises SQLSTATE CA001 with the rule's
-- name as the message (cairnd maps it to E_RULE).  Triggers that must see
-- what concurrent transactions committed take an advisory lock first: in
-- READ COMMITTED each statement of a VOLATILE function then sees the other
-- transaction's committed change.

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
	CHECK (role IN ('admin', 'executive', 'member'));

CREATE FUNCTION cairn_refuse(rule text, detail text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = 'CA001', MESSAGE = rule,
	    DETAIL = detail;
END $$;

-- Settings ---------------------------------------------------------------

CREATE TABLE settings (
	name	text PRIMARY KEY
		CHECK (name IN ('max_objectives', 'max_key_results', 'max_depth')),
	value	integer NOT NULL CHECK (value BETWEEN 1 AND 1000)
);
INSERT INTO settings VALUES ('max_objectives', 5), ('max_key_results', 5),
	('max_depth', 8);

CREATE FUNCTION cairn_setting(n text) RETURNS integer
LANGUAGE sql STABLE AS $$ SELECT value FROM settings WHERE name = n $$;

-- Audit log: append-only -------------------------------------------------

CREATE TABLE audit_log (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT clock_timestamp(),
	user_id		bigint REFERENCES users (id),
	op		text NOT NULL,
	entity_type	text NOT NULL,
	entity_id	bigint NOT NULL,
	before		jsonb,
	after		jsonb
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE FUNCTION cairn_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM cairn_refuse(TG_TABLE_NAME || '.append_only',
	    TG_TABLE_NAME || ' is append-only: rows are never changed or removed');
	RETURN NULL;
END $$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION cairn_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION cairn_append_only();

-- Teams ------------------------------------------------------------------

CREATE TABLE teams (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	slug		text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{2,40}$'),
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	parent_id	bigint REFERENCES teams (id),
	private		boolean NOT NULL DEFAULT false,
	created_at	timestamptz NOT NULL DEFAULT now(),
	CHECK (parent_id <> id)
);
-- team.root: exactly one team has no parent.
CREATE UNIQUE INDEX teams_one_root ON teams ((true)) WHERE parent_id IS NULL;
CREATE INDEX teams_parent ON teams (parent_id);

CREATE TABLE team_members (
	team_id		bigint NOT NULL REFERENCES teams (id),
	user_id		bigint NOT NULL REFERENCES users (id),
	role		text NOT NULL CHECK (role IN ('lead', 'member')),
	PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

-- The team and all its ancestors, with their distance (0 = the team).
CREATE FUNCTION team_ancestors(t bigint) RETURNS TABLE (id bigint, dist int)
LANGUAGE sql STABLE AS $$
	WITH RECURSIVE up (id, parent_id, dist) AS (
		SELECT id, parent_id, 0 FROM teams WHERE id = t
		UNION ALL
		SELECT p.id, p.parent_id, up.dist + 1 FROM teams p
		JOIN up ON p.id = up.parent_id WHERE up.dist < 1000)
	SELECT id, dist FROM up
$$;

CREATE FUNCTION teams_check_tree() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(7270003);	-- one tree change at a time
	IF TG_OP = 'UPDATE' AND OLD.parent_id IS NULL
	    AND NEW.parent_id IS NOT NULL THEN
		PERFORM cairn_refuse('team.root',
		    'the root team cannot be moved under another team');
	END IF;
	IF NEW.parent_id IS NULL AND EXISTS (SELECT 1 FROM teams
	    WHERE parent_id IS NULL AND id <> NEW.id) THEN
		PERFORM cairn_refuse('team.root',
		    'there is already a root team: give a parent');
	END IF;
	IF NEW.parent_id IS NOT NULL AND EXISTS (SELECT 1
	    FROM team_ancestors(NEW.parent_id) a WHERE a.id = NEW.id) THEN
		PERFORM cairn_refuse('team.cycle',
		    'a team cannot move under itself or its own sub-team');
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER teams_check_tree BEFORE INSERT OR UPDATE OF parent_id ON teams
	FOR EACH ROW EXECUTE FUNCTION teams_check_tree();

-- team.not_empty: a team with members, sub-teams or objectives stays.
CREATE FUNCTION teams_check_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM team_members WHERE team_id = OLD.id)
	    OR EXISTS (SELECT 1 FROM teams WHERE parent_id = OLD.id)
	    OR EXISTS (SELECT 1 FROM objectives WHERE team_id = OLD.id) THEN
		PERFORM cairn_refuse('team.not_empty', 'team ' || OLD.slug ||
		    ' still has members, sub-teams or objectives');
	END IF;
	RETURN OLD;
END $$;

-- Periods ----------------------------------------------------------------

CREATE TABLE periods (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name		text NOT NULL UNIQUE
			CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
	start_date	date NOT NULL,
	end_date	date NOT NULL,
	state		text NOT NULL DEFAULT 'draft'
			CHECK (state IN ('draft', 'active', 'review', 'closed')),
	created_at	timestamptz NOT NULL DEFAULT now(),
	CHECK (end_date >= start_date)
);

CREATE FUNCTION periods_check_state() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.state = 'closed' THEN
		PERFORM cairn_refuse('period.closed',
		    'period ' || OLD.name || ' is closed');
	END IF;
	IF NEW.state <> OLD.state AND NOT (
	    (OLD.state = 'draft' AND NEW.state = 'active') OR
	    (OLD.state = 'active' AND NEW.state = 'review') OR
	    (OLD.state = 'review' AND NEW.state IN ('closed', 'active'))) THEN
		PERFORM cairn_refuse('period.transition',
		    'a period moves draft, active, review, closed (or review '
		    'back to active), not ' || OLD.state || ' to ' || NEW.state);
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER periods_check_state BEFORE UPDATE ON periods
	FOR EACH ROW EXECUTE FUNCTION periods_check_state();

-- p contains c: a year contains its quarters, a period contains itself.
CREATE FUNCTION period_contains(p bigint, c bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT pp.start_date <= cc.start_date AND pp.end_date >= cc.end_date
	FROM periods pp, periods cc WHERE pp.id = p AND cc.id = c
$$;

-- Objectives -------------------------------------------------------------

CREATE TABLE objectives (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	team_id		bigint NOT NULL REFERENCES teams (id),
	period_id	bigint NOT NULL REFERENCES periods (id),
	title		text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
	description	text NOT NULL DEFAULT ''
			CHECK (length(description) <= 4000),
	owner_id	bigint NOT NULL REFERENCES users (id),
	type		text NOT NULL DEFAULT 'committed'
			CHECK (type IN ('committed', 'aspirational')),
	parent_id	bigint REFERENCES objectives (id),
	weight		double precision NOT NULL DEFAULT 1
			CHECK (weight > 0 AND weight <= 1000),
	rollup		text NOT NULL DEFAULT 'auto'
			CHECK (rollup IN ('auto', 'krs', 'children', 'both')),
	archived	boolean NOT NULL DEFAULT false,
	version		integer NOT NULL DEFAULT 1,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	CHECK (parent_id <> id)
);
CREATE INDEX objectives_team_period ON objectives (team_id, period_id);
CREATE INDEX objectives_parent ON objectives (parent_id);

CREATE TABLE objective_contributors (
	objective_id	bigint NOT NULL REFERENCES objectives (id),
	user_id		bigint NOT NULL REFERENCES users (id),
	PRIMARY KEY (objective_id, user_id)
);

-- The objective and its ancestors along the alignment chain.
CREATE FUNCTION objective_ancestors(o bigint) RETURNS TABLE (id bigint,
    dist int)
LANGUAGE sql STABLE AS $$
	WITH RECURSIVE up (id, parent_id, dist) AS (
		SELECT id, parent_id, 0 FROM objectives WHERE id = o
		UNION ALL
		SELECT p.id, p.parent_id, up.dist + 1 FROM objectives p
		JOIN up ON p.id = up.parent_id WHERE up.dist < 1000)
	SELECT id, dist FROM up
$$;

-- Levels below o, counting o as 1.
CREATE FUNCTION objective_height(o bigint) RETURNS integer
LANGUAGE sql STABLE AS $$
	WITH RECURSIVE down (id, lvl) AS (
		SELECT id, 1 FROM objectives WHERE id = o
		UNION ALL
		SELECT c.id, down.lvl + 1 FROM objectives c
		JOIN down ON c.parent_id = down.id WHERE down.lvl < 1000)
	SELECT coalesce(max(lvl), 1) FROM down
$$;

-- Why aligning child (in team t, period p) under parent would break a
-- rule, or NULL.  cairnd calls it for its own check; the trigger below
-- calls it again under the lock.
CREATE FUNCTION alignment_refusal(child bigint, t bigint, p bigint,
    parent bigint) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
	par objectives;
BEGIN
	SELECT * INTO par FROM objectives WHERE id = parent;
	IF NOT FOUND THEN
		RETURN NULL;	-- the foreign key answers
	END IF;
	IF NOT EXISTS (SELECT 1 FROM team_ancestors(t) a
	    WHERE a.id = par.team_id) THEN
		RETURN 'alignment.team';
	END IF;
	IF NOT period_contains(par.period_id, p) THEN
		RETURN 'alignment.period';
	END IF;
	IF child IS NOT NULL AND EXISTS (SELECT 1
	    FROM objective_ancestors(parent) a WHERE a.id = child) THEN
		RETURN 'alignment.cycle';
	END IF;
	IF ((SELECT count(*) FROM objective_ancestors(parent)) +
	    (CASE WHEN child IS NULL THEN 1 ELSE objective_height(child) END)
	    > cairn_setting('max_depth')) THEN
		RETURN 'alignment.depth';
	END IF;
	RETURN NULL;
END $$;

CREATE FUNCTION period_state(p bigint) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT state FROM periods WHERE id = p $$;

CREATE FUNCTION objectives_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	why text;
BEGIN
	IF period_state(NEW.period_id) = 'closed' OR (TG_OP = 'UPDATE' AND
	    period_state(OLD.period_id) = 'closed') THEN
		PERFORM cairn_refuse('period.closed',
		    'nothing in a closed period changes');
	END IF;
	IF TG_OP = 'INSERT' AND period_state(NEW.period_id) = 'review' THEN
		PERFORM cairn_refuse('period.not_active',
		    'no new objectives while the period is in review');
	END IF;
	-- FOR SHARE: a concurrent removal of this membership waits for us,
	-- then sees the objective (team_members_check refuses it).
	PERFORM 1 FROM team_members WHERE team_id = NEW.team_id
	    AND user_id = NEW.owner_id FOR SHARE;
	-- (A NULL owner is left to the NOT NULL constraint.)
	IF NOT FOUND AND NEW.owner_id IS NOT NULL THEN
		PERFORM cairn_refuse('owner.member',
		    'an objective''s owner belongs to its team');
	END IF;
	IF NOT NEW.archived AND (TG_OP = 'INSERT' OR OLD.archived OR
	    OLD.team_id <> NEW.team_id OR OLD.period_id <> NEW.period_id) THEN
		-- Serialise creations per team and period, then count.
		PERFORM pg_advisory_xact_lock(7270004,
		    hashtext(NEW.team_id || ':' || NEW.period_id));
		IF (SELECT count(*) FROM objectives WHERE team_id = NEW.team_id
		    AND period_id = NEW.period_id AND NOT archived
		    AND id <> NEW.id) >= cairn_setting('max_objectives') THEN
			PERFORM cairn_refuse('limit.objectives',
			    'this team already has the most objectives this '
			    'period allows (max_objectives)');
		END IF;
	END IF;
	IF NEW.parent_id IS NOT NULL AND (TG_OP = 'INSERT' OR
	    NEW.parent_id IS DISTINCT FROM OLD.parent_id OR
	    OLD.team_id <> NEW.team_id OR OLD.period_id <> NEW.period_id) THEN
		-- One alignment change at a time: two that would close a
		-- cycle together cannot both pass.
		PERFORM pg_advisory_xact_lock(7270005);
		why := alignment_refusal(CASE WHEN TG_OP = 'UPDATE'
		    THEN NEW.id END, NEW.team_id, NEW.period_id, NEW.parent_id);
		IF why IS NOT NULL THEN
			PERFORM cairn_refuse(why, 'refused by ' || why);
		END IF;
	END IF;
	IF TG_OP = 'UPDATE' THEN
		NEW.updated_at := now();
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER objectives_check BEFORE INSERT OR UPDATE ON objectives
	FOR EACH ROW EXECUTE FUNCTION objectives_check();

CREATE FUNCTION contributors_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	o bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.objective_id
	    ELSE NEW.objective_id END;
BEGIN
	IF period_state((SELECT period_id FROM objectives WHERE id = o))
	    = 'closed' THEN
		PERFORM cairn_refuse('period.closed',
		    'nothing in a closed period changes');
	END IF;
	IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM key_results k
	    WHERE k.objective_id = o AND k.owner_id = OLD.user_id
	    AND NOT k.removed)
	    AND NOT EXISTS (SELECT 1 FROM team_members m JOIN objectives x
		ON x.team_id = m.team_id WHERE x.id = o
		AND m.user_id = OLD.user_id) THEN
		PERFORM cairn_refuse('owner.member', 'this contributor owns key '
		    'results of the objective: hand them over first');
	END IF;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER contributors_check BEFORE INSERT OR DELETE
	ON objective_contributors
	FOR EACH ROW EXECUTE FUNCTION contributors_check();

CREATE TRIGGER teams_check_delete BEFORE DELETE ON teams
	FOR EACH ROW EXECUTE FUNCTION teams_check_delete();

-- owner.member, the other way round: a member who owns objectives (or key
-- results, unless a contributor) in a team does not leave it.
CREATE FUNCTION team_members_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND OLD.team_id = NEW.team_id
	    AND OLD.user_id = NEW.user_id THEN
		RETURN NEW;	/* a role change keeps the membership */
	END IF;
	IF EXISTS (SELECT 1 FROM objectives o WHERE o.team_id = OLD.team_id
	    AND o.owner_id = OLD.user_id AND NOT o.archived
	    AND period_state(o.period_id) <> 'closed')
	    OR EXISTS (SELECT 1 FROM key_results k
		JOIN objectives o ON o.id = k.objective_id
		WHERE o.team_id = OLD.team_id AND k.owner_id = OLD.user_id
		AND NOT k.removed AND NOT o.archived AND period_state(o.period_id) <> 'closed'
		AND NOT EXISTS (SELECT 1 FROM objective_contributors c
		    WHERE c.objective_id = o.id AND c.user_id = OLD.user_id))
	THEN
		PERFORM cairn_refuse('owner.member', 'this member still owns '
		    'objectives or key results of the team: hand them over '
		    'first');
	END IF;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER team_members_check BEFORE UPDATE OR DELETE ON team_members
	FOR EACH ROW EXECUTE FUNCTION team_members_check();

-- Key results and check-ins ------------------------------------------------

CREATE TABLE key_results (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	objective_id	bigint NOT NULL REFERENCES objectives (id),
	title		text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
	type		text NOT NULL CHECK (type IN ('increase', 'decrease',
			'above', 'below', 'boolean')),
	start_value	double precision NOT NULL DEFAULT 0,
	target		double precision NOT NULL,
	current		double precision NOT NULL,
	unit		text NOT NULL DEFAULT '' CHECK (length(unit) <= 20),
	weight		double precision NOT NULL DEFAULT 1
			CHECK (weight > 0 AND weight <= 1000),
	owner_id	bigint NOT NULL REFERENCES users (id),
	confidence	smallint CHECK (confidence BETWEEN 1 AND 10),
	removed		boolean NOT NULL DEFAULT false,	-- history stays
	version		integer NOT NULL DEFAULT 1,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	CHECK (type <> 'increase' OR target > start_value),
	CHECK (type <> 'decrease' OR target < start_value),
	CHECK (type <> 'boolean' OR (start_value = 0 AND target = 1
	    AND current IN (0, 1)))
);
CREATE INDEX key_results_objective ON key_results (objective_id);

CREATE FUNCTION key_results_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	obj objectives;
BEGIN
	SELECT * INTO obj FROM objectives WHERE id = CASE WHEN TG_OP = 'DELETE'
	    THEN OLD.objective_id ELSE NEW.objective_id END FOR UPDATE;
	IF period_state(obj.period_id) = 'closed' THEN
		PERFORM cairn_refuse('period.closed',
		    'nothing in a closed period changes');
	END IF;
	IF TG_OP = 'DELETE' THEN
		RETURN OLD;
	END IF;
	IF TG_OP = 'INSERT' AND period_state(obj.period_id) = 'review' THEN
		PERFORM cairn_refuse('period.not_active',
		    'no new key results while the period is in review');
	END IF;
	IF TG_OP = 'INSERT' AND (SELECT count(*) FROM key_results
	    WHERE objective_id = obj.id AND NOT removed)
	    >= cairn_setting('max_key_results') THEN
		PERFORM cairn_refuse('limit.key_results',
		    'this objective already has the most key results allowed '
		    '(max_key_results)');
	END IF;
	-- Locked as for objectives, so that the membership (or the
	-- contribution) cannot be removed under a new key result.
	PERFORM 1 FROM team_members WHERE team_id = obj.team_id
	    AND user_id = NEW.owner_id FOR SHARE;
	IF NOT FOUND AND NEW.owner_id IS NOT NULL THEN
		PERFORM 1 FROM objective_contributors WHERE objective_id = obj.id
		    AND user_id = NEW.owner_id FOR SHARE;
		IF NOT FOUND THEN
			PERFORM cairn_refuse('owner.member', 'a key result''s '
			    'owner belongs to the team or contributes to the '
			    'objective');
		END IF;
	END IF;
	IF TG_OP = 'UPDATE' THEN
		NEW.updated_at := now();
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER key_results_check BEFORE INSERT OR UPDATE OR DELETE
	ON key_results FOR EACH ROW EXECUTE FUNCTION key_results_check();

CREATE TABLE checkins (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kr_id		bigint NOT NULL REFERENCES key_results (id),
	value		double precision NOT NULL,
	confidence	smallint CHECK (confidence BETWEEN 1 AND 10),
	note		text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
	author_id	bigint NOT NULL REFERENCES users (id),
	at		timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX checkins_kr ON checkins (kr_id, id);

CREATE TRIGGER checkins_append_only BEFORE UPDATE OR DELETE ON checkins
	FOR EACH ROW EXECUTE FUNCTION cairn_append_only();

-- A check-in needs an active (or review) period, and it is what sets the
-- key result's current value and confidence.
CREATE FUNCTION checkins_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	st text;
BEGIN
	SELECT period_state(o.period_id) INTO st FROM key_results k
	    JOIN objectives o ON o.id = k.objective_id WHERE k.id = NEW.kr_id;
	IF st = 'closed' THEN
		PERFORM cairn_refuse('period.closed',
		    'nothing in a closed period changes');
	END IF;
	IF st = 'draft' THEN
		PERFORM cairn_refuse('period.not_active',
		    'no check-ins while the period is a draft');
	END IF;
	UPDATE key_results SET current = NEW.value,
	    confidence = coalesce(NEW.confidence, confidence),
	    version = version + 1
	    WHERE id = NEW.kr_id;
	RETURN NEW;
END $$;
CREATE TRIGGER checkins_apply AFTER INSERT ON checkins
	FOR EACH ROW EXECUTE FUNCTION checkins_apply();

-- Progress ---------------------------------------------------------------

-- Unclamped attainment of a key result.
CREATE FUNCTION kr_attainment(type text, s double precision,
    t double precision, c double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE type
	    WHEN 'increase' THEN (c - s) / (t - s)
	    WHEN 'decrease' THEN (c - s) / (t - s)
	    WHEN 'above' THEN CASE WHEN c >= t THEN 1.0 ELSE 0.0 END
	    WHEN 'below' THEN CASE WHEN c <= t THEN 1.0 ELSE 0.0 END
	    ELSE CASE WHEN c >= 1 THEN 1.0 ELSE 0.0 END END
$$;

CREATE FUNCTION kr_progress(type text, s double precision,
    t double precision, c double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
	SELECT greatest(0.0, least(1.0, kr_attainment(type, s, t, c)))
$$;

-- krs: weighted mean of the key results; children: mean of the aligned,
-- non-archived children weighted by their alignment weight; both: the
-- mean over the union; auto: krs if it has key results, else children.
CREATE FUNCTION objective_progress(o bigint, lvl integer DEFAULT 0)
RETURNS double precision
LANGUAGE plpgsql STABLE AS $$
DECLARE
	mode text;
	nk bigint; ks double precision; kw double precision;
	nc bigint; cs double precision; cw double precision;
BEGIN
	IF lvl > 1000 THEN
		RETURN 0;
	END IF;
	SELECT rollup INTO mode FROM objectives WHERE id = o;
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

-- Reading ----------------------------------------------------------------

-- May user u (with global role r) read the objectives of team t?
CREATE FUNCTION can_read_team(u bigint, r text, t bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT NOT tm.private OR r IN ('admin', 'executive')
	    OR EXISTS (SELECT 1 FROM team_members m
		WHERE m.team_id = t AND m.user_id = u)
	    OR EXISTS (SELECT 1 FROM team_members m
		JOIN team_ancestors(t) a ON a.id = m.team_id
		WHERE a.dist > 0 AND m.user_id = u AND m.role = 'lead')
	FROM teams tm WHERE tm.id = t
$$;

-- May user u (with global role r) read objective o?  Its contributors
-- may, even in a private team.
CREATE FUNCTION can_read_objective(u bigint, r text, o bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT can_read_team(u, r, x.team_id) OR EXISTS (SELECT 1
	    FROM objective_contributors c WHERE c.objective_id = o
	    AND c.user_id = u)
	FROM objectives x WHERE x.id = o
$$;

-- The caller's relation to team t, for the permission checks.
CREATE FUNCTION team_relation(u bigint, t bigint) RETURNS TABLE (
    lead_here boolean, lead_above boolean, member_here boolean)
LANGUAGE sql STABLE AS $$
	SELECT
	    EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = t
		AND m.user_id = u AND m.role = 'lead'),
	    EXISTS (SELECT 1 FROM team_members m
		JOIN team_ancestors(t) a ON a.id = m.team_id
		WHERE a.dist > 0 AND m.user_id = u AND m.role = 'lead'),
	    EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = t
		AND m.user_id = u)
$$;
