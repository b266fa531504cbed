# prom-lib.sh: a real Prometheus (Debian's prometheus, 2.42) scraping a
# real pushgateway (prometheus-pushgateway, 1.5) for the suites that read
# KPI feeds; sourced after lib.sh (ok, not_ok, $T).  Nothing is mocked:
# values go into the pushgateway, Prometheus scrapes them each second and
# answers PromQL about them.  A missing package fails, it never skips.
#
#   prom_start DIR PORT_PROM PORT_PUSH [tls]   start both (the pushgateway
#                                 only if it is not running already)
#   push_value JOB METRIC VALUE [LABEL=VALUE ...]
#   prom_wait_value QUERY VALUE [SECONDS]      until Prometheus answers it
#   prom_stop [prometheus]        stop both, or Prometheus alone
#
# PROM_URL and PUSH_URL are set by prom_start; with tls, Prometheus serves
# HTTPS (its own --web.config.file) with $PROM_CERTS/server.pem (default
# $T/certs, made by certs/make-dev-certs.sh for localhost and 127.0.0.1),
# and PROM_CA is the CA that signed it.

PROM_PID= PUSH_PID= PROM_URL= PUSH_URL= PROM_CA=

# prom_ready URL [CURL-ARGS]: wait up to 30 s for URL to answer 200.
prom_ready() {
	local url=$1 i
	shift
	for i in $(seq 150); do
		curl -sf -o /dev/null "$@" "$url" && return 0
		sleep 0.2
	done
	return 1
}

prom_start() {
	local dir=$1 pp=$2 pg=$3 tls=${4:-} certs=${PROM_CERTS:-$T/certs} web=
	local p
	for p in prometheus prometheus-pushgateway curl; do
		if ! command -v "$p" >/dev/null 2>&1; then
			not_ok "$p is installed (tests/deps.sh installs it)"
			return 1
		fi
	done
	mkdir -p "$dir/data"
	PUSH_URL=http://127.0.0.1:$pg
	if [ -z "$PUSH_PID" ] || ! kill -0 "$PUSH_PID" 2>/dev/null; then
		prometheus-pushgateway --web.listen-address="127.0.0.1:$pg" \
		    --log.level=warn >"$dir/pushgateway.log" 2>&1 &
		PUSH_PID=$!
		if ! prom_ready "$PUSH_URL/-/ready"; then
			not_ok "the pushgateway starts on port $pg" \
			    "$(tail -5 "$dir/pushgateway.log")"
			return 1
		fi
	fi
	# honor_labels: the pushed job and labels are the series' own, not
	# replaced by the scrape's.
	cat >"$dir/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: pushgateway
    honor_labels: true
    static_configs:
      - targets: ['127.0.0.1:$pg']
EOF
	PROM_URL=http://127.0.0.1:$pp
	PROM_CA=
	if [ "$tls" = tls ]; then
		cat >"$dir/web.yml" <<EOF
tls_server_config:
  cert_file: $certs/server.pem
  key_file: $certs/server.key
EOF
		web=--web.config.file=$dir/web.yml
		PROM_URL=https://127.0.0.1:$pp
		PROM_CA=$certs/ca.pem
	fi
	prometheus --config.file="$dir/prometheus.yml" \
	    --storage.tsdb.path="$dir/data" \
	    --web.listen-address="127.0.0.1:$pp" ${web:+"$web"} \
	    --log.level=warn >"$dir/prometheus.log" 2>&1 &
	PROM_PID=$!
	if ! prom_ready "$PROM_URL/-/ready" ${PROM_CA:+--cacert "$PROM_CA"}; then
		not_ok "Prometheus starts on port $pp${tls:+ (TLS)}" \
		    "$(tail -5 "$dir/prometheus.log")"
		return 1
	fi
	return 0
}

# push_value JOB METRIC VALUE [LABEL=VALUE ...]: the labels join the
# grouping key, so that each set is a series of its own.
push_value() {
	local job=$1 metric=$2 value=$3 path kv
	shift 3
	path=/metrics/job/$job
	for kv in "$@"; do
		path=$path/${kv%%=*}/${kv#*=}
	done
	printf '# TYPE %s gauge\n%s %s\n' "$metric" "$metric" "$value" |
	    curl -sf --data-binary @- "$PUSH_URL$path"
}

# prom_wait_value QUERY VALUE [SECONDS]: poll until the query's first
# series (or scalar) has VALUE as Prometheus writes it ("42.5", "NaN").
prom_wait_value() {
	local query=$1 want=$2 secs=${3:-30} got i
	for i in $(seq $((secs * 5))); do
		got=$(curl -sf ${PROM_CA:+--cacert "$PROM_CA"} -G \
		    --data-urlencode "query=$query" "$PROM_URL/api/v1/query" |
		    jq -r '.data.result | if type == "array" and length > 0
			and (.[0] | type) == "object" then .[0].value[1]
			elif type == "array" and length == 2 then .[1]
			else empty end' 2>/dev/null)
		[ "$got" = "$want" ] && return 0
		sleep 0.2
	done
	echo "prom_wait_value: $query is '$got' after $secs s, not '$want'" >&2
	return 1
}

prom_stop() {
	if [ -n "$PROM_PID" ]; then
		kill -TERM "$PROM_PID" 2>/dev/null
		wait "$PROM_PID" 2>/dev/null
		PROM_PID=
	fi
	[ "${1:-}" = prometheus ] && return 0
	if [ -n "$PUSH_PID" ]; then
		kill -TERM "$PUSH_PID" 2>/dev/null
		wait "$PUSH_PID" 2>/dev/null
		PUSH_PID=
	fi
	return 0
}
