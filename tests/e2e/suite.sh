#!/bin/bash
# suite.sh BIN NAME: one end-to-end suite alone, on a cairnd and a
# PostgreSQL cluster of its own (run.sh starts one of these per suite,
# several at once).  The cluster is a copy of the template run.sh made
# with --init-admin (CAIRN_E2E_TEMPLATE: its data, certs and other
# directories; ADMIN_PW its admin's password), so that no suite sees
# another's data, settings, restarts or load on its database.  Its last
# line is "NAME: P passed, F failed", which run.sh adds up.
set -u
# All of it one compound command, read whole before it runs: a suite may
# be edited while a long run is going.
{
BIN=$(cd "$1" && pwd)
NAME=$2
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/lib.sh"

T=$(mktemp -d /tmp/cairn-e2e-$NAME.XXXXXX)
chmod 755 "$T"
SERVER_PID=
cleanup() {
	# db_query's psql, if the suite started one.
	[ -n "${DBQ_PID:-}" ] && kill "$DBQ_PID" 2>/dev/null
	[ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID"
	# A cluster left by a failed test: stop it before removing its files.
	[ -f "$T/data/pgdata/postmaster.pid" ] &&
	    pg_as_owner "$PGBIN/pg_ctl" stop -D "$T/data/pgdata" -m immediate >/dev/null 2>&1
	[ -n "${CAIRN_TEST_KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
	[ -z "${CAIRN_TEST_PORT:-}" ] && [ -n "${PORT:-}" ] && rm -f "/tmp/cairn-e2e-ports/$PORT"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# Ports PORT to PORT + 15 are this suite's (a second cairnd takes PORT + 1,
# PORT + 3, PORT + 5 or PORT + 11): given, or claimed.
if [ -n "${CAIRN_TEST_PORT:-}" ]; then
	PORT=$CAIRN_TEST_PORT
else
	claim_ports || { not_ok "$NAME: 16 free ports"; summary "$NAME"; exit 1; }
fi
ADDR=127.0.0.1:$PORT
DATA=$T/data
export CAIRN_SERVER=$ADDR CAIRN_CA=$T/certs/ca.pem
ADMIN_PW=${ADMIN_PW:?run.sh sets ADMIN_PW}
TMPL=${CAIRN_E2E_TEMPLATE:?run.sh sets CAIRN_E2E_TEMPLATE}
# cp -a keeps the cluster's files its account's (postgres, as root).
cp -a "$TMPL/certs" "$TMPL/other" "$TMPL/data" "$T/"
write_cairnd_conf "$T/cairnd.conf" "$ADDR"

start_server "$T/cairnd.log" || { not_ok "$NAME: cairnd starts"; summary "$NAME"; exit 1; }
ok "$NAME: cairnd starts and answers ping"
# ping needs no database; a suite's first request does.  On a loaded
# machine the pool's first connection may take longer than a request
# waits for it (db_connect_timeout): wait for the pool, as the suites run
# after cli.sh always did.
wait_log 60 "db: [0-9]+ of [0-9]+ connections up" "$T/cairnd.log" ||
    not_ok "$NAME: the pool is up within 60 s" "$(tail -5 "$T/cairnd.log")"

case $NAME in
proto)
	echo "== protocol (cmocka, raw frames over TLS)"
	if CAIRN_TEST_ADDR=$ADDR CAIRN_TEST_CA=$T/certs/ca.pem \
	    CAIRN_TEST_OTHER_CA=$T/other/ca.pem CAIRN_TEST_ADMIN=root \
	    CAIRN_TEST_ADMIN_PW=$ADMIN_PW "$BIN/test_proto"; then
		ok "protocol suite"
		# How often a failed read made cairnd resend the rest of its
		# batch (timing decides; reported, not asserted).
		echo "# reads resent after a failed read in their batch: $(grep -c 'sent again' "$T/cairnd.log")"
	else
		not_ok "protocol suite"
	fi
	echo "== connections (cmocka, raw frames over TLS)"
	if CAIRN_TEST_ADDR=$ADDR CAIRN_TEST_CA=$T/certs/ca.pem \
	    CAIRN_TEST_OTHER_CA=$T/other/ca.pem CAIRN_TEST_ADMIN=root \
	    CAIRN_TEST_ADMIN_PW=$ADMIN_PW "$BIN/test_conn"; then
		ok "connections suite"
	else
		not_ok "connections suite"
	fi
	echo "== memory per connection under a flood (cmocka, cairnd's RSS)"
	if CAIRN_TEST_ADDR=$ADDR CAIRN_TEST_CA=$T/certs/ca.pem \
	    CAIRN_TEST_PID=$SERVER_PID "$BIN/test_memory"; then
		ok "memory suite"
	else
		not_ok "memory suite"
	fi
	;;
batch)
	echo "== answers belong to their requests (cmocka, 30 connections)"
	if CAIRN_TEST_ADDR=$ADDR CAIRN_TEST_CA=$T/certs/ca.pem \
	    CAIRN_TEST_ADMIN=root CAIRN_TEST_ADMIN_PW=$ADMIN_PW "$BIN/test_batch"; then
		ok "batch suite"
	else
		not_ok "batch suite"
	fi
	;;
db)
	echo "== database pool (cmocka, db.c against this cluster)"
	if CAIRN_TEST_PGHOST=$DATA "$BIN/test_db"; then
		ok "database pool suite"
	else
		not_ok "database pool suite"
	fi
	;;
*)
	if [ ! -f "$HERE/$NAME.sh" ]; then
		not_ok "$NAME: no suite tests/e2e/$NAME.sh"
	else
		# cli.sh tests the admin's login itself; every other suite
		# starts with the admin logged in, as it would after cli.sh.
		[ "$NAME" = cli ] || login_admin
		. "$HERE/$NAME.sh"
	fi
	;;
esac

if [ -n "$SERVER_PID" ]; then
	if stop_server; then
		ok "$NAME: SIGTERM stops cairnd with status 0"
	else
		not_ok "$NAME: SIGTERM stops cairnd with status 0" "$(tail -20 "$T/cairnd.log")"
	fi
fi
if [ "$FAIL" -gt 0 ]; then
	echo "--- server log lines about closed connections and warnings"
	grep -hE "warn|error|closed: [^c]|timeout" "$T"/cairnd*.log | grep -v "handshake" | tail -40
	echo "--- last server log lines"
	tail -n 20 "$T"/cairnd*.log
fi
summary "$NAME"
exit
}
