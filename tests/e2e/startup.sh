# startup.sh: a client that logs in the moment cairnd's port opens must
# not be told the database is unavailable: until the pool's first
# connection is ready (within db_connect_timeout), requests wait for it
# (sourced by suite.sh).

stop_server
unavailable=0
logged_in=0
for round in 1 2 3 4 5; do
	"$BIN/cairnd" --config "$T/cairnd.conf" >"$T/cairnd-startup.log" 2>&1 &
	SERVER_PID=$!
	for i in $(seq 1 1000); do
		out=$(echo "$ADMIN_PW" | XDG_CONFIG_HOME=$T/home-startup \
		    "$BIN/cairn" --json login root --password-stdin 2>&1)
		rc=$?
		if [ $rc = 0 ]; then
			logged_in=$((logged_in + 1))
			break
		fi
		case $out in
		*E_UNAVAILABLE*) unavailable=$((unavailable + 1)); break;;
		esac
		sleep 0.01
	done
	stop_server
done
expect_eq "a login as soon as the port opens succeeds (5 restarts)" "$logged_in" 5
expect_eq "... and is never answered E_UNAVAILABLE" "$unavailable" 0
start_server "$T/cairnd.log" || not_ok "cairnd starts again"
