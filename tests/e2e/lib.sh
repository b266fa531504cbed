# lib.sh: shared helpers for the end-to-end tests (bash).
#
# Every test talks to a real cairnd over TLS, with a real PostgreSQL behind
# it, using the real cairn binary.  Nothing is mocked.

# python3 may be a shim (pyenv's runs a bash script and half a dozen
# programs per call: a third of a suite's CPU, measured with perf record
# -a): find the interpreter behind it once, and call that.
if [ -z "${CAIRN_PYTHON:-}" ]; then
	CAIRN_PYTHON=$(command python3 -c 'import sys; print(sys.executable)') ||
	    CAIRN_PYTHON=python3
	export CAIRN_PYTHON
fi
python3() { "$CAIRN_PYTHON" "$@"; }

PASS=0
FAIL=0
FAILED_NAMES=""

# CAIRN_TEST_TIMES=1: each check's line starts with the milliseconds
# since the last one (where a suite's time goes; no process is started).
LAST_CHECK_US=${EPOCHREALTIME/./}
check_time() {
	local now=${EPOCHREALTIME/./}
	[ -n "${CAIRN_TEST_TIMES:-}" ] &&
	    printf '[%6d ms] ' $(( (now - LAST_CHECK_US) / 1000 ))
	LAST_CHECK_US=$now
}

ok() {
	PASS=$((PASS + 1))
	check_time
	echo "ok - $1"
}

not_ok() {
	FAIL=$((FAIL + 1))
	FAILED_NAMES="$FAILED_NAMES
  $1"
	check_time
	echo "not ok - $1"
	[ -n "${2:-}" ] && printf '    %s\n' "$2" | head -20
}

# expect_exit NAME CODE CMD...: run CMD, check its exit status.
expect_exit() {
	local name=$1 want=$2 got
	shift 2
	OUT=$("$@" 2>"$T/stderr")
	got=$?
	ERR=$(< "$T/stderr")
	if [ "$got" = "$want" ]; then
		ok "$name"
	else
		not_ok "$name" "exit $got, want $want; stdout: $OUT; stderr: $ERR"
	fi
}

# expect_match NAME PATTERN TEXT: grep -E PATTERN in TEXT.
# One line is matched by bash itself (the same POSIX extended regular
# expressions, through the C library; no process), several by grep.
expect_match() {
	local m
	if [[ $3 != *$'\n'* ]]; then
		[[ $3 =~ $2 ]]
		m=$?
	else
		grep -Eq -- "$2" <<< "$3"
		m=$?
	fi
	if [ "$m" = 0 ]; then
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
	end=$(( ${EPOCHREALTIME/./} + secs * 1000000 ))
	while :; do
		grep -Eq -- "$pat" "$@" 2>/dev/null && return 0
		[ "${EPOCHREALTIME/./}" -ge "$end" ] && return 1
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
	end=$(( ${EPOCHREALTIME/./} + secs * 1000000 ))
	while :; do
		OUT=$("$@" 2>"$T/stderr")
		rc=$?
		ERR=$(< "$T/stderr")
		[ "$rc" = 0 ] && return 0
		[ "${EPOCHREALTIME/./}" -ge "$end" ] && return "$rc"
		sleep 0.2
	done
}

# json_field NAME: a member of the JSON document on stdin, read with jq:
# the top-level member NAME of an object, or of an array's first element
# (a list of one); a string raw, anything else as JSON; empty when absent
# or when stdin is no JSON.  Numbers pass through jq's double (ids, counts,
# versions and progress fractions: all exact); compare fractions with
# expect_num.
json_field() {	# (the first line of the first found, without head)
	jq -nr --arg k "$1" 'first(inputs | if type == "array" then .[0]
	    else . end | objects | select(has($k)) | .[$k]
	    | if type == "string" then (split("\n") | .[0] // "") else tojson end)' \
	    2>/dev/null || :
}

# json_all NAME: every member NAME at any depth of the JSON document on
# stdin, in document order, one per line (strings raw, the rest as JSON).
json_all() {
	jq -r --arg k "$1" '.. | objects | select(has($k)) | .[$k]
	    | if type == "string" then . else tojson end' 2>/dev/null
}

# jqr JQ-ARGS...: the filter over the JSON on stdin, raw, one line
# per result (-r); empty and a failed status when stdin is no JSON.
jqr() {
	jq -r "$@" 2>/dev/null
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

# claim_ports: PORT, the first of 16 ports reserved for this suite while
# the shell that claimed them lives.  Blocks start at 24000 + 16k (below
# Linux's ephemeral ports, 32768); a block is free when no live process
# holds its file under /tmp/cairn-e2e-ports and nothing listens on its
# ports.  Files are taken under flock, so runs started at once on one
# machine (several engineers, several suites) never share a block.
claim_ports() {
	local dir=/tmp/cairn-e2e-ports k n p owner listening
	mkdir -p "$dir" && chmod 1777 "$dir" 2>/dev/null
	listening=" $(ss -Hltn 2>/dev/null | awk '{ n = split($4, a, ":"); printf "%s ", a[n] }')"
	exec {CLAIM_FD}>"$dir/lock"
	flock "$CLAIM_FD"
	for n in $(seq 0 499); do
		k=$(( ($$ + n) % 500 ))
		PORT=$((24000 + k * 16))
		owner=$(cat "$dir/$PORT" 2>/dev/null)
		[ -n "$owner" ] && kill -0 "$owner" 2>/dev/null && continue
		for p in $(seq "$PORT" $((PORT + 15))); do
			case $listening in *" $p "*) continue 2 ;; esac
		done
		echo $$ >"$dir/$PORT"
		flock -u "$CLAIM_FD"
		exec {CLAIM_FD}>&-
		return 0
	done
	flock -u "$CLAIM_FD"
	exec {CLAIM_FD}>&-
	echo "claim_ports: no free block of 16 ports from 24000" >&2
	return 1
}

# make_secret_key FILE: the key sealing the sources' credentials (64 hex
# characters, mode 0400), unless FILE exists.
make_secret_key() {
	[ -e "$1" ] && return 0
	(umask 077 && openssl rand -hex 32 > "$1.tmp" && chmod 400 "$1.tmp" &&
	    mv "$1.tmp" "$1")
}

# write_cairnd_conf FILE ADDR: the suites' cairnd.conf, listening on ADDR,
# with the certificates (and the secret key) in $T/certs and the cluster
# in $DATA.
write_cairnd_conf() {
	cat > "$1" <<CONF
# small limits so that the tests reach them quickly
listen = $2
cert = $T/certs/server.pem
key = $T/certs/server.key
secret_key = $T/certs/secret.key
data_dir = $DATA
max_frame = 65536
max_string = 4096
max_depth = 8
max_queue = 8
max_elements = 8192
max_output = 65536
max_conns = 64
# test_conn fills max_conns from one address; limits.sh tests the reserve
conns_reserve = 0
# ... and the suites start many clients at once from 127.0.0.1:
# connections not logged in are limited as on any server only in
# preauth.sh (128: never reached, nor its random early drop from 64)
max_startups = 128
max_startups_per_addr = 64
handshake_timeout = 2
hello_timeout = 2
idle_timeout = 4
login_slow_after = 2
login_max_failures = 4
login_lockout = 3
login_addr_logins = 8
housekeep_interval = 1
session_recheck = 1
db_pool = 4
log_level = debug
# the suites stop cairnd often: no drain before the stop (metrics.sh tests
# drain_delay; its default is 2 s)
drain_delay = 0
CONF
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

# as USER cairn-args...: run cairn with USER's config directory
# ($T/home-USER: its saved session).  "admin" is root's, logged in by
# login_admin before every suite but cli.sh, which tests the login.
as() {
	local who=$1
	shift
	XDG_CONFIG_HOME=$T/home-$who "$BIN/cairn" "$@"
}

# login_admin: root's session in $T/home-admin, quietly (a fixture).
login_admin() {
	echo "$ADMIN_PW" | XDG_CONFIG_HOME=$T/home-admin "$BIN/cairn" \
	    login root --password-stdin >/dev/null 2>"$T/stderr" && return 0
	not_ok "setup: the admin logs in" "$(< "$T/stderr")"
	return 1
}

# The goal helpers (goals.sh's first, shared by the suites) ------------------

login_of() {	# the login behind a config directory name
	if [ "$1" = admin ]; then echo root; else echo "$1"; fi
}

# quietly NAME CMD...: a setup step; prints only when it fails.
# quietly NAME CMD...: a set-up step, its output in $OUT; prints only when
# it fails (then as a failed check "setup: NAME").  Every suite's one copy.
quietly() {
	local name=$1
	shift
	OUT=$("$@" 2>"$T/stderr") && return 0
	not_ok "setup: $name" "$(< "$T/stderr")"
	return 1
}

# digest SQL: DIGEST is the SQL's one value, an md5 (a digest of what a
# refused request must not change), or a value no other call returns if
# the query failed: a failed query must not make two states look the same.
# It runs in the suite's shell, not in $(), so that its psql (db_query)
# stays up between calls.
digest() {
	db_query "$1"
	case "$DBQ" in
	[0-9a-f]*) [ ${#DBQ} = 32 ] && DIGEST=$DBQ && return 0 ;;
	esac
	DIGEST="digest failed: $RANDOM$RANDOM: $DBQ"
	return 1
}

# db_state: DB_STATE is a digest of the goal tables (db_digest_sql).
db_state() {
	digest "$(db_digest_sql)"
	DB_STATE=$DIGEST
}

# db_query SQL: DBQ is its one-line result (or psql's error), through one
# psql kept running beside the suite.  refused and allowed take a digest
# before and after every request (some 1,500 in goals.sh): a psql started
# for each was a third of that suite's time.  A psql that died (a restarted
# cluster) is started again; one that does not answer in 30 s is stopped.
db_query() {
	local line
	DBQ=
	if [ -z "${DBQ_PID:-}" ] || [ -z "${DBQ_CO[1]:-}" ] ||
	    ! kill -0 "$DBQ_PID" 2>/dev/null; then
		[ -n "${DBQ_PID:-}" ] && kill "$DBQ_PID" 2>/dev/null && wait "$DBQ_PID" 2>/dev/null
		coproc DBQ_CO { exec "$PGBIN/psql" -X -q -t -A -h "$DATA" -U cairn -d cairn 2>&1; }
		DBQ_PID=$DBQ_CO_PID
	fi
	printf '%s;\n\\echo __dbq_end__\n' "$1" >&"${DBQ_CO[1]}"
	while IFS= read -r -t 30 line <&"${DBQ_CO[0]}"; do
		[ "$line" = __dbq_end__ ] && return 0
		DBQ=$DBQ$line
	done
	kill "$DBQ_PID" 2>/dev/null
	DBQ_PID=
	DBQ="db_query: no answer: $DBQ"
	return 1
}

db_digest_sql() {
	echo "SELECT md5(string_agg(r, E'\n' ORDER BY r)) FROM (
	    SELECT 't' || t::text r FROM teams t
	    UNION ALL SELECT 'm' || m::text FROM team_members m
	    UNION ALL SELECT 'p' || p::text FROM periods p
	    UNION ALL SELECT 'o' || o::text FROM objectives o
	    UNION ALL SELECT 'c' || c::text FROM objective_contributors c
	    UNION ALL SELECT 'k' || k::text FROM key_results k
	    UNION ALL SELECT 'i' || i::text FROM checkins i
	    UNION ALL SELECT 's' || s::text FROM settings s
	    UNION ALL SELECT 'u' || (u.id, u.login, u.role, u.enabled,
		u.password_hash)::text FROM users u
	    UNION ALL SELECT 'a' || count(*)::text FROM audit_log) x"
}

db_digest() {
	psql_cairn -c "$(db_digest_sql)"
}

# refused NAME CODE WHO CAIRN-ARGS...: the request fails with exit CODE and
# changes nothing.  The --json error is left in $ERR.
refused() {
	local name=$1 code=$2 who=$3 before
	shift 3
	db_state
	before=$DB_STATE
	expect_exit "$name" "$code" as "$who" --json "$@"
	db_state
	expect_eq "$name: nothing changed" "$DB_STATE" "$before"
}

# refused_rule NAME RULE WHO CAIRN-ARGS...: E_RULE RULE, nothing changed.
refused_rule() {
	local name=$1 rule=$2
	shift 2
	refused "$name" 7 "$@"
	expect_match "$name: E_RULE $rule" \
	    "\"code\":\"E_RULE\".*\"rule\":\"$rule\"|\"rule\":\"$rule\".*\"code\":\"E_RULE\"" \
	    "$ERR"
}

# allowed NAME WHO CAIRN-ARGS...: the request succeeds and changes something.
# The id of what it returned (if any) is left in $NEW.
allowed() {
	local name=$1 who=$2 before
	shift 2
	db_state
	before=$DB_STATE
	expect_exit "$name" 0 as "$who" --json "$@"
	NEW=$(echo "$OUT" | json_field id)
	db_state
	if [ "$DB_STATE" != "$before" ]; then
		ok "$name: the change is stored"
	else
		not_ok "$name: the change is stored" "the database did not change"
	fi
}

# expect_op NAME CODE WHO CAIRN-ARGS...: allowed when CODE is 0, else refused.
expect_op() {
	local name=$1 code=$2
	shift 2
	if [ "$code" = 0 ]; then
		allowed "$name" "$@"
	else
		refused "$name" "$code" "$@"
	fi
}

frac() {	# frac AWK-EXPR: its value, exactly enough for expect_num
	awk "BEGIN { printf \"%.17g\", $1 }"
}

# expect_num NAME GOT WANT: numbers equal within 1e-9.
expect_num() {
	if awk -v g="$2" -v w="$3" 'BEGIN { d = g - w
	    exit !(g ~ /^-?[0-9][0-9.eE+-]*$/ && d < 1e-9 && d > -1e-9) }'; then
		ok "$1"
	else
		not_ok "$1" "got '$2', want $3"
	fi
}

# The top-level fields of an objective / key result, as WHO sees them.
obj_json() {	# obj_json ID [WHO]
	as "${2:-admin}" --json obj show "$1" 2>/dev/null
}
obj_field() {	# obj_field ID FIELD [WHO]
	obj_json "$1" "${3:-admin}" | json_field "$2"
}
obj_children() {	# obj_children ID [WHO]: the "children" array
	obj_json "$1" "${2:-admin}" | jqr -c '.children // empty'
}
kr_field() {	# kr_field ID FIELD
	as admin --json kr show "$1" 2>/dev/null | json_field "$2"
}
expect_obj() {	# expect_obj NAME ID FIELD WANT: exact value
	expect_eq "$1" "$(obj_field "$2" "$3")" "$4"
}
expect_progress() {	# expect_progress NAME ID WANT [WHO]
	expect_num "$1" "$(obj_field "$2" progress "${4:-admin}")" "$3"
}

# new_obj TEAM PERIOD OWNER TITLE [obj add args...]: create as admin;
# the id is left in $NEW.
new_obj() {
	local team=$1 period=$2 owner=$3 title=$4
	shift 4
	NEW=
	quietly "objective '$title'" as admin obj add --team "$team" \
	    --period "$period" --owner "$owner" --title "$title" "$@" &&
	    NEW=$OUT
}

# new_kr OBJ OWNER TYPE TARGET [kr add args...]: create as admin; id in $NEW.
new_kr() {
	local obj=$1 owner=$2 type=$3 target=$4
	shift 4
	NEW=
	quietly "key result on $obj" as admin kr add "$obj" --title "kr $type" \
	    --type "$type" --target "$target" --owner "$owner" "$@" &&
	    NEW=$OUT
}

checkin() {	# checkin KR VALUE: as admin, quietly
	quietly "check-in $1 $2" as admin kr checkin "$1" "$2"
}

setting() {	# setting NAME VALUE
	quietly "setting $1=$2" as admin settings set "$1" "$2"
}

count_sql() {	# count_sql WHERE-SQL-ON-objectives
	psql_cairn -c "SELECT count(*) FROM objectives WHERE $1"
}


mkuser() {	# mkuser LOGIN ROLE: created by the admin, logged in
	expect_exit "admin creates $1 ($2)" 0 sh -c "echo 'pw-$1-goals' |
	    XDG_CONFIG_HOME=$T/home-admin $BIN/cairn --json user add $1 \
	    --name 'User $1' --role $2 --password-stdin"
	quietly "login $1" sh -c "echo 'pw-$1-goals' |
	    XDG_CONFIG_HOME=$T/home-$1 $BIN/cairn login $1 --password-stdin"
}

# quiet_user LOGIN ROLE: created by the admin and logged in, quietly (a
# fixture; mkuser is the same with its creation checked).
quiet_user() {
	quietly "user $1" sh -c "echo 'pw-$1-goals' |
	    XDG_CONFIG_HOME=$T/home-admin $BIN/cairn user add $1 \
	    --name 'User $1' --role $2 --password-stdin" &&
	    quietly "login $1" sh -c "echo 'pw-$1-goals' |
	    XDG_CONFIG_HOME=$T/home-$1 $BIN/cairn login $1 --password-stdin"
}

add_member() {	# add_member TEAM LOGIN [--lead]
	quietly "member $2 of $1" as admin team member add "$@"
}

# race CMD-A CMD-B: run both at once as admin; $RACE is their exit codes,
# sorted, and $RACE_ERR their stderr.
race() {
	race_as "$1" admin "$2" admin
}

# race_as CMD-A WHO-A CMD-B WHO-B: the same, each as its own user.
race_as() {
	XDG_CONFIG_HOME=$T/home-$2 "$BIN/cairn" --json $1 >/dev/null 2>"$T/race.a" &
	local pa=$!
	XDG_CONFIG_HOME=$T/home-$4 "$BIN/cairn" --json $3 >/dev/null 2>"$T/race.b" &
	local pb=$! ra rb
	wait $pa
	ra=$?
	wait $pb
	rb=$?
	RACE=$(printf '%s\n%s\n' $ra $rb | sort -n | tr '\n' ' ')
	RACE_ERR=$(cat "$T/race.a" "$T/race.b")
}

race_result() {	# race_result NAME: from $bad and $badmsg
	if [ "$bad" = 0 ]; then
		ok "$1"
	else
		not_ok "$1" "$bad bad rounds; the last: $badmsg"
	fi
}

# audited NAME OP ENTITY-TYPE WHO CAIRN-ARGS...: the change writes exactly
# one audit entry, the newest: OP on ENTITY-TYPE:ID by WHO.  Leaves the
# entity in $AUDIT_ENTITY (and the id in $AUDIT_ID).
audited() {
	local name=$1 op=$2 etype=$3 who=$4 n0 newest
	shift 4
	n0=$(psql_cairn -c "SELECT count(*) FROM audit_log")
	expect_exit "$name" 0 as "$who" --json "$@"
	expect_eq "$name: one audit entry" "$(psql_cairn -c "SELECT count(*) - $n0 FROM audit_log")" 1
	newest=$(as admin --json audit --limit 1 | jqr -c '.[0]')
	expect_eq "$name: audited as $op" "$(echo "$newest" | json_field op)" "$op"
	expect_eq "$name: audited as done by $(login_of "$who")" "$(echo "$newest" | json_field user)" "$(login_of "$who")"
	AUDIT_ENTITY=$(echo "$newest" | json_field entity)
	AUDIT_ID=${AUDIT_ENTITY#*:}
	expect_match "$name: entity is a $etype" "^$etype:[0-9]+$" "$AUDIT_ENTITY"
}

# progress_consistent NAME: the stored objectives.progress equals
# objective_progress(id), the recursive computation, for every objective
# (pace.sh's invariant, also checked at the end of goals.sh and kpi.sh over
# what they built, now that pace.sh no longer runs after them).
progress_mismatch() {
	psql_cairn -c "SELECT count(*) FILTER (WHERE
	    abs(progress - objective_progress(id)) > 1e-9) || ' of ' ||
	    count(*) FROM objectives"
}
progress_consistent() {
	local got
	got=$(progress_mismatch 2>&1)
	case "$got" in
	"0 of 0") ok "$1 (no objectives yet)" ;;
	"0 of "*) ok "$1 ($got objectives differ)" ;;
	*) not_ok "$1" "stored and computed progress differ: $got" ;;
	esac
}

# Keyed check-in streams (crash.sh, replica.sh, patroni.sh): writers that
# check in with an idempotency key, also the check-in's note, until a stop
# file appears, while the suite breaks something under them; then every
# acknowledged check-in must be in the database once.
#
# keyed_writer KR PREFIX STOP REC ERR: check in value i to KR with the key
# PREFIX-i, i = 1, 2, ..., until the file STOP exists; each attempt appends
# "KEY I RC US" to REC (RC the client's exit status, US when it answered,
# in microseconds since the epoch), the client's stderr to ERR.
keyed_writer() {
	local kr=$1 prefix=$2 stop=$3 rec=$4 err=$5 i=0 key rc
	while [ ! -e "$stop" ]; do
		i=$((i + 1))
		key=$prefix-$i
		as admin kr checkin "$kr" "$i" --note "$key" \
		    --idempotency-key "$key" >/dev/null 2>>"$err"
		rc=$?
		echo "$key $i $rc ${EPOCHREALTIME/./}" >>"$rec"
	done
}

# keyed_start NAME N KR: N keyed_writers on KR in the background, writer w
# with the keys NAME-$$-w-i, its records in $T/NAME.rec.w and its stderr
# in $T/NAME.err.w, until keyed_stop NAME.
keyed_start() {
	local name=$1 n=$2 kr=$3 w
	rm -f "$T/$name.stop" "$T/$name".rec.* "$T/$name".err.* "$T/$name.all"
	KEYED_PIDS=
	for w in $(seq 1 "$n"); do
		: >"$T/$name.rec.$w"
		keyed_writer "$kr" "$name-$$-$w" "$T/$name.stop" \
		    "$T/$name.rec.$w" "$T/$name.err.$w" &
		KEYED_PIDS="$KEYED_PIDS $!"
	done
}

# keyed_acked NAME [AFTER-US]: how many check-ins the writers of NAME have
# seen acknowledged so far (answered after AFTER-US, if given).
keyed_acked() {
	cat "$T/$1".rec.* 2>/dev/null |
	    awk -v t="${2:-0}" '$3 == 0 && $4 > t { n++ } END { print n + 0 }'
}

# keyed_wait NAME N SECONDS [AFTER-US]: wait, at most SECONDS, until the
# writers of NAME have seen N check-ins acknowledged (answered after
# AFTER-US, if given): a window defined by what happened, not by a time
# that a loaded machine or a sanitizer's build may stretch.
keyed_wait() {
	eventually "$3" keyed_at_least "$1" "$2" "${4:-0}"
}
keyed_at_least() {
	[ "$(keyed_acked "$1" "$3")" -ge "$2" ]
}

# keyed_stop NAME: stop NAME's writers and wait for them; their records,
# together, in $T/NAME.all.
keyed_stop() {
	touch "$T/$1.stop"
	wait $KEYED_PIDS
	cat "$T/$1".rec.* >"$T/$1.all"
}

# keyed_tally NAME: NAME's records against what the database holds, read
# from stdin as "KEY COUNT" lines (the notes of the check-ins on the key
# result, counted).  KEYED_ACKED acknowledged, KEYED_LOST of them absent,
# KEYED_DUP of them there more than once; KEYED_FAILED refused or failed,
# KEYED_FAILED_THERE of them there once all the same, KEYED_FAILED_BAD
# there more than once.  The failed ones' "KEY I" in $T/NAME.failed, for
# the retry a user would make.
keyed_tally() {
	local key i rc n
	local -A there=()
	while read -r key n; do
		[ -n "$key" ] && there[$key]=$n
	done
	KEYED_ACKED=0 KEYED_LOST=0 KEYED_DUP=0
	KEYED_FAILED=0 KEYED_FAILED_THERE=0 KEYED_FAILED_BAD=0
	: >"$T/$1.failed"
	while read -r key i rc _; do
		n=${there[$key]:-0}
		if [ "$rc" = 0 ]; then
			KEYED_ACKED=$((KEYED_ACKED + 1))
			[ "$n" = 0 ] && KEYED_LOST=$((KEYED_LOST + 1))
			[ "$n" -gt 1 ] && KEYED_DUP=$((KEYED_DUP + 1))
			continue
		fi
		KEYED_FAILED=$((KEYED_FAILED + 1))
		[ "$n" = 1 ] && KEYED_FAILED_THERE=$((KEYED_FAILED_THERE + 1))
		[ "$n" -gt 1 ] && KEYED_FAILED_BAD=$((KEYED_FAILED_BAD + 1))
		echo "$key $i" >>"$T/$1.failed"
	done <"$T/$1.all"
}
