# held.sh: one member holding streams stalls nobody else (docs/protocol.md,
# "Results in parts").  A member opens as many exports in parts as it may,
# from several connections, and reads a trickle of them; another user's
# tree, export and obj show are answered within 2 s meanwhile; the held
# streams are cancelled (E_LIMIT naming the stall) and their slots are back
# within stream_stall_timeout + 2 s; one stream more than
# max_streams_per_user is refused.  (Sourced by suite.sh; needs no other
# suite: CAIRN_SUITES=held runs it alone.)
#
# cairnd runs here with idle_timeout long, as in production: with the
# suite's 4 s, the write timeout would end a held connection before any
# stall could show.

HD_STALL=4
HD_POOL=6		# 3 slots for streams in parts, max_streams_per_user 2

hd_as() {	# hd_as WHO cairn-args...: cairn with WHO's config directory
	local who=$1
	shift
	XDG_CONFIG_HOME=$T/home-hd-$who "$BIN/cairn" "$@"
}

hd_setup() {	# hd_setup NAME CMD...: a setup step, quiet unless it fails
	local name=$1
	shift
	"$@" >"$T/held-setup.out" 2>&1 && return 0
	not_ok "setup: $name" "$(< "$T/held-setup.out")"
	return 1
}

hd_user() {	# hd_user LOGIN: a member, logged in
	hd_setup "user $1" sh -c "echo 'pw-$1-held' | XDG_CONFIG_HOME=$T/home-hd-admin \
	    $BIN/cairn user add $1 --name 'User $1' --role member --password-stdin"
	hd_setup "login $1" sh -c "echo 'pw-$1-held' | XDG_CONFIG_HOME=$T/home-hd-$1 \
	    $BIN/cairn login $1 --password-stdin"
}

hd_ms() {	# hd_ms CMD...: run CMD quietly, print its wall time in ms
	local t0 rc
	t0=$(date +%s%N)
	"$@" >"$T/held-cmd.out" 2>&1
	rc=$?
	echo $(( ($(date +%s%N) - t0) / 1000000 ))
	return $rc
}

hd_writers() {	# backends blocked writing to cairnd (held streams)
	psql_cairn -c "SELECT count(*) FROM pg_stat_activity
	    WHERE wait_event = 'ClientWrite' AND datname = 'cairn'"
}

echo "== held streams (cairnd restarted: idle_timeout 300, stream_stall_timeout $HD_STALL, db_pool $HD_POOL)"
stop_server
if ! start_server "$T/cairnd-held.log" --idle-timeout 300 \
    --stream-stall-timeout "$HD_STALL" --max-streams-per-user 2 \
    --db-pool "$HD_POOL"; then
	not_ok "cairnd restarts for the held-stream test" "$(tail "$T/cairnd-held.log")"
fi
for hd_i in $(seq 1 100); do
	grep -q "db: $HD_POOL of $HD_POOL connections up" "$T/cairnd-held.log" && break
	sleep 0.1
done

hd_setup "admin login" sh -c "echo '$ADMIN_PW' | XDG_CONFIG_HOME=$T/home-hd-admin \
    $BIN/cairn login root --password-stdin"
hd_user hold1
hd_user hdother
hd_user hdthird
hd_root=$(psql_cairn -c "SELECT slug FROM teams WHERE parent_id IS NULL ORDER BY id LIMIT 1")
hd_setup "team hdteam" hd_as admin team add hdteam --name "Held streams" \
    ${hd_root:+--parent "$hd_root"}
hd_setup "member hold1" hd_as admin team member add hdteam hold1
hd_setup "member hdother" hd_as admin team member add hdteam hdother
hd_setup "member hdthird" hd_as admin team member add hdteam hdthird
for hd_p in "held 2029-01-01 2029-03-31" "hdq 2029-04-01 2029-06-30"; do
	set -- $hd_p
	hd_setup "period $1" hd_as admin period add "$1" --start "$2" --end "$3"
	hd_setup "period $1 opens" hd_as admin period open "$1"
done
hd_setup "an objective" hd_as admin obj add --team hdteam --period hdq \
    --owner hdother --title "Held-test objective"
hd_obj=$(< "$T/held-setup.out")

# Some 24 MiB of export: far more than the socket buffers and cairnd's
# output bound, so that a reader that does not read holds the query.  (A
# team has at most 1,000 objectives in a period: six sub-teams.)
for hd_i in 1 2 3 4 5 6; do
	hd_setup "team hd$hd_i" hd_as admin team add "hd$hd_i" --name "Held $hd_i" \
	    --parent hdteam
	hd_setup "member hold1 of hd$hd_i" hd_as admin team member add "hd$hd_i" hold1
done
hd_max=$(psql_cairn -c "SELECT value FROM settings WHERE name = 'max_objectives'")
psql_cairn -c "UPDATE settings SET value = 1000 WHERE name = 'max_objectives'"
psql_cairn -c "INSERT INTO objectives (team_id, period_id, title, description, owner_id)
    SELECT t.id, (SELECT id FROM periods WHERE name = 'held'), 'held ' || g,
        repeat(md5(g::text), 125), (SELECT id FROM users WHERE login = 'hold1')
    FROM teams t, generate_series(1, 1000) g
    WHERE t.slug IN ('hd1', 'hd2', 'hd3', 'hd4', 'hd5', 'hd6')" >/dev/null
psql_cairn -c "UPDATE settings SET value = $hd_max WHERE name = 'max_objectives'"
expect_eq "setup: 6,000 objectives of 4 KB to export" \
    "$(psql_cairn -c "SELECT count(*) FROM objectives o JOIN periods p
        ON p.id = o.period_id WHERE p.name = 'held'")" 6000

python3 "$HERE/held_raw.py" "$ADDR" "$T/certs/ca.pem" hold1 pw-hold1-held \
    held 3 $((HD_STALL + 8)) > "$T/held.out" 2>&1 &
hd_pid=$!
for hd_i in $(seq 1 300); do
	grep -q '^held' "$T/held.out" 2>/dev/null && break
	sleep 0.05
done
expect_match "the member has its streams out" '^held' "$(< "$T/held.out")"
# Held from the moment PostgreSQL blocks writing to cairnd (cairnd has
# paused the streams just before): the clock of the checks below.
hd_w=0
for hd_i in $(seq 1 100); do
	hd_w=$(hd_writers)
	[ "$hd_w" -ge 2 ] && break
	sleep 0.1
done
hd_t0=$(date +%s%N)
if [ "$hd_w" -ge 2 ]; then
	ok "its streams hold the database ($hd_w backends blocked writing to cairnd)"
else
	not_ok "its streams hold the database" "$hd_w backends in ClientWrite"
fi

# Another user, while the streams are held.
hd_worst=0
for hd_cmd in "tree --period hdq" "export --period hdq --out $T/held-hdq.json" "obj show $hd_obj"; do
	hd_t=$(hd_ms hd_as hdother $hd_cmd)
	hd_rc=$?
	[ "$hd_t" -gt "$hd_worst" ] && hd_worst=$hd_t
	if [ "$hd_rc" = 0 ] && [ "$hd_t" -lt 2000 ]; then
		ok "another user's ${hd_cmd%% *} answered meanwhile (${hd_t} ms)"
	else
		not_ok "another user's ${hd_cmd%% *} answered within 2 s" \
		    "exit $hd_rc after ${hd_t} ms: $(head -c 300 "$T/held-cmd.out")"
	fi
done
hd_still=$(( ($(date +%s%N) - hd_t0) / 1000000 ))
echo "# another user's worst latency under held streams: ${hd_worst} ms (measured within ${hd_still} ms of the hold)"
hd_w=$(hd_writers)
if [ "$hd_w" -ge 2 ] || [ "$hd_still" -ge $((HD_STALL * 1000)) ]; then
	ok "the streams were still held while the others were served"
else
	not_ok "the streams were still held while the others were served" \
	    "$hd_w backends blocked after ${hd_still} ms"
fi

# The held slots come back within the stall timeout and 2 s.
hd_back=
for hd_i in $(seq 1 $(( (HD_STALL + 4) * 10 ))); do
	if [ "$(hd_writers)" = 0 ]; then
		hd_back=$(( ($(date +%s%N) - hd_t0) / 1000000 ))
		break
	fi
	sleep 0.1
done
if [ -n "$hd_back" ] && [ "$hd_back" -le $(( (HD_STALL + 2) * 1000 )) ]; then
	ok "the held streams' queries are gone after ${hd_back} ms (stall ${HD_STALL} s)"
else
	not_ok "the held streams' queries are gone within stall + 2 s" \
	    "${hd_back:-never} ms; $(hd_writers) still writing"
fi
# The slots and the member's count are free while its connections live on.
hd_t=$(hd_ms hd_as hold1 export --period hdq --out "$T/held-hdq1.json")
hd_rc=$?
if [ "$hd_rc" = 0 ] && [ "$hd_t" -lt 2000 ]; then
	ok "the member streams again at once, its held connections still open (${hd_t} ms)"
else
	not_ok "the member streams again at once" "exit $hd_rc after ${hd_t} ms: $(head -c 300 "$T/held-cmd.out")"
fi
wait "$hd_pid"
hd_out=$(< "$T/held.out")
expect_match "the first held stream is answered E_LIMIT naming the stall" \
    '^final 1 E_LIMIT stream stalled: .*stream_stall_timeout' "$hd_out"
expect_match "and the second" \
    '^final 2 E_LIMIT stream stalled: .*stream_stall_timeout' "$hd_out"
expect_match "a third stream at once is refused (max_streams_per_user)" \
    '^final 3 E_LIMIT .*max_streams_per_user 2' "$hd_out"
expect_match "cairnd logs the cancelled streams" "stream of objectives stalled for $HD_STALL s, cancelled" \
    "$(< "$T/cairnd-held.log")"
expect_exit "and cairnd serves on" 0 hd_as hdother whoami

# Every slot held, by two users: a third one's stream waits at most until
# a stall frees one.
python3 "$HERE/held_raw.py" "$ADDR" "$T/certs/ca.pem" hold1 pw-hold1-held \
    held 2 $((HD_STALL + 8)) > "$T/held2.out" 2>&1 &
hd_pid=$!
python3 "$HERE/held_raw.py" "$ADDR" "$T/certs/ca.pem" hdthird pw-hdthird-held \
    held 1 $((HD_STALL + 8)) > "$T/held3.out" 2>&1 &
hd_pid3=$!
for hd_i in $(seq 1 300); do
	grep -q '^held' "$T/held2.out" 2>/dev/null &&
	    grep -q '^held' "$T/held3.out" 2>/dev/null && break
	sleep 0.05
done
for hd_i in $(seq 1 100); do
	hd_w=$(hd_writers)
	[ "$hd_w" -ge 3 ] && break
	sleep 0.1
done
if [ "$hd_w" -ge 3 ]; then
	ok "two users hold every slot ($hd_w backends blocked writing to cairnd)"
else
	not_ok "two users hold every slot" "$hd_w backends in ClientWrite"
fi
hd_t=$(hd_ms hd_as hdother obj show "$hd_obj")
hd_rc=$?
if [ "$hd_rc" = 0 ] && [ "$hd_t" -lt 2000 ]; then
	ok "with every slot held, a third user's obj show waits for no stream (${hd_t} ms)"
else
	not_ok "with every slot held, a third user's obj show waits for no stream" "exit $hd_rc after ${hd_t} ms"
fi
hd_t=$(hd_ms hd_as hdother tree --period hdq)
hd_rc=$?
if [ "$hd_rc" = 0 ] && [ "$hd_t" -le $(( (HD_STALL + 2) * 1000 )) ]; then
	ok "a third user's tree waits for a slot at most a stall timeout (${hd_t} ms)"
else
	not_ok "a third user's tree waits for a slot at most a stall timeout" \
	    "exit $hd_rc after ${hd_t} ms: $(head -c 300 "$T/held-cmd.out")"
fi
wait "$hd_pid" "$hd_pid3"
expect_match "the held streams of both users are answered E_LIMIT" \
    'final 1 E_LIMIT stream stalled.*final 2 E_LIMIT stream stalled.*final 1 E_LIMIT stream stalled' \
    "$(cat "$T/held2.out" "$T/held3.out" | tr '\n' ' ')"

psql_cairn -c "DELETE FROM objectives WHERE period_id =
    (SELECT id FROM periods WHERE name = 'held')" >/dev/null
stop_server
start_server "$T/cairnd.log" || not_ok "cairnd restarts after the held-stream test"
