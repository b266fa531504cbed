# watch.sh: the event stream and cairn watch (issue 16; sourced by
# suite.sh after login_admin).  Events of committed changes only, in seq
# order; a watcher sees a change made on the server within a deadline,
# one line per event (flushed: a redirect to a file shows each as it
# comes), or one JSON object per line; the reading rule of the ops (a
# private team's events never reach an outsider, and reach a member added
# to it from then on, without watching again), checked against SQL's
# event_readable over the same events; the filters (--team, --period,
# --kind, --mine); --since resumes without a gap; each refusal; a watcher
# that does not read is dropped with E_LIMIT and its last seq; a second
# cairnd over the same database delivers the changes made through the
# first; a request on a watching connection is refused at once under its
# own id, the watch going on, and a flood of them stays bounded; stopping
# cairnd ends each watch with E_UNAVAILABLE and its seq.

wq() {	# wq SQL: one value from the database
	psql_cairn -c "$1"
}

# A background watch: wstart NAME WHO [args]: its lines in $T/w-NAME.out.
wstart() {
	local name=$1 who=$2
	shift 2
	local n
	n=$(grep -c "watching from seq" "$T/cairnd.log")
	XDG_CONFIG_HOME=$T/home-$who "$BIN/cairn" watch "$@" \
	    >"$T/w-$name.out" 2>"$T/w-$name.err" &
	eval "WPID_$name=$!"
	# The watch is set up once cairnd logs it (counted at each try: a
	# count taken once would make this a fixed 10 s sleep, and a watch
	# set up later than that, on a loaded machine, misses what follows).
	WSTART_N=$n
	eventually 30 wstart_up ||
	    not_ok "setup: the watch $name is not up after 30 s" "$(cat "$T/w-$name.err")"
}
wstart_up() {
	[ "$(grep -c "watching from seq" "$T/cairnd.log")" -gt "$WSTART_N" ]
}
wstop() {	# wstop NAME
	local pid
	eval "pid=\$WPID_$1"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
has_line() {	# has_line NAME PATTERN
	grep -q -- "$2" "$T/w-$1.out"
}
# The seqs a watch printed (its first column).
wseqs() {
	awk '{ print $1 }' "$T/w-$1.out" | tr '\n' ' ' | sed 's/ $//'
}
# The seqs in (a, b] that user LOGIN may read by SQL's rule, filtered by
# the extra SQL condition on e.
sql_seqs() {	# sql_seqs LOGIN A B [COND]
	wq "SELECT coalesce(string_agg(e.seq::text, ' ' ORDER BY e.seq), '')
	    FROM events e, users u WHERE u.login = '$1' AND e.seq > $2
	    AND e.seq <= $3 AND event_readable(u.id, u.role, e)
	    ${4:+AND $4}"
}

# Fixtures: a public team and a private one, a member of each, a period.
root_team=$(wq "SELECT slug FROM teams WHERE parent_id IS NULL")
if [ -z "$root_team" ]; then
	quietly "watch: root team" as admin team add wroot --name Root
	root_team=wroot
fi
quietly "watch: public team" as admin team add wpub --name Public \
    --parent "$root_team"
quietly "watch: private team" as admin team add wpriv --name Private \
    --parent "$root_team" --private
quietly "watch: period" as admin period add wp \
    --start "$(date -u -d '-30 days' +%Y-%m-%d)" \
    --end "$(date -u -d '+60 days' +%Y-%m-%d)"
quietly "watch: period open" as admin period open wp
mkuser wout member
mkuser win member
quietly "watch: wout in wpub" as admin team member add wpub wout
quietly "watch: win in wpriv" as admin team member add wpriv win
quietly "watch: public objective" as admin obj add --team wpub --period wp \
    --owner wout --title "Public goal"
WO1=$OUT
quietly "watch: its key result" as admin kr add "$WO1" --title "Pub KR" \
    --type increase --target 100 --owner wout
WK1=$OUT
quietly "watch: private objective" as admin obj add --team wpriv \
    --period wp --owner win --title "Secret goal"
WO2=$OUT
quietly "watch: its key result" as admin kr add "$WO2" --title "Secret KR" \
    --type increase --target 100 --owner win
WK2=$OUT

# --- Every committed change writes its event; a rolled-back one none ----
n0=$(wq "SELECT count(*) FROM events")
quietly "watch: a check-in" as admin kr checkin "$WK1" 10
expect_eq "a check-in writes one event, kind checkin" \
    "$(wq "SELECT count(*) || ' ' || max(kind) FROM events WHERE id > (SELECT max(id) FROM events) - 1 AND entity = 'checkin'")" "1 checkin"
n1=$(wq "SELECT count(*) FROM events")
expect_exit "a refused check-in (a key result that does not exist)" 5 \
    as admin kr checkin 999999 10
wq "BEGIN; INSERT INTO audit_log (user_id, op, entity_type, entity_id)
    VALUES (1, 'kpi.create', 'kpi', 1); ROLLBACK" >/dev/null
expect_eq "... a refused op and a rolled-back audit entry write none" \
    "$(wq "SELECT count(*) FROM events")" "$n1"
all_sequenced() { [ "$(wq "SELECT count(*) FROM events WHERE seq IS NULL")" = 0 ]; }
eventually 5 all_sequenced || true
expect_eq "every committed event is sequenced within a deadline" \
    "$(wq "SELECT count(*) FROM events WHERE seq IS NULL")" 0
expect_eq "... seqs unique and in write order" \
    "$(wq "SELECT count(*) FROM (SELECT seq, lag(seq) OVER (ORDER BY id) AS p FROM events) x WHERE seq <= p")" 0

# --- Live: a watcher sees a change within a deadline, one line each ------
top=$(wq "SELECT last_seq FROM events_state")
wstart out wout
wstart in win
wstart adm admin --json
t0=$(date +%s%N)
quietly "watch: check-in on the public KR" as wout kr checkin "$WK1" 20
if eventually 5 has_line out "checkin"; then
	ms=$((($(date +%s%N) - t0) / 1000000))
	ok "the watcher's file has the check-in's line ($ms ms after the command started)"
else
	not_ok "the watcher's file has the check-in's line" "$(cat "$T/w-out.out" "$T/w-out.err")"
fi
expect_match "... naming the key result, the team and the actor" \
    "checkin wpub wout key result $WK1 \"Pub KR\" checked in at 20" \
    "$(grep checkin "$T/w-out.out" | tail -n 1)"
quietly "watch: check-in on the private KR" as win kr checkin "$WK2" 30
quietly "watch: a public objective" as admin obj add --team wpub \
    --period wp --owner wout --title "Second public"
WO3=$OUT
eventually 5 has_line out "objective $WO3"
expect_match "the outsider sees the later public event" \
    "objective.created wpub root objective $WO3" "$(cat "$T/w-out.out")"
if has_line out "Secret"; then
	not_ok "... and nothing of the private team" "$(cat "$T/w-out.out")"
else
	ok "... and nothing of the private team"
fi
eventually 5 has_line in "Secret KR"
expect_match "the private team's member sees its check-in" \
    "checkin wpriv win key result $WK2 \"Secret KR\"" "$(cat "$T/w-in.out")"
eventually 5 grep -q "objective $WO3" "$T/w-adm.out"
expect_eq "--json: one object per line with the event's fields" \
    "$(python3 -c '
import json, sys
keys = set()
for l in open(sys.argv[1]):
    keys |= set(json.loads(l))
print(" ".join(sorted(keys)))' "$T/w-adm.out")" \
    "actor at entity id kind period seq source summary team"

# --- The reading rule equals SQL's, event for event ------------------------
last=$(wq "SELECT last_seq FROM events_state")
want_last=$(sql_seqs wout "$top" "$last" | awk '{ print $NF }')
out_reached() { [ "$(awk 'END { print $1 }' "$T/w-out.out")" -ge "${want_last:-0}" ] 2>/dev/null; }
eventually 5 out_reached || true
expect_eq "wout's lines are exactly the events event_readable gives wout" \
    "$(wseqs out)" "$(sql_seqs wout "$top" "$last")"
eventually 5 grep -q "Second public" "$T/w-in.out"
expect_eq "win's lines are exactly the events event_readable gives win" \
    "$(wseqs in)" "$(sql_seqs win "$top" "$last")"

# --- Membership: the outsider added to the private team sees it from then
quietly "watch: wout joins wpriv" as admin team member add wpriv wout
quietly "watch: a private check-in" as win kr checkin "$WK2" 40
eventually 5 has_line out "Secret KR"
expect_match "an outsider added to the private team sees its later events without watching again" \
    "checkin wpriv win key result $WK2 \"Secret KR\" checked in at 40" "$(cat "$T/w-out.out")"
quietly "watch: wout leaves wpriv" as admin team member rm wpriv wout
quietly "watch: another private check-in" as win kr checkin "$WK2" 50
quietly "watch: a public marker" as wout kr checkin "$WK1" 21
eventually 5 has_line out "checked in at 21"
if has_line out "checked in at 50"; then
	not_ok "... and, removed, no longer does" "$(cat "$T/w-out.out")"
else
	ok "... and, removed, no longer does"
fi
last=$(wq "SELECT last_seq FROM events_state")
# event_readable judges by today's membership: while wout was a member,
# the private team's events were wout's too.
member=$(wq "SELECT string_agg(seq::text, ' ') FROM events WHERE team_id = (SELECT id FROM teams WHERE slug = 'wpriv') AND audience = 'team' AND seq > (SELECT max(seq) FROM events WHERE kind = 'team.add_member' AND summary LIKE '%wout added%') AND seq < (SELECT max(seq) FROM events WHERE kind = 'team.remove_member' AND summary LIKE '%wout removed%')")
expect_eq "... exactly event_readable's events, and the private ones while a member" \
    "$(wseqs out)" "$(echo $(sql_seqs wout "$top" "$last") $member | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ $//')"

# --- --since resumes without a gap ---------------------------------------
wstop out
resume=$(awk 'END { print $1 }' "$T/w-out.out")
quietly "watch: missed 1" as wout kr checkin "$WK1" 22
quietly "watch: missed 2" as admin obj add --team wpub --period wp \
    --owner wout --title "Missed"
wstart out2 wout --since "$resume"
quietly "watch: after" as wout kr checkin "$WK1" 23
eventually 5 has_line out2 "checked in at 23"
last=$(wq "SELECT last_seq FROM events_state")
expect_eq "--since SEQ: the events after SEQ, none missing, none twice" \
    "$(wseqs out2)" "$(sql_seqs wout "$resume" "$last")"
wstop out2
wstop in

# --- A burst larger than one write ---------------------------------------
# 2,000 events of some 400 bytes each: more than one write of a watcher
# holds (WATCH_OUT_LOW, 64 KiB), so each sweep sends part and the next
# the rest; a watch from --since before them catches up from the ring the
# same way.  Each event once, in order, for both.
sb=$(wq "SELECT last_seq FROM events_state")
wstart bulk wout
s_bulk=$(grep "'wout' watching from seq" "$T/cairnd.log" | tail -n 1 | sed 's/.*from seq //')
wq "INSERT INTO events (kind, entity, entity_id, audience, summary)
    SELECT 'bulk', 'test', g, 'all', repeat('y', 300)
    FROM generate_series(1, 2000) g" >/dev/null
bulk_in() {	# bulk_in NAME: all 2,000 printed
	[ "$(awk '$3 == "bulk"' "$T/w-$1.out" | wc -l)" -ge 2000 ]
}
eventually 30 bulk_in bulk || true
sb1=$(wq "SELECT last_seq FROM events_state")
expect_eq "a burst of 2,000 events (over 64 KiB of frames): the live watcher gets each once, in order" \
    "$(wseqs bulk)" "$(sql_seqs wout "${s_bulk:-$sb}" "$sb1")"
wstart bulk2 wout --since "$sb"
eventually 30 bulk_in bulk2 || true
expect_eq "... and a watch from --since before it catches up on each from the ring" \
    "$(wseqs bulk2)" "$(sql_seqs wout "$sb" "$sb1")"
wstop bulk
wstop bulk2

# --- Filters ----------------------------------------------------------------
s0=$(wq "SELECT last_seq FROM events_state")
wstart kind admin --kind checkin
wstart team admin --team wpriv
wstart mine wout --mine
quietly "watch: f1" as admin kr checkin "$WK1" 24
quietly "watch: f2" as admin kr checkin "$WK2" 60
quietly "watch: f3" as admin obj add --team wpriv --period wp --owner win \
    --title "Filtered"
quietly "watch: marker" as admin team add wmark --name Marker \
    --parent "$root_team"
sleep 1
eventually 5 has_line team "Filtered"
expect_eq "--kind checkin: only check-ins" \
    "$(awk '{ print $3 }' "$T/w-kind.out" | sort -u | tr '\n' ' ')" "checkin "
expect_eq "--team wpriv: only that team's events" \
    "$(awk '{ print $4 }' "$T/w-team.out" | sort -u | tr '\n' ' ')" "wpriv "
eventually 5 has_line mine "checked in at 24"
# From the seq the watch says it started at (its log line), not s0: an
# event numbered between s0 and its start (a background run's, or one
# the sequencer numbered late on a loaded machine) is before it.
s_mine=$(grep "'wout' watching from seq" "$T/cairnd.log" | tail -n 1 | sed 's/.*from seq //')
expect_eq "--mine (wout): only what wout owns" \
    "$(wseqs mine)" "$(sql_seqs wout "${s_mine:-$s0}" "$(wq "SELECT last_seq FROM events_state")" "e.owner_id = u.id")"
wstop kind
wstop team
wstop mine
wstop adm

eventually 15 grep -q "watch: [0-9]* events sent as [0-9]* frames; delay from the write to the frames queued: p50 [0-9]* ms, p99 [0-9]* ms" "$T/cairnd.log"
expect_eq "cairnd logs its share of the events' delay" "$?" 0

# --- Refusals -------------------------------------------------------------
top=$(wq "SELECT last_seq FROM events_state")
expect_exit "--since beyond the last event is refused" 7 \
    as admin watch --since $((top + 1000))
expect_match "... saying so" "no event $((top + 1000)) yet" "$(< "$T/stderr")"
expect_exit "an unknown team is refused" 5 as admin watch --team nosuch
expect_exit "an unknown period is refused" 5 as admin watch --period nosuch
expect_exit "a malformed kind is refused" 7 as admin watch --kind 'Bad!'
expect_exit "17 kinds are refused" 2 as admin watch $(for i in $(seq 17); do printf -- '--kind k%s ' "$i"; done | tr -d '0-9')
expect_exit "watch without a session is refused" 3 \
    env XDG_CONFIG_HOME=$T/nobody "$BIN/cairn" watch
wq "UPDATE events_state SET pruned_through = 5" >/dev/null
expect_exit "--since below what is kept is refused" 7 as admin watch --since 2
expect_match "... saying how far" "events up to 5 are no longer kept" "$(< "$T/stderr")"
wq "UPDATE events_state SET pruned_through = 0" >/dev/null

# --- Two cairnd over one database -----------------------------------------
ADDR2=127.0.0.1:$((PORT + 1))
sed -e "s|^listen = .*|listen = $ADDR2|" -e "/^data_dir = /d" \
    "$T/cairnd.conf" > "$T/cairnd-2.conf"
"$BIN/cairnd" --config "$T/cairnd-2.conf" \
    --db "host=$DATA user=cairn dbname=cairn" >"$T/cairnd-2.log" 2>&1 &
PID2=$!
wait_log 60 "db: [0-9]+ of [0-9]+ connections up" "$T/cairnd-2.log" ||
    not_ok "setup: the second cairnd" "$(tail -5 "$T/cairnd-2.log")"
quietly "watch: a read token for wout" as wout token add w2 --scope read
W2TOK=$OUT
CAIRN_TOKEN=$W2TOK XDG_CONFIG_HOME=$T/nobody "$BIN/cairn" --server "$ADDR2" \
    watch >"$T/w-two.out" 2>"$T/w-two.err" &
WPID_two=$!
eventually 10 grep -q "'wout' watching" "$T/cairnd-2.log"
quietly "watch: through the first cairnd" as wout kr checkin "$WK1" 25
if eventually 5 has_line two "checked in at 25"; then
	ok "a watcher of the second cairnd sees a change made through the first"
else
	not_ok "a watcher of the second cairnd sees a change made through the first" "$(cat "$T/w-two.out" "$T/w-two.err")"
fi
kill -TERM "$PID2"
wait "$WPID_two"
rc=$?
expect_eq "stopping cairnd ends the watch (exit 8, E_UNAVAILABLE)" "$rc" 8
expect_match "... saying where to resume" "resume with: cairn watch --since [0-9]+" "$(cat "$T/w-two.err")"
wait "$PID2"

# --- Requests on a watching connection are refused at once -------------
# (watch_raw.py: pipelined behind event.watch, later, and a flood that is
# not read; the watch goes on through each.)
export WR_CHECKIN="XDG_CONFIG_HOME='$T/home-wout' '$BIN/cairn' kr checkin $WK1 41"
export WR_CHECKIN2="XDG_CONFIG_HOME='$T/home-wout' '$BIN/cairn' kr checkin $WK1 42"
wr=$(cd "$HERE" && python3 watch_raw.py "$ADDR" "$CAIRN_CA" "$T/home-wout" \
    "$SERVER_PID" 2>&1)
wr_get() { printf '%s\n' "$wr" | sed -n "s/^$1 //p"; }
expect_eq "a watch starts with a request pipelined behind it" \
    "$(wr_get first)" watching
expect_eq "... which is answered at once, under its own id, E_INVALID" \
    "$(wr_get pipelined)" "own-id E_INVALID"
expect_match "... saying to open another connection" \
    "this connection is watching: open another connection" "$(wr_get message)"
expect_match "a request sent later on it is refused at once too" \
    "^own-id E_INVALID [0-9]+$" "$(wr_get later)"
expect_eq "... and the watch goes on: a check-in arrives as its event" \
    "$(wr_get watch)" event
expect_eq "a flood of requests not read: cairnd stops reading" \
    "$(wr_get flood_stalled)" yes
g=$(wr_get rss_growth_kib)
# Under ASan, RSS says little (its quarantine holds freed memory, as
# stream.sh notes); the stall and the answers below still count.
if nm "$BIN/cairnd" 2>/dev/null | grep -q __asan_init ||
    ldd "$BIN/cairnd" 2>/dev/null | grep -q libasan; then
	echo "# ASan build: RSS not checked (quarantine; it grew $g KiB)"
elif [ -n "$g" ] && [ "$g" -lt 16384 ]; then
	ok "... cairnd's memory grew by $g KiB (bound 16 MiB; $(wr_get flood_sent_mb) MB accepted)"
else
	not_ok "... cairnd's memory stays bounded under the flood" "$wr"
fi
expect_match "... once read, each request has its refusal, in order" \
    "^all [0-9]+ in order$" "$(wr_get flood_answers)"
expect_eq "... and the watch still delivers" "$(wr_get watch_after)" event
expect_eq "a broken frame behind the watch: E_BAD_FRAME, then the connection closes" \
    "$(wr_get broken)" "E_BAD_FRAME then closed"
printf '%s\n' "$wr" | grep -q '^broken ' ||
    not_ok "watch_raw.py ran to its end" "$(printf '%s\n' "$wr" | tail -n 8)"

# --- A watcher that does not read is dropped with its last seq -----------
export WQ_LEFT="'$PGBIN/psql' -X -q -A -t -h '$DATA' -U cairn -d cairn -c \"SELECT count(*) FROM events WHERE seq IS NULL\""
export WQ_FLOOD="'$PGBIN/psql' -X -q -h '$DATA' -U cairn -d cairn -c \"INSERT INTO events (kind, entity, entity_id, audience, summary) SELECT 'flood', 'test', g, 'all', repeat('x', 200) FROM generate_series(1, 60000) g\""
res=$(cd "$HERE" && python3 - "$ADDR" "$CAIRN_CA" "$T/home-admin" <<'PY'
import glob, json, os, socket, ssl, struct, subprocess, sys, time
from kpi_raw import mp, unmp
addr, ca, home = sys.argv[1:4]
host, port = addr.rsplit(':', 1)
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False
raw = socket.socket()
raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
raw.connect((host, int(port)))
s = ctx.wrap_socket(raw)
s.settimeout(120)		# never hang the suite
rid = 0
def send(op, args):
    global rid
    rid += 1
    b = mp({'id': rid, 'op': op, 'args': args})
    s.sendall(struct.pack('>I', len(b)) + b)
def frame():
    def ex(n):
        d = b''
        while len(d) < n:
            c = s.recv(n - len(d))
            if not c:
                raise EOFError
            d += c
        return d
    n = struct.unpack('>I', ex(4))[0]
    return unmp(ex(n))[0]
send('hello', {'proto': 1, 'client': 'watch.sh'}); frame()
tok = None
for l in open(home + '/cairn/session'):
    if l.startswith('token'):
        tok = l.split('=', 1)[1].strip()
send('session.resume', {'token': tok}); r = frame()
if not r.get('ok'):
    print('resume failed', r); sys.exit(0)
send('event.watch', {}); frame()
# 60,000 events by SQL (the sequencer's sweep numbers them), not read
# until all are numbered and so sent or queued: under ASan on a loaded
# machine numbering them can take a minute, and a client that reads
# meanwhile keeps up.
subprocess.run(['sh', '-c', os.environ['WQ_FLOOD']], check=True,
               stdout=subprocess.DEVNULL)
deadline = time.time() + 300
while time.time() < deadline:
    left = subprocess.run(['sh', '-c', os.environ['WQ_LEFT']], check=True,
                          capture_output=True, text=True).stdout.strip()
    if left == '0':
        break
    time.sleep(1)
time.sleep(2)
last = 0; n = 0; err = None
try:
    while True:
        f = frame()
        if 'event' in f:
            last = f['event']['seq']; n += 1
        elif f.get('ok') is False:
            err = f['error']; break
except (EOFError, socket.timeout):
    pass
print(n, last, err and err.get('code'), err and err.get('seq'))
PY
)
set -- $res
if [ "${3:-}" = E_LIMIT ] && [ "${4:-}" = "$2" ] && [ "$1" -lt 60000 ]; then
	ok "a watcher that does not read is dropped: E_LIMIT after $1 of 60000 events, with seq $4, the last event sent"
else
	not_ok "a watcher that does not read is dropped with E_LIMIT and its last seq" "$res"
fi
