# crash.sh: check-ins streamed while PostgreSQL is stopped with
# "pg_ctl -m immediate" and restarted, and while cairnd is killed with
# kill -9 and restarted (sourced by suite.sh, after login_admin: uses lib.sh's as()
# and the admin's session).  Each check-in carries a known idempotency key
# (also its note); afterwards every acknowledged one must be in the
# database exactly once (none lost), every one reported as failed absent
# or there once, and once there after a retry with its key.

crash_q() {
	psql_cairn -c "$1"
}

crash_pg_running() {
	pg_as_owner "$PGBIN/pg_ctl" status -D "$DATA/pgdata" >/dev/null 2>&1
}

# Wait until a request that needs the database succeeds (up to 30 s).
crash_wait_db() {
	local i
	for i in $(seq 1 150); do
		as admin whoami >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# Under the root team if an earlier suite made one (there is only one).
root_team=$(psql_cairn -c "SELECT slug FROM teams WHERE parent_id IS NULL")
expect_exit "crash: team" 0 as admin team add crash --name Crash ${root_team:+--parent "$root_team"}
expect_exit "crash: admin in the team" 0 as admin team member add crash root --lead
expect_exit "crash: period" 0 as admin period add crashp --start 2042-01-01 --end 2042-03-31
expect_exit "crash: period open" 0 as admin period open crashp
expect_exit "crash: objective" 0 as admin obj add --team crash --period crashp --title "crash $$"
CO=$OUT
expect_exit "crash: key result" 0 as admin kr add "$CO" --title "crash kr" --type increase --target 1000000
CKR=$OUT
case "$CKR" in
''|*[!0-9]*) not_ok "crash: set-up failed, no stream"; return 0 ;;
esac

keyed_start crash 3 "$CKR"

t0=$(date +%s%N)
crash_at() {	# crash_at WHAT: the time since the stream began
	echo "# crash: $1 at $(( ($(date +%s%N) - t0) / 1000000 )) ms"
}
# Each stretch of the stream runs for a time and until CRASH_N more
# check-ins are acknowledged (a sanitizer's build on a loaded machine may
# take longer for them than the time), so that "acknowledged throughout"
# counts what happened in each stretch, not over fixed seconds.
CRASH_N=5
sleep 1.5
keyed_wait crash "$CRASH_N" 60
crash_before=$(keyed_acked crash)
crash_at "PostgreSQL stopped (immediate)"
# (a) PostgreSQL dies without a shutdown checkpoint, and comes back
# through crash recovery.  (A cairnd that restarts its cluster itself may
# have done so already: start it only if it is not running.)
pg_as_owner "$PGBIN/pg_ctl" stop -D "$DATA/pgdata" -m immediate -w -s
crash_at "PostgreSQL down"
sleep 0.5
crash_pg_running || pg_as_owner "$PGBIN/pg_ctl" start -D "$DATA/pgdata" -w -s \
    -l "$DATA/postgres.log" >/dev/null
crash_at "PostgreSQL started"
if crash_wait_db; then
	crash_at "cairnd serves again"
	ok "crash: cairnd serves again after PostgreSQL's immediate stop"
else
	not_ok "crash: cairnd serves again after PostgreSQL's immediate stop"
fi
t_back=${EPOCHREALTIME/./}
sleep 1.5
keyed_wait crash "$CRASH_N" 60 "$t_back"
crash_back=$(keyed_acked crash "$t_back")
crash_at "cairnd killed"
# (b) cairnd dies with requests in flight; the next one adopts the
# running cluster.
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=
sleep 0.3
if start_server "$T/cairnd-crash.log"; then
	ok "crash: cairnd restarts after kill -9"
else
	not_ok "crash: cairnd restarts after kill -9"
fi
t_restarted=${EPOCHREALTIME/./}
sleep 1.5
keyed_wait crash "$CRASH_N" 60 "$t_restarted"
crash_restarted=$(keyed_acked crash "$t_restarted")
# Once more, quickly, so that a kill may land between a commit and its
# reply.
for n in 1; do
	kill -KILL "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
	start_server "$T/cairnd-crash$n.log" || not_ok "crash: restart $n"
	sleep 0.7
done
crash_at "stream stopping"
keyed_stop crash
crash_wait_db || not_ok "crash: the database answers at the end"
crash_at "stream stopped"

# What the workers saw against what the database holds, per key.
keyed_tally crash < <(crash_q "SELECT note, count(*) FROM checkins WHERE kr_id = $CKR GROUP BY note" | tr '|' ' ')
retried_bad=0
# The retry a user would make, with the same key.
while read -r key val; do
	as admin kr checkin "$CKR" "$val" --note "$key" \
	    --idempotency-key "$key" >/dev/null 2>&1 || retried_bad=$((retried_bad + 1))
done <"$T/crash.failed"
if [ -s "$T/crash.failed" ]; then
	n=$(crash_q "SELECT count(*) FROM (SELECT note FROM checkins
	    WHERE kr_id = $CKR AND note IN ($(sed "s/^\([^ ]*\) .*/'\1'/" "$T/crash.failed" | paste -sd,))
	    GROUP BY note HAVING count(*) = 1) x")
	retried_bad=$((retried_bad + KEYED_FAILED - n))
fi
crash_at "checked"
echo "# crash: $KEYED_ACKED acknowledged, $KEYED_FAILED failed ($KEYED_FAILED_THERE of them recorded anyway), $KEYED_LOST lost"
stray=$(crash_q "SELECT count(*) FROM checkins WHERE kr_id = $CKR AND note NOT IN ($(sed "s/^\([^ ]*\) .*/'\1'/" "$T/crash.all" | paste -sd,))")
if [ "$crash_before" -ge "$CRASH_N" ] && [ "$crash_back" -ge "$CRASH_N" ] &&
    [ "$crash_restarted" -ge "$CRASH_N" ]; then
	ok "crash: check-ins were acknowledged throughout ($KEYED_ACKED)"
else
	not_ok "crash: check-ins were acknowledged throughout" \
	    "$crash_before before PostgreSQL stopped, $crash_back after it was back, $crash_restarted after cairnd restarted (want $CRASH_N each)"
fi
expect_eq "crash: no acknowledged check-in lost" "$KEYED_LOST" 0
expect_eq "crash: no acknowledged check-in recorded twice" "$KEYED_DUP" 0
expect_eq "crash: every failed one absent or recorded once" "$KEYED_FAILED_BAD" 0
expect_eq "crash: every failed one recorded once after a retry with its key" "$retried_bad" 0
expect_eq "crash: nothing recorded that no client sent" "$stray" 0
expect_eq "crash: one audit entry per check-in" \
    "$(crash_q "SELECT count(*) FROM audit_log WHERE op = 'kr.checkin' AND entity_id = $CKR")" \
    "$(crash_q "SELECT count(*) FROM checkins WHERE kr_id = $CKR")"
expect_exit "crash: cairnd is serving at the end" 0 as admin whoami
