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
