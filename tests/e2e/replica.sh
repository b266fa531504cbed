# replica.sh: cairnd over a primary and a streaming replica (sourced by
# suite.sh, after login_admin).  The suite's cluster becomes the primary on
# a TCP port, a replica is made from it with pg_basebackup -R, and cairnd
# is started with both in one multi-host --db string
# (target_session_attrs=read-write) and the replica as --db-replica.
# Checked: the lag-tolerant reads go to the replica, a read after the
# reader's own write goes to the primary, a replica made to lag (replay
# paused) stops being used and is used again once it catches up; then,
# under a stream of keyed check-ins, the primary is stopped with
# "-m immediate" and the replica promoted: the time from the promotion to
# cairnd's first acknowledged write is within the documented bound (10 s),
# and every acknowledged check-in is in the database once.  Last, a
# pg_dump of the database is restored into a new cluster and served by a
# second cairnd.
#
# The replication is synchronous (synchronous_standby_names = '*' on the
# primary), as docs/operations.md says it must be for a failover to lose
# no acknowledged write.

RP1=$((PORT + 13)) RP2=$((PORT + 14)) RP3=$((PORT + 15))
REP=$T/replica RST=$T/restore
REP_DB="host=localhost,127.0.0.1 port=$RP1,$RP2 user=cairn dbname=cairn target_session_attrs=read-write"
REP_REPLICA="host=127.0.0.1 port=$RP2 user=cairn dbname=cairn"
R_LAG_MS=2000
RST_PID=

replica_cleanup() {
	[ -n "$RST_PID" ] && kill -TERM "$RST_PID" 2>/dev/null && wait "$RST_PID"
	local d
	for d in "$REP/pgdata" "$RST/pgdata"; do
		[ -f "$d/postmaster.pid" ] &&
		    pg_as_owner "$PGBIN/pg_ctl" stop -D "$d" -m immediate >/dev/null 2>&1
	done
	cleanup
}
trap replica_cleanup EXIT

# A directory the cluster's account owns (as root: postgres).
owned_dir() {
	mkdir -p "$1" && chmod 700 "$1"
	[ "$(id -u)" = 0 ] && chown postgres:postgres "$1"
	return 0
}

rq() {	# rq PORT SQL: one value from the cluster on PORT
	"$PGBIN/psql" -X -q -t -A -h 127.0.0.1 -p "$1" -U cairn -d cairn \
	    -v ON_ERROR_STOP=1 -c "$2"
}

# The routing's debug lines (db-replica.c) in cairnd's log since mark.
routed() {	# routed PATTERN: how many lines match since the mark
	tail -c +"$((R_MARK + 1))" "$T/cairnd-r.log" | grep -cE -- "$1"
}
mark() {
	R_MARK=$(stat -c %s "$T/cairnd-r.log")
}

echo "== the primary on TCP, a streaming replica from pg_basebackup"
if stop_server; then
	ok "replica: the suite's cairnd stops"
else
	not_ok "replica: the suite's cairnd stops"
fi
pg_as_owner "$PGBIN/pg_ctl" status -D "$DATA/pgdata" >/dev/null 2>&1 &&
    pg_as_owner "$PGBIN/pg_ctl" stop -D "$DATA/pgdata" -m fast -w -s
expect_exit "replica: the primary starts on 127.0.0.1:$RP1" 0 \
    pg_as_owner "$PGBIN/pg_ctl" start -D "$DATA/pgdata" -w -s \
    -l "$DATA/postgres.log" -o "-c listen_addresses=127.0.0.1 -c port=$RP1 -c synchronous_standby_names=*"
export PGPORT=$RP1	# psql_cairn: the socket is .s.PGSQL.$RP1 now
owned_dir "$REP"
expect_exit "replica: pg_basebackup -R makes the replica" 0 \
    pg_as_owner "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$RP1" -U cairn \
    -D "$REP/pgdata" -R -X stream -c fast
expect_exit "replica: the replica starts on 127.0.0.1:$RP2" 0 \
    pg_as_owner "$PGBIN/pg_ctl" start -D "$REP/pgdata" -w -s \
    -l "$REP/postgres.log" -o "-c listen_addresses=127.0.0.1 -c port=$RP2 -c unix_socket_directories=$REP -c hot_standby_feedback=on"
expect_eq "replica: it is in recovery" "$(rq "$RP2" "SELECT pg_is_in_recovery()")" t
rep_sync() {
	[ "$(rq "$RP1" "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")" = 1 ]
}
if eventually 10 rep_sync; then
	ok "replica: it streams from the primary, synchronously"
else
	not_ok "replica: it streams from the primary, synchronously" "$(rq "$RP1" "SELECT * FROM pg_stat_replication")"
fi

echo "== cairnd with --db HOST-LIST ... target_session_attrs=read-write and --db-replica"
grep -v '^data_dir' "$T/cairnd.conf" >"$T/cairnd.conf.r" && mv "$T/cairnd.conf.r" "$T/cairnd.conf"
expect_exit "replica: a second --db-replica the same as the first is refused" 2 \
    "$BIN/cairnd" --config "$T/cairnd.conf" --db "$REP_DB" \
    --db-replica "$REP_REPLICA" --db-replica "$REP_REPLICA"
expect_match "... saying so" "db_replica given twice" "$ERR"
nine=
for i in 1 2 3 4 5 6 7 8 9; do
	nine="$nine --db-replica dbname=r$i"
done
expect_exit "replica: a ninth --db-replica is refused" 2 \
    "$BIN/cairnd" --config "$T/cairnd.conf" --db "$REP_DB" $nine
expect_match "... saying so" "db_replica: give 1 to 8 of them" "$ERR"
expect_exit "replica: a port list longer than the host list is refused" 1 \
    "$BIN/cairnd" --config "$T/cairnd.conf" \
    --db "host=127.0.0.1,127.0.0.1 port=1,2,3 user=cairn dbname=cairn"
# (libpq's check at the migration's connection comes first; db-conn.c's
# says the same if it ever does not)
expect_match "... saying so" "(could not match 3 port numbers|port names 3 ports) (to|for) 2 hosts" "$ERR"
R_METRICS=127.0.0.1:$((PORT + 2))
if start_server "$T/cairnd-r.log" --db "$REP_DB" --db-replica "$REP_REPLICA" \
    --max-replica-lag-ms "$R_LAG_MS" --metrics "$R_METRICS"; then
	ok "replica: cairnd starts on the two hosts and the replica"
else
	not_ok "replica: cairnd starts on the two hosts and the replica"
fi
expect_log "replica: the primary's pool is up (localhost resolved off the loop)" \
    "db: [0-9]+ of [0-9]+ connections up" "$T/cairnd-r.log" 30
expect_log "replica: the replica serves reads once its lag is measured" \
    "db replica 127.0.0.1:$RP2: lag [0-9]+ ms, under max_replica_lag_ms \($R_LAG_MS\): serving reads" \
    "$T/cairnd-r.log" 30

# Data: a team, a period, an objective and a key result.
root_team=$(psql_cairn -c "SELECT slug FROM teams WHERE parent_id IS NULL")
quietly "team" as admin team add rep --name Replicated ${root_team:+--parent "$root_team"}
quietly "admin in the team" as admin team member add rep root --lead
quietly "period" as admin period add repp --start 2043-01-01 --end 2043-03-31
quietly "period open" as admin period open repp
quietly "objective" as admin obj add --team rep --period repp --title "replicated $$"
RO=$OUT
quietly "key result" as admin kr add "$RO" --title "replicated kr" --type increase --target 100
RKR=$OUT
quiet_user reader member
sleep $((R_LAG_MS / 1000 + 1))	# the admin's writes are past the bound

echo "== the reads that tolerate lag go to the replica"
mark
expect_exit "replica: the reader's tree" 0 as reader --json tree --period repp
expect_match "... has the objective" "replicated $$" "$OUT"
expect_exit "replica: the reader's health" 0 as reader --json health --period repp
expect_exit "replica: the reader's kpi list" 0 as reader --json kpi list
if wait_log 5 "db: tree_(org|team) for user [0-9]+ on replica 127.0.0.1:$RP2" "$T/cairnd-r.log" &&
    [ "$(routed "on replica 127.0.0.1:$RP2")" -ge 4 ]; then
	ok "replica: the tree, health and KPI list were read on the replica"
else
	not_ok "replica: the tree, health and KPI list were read on the replica" \
	    "$(tail -c +"$((R_MARK + 1))" "$T/cairnd-r.log" | grep "db: " | tail -8)"
fi
expect_eq "... and none of them on the primary" "$(routed "on the primary")" 0
mark
expect_exit "replica: whoami (not lag-tolerant)" 0 as reader whoami
expect_eq "... is not routed" "$(routed "on (replica|the primary)")" 0

echo "== a client reads its own writes"
mark
expect_exit "replica: the admin checks in 37" 0 as admin kr checkin "$RKR" 37
expect_exit "replica: ... and reads the tree at once" 0 as admin --json tree --period repp
expect_match "... which has it (37%)" '"progress":0\.37' "$OUT"
uid=$(psql_cairn -c "SELECT id FROM users WHERE login = 'root'")
if [ "$(routed "for user $uid on the primary \(it wrote [0-9]+ ms ago\)")" -ge 1 ] &&
    [ "$(routed "for user $uid on replica")" = 0 ]; then
	ok "replica: the writer's read went to the primary"
else
	not_ok "replica: the writer's read went to the primary" \
	    "$(tail -c +"$((R_MARK + 1))" "$T/cairnd-r.log" | grep "db: " | tail -8)"
fi

echo "== a replica that lags stops being used"
expect_exit "replica: replay paused on the replica" 0 rq "$RP2" "SELECT pg_wal_replay_pause()"
expect_exit "replica: the admin checks in 55" 0 as admin kr checkin "$RKR" 55
expect_log "replica: cairnd sees the lag over the bound" \
    "db replica 127.0.0.1:$RP2: lag [0-9]+ ms, over max_replica_lag_ms" "$T/cairnd-r.log" 15
mark
expect_exit "replica: the reader's tree meanwhile" 0 as reader --json tree --period repp
expect_match "... has the new value (read on the primary)" '"progress":0\.55' "$OUT"
expect_eq "... which the log says" "$(routed "db: tree_(org|team) for user [0-9]+ on the primary \(no replica within")" 1
expect_eq "... the replica itself still has the old value" \
    "$(rq "$RP2" "SELECT value FROM checkins WHERE kr_id = $RKR ORDER BY id DESC LIMIT 1")" \
    "$(psql_cairn -c "SELECT value FROM checkins WHERE kr_id = $RKR ORDER BY id DESC OFFSET 1 LIMIT 1")"
n_serving=$(grep -c "serving reads" "$T/cairnd-r.log")
expect_exit "replica: replay resumed" 0 rq "$RP2" "SELECT pg_wal_replay_resume()"
serving_again() {
	[ "$(grep -c "serving reads" "$T/cairnd-r.log")" -gt "$n_serving" ]
}
if eventually 15 serving_again; then
	ok "replica: caught up, it serves reads again"
else
	not_ok "replica: caught up, it serves reads again" "$(grep "db replica" "$T/cairnd-r.log" | tail -4)"
fi
mark
expect_exit "replica: the reader's tree again" 0 as reader --json tree --period repp
expect_match "... with the new value" '"progress":0\.55' "$OUT"
expect_eq "... read on the replica" "$(routed "db: tree_(org|team) for user [0-9]+ on replica")" 1
# The metrics say the same: reads routed by target, the replica's lag.
curl -s "http://$R_METRICS/metrics" > "$T/r-metrics.txt"
r_on=$(awk '$1 == "cairn_db_reads_total{target=\"replica\"}" { print $2 }' "$T/r-metrics.txt")
r_lag=$(awk -v n="cairn_db_replica_lag_seconds{replica=\"127.0.0.1:$RP2\"}" '$1 == n { print $2 }' "$T/r-metrics.txt")
if [ -n "$r_on" ] && [ "$r_on" -ge 4 ] 2>/dev/null && [ -n "$r_lag" ] &&
    awk -v l="$r_lag" 'BEGIN { exit !(l >= 0 && l < 1) }'; then
	ok "replica: the metrics count reads on the replica ($r_on) and its lag ($r_lag s)"
else
	not_ok "replica: the metrics count reads on the replica and its lag" "$(grep -E 'cairn_db_(reads|replica)' "$T/r-metrics.txt")"
fi

echo "== failover: the primary dies, the replica is promoted"
keyed_start rep 3 "$RKR"
# A time and REP_N acknowledged check-ins before the primary stops, and
# after the promotion (a sanitizer's build on a loaded machine may take
# longer for them than the time).
REP_N=5
sleep 1.5
keyed_wait rep "$REP_N" 60
rep_before=$(keyed_acked rep)
pg_as_owner "$PGBIN/pg_ctl" stop -D "$DATA/pgdata" -m immediate -w -s
echo "# replica: primary stopped (immediate)"
sleep 1
expect_exit "replica: writes fail while there is no primary" 8 \
    as admin kr checkin "$RKR" 1 --note rep-none --idempotency-key rep-none-$$
expect_match "... as E_UNAVAILABLE" "E_UNAVAILABLE|unavailable" "$ERR"
expect_exit "replica: pg_ctl promote" 0 pg_as_owner "$PGBIN/pg_ctl" promote -D "$REP/pgdata" -w -s
t_promoted=${EPOCHREALTIME/./}
first=
for i in $(seq 1 200); do
	if as admin kr checkin "$RKR" 1 --note "rep-probe-$$-$i" \
	    --idempotency-key "rep-probe-$$-$i" >/dev/null 2>&1; then
		first=${EPOCHREALTIME/./}
		break
	fi
	sleep 0.05
done
if [ -n "$first" ]; then
	ms=$(( (first - t_promoted) / 1000 ))
	echo "# replica: first acknowledged write $ms ms after the promotion"
	if [ "$ms" -le 10000 ]; then
		ok "replica: writes resume within 10 s of the promotion ($ms ms)"
	else
		not_ok "replica: writes resume within 10 s of the promotion" "$ms ms"
	fi
else
	not_ok "replica: writes resume after the promotion" "$(tail -5 "$T/cairnd-r.log")"
fi
sleep 1.5
keyed_wait rep "$REP_N" 60 "$t_promoted"
rep_after=$(keyed_acked rep "$t_promoted")
keyed_stop rep
keyed_tally rep < <(rq "$RP2" "SELECT note, count(*) FROM checkins WHERE kr_id = $RKR AND note LIKE 'rep-$$-%' GROUP BY note" | tr '|' ' ')
echo "# replica: $KEYED_ACKED acknowledged ($rep_before before the stop, $rep_after after the promotion), $KEYED_FAILED failed during the failover, $KEYED_LOST lost"
if [ "$rep_before" -ge "$REP_N" ] && [ "$rep_after" -ge "$REP_N" ] &&
    [ "$KEYED_FAILED" -gt 0 ]; then
	ok "replica: check-ins were acknowledged before and after, refused between"
else
	not_ok "replica: check-ins were acknowledged before and after, refused between" "$rep_before acknowledged before, $rep_after after (want $REP_N each), $KEYED_FAILED failed"
fi
expect_eq "replica: no acknowledged check-in lost" "$KEYED_LOST" 0
expect_eq "replica: none recorded twice" "$KEYED_DUP" 0
expect_eq "replica: no failed one recorded twice" "$KEYED_FAILED_BAD" 0
expect_eq "replica: the key refused while there was no primary was not recorded" \
    "$(rq "$RP2" "SELECT count(*) FROM checkins WHERE note = 'rep-none'")" 0
expect_exit "replica: the promoted replica serves lag-tolerant reads (it is the primary)" 0 \
    as reader --json tree --period repp
expect_exit "replica: whoami after the failover" 0 as admin whoami

echo "== backup: a pg_dump restored into a new cluster and served"
expect_exit "replica: pg_dump -Fc" 0 "$PGBIN/pg_dump" -Fc -h 127.0.0.1 -p "$RP2" \
    -U cairn -f "$T/cairn.dump" cairn
owned_dir "$RST"
expect_exit "replica: initdb a new cluster" 0 pg_as_owner "$PGBIN/initdb" \
    -D "$RST/pgdata" -U cairn -A trust -E UTF8 --no-locale --no-instructions
expect_exit "replica: it starts" 0 pg_as_owner "$PGBIN/pg_ctl" start -D "$RST/pgdata" \
    -w -s -l "$RST/postgres.log" -o "-c listen_addresses=127.0.0.1 -c port=$RP3 -c unix_socket_directories=$RST"
expect_exit "replica: createdb" 0 "$PGBIN/createdb" -h 127.0.0.1 -p "$RP3" -U cairn cairn
expect_exit "replica: pg_restore" 0 "$PGBIN/pg_restore" --exit-on-error -h 127.0.0.1 \
    -p "$RP3" -U cairn -d cairn "$T/cairn.dump"
sed -e "s/^listen = .*/listen = 127.0.0.1:$((PORT + 1))/" "$T/cairnd.conf" >"$T/cairnd-rst.conf"
"$BIN/cairnd" --config "$T/cairnd-rst.conf" \
    --db "host=127.0.0.1 port=$RP3 user=cairn dbname=cairn" >"$T/cairnd-rst.log" 2>&1 &
RST_PID=$!
RADDR=127.0.0.1:$((PORT + 1))
if eventually 30 "$BIN/cairn" --server "$RADDR" --ca "$T/certs/ca.pem" ping; then
	ok "replica: a cairnd serves the restored database"
else
	not_ok "replica: a cairnd serves the restored database" "$(tail -5 "$T/cairnd-rst.log")"
fi
expect_exit "replica: the admin logs in there" 0 sh -c "echo '$ADMIN_PW' |
    XDG_CONFIG_HOME=$T/home-rst $BIN/cairn --server $RADDR --ca $T/certs/ca.pem login root --password-stdin"
expect_exit "replica: the tree read there" 0 env XDG_CONFIG_HOME="$T/home-rst" \
    "$BIN/cairn" --server "$RADDR" --ca "$T/certs/ca.pem" --json tree --period repp
expect_match "... has the objective written before the dump" "replicated $$" "$OUT"
expect_eq "replica: the restored database has every check-in" \
    "$(rq "$RP3" "SELECT count(*) FROM checkins WHERE kr_id = $RKR")" \
    "$(rq "$RP2" "SELECT count(*) FROM checkins WHERE kr_id = $RKR")"
kill -TERM "$RST_PID" && wait "$RST_PID"
RST_PID=
pg_as_owner "$PGBIN/pg_ctl" stop -D "$RST/pgdata" -m fast -w -s
