#!/bin/sh
# Benchmark cairnd against its own embedded PostgreSQL, beside PostgreSQL's
# own tools (pgbench, psql \copy) on the same cluster in the same run.  Run
# as root from the top of the tree (make bench):
#
#	sh tests/bench/run.sh build/bin
#
# It ends with issue 14's table (table.sh): each row cairn's figure,
# PostgreSQL's, their ratio, the aim and whether it is met.
#
# Environment:
#	CAIRN_BENCH_SCALE	"full" (default) or "small": small changes the
#				defaults below to a run of a few minutes on a
#				loaded machine (3 s runs, 10,000 readings
#				imported, 10 objectives a team, 3 and 11 runs
#				of each command): for developing the bench, its
#				figures not comparable with the aims
#	CAIRN_BENCH_PORT	port cairnd listens on (127.0.0.1, default 7543)
#	CAIRN_BENCH_CLIENTS	connections, for cairn-bench and pgbench (32)
#	CAIRN_BENCH_SECONDS	length of each timed run (10)
#	CAIRN_BENCH_DEPTH	cairn-bench requests in flight per connection (4)
#	CAIRN_BENCH_KEEP	1: keep the temporary directory (logs, cluster)
#	CAIRN_BENCH_CAIRND_ARGS	extra cairnd options, e.g. "--db-pool 16"
#	CAIRN_BENCH_IMPORT	readings in the bulk import run (100000)
#	CAIRN_BENCH_SECTIONS	which parts run: "base" (ping, read, KPIs),
#				"feeds" (1,000 PostgreSQL feeds, feeds.sh;
#				needs base), "watch" (1,000 watchers of the
#				event stream, watch.sh; needs base), "ha" (the
#				read and check-ins against one cairnd, then two
#				behind HAProxy, ha.sh; needs base), "idle"
#				(10,000 idle logged-in connections, idle.sh;
#				needs base) and "org" (the generated
#				organisation, org.sh); default
#				"base feeds watch ha idle org"
#	CAIRN_BENCH_WATCHERS	watchers in the watch section (1000)
#	CAIRN_BENCH_WATCH_RATE	check-ins a second beside them (200)
#	CAIRN_BENCH_IDLE_CONNS	connections in the idle section (10000)
#	CAIRN_BENCH_FEEDS	feeds in the feeds section (1000)
#	CAIRN_BENCH_FEED_SECONDS	its window (60: every feed runs once)
#	CAIRN_BENCH_RUNS	runs of each large roll-up command, median (5)
#	CAIRN_BENCH_CLI_RUNS	runs of each small command (whoami, one team's
#				subtree), median (21)
#	CAIRN_BENCH_PER_TEAM	objectives per team in the organisation (100:
#				100,000 objectives, gen-org.sql)
#	CAIRN_BENCH_PGSCALE	pgbench -i scale beside kr.checkin (the clients)
#	CAIRN_BENCH_WARMUP	seconds each pgbench write run runs before its
#				measured window opens (2; pgbench_run)
#	CAIRN_BENCH_PROFILE	1: also load pg_stat_statements and write where
#				PostgreSQL's time goes per write (profile.sh);
#				its overhead is in that run's figures
#
# Everything lives in a fresh directory under /tmp, removed at the end;
# cairnd (and with it PostgreSQL) is always stopped.
set -eu

die() {
	echo "bench: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: sh tests/bench/run.sh BINDIR"
[ -d "$1" ] || die "$1: no such directory"
bin=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
scale=${CAIRN_BENCH_SCALE:-full}
case $scale in
full)	d_secs=10 d_import=100000 d_per_team=100 d_runs=5 d_cli_runs=21 ;;
small)	d_secs=3 d_import=10000 d_per_team=10 d_runs=3 d_cli_runs=11 ;;
*)	die "CAIRN_BENCH_SCALE: want full or small, not '$scale'" ;;
esac
port=${CAIRN_BENCH_PORT:-7543}
clients=${CAIRN_BENCH_CLIENTS:-32}
secs=${CAIRN_BENCH_SECONDS:-$d_secs}
depth=${CAIRN_BENCH_DEPTH:-4}
nimport=${CAIRN_BENCH_IMPORT:-$d_import}
per_team=${CAIRN_BENCH_PER_TEAM:-$d_per_team}
org_runs=${CAIRN_BENCH_RUNS:-$d_runs}
cli_runs=${CAIRN_BENCH_CLI_RUNS:-$d_cli_runs}
org_scale=${CAIRN_BENCH_PGSCALE:-$clients}
profile=${CAIRN_BENCH_PROFILE:-0}
warmup=${CAIRN_BENCH_WARMUP:-2}
for v in "$port" "$clients" "$secs" "$depth" "$nimport" "$per_team" \
    "$org_runs" "$cli_runs" "$org_scale" "$warmup"; do
	case $v in
	''|*[!0-9]*|0) die "CAIRN_BENCH_PORT, _CLIENTS, _SECONDS, _DEPTH," \
	    "_IMPORT, _PER_TEAM, _RUNS, _CLI_RUNS, _PGSCALE and _WARMUP" \
	    "must be positive integers" ;;
	esac
done
# gen-org.sql aligns a team's first half of objectives under its second.
[ $((per_team % 2)) -eq 0 ] || die "CAIRN_BENCH_PER_TEAM must be even"

[ "$(id -u)" = 0 ] || die "must run as root (cairnd runs its own PostgreSQL)"
for f in cairnd cairn cairn-bench; do
	[ -x "$bin/$f" ] || die "$bin/$f is missing: run make first"
done
pgbin=/usr/lib/postgresql/15/bin
find_pg() {
	if command -v "$1" >/dev/null 2>&1; then
		command -v "$1"
	elif [ -x "$pgbin/$1" ]; then
		echo "$pgbin/$1"
	else
		die "$1 not found (install postgresql-client-15)"
	fi
}
psql=$(find_pg psql)
pgbench=$(find_pg pgbench)

tmp=$(mktemp -d /tmp/cairn-bench.XXXXXX)
chmod 755 "$tmp"		# the postgres user must traverse it
data=$tmp/data
log=$tmp/cairnd.log
pid=
sections=${CAIRN_BENCH_SECTIONS:-base feeds watch ha idle org}

stop_server() {
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "bench: cairnd did not stop within 30 s; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
	pid=
	# Should cairnd have died without stopping its cluster, stop it here:
	# a postmaster left behind would hold the directory we remove.
	if [ -f "$data/pgdata/postmaster.pid" ] && [ -x "$pgbin/pg_ctl" ]; then
		owner=$(stat -c %U "$data/pgdata")
		runuser -u "$owner" -- "$pgbin/pg_ctl" -D "$data/pgdata" \
		    -m fast -w stop >/dev/null 2>&1 || true
	fi
}

cleanup() {
	rc=$?
	trap - EXIT INT TERM
	# The ha section's second cairnd and HAProxy, should it have died
	# before stopping them (a run left them holding its ports).
	for p in ${ha_proxy:-} ${ha_pid2:-}; do
		kill -TERM "$p" 2>/dev/null || true
	done
	stop_server
	if [ $rc -ne 0 ] && [ -s "$log" ]; then
		echo "bench: last lines of the cairnd log:" >&2
		tail -n 30 "$log" >&2
	fi
	if [ "${CAIRN_BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
	exit $rc
}
trap cleanup EXIT
. "$root/tests/bench/profile.sh"
trap 'exit 130' INT
trap 'exit 143' TERM

# Certificates, the admin and the server.
sh "$root/certs/make-dev-certs.sh" "$tmp" >/dev/null 2>&1 ||
    die "certs/make-dev-certs.sh failed"
ca=$tmp/ca.pem
umask 077
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$tmp/password"
umask 022
# A fresh cluster in $data with the admin, and cairnd on it (log in $log).
start_cairnd() {
	printf '%s' "$(cat "$tmp/password")" |
	    "$bin/cairnd" --data-dir "$data" --init-admin bench \
	    --password-stdin > "$tmp/init.log" 2>&1 || {
		cat "$tmp/init.log" >&2
		die "cairnd --init-admin failed"
	}
	serve_cairnd
}

# cairnd on the existing cluster in $data (log appended to $log).
serve_cairnd() {
	# Every load connection comes from 127.0.0.1 and starts by resuming
	# a session at once: the limits on connections not logged in yet
	# (max_startups_per_addr, 8) are for strangers, not for the bench;
	# and the idle section's 10,000 TLS handshakes at once take longer
	# than handshake_timeout (10 s), hello_timeout and login_grace to get
	# through on two cores.
	# shellcheck disable=SC2086 # CAIRND_ARGS: options, split on purpose
	"$bin/cairnd" --data-dir "$data" --listen "127.0.0.1:$port" \
	    --cert "$tmp/server.pem" --key "$tmp/server.key" \
	    --max-startups 100000 --max-startups-per-addr 100000 \
	    --max-conns 12000 --max-conns-per-addr 12000 \
	    --handshake-timeout 120 --hello-timeout 120 --login-grace 300 \
	    --metrics "127.0.0.1:$((port + 3))" \
	    ${CAIRN_BENCH_CAIRND_ARGS:-} 2>> "$log" &
	pid=$!
	# Wait until it answers a ping over verified TLS.
	i=0
	until "$bin/cairn-bench" --server "127.0.0.1:$port" --ca "$ca" \
	    --clients 1 --duration 0.05 --op ping >/dev/null 2>&1; do
		kill -0 "$pid" 2>/dev/null || die "cairnd exited during start-up"
		i=$((i + 1))
		[ $i -lt 300 ] ||
		    die "cairnd not answering on port $port after 60 s"
		sleep 0.2
	done
}

cores=$(nproc 2>/dev/null || echo "?")
model=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo 2>/dev/null |
    head -n 1)
[ -n "$model" ] || model=$(uname -m)

# key=value lookup in a cairn-bench line: kv KEY LINE
kv() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# The figures of issue 14's table, "KEY VALUE" lines in $tmp/results, read
# by table.sh; a later line for a key replaces an earlier one.
result() {
	echo "$1 ${2:--}" >> "$tmp/results"
}

# result_run KEY LINE: the requests per second of a cairn-bench line, or
# "failed:CODE" when the run saw error answers or lost connections (its
# rate would count refusals as work done).
result_run() {
	if [ -z "$(kv rps "$2")" ]; then
		result "$1" failed
	elif [ "$(kv errors "$2")" != 0 ] || [ "$(kv lost "$2")" != 0 ]; then
		code=$(kv first_error "$2")
		result "$1" "failed:${code:-lost}"
	else
		result "$1" "$(kv rps "$2")"
	fi
}

# tps of a pgbench log (without the initial connection time).
pgbench_tps() {
	sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$1"
}

# Transactions a pgbench log counts.
pgbench_n() {
	sed -n 's/^number of transactions actually processed: //p' "$1" |
	    cut -d' ' -f1
}

# CPU time so far, in clock ticks: "postgres background cairnd".
# postgres: the postmaster of the cluster in $data, with the backends it
# has reaped (cutime, cstime) and those alive, background processes
# included; background: of that, the background processes alive now
# (checkpointer, writers, autovacuum), whose work a run may leave to later
# or inherit from earlier; cairnd: all its threads.  The same sums are
# taken around cairnd's runs and pgbench's, so that their CPU per
# transaction compare.
pg_cpu() {
	pm=$(head -n 1 "$data/pgdata/postmaster.pid")
	{
		awk '{ print "fg", $14 + $15 + $16 + $17 }' "/proc/$pm/stat"
		for c in $(pgrep -P "$pm"); do
			kind='fg'
			case $(tr '\0' ' ' 2>/dev/null < "/proc/$c/cmdline") in
			"postgres: checkpointer"*|"postgres: background writer"*|\
			"postgres: walwriter"*|"postgres: autovacuum"*|\
			"postgres: logical replication"*) kind='bg' ;;
			esac
			awk -v k=$kind '{ print k, $14 + $15 }' \
			    "/proc/$c/stat" 2>/dev/null
		done
	} | awk -v d="$(awk '{ print $14 + $15 }' "/proc/$pid/stat")" \
	    '{ s += $2; if ($1 == "bg") b += $2 } END { print s, b + 0, d }'
}

# cost_report REGEX NOTE: the lines of $tmp/costs whose label matches.
cost_report() {
	echo "per transaction${2:+ $2}: postgres CPU ms (of which background" \
	    "processes), cairnd CPU ms, WAL bytes"
	grep -E "$1" "$tmp/costs" | while read -r lab pgms bgms cdms walb; do
		printf '  %-20s %8s (%6s) %8s %8s\n' "$lab" "$pgms" "$bgms" \
		    "$cdms" "$walb"
	done
}

pg_wal() {
	"$psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$data" -U cairn -d cairn \
	    -c "SELECT pg_current_wal_insert_lsn()"
}

# cost_start; ...the run...; cost_end LABEL TRANSACTIONS: appends "LABEL
# pg_ms pg_bg_ms cairnd_ms wal_bytes", per transaction over the run, to
# $tmp/costs, and records pg_ms as the result cpu-LABEL.  A CHECKPOINT
# first, so that no run pays for the pages an earlier one (or pgbench -i,
# or gen-org.sql) left dirty, and each starts alike: its first write to
# each page after the checkpoint logs the whole page, for cairnd's runs and
# pgbench's.
cost_start() {
	"$psql" -X -q -v ON_ERROR_STOP=1 -h "$data" -U cairn -d cairn \
	    -c CHECKPOINT || die "CHECKPOINT failed"
	cost_snap
}

# The snapshot alone, for a window opened in the middle of a run.
cost_snap() {
	cost_cpu0=$(pg_cpu)
	cost_wal0=$(pg_wal)
}

# Milliseconds since the epoch.
now_ms() {
	date +%s%N | awk '{ printf "%.0f", $1 / 1000000 }'
}

# pgbench_run LABEL DB TABLE LOG [PGBENCH OPTIONS]: pgbench with $clients
# clients, measured over a window of about $secs that opens after $warmup
# s: its transactions are the rows TABLE gained in the window (each of the
# scripts run this way inserts exactly one row per transaction), its rate
# those over the window's length as measured (set in pgbench_rate),
# PostgreSQL's CPU that of the window (cost_end LABEL).  pgbench is asked
# for far longer and stopped once the window has closed: on a loaded
# machine the snapshots themselves (psql, /proc) can take seconds, and the
# window must not outlive the run.  pgbench's backends are new, their
# catalog caches and compiled trigger functions cold, where cairnd's pool
# connections have been serving since start-up: counted from pgbench's
# start, 32 backends warming up had doubled the CPU per INSERT into
# kpi_readings (four PL/pgSQL triggers) in 10 s runs, and cost it 30 ms
# a transaction in a 3 s run, on a loaded machine.
pgbench_run() {
	pr_label=$1 pr_db=$2 pr_table=$3 pr_log=$4
	shift 4
	"$psql" -X -q -v ON_ERROR_STOP=1 -h "$data" -U cairn -d cairn \
	    -c CHECKPOINT || die "CHECKPOINT failed"
	"$pgbench" -h "$data" -U cairn -c "$clients" -j "$jobs" \
	    -T $((warmup + secs + 600)) "$@" "$pr_db" > "$pr_log" 2>&1 &
	pr_pid=$!
	sleep "$warmup"
	pr_alive "during its warm-up"
	pr_n0=$(pr_rows) || die "counting $pr_table failed"
	pr_t0=$(now_ms)
	cost_snap
	profile_reset
	sleep "$secs"
	pr_n1=$(pr_rows) || die "counting $pr_table failed"
	pr_t1=$(now_ms)
	cost_end "$pr_label" $((pr_n1 - pr_n0))
	pr_alive "before its window closed"
	# TERM: a background job of a non-interactive shell ignores INT.
	kill -TERM "$pr_pid" 2>/dev/null || true
	wait "$pr_pid" 2>/dev/null || true
	# A client that failed says so (pgbench: "client N aborted ...").
	if grep -q -i -E 'abort|error|fatal' "$pr_log"; then
		cat "$pr_log" >&2
		die "pgbench ($pr_label) failed"
	fi
	profile_dump "$pr_label" $((pr_n1 - pr_n0))
	pgbench_rate=$(awk -v n=$((pr_n1 - pr_n0)) -v t=$((pr_t1 - pr_t0)) \
	    'BEGIN { if (t > 0) printf "%.1f", n * 1000 / t }')
	echo "bench: pgbench ($pr_label): $((pr_n1 - pr_n0)) transactions" \
	    "in $((pr_t1 - pr_t0)) ms after ${warmup} s of warm-up:" \
	    "$pgbench_rate/s" >&2
	result "$pr_label" "$pgbench_rate"
}

# pr_alive WHEN: pgbench_run's pgbench must still be running.
pr_alive() {
	kill -0 "$pr_pid" 2>/dev/null && return 0
	wait "$pr_pid" 2>/dev/null || true
	cat "$pr_log" >&2
	die "pgbench ($pr_label) ended $1"
}

# The rows of pgbench_run's table so far.
pr_rows() {
	"$psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$data" -U cairn \
	    -d "$pr_db" -c "SELECT count(*) FROM $pr_table"
}

cost_end() {
	cost_cpu1=$(pg_cpu)
	cost_wal1=$(pg_wal)
	walb=$("$psql" -X -q -A -t -h "$data" -U cairn -d cairn \
	    -c "SELECT pg_wal_lsn_diff('$cost_wal1', '$cost_wal0')")
	tck=$(getconf CLK_TCK 2>/dev/null || echo 100)
	l=$(echo "$1 $2 $cost_cpu0 $cost_cpu1 $walb $tck" | awk '{
		n = $2 > 0 ? $2 : 1
		t = $10 * n / 1000
		printf "%s %.3f %.3f %.3f %.0f\n", $1, ($6 - $3) / t,
		    ($7 - $4) / t, ($8 - $5) / t, $9 / n
	}')
	echo "$l" >> "$tmp/costs"
	result "cpu-$1" "$(echo "$l" | cut -d' ' -f2)"
}

failed=0
run_bench() {
	op=$1
	shift
	echo "bench: $op, $clients clients, depth $depth, ${secs} s" >&2
	if out=$("$bin/cairn-bench" --server "127.0.0.1:$port" --ca "$ca" \
	    --clients "$clients" --depth "$depth" --duration "$secs" \
	    --op "$op" "$@"); then
		:
	else
		echo "bench: cairn-bench --op $op failed (exit $?)" >&2
		failed=1
	fi
	echo "bench: $out" >&2
	line=$out
}

# The first part: ping, an authenticated read and the KPI tier, beside
# pgbench on the same cluster.
base_section() {
	run_bench ping
	ping_line=$line
	run_bench read --login bench --password-file "$tmp/password"
	read_line=$line
	# At pgbench's own concurrency: one request in flight per connection
	# (issue 17's aim, >= 1.2 x pgbench -S).
	depth_was=$depth
	depth=1
	run_bench read --login bench --password-file "$tmp/password"
	read1_line=$line
	depth=$depth_was

	# pgbench -S on the same cluster, over the same unix socket cairnd uses.
	echo "bench: pgbench -S, $clients clients, ${secs} s" >&2
	jobs=2
	[ "$clients" -ge 2 ] || jobs=1
	"$psql" -X -q -v ON_ERROR_STOP=1 -h "$data" -U cairn -d cairn \
	    -c 'CREATE DATABASE pgbench' ||
	    die "CREATE DATABASE pgbench failed"
	"$pgbench" -h "$data" -U cairn -i -s 1 -q pgbench > "$tmp/pgbench-init.log" \
	    2>&1 || {
		cat "$tmp/pgbench-init.log" >&2
		die "pgbench -i failed"
	}
	"$pgbench" -h "$data" -U cairn -S -c "$clients" -j "$jobs" -T "$secs" \
	    pgbench > "$tmp/pgbench.log" 2>&1 || {
		cat "$tmp/pgbench.log" >&2
		die "pgbench -S failed"
	}
	pg_tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' \
	    "$tmp/pgbench.log")
	pg_lat=$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' \
	    "$tmp/pgbench.log")
	[ -n "$pg_tps" ] || {
		cat "$tmp/pgbench.log" >&2
		die "cannot read tps in the pgbench output"
	}

	# The KPI tier: kpi.record of one reading per request, beside pgbench
	# running one INSERT per transaction into a plain table of the same shape;
	# then a bulk import through the CLI beside psql's \copy of the same rows.
	export HOME="$tmp" CAIRN_SERVER="127.0.0.1:$port" CAIRN_CA="$ca"
	"$bin/cairn" login bench --password-stdin < "$tmp/password" >/dev/null ||
	    die "cairn login failed"
	# The benchmark writes far past any team's write budgets (sql/023):
	# its user is exempt, as an admin exempts one for a large import.  The
	# budget triggers still run (and find the exemption), so their cost
	# stays in the figures.
	"$bin/cairn" user budget bench --lift >/dev/null ||
	    die "cairn user budget --lift failed"
	"$bin/cairn" team add bench --name "Bench" >/dev/null ||
	    die "cairn team add failed"
	kpi=$("$bin/cairn" kpi add --team bench --name "Orders shipped" \
	    --unit orders --direction up --green 500 --amber 300) ||
	    die "cairn kpi add failed"
	cost_start
	profile_reset
	run_bench record --login bench --password-file "$tmp/password" --kpi "$kpi"
	record_line=$line
	cost_end record "$(kv requests "$line")"
	profile_dump record "$(kv requests "$line")"
	result_run record "$line"

	"$psql" -X -q -v ON_ERROR_STOP=1 -h "$data" -U cairn -d pgbench -c \
	    "CREATE TABLE bench_readings (id bigint GENERATED ALWAYS AS IDENTITY
	    PRIMARY KEY, kpi_id bigint NOT NULL, value double precision NOT NULL,
	    at timestamptz NOT NULL DEFAULT now(), note text NOT NULL DEFAULT '',
	    author_id bigint NOT NULL DEFAULT 1)" || die "CREATE TABLE failed"
	printf 'INSERT INTO bench_readings (kpi_id, value) VALUES (1, random() * 1000);\n' \
	    > "$tmp/insert.sql"
	echo "bench: pgbench one INSERT, $clients clients, ${secs} s" >&2
	pgbench_run insert pgbench bench_readings "$tmp/pgbench-insert.log" \
	    -n -f "$tmp/insert.sql"
	pg_ins=$pgbench_rate
	# The same INSERT into cairn's own kpi_readings, with its foreign keys,
	# index and triggers (sql/007): how much of the gap is the schema's rules.
	printf 'INSERT INTO kpi_readings (kpi_id, value, author_id) VALUES (%s, random() * 1000, 1);\n' \
	    "$kpi" > "$tmp/insert-kpi.sql"
	echo "bench: pgbench one INSERT into kpi_readings, $clients clients" >&2
	pgbench_run insert-kpi cairn kpi_readings \
	    "$tmp/pgbench-insert-kpi.log" -n -f "$tmp/insert-kpi.sql"
	pg_ins_kpi=$pgbench_rate

	awk -v n="$nimport" -v k="$kpi" 'BEGIN {
		print "kpi,value,at,note"
		for (i = 0; i < n; i++)
			printf "%s,%d,,bench %d\n", k, i % 1000, i
	}' > "$tmp/readings.csv"
	tail -n +2 "$tmp/readings.csv" | cut -d, -f2,4 > "$tmp/readings.copy"
	ms() { date +%s%N | awk '{ printf "%.0f", $1 / 1000000 }'; }
	echo "bench: cairn kpi import of $nimport readings" >&2
	cost_start
	profile_reset
	t0=$(ms)
	"$bin/cairn" kpi import "$tmp/readings.csv" > "$tmp/import.log" 2>&1 || {
		cat "$tmp/import.log" >&2
		die "cairn kpi import failed"
	}
	t1=$(ms)
	cost_end import "$nimport"
	profile_dump import "$(awk -v n="$nimport" 'BEGIN { print n / 1000 }')" \
	    "1,000 readings"
	printf 'bench: psql \\copy of the same %s rows\n' "$nimport" >&2
	"$psql" -X -q -v ON_ERROR_STOP=1 -h "$data" -U cairn -d pgbench -c \
	    "CREATE TABLE bench_copy (kpi_id bigint NOT NULL DEFAULT 1,
	    value double precision NOT NULL, at timestamptz NOT NULL DEFAULT now(),
	    note text NOT NULL, author_id bigint NOT NULL DEFAULT 1)" ||
	    die "CREATE TABLE bench_copy failed"
	cost_start
	t2=$(ms)
	"$psql" -X -q -v ON_ERROR_STOP=1 -h "$data" -U cairn -d pgbench -c \
	    "\\copy bench_copy (value, note) FROM '$tmp/readings.copy' CSV" ||
	    die "psql \\copy failed"
	t3=$(ms)
	cost_end copy "$nimport"
	stored=$("$psql" -X -A -t -h "$data" -U cairn -d cairn -c \
	    "SELECT count(*) FROM kpi_readings WHERE note LIKE 'bench %'")
	[ "$stored" = "$nimport" ] ||
	    die "the import stored $stored readings, not $nimport"
	import_ms=$((t1 - t0))
	copy_ms=$((t3 - t2))
	result import "$(awk -v n="$nimport" -v t="$import_ms" \
	    'BEGIN { if (t > 0) printf "%.1f", n * 1000 / t }')"
	result copy "$(awk -v n="$nimport" -v t="$copy_ms" \
	    'BEGIN { if (t > 0) printf "%.1f", n * 1000 / t }')"

	# The table.
	row() {
		if [ -n "$2" ]; then
			printf '%-16s %12.1f %9.3f %9.3f\n' "$1" "$(kv rps "$2")" \
			    "$(kv p50_ms "$2")" "$(kv p99_ms "$2")"
		else
			printf '%-16s %12s\n' "$1" "failed"
		fi
	}
	echo
	echo "cairn bench: $clients clients, ${secs} s each, $cores cores, $model"
	echo "(cairn-bench keeps $depth requests in flight per connection;" \
	    "pgbench one)"
	printf '%-16s %12s %9s %9s\n' test requests/s "p50 ms" "p99 ms"
	row ping "$ping_line"
	row "read (user.get)" "$read_line"
	row "read, 1 in flight" "$read1_line"
	printf '%-16s %12.1f %9s %9s   (average latency %s ms)\n' "pgbench -S" \
	    "$pg_tps" - - "${pg_lat:-?}"
	row "kpi.record" "$record_line"
	printf '%-16s %12.1f %9s %9s   (plain table)\n' "pgbench INSERT" "$pg_ins" - -
	printf '%-16s %12.1f %9s %9s   (into kpi_readings: its keys and triggers)\n' \
	    "pgbench INSERT" "$pg_ins_kpi" - -
	read_rps=$(kv rps "$read_line")
	if [ -n "$read_rps" ]; then
		note=
		[ "$(kv errors "$read_line")" = 0 ] ||
		    note=" (meaningless: the read run got error responses)"
		awk -v a="$read_rps" -v b="$pg_tps" -v note="$note" 'BEGIN {
			printf "ratio read / pgbench -S: %.2f%s\n", (b > 0 ? a / b : 0),
			    note
		}'
		awk -v a="$(kv rps "$read1_line")" -v b="$pg_tps" 'BEGIN {
			printf "ratio read, 1 in flight (pgbench -S'"'"'s concurrency) / pgbench -S: %.2f (aim >= 1.2)\n",
			    (b > 0 ? a / b : 0)
		}'
	fi
	rec_rps=$(kv rps "$record_line")
	if [ -n "$rec_rps" ] && [ -n "$pg_ins" ]; then
		awk -v a="$rec_rps" -v b="$pg_ins" 'BEGIN {
			printf "ratio kpi.record / pgbench INSERT: %.2f\n", (b > 0 ? a / b : 0)
		}'
		awk -v a="$rec_rps" -v b="$pg_ins_kpi" 'BEGIN {
			printf "ratio kpi.record / pgbench INSERT into kpi_readings: %.2f\n",
			    (b > 0 ? a / b : 0)
		}'
	fi
	awk -v n="$nimport" -v i="$import_ms" -v c="$copy_ms" 'BEGIN {
		printf "bulk import of %d readings: cairn kpi import %.2f s (%.0f/s),", n,
		    i / 1000, (i > 0 ? n * 1000 / i : 0)
		printf " psql \\copy %.2f s (%.0f/s); ratio %.2f of COPY\n", c / 1000,
		    (c > 0 ? n * 1000 / c : 0), (i > 0 ? c / i : 0)
	}'
	cost_report "^(record|insert|insert-kpi|import|copy) " \
	    "(import, copy: per reading)"
	for l in "$ping_line" "$read_line" "$record_line"; do
		e=$(kv errors "$l")
		lost=$(kv lost "$l")
		if [ -n "$e" ] && { [ "$e" != 0 ] || [ "$lost" != 0 ]; }; then
			echo "errors: op=$(kv op "$l") errors=$e" \
			    "first=$(kv first_error "$l") lost connections=$lost"
		fi
	done

	# Anything the server had to say under load.
	n=$(grep -c -E '^[^ ]+ [^ ]+ (warn|error): ' "$log" || true)
	if [ "$n" -gt 0 ]; then
		echo "cairnd logged $n warnings or errors; the first ones:"
		grep -E '^[^ ]+ [^ ]+ (warn|error): ' "$log" | head -n 10
	fi
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
: > "$tmp/results"
: > "$tmp/costs"
case " $sections " in
*" base "*)
	start_cairnd
	profile_enable
	base_section
	;;
esac
# The feeds, on the base section's cairnd.
case " $sections " in
*" feeds "*)
	case " $sections " in
	*" base "*) ;;
	*) die "the feeds section runs on the base section's cairnd" ;;
	esac
	. "$root/tests/bench/feeds.sh"
	feeds_section
	;;
esac
# The event stream, on the base section's cairnd.
case " $sections " in
*" watch "*)
	case " $sections " in
	*" base "*) ;;
	*) die "the watch section runs on the base section's cairnd" ;;
	esac
	. "$root/tests/bench/watch.sh"
	watch_section
	;;
esac
# Two cairnd behind HAProxy, beside the base section's (issue 17).
case " $sections " in
*" ha "*)
	case " $sections " in
	*" base "*) ;;
	*) die "the ha section runs beside the base section's cairnd" ;;
	esac
	. "$root/tests/bench/ha.sh"
	ha_section
	;;
esac
# Idle connections, on the base section's cairnd.
case " $sections " in
*" idle "*)
	case " $sections " in
	*" base "*) ;;
	*) die "the idle section runs on the base section's cairnd" ;;
	esac
	. "$root/tests/bench/idle.sh"
	idle_section
	;;
esac
# The second: the generated organisation, on a cluster of its own.
case " $sections " in
*" org "*)
	. "$root/tests/bench/org.sh"
	org_section
	;;
esac

profile_report
. "$root/tests/bench/table.sh"
bench_table
[ -f "$tmp/feeds-report" ] && cat "$tmp/feeds-report"
[ -f "$tmp/watch-report" ] && cat "$tmp/watch-report"
[ -f "$tmp/ha-report" ] && cat "$tmp/ha-report"
[ -f "$tmp/idle-report" ] && cat "$tmp/idle-report"

[ $failed -eq 0 ] || die "some runs failed"
