# idle.sh: what an idle logged-in connection costs cairnd (issue 17),
# sourced by run.sh (section "idle", after "base", on its cairnd):
#
#   $ni (10,000) TLS connections, each resuming the bench user's session,
#   opened $iw (1,000) at a time, kept open and nearly idle (cairn-bench
#   --op ping --rate 1 per wave: one ping a second over each wave, so the
#   run has a clock); cairnd's resident memory (VmRSS) once every
#   connection is up and cairnd's CPU is quiet, minus before, over $ni.
#   The aim: at most 12 KiB each.

idle_section() {
	ni=${CAIRN_BENCH_IDLE_CONNS:-10000}
	echo "bench: idle: $ni logged-in connections" >&2
	ulimit -n 20000 2>/dev/null || true
	[ "$(ulimit -n)" -gt $((ni + 64)) ] ||
	    die "idle: the bench needs $((ni + 64)) descriptors, ulimit -n is $(ulimit -n)"
	rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status"; }
	socks() { find "/proc/$pid/fd" -lname 'socket:*' 2>/dev/null | wc -l; }
	cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
	# quiet: until cairnd's CPU time stops growing (less than 50 ms in a
	# second, twice running): accepted is not logged in, the handshakes
	# and resumes go on for a while after.
	quiet() {
		q=0
		j=0
		while [ $q -lt 2 ]; do
			c0=$(cpu)
			sleep 1
			c1=$(cpu)
			if [ $((c1 - c0)) -lt 5 ]; then q=$((q + 1)); else q=0; fi
			j=$((j + 1))
			[ $j -lt 300 ] || die "idle: cairnd still busy after 300 s"
		done
	}
	idle_rss0=$(rss)
	idle_socks0=$(socks)
	# In waves of $iw: clients that connect over time, not all in one
	# burst (10,000 handshakes at once leave the heap full of holes that
	# glibc keeps: that is the burst's cost, not the connections').
	iw=${CAIRN_BENCH_IDLE_WAVE:-1000}
	ipids=
	k=0
	while [ $k -lt "$ni" ]; do
		n=$iw
		[ $((k + n)) -le "$ni" ] || n=$((ni - k))
		"$bin/cairn-bench" --server "127.0.0.1:$port" --ca "$ca" \
		    --clients "$n" --duration 3600 --op ping --rate 1 \
		    --login bench --password-file "$tmp/password" \
		    > "$tmp/idle-$k.out" 2>&1 &
		ipids="$ipids $!"
		k=$((k + n))
		i=0
		until [ "$(socks)" -ge $((idle_socks0 + k)) ]; do
			i=$((i + 1))
			[ $i -lt 1200 ] || die "idle: $k connections not up after 120 s: $(tail -3 "$tmp/idle-$((k - n)).out")"
			sleep 0.1
		done
		quiet
	done
	idle_rss1=$(rss)
	idle_socks1=$(socks)
	[ -n "${CAIRN_BENCH_IDLE_HOLD:-}" ] && sleep "$CAIRN_BENCH_IDLE_HOLD"
	# The measure is taken: the load connections go.
	for p in $ipids; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	idle_kib=$(awk -v a="$idle_rss0" -v b="$idle_rss1" -v n="$ni" \
	    'BEGIN { printf "%.1f", (b - a) / n }')
	result idle-kib "$idle_kib"
	{
		echo
		echo "Idle connections (issue 17): $ni logged in over TLS, one ping a second in all"
		printf '  cairnd VmRSS: %s KiB before, %s KiB with them: %s KiB each (aim <= 12 KiB)\n' \
		    "$idle_rss0" "$idle_rss1" "$idle_kib"
		printf '  connections open at the measure: %s, opened %s at a time\n' \
		    "$((idle_socks1 - idle_socks0))" "$iw"
	} > "$tmp/idle-report"
}
