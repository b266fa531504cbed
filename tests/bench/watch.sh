# watch.sh: issue 16's event stream benchmark, sourced by run.sh (section
# "watch", after "base", on its cairnd and cluster, in its team "bench"):
#
#   - $nw (1,000) watchers on one cairnd (cairn-bench --op watch: one
#     event.watch per connection, all as the bench user, who reads
#     everything), while $wrate (200) check-ins a second are made
#     (cairn-bench --op checkin --rate) on 200 key results: the delay of
#     each event delivered, from its "at" (written in the check-in's
#     transaction, just before the commit) to its arrival at a watcher,
#     by this machine's clock: p50, p99, max, over every watcher, with
#     nothing else running (the generators share the two cores);
#   - the authenticated read (user.get) for $secs with the same check-ins
#     running, first without watchers, then with them: its p99 both times
#     and their ratio (the aim: within 10%).

watch_section() {
	nw=${CAIRN_BENCH_WATCHERS:-1000}
	wrate=${CAIRN_BENCH_WATCH_RATE:-200}
	echo "bench: watch: $nw watchers, $wrate check-ins a second" >&2

	# 200 key results under one objective of team bench (the limit of
	# key results an objective raised for it).
	"$bin/cairn" settings set max_key_results 200 >/dev/null ||
	    die "watch: settings set failed"
	"$bin/cairn" period add wbench --start "$(date -u -d '-30 days' +%Y-%m-%d)" \
	    --end "$(date -u -d '+60 days' +%Y-%m-%d)" >/dev/null ||
	    die "watch: period add failed"
	"$bin/cairn" period open wbench >/dev/null ||
	    die "watch: period open failed"
	"$bin/cairn" team member add bench bench --lead >/dev/null ||
	    die "watch: team member add failed"
	wobj=$("$bin/cairn" obj add --team bench --period wbench \
	    --owner bench --title "Watched") || die "watch: obj add failed"
	: > "$tmp/wkrs.txt"
	for i in $(seq 1 200); do
		"$bin/cairn" kr add "$wobj" --title "W$i" --type increase \
		    --target 100 --owner bench >> "$tmp/wkrs.txt" ||
		    die "watch: kr add failed"
	done

	writer() {	# writer SECONDS: the check-ins, in the background
		"$bin/cairn-bench" --server "127.0.0.1:$port" --ca "$ca" \
		    --clients 8 --depth 4 --duration "$1" --op checkin \
		    --rate "$wrate" --kr-file "$tmp/wkrs.txt" \
		    --login bench --password-file "$tmp/password" \
		    > "$tmp/writer-$2.out" 2>&1 &
		wpid=$!
	}

	# Without watchers: the read beside the check-ins.
	writer $((secs + 2)) 0
	sleep 1
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
	writer $((secs + 2)) 1
	wait "$wpid" || echo "bench: watch: the writer failed" >&2
	watch_writer1=$(tail -n 1 "$tmp/writer-1.out")
	wait "$vpid" || echo "bench: watch: the watchers failed" >&2
	watch_line=$(tail -n 1 "$tmp/watchers-1.out")
	echo "bench: watchers: $watch_line" >&2
	# cairnd's own share (its log each 10 s: from the write to the
	# frames queued on every watcher's connection).
	watch_server=$(tail -n +$((l0 + 1)) "$log" |
	    sed -n 's/.*watch: \(.* events sent as .*\)$/\1/p')

	watchers $((secs + 8)) 2
	writer $((secs + 2)) 2
	sleep 1
	run_bench read --login bench --password-file "$tmp/password"
	watch_read1=$line
	wait "$wpid" || echo "bench: watch: the writer failed" >&2
	watch_writer2=$(tail -n 1 "$tmp/writer-2.out")
	wait "$vpid" || echo "bench: watch: the watchers failed" >&2
	watch_line2=$(tail -n 1 "$tmp/watchers-2.out")
	echo "bench: watchers beside the read: $watch_line2" >&2

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
		printf '  ... with the read beside them (both cores busy): p50 %s ms, p99 %s ms\n' \
		    "$(kv p50_ms "$watch_line2")" "$(kv p99_ms "$watch_line2")"
		printf '  read (user.get), %s clients, beside the check-ins: without watchers %s/s p99 %s ms;' \
		    "$clients" "$(kv rps "$watch_read0")" "$(kv p99_ms "$watch_read0")"
		printf ' with them %s/s p99 %s ms (p99 ratio %s, aim <= 1.10)\n' \
		    "$(kv rps "$watch_read1")" "$(kv p99_ms "$watch_read1")" \
		    "$(awk -v a="$(kv p99_ms "$watch_read0")" \
		    -v b="$(kv p99_ms "$watch_read1")" \
		    'BEGIN { if (a > 0) printf "%.2f", b / a; else print "-" }')"
	} > "$tmp/watch-report"
}
