# sources.sh: sources and their sealed credentials (issue 15;
# docs/protocol.md "Sources", docs/operations.md "Sources' credentials"):
# the ops and their refusals through the real cairn, source test against
# a database of this suite's cluster with a read-only role that needs a
# password, the password nowhere but sealed, the key's rotation at start,
# and the query runner (test_pgsource, pgsource.c) on that database.
# Sourced by suite.sh, after login_admin.

# The password of the read-only role, and a wrong one.
SRC_PW="feeder-pw-$$-Zq7"
SRC_BAD="wrong-pw-$$-Xk2"
SRC_DSN="host=$DATA dbname=ops user=feeder"

# A database 'ops' with a read-only role 'feeder' that must give its
# password (scram) on this cluster's socket, where every other role is
# trusted: the line goes first in pg_hba.conf (written in place, so that
# it stays the cluster account's file), then the cluster reloads.
quietly "database ops" psql_cairn -d postgres -c "CREATE DATABASE ops"
quietly "role feeder" psql_cairn -d postgres -c \
    "CREATE ROLE feeder LOGIN PASSWORD '$SRC_PW'"
quietly "ops tables" psql_cairn -d ops -c "
    CREATE TABLE downtime (at timestamptz NOT NULL, minutes numeric NOT NULL);
    INSERT INTO downtime VALUES ('2026-12-01T00:00:00Z', 30), ('2026-12-02T00:00:00Z', 12.5);
    CREATE VIEW downtime_latest AS SELECT minutes AS value, at FROM downtime ORDER BY at DESC LIMIT 1;
    CREATE TABLE payroll (salary numeric);
    CREATE TABLE scratch (x int);
    GRANT SELECT ON downtime_latest TO feeder;
    GRANT INSERT, SELECT ON scratch TO feeder;"
HBA=$DATA/pgdata/pg_hba.conf
{ echo "local ops feeder scram-sha-256"; cat "$HBA"; } > "$T/hba.new" &&
    cat "$T/hba.new" > "$HBA"
quietly "reload" psql_cairn -c "SELECT pg_reload_conf()"
sleep 0.3

SRCROOT=$(psql_cairn -c "SELECT slug FROM teams WHERE parent_id IS NULL")
if [ -z "$SRCROOT" ]; then
	quietly "root team" as admin team add srcroot --name 'Sources root'
	SRCROOT=srcroot
fi
quietly "team plant" as admin team add plant --name Plant --parent "$SRCROOT"
quietly "team line" as admin team add line --name Line --parent plant
mkuser srcbob member

echo "== source add, list, show"
OUT=$(echo "$SRC_PW" | as admin --json source add ops --postgres "$SRC_DSN" --password-stdin 2>"$T/stderr")
expect_eq "source add ops --postgres DSN --password-stdin" "$?" 0
expect_eq "... answered with the source, password set" "$(echo "$OUT" | jqr '[.name, .kind, .has_secret, .has_ca] | join(" ")')" "ops postgres true false"
SRC_ID=$(psql_cairn -c "SELECT id FROM sources WHERE name = 'ops'")
expect_eq "... stored with its target as given" "$(psql_cairn -c "SELECT target FROM sources WHERE name = 'ops'")" "$SRC_DSN"
expect_exit "source add prom --prometheus URL (no token)" 0 as admin source add prom --prometheus http://127.0.0.1:9/
expect_eq "... prints its name" "$OUT" "prom"
expect_exit "source list" 0 as admin source list
expect_match "... shows both" "ops +postgres +host=.* +yes" "$OUT"
expect_match "... and prom" "prom +prometheus +http://127.0.0.1:9/ +no" "$OUT"
expect_exit "source show ops" 0 as admin source show ops
expect_match "... says the password is set" "password: set" "$OUT"
expect_exit "source show prom" 0 as admin source show prom
expect_match "... says no bearer token is set" "bearer token: none" "$OUT"
expect_exit "source show nothere: E_NOT_FOUND" 5 as admin source show nothere

echo "== refusals"
refused "a member may not list sources (E_FORBIDDEN)" 4 srcbob source list
refused "a member may not add one" 4 srcbob source add x --prometheus http://h/
refused "nor test one" 4 srcbob source test ops
refused "a name with capitals" 7 admin source add Ops --prometheus http://h/
expect_match "... E_INVALID naming the form" "1 to 40 of a-z 0-9 _ -" "$ERR"
refused "a name of 41 characters" 7 admin source add "a$(printf 'b%.0s' $(seq 40))" --prometheus http://h/
refused "a name starting with _" 7 admin source add _x --prometheus http://h/
refused "a DSN with a password" 7 admin source add pw1 --postgres "host=$DATA dbname=ops user=feeder password=hunter2-$$"
expect_match "... says to give it with --password-stdin" "give the password with --password-stdin, not in the DSN" "$ERR"
case "$ERR" in *hunter2*) not_ok "... and does not repeat it" "$ERR" ;; *) ok "... and does not repeat it" ;; esac
refused "a URI with a password" 7 admin source add pw2 --postgres "postgresql://feeder:hunter2-$$@localhost/ops"
case "$ERR" in *hunter2*) not_ok "... not repeated either" "$ERR" ;; *) ok "... not repeated either" ;; esac
refused "a DSN that does not parse" 7 admin source add pw3 --postgres "host=x password='hunter2-$$"
case "$ERR" in *hunter2*) not_ok "... not repeated" "$ERR" ;; *) ok "... not repeated" ;; esac
refused "a DSN keyword not allowed (options)" 7 admin source add kw --postgres "host=$DATA options=-cwork_mem=1GB"
expect_match "... naming it and the allowed ones" "may not set options: only host, hostaddr" "$ERR"
refused "a DSN keyword not allowed (passfile)" 7 admin source add kw --postgres "host=$DATA passfile=/etc/shadow"
refused "a DSN with two hosts" 7 admin source add kw --postgres "host=a,b dbname=ops"
refused "a URL that is not http(s)" 7 admin source add u1 --prometheus ftp://h/
refused "a URL with user information" 7 admin source add u2 --prometheus "https://me:tok-$$@h/"
case "$ERR" in *tok-$$*) not_ok "... not repeated" "$ERR" ;; *) ok "... not repeated" ;; esac
refused "a URL with no host" 7 admin source add u3 --prometheus "http:///api"
refused "a name taken (E_CONFLICT)" 6 admin source add ops --prometheus http://h/
expect_match "... saying so" "exists already" "$ERR"
expect_exit "--ca with --postgres is a usage error" 2 as admin source add x --postgres "host=$DATA" --ca /dev/null
expect_exit "--postgres and --prometheus together: a usage error" 2 as admin source add x --postgres "host=$DATA" --prometheus http://h/
echo 'not a pem' > "$T/bad.pem"
refused "a CA that is not PEM" 7 admin source add p2 --prometheus https://h/ --ca "$T/bad.pem"
expect_exit "a Prometheus source with its CA" 0 as admin source add p3 --prometheus https://h:9090/ --ca "$T/certs/ca.pem"
expect_eq "... has_ca" "$(as admin --json source show p3 | jqr .has_ca)" "true"
expect_exit "... and one with a bearer token" 0 sh -c "echo tok-$$-secret | XDG_CONFIG_HOME=$T/home-admin $BIN/cairn source add p4 --prometheus https://h/ --bearer-token-stdin"
expect_match "... shown as set" "bearer token: set" "$(as admin source show p4)"
expect_exit "a secret over 1024 bytes is refused by the client" 2 sh -c "head -c 1100 /dev/zero | tr '\\\\0' a | XDG_CONFIG_HOME=$T/home-admin $BIN/cairn source add p5 --postgres 'host=$DATA' --password-stdin"

echo "== allow and disallow"
expect_exit "source allow ops --team plant" 0 as admin --json source allow ops --team plant
expect_eq "... the source's teams" "$(echo "$OUT" | jqr '.teams | join(",")')" "plant"
expect_exit "allowed twice: the same answer" 0 as admin --json source allow ops --team plant
expect_eq "... still one team" "$(echo "$OUT" | jqr '.teams | join(",")')" "plant"
expect_eq "source_usable_by_team: the team, its sub-team, not the root" \
    "$(psql_cairn -c "SELECT string_agg(t.slug || '=' || source_usable_by_team($SRC_ID, t.id), ',' ORDER BY t.slug) FROM teams t WHERE t.slug IN ('plant', 'line', '$SRCROOT')")" \
    "$(printf '%s\n' "line=true" "plant=true" "$SRCROOT=false" | sort | paste -sd,)"
refused "allow to a team that does not exist (E_NOT_FOUND)" 5 admin source allow ops --team nosuch
refused "allow a source that does not exist" 5 admin source allow nosuch --team plant
refused "disallow a team not allowed" 5 admin source disallow ops --team line
refused "a member may not allow" 4 srcbob source allow ops --team line
expect_exit "source disallow ops --team plant" 0 as admin --json source disallow ops --team plant
expect_eq "... no team left" "$(echo "$OUT" | jqr '.teams | length')" "0"
quietly "allow again" as admin source allow ops --team line

echo "== source test"
expect_exit "source test ops connects" 0 as admin source test ops
expect_match "... and reports the server, the role and the database" "^ops: ok: PostgreSQL [0-9]+.*, user feeder, database ops$" "$OUT"
OUT=$(echo "$SRC_BAD" | as admin source add opsbad --postgres "$SRC_DSN" --password-stdin 2>&1)
expect_exit "source test with a wrong password fails (E_UNAVAILABLE)" 8 as admin --json source test opsbad
expect_match "... with PostgreSQL's reason" "password authentication failed for user" "$ERR"
case "$ERR" in *"$SRC_BAD"*) not_ok "... and not the password" "$ERR" ;; *) ok "... and not the password" ;; esac
quietly "a source with no password" as admin source add opsnopw --postgres "$SRC_DSN"
expect_exit "source test with no password fails" 8 as admin source test opsnopw
expect_match "... saying none was given" "no password supplied|password authentication failed" "$ERR"
quietly "a source on a database that does not exist" as admin source add nodb --postgres "host=$DATA dbname=nosuchdb user=cairn"
expect_exit "source test on a missing database fails" 8 as admin source test nodb
expect_match "... naming it" "nosuchdb" "$ERR"
expect_exit "source test prom: nothing listens there" 8 as admin source test prom
expect_match "... saying it cannot connect" "cannot connect to 127.0.0.1:9" "$ERR"
expect_exit "source test nothere: E_NOT_FOUND" 5 as admin source test nothere

echo "== the password, only sealed"
for f in "source list" "source show ops" "source test ops"; do
	OUT=$(as admin --json $f 2>&1)
	case "$OUT" in
	*"$SRC_PW"*|*'"secret"'*) not_ok "no secret in $f's reply" "$OUT" ;;
	*) ok "no secret in $f's reply" ;;
	esac
done
expect_eq "sources.secret holds no plaintext (bytes)" \
    "$(psql_cairn -c "SELECT count(*) FROM sources WHERE position(convert_to('$SRC_PW', 'UTF8') IN secret) > 0")" 0
expect_eq "... sealed: version 1, 37 bytes more than the password" \
    "$(psql_cairn -c "SELECT get_byte(secret, 0) || ' ' || (length(secret) - length('$SRC_PW')) FROM sources WHERE name = 'ops'")" "1 37"
psql_cairn -c "SELECT secret::text FROM sources" >"$T/secrets.txt"
"$PGBIN/pg_dump" -h "$DATA" -U cairn cairn >"$T/dump.sql"
if grep -q -e "$SRC_PW" -e "$SRC_BAD" -e "tok-$$-secret" "$T/secrets.txt" "$T/dump.sql"; then
	not_ok "no plaintext in SELECT secret::text nor in a pg_dump of the database"
else
	ok "no plaintext in SELECT secret::text nor in a pg_dump of the database"
fi
if grep -q -e "$SRC_PW" -e "$SRC_BAD" -e "tok-$$-secret" -e "hunter2-$$" "$T"/cairnd*.log; then
	not_ok "no secret in cairnd's log" "$(grep -e "$SRC_PW" -e "$SRC_BAD" "$T"/cairnd*.log | head -3)"
else
	ok "no secret in cairnd's log (log_level debug)"
fi
# A sealed secret copied to another source does not open there (the
# name is the additional data).
quietly "copy a sealed secret" psql_cairn -c "UPDATE sources SET secret = (SELECT secret FROM sources WHERE name = 'ops') WHERE name = 'opsnopw'"
expect_exit "a secret copied to another row does not open" 8 as admin source test opsnopw
expect_match "... saying so" "does not open" "$ERR"

echo "== audit"
ENTRIES=$(as admin --json audit --entity "source:$SRC_ID" --limit 20)
# (allowing it twice changed nothing the second time: one entry)
expect_eq "the audit log has ops' add, allow, disallow, allow" \
    "$(echo "$ENTRIES" | jqr '[.[].op] | reverse | join(" ")')" "source.add source.allow source.disallow source.allow"
expect_eq "... the add's entry says a password is set, never which" \
    "$(echo "$ENTRIES" | jqr '[.[] | select(.op == "source.add") | .after | has("secret"), .has_secret] | join(" ")')" "false true"
expect_eq "... no entry holds a secret" "$(psql_cairn -c "SELECT count(*) FROM audit_log WHERE entity_type = 'source' AND (coalesce(before, '{}') ? 'secret' OR coalesce(after, '{}') ? 'secret')")" 0
expect_exit "source rm opsbad" 0 as admin source rm opsbad
expect_eq "... says so" "$OUT" "opsbad: removed"
expect_eq "... audited" "$(as admin --json audit --limit 1 | jqr '.[0].op')" "source.remove"
refused "source rm opsbad again: E_NOT_FOUND" 5 admin source rm opsbad
refused "a member may not remove one" 4 srcbob source rm ops
expect_eq "export.c exports no source" "$(grep -c -i source "$ROOT/server/export.c")" 0

echo "== source_timeout_ms"
refused "source_timeout_ms below 100" 7 admin settings set source_timeout_ms 99
refused "source_timeout_ms above 60000" 7 admin settings set source_timeout_ms 60001
expect_exit "source_timeout_ms 2000" 0 as admin settings set source_timeout_ms 2000
expect_match "... shown" "source_timeout_ms: 2000" "$OUT"

echo "== the query runner (test_pgsource)"
if CAIRN_TEST_PGHOST=$DATA CAIRN_TEST_FEEDER_PW=$SRC_PW "$BIN/test_pgsource" >"$T/pgsource.out" 2>&1; then
	ok "pgsrc_start against ops: values, refusals, timeouts, a killed backend ($(grep -c '^\[       OK' "$T/pgsource.out") tests)"
else
	not_ok "pgsrc_start against ops" "$(grep -v '^\[ RUN\|^\[       OK' "$T/pgsource.out" | tail -20)"
fi

echo "== the key: none, rotated, readable by others"
src_restart() {	# src_restart LOG: cairnd again on $T/cairnd.conf
	stop_server >/dev/null 2>&1
	start_server "$1"
}
cp "$T/cairnd.conf" "$T/cairnd.conf.keep"
grep -v '^secret_key' "$T/cairnd.conf.keep" >"$T/cairnd.conf"
if src_restart "$T/cairnd-nokey.log"; then
	ok "cairnd serves without secret_key"
	OUT=$(echo pw | as admin --json source add k1 --postgres "$SRC_DSN" --password-stdin 2>&1)
	expect_match "... a source with a password is refused, naming secret_key" "E_UNAVAILABLE.*secret_key" "$OUT"
	expect_exit "... one without is added" 0 as admin source add k2 --postgres "$SRC_DSN"
	expect_exit "... a stored password cannot be opened" 8 as admin source test ops
	expect_match "... saying why" "no secret_key" "$ERR"
else
	not_ok "cairnd serves without secret_key"
fi
# Rotation: a new key as secret_key, the old one as secret_key_previous.
make_secret_key "$T/certs/secret2.key"
{ grep -v '^secret_key' "$T/cairnd.conf.keep"
  echo "secret_key = $T/certs/secret2.key"
  echo "secret_key_previous = $T/certs/secret.key"; } >"$T/cairnd.conf"
OLD_SEALED=$(psql_cairn -c "SELECT md5(secret) FROM sources WHERE name = 'ops'")
if src_restart "$T/cairnd-rotate.log"; then
	ok "cairnd starts with secret_key_previous"
	expect_log "... re-sealing the old key's secrets, logged as a count" "secrets: 2 re-sealed with the current key, 1 could not be opened" "$T/cairnd-rotate.log" 1
	expect_eq "... the stored form changed" "$([ "$(psql_cairn -c "SELECT md5(secret) FROM sources WHERE name = 'ops'")" != "$OLD_SEALED" ] && echo yes)" yes
	expect_exit "... source test ops still connects" 0 as admin source test ops
else
	not_ok "cairnd starts with secret_key_previous"
fi
{ grep -v '^secret_key' "$T/cairnd.conf.keep"
  echo "secret_key = $T/certs/secret2.key"; } >"$T/cairnd.conf"
if src_restart "$T/cairnd-new.log"; then
	expect_exit "after the rotation the old key is not needed" 0 as admin source test ops
else
	not_ok "cairnd starts with the new key alone"
fi
chmod 644 "$T/certs/secret2.key"
stop_server >/dev/null 2>&1
"$BIN/cairnd" --config "$T/cairnd.conf" >"$T/cairnd-mode.log" 2>&1 &
SERVER_PID=$!
if wait "$SERVER_PID"; then
	not_ok "a key file others may read stops cairnd"
else
	expect_match "a key file others may read stops cairnd, saying why" "group or others may read it \(mode 0644\): chmod 400" "$(< "$T/cairnd-mode.log")"
fi
SERVER_PID=
chmod 400 "$T/certs/secret2.key"
start_server "$T/cairnd-last.log" || not_ok "cairnd starts again"
