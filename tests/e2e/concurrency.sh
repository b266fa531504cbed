# concurrency.sh: a database request held by a lock must not delay another
# client (sourced by suite.sh).

# The lock is held by a psql of its own until the checks below are done
# (not for a fixed time, which a loaded machine could outlast).
coproc LOCKQ { exec "$PGBIN/psql" -X -q -t -A -h "$DATA" -U cairn -d cairn >/dev/null 2>&1; }
LOCK_PID=$LOCKQ_PID
printf 'BEGIN;\nLOCK TABLE users IN ACCESS EXCLUSIVE MODE;\n' >&"${LOCKQ[1]}"
# Wait until the lock is really held.
for i in $(seq 1 50); do
	n=$(psql_cairn -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'users' AND l.mode = 'AccessExclusiveLock' AND l.granted")
	[ "$n" = 1 ] && break
	sleep 0.1
done
XDG_CONFIG_HOME=$T/home-admin "$BIN/cairn" user list >"$T/blocked.out" 2>&1 &
BLOCKED_PID=$!
sleep 0.5
max=0
for i in 1 2 3 4 5; do
	rtt=$(XDG_CONFIG_HOME=$T/home-admin "$BIN/cairn" ping | sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p')
	max=$(echo "$rtt $max" | awk '{ print ($1 > $2) ? $1 : $2 }')
done
if kill -0 "$BLOCKED_PID" 2>/dev/null; then
	ok "the locked client is still waiting on the database"
else
	not_ok "the locked client is still waiting on the database" "$(< "$T/blocked.out")"
fi
if awk -v m="$max" 'BEGIN { exit !(m > 0 && m < 100) }'; then
	ok "another client's ping is answered in ${max} ms (< 100 ms) meanwhile"
else
	not_ok "another client's ping is answered within 100 ms" "max rtt: $max"
fi
# Now let it go: COMMIT, and the end of psql's input.
printf 'COMMIT;\n' >&"${LOCKQ[1]}"
exec {LOCKQ[1]}>&-
wait "$BLOCKED_PID"
rc=$?
if [ "$rc" = 0 ]; then
	ok "the locked client completes once the lock is gone"
else
	not_ok "the locked client completes once the lock is gone" "exit $rc: $(< "$T/blocked.out")"
fi
wait "$LOCK_PID"

# Many clients at once, each with its own session: all answered right.
pids=
for i in $(seq 1 20); do
	XDG_CONFIG_HOME=$T/home-admin "$BIN/cairn" --json whoami >"$T/par.$i" 2>&1 &
	pids="$pids $!"
done
wait $pids
bad=0
for i in $(seq 1 20); do
	grep -q '"login":"root"' "$T/par.$i" || bad=$((bad + 1))
done
expect_eq "20 concurrent clients all answered correctly" "$bad" "0"
