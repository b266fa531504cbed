# tokens.sh: API tokens for scripts (issue 15; sourced by suite.sh, after
# login_admin: uses lib.sh's as(), mkuser, quietly).  Each rule seen
# refusing and working: printed once and never listed; the read scope
# reads and writes nothing; kpi.record records only its KPIs and only
# what the owner may; kr.checkin; expiry; removal and the owner's
# disabling at once on an open connection; a token makes no token;
# malformed and bad tokens, throttled per address; the text never in the
# log or the database; CAIRN_TOKEN with no session file, --token-file
# refused when others may read it; the source of readings, check-ins and
# audit entries (user, token:NAME, import).

tq() {	# tq SQL: one value from the database
	psql_cairn -c "$1"
}

tk() {	# tk TOKEN cairn-args...: cairn with an API token and no session
	local tok=$1
	shift
	CAIRN_TOKEN=$tok HOME=$T/tk-home XDG_CONFIG_HOME=$T/tk-home/.config \
	    "$BIN/cairn" "$@"
}
mkdir -p "$T/tk-home"

# A raw connection: session.token, an op, then CMD (a shell line), then
# the op again; prints the two replies' "ok" and the second's code.
tk_raw() {	# tk_raw TOKEN OP CMD
	(cd "$HERE" && python3 - "$ADDR" "$CAIRN_CA" "$1" "$2" "$3" <<'PY'
import subprocess, sys
from rawconn import Raw
addr, ca, tok, op, cmd = sys.argv[1:6]
r = Raw(addr, ca, 'tokens.sh')
a = r.call('session.token', {'token': tok})
b = r.call(op, {})
subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
c = r.call(op, {})
print(a.get('ok'), b.get('ok'), c.get('ok'), (c.get('error') or {}).get('code'))
PY
	)
}

# Fixtures: a team with a member, an objective with a key result, two KPIs
# of the team and one of another team the member may read, not record.
root_team=$(tq "SELECT slug FROM teams WHERE parent_id IS NULL")
if [ -z "$root_team" ]; then
	quietly "tokens: root team" as admin team add tokroot --name Root
	root_team=tokroot
fi
quietly "tokens: team" as admin team add tok --name Tokens --parent "$root_team"
quietly "tokens: other team" as admin team add tokoth --name Other --parent "$root_team"
quietly "tokens: period" as admin period add tokp --start "$(date -u -d '-30 days' +%Y-%m-%d)" --end "$(date -u -d '+60 days' +%Y-%m-%d)"
quietly "tokens: period open" as admin period open tokp
mkuser tmem member
quietly "tokens: tmem in tok" as admin team member add tok tmem
quietly "tokens: objective" as admin obj add --team tok --period tokp --owner tmem --title "Scripted"
TO=$OUT
quietly "tokens: key result" as admin kr add "$TO" --title "kr" --type increase --target 100 --owner tmem
TKR=$OUT
quietly "tokens: KPI 1" as admin kpi add --team tok --name "tok one" --unit n --direction up --green 10 --amber 5
TP1=$OUT
quietly "tokens: KPI 2" as admin kpi add --team tok --name "tok two" --unit n --direction up --green 10 --amber 5
TP2=$OUT
quietly "tokens: KPI of another team" as admin kpi add --team tokoth --name "tok other" --unit n --direction up --green 10 --amber 5
TP3=$OUT

# token add prints once ------------------------------------------------------
expect_exit "tokens: add needs a scope (usage, exit 2)" 2 as tmem token add ci
expect_exit "tokens: an unknown scope is refused (exit 7)" 7 as tmem token add ci --scope write
expect_exit "tokens: a bad name is refused" 7 as tmem token add "CI job" --scope read
expect_exit "tokens: --expires below 1h is refused" 2 as tmem token add ci --scope read --expires 30m
expect_exit "tokens: --expires above 2y is refused" 2 as tmem token add ci --scope read --expires 3y
expect_exit "tokens: --kpi without the kpi.record scope is refused" 7 as tmem token add ci --scope read --kpi "$TP1"
expect_exit "tokens: token add (read)" 0 as tmem token add reader --scope read
RD=$OUT
expect_match "... prints the token alone on stdout, cairn_ and 64 hex" '^cairn_[0-9a-f]{64}$' "$RD"
expect_match "... says on stderr it is not shown again" "reader \\(read\\), expires [0-9-]{10}T.*not shown again" "$ERR"
expect_exit "tokens: token add (kpi.record of KPIs 1 and 3, 30 days)" 0 as tmem token add feeder --scope kpi.record --kpi "$TP1" --kpi "$TP3" --expires 30d
FD=$OUT
expect_exit "tokens: token add (kr.checkin and read)" 0 as tmem --json token add ci --scope kr.checkin --scope read
CI=$(jqr .token <<< "$OUT")
expect_match "... --json: the token and its scopes" '"scopes":\["read","kr.checkin"\]' "$OUT"
expect_exit "tokens: a second token of the same name (E_CONFLICT)" 6 as tmem token add ci --scope read
expect_exit "tokens: token list" 0 as tmem token list
expect_match "... lists the three" "^NAME.*SCOPES" "$OUT"
expect_match "... with their scopes" "feeder +kpi.record +$TP1, $TP3" "$OUT"
expect_exit "tokens: token list --json" 0 as tmem --json token list
if grep -q "cairn_" <<< "$OUT$(as tmem token list 2>&1)"; then
	not_ok "... never shows a token's text" "$OUT"
else
	ok "... never shows a token's text"
fi
expect_eq "... default expiry 90 days" \
    "$(tq "SELECT round(extract(epoch FROM expires_at - created_at) / 86400) FROM api_tokens WHERE name = 'reader'")" "90"
expect_exit "tokens: a member may not list another's tokens" 4 as tmem token list --user root
expect_exit "tokens: an admin may" 0 as admin token list --user tmem
expect_match "... seeing them" "reader" "$OUT"
expect_eq "tokens: stored as the SHA-256 of its bytes" \
    "$(tq "SELECT encode(token_hash, 'hex') FROM api_tokens WHERE name = 'reader'")" \
    "$(printf '%s' "${RD#cairn_}" | xxd -r -p | sha256sum | cut -d' ' -f1)"
expect_eq "tokens: token add is audited" "$(tq "SELECT count(*) FROM audit_log WHERE op = 'token.add' AND after->>'name' IN ('reader', 'feeder', 'ci')")" 3

# CAIRN_TOKEN instead of a session --------------------------------------------
expect_exit "tokens: CAIRN_TOKEN=... cairn whoami, with no session file" 0 tk "$RD" whoami
expect_match "... acts as its owner" "^tmem " "$OUT"
expect_exit "tokens: read scope: kpi list" 0 tk "$RD" kpi list
expect_match "... shows the team's KPIs" "tok one" "$OUT"
expect_exit "tokens: read scope: kr history" 0 tk "$RD" kr history "$TKR"
expect_exit "tokens: read scope may not record (E_FORBIDDEN, exit 4)" 4 tk "$RD" kpi record "$TP1" 5
expect_match "... naming its scopes and the op" "this token's scopes \\(read\\) do not allow kpi.record" "$ERR"
expect_exit "tokens: read scope may not check in" 4 tk "$RD" kr checkin "$TKR" 5
expect_exit "tokens: read scope may not create" 4 tk "$RD" obj add --team tok --period tokp --owner tmem --title "No"
expect_exit "tokens: a token may not make tokens" 4 tk "$RD" token add more --scope read
expect_exit "... nor list them" 4 tk "$RD" token list
expect_exit "... nor remove them" 4 tk "$RD" token rm reader
expect_eq "tokens: no session file written" "$(find "$T/tk-home" -type f | wc -l)" 0

# kpi.record: its KPIs, and only what the owner may record
expect_exit "tokens: CAIRN_TOKEN=... cairn kpi record (a listed KPI)" 0 tk "$FD" kpi record "$TP1" 97.2
expect_exit "tokens: another KPI is refused (exit 4)" 4 tk "$FD" kpi record "$TP2" 5
expect_match "... naming the KPI" "may not record KPI $TP2" "$ERR"
expect_exit "tokens: a listed KPI the owner may not record is refused" 4 tk "$FD" kpi record "$TP3" 5
expect_match "... by the owner's permission" "you may not" "$ERR"
printf 'kpi,value,at,note\n%s,1,,\n%s,2,,\n' "$TP1" "$TP2" > "$T/tk-batch.csv"
expect_exit "tokens: a batch with one KPI not listed is refused whole" 4 tk "$FD" kpi import "$T/tk-batch.csv"
expect_eq "... recording nothing" "$(tq "SELECT count(*) FROM kpi_readings WHERE kpi_id IN ($TP1, $TP2)")" 1
expect_exit "tokens: kpi.record scope may not read" 4 tk "$FD" kpi list
expect_exit "tokens: kpi.record scope may not check in" 4 tk "$FD" kr checkin "$TKR" 5
# kr.checkin
expect_exit "tokens: kr.checkin scope checks in" 0 tk "$CI" kr checkin "$TKR" 40
expect_exit "tokens: kr.checkin scope may not record" 4 tk "$CI" kpi record "$TP1" 5
expect_exit "tokens: kr.checkin scope may not edit the key result" 4 tk "$CI" kr edit "$TKR" --title "No"
# The owner's write budgets: the token's check-in takes from tmem's bucket.
b0=$(tq "SELECT b.at FROM budgets b JOIN users u ON u.id = b.user_id WHERE u.login = 'tmem' AND b.name = 'writes'")
quietly "tokens: a check-in through the token" tk "$CI" kr checkin "$TKR" 39
expect_eq "tokens: a token's write is charged to its owner's budget.writes" \
    "$(tq "SELECT b.at > '$b0' FROM budgets b JOIN users u ON u.id = b.user_id WHERE u.login = 'tmem' AND b.name = 'writes'")" "t"
rd0=$(tq "SELECT b.at FROM budgets b JOIN users u ON u.id = b.user_id WHERE u.login = 'tmem' AND b.name = 'readings'")
quietly "tokens: a reading through the token" tk "$FD" kpi record "$TP1" 7
expect_eq "... and its reading to the owner's budget.readings" \
    "$(tq "SELECT b.at > '$rd0' FROM budgets b JOIN users u ON u.id = b.user_id WHERE u.login = 'tmem' AND b.name = 'readings'")" "t"
quietly "tokens: a check-in only token" as tmem token add ckonly --scope kr.checkin
CK=$OUT
expect_exit "tokens: a kr.checkin-only token checks in" 0 tk "$CK" kr checkin "$TKR" 41
expect_exit "tokens: ... and reads nothing" 4 tk "$CK" kr history "$TKR"
printf 'kpi,value,at,note\n%s,3,,by csv\n' "$TP1" > "$T/tk-one.csv"
expect_exit "tokens: kpi import (CSV) with the kpi.record token" 0 tk "$FD" kpi import "$T/tk-one.csv"

# The source of each reading and check-in
quietly "tokens: a reading by hand" as tmem kpi record "$TP1" 12
quietly "tokens: a check-in by hand" as tmem kr checkin "$TKR" 50
expect_exit "tokens: kpi history" 0 as tmem kpi history "$TP1"
expect_match "... has a VIA column" "AUTHOR +VIA" "$OUT"
expect_match "... the token's reading: token:feeder" "97.2 .*tmem +token:feeder" "$OUT"
expect_match "... the hand's: user" "12 .*tmem +user" "$OUT"
expect_exit "tokens: kr history" 0 as tmem kr history "$TKR"
expect_match "... the token's check-in: token:ci" "40 .*tmem +token:ci" "$OUT"
expect_match "... the hand's: user" "50 .*tmem +user" "$OUT"
expect_exit "tokens: kpi history --json" 0 as tmem --json kpi history "$TP1"
expect_match "... with via" '"via":"token:feeder"' "$OUT"
expect_exit "tokens: audit --json" 0 as admin --json audit --limit 20
expect_match "tokens: audit.list shows the check-in's via" '"via":"token:ci","op":"kr.checkin"' "$OUT"
expect_match "... and user for the others" '"via":"user","op":"kr.checkin"' "$OUT"
expect_exit "tokens: audit shows a VIA column" 0 as admin audit --limit 3
expect_match "... titled" "USER +VIA +OP" "$OUT"

# --token-file ----------------------------------------------------------------
printf '%s\n' "$RD" > "$T/tk-file"
chmod 644 "$T/tk-file"
expect_exit "tokens: --token-file readable by others is refused" 1 \
    env HOME="$T/tk-home" XDG_CONFIG_HOME="$T/tk-home/.config" "$BIN/cairn" --token-file "$T/tk-file" whoami
expect_match "... saying why" "permissions 0644 .* too open" "$ERR"
chmod 600 "$T/tk-file"
expect_exit "tokens: --token-file of mode 0600 works" 0 \
    env HOME="$T/tk-home" XDG_CONFIG_HOME="$T/tk-home/.config" "$BIN/cairn" --token-file "$T/tk-file" kpi history "$TP1"
expect_exit "tokens: without a token nor a session: not logged in (exit 3)" 3 \
    env HOME="$T/tk-home" XDG_CONFIG_HOME="$T/tk-home/.config" "$BIN/cairn" whoami

# Expiry, removal, disabling ---------------------------------------------------
quietly "tokens: a token to expire" as tmem token add short --scope read --expires 1h
SH=$OUT
expect_exit "tokens: it works before it expires" 0 tk "$SH" whoami
tq "UPDATE api_tokens SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 second' WHERE name = 'short'" >/dev/null
expect_exit "tokens: an expired token is refused (E_AUTH, exit 3)" 3 tk "$SH" whoami
expect_match "... as any bad token" "invalid or expired token" "$ERR"
expect_exit "tokens: token list marks it expired" 0 as tmem token list
expect_match "... expired: yes" "short .* yes" "$OUT"
sleep 3		# the failure's count goes (login_lockout = 3)

out=$(tk_raw "$RD" kpi.list "XDG_CONFIG_HOME=$T/home-tmem $BIN/cairn token rm reader")
expect_eq "tokens: token rm holds at once on an open connection" "$out" "True True False E_AUTH"
expect_eq "... deleted" "$(tq "SELECT count(*) FROM api_tokens WHERE name = 'reader'")" 0
expect_eq "... audited" "$(tq "SELECT count(*) FROM audit_log WHERE op = 'token.remove' AND before->>'name' = 'reader'")" 1
expect_exit "tokens: removing it again (E_NOT_FOUND)" 5 as tmem token rm reader
expect_exit "tokens: a member may not remove another's token" 4 as tmem token rm x --user root
expect_exit "tokens: an admin removes a member's token" 0 as admin token rm ckonly --user tmem
expect_eq "... which is gone" "$(tq "SELECT count(*) FROM api_tokens WHERE name = 'ckonly'")" 0
expect_exit "tokens: a removed token is refused" 3 tk "$RD" whoami
sleep 3

quietly "tokens: a token for the disabling" as tmem token add dis --scope read
DS=$OUT
out=$(tk_raw "$DS" session.whoami "XDG_CONFIG_HOME=$T/home-admin $BIN/cairn user disable tmem")
expect_eq "tokens: disabling the owner holds at once on an open connection" "$out" "True True False E_AUTH"
expect_exit "tokens: ... and refuses a new one" 3 tk "$CI" whoami
quietly "tokens: tmem enabled again" as admin user enable tmem
expect_exit "tokens: enabled again, the token works" 0 tk "$CI" kr history "$TKR"
quietly "tokens: tmem logs in again (disabling ended its sessions)" sh -c "echo 'pw-tmem-goals' |
    XDG_CONFIG_HOME=$T/home-tmem $BIN/cairn login tmem --password-stdin"

# The token's text never in the log or the database ----------------------------
if grep -qF "${FD#cairn_}" "$T/cairnd.log" || grep -qF "${CI#cairn_}" "$T/cairnd.log"; then
	not_ok "tokens: no token's text in the server log"
else
	ok "tokens: no token's text in the server log"
fi
expect_match "... which names the token's connections" "connected with token:feeder" "$(< "$T/cairnd.log")"
"$PGBIN/pg_dump" -h "$DATA" -U cairn --data-only cairn > "$T/tk-dump.sql" 2>/dev/null
if grep -qF "${FD#cairn_}" "$T/tk-dump.sql" || grep -qF "${CI#cairn_}" "$T/tk-dump.sql"; then
	not_ok "tokens: no token's text in the database"
else
	ok "tokens: no token's text in the database"
fi

# An import's readings and check-ins ---------------------------------------------
quietly "tokens: export the period" as admin export --period tokp --out "$T/tk-x.json"
jq '.period.name = "tokp2" | .readings |= map(.value += 1000)' "$T/tk-x.json" > "$T/tk-y.json" 2>"$T/stderr" ||
    not_ok "setup: tokens: the export rewritten" "$(< "$T/stderr")"
expect_exit "tokens: an import" 0 as admin import "$T/tk-y.json"
expect_exit "tokens: kpi history after the import" 0 as tmem kpi history "$TP1"
expect_match "... its readings: import" "1097.2 .* import" "$OUT"
ikr=$(tq "SELECT k.id FROM key_results k JOIN objectives o ON o.id = k.objective_id JOIN periods p ON p.id = o.period_id WHERE p.name = 'tokp2' LIMIT 1")
expect_exit "tokens: kr history of an imported key result" 0 as admin kr history "$ikr"
expect_match "... its check-ins: import" "40 .* import" "$OUT"
expect_exit "tokens: audit after the import" 0 as admin --json audit --limit 5
expect_match "... the import's entry: via import" '"via":"import","op":"import"' "$OUT"

# Malformed and bad tokens, throttled per address ---------------------------------
expect_exit "tokens: a malformed token is refused (exit 3)" 3 tk "not-a-token" whoami
expect_match "... in the words of any bad token" "invalid or expired token" "$ERR"
sleep 3
bad=cairn_$(printf '%064d' 0)
n=0
while [ $n -lt 8 ]; do
	tk "$bad" whoami >/dev/null 2>"$T/stderr"
	rc=$?
	[ $rc = 7 ] && break
	n=$((n + 1))
done
expect_eq "tokens: bad tokens from one address are locked out (E_LIMIT) after login_max_failures" "$n" 4
expect_match "... saying so" "too many failed token attempts: try again in" "$(< "$T/stderr")"
expect_exit "tokens: ... even a good token from there, for a while" 7 tk "$CI" whoami
sleep 4
expect_exit "tokens: after the lock-out, a good token works" 0 tk "$CI" whoami
