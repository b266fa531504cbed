# haproxy.sh: two cairnd over one database behind HAProxy (issue 17;
# sourced by suite.sh after login_admin).  Under a steady load of keyed
# check-ins through HAProxy (cairn-bench --reconnect, and loops of the CLI
# with keys), one cairnd is killed with kill -9 while it holds requests in
# flight (some held on purpose behind a row lock): the clients carry on
# through the other, every acknowledged check-in is in the database with
# its value, none is recorded twice, and an unkeyed write that was in
# flight is reported as lost (exit 8), not sent again.  Prints the
# figures: requests in flight at the kill, errors seen by the clients,
# time to recover.

ha_q() {
	psql_cairn -c "$1"
}
# The cairnd holding backends that wait on a lock, one name a line
# (application_name: cairnd for the first, cairnd-b for the second).
ha_waiting() {
	ha_q "SELECT application_name FROM pg_stat_activity
	    WHERE wait_event_type = 'Lock' AND application_name LIKE 'cairnd%'
	    ORDER BY application_name"
}
ha_nwaiting() {	# ha_nwaiting APP: its backends waiting on a lock
	ha_waiting | grep -cx "$1"
}
# A command to HAProxy's admin socket.
ha_admin() {
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
sys.stdout.write(s.recv(65536).decode())' "$T/haproxy.sock" "$1" >>"$T/ha-admin.log" 2>&1 ||
	    not_ok "setup: haproxy: $1" "$(tail -3 "$T/ha-admin.log")"
}
# cairn through HAProxy, with the session logged in there.
ha_cli() {
	XDG_CONFIG_HOME=$T/home-hacli CAIRN_SERVER=$HA_FRONT "$BIN/cairn" "$@"
}

echo "== haproxy: two cairnd behind HAProxy"
if ! command -v haproxy >/dev/null 2>&1; then
	not_ok "haproxy is installed (tests/deps.sh installs it)"
	return 0
fi
# Requests held behind a lock take a pool connection each: room for them
# beside the load (the suites' db_pool is 4).
sed -i 's/^db_pool = .*/db_pool = 10/' "$T/cairnd.conf"
# Each cairnd's /readyz is HAProxy's health check (a metrics listener each).
HA_M1=127.0.0.1:$((PORT + 3))
HA_M2=127.0.0.1:$((PORT + 4))
echo "metrics = $HA_M1" >> "$T/cairnd.conf"
stop_server || not_ok "setup: the first cairnd stops"
start_server "$T/cairnd-ha0.log" || not_ok "setup: the first cairnd restarts"
wait_log 60 "db: [0-9]+ of [0-9]+ connections up" "$T/cairnd-ha0.log" ||
    not_ok "setup: the first cairnd's pool" "$(tail -5 "$T/cairnd-ha0.log")"
HA_ADDR2=127.0.0.1:$((PORT + 1))
HA_FRONT=127.0.0.1:$((PORT + 2))
sed -e "s|^listen = .*|listen = $HA_ADDR2|" -e "/^data_dir = /d" \
    -e "s|^metrics = .*|metrics = $HA_M2|" \
    "$T/cairnd.conf" > "$T/cairnd-ha2.conf"
"$BIN/cairnd" --config "$T/cairnd-ha2.conf" \
    --db "host=$DATA user=cairn dbname=cairn application_name=cairnd-b" \
    >"$T/cairnd-ha2.log" 2>&1 &
HA_PID2=$!
HA_PROXY=
# The second cairnd and HAProxy end with the suite, however it ends.
ha_cleanup() {
	[ -n "$HA_PROXY" ] && kill -TERM "$HA_PROXY" 2>/dev/null
	[ -n "$HA_PID2" ] && kill -TERM "$HA_PID2" 2>/dev/null
	ha_unlock
	wait $HA_PROXY $HA_PID2 2>/dev/null
}
trap 'ha_cleanup; cleanup' EXIT
wait_log 60 "db: [0-9]+ of [0-9]+ connections up" "$T/cairnd-ha2.log" ||
    not_ok "setup: the second cairnd" "$(tail -5 "$T/cairnd-ha2.log")"
sed -e "s|@FRONT@|$HA_FRONT|" -e "s|@S1@|$ADDR|" -e "s|@S2@|$HA_ADDR2|" \
    -e "s|@M1@|${HA_M1##*:}|" -e "s|@M2@|${HA_M2##*:}|" \
    -e "s|@STATS@|$T/haproxy.sock|" "$HERE/haproxy.cfg.in" > "$T/haproxy.cfg"
expect_exit "haproxy: the configuration is valid" 0 haproxy -c -q -f "$T/haproxy.cfg"
haproxy -db -f "$T/haproxy.cfg" >"$T/haproxy.log" 2>&1 &
HA_PROXY=$!
if eventually 20 "$BIN/cairn" --server "$HA_FRONT" --ca "$T/certs/ca.pem" ping; then
	ok "haproxy: cairnd answers through HAProxy"
else
	not_ok "haproxy: cairnd answers through HAProxy" "$ERR $(tail -5 "$T/haproxy.log")"
fi

# Fixtures: the admin, exempt from the write budgets (the load would
# exhaust them), a team, a period, an objective with the bench's key
# results, another with the one held behind a lock.
quietly "haproxy: lift the admin's budgets" as admin user budget root --lift
root_team=$(ha_q "SELECT slug FROM teams WHERE parent_id IS NULL LIMIT 1")
quietly "haproxy: team" as admin team add hateam --name "HA team" \
    ${root_team:+--parent "$root_team"}
quietly "haproxy: the admin leads it" as admin team member add hateam root --lead
quietly "haproxy: period" as admin period add haq \
    --start "$(date -u -d '-30 days' +%Y-%m-%d)" \
    --end "$(date -u -d '+60 days' +%Y-%m-%d)"
quietly "haproxy: period open" as admin period open haq
: >"$T/ha-krs"
for o in 1 2; do
	new_obj hateam haq root "Under load $o"
	HA_O=$NEW
	for i in 1 2 3 4; do
		new_kr "$HA_O" root increase 1000
		echo "$NEW" >>"$T/ha-krs"
	done
done
new_obj hateam haq root "Held"
new_kr "$NEW" root increase 1000
HA_LKR=$NEW
HA_KRS=$(paste -sd, "$T/ha-krs")
echo "$ADMIN_PW" >"$T/ha-pw"
chmod 600 "$T/ha-pw"
quietly "haproxy: log in through HAProxy" sh -c "echo '$ADMIN_PW' |
    XDG_CONFIG_HOME=$T/home-hacli CAIRN_SERVER=$HA_FRONT $BIN/cairn login root --password-stdin"

# A bad option is refused before anything is sent.
expect_exit "haproxy: cairn-bench --reconnect refuses an op unsafe to send twice" 1 \
    "$BIN/cairn-bench" --server "$HA_FRONT" --ca "$T/certs/ca.pem" \
    --op record --kpi 1 --login root --password-file "$T/ha-pw" --reconnect
expect_match "... saying why" "--reconnect goes with --op ping, read or checkin" "$ERR"

# The load: the bench, 8 connections at 60 check-ins a second in all,
# and two loops of the CLI, each check-in with its own key (also its note).
"$BIN/cairn-bench" --server "$HA_FRONT" --ca "$T/certs/ca.pem" \
    --op checkin --kr-file "$T/ha-krs" --clients 8 --depth 2 --rate 60 \
    --duration 25 --reconnect --acked "$T/ha-acked" --login root \
    --password-file "$T/ha-pw" >"$T/ha-bench.out" 2>"$T/ha-bench.err" &
HA_BENCH=$!
rm -f "$T/ha.stop"
# ha_loop N: check-ins until $T/ha.stop, "KEY KR VALUE RC MS START END"
# each (the times in microseconds).
ha_loop() {
	local n=0 kr key v t0 rc
	while [ ! -e "$T/ha.stop" ]; do
		n=$((n + 1))
		kr=$(sed -n "$(( (n + $1) % 8 + 1 ))p" "$T/ha-krs")
		key=ha-$1-$n v=$((n % 50))
		t0=${EPOCHREALTIME/./}
		ha_cli kr checkin "$kr" "$v" --note "$key" \
		    --idempotency-key "$key" >/dev/null 2>>"$T/ha-loop$1.err"
		rc=$?
		echo "$key $kr $v $rc $(( (${EPOCHREALTIME/./} - t0) / 1000 ))" \
		    "$t0 ${EPOCHREALTIME/./}"
	done >"$T/ha-loop$1.out"
}
ha_loop 1 & HA_L1=$!
ha_loop 2 & HA_L2=$!
eventually 10 test -s "$T/ha-acked" ||
    not_ok "setup: the bench's check-ins are acknowledged" "$(cat "$T/ha-bench.err")"

# Hold requests in flight: a transaction locks the held key result's row
# until released (after the kill); an unkeyed write (kr edit) and keyed
# check-ins of that key result wait behind it, in the cairnd that took
# them.  psql reads the transaction from a pipe, a statement at a time.
mkfifo "$T/ha-lock.fifo"
psql_cairn <"$T/ha-lock.fifo" >/dev/null 2>"$T/ha-lock.err" &
HA_LOCK=$!
exec {HA_LOCKFD}>"$T/ha-lock.fifo"
echo "BEGIN; SELECT id FROM key_results WHERE id = $HA_LKR FOR UPDATE;
    SELECT 'ha-locked';" >&"$HA_LOCKFD"
ha_locked() {
	[ "$(ha_q "SELECT count(*) FROM pg_stat_activity WHERE query LIKE
	    '%ha-locked%' AND state = 'idle in transaction'")" = 1 ]
}
ha_unlock() {
	[ -n "${HA_LOCKFD:-}" ] || return 0
	echo "COMMIT;" >&"$HA_LOCKFD"
	exec {HA_LOCKFD}>&-
	HA_LOCKFD=
}
eventually 10 ha_locked || not_ok "setup: the lock is held" "$(cat "$T/ha-lock.err")"
# Meanwhile HAProxy sends new connections to the first cairnd only (the
# second drained: it keeps its connections, takes no new ones), so that
# the held requests are all on the cairnd to be killed.  (cairnd may
# pipeline them on one database connection: they need not show as
# backends waiting on the lock, so "held" is still running after 2 s
# while a check-in takes a few hundred ms.)
ha_admin "set server cairnd/cairnd2 state drain"
ha_cli kr edit "$HA_LKR" --title "moved while held" \
    >/dev/null 2>"$T/ha-upd.err" &
HA_UPD=$!
# (A function, so that eventually asks again each time.)
ha_edit_waits() {
	[ "$(ha_nwaiting cairnd)" -ge 1 ]
}
eventually 10 ha_edit_waits ||
    not_ok "setup: the unkeyed write waits on the lock" "$(ha_waiting)"
HA_HELD= h=0
for h in 1 2 3; do
	( t0=${EPOCHREALTIME/./}
	  ha_cli kr checkin "$HA_LKR" "$((100 + h))" --note "ha-held-$h" \
	      --idempotency-key "ha-held-$h" >/dev/null 2>"$T/ha-held$h.err"
	  echo "ha-held-$h $HA_LKR $((100 + h)) $? $(( (${EPOCHREALTIME/./} - t0) / 1000 ))" \
	      >"$T/ha-held$h.out" ) &
	HA_HELD="$HA_HELD $!"
done
sleep 2
held=0
for p in $HA_UPD $HA_HELD; do
	kill -0 "$p" 2>/dev/null && held=$((held + 1))
done
expect_eq "haproxy: the unkeyed write and 3 keyed check-ins held in flight on the first cairnd" \
    "$held" 4
ha_admin "set server cairnd/cairnd2 state ready"

# The kill.
bench_acked0=$(wc -l <"$T/ha-acked")
t_kill=${EPOCHREALTIME/./}
kill -KILL "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null
SERVER_PID=
echo "# killed the first cairnd after $bench_acked0 check-ins acknowledged to the bench"

# The held ones sent again wait on the survivor, behind the lock: let
# them have a second to get there, then release it.
sleep 1
ha_unlock
# The unkeyed write had no key: it is reported lost, never sent again.
wait "$HA_UPD"
HA_UPD_RC=$?
expect_eq "haproxy: the unkeyed write in flight on the killed cairnd is reported lost (exit 8)" "$HA_UPD_RC" 8
expect_match "... as a lost connection" "connection closed by server" "$(cat "$T/ha-upd.err")"
for p in $HA_HELD; do wait "$p"; done
wait "$HA_LOCK"
wait "$HA_BENCH"
HA_BENCH_RC=$?
touch "$T/ha.stop"
wait "$HA_L1" "$HA_L2"

bench_line=$(cat "$T/ha-bench.out")
echo "# bench: $bench_line"
kv() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
expect_eq "haproxy: the bench ran to its end, no error answer, no connection lost" \
    "$HA_BENCH_RC $(kv errors "$bench_line") $(kv lost "$bench_line")" "0 0 0"
b_drops=$(kv drops "$bench_line")
if [ "${b_drops:-0}" -ge 1 ]; then
	ok "haproxy: the bench's connections to the killed cairnd dropped and came back ($b_drops)"
else
	not_ok "haproxy: the bench's connections to the killed cairnd dropped" "$bench_line"
fi
b_after=$(( $(wc -l <"$T/ha-acked") - bench_acked0 ))
if [ "$b_after" -ge 60 ]; then
	ok "haproxy: the bench carried on through the survivor ($b_after check-ins after the kill)"
else
	not_ok "haproxy: the bench carried on through the survivor" "$b_after after the kill"
fi

# Every client's record: "KEY KR VALUE" of each acknowledged check-in.
cat "$T"/ha-loop[12].out "$T"/ha-held*.out >"$T/ha-cli"
awk '$4 == 0 { print $1, $2, $3 }' "$T/ha-cli" >"$T/ha-cli-acked"
cli_failed=$(awk '$4 != 0' "$T/ha-cli" | wc -l)
expect_eq "haproxy: every keyed check-in of the CLI succeeded (retried through the survivor)" \
    "$cli_failed" 0
[ "$cli_failed" = 0 ] || cat "$T"/ha-loop*.err "$T"/ha-held*.err | head -5
held_ok=$(grep -c '^ha-held-' "$T/ha-cli-acked")
expect_eq "haproxy: every held check-in acknowledged, the killed cairnd's too" \
    "$held_ok" "$h"
sort "$T/ha-acked" "$T/ha-cli-acked" >"$T/ha-all-acked"
# Each check-in's note is its key (the bench's --acked, the CLI's --note).
ha_q "SELECT note || ' ' || kr_id || ' ' || value::bigint FROM checkins
    WHERE kr_id IN ($HA_KRS, $HA_LKR)" | sort >"$T/ha-db"
missing=$(comm -23 "$T/ha-all-acked" "$T/ha-db" | wc -l)
acked=$(wc -l <"$T/ha-all-acked")
expect_eq "haproxy: every acknowledged check-in is in the database with its value ($acked)" \
    "$missing" 0
[ "$missing" = 0 ] || comm -23 "$T/ha-all-acked" "$T/ha-db" | head -5
ndb=$(wc -l <"$T/ha-db")
doubled=$(awk '{ print $1 }' "$T/ha-db" | uniq -d | wc -l)
expect_eq "haproxy: none recorded twice ($ndb check-ins)" "$doubled" 0
expect_eq "haproxy: each check-in's key stored once" \
    "$(ha_q "SELECT count(*) FROM idempotency_keys WHERE op = 'kr.checkin'
    AND result_id IN ($HA_KRS, $HA_LKR)")" "$ndb"
expect_eq "haproxy: one audit entry per check-in" \
    "$(ha_q "SELECT count(*) FROM audit_log WHERE op = 'kr.checkin' AND entity_id IN ($HA_KRS, $HA_LKR)")" "$ndb"
expect_eq "haproxy: each held check-in once" \
    "$(ha_q "SELECT count(*) FROM checkins WHERE kr_id = $HA_LKR AND note LIKE 'ha-held-%'") $(ha_q "SELECT count(DISTINCT note) FROM checkins WHERE kr_id = $HA_LKR")" \
    "$h $h"

# The figures.  In flight at the kill: the bench's requests on the killed
# cairnd (all sent again), the held check-ins on it, and each CLI loop's
# check-in under way at the kill (on either cairnd).
cli_span=$(awk -v t="$t_kill" '$6 <= t && t <= $7' "$T"/ha-loop[12].out | wc -l)
cli_span_ms=$(awk -v t="$t_kill" '$6 <= t && t <= $7 { print $5 }' "$T"/ha-loop[12].out | sort -n | tail -1)
recover_cli=$(awk '{ print $5 }' "$T"/ha-held*.out | sort -n | tail -1)
echo "# figures: in flight at the kill: $(kv resent "$bench_line") of the bench's (sent again), 3 held check-ins of the CLI, 1 unkeyed kr edit; errors seen by clients: bench $(kv errors "$bench_line") error answers, $(kv lost "$bench_line") connections lost, $(kv reconnect_fails "$bench_line") reconnections refused; CLI $cli_failed failed of $(wc -l <"$T/ha-cli") keyed check-ins ($cli_span under way at the kill, the longest of them ${cli_span_ms:-0} ms); time to recover: bench $(kv recover_ms "$bench_line") ms from the drop to its next success (longest); $acked acknowledged, $missing missing, $doubled doubled"
echo "# (the held check-ins took $recover_cli ms at most, most of it behind the lock, released 1 s after the kill)"

# Nothing stray: every check-in the database holds was sent by a client.
stray=$(comm -13 <(awk '{ print $1 }' "$T/ha-all-acked" | sort -u) \
    <(awk '{ print $1 }' "$T/ha-db" | sort -u) | wc -l)
expect_eq "haproxy: nothing recorded that no client had acknowledged" "$stray" 0

expect_exit "haproxy: a read through HAProxy after the kill" 0 ha_cli kr show "$HA_LKR"
# The suite's own cairnd runs on for suite.sh to stop.
[ -z "$SERVER_PID" ] && { start_server "$T/cairnd-ha1.log" ||
    not_ok "haproxy: the first cairnd restarts"; }
ha_cleanup
HA_PROXY= HA_PID2=
