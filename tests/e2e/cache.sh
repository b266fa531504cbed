# cache.sh: what a cairnd caches (its connections' sessions, users by
# login) follows changes made through another cairnd over the same
# database (issue 17; server/cache.h).  A second cairnd, B, trusts a
# checked session for an hour (session_recheck = 3600): only the
# invalidation (NOTIFY cairn_cache, heard on its LISTEN connection) can
# tell its open connections.  Through the first, A: a role changed (user.get
# served from B's memory, an admin op on B's open connection), a member
# removed from a private team, a session logged out, a user disabled; each
# must show on B within CAIRN_INVAL_MS (100; 500 under ASan), measured
# from A's reply to B's first changed answer.  Then B's LISTEN connection is
# killed: until it is back, B checks every session at every request and
# serves no user from memory, so a change made meanwhile is seen at once.

CACHE_MS=${CAIRN_INVAL_MS:-100}
case "$BIN" in *asan*) CACHE_MS=${CAIRN_INVAL_MS:-500} ;; esac

quietly "cache: a private team" as admin team add cache-priv --name "Cache private" --private
quiet_user cacheu member
quietly "cache: a period" as admin period add cache-p \
    --start "$(date -u -d '-30 days' +%Y-%m-%d)" \
    --end "$(date -u -d '+60 days' +%Y-%m-%d)"
quiet_user cacheo member
quietly "cache: its owner in the private team" as admin team member add \
    cache-priv cacheo
quietly "cache: an objective of the private team" as admin obj add \
    --team cache-priv --period cache-p --owner cacheo --title "Cache secret"
CACHE_OBJ=$OUT

ADDR_B=127.0.0.1:$((PORT + 1))
sed -e "s|^listen = .*|listen = $ADDR_B|" -e "/^data_dir = /d" \
    -e "s|^session_recheck = .*|session_recheck = 3600|" \
    "$T/cairnd.conf" > "$T/cairnd-b.conf"
METRICS_B=127.0.0.1:$((PORT + 2))
"$BIN/cairnd" --config "$T/cairnd-b.conf" --metrics "$METRICS_B" \
    --db "host=$DATA user=cairn dbname=cairn application_name=cairnd-b" \
    >"$T/cairnd-b.log" 2>&1 &
PID_B=$!
wait_log 60 "cache: coherent" "$T/cairnd-b.log" ||
    not_ok "setup: the second cairnd" "$(tail -5 "$T/cairnd-b.log")"

cache_case() {	# cache_case NAME WHAT: one line of cache_raw.py's output
	local ms
	ms=$(awk -v n="$1" '$1 == n { print $2 }' "$T/cache.out")
	if [ -z "$ms" ] || [ "$ms" = FAIL ]; then
		not_ok "cache: $2" "$(grep -- "$1" "$T/cache.out"; cat "$T/cache.err")"
	elif awk -v m="$ms" -v b="$CACHE_MS" 'BEGIN { exit !(m <= b) }'; then
		ok "cache: $2 ($ms ms after the reply through A)"
	else
		not_ok "cache: $2 within $CACHE_MS ms" "$ms ms"
	fi
}

python3 "$HERE/cache_raw.py" "$ADDR" "$ADDR_B" "$T/certs/ca.pem" root \
    "$ADMIN_PW" cacheu pw-cacheu-goals cache-priv 5000 "$PGBIN/psql" "$DATA" "$CACHE_OBJ" \
    >"$T/cache.out" 2>"$T/cache.err"
ms_mem=$(awk '$1 == "memory" { print $2 }' "$T/cache.out")
ms_unc=$(awk '$1 == "uncached" { print $2 }' "$T/cache.out")
if [ -n "$ms_mem" ] && [ -n "$ms_unc" ] &&
    awk -v m="$ms_mem" -v u="$ms_unc" 'BEGIN { exit !(m < 500 && u >= 1000) }'; then
	ok "cache: with users locked, B answers user.get for a user it read from memory ($ms_mem ms; one it had not read waited $ms_unc ms for the lock)"
else
	not_ok "cache: B answers user.get from memory" "$(cat "$T/cache.out" "$T/cache.err")"
fi
cache_case user_get_role "user.get from B's memory shows a role changed through A"
cache_case user_get_role_back "... and changed back"
cache_case role_given "an open connection on B may use an admin op once A made its user admin"
cache_case role_taken "... and may not once A took it back"
cache_case member_added "a member added through A reads the private team on B"
cache_case member_removed "a member removed through A reads it no more on B"
cache_case session_revoked "a session logged out through A is refused on B's open connection"
cache_case user_disabled "a user disabled through A is refused on B's open connection"

# B's metrics count what the above did: user.get answered from memory,
# the notifications heard, the sessions marked.
curl -s "http://$METRICS_B/metrics" > "$T/cache-metrics.txt"
cm() { awk -v n="$1" '$1 == n { print $2 }' "$T/cache-metrics.txt"; }
if [ "$(cm 'cairn_cache_hits_total{cache="user"}')" -ge 1 ] 2>/dev/null &&
    [ "$(cm cairn_cache_invalidations_total)" -ge 6 ] 2>/dev/null &&
    [ "$(cm cairn_cache_sessions_staled_total)" -ge 4 ] 2>/dev/null &&
    [ "$(cm cairn_cache_coherent)" = 1 ]; then
	ok "cache: B's metrics count hits ($(cm 'cairn_cache_hits_total{cache="user"}')), invalidations ($(cm cairn_cache_invalidations_total)) and sessions told ($(cm cairn_cache_sessions_staled_total))"
else
	not_ok "cache: B's metrics count the cache's work" "$(grep cairn_cache "$T/cache-metrics.txt")"
fi

# A watch on B ends when its session is logged out through A, or its
# token removed through A (the watch sends no request that would check).
quietly "cache: cacheu logs in on B" sh -c "echo pw-cacheu-goals |
    XDG_CONFIG_HOME=$T/home-cacheu $BIN/cairn --server $ADDR_B login cacheu --password-stdin"
watch_on_b() {	# watch_on_b NAME [env...]: a watch on B in the background
	local name=$1 n
	shift
	n=$(grep -c "'cacheu' watching" "$T/cairnd-b.log")
	env XDG_CONFIG_HOME=$T/home-cacheu "$@" "$BIN/cairn" --server "$ADDR_B" \
	    watch >"$T/cw-$name.out" 2>"$T/cw-$name.err" &
	WPID=$!
	CW_N=$n
	eventually 30 cw_up || not_ok "setup: the watch on B is not up after 30 s" "$(cat "$T/cw-$name.err")"
}
cw_up() { [ "$(grep -c "'cacheu' watching" "$T/cairnd-b.log")" -gt "$CW_N" ]; }
watch_ended() {	# watch_ended WHAT: the watch ended by itself with E_AUTH
	local i rc
	for i in $(seq 1 50); do
		kill -0 "$WPID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$WPID" 2>/dev/null; then
		kill "$WPID"
		wait "$WPID"
		not_ok "cache: $1" "still watching after 5 s"
		return
	fi
	wait "$WPID"
	rc=$?
	if [ "$rc" = 3 ]; then
		ok "cache: $1 (E_AUTH: $(tr '\n' ' ' < "$T/cw-$2.err"))"
	else
		not_ok "cache: $1" "exit $rc: $(cat "$T/cw-$2.err")"
	fi
}
watch_on_b session
# The CLI keeps a session for one server: that session's token is resumed
# on A by hand, and logged out there.
CW_SESSION=$(sed -n 's/^token=//p' "$T/home-cacheu/cairn/session")
if python3 -c "
import sys; sys.path.insert(0, '$HERE')
from rawconn import Raw
c = Raw('$ADDR', '$T/certs/ca.pem', 'cache.sh')
r = c.call('session.resume', {'token': '$CW_SESSION'})
assert r.get('ok'), r
r = c.call('session.logout', {})
assert r.get('ok'), r
" 2>"$T/stderr"; then :; else not_ok "setup: logout through A" "$(< "$T/stderr")"; fi
watch_ended "a watch on B ends when its session is logged out through A" session
quietly "cache: cacheu logs in on A again" sh -c "echo pw-cacheu-goals |
    XDG_CONFIG_HOME=$T/home-cacheu $BIN/cairn login cacheu --password-stdin"
quietly "cache: a token" as cacheu token add cw --scope read
CW_TOKEN=$OUT
watch_on_b token CAIRN_TOKEN="$CW_TOKEN" XDG_CONFIG_HOME=$T/nobody
quietly "cache: the token removed through A" as cacheu token rm cw
watch_ended "a watch on B made with a token ends when the token is removed through A" token

# B's connections are killed, its LISTEN connection among them: B says so, checks sessions at every
# request meanwhile, and LISTENs again.
n_coherent=$(grep -c "cache: coherent" "$T/cairnd-b.log")
psql_cairn -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
    WHERE application_name = 'cairnd-b'" >/dev/null
expect_log "cache: B knows its LISTEN connection is lost" \
    "cache: the LISTEN connection is down" "$T/cairnd-b.log"
coherent_again() {
	[ "$(grep -c "cache: coherent" "$T/cairnd-b.log")" -gt "$n_coherent" ]
}
if eventually 30 coherent_again; then
	ok "cache: B LISTENs again once its connection is back"
else
	not_ok "cache: B LISTENs again once its connection is back" "$(tail -5 "$T/cairnd-b.log")"
fi
python3 "$HERE/cache_raw.py" "$ADDR" "$ADDR_B" "$T/certs/ca.pem" root \
    "$ADMIN_PW" cacheu pw-cacheu-goals cache-priv 5000 "$PGBIN/psql" "$DATA" "$CACHE_OBJ" \
    >"$T/cache.out" 2>"$T/cache.err"
cache_case user_disabled "after the LISTEN connection came back, a user disabled through A is refused on B"

kill -TERM "$PID_B"
wait "$PID_B"
expect_eq "cache: the second cairnd stops with status 0" "$?" 0
