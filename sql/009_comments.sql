-- 009_comments.sql: comments on objectives, key results, check-ins and
-- KPIs, and the @login mentions in them (issue 16; docs/rules.md
-- "Comments", docs/protocol.md "comment.*").  Schema only; the logic is
-- sql/logic/comment.sql.
--
-- A comment is on exactly one thing, by a foreign key of its own (no
-- polymorphic id a missing thing could hide behind).  Whoever may read
-- the thing may read and write its comments: the rule is the thing's,
-- applied by comment_may_read() in every statement.  Edits and removals
-- are the author's and are kept in the audit log (comment.edit,
-- comment.remove with the text before); a removed comment's row goes.
CREATE TABLE comments (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	objective_id	bigint REFERENCES objectives (id),
	kr_id		bigint REFERENCES key_results (id),
	checkin_id	bigint REFERENCES checkins (id),
	kpi_id		bigint REFERENCES kpis (id),
	author_id	bigint NOT NULL REFERENCES users (id),
	-- comment.text: 1 to 4000 characters, not only blanks.
	body		text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000
			AND body ~ '[^[:space:]]'),
	via		text NOT NULL DEFAULT 'user'
			CHECK (via ~ '^(user|import|token:[!-~]{1,100})$'),
	created_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	edited_at	timestamptz,
	CHECK (num_nonnulls(objective_id, kr_id, checkin_id, kpi_id) = 1)
);

-- A thread is read newest first by id, a page at a time.
CREATE INDEX comments_objective ON comments (objective_id, id)
	WHERE objective_id IS NOT NULL;
CREATE INDEX comments_kr ON comments (kr_id, id) WHERE kr_id IS NOT NULL;
CREATE INDEX comments_checkin ON comments (checkin_id, id)
	WHERE checkin_id IS NOT NULL;
CREATE INDEX comments_kpi ON comments (kpi_id, id) WHERE kpi_id IS NOT NULL;

-- A mention of a user who may read the comment's thing, recorded when
-- the comment is written (or an edit adds it); seen_at is set by the
-- inbox (comment_mentions_seen).  Gone with its comment.
CREATE TABLE comment_mentions (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	comment_id	bigint NOT NULL REFERENCES comments (id)
			ON DELETE CASCADE,
	user_id		bigint NOT NULL REFERENCES users (id),
	created_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	seen_at		timestamptz,
	UNIQUE (comment_id, user_id)
);

CREATE INDEX comment_mentions_unseen ON comment_mentions (user_id, id)
	WHERE seen_at IS NULL;
