# preauth.sh: what anyone can do before logging in (sourced by suite.sh;
# issue 13, items 5, 6 and 7): startups and login_grace, the hash workers
# shared between addresses under a flood of failing logins, and the memory
# a connection may hold before login.
#
# A cairnd of its own on the same database, with the default limits
# (max_conns 1024, max_output 8 MiB, ...) except: login_grace 6 s so that
# the test does not wait 30, idle and hello timeouts longer than it (so
# that only login_grace can close the hostile sockets), and
# login_addr_logins high so that the flood of new names is hashed all
# along instead of being refused by the failed-login throttle.

P_PORT=$((PORT + 5))	# in the block of ports run.sh gave this suite
P_ADDR=127.0.0.1:$P_PORT
P_GRACE=6
cat > "$T/preauth.conf" <<CONF
listen = $P_ADDR
cert = $T/certs/server.pem
key = $T/certs/server.key
db = host=$DATA user=cairn dbname=cairn
max_conns = 1024
handshake_timeout = 30
hello_timeout = 30
idle_timeout = 60
login_addr_logins = 100000
db_pool = 4
log_level = warn
drain_delay = 0
login_grace = $P_GRACE
CONF

P_PID=
p_start() {
	local i
	( ulimit -Sn 4096 && exec "$BIN/cairnd" --config "$T/preauth.conf" "$@" ) \
	    >>"$T/cairnd-preauth.log" 2>&1 &
	P_PID=$!
	for i in $(seq 1 100); do
		"$BIN/cairn" --server "$P_ADDR" --ca "$T/certs/ca.pem" ping \
		    >/dev/null 2>&1 && return 0
		kill -0 "$P_PID" 2>/dev/null || { P_PID=; return 1; }
		sleep 0.1
	done
	return 1
}
p_stop() {
	[ -n "$P_PID" ] || return 0
	kill -TERM "$P_PID" 2>/dev/null
	wait "$P_PID"
	P_RC=$?
	P_PID=
}

p_env() {
	CAIRN_TEST_ADDR=$P_ADDR CAIRN_TEST_CA=$T/certs/ca.pem \
	    CAIRN_TEST_ADMIN=root CAIRN_TEST_ADMIN_PW=$ADMIN_PW \
	    CAIRN_TEST_GRACE=$P_GRACE CAIRN_TEST_PID=$P_PID "$@"
}

if p_start; then
	ok "preauth server starts (max_conns 1024, login_grace $P_GRACE s)"
	if p_env "$BIN/test_preauth" startups; then
		ok "1,024 hello'd sockets from 60 addresses: a genuine client logs in and pings within 5 attempts and 5 s; the sockets are closed at login_grace"
	else
		not_ok "startups and login_grace"
	fi
	expect_match "... refusals name max_startups_per_addr or the early drop" \
	    'refusing connection from 127\.0\.1\.[0-9]+: it holds [0-9]+ connections not logged in' \
	    "$(< "$T/cairnd-preauth.log")"
	# The client tries again a connection refused before TLS: 8 hello'd
	# sockets from 127.0.0.1 (max_startups_per_addr) held for 1.5 s, and
	# a ping started meanwhile gets through once they go.
	python3 "$HERE/hold_startups.py" "$P_ADDR" "$T/certs/ca.pem" 8 1.5 \
	    "$T/held-ready" > "$T/held.out" 2>&1 &
	P_HOLD=$!
	wait_log 10 ready "$T/held-ready"
	expect_exit "a cairn command started while its address holds max_startups_per_addr waits and gets through" \
	    0 "$BIN/cairn" --server "$P_ADDR" --ca "$T/certs/ca.pem" ping
	wait "$P_HOLD"
	expect_match "... the holders were there when it started" "held 8" "$(< "$T/held.out")"
	if p_env "$BIN/test_preauth" hashflood; then
		ok "failing logins from 100 connections of one address, then 25 addresses x 4: 10 genuine logins each succeed within 2 s"
	else
		not_ok "hash workers shared fairly between addresses"
	fi
	p_stop
	expect_eq "preauth server stops with status 0" "$P_RC" 0
else
	not_ok "preauth server starts" "$(< "$T/cairnd-preauth.log")"
fi

# test_memory connects from 127.0.0.1 only: let it hold 60 startups.
if p_start --max-startups-per-addr 64; then
	if p_env "$BIN/test_memory" pings; then
		ok "60 hello'd connections pipelining pings, reading nothing: cairnd holds at most the startup bound each"
	else
		not_ok "memory before login under a ping flood"
	fi
	p_stop
else
	not_ok "preauth server starts again" "$(< "$T/cairnd-preauth.log")"
fi
