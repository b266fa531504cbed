# limits.sh: connections per address and the reserve, the file-descriptor
# limit, rate-limited log lines, and answering everything at SIGTERM
# (sourced by suite.sh; issue 6: "Connections from one address", items 9, 17).

# A second cairnd on the same database, with room for 1,024 connections and
# handshakes that do not time out during the test.
L_PORT=$((PORT + 3))	# in the block of ports run.sh gave this suite
L_ADDR=127.0.0.1:$L_PORT
cat > "$T/limits.conf" <<CONF
listen = $L_ADDR
cert = $T/certs/server.pem
key = $T/certs/server.key
db = host=$DATA user=cairn dbname=cairn
max_conns = 1024
max_conns_per_addr = 256
# This server tests the limits on all connections; preauth.sh tests those on
# connections not logged in (4096: never reached, nor its random early drop
# from half of it), which would otherwise come first.
max_startups = 4096
max_startups_per_addr = 256
handshake_timeout = 60
db_pool = 2
log_level = info
# its stop is timed: no drain before it (metrics.sh tests drain_delay)
drain_delay = 0
CONF

# Start it with this soft descriptor limit; sets L_PID (empty on failure).
l_start() {
	local soft=$1 i
	L_PID=
	( ulimit -Sn "$soft" && exec "$BIN/cairnd" --config "$T/limits.conf" ${L_EXTRA:-} ) \
	    >"$T/cairnd-limits.log" 2>&1 &
	L_PID=$!
	for i in $(seq 1 100); do
		"$BIN/cairn" --server "$L_ADDR" --ca "$T/certs/ca.pem" ping \
		    >/dev/null 2>&1 && return 0
		kill -0 "$L_PID" 2>/dev/null || { L_PID=; return 1; }
		sleep 0.1
	done
	return 1
}

# The hard limit too low for max_conns: cairnd refuses to start and says
# which limit and how to fix it.
( ulimit -n 512 && exec timeout 20 "$BIN/cairnd" --config "$T/limits.conf" ) \
    >"$T/cairnd-nofile.log" 2>&1
rc=$?
expect_eq "hard descriptor limit 512 < max_conns 1024: cairnd exits 1" "$rc" 1
expect_match "... naming the limit and the fix" \
    'needs 1[0-9]{3} file descriptors.*RLIMIT_NOFILE, ulimit -Hn\) is 512: raise it' \
    "$(< "$T/cairnd-nofile.log")"

# A soft limit of 256 (hard higher) is raised to what max_conns needs.
if l_start 256; then
	ok "limits server starts with a soft descriptor limit of 256"
	soft=$(awk '/Max open files/ { print $4 }' "/proc/$L_PID/limits")
	if [ "$soft" -ge 1088 ]; then
		ok "soft descriptor limit raised to $soft (max_conns + db_pool + hash_threads + 64)"
	else
		not_ok "soft descriptor limit raised" "soft limit $soft"
	fi
else
	not_ok "limits server starts" "$(< "$T/cairnd-limits.log")"
fi

if [ -n "$L_PID" ]; then
	if CAIRN_TEST_ADDR=$L_ADDR CAIRN_TEST_CA=$T/certs/ca.pem \
	    "$BIN/test_limits" flood; then
		ok "1,100 idle sockets from 127.0.0.3 keep 256; 127.0.0.1 still pings in < 2 s; the reserve holds"
	else
		not_ok "connections per address and the reserve"
	fi
	sleep 1.5	# the last held-back warning is written within a second
	lines=$(grep -c 'refusing connection' "$T/cairnd-limits.log")
	echo "# refusal warnings logged for 3,000+ refused connections: $lines"
	if [ "$lines" -ge 1 ] && [ "$lines" -le 30 ]; then
		ok "refused connections are logged at most once a second per kind ($lines lines)"
	else
		not_ok "refused connections are rate-limited in the log" "$lines lines"
	fi
	expect_log "... with the count of the others" \
	    'refusing connection from 127\.0\.0\.3: it holds 256 connections \(max_conns_per_addr\) \(and [0-9]+ more like this in the last second\)' \
	    "$T/cairnd-limits.log" 5
	kill -TERM "$L_PID" 2>/dev/null
	wait "$L_PID"
	rc=$?
	L_PID=
	# Under ASan a leak would make this non-zero.
	expect_eq "limits server stops with status 0" "$rc" 0
fi

# shutdown_grace, given here by its old name: a request held past it (on a
# lock) is cut off, and cairnd still exits 0, on time.
L_EXTRA="--shutdown-timeout 2"
if l_start 4096; then
	# The pool up first: a connection prepares its statements as it
	# comes up, and preparing one on users would wait on the lock too.
	lpool=$(sed -n 's/^db_pool = //p' "$T/limits.conf" | tail -n 1)
	wait_log 30 "db: ${lpool:-8} of ${lpool:-8} connections up" \
	    "$T/cairnd-limits.log" || true
	psql_cairn -c "BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(5); COMMIT;" >/dev/null 2>&1 &
	LOCK_PID=$!
	for i in $(seq 1 100); do	# until the lock is held
		[ "$(psql_cairn -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'users' AND l.mode = 'AccessExclusiveLock' AND l.granted")" = 1 ] && break
		sleep 0.05
	done
	echo wrong-password | XDG_CONFIG_HOME=$T/home-grace "$BIN/cairn" \
	    --server "$L_ADDR" --ca "$T/certs/ca.pem" login root \
	    --password-stdin >/dev/null 2>&1 &
	GRACE_CLIENT=$!
	# until the login waits on it (its own statement: cairnd's background
	# queries, the event stream's and the notifications', may wait on
	# users too)
	for i in $(seq 1 100); do
		[ "$(psql_cairn -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_stat_activity a ON a.pid = l.pid WHERE c.relname = 'users' AND NOT l.granted AND a.query LIKE '%u.password_hash%'")" -ge 1 ] && break
		sleep 0.05
	done
	t0=$(date +%s%N)
	kill -TERM "$L_PID"
	wait "$L_PID"
	rc=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	L_PID=
	expect_eq "a request held past shutdown_grace (2 s): cairnd still exits 0" "$rc" 0
	if [ "$ms" -ge 1500 ] && [ "$ms" -lt 6000 ]; then
		ok "... after the grace period (${ms} ms)"
	else
		not_ok "... after the grace period" "${ms} ms"
	fi
	expect_match "... saying so" 'did not finish in time \(shutdown_grace\)' \
	    "$(< "$T/cairnd-limits.log")"
	wait "$GRACE_CLIENT"
	wait "$LOCK_PID"
else
	not_ok "limits server starts with --shutdown-timeout" "$(< "$T/cairnd-limits.log")"
fi
L_EXTRA=

# SIGTERM with requests pipelined behind one held on a lock: each gets its
# answer before the close, and cairnd exits 0 within shutdown_grace.
psql_cairn -c "BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT;" >/dev/null 2>&1 &
LOCK_PID=$!
for i in $(seq 1 50); do
	n=$(psql_cairn -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'users' AND l.mode = 'AccessExclusiveLock' AND l.granted")
	[ "$n" = 1 ] && break
	sleep 0.1
done
if CAIRN_TEST_ADDR=$ADDR CAIRN_TEST_CA=$T/certs/ca.pem \
    CAIRN_TEST_SERVER_PID=$SERVER_PID "$BIN/test_limits" stop; then
	ok "SIGTERM: the running request gets its result, the 20 behind it 'server shutting down', then the close"
else
	not_ok "SIGTERM answers every request received"
fi
wait "$LOCK_PID"
wait "$SERVER_PID"
rc=$?
SERVER_PID=
expect_eq "... and cairnd exits 0" "$rc" 0
if grep -q "did not finish in time" "$T/cairnd.log"; then
	not_ok "... within shutdown_grace"
else
	ok "... within shutdown_grace"
fi
mv "$T/cairnd.log" "$T/cairnd-before-stop.log"
start_server "$T/cairnd.log" || not_ok "cairnd restarts after the stop test"
