# watch.sh: issue 16's event stream benchmark, sourced by run.sh (section
# "watch", after "base", on its cairnd and cluster, in its team "bench"):
#
#   - $nw (1,000) watchers on one cairnd (cairn-bench --op watch: one
#     event.watch per connection, all as the bench user, who reads
#     everything), while $wrate (200) check-ins a second are made
#     (cairn-bench --op checkin --rate) on 200 key results (40 objectives
#     of 5): the delay of
#     each event delivered, from its "at" (written in the check-in's
#     transaction, just before the commit) to its arrival at a watcher,
#     by this machine's clock: p50, p99, max, over every watcher, with
#     nothing else running (the generators share the two cores);
#   - the authenticated read (user.get) with the same check-ins running,
#     first without watchers, then with them, twice each (and the
#     interactive one a third time, without them again): as interactive
#     requests ($irate a second in all over $clients connections, one in
#     flight each: people at their terminals, the aim's "interactive
#     requests"), its p99 each time and the ratio of the one with the
#     watchers to the mean of the two without (the aim: within 10%);
#     and at full speed ($clients connections, $depth in flight), where
#     the read takes every cycle the two cores have, so that its rate
#     shows what the watchers cost in throughput.

watch_section() {
	nw=${CAIRN_BENCH_WATCHERS:-1000}
	wrate=${CAIRN_BENCH_WATCH_RATE:-200}
	irate=${CAIRN_BENCH_INTERACTIVE_RATE:-1000}
	hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
	echo "bench: watch: $nw watchers, $wrate check-ins a second" >&2

	# 200 key results in team bench: 40 objectives of 5 (the guide's
	# shape: a few key results each, so that a check-in's roll-up is an
	# objective's 5, not one objective's 200 fought over by every
	# writer); max_objectives raised for it.
	"$bin/cairn" settings set max_objectives 40 >/dev/null ||
	    die "watch: settings set failed"
	"$bin/cairn" period add wbench --start "$(date -u -d '-30 days' +%Y-%m-%d)" \
	    --end "$(date -u -d '+60 days' +%Y-%m-%d)" >/dev/null ||
	    die "watch: period add failed"
	"$bin/cairn" period open wbench >/dev/null ||
	    die "watch: period open failed"
	"$bin/cairn" team member add bench bench --lead >/dev/null ||
	    die "watch: team member add failed"
	: > "$tmp/wkrs.txt"
	for o in $(seq 1 40); do
		wobj=$("$bin/cairn" obj add --team bench --period wbench \
		    --owner bench --title "Watched $o") ||
		    die "watch: obj add failed"
		for i in 1 2 3 4 5; do
			"$bin/cairn" kr add "$wobj" --title "W$o.$i" \
			    --type increase --target 100 --owner bench \
			    >> "$tmp/wkrs.txt" || die "watch: kr add failed"
		done
	done

	writer() {	# writer SECONDS: the check-ins, in the background
		"$bin/cairn-bench" --server "127.0.0.1:$port" --ca "$ca" \
		    --clients 8 --depth 4 --duration "$1" --op checkin \
		    --rate "$wrate" --kr-file "$tmp/wkrs.txt" \
		    --login bench --password-file "$tmp/password" \
		    > "$tmp/writer-$2.out" 2>&1 &
		wpid=$!
	}

	# The read as interactive requests: one in flight per connection,
	# $irate a second in all.
	interactive() {
		depth_was=$depth
		depth=1
		run_bench read --login bench --password-file "$tmp/password" \
		    --rate "$irate"
		depth=$depth_was
	}

	# Without watchers: the read beside the check-ins.
	writer $((2 * secs + 3)) 0
	sleep 1
	interactive
	watch_iread0=$line
	run_bench read --login bench --password-file "$tmp/password"
	watch_read0=$line
	wait "$wpid" || echo "bench: watch: the writer failed" >&2
	watch_writer0=$(tail -n 1 "$tmp/writer-0.out")

	# The watchers up first (1,000 TLS handshakes), then the check-ins:
	# the delay of each event to each watcher, with nothing else running
	# (a read at full speed beside them would measure the two cores'
	# queue, not the stream).  Then the same again with the read beside
	# them, for its p99.
	watchers() {	# watchers SECONDS NAME
		n0=$(grep -c "watching from seq" "$log" || true)
		"$bin/cairn-bench" --server "127.0.0.1:$port" --ca "$ca" \
		    --clients "$nw" --duration "$1" --op watch \
		    --login bench --password-file "$tmp/password" \
		    > "$tmp/watchers-$2.out" 2>&1 &
		vpid=$!
		i=0
		until [ "$(grep -c "watching from seq" "$log" || true)" -ge \
		    $((n0 + nw)) ]; do
			i=$((i + 1))
			[ $i -lt 600 ] ||
			    die "watch: $nw watchers not up after 60 s"
			sleep 0.1
		done
	}
	l0=$(wc -l < "$log")
	watchers $((secs + 4)) 1
	cpu0=$(pg_cpu)
	writer $((secs + 2)) 1
	wait "$wpid" || echo "bench: watch: the writer failed" >&2
	cpu1=$(pg_cpu)
	watch_writer1=$(tail -n 1 "$tmp/writer-1.out")
	wait "$vpid" || echo "bench: watch: the watchers failed" >&2
	watch_line=$(tail -n 1 "$tmp/watchers-1.out")
	echo "bench: watchers: $watch_line" >&2
	# cairnd's own share (its log each 10 s: from the write to the
	# frames queued on every watcher's connection).
	watch_server=$(tail -n +$((l0 + 1)) "$log" |
	    sed -n -e 's/.*watch: \(.* events sent as .*\)$/\1/p' \
	    -e 's/.*events: \(the wait for a batch .*\)$/  \1/p')

	watchers $((2 * secs + 9)) 2
	writer $((2 * secs + 3)) 2
	sleep 1
	interactive
	watch_iread1=$line
	run_bench read --login bench --password-file "$tmp/password"
	watch_read1=$line
	wait "$wpid" || echo "bench: watch: the writer failed" >&2
	watch_writer2=$(tail -n 1 "$tmp/writer-2.out")
	wait "$vpid" || echo "bench: watch: the watchers failed" >&2
	watch_line2=$(tail -n 1 "$tmp/watchers-2.out")
	echo "bench: watchers beside the read: $watch_line2" >&2

	# Without watchers again: this machine's speed drifts (the same
	# build's ping rate fell by 30% between two runs an hour apart, on
	# a quiet machine), so the interactive read's p99 with the watchers
	# is set against its p99 before and after them.
	writer $((secs + 3)) 3
	sleep 1
	interactive
	watch_iread2=$line
	wait "$wpid" || echo "bench: watch: the writer failed" >&2

	result watch-p50 "$(kv p50_ms "$watch_line")"
	result watch-p99 "$(kv p99_ms "$watch_line")"
	{
		echo
		echo "Events (issue 16): $nw watchers on one cairnd, $wrate" \
		    "check-ins a second"
		printf '  check-ins made: alone %s/s, with the watchers %s/s, with the watchers and the read %s/s\n' \
		    "$(kv rps "$watch_writer0")" "$(kv rps "$watch_writer1")" \
		    "$(kv rps "$watch_writer2")"
		printf '  events delivered: %s (%s/s over all watchers), lost connections %s\n' \
		    "$(kv requests "$watch_line")" "$(kv rps "$watch_line")" \
		    "$(kv lost "$watch_line")"
		printf '  delay from the event'"'"'s write to a watcher: p50 %s ms, p99 %s ms, max %s ms (aim p99 <= 50 ms)\n' \
		    "$(kv p50_ms "$watch_line")" "$(kv p99_ms "$watch_line")" \
		    "$(kv max_ms "$watch_line")"
		echo "$watch_server" | sed 's/^/  cairnd: /'
		# CPU over the writer's run (the watchers up before, still up
		# after): cairnd's and PostgreSQL's from /proc, the watchers'
		# client's its own (setup included).
		printf '  CPU over that run: cairnd %s ms, postgres %s ms; the watchers'"'"' client %s ms in all; cairnd per 1,000 frames %s ms\n' \
		    "$(echo "$cpu0 $cpu1" | awk -v hz="$hz" '{ printf "%.0f", ($6 - $3) * 1000 / hz }')" \
		    "$(echo "$cpu0 $cpu1" | awk -v hz="$hz" '{ printf "%.0f", ($4 - $1) * 1000 / hz }')" \
		    "$(kv cpu_ms "$watch_line")" \
		    "$(echo "$cpu0 $cpu1" | awk -v hz="$hz" -v f="$(kv requests "$watch_line")" '{ if (f > 0) printf "%.2f", ($6 - $3) * 1000 / hz / f * 1000; else print "-" }')"
		printf '  ... with the read beside them (both cores busy): p50 %s ms, p99 %s ms\n' \
		    "$(kv p50_ms "$watch_line2")" "$(kv p99_ms "$watch_line2")"
		printf '  read (user.get) as interactive requests (%s/s, %s clients, 1 in flight), beside the check-ins: p99 without watchers %s ms, with them %s ms, without them again %s ms (ratio to the mean of before and after %s, aim <= 1.10)\n' \
		    "$irate" "$clients" "$(kv p99_ms "$watch_iread0")" \
		    "$(kv p99_ms "$watch_iread1")" \
		    "$(kv p99_ms "$watch_iread2")" \
		    "$(awk -v a="$(kv p99_ms "$watch_iread0")" \
		    -v b="$(kv p99_ms "$watch_iread1")" \
		    -v c="$(kv p99_ms "$watch_iread2")" \
		    'BEGIN { if (a + c > 0) printf "%.2f", 2 * b / (a + c); else print "-" }')"
		printf '  read at full speed (%s clients, %s in flight), beside the check-ins: without watchers %s/s p99 %s ms;' \
		    "$clients" "$depth" "$(kv rps "$watch_read0")" "$(kv p99_ms "$watch_read0")"
		printf ' with them %s/s p99 %s ms (the cores the watchers take)\n' \
		    "$(kv rps "$watch_read1")" "$(kv p99_ms "$watch_read1")"
	} > "$tmp/watch-report"
}
