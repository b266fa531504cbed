-- source.sql: sources (sql/003_sources.sql; server/source.c).

-- A source's row (to_jsonb) as the audit log keeps it: never its secret,
-- even sealed, only whether one is set (nor its CA, only whether one is).
CREATE OR REPLACE FUNCTION source_public(j jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT (j - 'secret' - 'ca_pem') || jsonb_build_object(
	    'has_secret', coalesce(j -> 'secret', 'null') <> 'null',
	    'has_ca', coalesce(j -> 'ca_pem', 'null') <> 'null')
$$;

-- Whether team t may use source src: the source is allowed to t or to
-- one of its ancestors (team_ancestors, team.sql).
CREATE OR REPLACE FUNCTION source_usable_by_team(src bigint, t bigint)
RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM source_teams st
	    JOIN team_ancestors(t) a ON a.id = st.team_id
	    WHERE st.source_id = src)
$$;
