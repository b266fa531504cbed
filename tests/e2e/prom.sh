# prom.sh: the Prometheus reader (server/prom.c) against a real Prometheus
# and pushgateway (prom-lib.sh), through test_prom (cmocka): over http,
# with Prometheus stopped, then over https with the test CA.  Sourced by
# suite.sh; Prometheus takes PORT + 12, the pushgateway PORT + 13.
. "$HERE/prom-lib.sh"
trap 'prom_stop; cleanup' EXIT

PROM_PORT=$((PORT + 12))
PUSH_PORT=$((PORT + 13))

# test_prom PHASE NAME: run that phase of test_prom as one check.
prom_phase() {
	if CAIRN_TEST_PROM_URL=$PROM_URL CAIRN_TEST_CA=$T/certs/ca.pem \
	    CAIRN_TEST_OTHER_CA=$T/other/ca.pem "$BIN/test_prom" "$1" \
	    >"$T/prom-$1.out" 2>&1; then
		ok "$2"
	else
		not_ok "$2" "$(grep -vE '^\[ +(RUN|OK) +\]' "$T/prom-$1.out")"
	fi
	grep '^# ' "$T/prom-$1.out"
}

# A KPI fed from Prometheus over https, through cairn (docs/rules.md,
# "Feeds"): the source and its test, a run at once, the schedule, a
# value pushed later, two series refused, and Prometheus stopped.
pm_readings() {
	psql_cairn -c "SELECT count(*) FROM kpi_readings WHERE kpi_id = $PK"
}
pm_latest_is() {	# pm_latest_is VALUE: the KPI's latest reading
	[ "$(psql_cairn -c "SELECT value FROM kpi_readings WHERE kpi_id = $PK
	    ORDER BY at DESC, id DESC LIMIT 1")" = "$1" ]
}
prom_feeds() {
	local root
	echo "== a KPI fed from Prometheus"
	root=$(psql_cairn -c "SELECT slug FROM teams WHERE parent_id IS NULL")
	if [ -z "$root" ]; then
		as admin team add pmroot --name Root >/dev/null
		root=pmroot
	fi
	as admin team add mon --name Monitoring --parent "$root" >/dev/null
	PK=$(as admin kpi add --team mon --name 'Queue depth' --unit jobs \
	    --direction down --green 50 --amber 80)
	expect_exit "source add --prometheus with the test CA and a bearer token" 0 \
	    sh -c "echo not-a-real-token | XDG_CONFIG_HOME=$T/home-admin $BIN/cairn \
	    source add prom --prometheus https://127.0.0.1:$PROM_PORT \
	    --ca $T/certs/ca.pem --bearer-token-stdin"
	expect_exit "source test prom" 0 as admin source test prom
	expect_match "... names Prometheus and its version" "Prometheus 2\." "$OUT"
	expect_exit "source allow prom --team mon" 0 as admin source allow prom --team mon
	expect_exit "kpi feed --source prom --query up_value" 0 \
	    as admin kpi feed "$PK" --source prom --query up_value --every 1m
	expect_exit "kpi feed --now" 0 as admin kpi feed "$PK" --now
	expect_match "--now records the pushed value" "recorded 42.5 at " "$OUT"
	expect_exit "kpi history" 0 as admin --json kpi history "$PK"
	expect_eq "... from the feed" "$(printf '%s' "$OUT" | jqr '.[-1].via')" feed:prom
	push_value feed up_value 61 && prom_wait_value up_value 61 ||
	    not_ok "setup: 61 pushed and scraped"
	psql_cairn -c "UPDATE feeds SET due = now() WHERE kpi_id = $PK"
	if eventually 15 pm_latest_is 61; then
		ok "the schedule records the new value on its own"
	else
		not_ok "the schedule records the new value on its own" \
		    "$(as admin --json kpi show "$PK" | jqr .feed)"
	fi
	expect_exit "kpi feed --query twin (two series)" 0 \
	    as admin kpi feed "$PK" --source prom --query twin --every 1m
	expect_exit "... --now fails" 1 as admin kpi feed "$PK" --now
	expect_match "... naming the 2 series" "2 series" "$(< "$T/stderr")"
	expect_exit "kpi feed --query up_value again" 0 \
	    as admin kpi feed "$PK" --source prom --query up_value --every 1m
	prom_stop prometheus
	expect_exit "Prometheus stopped: --now fails" 1 as admin kpi feed "$PK" --now
	expect_match "... saying it cannot connect" "cannot connect" "$(< "$T/stderr")"
	if grep -q not-a-real-token "$T/stderr"; then
		not_ok "... and never with the token"
	else
		ok "... and never with the token"
	fi
	if grep -q not-a-real-token "$T/cairnd.log"; then
		not_ok "the bearer token is never in cairnd's log"
	else
		ok "the bearer token is never in cairnd's log"
	fi
	expect_eq "the token is stored sealed, not as text" \
	    "$(psql_cairn -c "SELECT count(*) FROM sources WHERE name = 'prom' AND secret IS NOT NULL AND NOT position(convert_to('not-a-real-token', 'UTF8') IN secret) > 0")" 1
}

echo "== Prometheus over http"
if prom_start "$T/prom" "$PROM_PORT" "$PUSH_PORT"; then
	ok "Prometheus and the pushgateway start"
	push_value feed up_value 42.5 &&
	    push_value two twin 1 instance=a &&
	    push_value two twin 2 instance=b &&
	    push_value nan nanv NaN ||
	    not_ok "values pushed to the pushgateway"
	if prom_wait_value up_value 42.5 && prom_wait_value nanv NaN &&
	    prom_wait_value 'count(twin)' 2; then
		ok "Prometheus scraped the pushed values"
	else
		not_ok "Prometheus scraped the pushed values" \
		    "$(tail -5 "$T/prom/prometheus.log")"
	fi
	prom_phase http "the reader over http: a value and its time, 2 series, none, NaN, a syntax error, the probe, no answer, too large, 503, no redirect, a POST, connect timeout, a host name"

	echo "== Prometheus stopped"
	prom_stop prometheus
	prom_phase stopped "Prometheus stopped: connection refused, at once"

	echo "== Prometheus over https"
	if prom_start "$T/prom" "$PROM_PORT" "$PUSH_PORT" tls; then
		ok "Prometheus restarts with TLS"
		if prom_wait_value up_value 42.5; then
			ok "Prometheus over TLS answers with the stored value"
		else
			not_ok "Prometheus over TLS answers with the stored value"
		fi
		prom_phase https "the reader over https: the test CA trusted, another refused, outgoing_ca beside the system store"
		prom_feeds
	fi
fi
prom_stop

echo "== cairnd's outgoing_ca"
# Read once at start-up, before root is dropped: a bad one stops cairnd.
stop_server >/dev/null
if "$BIN/cairnd" --config "$T/cairnd.conf" --outgoing-ca "$T/none.pem" \
    >"$T/cairnd-noca.log" 2>&1; then
	not_ok "cairnd refuses an outgoing_ca it cannot read" "it started"
elif grep -q "outgoing_ca $T/none.pem: No such file or directory" \
    "$T/cairnd-noca.log"; then
	ok "cairnd refuses an outgoing_ca it cannot read, saying why"
else
	not_ok "cairnd refuses an outgoing_ca it cannot read, saying why" \
	    "$(tail -5 "$T/cairnd-noca.log")"
fi
if start_server "$T/cairnd-ca.log" --outgoing-ca "$T/certs/ca.pem"; then
	ok "cairnd starts with outgoing_ca naming a PEM file"
else
	not_ok "cairnd starts with outgoing_ca naming a PEM file"
fi
