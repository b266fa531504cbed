-- session.sql: logins and sessions: the failed-login throttle shared by
-- every cairnd on the database.

-- Record one failure for (login, addr) and say what it costs.  The reply
-- is delayed by one second per failure of the login from every address
-- beyond slow_after - 1, at most delay_max ms; the failure that brings this
-- address's count to max_failures locks the pair.  Windows run from when
-- the delayed reply goes out: the lock-out lasts lockout seconds from then,
-- and a streak ends (the count starts again at 1) once its row expires,
-- lockout seconds after the reply to its last failure or at the end of its
-- lock-out.  The upsert takes the row's lock, so concurrent failures from
-- several cairnd all count; the total from other addresses is read as
-- committed and may miss one in flight, which only shortens a delay.
CREATE OR REPLACE FUNCTION login_throttle_fail(p_login text, p_addr inet,
    p_slow_after integer, p_max_failures integer, p_lockout integer,
    p_delay_max integer, OUT failures integer, OUT total integer,
    OUT delay_ms integer, OUT locked boolean)
LANGUAGE plpgsql AS $$
DECLARE
	others	bigint;
BEGIN
	SELECT coalesce(sum(t.failures), 0) INTO others FROM login_throttle t
	    WHERE t.login = p_login AND t.addr <> p_addr
	    AND t.expires_at > now();
	INSERT INTO login_throttle AS t (login, addr, failures, expires_at)
	    VALUES (p_login, p_addr, 1,
	    now() + make_interval(secs => p_lockout))
	    ON CONFLICT (login, addr) DO UPDATE SET
	    failures = CASE WHEN t.expires_at > now()
	        THEN least(t.failures, 1000000) + 1 ELSE 1 END,
	    last_failure = now()
	    RETURNING t.failures INTO failures;
	total := least(failures::bigint + others, 1000000000);
	delay_ms := least(greatest(total - p_slow_after + 1, 0)::bigint * 1000,
	    p_delay_max);
	locked := failures >= p_max_failures;
	-- Windows run from when the delayed reply goes out.
	UPDATE login_throttle t SET
	    locked_until = CASE WHEN locked THEN now() +
	    make_interval(secs => p_lockout) + delay_ms * interval '1 ms' END,
	    expires_at = now() + make_interval(secs => p_lockout) +
	    delay_ms * interval '1 ms'
	    WHERE t.login = p_login AND t.addr = p_addr;
END $$;

-- A session revoked (logout, a disabled user, a password changed) or
-- removed while live is checked again by every cairnd before its next
-- request (core.sql's cache_notify; server/cache.h).  last_seen's updates
-- do not fire it.
CREATE OR REPLACE TRIGGER sessions_cache_notify
	AFTER UPDATE ON sessions FOR EACH ROW
	WHEN ((OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
	    OR OLD.expires_at IS DISTINCT FROM NEW.expires_at)
	EXECUTE FUNCTION cache_notify('s');
CREATE OR REPLACE TRIGGER sessions_cache_notify_gone
	AFTER DELETE ON sessions FOR EACH ROW WHEN (OLD.revoked_at IS NULL)
	EXECUTE FUNCTION cache_notify('s');
