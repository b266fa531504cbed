-- user.sql: users: at least one enabled admin stays (user.last_admin).

-- user.last_admin: once there are users, at least one enabled admin stays.
-- The advisory lock serialises concurrent changes so that two requests
-- demoting the last two admins cannot both pass; each statement in this
-- READ COMMITTED function sees what the other committed before the lock.
CREATE OR REPLACE FUNCTION users_keep_an_admin() RETURNS trigger
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

CREATE OR REPLACE TRIGGER users_keep_an_admin
	AFTER UPDATE OF role, enabled OR DELETE ON users
	FOR EACH STATEMENT EXECUTE FUNCTION users_keep_an_admin();

-- Every cairnd forgets a user whose login, name, role or state changed
-- (core.sql's cache_notify; server/cache.h), and checks that user's
-- sessions again before their next request.
CREATE OR REPLACE TRIGGER users_cache_notify
	AFTER UPDATE ON users FOR EACH ROW
	WHEN (OLD.login IS DISTINCT FROM NEW.login
	    OR OLD.name IS DISTINCT FROM NEW.name
	    OR OLD.role IS DISTINCT FROM NEW.role
	    OR OLD.enabled IS DISTINCT FROM NEW.enabled)
	EXECUTE FUNCTION cache_notify('u');
CREATE OR REPLACE TRIGGER users_cache_notify_gone
	AFTER DELETE ON users FOR EACH ROW
	EXECUTE FUNCTION cache_notify('u');
