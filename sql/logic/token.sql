-- token.sql: API tokens (server/token.c).  A token is checked before every
-- op, so its removal holds at once for requests; a watch made with it
-- hears of it here (core.sql's cache_notify; server/cache.h).
CREATE OR REPLACE TRIGGER api_tokens_cache_notify_gone
	AFTER DELETE ON api_tokens FOR EACH ROW
	EXECUTE FUNCTION cache_notify('t');
