# metrics.sh: what an operator sees (issue 17): the metrics listener
# (/metrics in Prometheus text, read back through a real Prometheus;
# promtool's lint), /healthz and /readyz (the database stopped, the drain
# after SIGTERM), the listener's refusals, JSON logs that always parse,
# SIGHUP taking live settings and ignoring restart-only ones (sourced by
# suite.sh).

. "$HERE/prom-lib.sh"

for p in curl promtool prometheus; do
	command -v "$p" >/dev/null 2>&1 ||
	    not_ok "$p is installed (tests/deps.sh installs it)"
done

MPORT=$((PORT + 2))
MADDR=127.0.0.1:$MPORT
MURL=http://$MADDR

# scrape: the metrics text in $M (status of curl).
scrape() {
	M=$(curl -sf --max-time 5 "$MURL/metrics")
}
# mval SERIES: its value in $M (the exact series, labels as written), 0
# when absent (a counter not yet counted).
mval() {
	awk -v k="$1" 'index($0, k " ") == 1 { print $2; f = 1 }
	    END { if (!f) print 0 }' <<< "$M"
}
# http_code PATH [CURL-ARGS]: the status line's code.
http_code() {
	local path=$1
	shift
	curl -s -o "$T/body" -w '%{http_code}' --max-time 5 "$@" "$MURL$path"
}

# Restart with the listener, from the config file (SIGHUP reads it).
stop_server >/dev/null
cat >>"$T/cairnd.conf" <<CONF
metrics = $MADDR
metrics_interval = 1
drain_delay = 3
CONF
start_server "$T/cairnd-m.log" || not_ok "cairnd starts with metrics"
wait_log 60 "db: [0-9]+ of [0-9]+ connections up" "$T/cairnd-m.log"
expect_log "the listener is announced" "metrics, /healthz and /readyz on http://$MADDR" "$T/cairnd-m.log"

echo "== health"
expect_eq "/healthz answers 200" "$(http_code /healthz)" 200
eventually 10 sh -c "curl -sf --max-time 5 $MURL/readyz"
expect_eq "/readyz answers 200 once the pool is up" "$OUT" ready

echo "== requests by op and code, exactly"
scrape || not_ok "GET /metrics answers 200"
ok0=$(mval 'cairn_requests_total{op="user.get",code="ok"}')
nf0=$(mval 'cairn_requests_total{op="user.get",code="E_NOT_FOUND"}')
h0=$(mval 'cairn_request_duration_seconds_count{op="user.get"}')
for i in 1 2 3 4 5; do
	quietly "user show root" as admin user show root
done
for i in 1 2 3; do
	as admin user show nosuch-$i >/dev/null 2>&1
done
scrape
expect_eq "user.get ok went up by exactly 5" \
    "$(( $(mval 'cairn_requests_total{op="user.get",code="ok"}') - ok0 ))" 5
expect_eq "user.get E_NOT_FOUND went up by exactly 3" \
    "$(( $(mval 'cairn_requests_total{op="user.get",code="E_NOT_FOUND"}') - nf0 ))" 3
expect_eq "user.get's latency histogram counted all 8" \
    "$(( $(mval 'cairn_request_duration_seconds_count{op="user.get"}') - h0 ))" 8
expect_eq "its +Inf bucket equals its count" \
    "$(mval 'cairn_request_duration_seconds_bucket{op="user.get",le="+Inf"}')" \
    "$(mval 'cairn_request_duration_seconds_count{op="user.get"}')"
expect_match "an unknown op is counted as op=\"unknown\", never by its name" \
    '^0$' "$(grep -c 'op="nosuch' <<< "$M")"
expect_eq "build info carries the version" \
    "$(mval "cairn_build_info{version=\"$("$BIN/cairnd" --version | cut -d' ' -f2)\"}")" 1
expect_eq "the pool size is db_pool" "$(mval cairn_db_pool_connections)" 4
for name in cairn_connections cairn_requests_total \
    cairn_request_duration_seconds cairn_db_pool_busy \
    cairn_db_queries_waiting cairn_db_connection_errors_total \
    cairn_db_reconnects_total cairn_db_stream_slots_in_use cairn_hash_queue \
    cairn_feeds_due cairn_feeds_running cairn_feeds_failing \
    cairn_feeds_lag_seconds cairn_outbox_pending cairn_outbox_failed \
    cairn_watchers cairn_throttle_refusals_total cairn_budget_refusals_total \
    cairn_process_start_time_seconds cairn_uptime_seconds \
    cairn_db_replica_lag_seconds cairn_db_reads_total; do
	grep -q "^# TYPE $name " <<< "$M" || not_ok "$name is written with its TYPE"
done
ok "every metric of docs/operations.md is written with HELP and TYPE"

if promtool check metrics <<< "$M" >"$T/promtool.out" 2>&1; then
	ok "promtool check metrics passes"
else
	not_ok "promtool check metrics passes" "$(cat "$T/promtool.out")"
fi

echo "== connections and watchers by state"
XDG_CONFIG_HOME=$T/home-admin "$BIN/cairn" watch >"$T/watch.out" 2>&1 &
WPID=$!
eventually 10 sh -c "curl -sf $MURL/metrics | grep -qx 'cairn_watchers 1'"
expect_eq "a watch is counted in cairn_watchers" "$?" 0
scrape
logged=$(mval 'cairn_connections{state="logged_in"}')
[ "$logged" -ge 1 ] && ok "the watcher's connection is logged_in ($logged)" ||
    not_ok "the watcher's connection is logged_in" "$logged"
kill "$WPID" 2>/dev/null
wait "$WPID" 2>/dev/null
eventually 10 sh -c "curl -sf $MURL/metrics | grep -qx 'cairn_watchers 0'"
expect_eq "... and no more once it ends" "$?" 0

echo "== throttles refusing"
scrape
lk0=$(mval 'cairn_throttle_refusals_total{throttle="login_locked"}')
quiet_user mvictim member
for i in 1 2 3 4 5 6; do
	echo wrong | XDG_CONFIG_HOME=$T/home-x "$BIN/cairn" login mvictim \
	    --password-stdin >/dev/null 2>&1
done
scrape
lk=$(( $(mval 'cairn_throttle_refusals_total{throttle="login_locked"}') - lk0 ))
[ "$lk" -ge 1 ] && ok "a locked-out login counts in the throttle refusals ($lk)" ||
    not_ok "a locked-out login counts in the throttle refusals" "$lk"

echo "== the database gauges (read by the periodic query)"
uid=$(psql_cairn -c "SELECT id FROM users WHERE login = 'root'")
scrape
p0=$(mval cairn_outbox_pending)
f0=$(mval cairn_outbox_failed)
oid=$(psql_cairn -c "INSERT INTO outbox (channel, kind, user_id, next_try)
    VALUES ('email', 'metrics.test', $uid, now() + interval '1 day')
    RETURNING id")
eventually 10 sh -c "curl -sf $MURL/metrics | grep -qx 'cairn_outbox_pending $((p0 + 1))'"
expect_eq "a pending notification shows in cairn_outbox_pending" "$?" 0
psql_cairn -c "UPDATE outbox SET dropped_at = now(), last_error = 'test'
    WHERE id = $oid" >/dev/null
eventually 10 sh -c "curl -sf $MURL/metrics | grep -qx 'cairn_outbox_failed $((f0 + 1))'"
expect_eq "... and in cairn_outbox_failed once given up" "$?" 0
scrape
expect_eq "... no longer pending" "$(mval cairn_outbox_pending)" "$p0"

echo "== the listener's refusals"
expect_eq "POST is refused with 405" "$(http_code /metrics -X POST -d x=1)" 405
expect_match "... naming the methods allowed" "GET" "$(cat "$T/body")"
expect_eq "an unknown path is 404" "$(http_code /nosuch)" 404
expect_eq "HEAD is refused with 405 too (GET only)" "$(http_code /metrics -I)" 405
big=$(head -c 9000 /dev/zero | tr '\0' a)
expect_eq "a request head over 8 KiB is refused with 431" \
    "$(http_code /metrics -H "X-Big: $big")" 431
code=$(printf 'BLAH\r\n\r\n' | timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$MPORT; cat >&3; head -1 <&3")
expect_match "a malformed request line is refused with 400" "^HTTP/1.1 400" "$code"
# MHTTP_MAX_CONNS (16) idle connections held: the next is answered 503.
fds=()
for i in $(seq 16); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$MPORT" && fds+=("$fd")
done
expect_eq "a 17th connection at once is answered 503" "$(http_code /healthz)" 503
for fd in "${fds[@]}"; do
	exec {fd}>&-
done
eventually 10 sh -c "curl -sf $MURL/healthz"
expect_eq "... and served again once they close" "$?" 0
expect_exit "a non-loopback metrics address is refused at start" 1 \
    "$BIN/cairnd" --db "host=$DATA user=cairn dbname=cairn" \
    --listen 127.0.0.1:$((PORT + 5)) --cert "$T/certs/server.pem" \
    --key "$T/certs/server.key" --secret-key "$T/certs/secret.key" \
    --metrics 0.0.0.0:$((PORT + 6))
expect_match "... saying how to allow it" "not loopback.*metrics_remote" "$ERR"

echo "== Prometheus scrapes cairnd"
mkdir -p "$T/prom/data"
cat >"$T/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: cairn
    static_configs:
      - targets: ['$MADDR']
EOF
prometheus --config.file="$T/prom/prometheus.yml" \
    --storage.tsdb.path="$T/prom/data" \
    --web.listen-address="127.0.0.1:$((PORT + 4))" \
    --log.level=warn >"$T/prom/prometheus.log" 2>&1 &
PROM_PID=$!
PROM_URL=http://127.0.0.1:$((PORT + 4))
if prom_ready "$PROM_URL/-/ready"; then
	ok "Prometheus starts"
	scrape
	want=$(mval 'cairn_requests_total{op="user.get",code="ok"}')
	if prom_wait_value 'cairn_requests_total{op="user.get",code="ok"}' \
	    "$want" 30 2>"$T/stderr"; then
		ok "Prometheus answers cairn_requests_total for user.get ($want)"
	else
		not_ok "Prometheus answers cairn_requests_total for user.get" "$(< "$T/stderr")"
	fi
	if prom_wait_value 'up{job="cairn"}' 1 10 2>"$T/stderr"; then
		ok "Prometheus sees the target up (its parser took the text)"
	else
		not_ok "Prometheus sees the target up" "$(< "$T/stderr")"
	fi
else
	not_ok "Prometheus starts" "$(tail -5 "$T/prom/prometheus.log")"
fi
prom_stop prometheus

echo "== SIGHUP: a live setting taken, a restart-only one ignored"
cat >>"$T/cairnd.conf" <<CONF
log_format = json
db_pool = 5
CONF
kill -HUP "$SERVER_PID"
expect_log "SIGHUP logs the live change" "log_format changed from text to json" "$T/cairnd-m.log"
expect_log "SIGHUP logs the restart-only change as ignored" \
    'db_pool changed to 5 but needs a restart: ignored, still 4' "$T/cairnd-m.log"
scrape
expect_eq "... and the pool keeps its size" "$(mval cairn_db_pool_connections)" 4
off=$(grep -n 'configuration read again' "$T/cairnd-m.log" | tail -1 | cut -d: -f1)

echo "== JSON logs"
codes=$(python3 "$HERE/metrics_raw.py" "$ADDR" "$T/certs/ca.pem" 2>&1)
expect_eq "the weird login and the op that is not UTF-8 are answered" \
    "$(echo $codes)" "E_AUTH E_UNKNOWN_OP"
quietly "a request after the switch" as admin user show root
wait_log 10 '"op":"user.get","code":"ok","ms":' "$T/cairnd-m.log"
if python3 - "$T/cairnd-m.log" "$off" >"$T/json.out" 2>&1 <<'EOF'
import json, sys
path, off = sys.argv[1], int(sys.argv[2])
raw = open(path, 'rb').read().split(b'\n')[off:]
lines = [l for l in raw if l]
objs = []
for l in lines:
    try:
        objs.append(json.loads(l.decode('utf-8')))
    except Exception as e:
        sys.exit('line does not parse (%s): %r' % (e, l))
assert len(objs) >= 5, 'only %d lines' % len(objs)
for o in objs:
    assert {'time', 'level', 'msg'} <= o.keys(), o
    assert o['time'].endswith('Z') and len(o['time']) == 24, o['time']
weird = 'we"ird\\na\x01me\x1f\x7f'
fl = [o for o in objs if o['msg'] == "failed login for '%s'" % weird]
assert fl, 'no failed login line with the name exact'
assert isinstance(fl[0]['conn'], int) and fl[0]['peer'] == '127.0.0.1', fl[0]
op = [o for o in objs if o.get('code') == 'E_UNKNOWN_OP']
assert op and op[0]['op'] == '\ufffd\ufffd"\\\x01op\ufffd', op
assert isinstance(op[0]['ms'], int), op[0]
ug = [o for o in objs if o.get('op') == 'user.get' and o.get('code') == 'ok']
assert ug and ug[-1]['user'] == 'root' and ug[-1]['level'] == 'debug', ug
print('%d lines parse' % len(objs))
EOF
then
	ok "every JSON line parses, with the weird name and op exact ($(cat "$T/json.out"))"
else
	not_ok "every JSON line parses, with the weird name and op exact" "$(cat "$T/json.out")"
fi

echo "== SIGHUP with a file that does not parse"
cp "$T/cairnd.conf" "$T/cairnd.conf.good"
echo "nosuch_setting = 1" >>"$T/cairnd.conf"
kill -HUP "$SERVER_PID"
expect_log "SIGHUP names the problem, as a JSON line" \
    '^\{"time":.*"msg":"SIGHUP: .*unknown setting .nosuch_setting.' "$T/cairnd-m.log"
expect_log "... and keeps the running configuration" \
    'does not parse .*keeping the running one' "$T/cairnd-m.log"
mv "$T/cairnd.conf.good" "$T/cairnd.conf"

echo "== readyz follows the database"
pg_as_owner "$PGBIN/pg_ctl" stop -D "$DATA/pgdata" -m fast -w -s
eventually 10 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $MURL/readyz)\" = 503 ]"
expect_eq "/readyz answers 503 once the database is down" "$?" 0
expect_match "... with its reason" "database unreachable" "$(curl -s "$MURL/readyz")"
expect_eq "/healthz still answers 200" "$(http_code /healthz)" 200
pg_as_owner "$PGBIN/pg_ctl" start -D "$DATA/pgdata" -w -s -l "$DATA/postgres.log" >/dev/null 2>&1
eventually 20 sh -c "curl -sf $MURL/readyz"
expect_eq "/readyz answers 200 again once it is back" "$?" 0
scrape
e=$(mval cairn_db_connection_errors_total)
[ "$e" -ge 1 ] && ok "the lost connections are counted ($e)" ||
    not_ok "the lost connections are counted" "$e"

echo "== SIGTERM drains"
t0=${EPOCHREALTIME/./}
kill -TERM "$SERVER_PID"
eventually 2 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $MURL/readyz)\" = 503 ]"
expect_eq "/readyz turns 503 at once" "$?" 0
expect_match "... saying it drains" "draining" "$(curl -s "$MURL/readyz")"
expect_exit "requests are still served while draining" 0 as admin whoami
wait "$SERVER_PID"
rc=$?
el=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
SERVER_PID=
expect_eq "cairnd then stops with status 0" "$rc" 0
[ "$el" -ge 3000 ] && ok "it stopped after drain_delay (${el} ms)" ||
    not_ok "it stopped after drain_delay" "${el} ms"
