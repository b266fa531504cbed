-- assessment.sql: the assessment (docs/rules.md, "The assessment"):
-- scoring in one place, assessment_score(), which the insert trigger of
-- assessments fills every computed column from; assessments are
-- append-only.  Rules held here: assessment.answers.

-- The first answer that names no question of its kind or holds a value
-- its kind does not take, as the argument's name ('scenarios.KEY' or
-- 'checklist.KEY', keys in text order), or NULL.  sc and ck are JSON
-- objects (NULL: none).
CREATE OR REPLACE FUNCTION assessment_bad_answer(sc jsonb, ck jsonb) RETURNS text
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
CREATE OR REPLACE FUNCTION assessment_score(sc jsonb, ck jsonb)
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

CREATE OR REPLACE FUNCTION assessments_score() RETURNS trigger
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

CREATE OR REPLACE TRIGGER assessments_score BEFORE INSERT ON assessments
	FOR EACH ROW EXECUTE FUNCTION assessments_score();

-- Earlier assessments stay as history: nothing is changed or removed.
CREATE OR REPLACE TRIGGER assessments_append_only BEFORE UPDATE OR DELETE
	ON assessments FOR EACH ROW EXECUTE FUNCTION cairn_append_only();

CREATE OR REPLACE TRIGGER assessments_no_truncate BEFORE TRUNCATE ON assessments
	FOR EACH STATEMENT EXECUTE FUNCTION cairn_append_only();
