-- 001: users and sessions.
--
-- The server checks every rule first to give a friendly error; the
-- constraints and triggers here make a broken state impossible even if a
-- bug or a race gets past it.

CREATE TABLE users (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	login		text NOT NULL UNIQUE
			CHECK (login ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	role		text NOT NULL CHECK (role IN ('admin', 'member')),
	password_hash	text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
	enabled		boolean NOT NULL DEFAULT true,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);

-- Only the SHA-256 of a token is stored: a stolen table opens no session.
CREATE TABLE sessions (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id		bigint NOT NULL REFERENCES users (id),
	token_hash	bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_seen	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	revoked_at	timestamptz,
	CHECK (expires_at > created_at)
);
CREATE INDEX sessions_live_by_user ON sessions (user_id)
	WHERE revoked_at IS NULL;

-- user.last_admin: once there are users, at least one enabled admin stays.
-- The advisory lock serialises concurrent changes so that two requests
-- demoting the last two admins cannot both pass; each statement in this
-- READ COMMITTED function sees what the other committed before the lock.
CREATE FUNCTION users_keep_an_admin() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(7270002);
	IF EXISTS (SELECT 1 FROM users) AND NOT EXISTS (
	    SELECT 1 FROM users WHERE role = 'admin' AND enabled) THEN
		RAISE EXCEPTION USING ERRCODE = 'CA001',
		    MESSAGE = 'user.last_admin',
		    DETAIL = 'the last enabled admin cannot be disabled or demoted';
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER users_keep_an_admin
	AFTER UPDATE OF role, enabled OR DELETE ON users
	FOR EACH STATEMENT EXECUTE FUNCTION users_keep_an_admin();
