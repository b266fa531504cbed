# org.sh: the second part of make bench (issue 8, "Performance"), sourced by
# run.sh after its first part: the generated organisation on a cluster of
# its own.
#
#   - gen-org.sql loads 1,000 teams, 100,000 objectives (per_team 100),
#     300,000 key results and their check-ins, timed;
#   - the roll-up: the server-side time (the final result's server_ms,
#     through cairn-bench --op call) and the end-to-end time (the whole
#     `cairn --json ... > /dev/null`, timed by `cairn-bench time`), medians
#     of CAIRN_BENCH_RUNS, of the whole organisation's tree, one
#     department's and one team's subtree, review and health; beside them
#     `cairn --json whoami`, the fixed cost of any command (process, TLS,
#     session resume, one small read), and `cairn --version`, the process
#     alone; the small ones median of CAIRN_BENCH_CLI_RUNS;
#   - cairnd's memory while it streams the whole tree: the peak resident
#     set (VmHWM after resetting it through /proc/PID/clear_refs, and the
#     largest VmRSS sampled every 10 ms) less the resident set just before;
#   - kr.checkin over $clients connections beside pgbench's default
#     TPC-B-like script with as many clients, same cluster, same run.
#
# Uses run.sh's variables and functions (bin, root, tmp, data, log, ca,
# port, clients, secs, depth, per_team, org_runs, cli_runs, org_scale,
# psql, pgbench, start_cairnd, stop_server, run_bench, kv, result,
# cost_start, cost_end, pgbench_run, die).
# shellcheck shell=sh disable=SC2154
# (SC2154: the variables named above are set by run.sh, which sources this.)

# Milliseconds since the epoch.
org_ms() {
	date +%s%N | awk '{ printf "%.0f", $1 / 1000000 }'
}

# The median of the numbers on stdin, one a line.
org_median() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) print "-";
		else if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

org_sql() {
	"$psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$data" -U cairn -d cairn "$@"
}

# org_time RUNS LABEL "CLI ARGS" ["CAIRN-BENCH ARGS"]: the server-side time
# (the final result's server_ms, from cairn-bench --op call, which reads
# the parts as fast as they come) and the end-to-end time (the whole
# `cairn --json CLI ARGS > /dev/null`, from process start to exit), each
# the median of RUNS runs; appends "LABEL server_ms e2e_ms bytes" (bytes:
# MessagePack received by cairn-bench) to $tmp/org-times, or "LABEL failed
# WHY", and records e2e_ms as the result "e2e-LABEL".
org_time() {
	runs=$1
	shift
	label=$1
	echo "bench: cairn $2, $runs runs" >&2
	: > "$tmp/org-server"
	: > "$tmp/org-e2e"
	bytes=-
	callwhy=
	r=0
	while [ -n "${3:-}" ] && [ $r -lt "$runs" ]; do
		# shellcheck disable=SC2086 # $3: cairn-bench's options
		l=$("$bin/cairn-bench" --server "127.0.0.1:$port" --ca "$ca" \
		    --login bench --password-file "$tmp/password" --op call \
		    $3 --duration 120 2>> "$tmp/org-err.log") || {
			echo "bench: cairn-bench --op call $3 failed: $l" >&2
			callwhy=$(kv first_error "$l")
			break
		}
		ms=$(kv server_ms "$l")
		[ "$ms" = -1 ] || echo "$ms" >> "$tmp/org-server"
		bytes=$(kv bytes "$l")
		r=$((r + 1))
	done
	# --version takes no --json: the process alone, no connection.
	json=--json
	[ "$2" != --version ] || json=
	# shellcheck disable=SC2086 # $json and $2: the command's arguments
	if ! l=$("$bin/cairn-bench" time "$runs" "$bin/cairn" $json $2 \
	    2> "$tmp/org-err.log"); then
		why=$(grep -o '"code": *"[A-Z_]*"' "$tmp/org-err.log" |
		    head -n 1 | sed 's/.*"\([A-Z_]*\)"$/\1/')
		[ -n "$why" ] || why=$callwhy
		[ -n "$why" ] || why=$(head -n 1 "$tmp/org-err.log" |
		    cut -c1-40 | tr ' ' '_')
		echo "bench: cairn $json $2 failed:" \
		    "$(head -c 300 "$tmp/org-err.log")" >&2
		echo "$label failed ${why:-?}" >> "$tmp/org-times"
		result "e2e-$(echo "$label" | tr ' ' _)" failed
		return 0
	fi
	e2e=$(kv median_ms "$l")
	echo "$label $(org_median < "$tmp/org-server") $e2e $bytes" \
	    >> "$tmp/org-times"
	result "e2e-$(echo "$label" | tr ' ' _)" "$e2e"
}

# VmRSS or VmHWM of cairnd, in KiB.
org_vm() {
	sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$pid/status"
}

# cairnd's memory while it streams the whole tree to a client reading at
# full speed (cairn-bench --op call, which drops what it reads): sets
# org_idle_kb, org_hwm_kb, org_sampled_kb.
org_memory() {
	org_idle_kb=$(org_vm VmRSS)
	# 5: reset the peak resident set (Linux 4.0 and later).
	if echo 5 > "/proc/$pid/clear_refs" 2>/dev/null; then
		org_hwm_ok=1
	else
		org_hwm_ok=0
	fi
	(
		max=0
		while [ ! -f "$tmp/org-mem-stop" ]; do
			v=$(org_vm VmRSS)
			[ -n "$v" ] && [ "$v" -gt "$max" ] && max=$v
			sleep 0.01
		done
		echo "$max" > "$tmp/org-mem-max"
	) &
	sampler=$!
	org_mem_ok=1
	"$bin/cairn-bench" --server "127.0.0.1:$port" --ca "$ca" \
	    --login bench --password-file "$tmp/password" --op call \
	    --call tree --duration 120 > "$tmp/org-mem.log" 2>&1 || {
		echo "bench: the tree (memory run) failed:" \
		    "$(head -c 300 "$tmp/org-mem.log")" >&2
		org_mem_ok=0
	}
	touch "$tmp/org-mem-stop"
	wait "$sampler" 2>/dev/null || true
	org_sampled_kb=$(cat "$tmp/org-mem-max")
	org_hwm_kb=-
	[ "$org_hwm_ok" = 0 ] || org_hwm_kb=$(org_vm VmHWM)
}

# The median of 5 runs of SQL in psql, in ms (\timing: the server's time
# and the socket's, no cairnd).
org_sql_ms() {
	# printf, not echo: dash's echo reads "\t" as a tab.
	for i in 1 2 3 4 5; do printf '%s\n' '\timing on' "$1;"; done |
	    org_sql 2>/dev/null | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' |
	    sort -n | sed -n 3p
}

# What KPI forecasts cost kpi list (issue 15): kpi_forecast_of over every
# KPI, beside the list's health of them, in psql on the same cluster.
# Key results' and objectives' forecasts are stored (sql/006_kr_trend.sql)
# and cost the tree only their bytes.
org_forecast_cost() {
	org_nkpis=$(org_sql -c "SELECT count(*) FROM kpis")
	org_fc_ms=$(org_sql_ms "SELECT count(kpi_forecast_of(k.id,
	    k.direction, k.green, k.amber, k.green_high, k.amber_high))
	    FROM kpis k")
	org_health_ms=$(org_sql_ms "SELECT count(kpi_health_of(k.id,
	    k.direction, k.green, k.amber, k.green_high, k.amber_high,
	    k.breach_after)) FROM kpis k")
}

org_section() {
	# shellcheck disable=SC2034 # read by pgbench_run (run.sh)
	jobs=$((clients >= 2 ? 2 : 1))
	stop_server
	data=$tmp/org
	log=$tmp/org-cairnd.log
	start_cairnd
	profile_enable
	export HOME="$tmp" CAIRN_SERVER="127.0.0.1:$port" CAIRN_CA="$ca"
	"$bin/cairn" login bench --password-stdin < "$tmp/password" \
	    >/dev/null || die "cairn login failed (org cluster)"
	# As in the first part: the check-ins go far past any team's write
	# budget (sql/023), which would answer E_LIMIT, not measure them.
	"$bin/cairn" user budget bench --lift >/dev/null ||
	    die "cairn user budget --lift failed (org cluster)"

	org_load0=$(cut -d' ' -f1-3 /proc/loadavg)
	echo "bench: generating the organisation (gen-org.sql)" >&2
	t0=$(org_ms)
	org_sql -v per_team="$per_team" -f "$root/tests/bench/gen-org.sql" \
	    > "$tmp/gen-org.log" \
	    2>&1 || {
		tail -n 20 "$tmp/gen-org.log" >&2
		die "gen-org.sql failed"
	}
	t1=$(org_ms)
	org_gen_ms=$((t1 - t0))
	org_counts=$(org_sql -F ' ' -c "SELECT (SELECT count(*) FROM teams),
	    (SELECT count(*) FROM objectives),
	    (SELECT count(*) FROM key_results),
	    (SELECT count(*) FROM checkins)")
	# shellcheck disable=SC2086 # four counts, split on purpose
	set -- $org_counts
	org_teams=$1 org_objs=$2 org_krs=$3 org_cis=$4

	# The roll-up; the memory first, while cairnd has served nothing big
	# yet (freed memory stays in its allocator: an "idle" after a large
	# answer would be that answer's high-water mark).
	org_memory
	: > "$tmp/org-times"
	org_time "$cli_runs" version --version
	org_time "$cli_runs" whoami whoami
	org_time "$org_runs" tree tree "--call tree"
	org_time "$org_runs" "tree --team dep-10" "tree --team dep-10" \
	    "--call tree --arg team=dep-10"
	org_time "$cli_runs" "tree --team team-100" "tree --team team-100" \
	    "--call tree --arg team=team-100"
	org_time "$org_runs" review review "--call review"
	org_time "$org_runs" health health "--call health"
	org_time "$org_runs" "kpi list" "kpi list" "--call kpi.list"
	org_forecast_cost

	# kr.checkin: each connection its own key results, $depth alignment
	# trees per connection (one per request in flight), leaves first, so
	# that each check-in rolls up through the most ancestors and no two
	# requests in flight wait for the same objective row.
	org_sql -v nroots=$((clients * depth)) -v per_root=8 \
	    -v depth="$depth" -v clients="$clients" \
	    -f "$root/tests/bench/checkin-krs.sql" > "$tmp/krs.txt" ||
	    die "checkin-krs.sql failed"
	org_nkrs=$(wc -l < "$tmp/krs.txt")
	org_sql -v random=1 -v nroots=$((clients * depth)) -v per_root=8 \
	    -v depth="$depth" -v clients="$clients" \
	    -f "$root/tests/bench/checkin-krs.sql" > "$tmp/krs-random.txt" ||
	    die "checkin-krs.sql -v random=1 failed"
	for spread in own random; do
		f=$tmp/krs.txt
		[ $spread = own ] || f=$tmp/krs-random.txt
		cost_start
		profile_reset
		run_bench checkin --login bench --password-file \
		    "$tmp/password" --kr-file "$f"
		cost_end "checkin-$spread" "$(kv requests "$line")"
		profile_dump "checkin-$spread" "$(kv requests "$line")"
		result_run "checkin-$spread" "$line"
		eval "org_checkin_$spread=\$line"
	done

	echo "bench: pgbench -i -s $org_scale" >&2
	org_sql -c 'CREATE DATABASE pgbench' || die "CREATE DATABASE failed"
	"$pgbench" -h "$data" -U cairn -i -s "$org_scale" -I dtGvp -q pgbench \
	    > "$tmp/pgbench-tpcb-init.log" 2>&1 || {
		cat "$tmp/pgbench-tpcb-init.log" >&2
		die "pgbench -i failed"
	}
	echo "bench: pgbench (TPC-B-like), $clients clients, ${secs} s" >&2
	# Each TPC-B-like transaction inserts one row into pgbench_history.
	pgbench_run tpcb pgbench pgbench_history "$tmp/pgbench-tpcb.log"
	org_tpcb=$pgbench_rate
	org_load1=$(cut -d' ' -f1-3 /proc/loadavg)

	org_report
}

org_row() {
	# label server_ms e2e_ms bytes aim
	if [ "$2" = failed ]; then
		printf '%-22s %10s (%s)\n' "$1" "failed" "$3"
	else
		printf '%-22s %10s %10s %12s %10s\n' "$1" "$2" "$3" "$4" "$5"
	fi
}

org_report() {
	echo
	echo "cairn bench, the organisation: $org_teams teams, $org_objs" \
	    "objectives, $org_krs key results, $org_cis check-ins" \
	    "(gen-org.sql $(awk -v m="$org_gen_ms" \
	    'BEGIN { printf "%.1f", m / 1000 }') s)"
	echo "load average before $org_load0, after $org_load1" \
	    "($cores cores)"
	printf '%-22s %10s %10s %12s %10s\n' command "server ms" "e2e ms" \
	    bytes "aim e2e"
	while read -r l; do
		# shellcheck disable=SC2086 # the fields of the line
		set -- $l
		case $l in
		"tree --team"*) lab="$1 $2 $3"; shift 3 ;;
		"kpi list"*) lab="$1 $2"; shift 2 ;;
		*) lab=$1; shift ;;
		esac
		case $lab in
		whoami) aim="<= 8" ;;
		tree) aim="<= 800" ;;
		"tree --team team-100") aim="<= 15" ;;
		*) aim=- ;;
		esac
		org_row "$lab" "${1:-}" "${2:-}" "${3:-}" "$aim"
	done < "$tmp/org-times"
	echo "(e2e: the whole \`cairn --json ...\` > /dev/null, process start" \
	    "to exit, median of $org_runs runs, of $cli_runs for version," \
	    "whoami and one team; server: the final result's server_ms;" \
	    "bytes: MessagePack frames, parts and final)"
	[ "$org_mem_ok" = 1 ] ||
	    echo "cairnd memory streaming the whole tree: not measured" \
	    "(the tree failed)"
	[ "$org_mem_ok" = 0 ] ||
	    awk -v i="$org_idle_kb" -v h="$org_hwm_kb" -v s="$org_sampled_kb" \
	    'BEGIN {
		printf "cairnd memory streaming the whole tree: idle %.1f MiB,",
		    i / 1024
		if (h != "-")
			printf " peak %.1f MiB (VmHWM): +%.1f MiB,", h / 1024,
			    (h - i) / 1024
		printf " sampled peak +%.1f MiB (aim < 64 MiB above idle)\n",
		    (s - i) / 1024
	}'
	echo "kpi list's forecasts: kpi_forecast_of over the $org_nkpis KPIs" \
	    "${org_fc_ms:-?} ms, their health ${org_health_ms:-?} ms" \
	    "(psql, median of 5)"
	for spread in own random; do
		eval "l=\$org_checkin_$spread"
		if [ -n "$l" ]; then
			printf '%-22s %10.1f/s p50 %.3f ms p99 %.3f ms errors %s\n' \
			    "kr.checkin ($spread)" "$(kv rps "$l")" \
			    "$(kv p50_ms "$l")" "$(kv p99_ms "$l")" \
			    "$(kv errors "$l")"
		else
			printf '%-22s failed\n' "kr.checkin ($spread)"
		fi
	done
	echo "(own: each request in flight on an alignment tree of its own;" \
	    "random: key results drawn across the organisation;" \
	    "$clients connections, depth $depth, $org_nkrs key results)"
	printf '%-22s %10.1f/s (scale %s, %s clients, after %s s of warm-up)\n' \
	    "pgbench TPC-B-like" "$org_tpcb" "$org_scale" "$clients" "$warmup"
	rps=$(kv rps "$org_checkin_own")
	[ -z "$rps" ] || awk -v a="$rps" -v b="$org_tpcb" 'BEGIN {
		printf "ratio kr.checkin (own) / pgbench TPC-B-like: %.2f" \
		    " (aim >= 1.0)\n", (b > 0 ? a / b : 0)
	}'
	cost_report "^(checkin-[a-z]+|tpcb) " ""
	n=$(grep -c -E '^[^ ]+ [^ ]+ (warn|error): ' "$log" || true)
	if [ "$n" -gt 0 ]; then
		echo "cairnd logged $n warnings or errors; the first ones:"
		grep -E '^[^ ]+ [^ ]+ (warn|error): ' "$log" | head -n 10
	fi
}
