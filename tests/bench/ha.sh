# ha.sh: issue 17's two-cairnd benchmark, sourced by run.sh (section "ha",
# after "base", on its cairnd and cluster, in its team "bench"):
#
#   - the authenticated read (user.get) and kr.checkin with $clients
#     connections, $depth in flight each, for $secs: first against the
#     base section's cairnd alone, then through HAProxy (TCP mode, the
#     configuration of tests/e2e/haproxy.cfg.in, as docs/operations.md
#     gives it) in front of it and a second cairnd over the same cluster;
#   - beside them, on the same cluster in the same run, pgbench -S and
#     pgbench's simple-update script (-N: an UPDATE, a SELECT and an
#     INSERT per transaction) with $clients clients;
#   - the ratios: each cairn figure to pgbench's, and two cairnd to one.
#
# Every program shares the machine's cores: with two, a second cairnd
# adds no CPU, so the ratio two / one says what HAProxy and a second
# process cost, not what a second machine would give (docs/scaling.md).

ha_section() {
	command -v haproxy >/dev/null 2>&1 ||
	    die "ha: haproxy not found (tests/deps.sh installs it)"
	ha_port2=$((port + 1))
	ha_front=$((port + 2))
	nkr=$((clients * depth))
	echo "bench: ha: one cairnd, then two behind HAProxy" >&2

	# A key result per request in flight, each under its own objective:
	# no two requests in flight share an objective, so the run measures
	# check-ins, not waits for one row (as org.sh's own trees).
	# A team has at most max_objectives (5) in a period: raise it for
	# the bench's team, as watch.sh raises max_key_results.
	"$bin/cairn" settings set max_objectives "$nkr" >/dev/null ||
	    die "ha: settings set max_objectives failed"
	"$bin/cairn" period add habench \
	    --start "$(date -u -d '-30 days' +%Y-%m-%d)" \
	    --end "$(date -u -d '+60 days' +%Y-%m-%d)" >/dev/null ||
	    die "ha: period add failed"
	"$bin/cairn" period open habench >/dev/null ||
	    die "ha: period open failed"
	# The watch section made the bench user a lead of its team already.
	"$bin/cairn" team member add bench bench --lead >/dev/null 2>&1 || true
	: > "$tmp/hakrs.txt"
	for i in $(seq 1 "$nkr"); do
		o=$("$bin/cairn" obj add --team bench --period habench \
		    --owner bench --title "HA $i") || die "ha: obj add failed"
		"$bin/cairn" kr add "$o" --title "HA $i" --type increase \
		    --target 100 --owner bench >> "$tmp/hakrs.txt" ||
		    die "ha: kr add failed"
	done

	ha_run() {	# ha_run PORT OP [ARGS]: one cairn-bench run, in $line
		hp=$1 hop=$2
		shift 2
		echo "bench: ha: $hop on port $hp, $clients clients, depth" \
		    "$depth, ${secs} s" >&2
		line=$("$bin/cairn-bench" --server "127.0.0.1:$hp" --ca "$ca" \
		    --clients "$clients" --depth "$depth" --duration "$secs" \
		    --op "$hop" --login bench --password-file "$tmp/password" \
		    "$@") || {
			echo "bench: ha: cairn-bench --op $hop failed" >&2
			failed=1
		}
		echo "bench: $line" >&2
	}
	ha_pg() {	# ha_pg ARGS: pgbench's tps, $clients clients, $secs
		"$pgbench" -h "$data" -U cairn -c "$clients" -j 2 -T "$secs" \
		    "$@" pgbench > "$tmp/ha-pgbench.log" 2>&1 || {
			cat "$tmp/ha-pgbench.log" >&2
			die "ha: pgbench $* failed"
		}
		pgbench_tps "$tmp/ha-pgbench.log" |
		    awk '{ printf "%.1f\n", $1 }'
	}

	# One cairnd, with the costs of each request (cost_start/cost_end:
	# PostgreSQL's CPU, cairnd's, WAL bytes), which docs/scaling.md reads.
	cost_start
	ha_run "$port" read
	ha_read1=$line
	cost_end ha-read "$(kv requests "$line")"
	cost_start
	ha_run "$port" checkin --kr-file "$tmp/hakrs.txt"
	ha_checkin1=$line
	cost_end ha-checkin "$(kv requests "$line")"

	# The second cairnd over the same cluster (its unix socket), with the
	# first one's limits, and HAProxy in front of both.
	# shellcheck disable=SC2086 # CAIRND_ARGS: options, split on purpose
	"$bin/cairnd" --db "host=$data user=cairn dbname=cairn" \
	    --listen "127.0.0.1:$ha_port2" \
	    --cert "$tmp/server.pem" --key "$tmp/server.key" \
	    --max-startups 100000 --max-startups-per-addr 100000 \
	    --max-conns 4096 --max-conns-per-addr 4096 \
	    --metrics "127.0.0.1:$((port + 4))" \
	    ${CAIRN_BENCH_CAIRND_ARGS:-} 2>> "$tmp/cairnd2.log" &
	ha_pid2=$!
	sed -e "s|@FRONT@|127.0.0.1:$ha_front|" -e "s|@S1@|127.0.0.1:$port|" \
	    -e "s|@S2@|127.0.0.1:$ha_port2|" -e "s|@STATS@|$tmp/haproxy.sock|" \
	    -e "s|@M1@|$((port + 3))|" -e "s|@M2@|$((port + 4))|" \
	    "$root/tests/e2e/haproxy.cfg.in" > "$tmp/haproxy.cfg"
	haproxy -db -f "$tmp/haproxy.cfg" > "$tmp/haproxy.log" 2>&1 &
	ha_proxy=$!
	# Both up: a ping through HAProxy, and the second's pool (its log).
	i=0
	until "$bin/cairn-bench" --server "127.0.0.1:$ha_port2" --ca "$ca" \
	    --clients 1 --duration 0.05 --op ping >/dev/null 2>&1 &&
	    "$bin/cairn-bench" --server "127.0.0.1:$ha_front" --ca "$ca" \
	    --clients 1 --duration 0.05 --op ping >/dev/null 2>&1 &&
	    grep -Eq "db: [0-9]+ of [0-9]+ connections up" "$tmp/cairnd2.log"
	do
		kill -0 "$ha_pid2" 2>/dev/null ||
		    die "ha: the second cairnd exited: $(tail -3 "$tmp/cairnd2.log")"
		kill -0 "$ha_proxy" 2>/dev/null ||
		    die "ha: haproxy exited: $(tail -3 "$tmp/haproxy.log")"
		i=$((i + 1))
		[ $i -lt 300 ] || die "ha: not up after 60 s"
		sleep 0.2
	done

	ha_run "$ha_front" read
	ha_read2=$line
	ha_run "$ha_front" checkin --kr-file "$tmp/hakrs.txt"
	ha_checkin2=$line
	# How HAProxy spread the connections (its log, one line each).
	ha_spread=$(grep -o 'cairnd/cairnd[12]' "$tmp/haproxy.log" | sort |
	    uniq -c | awk '{ printf "%s%s %s", sep, $2, $1; sep = ", " }')

	kill -TERM "$ha_proxy" "$ha_pid2" 2>/dev/null || true
	wait "$ha_proxy" "$ha_pid2" 2>/dev/null || true
	ha_proxy=
	ha_pid2=

	echo "bench: ha: pgbench -S and -N, $clients clients, ${secs} s" >&2
	ha_pg_s=$(ha_pg -S)
	ha_pg_n=$(ha_pg -N)

	ratio() {	# ratio A B: A / B, or - when either is missing
		awk -v a="$1" -v b="$2" \
		    'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }'
	}
	for l in "$ha_read1" "$ha_checkin1" "$ha_read2" "$ha_checkin2"; do
		if [ "$(kv errors "$l")" != 0 ] || [ "$(kv lost "$l")" != 0 ]; then
			echo "bench: ha: a run saw errors or lost connections: $l" >&2
			failed=1
		fi
	done
	result ha-read-1 "$(kv rps "$ha_read1")"
	result ha-read-2 "$(kv rps "$ha_read2")"
	result ha-checkin-1 "$(kv rps "$ha_checkin1")"
	result ha-checkin-2 "$(kv rps "$ha_checkin2")"
	{
		echo
		echo "Two cairnd behind HAProxy (issue 17): $clients clients," \
		    "depth $depth, ${secs} s each, $cores cores shared by all"
		printf '  %-28s %12s %9s %9s %8s %8s\n' run requests/s "p50 ms" \
		    "p99 ms" "/pgbench" "2 / 1"
		printf '  %-28s %12s %9s %9s %8s\n' "read, one cairnd" \
		    "$(kv rps "$ha_read1")" "$(kv p50_ms "$ha_read1")" \
		    "$(kv p99_ms "$ha_read1")" \
		    "$(ratio "$(kv rps "$ha_read1")" "$ha_pg_s")"
		printf '  %-28s %12s %9s %9s %8s %8s\n' "read, two behind HAProxy" \
		    "$(kv rps "$ha_read2")" "$(kv p50_ms "$ha_read2")" \
		    "$(kv p99_ms "$ha_read2")" \
		    "$(ratio "$(kv rps "$ha_read2")" "$ha_pg_s")" \
		    "$(ratio "$(kv rps "$ha_read2")" "$(kv rps "$ha_read1")")"
		printf '  %-28s %12s\n' "pgbench -S" "$ha_pg_s"
		printf '  %-28s %12s %9s %9s %8s\n' "kr.checkin, one cairnd" \
		    "$(kv rps "$ha_checkin1")" "$(kv p50_ms "$ha_checkin1")" \
		    "$(kv p99_ms "$ha_checkin1")" \
		    "$(ratio "$(kv rps "$ha_checkin1")" "$ha_pg_n")"
		printf '  %-28s %12s %9s %9s %8s %8s\n' "kr.checkin, two (HAProxy)" \
		    "$(kv rps "$ha_checkin2")" "$(kv p50_ms "$ha_checkin2")" \
		    "$(kv p99_ms "$ha_checkin2")" \
		    "$(ratio "$(kv rps "$ha_checkin2")" "$ha_pg_n")" \
		    "$(ratio "$(kv rps "$ha_checkin2")" "$(kv rps "$ha_checkin1")")"
		printf '  %-28s %12s\n' "pgbench -N (simple update)" "$ha_pg_n"
		echo "  connections through HAProxy: $ha_spread"
		cost_report "^ha-" "(one cairnd)" | sed 's/^/  /'
	} > "$tmp/ha-report"
}
