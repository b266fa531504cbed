# table.sh: the last part of make bench, sourced by run.sh: issue 14's
# table ("Writes at PostgreSQL's pace"), one row per figure, cairn's beside
# PostgreSQL's own tool on the same cluster in the same run, their ratio,
# the aim and whether it is met.  The figures come from $tmp/results
# ("KEY VALUE" lines written by run.sh and org.sh through result()); a row
# whose figure is missing says "not run" (its section was left out) and
# one whose run failed says "failed", never a number.
#
# Uses run.sh's variables (tmp, clients, secs, depth, scale, nimport,
# per_team, org_runs, cli_runs, cores, model, load0).
# shellcheck shell=sh disable=SC2154
# (SC2154: the variables named above are set by run.sh, which sources this.)

# The last value recorded for KEY, or nothing.
table_get() {
	[ -f "$tmp/results" ] || return 0
	awk -v k="$1" '$1 == k { v = $2 } END { if (v != "") print v }' \
	    "$tmp/results"
}

# table_row KIND CAIRN_KEY PG_KEY AIM LABEL
#   KIND rate: requests or rows per second, ratio cairn / PostgreSQL;
#        cpu:  PostgreSQL CPU ms per transaction, ratio cairn / PostgreSQL;
#        ms:   an end-to-end time, no PostgreSQL figure, the aim on it.
#   AIM ">= X", "<= X" (on the ratio, or on the time for ms), or "-".
table_row() {
	c=$(table_get "$2")
	p=-
	[ "$3" = - ] || p=$(table_get "$3")
	awk -v kind="$1" -v c="${c:-not run}" -v p="${p:-not run}" \
	    -v aim="$4" -v label="$5" 'function num(x) {
		return x ~ /^[0-9]+(\.[0-9]+)?$/
	}
	function fmt(x) {
		if (!num(x))
			return x
		if (kind == "rate")
			return sprintf("%.1f/s", x)
		if (kind == "cpu")
			return sprintf("%.3f ms", x)
		return sprintf("%.1f ms", x)
	}
	BEGIN {
		ratio = "-"
		met = "-"
		if (kind == "ms")
			v = c
		else if (num(c) && num(p) && p > 0)
			v = ratio = sprintf("%.2f", c / p)
		else
			v = ""
		if (aim != "-") {
			split(aim, a, " ")
			if (!num(v))
				met = "?"
			else if (a[1] == ">=")
				met = v + 0 >= a[2] + 0 ? "yes" : "no"
			else
				met = v + 0 <= a[2] + 0 ? "yes" : "no"
			if (kind == "ms")
				aim = aim " ms"
		}
		printf "%-50s %13s %13s %6s %10s %4s\n", label, fmt(c),
		    fmt(p), ratio, aim, met
	}'
}

bench_table() {
	load1=$(cut -d' ' -f1-3 /proc/loadavg)
	echo
	echo "issue 14, writes at PostgreSQL's pace: $(date -u +%Y-%m-%d)," \
	    "$cores cores, $model"
	echo "scale $scale: $clients clients, runs of ${secs} s, depth" \
	    "$depth; $per_team objectives a team; import of $nimport;" \
	    "medians of $org_runs and $cli_runs runs"
	echo "load average at the start $load0, at the end $load1"
	[ "$scale" = full ] || echo "(a reduced run: its figures are not" \
	    "comparable with the aims)"
	printf '%-50s %13s %13s %6s %10s %4s\n' "" cairn PostgreSQL ratio \
	    aim met
	table_row rate checkin-own tpcb ">= 1.0" \
	    "kr.checkin, own trees / pgbench TPC-B-like"
	table_row rate checkin-random tpcb ">= 1.0" \
	    "kr.checkin, random key results / pgbench TPC-B"
	table_row cpu cpu-checkin-own cpu-tpcb "<= 1.5" \
	    "PG CPU per check-in, own trees / per TPC-B"
	table_row cpu cpu-checkin-random cpu-tpcb "<= 1.5" \
	    "PG CPU per check-in, random / per TPC-B"
	table_row rate record insert-kpi ">= 1.0" \
	    "kpi.record / pgbench INSERT into kpi_readings"
	table_row rate record insert ">= 0.5" \
	    "kpi.record / pgbench one INSERT, plain table"
	table_row cpu cpu-record cpu-insert-kpi - \
	    "PG CPU per kpi.record / per INSERT kpi_readings"
	table_row cpu cpu-record cpu-insert - \
	    "PG CPU per kpi.record / per INSERT, plain table"
	table_row rate import copy ">= 0.5" \
	    "cairn kpi import of $nimport / psql \\copy (rows)"
	table_row cpu cpu-import cpu-copy - \
	    "PG CPU per imported reading / per copied row"
	table_row ms e2e-tree - "<= 800" \
	    "whole-organisation cairn --json tree"
	table_row ms e2e-tree_--team_team-100 - "<= 15" \
	    "one team's subtree (tree --team team-100)"
	table_row ms e2e-whoami - "<= 8" \
	    "a command's fixed cost (cairn --json whoami)"
	table_row ms e2e-version - - \
	    "of which process start alone (cairn --version)"
	echo "(rates: cairn's requests or readings per second beside" \
	    "PostgreSQL's transactions or rows per second, ratio cairn /" \
	    "PostgreSQL; PG CPU: the cluster's processes' CPU time over the" \
	    "run, from /proc, per transaction, the same sum for both; ms:" \
	    "the real cairn binary, process start to exit, median)"
}
