# patroni.sh: the Patroni configuration of docs/operations.md ("Automatic
# failover with Patroni") on loopback ports: one etcd, two Patroni nodes
# (Debian's patroni and etcd-server), cairnd over both with the documented
# --db string.  The leader's Patroni is stopped under a stream of keyed
# check-ins; Patroni promotes the other node, and cairnd writes again
# without a restart, with every acknowledged check-in there once (sourced
# by suite.sh, after login_admin).

PE=$((PORT + 7)) PEP=$((PORT + 8)) PR1=$((PORT + 9)) PR2=$((PORT + 10))
PP1=$((PORT + 12)) PP2=$((PORT + 13))
PAT=$T/patroni
PAT_PIDS= PAT_BG=

patroni_cleanup() {
	local p
	for p in $PAT_PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	# Patroni stops its PostgreSQL on SIGTERM: wait for it (10 s).
	for p in $PAT_PIDS; do
		for i in $(seq 1 100); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
	done
	wait $PAT_BG 2>/dev/null
	for d in "$PAT/n1" "$PAT/n2"; do
		[ -f "$d/postmaster.pid" ] &&
		    pg_as_owner "$PGBIN/pg_ctl" stop -D "$d" -m immediate >/dev/null 2>&1
	done
	cleanup
}
trap patroni_cleanup EXIT

for b in patroni etcd; do
	if ! command -v "$b" >/dev/null 2>&1; then
		not_ok "patroni: $b is installed (tests/deps.sh installs patroni and etcd-server)"
		return 0
	fi
done

mkdir -p "$PAT" && chmod 755 "$PAT"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$PAT"

# patroni_conf N REST-PORT PG-PORT: node N's configuration.
patroni_conf() {
	cat <<YML
scope: cairn-$PORT
name: n$1
log: {level: WARNING}
restapi: {listen: 127.0.0.1:$2, connect_address: 127.0.0.1:$2}
etcd3: {hosts: 127.0.0.1:$PE}
bootstrap:
  dcs:
    ttl: 20
    loop_wait: 1
    retry_timeout: 5
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: false
      parameters: {hot_standby_feedback: "on", max_connections: 100}
  initdb: [{encoding: UTF8}, no-locale]
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:$3
  connect_address: 127.0.0.1:$3
  data_dir: $PAT/n$1
  bin_dir: $PGBIN
  pgpass: $PAT/pgpass$1
  authentication:
    superuser: {username: postgres, password: pw-$PORT}
    replication: {username: replicator, password: pw-$PORT}
  parameters: {unix_socket_directories: '$PAT'}
YML
}
patroni_conf 1 "$PR1" "$PP1" >"$PAT/n1.yml"
patroni_conf 2 "$PR2" "$PP2" >"$PAT/n2.yml"

# role PORT: what Patroni's REST API says the node is (primary, replica).
pat_role() {
	curl -s "http://127.0.0.1:$1/patroni" 2>/dev/null | jq -r '.role // empty' 2>/dev/null
}
pat_is() {	# pat_is PORT ROLE (Patroni 3.0 may still say master)
	case $2:$(pat_role "$1") in
	primary:primary|primary:master|replica:replica) return 0 ;;
	esac
	return 1
}

echo "== etcd and two Patroni nodes"
etcd --name e1 --data-dir "$PAT/etcd" \
    --listen-client-urls "http://127.0.0.1:$PE" --advertise-client-urls "http://127.0.0.1:$PE" \
    --listen-peer-urls "http://127.0.0.1:$PEP" --initial-advertise-peer-urls "http://127.0.0.1:$PEP" \
    --initial-cluster "e1=http://127.0.0.1:$PEP" >"$PAT/etcd.log" 2>&1 &
PAT_PIDS="$!"
etcd_up() { curl -s "http://127.0.0.1:$PE/health" | grep -q true; }
if eventually 20 etcd_up; then ok "patroni: etcd is up"; else not_ok "patroni: etcd is up" "$(tail -5 "$PAT/etcd.log")"; fi
# pat_start N: node N's Patroni, as the cluster's account; its own pid
# (not runuser's, which does not pass signals on) in $PAT/nN.pid.
pat_start() {
	pg_as_owner sh -c "echo \$\$ > '$PAT/n$1.pid'; exec patroni '$PAT/n$1.yml'" \
	    >"$PAT/n$1.log" 2>&1 &
	PAT_BG="$PAT_BG $!"
	eventually 5 test -s "$PAT/n$1.pid"
	PAT_PIDS="$(cat "$PAT/n$1.pid") $PAT_PIDS"
}
pat_start 1
N1_PID=$(cat "$PAT/n1.pid")
if eventually 60 pat_is "$PR1" primary; then
	ok "patroni: node 1 bootstraps and leads"
else
	not_ok "patroni: node 1 bootstraps and leads" "$(tail -5 "$PAT/n1.log")"
fi
pat_start 2
pat_sync() {
	curl -s "http://127.0.0.1:$PR1/cluster" | jq -e '.members[] | select(.name == "n2" and .role == "sync_standby" and (.state == "streaming" or .state == "running"))' >/dev/null 2>&1
}
if eventually 60 pat_sync; then
	ok "patroni: node 2 is its synchronous standby"
else
	not_ok "patroni: node 2 is its synchronous standby" "$(curl -s "http://127.0.0.1:$PR1/cluster"; tail -5 "$PAT/n2.log")"
fi

echo "== cairnd over the two nodes (the documented --db string)"
PDB="host=127.0.0.1,127.0.0.1 port=$PP1,$PP2 user=cairn dbname=cairn target_session_attrs=read-write connect_timeout=5"
expect_exit "patroni: the cairn role" 0 "$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PP1" -U postgres -d postgres \
    -c "CREATE ROLE cairn LOGIN" -c "CREATE DATABASE cairn OWNER cairn"
stop_server >/dev/null
grep -v '^data_dir' "$T/cairnd.conf" >"$T/cairnd.conf.p" && mv "$T/cairnd.conf.p" "$T/cairnd.conf"
echo "db_connect_timeout = 2" >>"$T/cairnd.conf"
expect_exit "patroni: cairnd --init-admin migrates the new database" 0 sh -c \
    "echo '$ADMIN_PW' | '$BIN/cairnd' --config '$T/cairnd.conf' --db '$PDB' --init-admin root --password-stdin"
if start_server "$T/cairnd-p.log" --db "$PDB"; then
	ok "patroni: cairnd starts"
else
	not_ok "patroni: cairnd starts"
fi
wait_log 30 "db: [0-9]+ of [0-9]+ connections up" "$T/cairnd-p.log"
login_admin
quietly "team" as admin team add pat --name Patroni
quietly "admin in the team" as admin team member add pat root --lead
quietly "period" as admin period add patp --start 2044-01-01 --end 2044-03-31
quietly "period open" as admin period open patp
quietly "objective" as admin obj add --team pat --period patp --title "patroni $$"
quietly "key result" as admin kr add "$OUT" --title "patroni kr" --type increase --target 100
PKR=$OUT

echo "== the leader's Patroni stops: node 2 is promoted"
# The window is set by events, not seconds: a check-in costs a client's
# start and a TLS handshake, which under ASan on a loaded machine takes
# long enough that 1.5 s held only 3 (make asan, 2026-12-06).  So: PAT_N
# acknowledged before the leader stops, and PAT_N more after node 2
# leads, each within a deadline that fails the suite if cairnd stopped
# acknowledging.
PAT_N=5
keyed_start pat 1 "$PKR"
if keyed_wait pat "$PAT_N" 60; then
	ok "patroni: check-ins are acknowledged before the leader stops"
else
	not_ok "patroni: check-ins are acknowledged before the leader stops" \
	    "$(keyed_acked pat) in 60 s: $(tail -3 "$T/pat.err.1")"
fi
pat_before=$(keyed_acked pat)
t_stop=${EPOCHREALTIME/./}
kill -TERM "$N1_PID"
if eventually 40 pat_is "$PR2" primary; then
	ok "patroni: node 2 leads"
else
	not_ok "patroni: node 2 leads" "$(tail -5 "$PAT/n2.log")"
fi
t_led=${EPOCHREALTIME/./}
if keyed_wait pat 1 15 "$t_led"; then
	first=$(awk -v t="$t_led" '$3 == 0 && $4 > t { print $4; exit }' "$T/pat.rec.1")
	echo "# patroni: leader stopped, node 2 leading after $(( (t_led - t_stop) / 1000 )) ms, cairnd's first write $(( (first - t_led) / 1000 )) ms later"
	ok "patroni: cairnd writes again through node 2 without a restart"
else
	not_ok "patroni: cairnd writes again through node 2 without a restart" "$(tail -5 "$T/cairnd-p.log")"
fi
keyed_wait pat "$PAT_N" 60 "$t_led"
pat_after=$(keyed_acked pat "$t_led")
keyed_stop pat
keyed_tally pat < <("$PGBIN/psql" -X -q -t -A -F ' ' -h 127.0.0.1 -p "$PP2" -U cairn -d cairn \
    -c "SELECT note, count(*) FROM checkins WHERE kr_id = $PKR GROUP BY note")
echo "# patroni: $KEYED_ACKED acknowledged ($pat_before before the stop, $pat_after after node 2 leads), $KEYED_LOST lost, $KEYED_DUP doubled"
if [ "$pat_before" -ge "$PAT_N" ] && [ "$pat_after" -ge "$PAT_N" ]; then
	ok "patroni: check-ins were acknowledged before and after the failover"
else
	not_ok "patroni: check-ins were acknowledged before and after the failover" \
	    "$pat_before before the stop, $pat_after after node 2 leads (want $PAT_N each)"
fi
expect_eq "patroni: no acknowledged check-in lost" "$KEYED_LOST" 0
expect_eq "patroni: none recorded twice" "$((KEYED_DUP + KEYED_FAILED_BAD))" 0
