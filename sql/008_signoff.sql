-- 008_signoff.sql: sign-off by the parent lead (issue 16; docs/rules.md
-- "Sign-off", docs/protocol.md team.signoff, objective.approve and
-- objective.send_back).  Schema only; the logic (who may decide, which
-- transitions there are, the inbox's functions) is sql/logic/signoff.sql.

-- A team whose objectives need the parent lead's sign-off.  The root team
-- has nobody above it to sign off: it cannot turn it on.
ALTER TABLE teams ADD COLUMN signoff boolean NOT NULL DEFAULT false;
ALTER TABLE teams ADD CONSTRAINT teams_signoff_parent
	CHECK (NOT signoff OR parent_id IS NOT NULL);

-- An objective's sign-off: NULL when it needs none (its team had sign-off
-- off when it was created), else proposed, approved or sent_back.
-- proposed_at is when it last became proposed (the review's
-- awaiting_signoff counts from it); signoff_by, signoff_at and
-- signoff_note the last decision (the note is required to send back).
ALTER TABLE objectives
	ADD COLUMN signoff text
		CHECK (signoff IN ('proposed', 'approved', 'sent_back')),
	ADD COLUMN proposed_at timestamptz,
	ADD COLUMN signoff_by bigint REFERENCES users (id),
	ADD COLUMN signoff_at timestamptz,
	ADD COLUMN signoff_note text CHECK (length(signoff_note) <= 1000),
	ADD CONSTRAINT objectives_signoff_proposed
		CHECK (signoff IS NULL OR proposed_at IS NOT NULL),
	ADD CONSTRAINT objectives_signoff_decided
		CHECK (signoff NOT IN ('approved', 'sent_back')
		    OR (signoff_by IS NOT NULL AND signoff_at IS NOT NULL)),
	ADD CONSTRAINT objectives_signoff_note
		CHECK (signoff <> 'sent_back' OR length(signoff_note) > 0);

-- What awaits a decision (due, review, signoff_awaiting).
CREATE INDEX objectives_signoff_proposed_idx ON objectives (team_id)
	WHERE signoff = 'proposed';

-- review's awaiting_signoff: proposed for more than this many days.
INSERT INTO setting_names VALUES ('signoff_days');
INSERT INTO settings VALUES ('signoff_days', 7);
