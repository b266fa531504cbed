# profile.sh: with CAIRN_BENCH_PROFILE=1, where PostgreSQL's time goes in
# each of cairn's write runs, sourced by run.sh.  pg_stat_statements
# (track = all: the statements inside functions and triggers too) and
# track_functions = all are switched on in the cluster, which needs a
# restart of cairnd and with it PostgreSQL; before a run both are reset,
# after it the statements and functions that took the most time are
# written per transaction of the run to $tmp/profile-LABEL.txt, printed at
# the end.  Their own overhead is in that run's figures: compare
# profiled runs with profiled runs only.
#
# Uses run.sh's variables and functions (tmp, data, psql, stop_server,
# serve_cairnd, die).
# shellcheck shell=sh disable=SC2154
# (SC2154: the variables named above are set by run.sh, which sources this.)

profile_sql() {
	"$psql" -X -q -v ON_ERROR_STOP=1 -h "$data" -U cairn -d cairn "$@"
}

# After start_cairnd: the settings, a restart, the extension.
profile_enable() {
	[ "$profile" = 1 ] || return 0
	echo "bench: profiling: pg_stat_statements, a restart" >&2
	profile_sql -c "ALTER SYSTEM SET shared_preload_libraries =
	    'pg_stat_statements'" \
	    -c "ALTER SYSTEM SET track_functions = 'all'" ||
	    die "profiling: ALTER SYSTEM failed"
	stop_server
	serve_cairnd
	# The module's own settings exist only once it is loaded.
	profile_sql -c "ALTER SYSTEM SET pg_stat_statements.track = 'all'" \
	    -c "SELECT pg_reload_conf()" \
	    -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null ||
	    die "profiling: CREATE EXTENSION pg_stat_statements failed"
}

profile_reset() {
	[ "$profile" = 1 ] || return 0
	profile_sql -A -t -c "SELECT pg_stat_statements_reset()" \
	    -c "SELECT pg_stat_reset()" > /dev/null ||
	    die "profiling: reset failed"
}

# profile_dump LABEL UNITS [UNIT]: the figures divided by UNITS (the
# run's requests or transactions; UNIT names them, "transaction" unless
# given).
profile_dump() {
	[ "$profile" = 1 ] || return 0
	# Backends flush their function counts within a second of going idle.
	sleep 2
	{
		echo "== $1: PostgreSQL's time per ${3:-transaction} ($2)," \
		    "by statement (top: sent by the client; nested: run" \
		    "inside a function or trigger; ms: execution, lock waits" \
		    "included, planning not)"
		# psql interpolates :n in a script, not in -c.
		profile_sql -v n="$2" -P pager=off -P footer=off <<-'SQL' ||
		SELECT round((total_exec_time / :n)::numeric, 3) AS ms,
		    round((calls::numeric / :n), 3) AS calls,
		    round((rows::numeric / greatest(calls, 1)), 1)
			AS rows_per_call,
		    CASE WHEN toplevel THEN 'top' ELSE 'nested' END AS level,
		    left(regexp_replace(query, '\s+', ' ', 'g'), 100) AS query
		FROM pg_stat_statements
		WHERE dbid = (SELECT oid FROM pg_database
		    WHERE datname = current_database())
		ORDER BY total_exec_time DESC LIMIT 25;
		SQL
		    echo "(pg_stat_statements failed)"
		echo "== $1: by function (self: without the functions it calls)"
		profile_sql -v n="$2" -P pager=off -P footer=off <<-'SQL' ||
		SELECT funcname,
		    round((calls::numeric / :n), 3) AS calls,
		    round((self_time / :n)::numeric, 3) AS self_ms,
		    round((total_time / :n)::numeric, 3) AS total_ms
		FROM pg_stat_user_functions
		ORDER BY self_time DESC LIMIT 15;
		SQL
		    echo "(pg_stat_user_functions failed)"
	} > "$tmp/profile-$1.txt" 2>&1
}

profile_report() {
	[ "$profile" = 1 ] || return 0
	for f in "$tmp"/profile-*.txt; do
		[ -f "$f" ] || continue
		echo
		cat "$f"
	done
}
