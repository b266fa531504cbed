# feeds.sh: KPI feeds (issue 15; docs/rules.md, "Feeds"): a KPI read from
# a PostgreSQL source on a schedule, through the real cairn command line,
# against a second database of the suite's own cluster with a read-only
# role; a run at once, the schedule, failures and their backoff, a failing
# feed in kpi show, kpi list and review, a database killed mid-run, a
# timeout, and two cairnd over one database running each slot once
# (sourced by suite.sh, after login_admin).

ops_sql() {	# ops_sql SQL...: psql on the ops database, as the cluster's owner
	"$PGBIN/psql" -X -q -t -A -h "$DATA" -U cairn -d ops -v ON_ERROR_STOP=1 "$@"
}

fd_feed() {	# fd_feed KPI JQ: a member of kpi show --json's feed
	as admin --json kpi show "$1" 2>/dev/null | jqr ".feed | $2"
}

fd_readings() {	# fd_readings KPI: how many readings the KPI has
	psql_cairn -c "SELECT count(*) FROM kpi_readings WHERE kpi_id = $1"
}

fd_at_least() {	# fd_at_least KPI N: the KPI has N readings or more
	[ "$(fd_readings "$1")" -ge "$2" ]
}

fd_sql_true() {	# fd_sql_true SQL: the query answers t
	[ "$(psql_cairn -c "$1")" = t ]
}

fd_feeder_active() {	# the feeder role has a query running
	[ "$(ops_sql -c "SELECT count(*) FROM pg_stat_activity
	    WHERE usename = 'feeder' AND state = 'active'")" -ge 1 ]
}

# The ops database: a table the test changes, a view, a read-only role.
psql_cairn -c "CREATE DATABASE ops" >/dev/null 2>"$T/stderr" ||
    not_ok "setup: database ops" "$(< "$T/stderr")"
ops_sql >/dev/null 2>"$T/stderr" <<'SQL' || not_ok "setup: ops schema" "$(< "$T/stderr")"
CREATE ROLE feeder LOGIN PASSWORD 'feeder-pw-1234';
CREATE TABLE deliveries (id serial PRIMARY KEY, on_time boolean NOT NULL,
    at timestamptz NOT NULL DEFAULT now());
INSERT INTO deliveries (on_time) SELECT i % 10 <> 0 FROM generate_series(1, 100) i;
CREATE VIEW on_time_rate AS SELECT round(100.0 * count(*) FILTER (WHERE on_time)
    / count(*), 2) AS value, max(at) AS at FROM deliveries;
CREATE TABLE secret_stuff (x int);
GRANT SELECT ON on_time_rate TO feeder;
SQL

FDROOT=$(psql_cairn -c "SELECT slug FROM teams WHERE parent_id IS NULL")
if [ -z "$FDROOT" ]; then
	quietly "root team" as admin team add fdroot --name 'Feeds root'
	FDROOT=fdroot
fi
quietly "team ops" as admin team add ops --name Operations --parent "$FDROOT"
quietly "team other" as admin team add other --name Other --parent "$FDROOT"
# review reads the active period that contains today.
quietly "period fdq" as admin period add fdq \
    --start "$(date -u -d '-10 days' +%F)" --end "$(date -u -d '+80 days' +%F)" &&
    quietly "period fdq open" as admin period open fdq
mkuser olead member
mkuser omember member
add_member ops olead --lead
add_member ops omember
quietly "kpi" as admin kpi add --team ops --name 'On-time delivery' --unit % \
    --direction up --green 95 --amber 90 --frequency daily
K=$OUT
quietly "kpi 2" as admin kpi add --team other --name 'Other KPI' --unit % \
    --direction up --green 95 --amber 90
K2=$OUT

printf 'feeder-pw-1234\n' | as admin source add ops --postgres \
    "host=$DATA dbname=ops user=feeder" --password-stdin >/dev/null 2>"$T/stderr" ||
    not_ok "setup: source ops" "$(< "$T/stderr")"
Q='SELECT value, at FROM on_time_rate'

# Who may, and what is refused -------------------------------------------
expect_exit "a source not allowed to the team is refused" 7 \
    as olead kpi feed "$K" --source ops --query "$Q" --every 1m
expect_match "... naming source allow" "not allowed to this KPI's team" "$(< "$T/stderr")"
quietly "source allow ops" as admin source allow ops --team "$FDROOT"
expect_exit "a member of the team may not set a feed" 4 \
    as omember kpi feed "$K" --source ops --query "$Q" --every 1m
expect_exit "an unknown source" 5 \
    as olead kpi feed "$K" --source nosuch --query "$Q" --every 1m
expect_exit "--every 30s is below the minimum" 7 \
    as olead kpi feed "$K" --source ops --query "$Q" --every 30s
expect_exit "--every 8d is above the maximum" 7 \
    as olead kpi feed "$K" --source ops --query "$Q" --every 8d
expect_exit "--every 5x is a usage error" 2 \
    as olead kpi feed "$K" --source ops --query "$Q" --every 5x
expect_exit "--off and --now together is a usage error" 2 \
    as olead kpi feed "$K" --off --now
expect_exit "--now with no feed" 5 as olead kpi feed "$K" --now
expect_eq "nothing was set" "$(fd_feed "$K" .)" null

# A feed set, run at once ----------------------------------------------------
expect_exit "the lead sets the feed" 0 \
    as olead kpi feed "$K" --source ops --query "$Q" --every 1h
expect_match "... and it says so" "^KPI $K: feed source ops every 1h" "$OUT"
expect_eq "kpi show --json: feed.source" "$(fd_feed "$K" .source)" ops
expect_eq "kpi show --json: feed.every (s)" "$(fd_feed "$K" .every)" 3600
expect_eq "kpi show --json: feed.query" "$(fd_feed "$K" .query)" "$Q"
expect_eq "kpi show --json: not failing" "$(fd_feed "$K" .failing)" false
expect_eq "audited as kpi.feed" \
    "$(psql_cairn -c "SELECT count(*) FROM audit_log WHERE op = 'kpi.feed' AND entity_id = $K")" 1

# The first run is due at once (plus its offset, under 30 s at 1h): the
# schedule records it without anyone asking.
if eventually 40 fd_at_least "$K" 1; then
	ok "the schedule records the first reading on its own"
else
	not_ok "the schedule records the first reading on its own" \
	    "$(fd_feed "$K" .)"
fi
expect_eq "the reading is the view's value" \
    "$(psql_cairn -c "SELECT value FROM kpi_readings WHERE kpi_id = $K ORDER BY id LIMIT 1")" 90
expect_exit "kpi history" 0 as olead --json kpi history "$K"
expect_eq "kpi history: the reading's source is the feed" \
    "$(printf '%s' "$OUT" | jqr '.[0].via')" "feed:ops"
expect_eq "... and its author the lead who set the feed" \
    "$(printf '%s' "$OUT" | jqr '.[0].author')" olead

ops_sql -c "INSERT INTO deliveries (on_time) SELECT true FROM generate_series(1, 100)"
expect_exit "kpi feed --now" 0 as olead kpi feed "$K" --now
expect_match "--now prints the reading recorded" "^KPI $K: recorded 95 at " "$OUT"
expect_eq "two readings now" "$(fd_readings "$K")" 2
expect_eq "--now leaves the schedule: next run an hour on" \
    "$(psql_cairn -c "SELECT due > now() + interval '50 minutes' FROM feeds WHERE kpi_id = $K")" t

# A run's connection is kept for the next (pgsrc_keep): the query reads its
# backend's pid, the same twice; one the server ends while idle is dropped,
# and the next run connects again.
fd_last() {	# fd_last KPI: the latest reading's value
	psql_cairn -c "SELECT value FROM kpi_readings WHERE kpi_id = $1
	    ORDER BY id DESC LIMIT 1"
}
expect_exit "setup: a query that reads its backend's pid" 0 \
    as olead kpi feed "$K" --source ops --query "SELECT pg_backend_pid() AS value" --every 1h
expect_exit "a run" 0 as olead kpi feed "$K" --now
pid1=$(fd_last "$K")
expect_exit "another run" 0 as olead kpi feed "$K" --now
expect_eq "... on the same connection (the same backend)" "$(fd_last "$K")" "$pid1"
ops_sql -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'feeder'" >/dev/null
sleep 0.3
expect_exit "the kept connection ended by the server: the next run still records" 0 \
    as olead kpi feed "$K" --now
if [ "$(fd_last "$K")" != "$pid1" ]; then
	ok "... on a new connection"
else
	not_ok "... on a new connection" "the same backend $pid1"
fi
expect_exit "setup: the view again" 0 \
    as olead kpi feed "$K" --source ops --query "$Q" --every 1h

# A slot is recorded once ----------------------------------------------------
n=$(fd_readings "$K")
psql_cairn -c "SELECT feed_record($K, '2026-01-01T00:00:00Z', false, 1, now())" >/dev/null
psql_cairn -c "SELECT feed_record($K, '2026-01-01T00:00:00Z', false, 1, now())" >/dev/null
expect_eq "feed_record twice for one slot records once" "$(fd_readings "$K")" $((n + 1))

# Each due slot runs once: made due, the schedule runs it within a tick.
n=$(fd_readings "$K")
psql_cairn -c "UPDATE feeds SET due = now() WHERE kpi_id = $K"
if eventually 10 fd_at_least "$K" $((n + 1)); then
	ok "a slot made due is run by the schedule"
else
	not_ok "a slot made due is run by the schedule" "$(fd_readings "$K") readings"
fi
sleep 2
expect_eq "... once" "$(fd_readings "$K")" $((n + 1))

# Failures ----------------------------------------------------------------
fail_now() {	# fail_now NAME QUERY WANT-REGEX
	expect_exit "setup: query for $1" 0 \
	    as olead kpi feed "$K" --source ops --query "$2" --every 1h
	expect_exit "$1: --now fails" 1 as olead kpi feed "$K" --now
	expect_match "$1: the error says why" "$3" "$(< "$T/stderr")"
	expect_eq "$1: shown on the feed" \
	    "$(fd_feed "$K" .last_error | grep -cE "$3")" 1
}
n=$(fd_readings "$K")
fail_now "two rows" "SELECT 1 AS value FROM generate_series(1, 2)" "2 rows"
fail_now "no row" "SELECT 1 AS value WHERE false" "no row"
fail_now "NULL" "SELECT NULL::int AS value" "NULL"
fail_now "text" "SELECT 'x'::text AS value" "text, not a number"
fail_now "no column value" "SELECT 1 AS v" "value"
fail_now "a table the role may not read" "SELECT count(*) AS value FROM secret_stuff" "permission denied"
fail_now "a write" "INSERT INTO deliveries (on_time) VALUES (true) RETURNING 1 AS value" "read-only"
expect_exit "source_timeout_ms 500" 0 as admin settings set source_timeout_ms 500
t0=$EPOCHREALTIME
fail_now "a timeout" "SELECT 1 AS value FROM pg_sleep(5)" "timeout|timed out|cancel"
expect_exit "source_timeout_ms back to 5000" 0 as admin settings set source_timeout_ms 5000
expect_eq "no failed run recorded a reading" "$(fd_readings "$K")" "$n"
expect_eq "manual runs count no failure" "$(fd_feed "$K" .failures)" 0

# The database killed mid-run: the run fails, cairnd serves on.
expect_exit "setup: a slow query" 0 \
    as olead kpi feed "$K" --source ops --query "SELECT 42 AS value FROM pg_sleep(3)" --every 1h
as olead kpi feed "$K" --now >"$T/killed.out" 2>"$T/killed.err" &
kpid=$!
eventually 5 fd_feeder_active
ops_sql -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'feeder'" >/dev/null
wait "$kpid"
expect_eq "the killed run fails (exit 1)" "$?" 1
expect_match "... saying the connection ended" "terminat|closed|lost" "$(< "$T/killed.err")"
expect_exit "cairnd still answers" 0 as olead kpi show "$K"

# The schedule's failures back off and count; twice the interval of them
# makes the feed failing, in kpi show, kpi list and review.
expect_exit "setup: a failing scheduled feed" 0 \
    as olead kpi feed "$K" --source ops --query "SELECT 1 AS v" --every 1m
psql_cairn -c "UPDATE feeds SET due = now() WHERE kpi_id = $K"
if eventually 10 fd_sql_true "SELECT failures >= 1 FROM feeds WHERE kpi_id = $K"; then
	ok "a scheduled run that fails is counted"
else
	not_ok "a scheduled run that fails is counted" "$(fd_feed "$K" .)"
fi
expect_eq "... and retried after 15 s, not at once" \
    "$(psql_cairn -c "SELECT retry_at BETWEEN now() + interval '5 s' AND now() + interval '16 s' FROM feeds WHERE kpi_id = $K")" t
expect_eq "not failing yet" "$(fd_feed "$K" .failing)" false
psql_cairn -c "UPDATE feeds SET failing_since = now() - interval '3 minutes' WHERE kpi_id = $K"
expect_eq "failing after twice the interval" "$(fd_feed "$K" .failing)" true
expect_exit "kpi show" 0 as olead kpi show "$K"
expect_match "kpi show: FEED FAILING and the error" \
    "^feed: source ops every 1m.*\(FEED FAILING\); last error: .*value" "$OUT"
expect_exit "kpi list" 0 as olead kpi list --team ops
expect_match "kpi list: FAILING" " ops FAILING " "$OUT"
expect_exit "review" 0 as admin --json review
expect_eq "review: a feed_failing item for the KPI" \
    "$(printf '%s' "$OUT" | jqr "[.[] | select(.kind == \"feed_failing\" and .id == $K)] | length")" 1

# Off ------------------------------------------------------------------------
expect_exit "a member may not turn it off" 4 as omember kpi feed "$K" --off
expect_exit "the lead turns it off" 0 as olead kpi feed "$K" --off
expect_eq "no feed" "$(fd_feed "$K" .)" null
expect_exit "off again: no feed" 5 as olead kpi feed "$K" --off
expect_eq "audited as kpi.feed_off" \
    "$(psql_cairn -c "SELECT count(*) FROM audit_log WHERE op = 'kpi.feed_off' AND entity_id = $K")" 1

# Two cairnd over one database: every due slot runs once -------------------
N=20
for i in $(seq 1 $N); do
	quietly "kpi f$i" as admin kpi add --team ops --name "Fed $i" --unit n \
	    --direction up --green 10 --amber 5 || break
	FK[$i]=$OUT
	quietly "feed f$i" as admin kpi feed "$OUT" --source ops \
	    --query "SELECT $i AS value" --every 1h || break
done
ADDR2=127.0.0.1:$((PORT + 1))
sed -e "s|^listen = .*|listen = $ADDR2|" -e "/^data_dir = /d" \
    "$T/cairnd.conf" > "$T/cairnd-2.conf"
"$BIN/cairnd" --config "$T/cairnd-2.conf" \
    --db "host=$DATA user=cairn dbname=cairn" >"$T/cairnd-2.log" 2>&1 &
PID2=$!
wait_log 60 "db: [0-9]+ of [0-9]+ connections up" "$T/cairnd-2.log" ||
    not_ok "setup: the second cairnd" "$(tail -5 "$T/cairnd-2.log")"
ids=$(IFS=,; echo "${FK[*]}")
before=$(psql_cairn -c "SELECT count(*) FROM kpi_readings WHERE kpi_id IN ($ids)")
rounds=3
for r in $(seq 1 $rounds); do
	psql_cairn -c "UPDATE feeds SET due = now() WHERE kpi_id IN ($ids)"
	eventually 15 fd_sql_true "SELECT count(*) = 0 FROM feeds WHERE kpi_id IN ($ids) AND due <= now()"
done
after=$(psql_cairn -c "SELECT count(*) FROM kpi_readings WHERE kpi_id IN ($ids)")
expect_eq "two cairnd, $rounds rounds of $N due feeds: $((rounds * N)) readings" \
    $((after - before)) $((rounds * N))
expect_eq "... one per KPI and slot" \
    "$(psql_cairn -c "SELECT count(*) FROM (SELECT kpi_id, feed_slot FROM kpi_readings WHERE kpi_id IN ($ids) GROUP BY 1, 2 HAVING count(*) > 1) x")" 0
runs1=$(grep -c "slot .* recorded" "$T/cairnd.log")
runs2=$(grep -c "slot .* recorded" "$T/cairnd-2.log")
echo "# runs recorded: $runs1 by the first cairnd, $runs2 by the second"
expect_eq "... each run recorded by one cairnd (no run twice)" \
    "$(grep -h "slot .* recorded before" "$T/cairnd.log" "$T/cairnd-2.log" | wc -l)" 0
kill -TERM "$PID2" && wait "$PID2"

# A source that feeds KPIs stays.
expect_exit "source rm of a source that feeds $N KPIs is refused" 7 \
    as admin source rm ops
expect_match "... saying so" "source 'ops' feeds $N KPIs: turn their feeds off first" "$(< "$T/stderr")"
expect_eq "... and it is still there" \
    "$(psql_cairn -c "SELECT count(*) FROM sources WHERE name = 'ops'")" 1
