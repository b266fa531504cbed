-- core.sql: what every entity's logic uses: cairn_refuse(), the one
-- way a rule refuses (SQLSTATE CA001, the rule's name as the message,
-- which cairnd answers as E_RULE), and the trigger function of every
-- append-only table.  Applied before the entities' files.

CREATE OR REPLACE FUNCTION cairn_refuse(rule text, detail text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = 'CA001', MESSAGE = rule,
	    DETAIL = detail;
END $$;

CREATE OR REPLACE FUNCTION cairn_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM cairn_refuse(TG_TABLE_NAME || '.append_only',
	    TG_TABLE_NAME || ' is append-only: rows are never changed or removed');
	RETURN NULL;
END $$;

-- A time as the protocol shows it (RFC 3339, UTC, to the second); NULL
-- stays NULL.
CREATE OR REPLACE FUNCTION cairn_time(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- What a cairnd caches (server/cache.h) is forgotten by every cairnd over
-- the database when this NOTIFY reaches their LISTEN connection, at the
-- writer's commit: TG_ARGV[0] || ':' || id, "u:ID" for a user, "s:ID" for
-- a session.  Only the rare changes that matter fire it (the triggers'
-- WHEN in user.sql and session.sql): a notifying commit takes a lock that
-- serialises it with every other notifying commit.
CREATE OR REPLACE FUNCTION cache_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM pg_notify('cairn_cache', TG_ARGV[0] || ':' || OLD.id);
	ELSE
		PERFORM pg_notify('cairn_cache', TG_ARGV[0] || ':' || NEW.id);
	END IF;
	RETURN NULL;
END $$;
