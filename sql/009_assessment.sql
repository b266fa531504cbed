-- 009: the assessment (issue 7): the guide's decision matrix (twelve OKR
-- scenarios, each weighted, answered 0 to 5) and its KPI checklist (six
-- yes/no questions), scored into an OKR index, a KPI index and a
-- recommendation, kept per team with its history.
--
-- The scoring lives in one place, assessment_score() below: the insert
-- trigger of assessments fills every computed column from it, so a stored
-- result always agrees with its answers and the weights of its time, and
-- cairnd never computes a score itself.  docs/rules.md ("The assessment")
-- states the formulas and the drivers rule in words.

CREATE TABLE assessment_questions (
	key		text PRIMARY KEY CHECK (key ~ '^[a-z_]{1,40}$'),
	kind		text NOT NULL CHECK (kind IN ('scenario', 'checklist')),
	wording		text NOT NULL CHECK (length(wording) BETWEEN 1 AND 200),
	weight		integer NOT NULL CHECK (weight BETWEEN 1 AND 10),
	-- The order the questions are asked in; also the entity id of a
	-- weight change in the audit log.
	position	integer NOT NULL UNIQUE CHECK (position > 0)
);

-- The guide's decision matrix, with its scores as the weights.
INSERT INTO assessment_questions (key, kind, wording, weight, position) VALUES
	('rapid_growth', 'scenario', 'Rapid Growth', 5, 1),
	('cross_functional', 'scenario', 'Cross-Functional Coordination', 4, 2),
	('innovation', 'scenario', 'Innovation-Driven Improvements', 5, 3),
	('alignment_challenges', 'scenario', 'Team Alignment Challenges', 3, 4),
	('flexibility', 'scenario', 'Need for Flexibility', 4, 5),
	('strategic_alignment', 'scenario', 'Strategic Alignment', 5, 6),
	('focus_on_change', 'scenario', 'Focus on Change', 5, 7),
	('engagement', 'scenario', 'High Team Engagement', 4, 8),
	('short_term', 'scenario', 'Short Term Goals', 5, 9),
	('cross_departmental', 'scenario', 'Cross-Departmental Initiatives',
	    4, 10),
	('aspiration', 'scenario', 'Aspiration Over Tradition', 5, 11),
	('innovation_culture', 'scenario', 'Innovation Culture', 5, 12),
	-- The guide's KPI checklist; each yes counts the same (weight 1).
	('stable', 'checklist', 'Are operations stable?', 1, 13),
	('compliance', 'checklist', 'Is compliance a major concern?', 1, 14),
	-- The guide prints "resource improve": its meaning, as the issue
	-- words it.
	('resource_focus', 'checklist',
	    'Is the focus on improving resource use?', 1, 15),
	('maintenance', 'checklist',
	    'Are performance maintenance goals a priority?', 1, 16),
	('monitoring', 'checklist', 'Do you require ongoing monitoring?', 1, 17),
	('incremental', 'checklist', 'Are improvements incremental?', 1, 18);

-- The first answer that names no question of its kind or holds a value
-- its kind does not take, as the argument's name ('scenarios.KEY' or
-- 'checklist.KEY', keys in text order), or NULL.  sc and ck are JSON
-- objects (NULL: none).
CREATE FUNCTION assessment_bad_answer(sc jsonb, ck jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT f FROM (
		SELECT 1 AS o, e.key AS k, 'scenarios.' || e.key AS f
		FROM jsonb_each(coalesce(sc, '{}')) e
		WHERE NOT EXISTS (SELECT 1 FROM assessment_questions q
		    WHERE q.key = e.key AND q.kind = 'scenario')
		    OR jsonb_typeof(e.value) <> 'number'
		    OR e.value::text !~ '^[0-5]$'
		UNION ALL
		SELECT 2, e.key, 'checklist.' || e.key
		FROM jsonb_each(coalesce(ck, '{}')) e
		WHERE NOT EXISTS (SELECT 1 FROM assessment_questions q
		    WHERE q.key = e.key AND q.kind = 'checklist')
		    OR jsonb_typeof(e.value) <> 'boolean') x
	ORDER BY o, k LIMIT 1
$$;

-- The score of a set of answers under the weights in force.
--
--   okr_index = sum(weight x answer) / (5 x sum of weights), scenarios;
--   kpi_index = sum(weight x yes) / sum of weights, checklist (with the
--               seeded weights of 1: yes answers / 6);
--   okr    when okr_index >= 0.6 and kpi_index < 0.5,
--   kpi    when kpi_index >= 2/3 and okr_index < 0.4,
--   hybrid otherwise;
--
-- compared in integers (5 x sum >= 3 x max ...), so that 4/6 is exactly
-- 2/3.  An unanswered question counts as 0 or no and is listed, in the
-- order the questions are asked.
--
-- Drivers: an answer's share is what it adds to its own index (weight x
-- answer / (5 x sum of weights) for a scenario, weight / sum of weights
-- for a yes).  The drivers are the (up to) three answers with the largest
-- share, ties in question order: among the scenarios for okr; among the
-- yes answers for kpi; for hybrid, which rests on both tiers, the
-- scenario with the largest share and the yes with the largest share,
-- then the largest share of the rest, either kind (a yes always weighs
-- more than any one scenario, so ranking both together would hide the OKR
-- side).  Drivers are listed by share, largest first.  An answer that adds
-- nothing (0, no) never drives, so there may be fewer than three.
CREATE FUNCTION assessment_score(sc jsonb, ck jsonb)
RETURNS TABLE (okr_index double precision, kpi_index double precision,
    recommendation text, drivers jsonb, unanswered jsonb, weights jsonb)
LANGUAGE sql STABLE AS $$
	WITH q AS (
		SELECT key, kind, weight, position,
		    CASE WHEN kind = 'scenario' THEN (sc ->> key)::integer
		    WHEN ck -> key IS NULL THEN NULL
		    WHEN (ck ->> key)::boolean THEN 1 ELSE 0 END AS answer
		FROM assessment_questions),
	t AS (
		SELECT
		    coalesce(sum(weight * answer) FILTER (WHERE kind =
			'scenario'), 0) AS os,
		    5 * sum(weight) FILTER (WHERE kind = 'scenario') AS omax,
		    coalesce(sum(weight * answer) FILTER (WHERE kind =
			'checklist'), 0) AS ks,
		    sum(weight) FILTER (WHERE kind = 'checklist') AS kmax
		FROM q),
	r AS (
		SELECT t.*, CASE
		    WHEN 5 * os >= 3 * omax AND 2 * ks < kmax THEN 'okr'
		    WHEN 3 * ks >= 2 * kmax AND 5 * os < 2 * omax THEN 'kpi'
		    ELSE 'hybrid' END AS rec
		FROM t),
	s AS (
		SELECT q.*, r.rec, q.weight * q.answer::numeric /
		    CASE WHEN q.kind = 'scenario' THEN r.omax ELSE r.kmax END
		    AS share
		FROM q, r
		WHERE q.answer > 0 AND (r.rec = 'hybrid' OR
		    (r.rec = 'okr' AND q.kind = 'scenario') OR
		    (r.rec = 'kpi' AND q.kind = 'checklist'))),
	d AS (
		SELECT s.* FROM (SELECT s.*, row_number() OVER (PARTITION BY
		    s.kind ORDER BY s.share DESC, s.position) AS rn FROM s) s
		ORDER BY (s.rec = 'hybrid' AND s.rn = 1) DESC, s.share DESC,
		    s.position LIMIT 3)
	SELECT (r.os::numeric / r.omax)::double precision,
	    (r.ks::numeric / r.kmax)::double precision, r.rec,
	    (SELECT coalesce(jsonb_agg(jsonb_build_object('key', d.key,
		'kind', d.kind, 'answer', CASE WHEN d.kind = 'scenario'
		THEN to_jsonb(d.answer) ELSE to_jsonb(true) END,
		'weight', d.weight, 'share', round(d.share, 6))
		ORDER BY d.share DESC, d.position), '[]') FROM d),
	    (SELECT coalesce(jsonb_agg(q.key ORDER BY q.position), '[]')
		FROM q WHERE q.answer IS NULL),
	    (SELECT jsonb_object_agg(q.key, q.weight) FROM q)
	FROM r
$$;

CREATE TABLE assessments (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	team_id		bigint NOT NULL REFERENCES teams (id),
	author_id	bigint NOT NULL REFERENCES users (id),
	at		timestamptz NOT NULL DEFAULT clock_timestamp(),
	-- {"scenarios": {KEY: 0..5}, "checklist": {KEY: bool}}, as given.
	answers		jsonb NOT NULL,
	-- The rest is filled by the insert trigger from assessment_score().
	okr_index	double precision NOT NULL DEFAULT 0,
	kpi_index	double precision NOT NULL DEFAULT 0,
	recommendation	text NOT NULL DEFAULT 'hybrid'
			CHECK (recommendation IN ('okr', 'kpi', 'hybrid')),
	drivers		jsonb NOT NULL DEFAULT '[]',
	unanswered	jsonb NOT NULL DEFAULT '[]',
	weights		jsonb NOT NULL DEFAULT '{}',	-- those in force
	applied		boolean NOT NULL DEFAULT false
);
CREATE INDEX assessments_team ON assessments (team_id, id);

-- Earlier assessments stay as history: nothing is changed or removed.
CREATE TRIGGER assessments_append_only BEFORE UPDATE OR DELETE
	ON assessments FOR EACH ROW EXECUTE FUNCTION cairn_append_only();
CREATE TRIGGER assessments_no_truncate BEFORE TRUNCATE ON assessments
	FOR EACH STATEMENT EXECUTE FUNCTION cairn_append_only();

CREATE FUNCTION assessments_score() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	bad text;
	s record;
BEGIN
	IF jsonb_typeof(NEW.answers) IS DISTINCT FROM 'object' OR
	    jsonb_typeof(coalesce(NEW.answers -> 'scenarios', '{}'))
		<> 'object' OR
	    jsonb_typeof(coalesce(NEW.answers -> 'checklist', '{}'))
		<> 'object' OR
	    EXISTS (SELECT 1 FROM jsonb_object_keys(NEW.answers) k
		WHERE k NOT IN ('scenarios', 'checklist')) THEN
		PERFORM cairn_refuse('assessment.answers',
		    'answers are {"scenarios": {...}, "checklist": {...}}');
	END IF;
	bad := assessment_bad_answer(NEW.answers -> 'scenarios',
	    NEW.answers -> 'checklist');
	IF bad IS NOT NULL THEN
		PERFORM cairn_refuse('assessment.answers',
		    'no such question, or a value out of range: ' || bad);
	END IF;
	-- The weights read are those committed when this statement began:
	-- a weight changed meanwhile counts from the next assessment.
	SELECT * INTO s FROM assessment_score(NEW.answers -> 'scenarios',
	    NEW.answers -> 'checklist');
	NEW.okr_index := s.okr_index;
	NEW.kpi_index := s.kpi_index;
	NEW.recommendation := s.recommendation;
	NEW.drivers := s.drivers;
	NEW.unanswered := s.unanswered;
	NEW.weights := s.weights;
	RETURN NEW;
END $$;
CREATE TRIGGER assessments_score BEFORE INSERT ON assessments
	FOR EACH ROW EXECUTE FUNCTION assessments_score();

-- team.not_empty: a team with KPIs (sql/007) or assessments is not empty
-- either (until now their foreign keys refused the delete with a bare
-- constraint error).  ROI inputs go with the team (ON DELETE CASCADE).
CREATE OR REPLACE FUNCTION teams_check_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM team_members WHERE team_id = OLD.id)
	    OR EXISTS (SELECT 1 FROM teams WHERE parent_id = OLD.id)
	    OR EXISTS (SELECT 1 FROM objectives WHERE team_id = OLD.id)
	    OR EXISTS (SELECT 1 FROM kpis WHERE team_id = OLD.id)
	    OR EXISTS (SELECT 1 FROM assessments WHERE team_id = OLD.id) THEN
		PERFORM cairn_refuse('team.not_empty', 'team ' || OLD.slug ||
		    ' still has members, sub-teams, objectives, KPIs or '
		    'assessments');
	END IF;
	RETURN OLD;
END $$;
