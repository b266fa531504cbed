# notify.sh: notifications (issue 16) with the real parts: mail through
# Debian's OpenSMTPD (started here on a loopback port, delivering to a
# maildir this suite reads) behind a STARTTLS front with the suite's CA
# (smtp_tls.py: Debian 12's OpenSMTPD cannot do TLS with OpenSSL 3), and
# webhooks to an HTTPS receiver that checks the signature and drops
# duplicates by delivery id (notify_rx.py).  The MTA down for a while, a
# hook answering 500, cairnd killed with -9 while messages are on their
# way: every message arrives, each once.  (Sourced by suite.sh, after
# login_admin.)

N=$T/notify
# The interpreter itself, not a wrapper (pyenv's shim forks): the PIDs
# below must be the servers', for kill.
PY=$(python3 -c 'import sys; print(sys.executable)')
mkdir -p "$N/rx" "$N/maildir"
SMTP_PORT=$((PORT + 1))		# OpenSMTPD, plain, loopback only
TLS_PORT=$((PORT + 2))		# its STARTTLS front: cairnd's relay
RX_PORT=$((PORT + 3))		# the webhook receiver
SMTPD_PID= FRONT_PID= RX_PID=
notify_cleanup() {
	local p
	for p in $SMTPD_PID $FRONT_PID $RX_PID; do
		kill "$p" 2>/dev/null
	done
}
trap 'notify_cleanup; cleanup' EXIT

nq() { quietly "$@"; }
# After cairnd restarts its cluster, lib.sh's kept psql (db_query) holds a
# dead connection: a new one is started at the next query.
fresh_dbq() {
	[ -n "${DBQ_PID:-}" ] && kill "$DBQ_PID" 2>/dev/null && wait "$DBQ_PID" 2>/dev/null
	DBQ_PID=
}

# mails: every delivered message as JSON lines (notify_mail.py).
mails() {
	python3 "$HERE/notify_mail.py" "$N/maildir"
}
# mail_count JQ-FILTER: how many messages it selects.
mail_count() {
	mails | jq -s "[.[] | select($1)] | length"
}
# wait_mail SECS JQ-FILTER [N]: at least N (1) such messages arrive.
has_mail() {
	[ "$(mail_count "$1")" -ge "${2:-1}" ]
}

# OpenSMTPD: its own config, a catch-all to one maildir (delivered as
# nobody), plain text on loopback; the front does STARTTLS.
chown nobody "$N/maildir"
cat > "$N/smtpd.conf" <<CONF
table catchall { "@" = "nobody" }
listen on 127.0.0.1 port $SMTP_PORT hostname localhost
action "deliver" maildir "$N/maildir" virtual <catchall>
match from any for any action "deliver"
CONF
start_smtpd() {
	smtpd -d -f "$N/smtpd.conf" >>"$N/smtpd.log" 2>&1 &
	SMTPD_PID=$!
	local i
	for i in $(seq 1 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
stop_smtpd() {
	kill "$SMTPD_PID" 2>/dev/null
	wait "$SMTPD_PID" 2>/dev/null
	SMTPD_PID=
}

echo "== notify: the MTA and the receiver"
if ! command -v smtpd >/dev/null; then
	not_ok "notify: OpenSMTPD is installed (tests/deps.sh: opensmtpd)"
elif smtpd -n -f "$N/smtpd.conf" >/dev/null 2>&1 && start_smtpd; then
	ok "notify: OpenSMTPD runs on 127.0.0.1:$SMTP_PORT with its own config"
else
	not_ok "notify: OpenSMTPD runs with its own config" "$(cat "$N/smtpd.log")"
fi
"$PY" "$HERE/smtp_tls.py" "$TLS_PORT" "$SMTP_PORT" "$T/certs/server.pem" \
    "$T/certs/server.key" "$N/plain" >"$N/front.log" 2>&1 &
FRONT_PID=$!
"$PY" "$HERE/notify_rx.py" "$N/rx" "$RX_PORT" "$T/certs/server.pem" \
    "$T/certs/server.key" "$N/rx/secret" >"$N/rx.out" 2>&1 &
RX_PID=$!
eventually 10 test -e "$N/rx/ready" && grep -q ready "$N/front.log" ||
    not_ok "notify: the receiver and the STARTTLS front are up" "$(cat "$N"/*.log "$N/rx.out")"

# The receiver itself refuses a wrong signature (so that its checks can
# fail the suite).
expect_eq "notify: the test receiver answers 401 to a wrong signature" \
    "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/certs/ca.pem" \
    -H 'X-Cairn-Signature: sha256=00' -H 'X-Cairn-Delivery: x' \
    -d '{"kind":"x"}' "https://127.0.0.1:$RX_PORT/")" 401

echo "== notify: preferences"
nq "root team" as admin team add nroot --name 'Notify root'
nq "team nops" as admin team add nops --name Operations --parent nroot
nq "team nsec" as admin team add nsec --name Secret --parent nroot --private
quiet_user nlead member
quiet_user nmem member
quiet_user nspy member
add_member nops nlead --lead
add_member nops nmem
add_member nsec nspy --lead

# The sweep runs only when asked (notify run alerts), never by its clock
# in the middle of a check.
nq "alert_sweep_minutes 1000" as admin settings set alert_sweep_minutes 1000
expect_exit "notify show: every kind on by default, no address" 0 as nmem --json notify show
expect_eq "notify show: the defaults" \
    "$(echo "$OUT" | jq -c '.preferences | [.email, .reminders, .digest, .alerts, .mentions]')" \
    '[null,true,true,true,true]'
expect_eq "notify show: mail is off before smtp_host is set" \
    "$(echo "$OUT" | jq -c .mail)" false
refused "notify set: an address with a space is E_INVALID" 7 nmem notify set --email 'a b@c.test'
refused "notify set: an address without @ is E_INVALID" 7 nmem notify set --email nobody
refused "notify set: an address longer than 254 bytes is refused" 7 nmem \
    notify set --email "$(printf 'a%.0s' $(seq 1 250))@x.test"
expect_exit "notify set: --digest daily is a usage error" 2 as nmem notify set --digest daily
expect_exit "notify set: nothing to set is a usage error" 2 as nmem notify set
for u in nlead nmem nspy admin; do
	nq "address of $u" as $u notify set --email "$u@example.test"
done
expect_exit "notify set --alerts off" 0 as nmem --json notify set --alerts off
expect_eq "notify set: the address kept, alerts off" \
    "$(echo "$OUT" | jq -c '.preferences | [.email, .alerts, .reminders]')" \
    '["nmem@example.test",false,true]'
nq "alerts back on" as nmem notify set --alerts on
expect_exit "notify run: a member may not (E_FORBIDDEN)" 4 as nmem notify run alerts
expect_exit "notify run: an unknown schedule is E_INVALID" 7 as admin notify run weekly

echo "== notify: cairnd with a relay"
stop_server >/dev/null
cat >>"$T/cairnd.conf" <<CONF
smtp_host = 127.0.0.1
smtp_port = $TLS_PORT
smtp_from = cairn@cairn.test
outgoing_ca = $T/certs/ca.pem
CONF
if start_server "$T/cairnd-notify.log" &&
    wait_log 60 "db: [0-9]+ of [0-9]+ connections up" "$T/cairnd-notify.log"; then
	ok "notify: cairnd starts with smtp_* and outgoing_ca"
	fresh_dbq
else
	not_ok "notify: cairnd starts with smtp_* and outgoing_ca"
fi
expect_log "notify: the log says where mail goes" \
    "notify: mail through smtp://127.0.0.1:$TLS_PORT \(STARTTLS required\)" "$T/cairnd-notify.log"
expect_eq "notify show: mail is on" "$(as nmem --json notify show | jq -c .mail)" true

echo "== notify: a KPI turning red"
nq "kpi" as admin kpi add --team nops --name 'Checkout uptime' --unit % \
    --direction up --green 99 --amber 95 --owner nmem
KPI=$OUT
nq "green reading" as admin kpi record "$KPI" 99.5
nq "red reading" as admin kpi record "$KPI" 80
if eventually 20 has_mail '.to == "nlead@example.test" and (.subject | test("Checkout uptime"))'; then
	ok "notify: the KPI's team lead is mailed when it turns red"
else
	not_ok "notify: the KPI's team lead is mailed when it turns red" "$(mails; tail -5 "$N/smtpd.log"; cat "$N/front.log")"
fi
M=$(mails | jq -c 'select(.to == "nlead@example.test")' | head -1)
expect_match "notify: the subject names the KPI and its team" \
    'KPI alert: KPI [0-9]+ "Checkout uptime" turned red \(was green\) \(team nops\)' \
    "$(echo "$M" | jq -r .subject)"
expect_match "notify: the text names the team in full" \
    'Team: +nops \(Operations\)' "$(echo "$M" | jq -r .text)"
D=$(echo "$M" | jq -r .delivery)
expect_match "notify: the Message-ID is the delivery id" \
    "^<$D@cairn\.cairn\.test>\$" "$(echo "$M" | jq -r .message_id)"
expect_match "notify: the front saw STARTTLS" '^TLS TLSv1\.[23]$' "$(cat "$N/front.log")"
expect_eq "notify: the actor is not told of their own act (admin recorded)" \
    "$(mail_count '.to == "admin@example.test"')" 0
expect_eq "notify: a member who is not a lead gets no KPI alert" \
    "$(mail_count '.to == "nmem@example.test"')" 0

echo "== notify: webhooks"
refused "hook add: a member may not (E_FORBIDDEN)" 4 nmem hook add --team nops "https://127.0.0.1:$RX_PORT/h"
refused "hook add: http:// is refused" 7 admin hook add --team nops "http://127.0.0.1:$RX_PORT/h"
refused "hook add: user information in the URL is refused" 7 admin hook add --team nops "https://u:p@127.0.0.1:$RX_PORT/h"
refused "hook add: an unknown team is E_NOT_FOUND" 5 admin hook add --team nowhere "https://127.0.0.1:$RX_PORT/h"
refused "hook add: a bad kind is E_INVALID" 7 admin hook add --team nops "https://127.0.0.1:$RX_PORT/h" --kind 'Bad Kind'
refused "hook add: format xml is E_INVALID" 7 admin hook add --team nops "https://127.0.0.1:$RX_PORT/h" --format xml
refused "hook add: a URL of 2001 bytes is refused (2000 at most)" 7 admin hook add --team nops \
    "https://127.0.0.1:$RX_PORT/$(printf 'x%.0s' $(seq 1 1977))"
refused "hook add: 21 kinds are refused (20 at most)" 7 admin hook add --team nops \
    "https://127.0.0.1:$RX_PORT/h" $(for i in $(seq 1 21); do printf -- '--kind k%s ' "$(printf '%d' $i | tr 0-9 a-j)"; done)
expect_exit "hook add: the team's lead" 0 as nlead hook add --team nops "https://127.0.0.1:$RX_PORT/h"
HOOK=$(echo "$OUT" | sed -n 1p)
SECRET=$(echo "$OUT" | sed -n 2p)
expect_match "hook add prints the id, then the secret" '^[0-9]+ whsec_[0-9a-f]{64}$' "$HOOK $SECRET"
printf '%s' "$SECRET" > "$N/rx/secret"
expect_eq "hook: the secret is not in the database in the clear" \
    "$(psql_cairn -c "SELECT count(*) FROM hooks WHERE position('${SECRET#whsec_}' IN encode(secret, 'escape')) > 0 OR url LIKE '%${SECRET#whsec_}%'")" 0
expect_eq "hook list: a member sees none" "$(as nmem --json hook list | jq length)" 0
expect_eq "hook list: the lead sees it" "$(as nlead --json hook list | jq -c '[.[] | .id]')" "[$HOOK]"
expect_exit "hook test" 0 as nlead hook test "$HOOK"
rx_kept() { [ "$(grep -c " $1" "$N/rx/kept" 2>/dev/null)" -ge "${2:-1}" ]; }
if eventually 20 rx_kept hook.test; then
	ok "hook test: the receiver got it, signed (X-Cairn-Signature)"
else
	not_ok "hook test: the receiver got it" "$(cat "$N/rx/log" 2>&1; as admin hook list)"
fi
nq "green again" as admin kpi record "$KPI" 99.9
if eventually 20 rx_kept kpi.health_changed; then
	ok "hook: the team's event reaches the receiver"
else
	not_ok "hook: the team's event reaches the receiver" "$(cat "$N/rx/log" 2>&1)"
fi
expect_match "hook: the payload names the KPI" 'kpi.health_changed KPI [0-9]+ "Checkout uptime" turned green' \
    "$(cat "$N/rx/kept")"
expect_eq "hook: readings are not sent without --kind reading" \
    "$(grep -c ' reading ' "$N/rx/kept")" 0
expect_eq "hook: no request of cairnd's had a bad signature (x: the test's own)" \
    "$(grep -v '^401 x ' "$N/rx/log" | grep -c badsig)" 0
nq "slack hook" as admin hook add --team nops "https://127.0.0.1:$RX_PORT/slack" --format slack --kind kpi.health_changed
SLACK=$(echo "$OUT" | sed -n 1p)
# The receiver checks one secret: the Slack hook's messages fail its
# signature check (401) until the test gives it this secret.
nq "slack hook removed" as admin hook rm "$SLACK"
expect_eq "hook rm: gone" "$(psql_cairn -c "SELECT count(*) FROM hooks WHERE id = $SLACK")" 0

echo "== notify: a hook answering 500 for a while"
touch "$N/rx/fail"
nq "red again" as admin kpi record "$KPI" 70
if eventually 20 grep -q '^500 .* kpi.health_changed' "$N/rx/log"; then
	ok "hook: the receiver answered 500"
else
	not_ok "hook: the receiver answered 500" "$(cat "$N/rx/log")"
fi
eventually 20 sh -c "[ \$(grep -c '^500 ' '$N/rx/log') -ge 2 ]"
expect_match "hook list: the last error and the failures" \
    '"failures":[1-9][0-9]*,"last_error":"HTTP 500 from the hook"' \
    "$(as nlead --json hook list | jq -c '.[0] | {failures, last_error}')"
rm -f "$N/rx/fail"
if eventually 30 sh -c "grep -c ' kpi.health_changed .*turned red' '$N/rx/kept' | grep -qx 1"; then
	ok "hook: after the 500s the message arrives, once"
else
	not_ok "hook: after the 500s the message arrives, once" "$(cat "$N/rx/log")"
fi
expect_eq "hook list: failures back to 0 after a success" \
    "$(as nlead --json hook list | jq '.[0].failures')" 0

echo "== notify: the MTA down for a while"
stop_smtpd
before=$(mail_count '.to == "nlead@example.test"')
nq "green" as admin kpi record "$KPI" 99.9
nq "red while the MTA is down" as admin kpi record "$KPI" 60
eventually 20 sh -c "grep -q 'the MTA is down' '$N/front.log'" &&
    ok "notify: the MTA refuses while down (421)" ||
    not_ok "notify: the MTA refuses while down" "$(cat "$N/front.log")"
expect_match "notify: the outbox keeps the message with its error" \
    '^[1-9][0-9]*\|.+' "$(psql_cairn -c "SELECT tries, last_error FROM outbox WHERE channel = 'email' AND sent_at IS NULL AND dropped_at IS NULL ORDER BY id DESC LIMIT 1")"
sleep 3
start_smtpd || not_ok "notify: OpenSMTPD starts again"
if eventually 40 has_mail '.to == "nlead@example.test"' $((before + 1)); then
	ok "notify: once the MTA is back the message arrives"
else
	not_ok "notify: once the MTA is back the message arrives" "$(psql_cairn -c 'SELECT id, tries, last_error, next_try FROM outbox WHERE sent_at IS NULL')"
fi
expect_eq "notify: every delivery id arrived once" \
    "$(mails | jq -r .delivery | sort | uniq -d | wc -l)" 0

echo "== notify: STARTTLS required, the relay's certificate verified"
# A new front, so that no connection libcurl keeps from before (TLS
# already up) is reused.
touch "$N/plain"
kill "$FRONT_PID"; wait "$FRONT_PID" 2>/dev/null
"$PY" "$HERE/smtp_tls.py" "$TLS_PORT" "$SMTP_PORT" "$T/certs/server.pem" \
    "$T/certs/server.key" "$N/plain" >>"$N/front.log" 2>&1 &
FRONT_PID=$!
eventually 10 sh -c "[ \$(grep -c '^ready' '$N/front.log') -ge 2 ]"
before=$(mail_count 'true')
nq "green" as admin kpi record "$KPI" 99.9
nq "red to a relay without STARTTLS" as admin kpi record "$KPI" 61
if eventually 20 sh -c "grep -q '^plain: no STARTTLS' '$N/front.log'" &&
    eventually 20 sh -c "'$PGBIN/psql' -X -q -t -A -h '$DATA' -U cairn -d cairn -c \"SELECT last_error FROM outbox WHERE channel = 'email' AND sent_at IS NULL AND dropped_at IS NULL AND last_error IS NOT NULL\" | grep -q ."; then
	ok "STARTTLS required: a relay that does not offer it gets nothing ($(psql_cairn -c "SELECT last_error FROM outbox WHERE channel = 'email' AND sent_at IS NULL AND last_error IS NOT NULL LIMIT 1"))"
else
	not_ok "STARTTLS required: a relay without it gets nothing" "$(cat "$N/front.log")"
fi
expect_eq "STARTTLS required: nothing was delivered in clear" "$(mail_count 'true')" "$before"
rm -f "$N/plain"
# The front again, with a certificate of a CA cairnd does not trust.
kill "$FRONT_PID"; wait "$FRONT_PID" 2>/dev/null
"$PY" "$HERE/smtp_tls.py" "$TLS_PORT" "$SMTP_PORT" "$T/other/server.pem" \
    "$T/other/server.key" "$N/plain" >"$N/front-other.log" 2>&1 &
FRONT_PID=$!
if eventually 30 sh -c "'$PGBIN/psql' -X -q -t -A -h '$DATA' -U cairn -d cairn -c \"SELECT last_error FROM outbox WHERE channel = 'email' AND sent_at IS NULL AND dropped_at IS NULL\" | grep -qi 'certificate\|TLS'"; then
	ok "STARTTLS: a relay whose certificate is not trusted gets nothing"
else
	not_ok "STARTTLS: an untrusted relay gets nothing" "$(cat "$N/front-other.log"; psql_cairn -c "SELECT last_error FROM outbox WHERE sent_at IS NULL")"
fi
expect_eq "STARTTLS: nothing was delivered through the untrusted relay" "$(mail_count 'true')" "$before"
kill "$FRONT_PID"; wait "$FRONT_PID" 2>/dev/null
"$PY" "$HERE/smtp_tls.py" "$TLS_PORT" "$SMTP_PORT" "$T/certs/server.pem" \
    "$T/certs/server.key" "$N/plain" >>"$N/front.log" 2>&1 &
FRONT_PID=$!
if eventually 60 has_mail 'true' $((before + 1)); then
	ok "STARTTLS: with the trusted relay back, the message arrives"
else
	not_ok "STARTTLS: with the trusted relay back, the message arrives" "$(psql_cairn -c "SELECT id, tries, last_error, next_try FROM outbox WHERE sent_at IS NULL AND dropped_at IS NULL")"
fi

echo "== notify: the read rule at sending time"
stop_smtpd
nq "secret kpi" as admin kpi add --team nsec --name 'Vault temperature' --unit C \
    --direction down --green 10 --amber 20
SK=$OUT
nq "secret green" as admin kpi record "$SK" 5
nq "secret red" as admin kpi record "$SK" 40
expect_eq "notify: a message for the private team's lead is written" \
    "$(psql_cairn -c "SELECT count(*) FROM outbox o JOIN users u ON u.id = o.user_id WHERE u.login = 'nspy' AND o.sent_at IS NULL")" 1
nq "nspy leaves nsec" as admin team member rm nsec nspy
start_smtpd || not_ok "notify: OpenSMTPD starts again"
if eventually 40 sh -c "psql_cairn() { '$PGBIN/psql' -X -q -t -A -h '$DATA' -U cairn -d cairn \"\$@\"; }; psql_cairn -c \"SELECT last_error FROM outbox o JOIN users u ON u.id = o.user_id WHERE u.login = 'nspy' AND o.dropped_at IS NOT NULL\" | grep -q 'may not read'"; then
	ok "notify: one who may no longer read it is not sent it (dropped at sending)"
else
	not_ok "notify: one who may no longer read it is not sent it" "$(psql_cairn -c "SELECT * FROM outbox WHERE user_id = (SELECT id FROM users WHERE login = 'nspy')")"
fi
expect_eq "notify: no mail to nspy names the vault" \
    "$(mail_count '.to == "nspy@example.test"')" 0

echo "== notify: kill -9 while messages are on their way"
# A hook's messages go one at a time: the third is on its way (the
# receiver has kept it and sleeps before answering) when cairnd dies.
echo 3 > "$N/rx/slow"
for i in 1 2 3; do
	nq "hook test $i" as nlead hook test "$HOOK"
done
eventually 30 sh -c "[ \$(grep -c ' hook.test' '$N/rx/kept') -ge 4 ]" ||
    not_ok "notify: the three tests reached the receiver" "$(cat "$N/rx/log")"
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=
rm -f "$N/rx/slow"
kept_before=$(grep -c ' hook.test' "$N/rx/kept")
if start_server "$T/cairnd-notify2.log" &&
    wait_log 60 "db: [0-9]+ of [0-9]+ connections up" "$T/cairnd-notify2.log"; then
	ok "notify: cairnd restarts after kill -9"
	fresh_dbq
else
	not_ok "notify: cairnd restarts after kill -9"
fi
if eventually 60 sh -c "[ \$(grep -c '^dup .* hook.test' '$N/rx/log') -ge 1 ]"; then
	ok "notify: after the restart the message in flight is sent again (same delivery id), and dropped"
else
	not_ok "notify: after the restart the messages in flight are sent again" "$(tail "$N/rx/log")"
fi
expect_eq "notify: the receiver kept each once (duplicates dropped by id)" \
    "$(grep ' hook.test' "$N/rx/kept" | cut -d' ' -f1 | sort | uniq -d | wc -l) $(grep -c ' hook.test' "$N/rx/kept")" \
    "0 $kept_before"
expect_eq "notify: every message of the outbox is sent or dropped" \
    "$(psql_cairn -c "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND dropped_at IS NULL AND kind = 'hook.test'")" 0

echo "== notify: a hook disabled after hook_disable_after failures"
nq "hook_disable_after 2" as admin settings set hook_disable_after 2
refused "settings: reminder_day 8 is E_INVALID" 7 admin settings set reminder_day 8
touch "$N/rx/fail"
nq "hook test while failing" as nlead hook test "$HOOK"
if eventually 30 sh -c "XDG_CONFIG_HOME='$T/home-nlead' '$BIN/cairn' --json hook list | jq -e '.[0].disabled' >/dev/null"; then
	ok "hook: disabled after 2 failures in a row"
else
	not_ok "hook: disabled after 2 failures in a row" "$(as nlead hook list)"
fi
if eventually 30 has_mail '.to == "nlead@example.test" and (.subject | test("Webhook disabled"))'; then
	ok "hook: its creator is told by mail"
else
	not_ok "hook: its creator is told by mail" "$(mails | jq -c '[.to, .subject]')"
fi
rm -f "$N/rx/fail"
nq "hook test enables it again" as nlead hook test "$HOOK"
expect_eq "hook test: enabled again" "$(as nlead --json hook list | jq '.[0].disabled')" false

echo "== notify: reminders, escalation, digest, alerts"
nq "period" as admin period add nq1 --start "$(date -u -d '-60 days' +%F)" \
    --end "$(date -u -d '+30 days' +%F)"
nq "period open" as admin period open nq1
new_obj nops nq1 nmem 'Faster checkout'
OBJ=$NEW
new_kr "$OBJ" nmem increase 100 --start 0
KR=$NEW
psql_cairn -c "UPDATE key_results SET created_at = now() - interval '20 days' WHERE id = $KR" >/dev/null
expect_exit "notify run reminders" 0 as admin notify run reminders
if eventually 30 has_mail '.to == "nmem@example.test" and (.subject | test("Check-in reminder"))'; then
	ok "reminders: the owner gets their due list"
else
	not_ok "reminders: the owner gets their due list" "$(mails | jq -c '[.to, .subject]')"
fi
expect_match "reminders: the key result is named with its team" "checkin $KR \"kr increase\" \(team nops" \
    "$(mails | jq -r 'select(.to == "nmem@example.test" and (.subject | test("reminder"))) | .text')"
expect_eq "reminders: no escalation after one" "$(mail_count '.subject | test("Still due")')" 0
nq "reminders again" as admin notify run reminders
if eventually 30 has_mail '.to == "nlead@example.test" and (.subject | test("Still due"))'; then
	ok "reminders: still due after escalate_after (2): the lead is told"
else
	not_ok "reminders: still due after 2: the lead is told" "$(mails | jq -c '[.to, .subject]')"
fi
nq "reminders off" as nmem notify set --reminders off
n=$(mail_count '.to == "nmem@example.test" and (.subject | test("reminder"))')
nq "reminders a third time" as admin notify run reminders
sleep 3
expect_eq "reminders: off means none" \
    "$(mail_count '.to == "nmem@example.test" and (.subject | test("reminder"))')" "$n"

# The schedule's clock, as every cairnd's minute asks it, many at once:
# the weekly run happens once.
psql_cairn -c "UPDATE notify_runs SET last_run = now() - interval '8 days' WHERE what = 'reminders'" >/dev/null
tick_pids=
for i in $(seq 1 8); do
	psql_cairn -c "SELECT notify_tick()" >"$N/tick.$i" 2>&1 &
	tick_pids="$tick_pids $!"
done
wait $tick_pids
expect_eq "schedules: 8 clocks at once, the reminders run once" \
    "$(cat "$N"/tick.* | grep -c reminders) $(cat "$N"/tick.* | grep -vc '^reminders$\|^$')" "1 0"

expect_exit "notify run alerts" 0 as admin --json notify run alerts
expect_eq "alerts: the objective off track is written once" "$(echo "$OUT" | jq .written)" 1
if eventually 30 has_mail '.to == "nmem@example.test" and (.subject | test("Objective off track"))'; then
	ok "alerts: the owner hears their objective is off track"
else
	not_ok "alerts: the owner hears their objective is off track" "$(mails | jq -c '[.to, .subject]')"
fi
expect_exit "notify run alerts again" 0 as admin --json notify run alerts
expect_eq "alerts: nothing new, nothing written" "$(echo "$OUT" | jq .written)" 0
nq "forecast kpi" as admin kpi add --team nops --name 'Line rate' --unit u \
    --direction up --green 90 --amber 85 --frequency daily
FK=$OUT
for d in 3 2 1; do
	nq "reading -$d" as admin kpi record "$FK" $((100 - 2 * (3 - d))) --at "$(date -u -d "-$d days" +%FT%TZ)"
done
nq "reading now" as admin kpi record "$FK" 94
expect_exit "notify run alerts: a breach forecast" 0 as admin --json notify run alerts
expect_eq "alerts: the breach forecast is written" "$(echo "$OUT" | jq .written)" 1
if eventually 30 has_mail '.to == "nlead@example.test" and (.subject | test("breach forecast.*Line rate"))'; then
	ok "alerts: the lead hears of the breach forecast, the KPI named"
else
	not_ok "alerts: the lead hears of the breach forecast" "$(mails | jq -c '[.to, .subject]')"
fi

expect_exit "notify run digest" 0 as admin --json notify run digest
if eventually 30 has_mail '.to == "admin@example.test" and (.subject | test("Weekly digest"))'; then
	ok "digest: the admin gets it"
else
	not_ok "digest: the admin gets it" "$(mails | jq -c '[.to, .subject]')"
fi
M=$(mails | jq -c 'select(.to == "admin@example.test" and (.subject | test("Weekly digest")))' | head -1)
expect_eq "digest: plain text and HTML (multipart/alternative)" \
    "$(echo "$M" | jq -r '.type + " " + (.html != null | tostring)')" "multipart/alternative true"
expect_match "digest: the KPIs that changed colour" 'Checkout uptime' "$(echo "$M" | jq -r .text)"
expect_match "digest: the objective off track" 'Faster checkout' "$(echo "$M" | jq -r .html)"
expect_eq "digest: no external assets" "$(echo "$M" | jq -r .html | grep -ciE 'src=|href=|@import')" 0
expect_eq "digest: a member who leads nothing gets none" \
    "$(mail_count '.to == "nmem@example.test" and (.subject | test("digest"))')" 0
expect_eq "digest: nothing of the private team reaches the lead of nops" \
    "$(mails | jq -r 'select(.to == "nlead@example.test" and (.subject | test("digest"))) | .text' | grep -c 'Vault')" 0

echo "== notify: mentions and sign-off, by their event kinds"
# The comments' and sign-off's ops are other branches' (issue 16): their
# events are written here as those ops' describers write them, to test
# the recipients' rules against the kinds.
quiet_user nboss member
add_member nroot nboss --lead
nq "address of nboss" as nboss notify set --email nboss@example.test
new_obj nroot nq1 nboss 'Company goal'
TOP=$NEW
new_obj nops nq1 nlead 'Aligned goal' --parent "$TOP"
ALIGNED=$NEW
uid() { psql_cairn -c "SELECT id FROM users WHERE login = '$1'"; }
ev() {	# ev KIND ENTITY ID AUDIENCE TEAM OBJECTIVE USER SUMMARY
	psql_cairn -c "INSERT INTO events (kind, entity, entity_id, audience,
	    team_id, objective_id, user_id, actor_id, summary) VALUES ('$1',
	    '$2', $3, '$4', $5, $6, $7, $(uid root), '$8')" >/dev/null
}
NOPS=$(psql_cairn -c "SELECT id FROM teams WHERE slug = 'nops'")
ev comment.mention comment 1 user NULL NULL "$(uid nmem)" 'root mentioned you on objective 1'
if eventually 30 has_mail '.to == "nmem@example.test" and (.subject | test("You were mentioned"))'; then
	ok "mention: the mentioned user is mailed"
else
	not_ok "mention: the mentioned user is mailed" "$(mails | jq -c '[.to, .subject]')"
fi
expect_eq "mention: nobody else" "$(mail_count '.subject | test("mentioned")')" 1
ev signoff.requested objective "$OBJ" team "$NOPS" "$OBJ" NULL "objective $OBJ \"Faster checkout\" requested"
if eventually 30 has_mail '.to == "nboss@example.test" and (.subject | test("Sign-off requested.*Faster checkout"))'; then
	ok "sign-off: a request goes to the leads of the parent team (not aligned)"
else
	not_ok "sign-off: a request goes to the parent team's leads" "$(mails | jq -c '[.to, .subject]')"
fi
ev signoff.requested objective "$ALIGNED" team "$NOPS" "$ALIGNED" NULL "objective $ALIGNED \"Aligned goal\" requested"
if eventually 30 has_mail '.to == "nboss@example.test" and (.subject | test("Sign-off requested.*Aligned goal"))'; then
	ok "sign-off: an aligned objective's request goes to the parent objective's owner"
else
	not_ok "sign-off: an aligned objective's request goes to the parent's owner" "$(mails | jq -c '[.to, .subject]')"
fi
expect_eq "sign-off: the team's own lead is not the approver" \
    "$(mail_count '.to == "nlead@example.test" and (.subject | test("Sign-off requested"))')" 0
ev signoff.sent_back objective "$OBJ" team "$NOPS" "$OBJ" NULL "objective $OBJ \"Faster checkout\" sent back"
if eventually 30 has_mail '.to == "nmem@example.test" and (.subject | test("sent back"))'; then
	ok "sign-off: a decision goes to the objective's owner"
else
	not_ok "sign-off: a decision goes to the objective's owner" "$(mails | jq -c '[.to, .subject]')"
fi

echo "== notify: alerts and mentions are separate preferences"
# Who is written what is decided in the event's transaction (the outbox
# row is there when the insert returns, or never); the mail that does
# arrive shows the whole path.
outbox_n() {	# outbox_n LOGIN KIND: messages written for LOGIN of KIND
	psql_cairn -c "SELECT count(*) FROM outbox o JOIN users u ON
	    u.id = o.user_id WHERE u.login = '$1' AND o.kind = '$2'"
}
mentioned_n() {	# mails to LOGIN saying they were mentioned
	mail_count ".to == \"$1@example.test\" and (.subject | test(\"mentioned\"))"
}
expect_exit "notify set --alerts off (a member)" 0 as nmem --json notify set --alerts off
expect_eq "notify show: alerts off, mentions still on" \
    "$(echo "$OUT" | jq -c '.preferences | [.alerts, .mentions]')" '[false,true]'
a0=$(outbox_n nmem objective.off_track)
l0=$(outbox_n nlead objective.off_track)
ev objective.off_track objective "$OBJ" team "$NOPS" "$OBJ" NULL "objective $OBJ \"Faster checkout\" is off track"
expect_eq "alerts off: no alert is written for the owner" \
    "$(outbox_n nmem objective.off_track)" "$a0"
expect_eq "... while the lead, alerts on, gets theirs" \
    "$(outbox_n nlead objective.off_track)" "$((l0 + 1))"
m0=$(mentioned_n nmem)
expect_exit "a lead mentions the member in a comment" 0 as nlead comment add \
    obj "$OBJ" "@nmem the checkout numbers, please"
if eventually 30 has_mail ".to == \"nmem@example.test\" and (.subject | test(\"mentioned\"))" $((m0 + 1)); then
	ok "alerts off: the mention still arrives by mail"
else
	not_ok "alerts off: the mention still arrives by mail" "$(mails | jq -c '[.to, .subject]')"
fi
expect_exit "notify set --mentions off --alerts on" 0 as nmem --json notify set --mentions off --alerts on
expect_eq "notify show: mentions off, alerts on" \
    "$(echo "$OUT" | jq -c '.preferences | [.alerts, .mentions]')" '[true,false]'
expect_exit "notify set: --mentions maybe is a usage error" 2 as nmem notify set --mentions maybe
w0=$(outbox_n nmem comment.mention)
b0=$(mentioned_n nboss)
expect_exit "a lead mentions the member and the boss" 0 as nlead comment add \
    obj "$OBJ" "@nmem @nboss once more"
expect_eq "mentions off: no mention is written for the member" \
    "$(outbox_n nmem comment.mention)" "$w0"
if eventually 30 has_mail ".to == \"nboss@example.test\" and (.subject | test(\"mentioned\"))" $((b0 + 1)); then
	ok "... the boss's mention of the same comment arrives"
else
	not_ok "... the boss's mention of the same comment arrives" "$(mails | jq -c '[.to, .subject]')"
fi
expect_eq "mentions off: no mention mail reached the member" "$(mentioned_n nmem)" "$((m0 + 1))"
a1=$(outbox_n nmem objective.off_track)
ev objective.off_track objective "$OBJ" team "$NOPS" "$OBJ" NULL "objective $OBJ \"Faster checkout\" is off track"
expect_eq "mentions off, alerts on: the alert is written" \
    "$(outbox_n nmem objective.off_track)" "$((a1 + 1))"
nq "nboss: mentions off" as nboss notify set --mentions off
r0=$(outbox_n nboss signoff.requested)
ev signoff.requested objective "$OBJ" team "$NOPS" "$OBJ" NULL "objective $OBJ \"Faster checkout\" requested"
expect_eq "mentions off: a sign-off request to the approver is not written" \
    "$(outbox_n nboss signoff.requested)" "$r0"
nq "nboss: mentions back on" as nboss notify set --mentions on
ev signoff.requested objective "$OBJ" team "$NOPS" "$OBJ" NULL "objective $OBJ \"Faster checkout\" requested"
expect_eq "... and with mentions on again it is" \
    "$(outbox_n nboss signoff.requested)" "$((r0 + 1))"
# Waiting already when turned off: dropped at sending, not sent.  (The
# event and its message are written, and the message held back, in one
# transaction, so that the sender cannot take it before the change.)
nq "nmem: mentions on" as nmem notify set --mentions on
HELD=$(psql_cairn -c "BEGIN;
    INSERT INTO events (kind, entity, entity_id, audience, user_id,
    actor_id, summary) VALUES ('comment.mention', 'comment', 1, 'user',
    $(uid nmem), $(uid root), 'root mentioned you on objective 1');
    UPDATE outbox SET next_try = now() + interval '1 hour' WHERE user_id =
    $(uid nmem) AND event_id = (SELECT max(id) FROM events) RETURNING id;
    COMMIT" | grep -E '^[0-9]+$')
expect_match "a mention is written, held back" '^[0-9]+$' "$HELD"
nq "nmem: mentions off while it waits" as nmem notify set --mentions off
psql_cairn -c "UPDATE outbox SET next_try = now() WHERE id = ${HELD:-0}" >/dev/null
dropped_off() {
	[ "$(psql_cairn -c "SELECT count(*) FROM outbox WHERE id =
	    ${HELD:-0} AND sent_at IS NULL AND dropped_at IS NOT NULL AND
	    last_error LIKE '%turned it off%'")" = 1 ]
}
if eventually 30 dropped_off; then
	ok "a mention written before mentions were turned off is dropped at sending"
else
	not_ok "a mention written before mentions were turned off is dropped at sending" \
	    "$(psql_cairn -c "SELECT kind, sent_at, dropped_at, last_error FROM outbox WHERE id = ${HELD:-0}")"
fi
nq "nmem: mentions back on" as nmem notify set --mentions on

echo "== notify: rotating secret_key re-seals the hooks' secrets"
stop_server >/dev/null
make_secret_key "$N/secret2.key"
cat >>"$T/cairnd.conf" <<CONF
secret_key = $N/secret2.key
secret_key_previous = $T/certs/secret.key
CONF
if start_server "$T/cairnd-notify3.log" &&
    wait_log 60 "db: [0-9]+ of [0-9]+ connections up" "$T/cairnd-notify3.log"; then
	fresh_dbq
	expect_log "rotation: the hook's secret re-sealed with the new key" \
	    "secrets: [1-9][0-9]* re-sealed with the current key, 0 could not" "$T/cairnd-notify3.log"
else
	not_ok "rotation: cairnd starts with the new key"
fi
t=$(grep -c '^200 .* hook.test' "$N/rx/log")
expect_exit "rotation: hook test after the rotation" 0 as nlead hook test "$HOOK"
if eventually 20 sh -c "[ \$(grep -c '^200 .* hook.test' '$N/rx/log') -gt $t ]"; then
	ok "rotation: the hook still signs with its secret (the receiver took it)"
else
	not_ok "rotation: the hook still signs with its secret" "$(tail -3 "$N/rx/log")"
fi
expect_eq "rotation: no request of cairnd's had a bad signature" \
    "$(grep -v '^401 x ' "$N/rx/log" | grep -c badsig)" 0

echo "== notify: two cairnd over one database"
ADDR2=127.0.0.1:$((PORT + 4))
sed -e "s|^listen = .*|listen = $ADDR2|" -e "/^data_dir = /d" \
    "$T/cairnd.conf" > "$T/cairnd-n2.conf"
"$BIN/cairnd" --config "$T/cairnd-n2.conf" \
    --db "host=$DATA user=cairn dbname=cairn" >"$T/cairnd-n2.log" 2>&1 &
PID2=$!
wait_log 60 "db: [0-9]+ of [0-9]+ connections up" "$T/cairnd-n2.log" ||
    not_ok "setup: the second cairnd" "$(tail -5 "$T/cairnd-n2.log")"
t=$(grep -c ' hook.test' "$N/rx/kept")
d0=$(grep -c '^dup ' "$N/rx/log")
# nlead's second session, on the second cairnd.
quietly "login nlead on the second cairnd" sh -c "echo pw-nlead-goals |
    XDG_CONFIG_HOME=$T/home-nlead2 CAIRN_SERVER=$ADDR2 $BIN/cairn login nlead --password-stdin"
for i in $(seq 1 30); do
	if [ $((i % 2)) = 0 ]; then
		XDG_CONFIG_HOME=$T/home-nlead2 CAIRN_SERVER=$ADDR2 "$BIN/cairn" \
		    hook test "$HOOK" >/dev/null 2>"$T/stderr"
	else
		as nlead hook test "$HOOK" >/dev/null 2>"$T/stderr"
	fi || not_ok "setup: hook test $i" "$(< "$T/stderr")"
done
if eventually 60 sh -c "[ \$(grep -c ' hook.test' '$N/rx/kept') -ge $((t + 30)) ]"; then
	ok "two cairnd: 30 messages arrive"
else
	not_ok "two cairnd: 30 messages arrive" "$(tail -3 "$N/rx/log")"
fi
sleep 2
expect_eq "two cairnd: each kept once, none sent twice (no dup at the receiver)" \
    "$(grep ' hook.test' "$N/rx/kept" | cut -d' ' -f1 | sort | uniq -d | wc -l) $(grep -c '^dup ' "$N/rx/log")" \
    "0 $d0"
sent1=$(grep -c "notify: message .* (hook $HOOK) sent" "$T/cairnd-notify3.log")
sent2=$(grep -c "notify: message .* (hook $HOOK) sent" "$T/cairnd-n2.log")
echo "# messages sent: $sent1 by the first cairnd, $sent2 by the second"
expect_eq "two cairnd: every message sent by one of them (ids in the logs once)" \
    "$(grep -ho "notify: message [0-9]* (hook $HOOK) sent" "$T/cairnd-notify3.log" "$T/cairnd-n2.log" | sort | uniq -d | wc -l)" 0
kill -TERM "$PID2" && wait "$PID2"

expect_eq "notify: every delivery id arrived once, in the end" \
    "$(mails | jq -r .delivery | sort | uniq -d | wc -l)" 0
notify_cleanup
SMTPD_PID= FRONT_PID= RX_PID=
