# cluster.sh: the embedded cluster across restarts and crashes, migrations,
# and --init-admin (sourced by run.sh).

nmig=$(ls "$ROOT"/sql/[0-9][0-9][0-9]_*.sql | wc -l)
la=$(psql_cairn -c "SHOW listen_addresses")
expect_eq "the private cluster listens on no TCP address" "$la" ""

expect_exit "init-admin refuses while cairnd holds the data directory" 1 sh -c "echo another-password | $BIN/cairnd --config $T/cairnd.conf --init-admin root2 --password-stdin"
expect_match "... saying it is in use" "in use" "$ERR"

if stop_server; then ok "clean stop"; else not_ok "clean stop"; fi
if pg_as_owner "$PGBIN/pg_ctl" status -D "$DATA/pgdata" >/dev/null 2>&1; then
	not_ok "stopping cairnd stops its PostgreSQL"
else
	ok "stopping cairnd stops its PostgreSQL"
fi
expect_exit "init-admin refuses an existing login" 1 sh -c "echo another-password | $BIN/cairnd --config $T/cairnd.conf --init-admin root --password-stdin"
expect_match "... saying it exists" "already exists" "$ERR"

expect_exit "init-admin without a password generates one" 0 "$BIN/cairnd" --config "$T/cairnd.conf" --init-admin second
GEN_PW=$(echo "$OUT" | sed -n 's/.*password (shown once): //p')
expect_match "... and prints it once" "^.{16,}$" "$GEN_PW"

start_server "$T/cairnd2.log" || not_ok "restart"
expect_exit "the generated password logs in" 0 sh -c "echo '$GEN_PW' | XDG_CONFIG_HOME=$T/home-second $BIN/cairn login second --password-stdin"
if grep -q "applying migration" "$T/cairnd2.log"; then
	not_ok "a restart applies no migration twice"
else
	ok "a restart applies no migration twice"
fi
expect_eq "schema_migrations has one row per migration" \
    "$(psql_cairn -c 'SELECT count(*) FROM schema_migrations')" "$nmig"
expect_exit "sessions survive a restart" 0 as admin whoami

# cairnd killed: its PostgreSQL stays up and the next cairnd adopts it.
kill -KILL "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
start_server "$T/cairnd3.log" || not_ok "restart after kill"
expect_match "after a crash of cairnd the running cluster is adopted" "adopting" "$(cat "$T/cairnd3.log")"
expect_exit "and serves" 0 as admin whoami

# Both killed: stale postmaster.pid, WAL recovery.
kill -KILL "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
kill -KILL "$(head -1 "$DATA/pgdata/postmaster.pid")"
# As after a power cut: wait until none of its processes is left.
for i in $(seq 1 100); do
	pgrep -f "postgres.*$DATA" >/dev/null || break
	sleep 0.1
done
start_server "$T/cairnd4.log" || not_ok "restart after crash"
expect_exit "after a crash of both, data is intact" 0 as admin --json user show alice
expect_eq "alice survived" "$(echo "$OUT" | json_field login)" "alice"

# Two servers migrating one fresh external database at once: the advisory
# lock serialises them, --db mode manages no cluster.
psql_cairn -c "CREATE DATABASE race" >/dev/null
URL="postgresql:///race?host=$DATA&user=cairn"
echo pw-one-1234 | "$BIN/cairnd" --db "$URL" --init-admin one --password-stdin >"$T/race1.log" 2>&1 &
p1=$!
echo pw-two-1234 | "$BIN/cairnd" --db "$URL" --init-admin two --password-stdin >"$T/race2.log" 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
expect_eq "two servers migrating at once both succeed" "$r1$r2" "00"
n=$("$PGBIN/psql" -X -q -t -A -h "$DATA" -U cairn -d race -c "SELECT count(*) FROM schema_migrations")
expect_eq "... and each migration ran once" "$n" "$nmig"

# SIGHUP: new certificate and key for new connections, no restart.
sh "$ROOT/certs/make-dev-certs.sh" "$T/new" >/dev/null
cp "$T/new/server.pem" "$T/certs/server.pem"
cp "$T/new/server.key" "$T/certs/server.key"
kill -HUP "$SERVER_PID"
sleep 0.5
expect_exit "after SIGHUP the new certificate is served" 0 as admin --ca "$T/new/ca.pem" ping
expect_exit "... and the old CA no longer verifies it" 8 as admin ping
