-- 004_tokens.sql: API tokens for scripts (issue 15), and the source of
-- every reading, check-in and audit entry.
--
-- A token is "cairn_" and 64 hex digits (32 random bytes); only the
-- SHA-256 of its bytes is stored, as for sessions.  It acts as its owner
-- within its scopes (server/scope.c); kpis, when not NULL, are the only
-- KPIs its kpi.record scope may record.  Deleting the row revokes it: a
-- connection using it checks it again before every op.
CREATE TABLE api_tokens (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id		bigint NOT NULL REFERENCES users (id),
	name		text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,39}$'),
	token_hash	bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	scopes		text[] NOT NULL CHECK (cardinality(scopes) > 0
			    AND scopes <@ ARRAY['read', 'kpi.record',
			    'kr.checkin']::text[]),
	kpis		bigint[] CHECK (kpis IS NULL OR
			    cardinality(kpis) BETWEEN 1 AND 64),
	expires_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_used	timestamptz,
	UNIQUE (user_id, name),
	CHECK (expires_at IS NULL OR expires_at > created_at)
);

-- Where a reading, a check-in or an audit entry came from: 'user' (a
-- session), 'token:NAME', 'import', 'feed:NAME'.
ALTER TABLE kpi_readings ADD COLUMN via text NOT NULL DEFAULT 'user'
	CHECK (via ~ '^(user|import|(token|feed):[!-~]{1,100})$');
ALTER TABLE checkins ADD COLUMN via text NOT NULL DEFAULT 'user'
	CHECK (via ~ '^(user|import|(token|feed):[!-~]{1,100})$');
ALTER TABLE audit_log ADD COLUMN via text NOT NULL DEFAULT 'user'
	CHECK (via ~ '^(user|import|(token|feed):[!-~]{1,100})$');
