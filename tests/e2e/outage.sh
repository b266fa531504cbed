# outage.sh: the database goes away and comes back; cairnd keeps serving
# (sourced by suite.sh).

pg_as_owner "$PGBIN/pg_ctl" stop -D "$DATA/pgdata" -m fast -w -s
t0=$(date +%s%N)
expect_exit "database down: a request fails with exit 8" 8 as admin --json whoami
t1=$(date +%s%N)
expect_match "... as E_UNAVAILABLE" '"code":"E_UNAVAILABLE"' "$ERR"
ms=$(( (t1 - t0) / 1000000 ))
if [ "$ms" -lt 2000 ]; then
	ok "it fails fast (${ms} ms)"
else
	not_ok "it fails fast" "${ms} ms"
fi
expect_exit "ping still answered while the database is down" 0 as admin ping
if kill -0 "$SERVER_PID" 2>/dev/null; then
	ok "cairnd survives the outage"
else
	not_ok "cairnd survives the outage"
fi
pg_as_owner "$PGBIN/pg_ctl" start -D "$DATA/pgdata" -w -s -l "$DATA/postgres.log" >/dev/null
back=no
for i in $(seq 1 100); do
	if as admin whoami >/dev/null 2>&1; then
		back=yes
		break
	fi
	sleep 0.2
done
expect_eq "requests succeed again once the database is back" "$back" "yes"
