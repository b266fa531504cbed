-- 003_sources.sql: sources (issue 15), the connections an admin sets up
-- once for feeds to read KPI values from: a PostgreSQL database (target:
-- its conninfo without a password) or a Prometheus server (target: its
-- URL).  secret holds the credential sealed by cairnd (server/secret.c:
-- AES-256-GCM with the key file secret_key, the source's name as
-- additional data), never the plaintext.  source_teams: the teams allowed
-- to use a source (and their sub-teams, sql/logic/source.sql).
CREATE TABLE sources (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name		text NOT NULL UNIQUE
			CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
	kind		text NOT NULL CHECK (kind IN ('postgres', 'prometheus')),
	target		text NOT NULL CHECK (length(target) BETWEEN 1 AND 2000),
	ca_pem		text CHECK (length(ca_pem) <= 65536),
	secret		bytea CHECK (length(secret) <= 2048),
	created		timestamptz NOT NULL DEFAULT now(),
	created_by	bigint REFERENCES users (id),
	version		integer NOT NULL DEFAULT 1
);

CREATE TABLE source_teams (
	source_id	bigint NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	team_id		bigint NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
	PRIMARY KEY (source_id, team_id)
);
CREATE INDEX source_teams_team ON source_teams (team_id);

-- The time a source's query may take (server/pgsource.c), ms: from 100
-- to 60000, beyond the other settings' 1000.
ALTER TABLE settings DROP CONSTRAINT settings_value_check;
ALTER TABLE settings ADD CONSTRAINT settings_value_check
	CHECK (value BETWEEN 1 AND 1000 OR
	    (name LIKE 'budget\_%' AND value BETWEEN 1 AND 1000000) OR
	    (name = 'source_timeout_ms' AND value BETWEEN 100 AND 60000));
INSERT INTO setting_names VALUES ('source_timeout_ms');
INSERT INTO settings VALUES ('source_timeout_ms', 5000);
