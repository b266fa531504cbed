#!/bin/bash
# run.sh BIN: the end-to-end suites, each alone on a cairnd and a private
# PostgreSQL of its own (suite.sh), CAIRN_JOBS of them at once.
#
# One cluster is made first, through cairnd's embedded mode and
# --init-admin (as root it runs as 'postgres', the path CI takes); every
# suite then starts from a copy of it, so that a suite needs no other to
# have run before it and may restart cairnd, stop PostgreSQL, change the
# settings or fill max_conns without disturbing its neighbours.
#
#   CAIRN_SUITES="cli goals"  only those suites (proto: the protocol and
#                             memory cmocka suites; batch, db: the others)
#   CAIRN_JOBS=N              suites at once (default 4)
#   CAIRN_SOLO="NAME ..."     suites run last, one at a time (default
#                             "concurrency db": they time replies in ms)
#   CAIRN_TEST_PORT=P         first port (each suite takes 16 from there)
#   CAIRN_TEST_TIMES=1        each check's line starts with its milliseconds
#   CAIRN_TEST_KEEP=1         keep the temporary directories
#
# Each suite's output is printed whole when it ends; the failures are
# listed again at the end, and the status is 1 if any check failed.
set -u
# All of it one compound command, read whole before it runs: a suite may
# be edited while a long run is going.
{
BIN=$(cd "${1:-build/bin}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/lib.sh"

# The longest first, so that the short ones fill in beside them (times
# on 2 cores, 4 at once, in a whole run of 2026-12-06: goals 81 s, races
# 75 s, the other three goals suites about 70 s, kpi 55 s ... batch 8 s).
ALL="package goals races goals-perm-obj goals-perm goals-rules kpi rollup preauth
held export auth assess signoff stream cli leaks pace limits budgets cluster
tiers proto cycle demo schema roi files closed crash idem devrun startup priv
batch outage forecast tokens sources prom feeds notify watch comments inbox
haproxy replica patroni
metrics db concurrency cache"
SUITES=${CAIRN_SUITES:-$ALL}
JOBS=${CAIRN_JOBS:-4}
SOLO=${CAIRN_SOLO-concurrency db}

# The suites read JSON with jq (tests/deps.sh installs it): without it
# every such check would fail one by one; say why once instead.
if ! command -v jq >/dev/null 2>&1; then
	not_ok "jq is installed (tests/deps.sh installs it)"
	summary e2e
	exit 1
fi

R=$(mktemp -d /tmp/cairn-e2e.XXXXXX)
chmod 755 "$R"
T=$R/tmpl
DATA=$T/data
mkdir -p "$T" && chmod 755 "$T"
cleanup() {
	local p
	for p in $(jobs -p); do
		kill -TERM "$p" 2>/dev/null
	done
	wait
	[ -f "$DATA/pgdata/postmaster.pid" ] &&
	    pg_as_owner "$PGBIN/pg_ctl" stop -D "$DATA/pgdata" -m immediate >/dev/null 2>&1
	[ -n "${CAIRN_TEST_KEEP:-}" ] && echo "kept $R" || rm -rf "$R"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sh "$ROOT/certs/make-dev-certs.sh" "$T/certs" >/dev/null
sh "$ROOT/certs/make-dev-certs.sh" "$T/other" >/dev/null	# a CA we don't trust
make_secret_key "$T/certs/secret.key"	# sources' credentials (secret.c)
# As root cairnd serves as postgres (the cluster's account) and re-reads the
# key as postgres on SIGHUP: let that account read it, and nobody else.
if [ "$(id -u)" = 0 ]; then
	chgrp postgres "$T/certs/server.key" && chmod 640 "$T/certs/server.key"
fi
write_cairnd_conf "$T/cairnd.conf" 127.0.0.1:1

ADMIN_PW=admin-pw-$$-secret
echo "== init-admin on an empty data directory"
if echo "$ADMIN_PW" | "$BIN/cairnd" --config "$T/cairnd.conf" \
    --init-admin root --password-stdin >"$T/init.log" 2>&1; then
	ok "init-admin creates the cluster and the first admin"
else
	not_ok "init-admin creates the cluster and the first admin" "$(< "$T/init.log")"
	summary e2e
	exit 1
fi

# Ports: each suite claims 16 of its own (claim_ports), unless
# CAIRN_TEST_PORT gives the first, 16 a suite from there.
BASE=${CAIRN_TEST_PORT:-}
export ADMIN_PW CAIRN_E2E_TEMPLATE=$T

declare -A PID_OF START_OF
running=0 i=0 failed_suites=
start_wall=$(date +%s)

# finish PID: print the suite's output whole and add up its checks.
finish() {
	local pid=$1 name=${PID_OF[$1]} out last p f
	out=$R/$name.out
	unset "PID_OF[$pid]"
	echo "== $name ($(( $(date +%s) - START_OF[$name] )) s)"
	cat "$out"
	last=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed$" "$out" | tail -1)
	if [ -z "$last" ]; then
		not_ok "$name: the suite ended with its summary"
		failed_suites="$failed_suites $name"
		return
	fi
	p=${last#*: }; p=${p%% passed*}
	f=${last#*passed, }; f=${f%% failed}
	PASS=$((PASS + p))
	FAIL=$((FAIL + f))
	if [ "$f" -gt 0 ]; then
		failed_suites="$failed_suites $name"
		FAILED_NAMES="$FAILED_NAMES
$(sed -n '/^failed:$/,$p' "$out" | sed 1d | sed "s/^  /  $name: /")"
	fi
}

# launch NAME: start the suite in the background.
launch() {
	START_OF[$1]=$(date +%s)
	CAIRN_TEST_PORT=${BASE:+$((BASE + i * 16))} \
	    bash "$HERE/suite.sh" "$BIN" "$1" >"$R/$1.out" 2>&1 &
	PID_OF[$!]=$1
	running=$((running + 1))
	i=$((i + 1))
}

# reap N: wait until at most N suites run, printing each that ends.
reap() {
	while [ "$running" -gt "$1" ]; do
		wait -n -p done_pid "${!PID_OF[@]}"
		finish "$done_pid"
		running=$((running - 1))
	done
}

# The suites whose checks time a reply in milliseconds run last, one at a
# time with nothing else of this run beside them.
solo=
for name in $SUITES; do
	case " $SOLO " in *" $name "*) solo="$solo $name"; continue ;; esac
	reap $((JOBS - 1))
	launch "$name"
done
for name in $solo; do
	reap 0
	launch "$name"
done
reap 0

echo "e2e: $(echo $SUITES | wc -w) suites, $JOBS at once, in $(( $(date +%s) - start_wall )) s"
[ -n "$failed_suites" ] && echo "suites with failures:$failed_suites"
summary e2e
exit
}
