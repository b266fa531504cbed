# lib.sh: shared helpers for the end-to-end tests (bash).
#
# Every test talks to a real cairnd over TLS, with a real PostgreSQL behind
# it, using the real cairn binary.  Nothing is mocked.

PASS=0
FAIL=0
FAILED_NAMES=""

ok() {
	PASS=$((PASS + 1))
	echo "ok - $1"
}

not_ok() {
	FAIL=$((FAIL + 1))
	FAILED_NAMES="$FAILED_NAMES
  $1"
	echo "not ok - $1"
	[ -n "${2:-}" ] && printf '    %s\n' "$2" | head -20
}

# expect_exit NAME CODE CMD...: run CMD, check its exit status.
expect_exit() {
	local name=$1 want=$2 got
	shift 2
	OUT=$("$@" 2>"$T/stderr")
	got=$?
	ERR=$(cat "$T/stderr")
	if [ "$got" = "$want" ]; then
		ok "$name"
	else
		not_ok "$name" "exit $got, want $want; stdout: $OUT; stderr: $ERR"
	fi
}

# expect_match NAME PATTERN TEXT: grep -E PATTERN in TEXT.
expect_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		ok "$1"
	else
		not_ok "$1" "'$2' not found in: $3"
	fi
}

expect_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "got '$2', want '$3'"
	fi
}

# wait_log SECONDS PATTERN FILE...: poll until grep -E PATTERN matches one
# of FILEs, for at most SECONDS.  A line that cairnd writes "soon" after
# something (a supervisor tick, a housekeeping run, a held-back warning)
# is read this way, never once right after the event.
wait_log() {
	local secs=$1 pat=$2 end
	shift 2
	end=$(( $(date +%s%N) + secs * 1000000000 ))
	while :; do
		grep -Eq -- "$pat" "$@" 2>/dev/null && return 0
		[ "$(date +%s%N)" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# expect_log NAME PATTERN FILE [SECONDS]: the line appears within SECONDS
# (10 unless told).
expect_log() {
	if wait_log "${4:-10}" "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1" "'$2' not in $3 after ${4:-10} s: $(tail -5 "$3")"
	fi
}

# eventually SECONDS CMD...: run CMD every 0.2 s until it succeeds, for at
# most SECONDS; the status is CMD's last.  OUT and ERR hold its output.
eventually() {
	local secs=$1 end rc
	shift
	end=$(( $(date +%s%N) + secs * 1000000000 ))
	while :; do
		OUT=$("$@" 2>"$T/stderr")
		rc=$?
		ERR=$(cat "$T/stderr")
		[ "$rc" = 0 ] && return 0
		[ "$(date +%s%N)" -ge "$end" ] && return "$rc"
		sleep 0.2
	done
}

# JSON field from stdin, without jq: good enough for flat objects we print.
json_field() {
	sed -n "s/.*\"$1\":\(\"\([^\"]*\)\"\|\([^,}]*\)\).*/\2\3/p" | head -1
}

# Run a PostgreSQL program as the account that owns the cluster.
pg_as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

psql_cairn() {
	"$PGBIN/psql" -X -q -t -A -h "$DATA" -U cairn -d cairn -v ON_ERROR_STOP=1 "$@"
}

# start_server LOGFILE [extra args]: start cairnd and wait until it answers.
start_server() {
	local log=$1 i
	shift
	"$BIN/cairnd" --config "$T/cairnd.conf" "$@" >"$log" 2>&1 &
	SERVER_PID=$!
	for i in $(seq 1 300); do
		if "$BIN/cairn" --server "$ADDR" --ca "$T/certs/ca.pem" ping \
		    >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			echo "cairnd exited during start-up:" >&2
			cat "$log" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "cairnd did not answer within 30 s" >&2
	cat "$log" >&2
	return 1
}

# stop_server: SIGTERM, wait, return cairnd's exit status.
stop_server() {
	local rc
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID"
	rc=$?
	SERVER_PID=
	return $rc
}

summary() {
	echo "$1: $PASS passed, $FAIL failed"
	if [ "$FAIL" -gt 0 ]; then
		echo "failed:$FAILED_NAMES"
		return 1
	fi
	return 0
}
