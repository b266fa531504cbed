# feeds.sh: issue 15's feed benchmark, sourced by run.sh (section
# "feeds", after "base", on its cairnd and cluster, in its team "bench"):
#
#   - 1,000 PostgreSQL feeds due every minute against one source (a
#     database of the same cluster, a read-only role, a table of 1,000
#     rows: each feed reads its own row), their slots spread over the
#     minute: for $feed_secs (60) with nothing else running, the lag from
#     each run's slot to its reading's commit (p50, p99, max: recorded_at
#     - feed_slot in PostgreSQL), the runs recorded and failed, and
#     cairnd's CPU (utime + stime from /proc over the window);
#   - the authenticated read (user.get, cairn-bench --op read) for $secs
#     without feeds, then with the 1,000 feeds running: its p99 and rate
#     both times, and their ratio (the aim: p99 within 10%).
#
# The KPIs and feeds are inserted with SQL (the ops' checks are the
# suites'); cairnd takes them from the table like any feed.

# cairnd's CPU seconds so far (utime + stime of $pid).
cairnd_cpu() {
	awk -v t="$(getconf CLK_TCK 2>/dev/null || echo 100)" \
	    '{ printf "%.3f", ($14 + $15) / t }' "/proc/$pid/stat"
}

feeds_sql() {	# feeds_sql DB SQL: as the cluster's owner
	"$psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$data" -U cairn -d "$1" \
	    -c "$2"
}

feeds_section() {
	nfeeds=${CAIRN_BENCH_FEEDS:-1000}
	feed_secs=${CAIRN_BENCH_FEED_SECONDS:-60}
	echo "bench: feeds: $nfeeds PostgreSQL feeds due every minute," \
	    "${feed_secs} s" >&2

	# The interactive baseline, before any feed exists.
	run_bench read --login bench --password-file "$tmp/password"
	feeds_read0=$line

	feeds_sql cairn "CREATE DATABASE feedsrc" >/dev/null ||
	    die "CREATE DATABASE feedsrc failed"
	feeds_sql feedsrc "CREATE ROLE bench_feeder LOGIN;
	    CREATE TABLE m (k integer PRIMARY KEY, v double precision);
	    INSERT INTO m SELECT g, g FROM generate_series(1, $nfeeds) g;
	    GRANT SELECT ON m TO bench_feeder" >/dev/null ||
	    die "the feeds' source database failed"
	# Slots from the next whole minute on, one every 60/N s, so the
	# feeds are due evenly (as feed_jitter spreads those set together).
	feeds_sql cairn "
	    INSERT INTO sources (name, kind, target) VALUES ('bench-src',
		'postgres', 'host=$data dbname=feedsrc user=bench_feeder');
	    INSERT INTO source_teams SELECT s.id, t.id FROM sources s, teams t
		WHERE s.name = 'bench-src' AND t.slug = 'bench';
	    INSERT INTO kpis (team_id, name, direction, green, amber, owner_id)
		SELECT t.id, 'Fed ' || g, 'up', 10, 5, u.id
		FROM teams t, users u, generate_series(1, $nfeeds) g
		WHERE t.slug = 'bench' AND u.login = 'bench';
	    INSERT INTO feeds (kpi_id, source_id, query, every, set_by, due)
		SELECT k.id, s.id, 'SELECT v AS value FROM m WHERE k = '
		    || substr(k.name, 5), 60, k.owner_id,
		    date_trunc('minute', now()) + interval '1 minute'
		    + (substr(k.name, 5)::int % 60) * interval '1 second'
		    + (substr(k.name, 5)::int / 60) * interval '1 second' / 17
		FROM kpis k, sources s
		WHERE k.name LIKE 'Fed %' AND s.name = 'bench-src'" >/dev/null ||
	    die "creating the feeds failed"

	# Wait for the first slot, then the window.
	sleep $((61 - $(date +%S | sed 's/^0//')))
	t0=$(feeds_sql cairn "SELECT now()")
	c0=$(cairnd_cpu)
	cost_start
	sleep "$feed_secs"
	c1=$(cairnd_cpu)
	t1=$(feeds_sql cairn "SELECT now()")
	feeds_lag=$(feeds_sql cairn "SELECT count(*) || ' ' ||
	    round((1000 * percentile_cont(0.5) WITHIN GROUP (ORDER BY
		extract(epoch FROM recorded_at - feed_slot)))::numeric, 1) || ' ' ||
	    round((1000 * percentile_cont(0.99) WITHIN GROUP (ORDER BY
		extract(epoch FROM recorded_at - feed_slot)))::numeric, 1) || ' ' ||
	    round((1000 * max(extract(epoch FROM recorded_at - feed_slot)))::numeric, 1)
	    FROM kpi_readings WHERE feed_slot >= '$t0' AND feed_slot < '$t1'
	    AND via = 'feed:bench-src'")
	feeds_failed=$(feeds_sql cairn "SELECT count(*) FROM feeds
	    WHERE failures > 0")
	# PostgreSQL's CPU per run over the window (run.sh's cost_end: both
	# ends of a run, the source's query and the recording, on one
	# cluster).
	cost_end feeds "$(echo "$feeds_lag" | cut -d' ' -f1)"
	feeds_pgcpu=$(grep '^feeds ' "$tmp/costs" | tail -n 1 | cut -d' ' -f2)
	feeds_cpu=$(awk -v a="$c0" -v b="$c1" -v s="$feed_secs" \
	    'BEGIN { printf "%.1f", 100 * (b - a) / s }')

	# The interactive read with the feeds running.
	run_bench read --login bench --password-file "$tmp/password"
	feeds_read1=$line
	feeds_sql cairn "DELETE FROM feeds" >/dev/null

	set -- $feeds_lag
	result feed-runs "$1"
	result feed-lag-p50 "$2"
	result feed-lag-p99 "$3"
	result feed-cpu "$feeds_cpu"
	{
		echo
		echo "Feeds (issue 15): $nfeeds PostgreSQL feeds due every" \
		    "minute against one source, ${feed_secs} s window"
		printf '  runs recorded in the window %s, feeds with a failure %s\n' \
		    "$1" "$feeds_failed"
		printf '  lag slot -> reading committed: p50 %s ms, p99 %s ms, max %s ms\n' \
		    "$2" "$3" "$4"
		printf '  cairnd CPU with only the feeds running: %s%% of one core;' \
		    "$feeds_cpu"
		printf ' PostgreSQL CPU per run (source query and recording): %s ms\n' \
		    "$feeds_pgcpu"
		printf '  read (user.get), %s clients: without feeds %s/s p99 %s ms;' \
		    "$clients" "$(kv rps "$feeds_read0")" "$(kv p99_ms "$feeds_read0")"
		printf ' with them %s/s p99 %s ms (p99 ratio %s, aim <= 1.10)\n' \
		    "$(kv rps "$feeds_read1")" "$(kv p99_ms "$feeds_read1")" \
		    "$(awk -v a="$(kv p99_ms "$feeds_read0")" \
		    -v b="$(kv p99_ms "$feeds_read1")" \
		    'BEGIN { if (a > 0) printf "%.2f", b / a; else print "-" }')"
	} > "$tmp/feeds-report"
}
