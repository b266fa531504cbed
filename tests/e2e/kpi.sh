# kpi.sh: KPIs, their readings and health, bulk import, key results bound
# to KPIs, and who may do what, through the real cairn command line
# (sourced by suite.sh, after login_admin: uses lib.sh's `as` and the admin
# session it left in home-admin; makes its own users, teams and periods,
# so that it runs with or without goals.sh before it).

# Helpers ------------------------------------------------------------------

k_readings() {	# k_readings [KPI]: how many readings (of KPI) are stored
	if [ -n "${1:-}" ]; then
		psql_cairn -c "SELECT count(*) FROM kpi_readings WHERE kpi_id = $1"
	else
		psql_cairn -c "SELECT count(*) FROM kpi_readings"
	fi
}

k_field() {	# k_field KPI FIELD [WHO]: a top-level field of kpi show --json
	as "${3:-admin}" --json kpi show "$1" 2>/dev/null | json_field "$2"
}

k_latest() {	# k_latest KPI: latest.value
	as admin --json kpi show "$1" 2>/dev/null | jqr '.latest.value // empty'
}

k_health() {	# k_health NAME KPI WANT
	expect_eq "$1" "$(k_field "$2" health)" "$3"
}

k_rec() {	# k_rec KPI VALUE [args]: record as admin, quietly
	local kpi=$1 v=$2
	shift 2
	quietly "record $v on $kpi" as admin kpi record "$kpi" "$v" "$@"
}

k_new() {	# k_new NAME TEAM DIRECTION GREEN AMBER [args]: id in $NEW
	local name=$1 team=$2 dir=$3 g=$4 a=$5
	shift 5
	NEW=
	quietly "kpi $name" as admin kpi add --team "$team" --name "$name" \
	    --unit '%' --direction "$dir" --green "$g" --amber "$a" "$@" &&
	    NEW=$OUT
}

k_kr_field() {	# k_kr_field KR FIELD
	as admin --json kr show "$1" 2>/dev/null | json_field "$2"
}

k_ago() {	# k_ago SPEC: an ISO 8601 UTC time, e.g. k_ago '-3 days'
	date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ
}

# Setup ----------------------------------------------------------------------

# kroot (the root team, or under the existing one)
# `-- kdiv         lead kanc
#     |-- kops     lead klead, member kmem
#     |   `-- ksec private: lead kslead, member ksmem
#     `-- kapp     lead kalead
# kown owns a KPI of kops without being in any team; kout is in none.
for u in kanc klead kmem kslead ksmem kalead kown kout; do
	quietly "user $u" sh -c "echo 'pw-$u-kpi' |
	    XDG_CONFIG_HOME=$T/home-admin $BIN/cairn user add $u --name 'K $u' \
	    --password-stdin" &&
	quietly "login $u" sh -c "echo 'pw-$u-kpi' |
	    XDG_CONFIG_HOME=$T/home-$u $BIN/cairn login $u --password-stdin"
done
KROOT=$(psql_cairn -c "SELECT slug FROM teams WHERE parent_id IS NULL")
if [ -z "$KROOT" ]; then
	quietly "root team" as admin team add kroot --name 'KPI root'
	KROOT=kroot
fi
quietly "team kdiv" as admin team add kdiv --name Division --parent "$KROOT"
quietly "team kops" as admin team add kops --name Operations --parent kdiv
quietly "team kapp" as admin team add kapp --name Apps --parent kdiv
quietly "team ksec" as admin team add ksec --name Secret --parent kops --private
quietly "kanc leads kdiv" as admin team member add kdiv kanc --lead
quietly "klead leads kops" as admin team member add kops klead --lead
quietly "kmem in kops" as admin team member add kops kmem
quietly "kslead leads ksec" as admin team member add ksec kslead --lead
quietly "ksmem in ksec" as admin team member add ksec ksmem
quietly "kalead leads kapp" as admin team member add kapp kalead --lead
quietly "max_objectives" as admin settings set max_objectives 1000
quietly "max_key_results" as admin settings set max_key_results 50

# Creating, and who may ----------------------------------------------------

expect_exit "kpi add: admin" 0 as admin --json kpi add --team kops \
    --name 'On-time delivery' --unit % --direction up --green 95 --amber 90 \
    --description 'orders shipped on the promised day'
OTD=$(echo "$OUT" | json_field id)
expect_match "kpi add --json: the KPI" '"direction":"up","green":95,"amber":90,"green_high":null,"amber_high":null,"frequency":"weekly"' "$OUT"
expect_match "a new KPI has no latest reading and health none" '"latest":null,"health":"none","stale":true' "$OUT"
expect_match "its owner defaults to its creator" '"owner":"root"' "$OUT"
expect_exit "kpi add: the team's lead (prints the id)" 0 as klead kpi add \
    --team kops --name 'Stock cover' --unit days --direction range \
    --green 10 --amber 5 --green-high 20 --amber-high 30 --frequency daily
expect_match "kpi add prints the id" '^[0-9]+$' "$OUT"
COVER=$OUT
expect_exit "kpi add: a lead of an ancestor team" 0 as kanc kpi add \
    --team kops --name 'Defects' --unit ppm --direction down --green 50 \
    --amber 100 --owner kown --breach-after 2
DEFECTS=$OUT
expect_eq "--owner sets the owner" "$(k_field "$DEFECTS" owner)" "kown"
expect_eq "--breach-after is kept" "$(k_field "$DEFECTS" breach_after)" "2"
n0=$(psql_cairn -c "SELECT count(*) FROM kpis")
expect_exit "kpi add: a member is refused" 4 as kmem kpi add --team kops \
    --name x --unit % --direction up --green 1 --amber 0
expect_exit "kpi add: an outsider is refused" 4 as kout kpi add \
    --team kops --name x --unit % --direction up --green 1 --amber 0
expect_exit "kpi add: the lead of a sibling team is refused" 4 as kalead \
    kpi add --team kops --name x --unit % --direction up --green 1 --amber 0
expect_exit "kpi add: a private team is not found for an outsider" 5 as \
    kout kpi add --team ksec --name x --unit % --direction up --green 1 \
    --amber 0
expect_exit "kpi add: an unknown team" 5 as admin kpi add --team nosuch \
    --name x --unit % --direction up --green 1 --amber 0
expect_exit "kpi add: an unknown owner" 5 as admin --json kpi add \
    --team kops --name x --unit % --direction up --green 1 --amber 0 \
    --owner nosuchuser
expect_match "... names owner" '"field":"owner"' "$ERR"
expect_eq "refused creations stored nothing" "$(psql_cairn -c "SELECT count(*) FROM kpis")" "$n0"
expect_exit "kpi add: the private team's lead" 0 as kslead kpi add \
    --team ksec --name 'Incidents' --unit n --direction down --green 0 \
    --amber 2
SECRET=$OUT

# Thresholds the wrong way round, and every limit ---------------------------

k_bad() {	# k_bad NAME FIELD CODE kpi-add-args...: refused, naming FIELD
	local name=$1 field=$2 code=$3 before
	shift 3
	before=$(psql_cairn -c "SELECT count(*) FROM kpis")
	case " $* " in *" --name "*) ;; *) set -- --name bad "$@" ;; esac
	case " $* " in *" --unit "*) ;; *) set -- --unit u "$@" ;; esac
	expect_exit "$name" "$code" as admin --json kpi add --team kops "$@"
	expect_match "$name: names $field" "\"field\":\"$field\"" "$ERR"
	expect_eq "$name: nothing stored" "$(psql_cairn -c "SELECT count(*) FROM kpis")" "$before"
}
k_bad "up with amber above green" amber 7 --direction up --green 90 --amber 95
k_bad "down with amber below green" amber 7 --direction down --green 5 --amber 2
k_bad "range with amber above green" amber 7 --direction range --green 2 \
    --amber 3 --green-high 6 --amber-high 8
k_bad "range with green_high below green" green_high 7 --direction range \
    --green 6 --amber 1 --green-high 5 --amber-high 8
k_bad "range with amber_high below green_high" amber_high 7 --direction \
    range --green 2 --amber 1 --green-high 6 --amber-high 5
k_bad "range without its high thresholds" green_high 7 --direction range \
    --green 2 --amber 1
k_bad "range with only green_high" amber_high 7 --direction range --green 2 \
    --amber 1 --green-high 6
k_bad "high thresholds for up" green_high 7 --direction up --green 2 \
    --amber 1 --green-high 6 --amber-high 8
k_bad "an unknown direction" direction 7 --direction sideways --green 1 --amber 0
k_bad "an unknown frequency" frequency 7 --direction up --green 1 --amber 0 \
    --frequency hourly
k_bad "breach_after 0" breach_after 7 --direction up --green 1 --amber 0 \
    --breach-after 0
k_bad "breach_after 101" breach_after 7 --direction up --green 1 --amber 0 \
    --breach-after 101
k_bad "a threshold beyond 1e15" green 7 --direction up --green 1e16 --amber 0
long201=$(printf 'n%.0s' $(seq 1 201))
k_bad "a name of 201 characters" name 7 --direction up --green 1 --amber 0 \
    --name "$long201"
k_bad "an empty name" name 7 --direction up --green 1 --amber 0 --name ''
k_bad "a unit of 21 characters" unit 7 --direction up --green 1 --amber 0 \
    --unit 123456789012345678901
k_bad "a description of 4001 bytes" description 7 --direction up --green 1 \
    --amber 0 --description "$(printf 'd%.0s' $(seq 1 4001))"
k_bad "an owner login of 64 characters" owner 7 --direction up --green 1 \
    --amber 0 --owner "$(printf 'o%.0s' $(seq 1 64))"
expect_exit "a team slug of 41 characters" 7 as admin --json kpi add \
    --team "$(printf 't%.0s' $(seq 1 41))" --name x --unit u --direction up \
    --green 1 --amber 0
expect_match "... names team" '"field":"team"' "$ERR"
expect_exit "thresholds equal are allowed (up)" 0 as admin kpi add --team kops \
    --name Flat --unit u --direction up --green 5 --amber 5
FLAT=$OUT

# Health at the boundaries, in all three directions -------------------------

k_new 'up boundaries' kops up 95 90
UPK=$NEW
for pair in 95:green 95.01:green 94.99:amber 90:amber 89.99:red 120:green; do
	k_rec "$UPK" "${pair%%:*}"
	k_health "up (green 95, amber 90): ${pair%%:*} is ${pair##*:}" "$UPK" "${pair##*:}"
done
k_new 'down boundaries' kops down 2 5
DNK=$NEW
for pair in 2:green 1.99:green 2.01:amber 5:amber 5.01:red -3:green; do
	k_rec "$DNK" "${pair%%:*}"
	k_health "down (green 2, amber 5): ${pair%%:*} is ${pair##*:}" "$DNK" "${pair##*:}"
done
k_new 'range boundaries' kops range 2 1 --green-high 6 --amber-high 8
RGK=$NEW
for pair in 2:green 6:green 4:green 1.99:amber 1:amber 6.01:amber 8:amber \
    0.99:red 8.01:red; do
	k_rec "$RGK" "${pair%%:*}"
	k_health "range (amber 1, green 2-6, amber 8): ${pair%%:*} is ${pair##*:}" "$RGK" "${pair##*:}"
done
k_rec "$FLAT" 5
k_health "up with green = amber: exactly 5 is green" "$FLAT" green
k_rec "$FLAT" 4.99
k_health "up with green = amber: 4.99 is red" "$FLAT" red

# breach_after: the best of the last N readings -----------------------------

k_new 'breach after 3' kops up 10 5 --breach-after 3
BRK=$NEW
k_rec "$BRK" 12
k_rec "$BRK" 1
k_health "one red reading after a green one is not a breach" "$BRK" green
k_rec "$BRK" 2
k_health "two red readings are not yet (breach after 3)" "$BRK" green
k_rec "$BRK" 3
k_health "the third red reading in a row is" "$BRK" red
k_rec "$BRK" 7
k_health "an amber reading among the last three: amber" "$BRK" amber
expect_exit "kpi edit --breach-after 1" 0 as admin kpi edit "$BRK" --breach-after 1
k_rec "$BRK" 2
k_health "breach after 1: the one red reading" "$BRK" red
expect_exit "kpi edit --breach-after 5 (the change answers with the health it gives)" \
    0 as admin --json kpi edit "$BRK" --breach-after 5
expect_match "... amber: the best of the last five (1 2 3 7 2)" '"health":"amber"' "$OUT"
expect_exit "kpi edit --breach-after 6" 0 as admin --json kpi edit "$BRK" --breach-after 6
expect_match "... green: the sixth last was 12" '"health":"green"' "$OUT"

# Readings given a time, staleness, the future --------------------------------

k_new 'weekly stale' kops up 1 0
WST=$NEW
expect_eq "no reading: stale" "$(k_field "$WST" stale)" "true"
k_rec "$WST" 1 --at "$(k_ago '-11 days')"
expect_eq "weekly, latest 11 days ago (more than 10.5): stale" "$(k_field "$WST" stale)" "true"
k_rec "$WST" 1 --at "$(k_ago '-10 days')"
expect_eq "weekly, latest 10 days ago: not stale" "$(k_field "$WST" stale)" "false"
k_new 'daily stale' kops up 1 0 --frequency daily
DST=$NEW
k_rec "$DST" 1 --at "$(k_ago '-37 hours')"
expect_eq "daily, latest 37 hours ago (more than 36): stale" "$(k_field "$DST" stale)" "true"
k_rec "$DST" 1 --at "$(k_ago '-35 hours')"
expect_eq "daily, latest 35 hours ago: not stale" "$(k_field "$DST" stale)" "false"
k_new 'monthly stale' kops up 1 0 --frequency monthly
MST=$NEW
k_rec "$MST" 1 --at "$(date -u -d '-47 days' +%Y-%m-%d)"
expect_eq "monthly, latest 47 days ago (a date): stale" "$(k_field "$MST" stale)" "true"
k_rec "$MST" 1 --at "$(date -u -d '-45 days' +%Y-%m-%d)"
expect_eq "monthly, latest 45 days ago: not stale" "$(k_field "$MST" stale)" "false"
k_rec "$MST" 1 --at "$(k_ago '-60 days')"
expect_eq "an older reading given later does not make it stale" "$(k_field "$MST" stale)" "false"
expect_eq "... nor is it the latest" "$(as admin --json kpi show "$MST" | jqr '.latest.at // empty')" "$(date -u -d '-45 days' +%Y-%m-%d)T00:00:00Z"
expect_exit "kpi list --stale" 0 as admin --json kpi list --team kops --stale
expect_match "... lists one without readings" "\"id\":$OTD," "$OUT"
k_rec "$DST" 1 --at "$(k_ago '-40 hours')"
expect_exit "kpi list --stale again" 0 as admin --json kpi list --team kops --stale
case "$OUT" in
*"\"id\":$DST,"*) not_ok "... an older reading later does not make the daily one stale" "$OUT" ;;
*) ok "... an older reading later does not make the daily one stale" ;;
esac
case "$OUT" in
*"\"id\":$MST,"*) not_ok "kpi list --stale leaves out the fresh one" "$OUT" ;;
*) ok "kpi list --stale leaves out the fresh one" ;;
esac
n0=$(k_readings "$WST")
expect_exit "a reading 10 minutes in the future is refused" 7 as admin --json \
    kpi record "$WST" 1 --at "$(k_ago '+10 minutes')"
expect_match "... E_INVALID naming at" '"code":"E_INVALID".*"field":"readings\[0\]\.at"' "$ERR"
expect_exit "a reading 2 minutes ahead (a clock a little fast) is taken" 0 \
    as admin kpi record "$WST" 1 --at "$(k_ago '+2 minutes')"
expect_eq "... and only it" "$(k_readings "$WST")" "$((n0 + 1))"
for bad in 2026-13-01 2026-02-30 '2026-11-30T25:00:00Z' '2026-11-30T09:00:00' \
    '2026-11-30T09:00:00+14:01' '2016-12-31T23:59:60Z' yesterday '2026-11-30T09:00Z'; do
	expect_exit "at '$bad' is refused" 7 as admin --json kpi record "$WST" 1 --at "$bad"
	expect_match "at '$bad': names at" '"field":"readings\[0\]\.at"' "$ERR"
done
expect_exit "at with fractions of a second is taken" 0 as admin kpi record \
    "$WST" 1 --at "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%S).250Z"
expect_eq "refused readings stored nothing" "$(k_readings "$WST")" "$((n0 + 2))"
expect_exit "a note of 2001 bytes is refused" 7 as admin --json kpi record \
    "$WST" 1 --note "$(printf 'x%.0s' $(seq 1 2001))"
expect_match "... naming the note" '"field":"readings\[0\].note"' "$ERR"
expect_exit "a value beyond 1e15 is refused" 7 as admin --json kpi record "$WST" 1e16
expect_match "... naming the value" '"field":"readings\[0\].value"' "$ERR"
expect_exit "a KPI that does not exist" 5 as admin kpi record 999999 1
expect_exit "an at of 41 characters is refused" 7 as admin --json kpi record \
    "$WST" 1 --at "2026-11-30T09:00:00.$(printf '1%.0s' $(seq 1 20))Z"
expect_match "... naming at" '"field":"readings\[0\]\.at"' "$ERR"
expect_eq "nothing stored by those" "$(k_readings "$WST")" "$((n0 + 2))"
expect_exit "kpi record: text says latest and health" 0 as admin kpi record "$UPK" 92
expect_match "... 'ID: latest 92 at ..., health amber'" "^$UPK: latest 92 at [0-9T:Z-]+, health amber$" "$OUT"

# Readings in bulk: kpi import ------------------------------------------------

cat > "$T/kpi-ok.csv" <<CSV
kpi,value,at,note
$UPK,91,$(k_ago '-3 days'),"from the ERP, ""weekly"" export"
$UPK,92.5,,
$DNK,4,$(k_ago '-2 days'),plain note
"$RGK","5",,"a note, with a comma
and a second line"
CSV
n0=$(k_readings)
expect_exit "kpi import FILE" 0 as kmem kpi import "$T/kpi-ok.csv"
expect_eq "... reports how many" "$OUT" "recorded 4 readings"
expect_eq "... and they are stored" "$(k_readings)" "$((n0 + 4))"
expect_eq "a quoted note keeps its comma, quotes and newline" \
    "$(psql_cairn -c "SELECT note FROM kpi_readings WHERE kpi_id = $RGK ORDER BY id DESC LIMIT 1")" \
    "a note, with a comma
and a second line"
expect_eq "doubled quotes are one quote" \
    "$(psql_cairn -c "SELECT note FROM kpi_readings WHERE kpi_id = $UPK AND value = 91")" \
    'from the ERP, "weekly" export'
expect_eq "the reading without a time is the latest" "$(k_latest "$UPK")" "92.5"
expect_eq "the author is who imported" "$(psql_cairn -c "SELECT DISTINCT u.login FROM kpi_readings r JOIN users u ON u.id = r.author_id WHERE r.id > (SELECT max(id) - 4 FROM kpi_readings)")" "kmem"
printf 'value,kpi\r\n7,%s\r\n8,%s\r\n' "$DNK" "$DNK" > "$T/kpi-crlf.csv"
n0=$(k_readings "$DNK")
expect_exit "kpi import - (stdin, CRLF, columns in another order, no at)" 0 \
    sh -c "XDG_CONFIG_HOME=$T/home-klead $BIN/cairn --json kpi import - < $T/kpi-crlf.csv"
expect_eq "... --json says how many" "$OUT" '{"recorded":2}'
expect_eq "... stored" "$(k_readings "$DNK")" "$((n0 + 2))"
expect_eq "... the last line is the latest" "$(k_latest "$DNK")" "8"

# One bad line: nothing of its batch recorded, the line named.
{
	echo 'kpi,value,note'
	echo "$UPK,50,first"
	echo "$UPK,51,second"
	echo "999999,52,no such KPI"
	echo "$UPK,53,fourth"
} > "$T/kpi-bad.csv"
n0=$(k_readings)
expect_exit "an import with an unknown KPI on line 4 is refused" 5 as admin \
    kpi import "$T/kpi-bad.csv"
expect_match "... naming line 4" "line 4" "$ERR"
expect_match "... saying nothing of lines 2 to 5 was recorded" "recorded 0 readings; line 4 refused, so nothing of lines 2 to 5 was recorded" "$ERR"
expect_eq "... and nothing was" "$(k_readings)" "$n0"
{
	echo 'kpi,value'
	echo "$UPK,1"
	echo "$UPK,abc"
} > "$T/kpi-nan.csv"
expect_exit "a value that is not a number is refused" 7 as admin --json \
    kpi import "$T/kpi-nan.csv"
expect_match "... naming line 3" '"line":3' "$OUT"
expect_match "... and why" 'line 3: value' "$ERR"
expect_eq "... nothing recorded" "$(k_readings)" "$n0"
{
	echo 'kpi,value,at'
	echo "$UPK,1,"
	echo "$UPK,2,$(k_ago '+1 hour')"
} > "$T/kpi-future.csv"
expect_exit "a reading in the future in an import is refused" 7 as admin \
    kpi import "$T/kpi-future.csv"
expect_match "... naming line 3" "line 3" "$ERR"
expect_eq "... nothing recorded" "$(k_readings)" "$n0"
{
	echo 'kpi,value'
	echo "$UPK,1"
	echo "$SECRET,2"
} > "$T/kpi-priv.csv"
expect_exit "an import naming a KPI of a private team the importer may not read" \
    5 as kmem kpi import "$T/kpi-priv.csv"
expect_match "... naming line 3" "line 3" "$ERR"
expect_eq "... nothing recorded" "$(k_readings)" "$n0"
printf 'kpi,value,when\n1,2\n' > "$T/kpi-hdr.csv"
expect_exit "an unknown column in the header is refused" 7 as admin kpi import "$T/kpi-hdr.csv"
expect_match "... naming line 1" "line 1" "$ERR"
printf 'kpi,value\n%s,"1\n' "$UPK" > "$T/kpi-quote.csv"
expect_exit "a quote left open is refused" 7 as admin kpi import "$T/kpi-quote.csv"
expect_match "... naming the line it opens on" "line 2" "$ERR"
{
	echo 'kpi,value,note'
	printf '%s,1,' "$UPK"
	head -c 70000 /dev/zero | tr '\0' n
	echo
} > "$T/kpi-long.csv"
expect_exit "a CSV record over 64 KiB is refused" 7 as admin kpi import "$T/kpi-long.csv"
expect_match "... naming line 2" "line 2: record longer than 65536 bytes" "$ERR"
printf '' > "$T/kpi-empty.csv"
expect_exit "an empty file is refused (no header)" 7 as admin kpi import "$T/kpi-empty.csv"
expect_exit "a file that does not exist" 1 as admin kpi import "$T/nosuch.csv"
expect_eq "nothing recorded by any of those" "$(k_readings)" "$n0"

# Many lines: batches of up to 1000, each all or nothing.
k_new 'bulk' kops up 100 50
BULK=$NEW
awk -v k="$BULK" 'BEGIN { print "kpi,value,at,note"
    for (i = 1; i <= 2500; i++) printf "%d,%d,,line %d\n", k, i, i + 1 }' > "$T/kpi-2500.csv"
expect_exit "kpi import of 2500 lines" 0 as klead kpi import "$T/kpi-2500.csv"
expect_eq "... recorded all" "$OUT" "recorded 2500 readings"
expect_eq "... stored" "$(k_readings "$BULK")" "2500"
expect_eq "... in order: the last line is the latest" "$(k_latest "$BULK")" "2500"
awk -v k="$BULK" 'BEGIN { print "kpi,value"
    for (i = 1; i <= 1500; i++) printf "%d,%s\n", k, (i == 1200 ? "x" : i) }' > "$T/kpi-1500.csv"
expect_exit "kpi import of 1500 lines with line 1201 bad" 7 as klead --json \
    kpi import "$T/kpi-1500.csv"
rec=$(echo "$OUT" | json_field recorded)
expect_match "... names line 1201" '"line":1201' "$OUT"
expect_eq "... what it says it recorded is what is stored" "$(k_readings "$BULK")" "$((2500 + rec))"
if [ "$rec" -gt 0 ] && [ "$rec" -lt 1201 ]; then
	ok "... whole batches before the bad line only ($rec)"
else
	not_ok "... whole batches before the bad line only" "recorded $rec"
fi
expect_eq "... none from the bad line's batch" "$(psql_cairn -c "SELECT count(*) FROM kpi_readings WHERE kpi_id = $BULK AND value > $rec AND id > (SELECT min(id) FROM kpi_readings WHERE kpi_id = $BULK) + 2499")" "0"

# kpi.record's own limits, beyond what the client sends.
expect_eq "1001 readings in one request: E_LIMIT naming readings" \
    "$(python3 "$HERE/kpi_raw.py" "$ADDR" "$T/certs/ca.pem" kmem pw-kmem-kpi "$UPK" 1001)" \
    "E_LIMIT readings"
expect_eq "0 readings: E_INVALID" \
    "$(python3 "$HERE/kpi_raw.py" "$ADDR" "$T/certs/ca.pem" kmem pw-kmem-kpi "$UPK" 0)" \
    "E_INVALID readings"
n0=$(k_readings "$UPK")
expect_eq "1000 readings in one request are taken" \
    "$(python3 "$HERE/kpi_raw.py" "$ADDR" "$T/certs/ca.pem" kmem pw-kmem-kpi "$UPK" 1000)" \
    "ok 1000"
expect_eq "... all of them" "$(k_readings "$UPK")" "$((n0 + 1000))"

# Who may record -----------------------------------------------------------

for who in admin kown klead kmem kanc; do
	n0=$(k_readings "$DEFECTS")
	expect_exit "record: $who may" 0 as "$who" kpi record "$DEFECTS" 40
	expect_eq "record: $who's reading is stored" "$(k_readings "$DEFECTS")" "$((n0 + 1))"
done
n0=$(k_readings "$DEFECTS")
expect_exit "record: an outsider may not" 4 as kout kpi record "$DEFECTS" 40
expect_exit "record: the lead of a sibling team may not" 4 as kalead kpi record "$DEFECTS" 40
expect_exit "record: a member of a sub-team may not" 4 as ksmem kpi record "$DEFECTS" 40
expect_exit "record: an outsider does not see a private team's KPI" 5 as kout kpi record "$SECRET" 1
expect_exit "record: nor does a member of its parent team" 5 as kmem kpi record "$SECRET" 1
expect_exit "record: the parent team's lead may (lead above)" 0 as klead kpi record "$SECRET" 1
expect_exit "record: the private team's member may" 0 as ksmem kpi record "$SECRET" 1
expect_eq "refused readings stored nothing" "$(k_readings "$DEFECTS")" "$n0"
n1=$(psql_cairn -c "SELECT count(*) FROM kpi_readings r JOIN users u ON u.id = r.author_id WHERE u.login = 'kout'")
expect_exit "the database refuses too (a reading inserted for an outsider)" 1 \
    sh -c "$PGBIN/psql -X -q -h $DATA -U cairn -d cairn -v ON_ERROR_STOP=1 -c \"INSERT INTO kpi_readings (kpi_id, value, author_id) SELECT $DEFECTS, 1, id FROM users WHERE login = 'kout'\""
expect_match "... with rule kpi.permission" "kpi.permission" "$ERR"
expect_exit "... and a reading an hour ahead" 1 \
    sh -c "$PGBIN/psql -X -q -h $DATA -U cairn -d cairn -v ON_ERROR_STOP=1 -c \"INSERT INTO kpi_readings (kpi_id, value, author_id, at) SELECT $DEFECTS, 1, id, now() + interval '1 hour' FROM users WHERE login = 'root'\""
expect_exit "... and a change to a reading" 1 \
    sh -c "$PGBIN/psql -X -q -h $DATA -U cairn -d cairn -v ON_ERROR_STOP=1 -c \"UPDATE kpi_readings SET value = 0 WHERE kpi_id = $DEFECTS\""
expect_match "... append-only" "append_only" "$ERR"

# Reading, editing, archiving ------------------------------------------------

expect_exit "kpi show: an outsider sees a public team's KPI" 0 as kout kpi show "$OTD"
expect_match "kpi show (text): its fields" '^health: none$' "$OUT"
expect_match "... and the thresholds" '^green: 95$' "$OUT"
expect_exit "kpi show of the range KPI (text)" 0 env LANG=C.UTF-8 LC_ALL= LC_CTYPE= \
    XDG_CONFIG_HOME=$T/home-admin "$BIN/cairn" kpi show "$RGK"
expect_match "... latest with its time" '^latest: 5 at [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "$OUT"
expect_match "... the sparkline" '^last 12: ▂▆▄▂▁▆█▁█▅$' "$OUT"
expect_exit "kpi show: an outsider does not see a private team's" 5 as kout kpi show "$SECRET"
expect_exit "kpi show: the private team's member does" 0 as ksmem kpi show "$SECRET"
expect_exit "kpi list as an outsider" 0 as kout --json kpi list
case "$OUT" in
*"\"id\":$SECRET,"*) not_ok "kpi list leaves out what the caller may not read" "$OUT" ;;
*) ok "kpi list leaves out what the caller may not read" ;;
esac
expect_exit "kpi list --health red" 0 as admin --json kpi list --team kops --health red
expect_match "... has the red one" "\"id\":$FLAT," "$OUT"
case "$OUT" in
*'"health":"green"'*|*'"health":"amber"'*|*'"health":"none"'*) not_ok "... and only red ones" "$OUT" ;;
*) ok "... and only red ones" ;;
esac
expect_exit "kpi list --health none" 0 as admin --json kpi list --health none
expect_match "... has the KPI without readings" "\"id\":$OTD," "$OUT"
expect_exit "kpi list --health purple" 7 as admin kpi list --health purple
expect_exit "kpi list --team of 41 characters" 7 as admin --json kpi list --team "$(printf 't%.0s' $(seq 1 41))"
expect_match "... names team" '"field":"team"' "$ERR"
expect_exit "kpi list: recent holds the last 12 readings, oldest first" 0 as admin --json kpi list --team kops
expect_match "... for the range KPI" "\"id\":$RGK,.*\"recent\":\\[2,6,4,1.99,1,6.01,8,0.99,8.01,5\\]" "$OUT"
expect_match "... the last 12 of the bulk KPI" "\"id\":$BULK,.*\"recent\":\\[$(seq -s, $((rec - 11)) "$rec")\\]" "$OUT"
expect_exit "kpi list (text, UTF-8)" 0 env LANG=C.UTF-8 LC_ALL= LC_CTYPE= \
    XDG_CONFIG_HOME=$T/home-admin "$BIN/cairn" kpi list --team kops
expect_match "... a header" '^ID +NAME +TEAM +LATEST +UNIT +HEALTH +STALE +RED IN +FEED +LAST 12' "$OUT"
expect_match "... the range KPI's sparkline" "range boundaries +kops +5 +% +green +no +- +- +▂▆▄▂▁▆█▁█▅$" "$OUT"
expect_exit "kpi list (text, not UTF-8)" 0 env LANG=C LC_ALL= LC_CTYPE= \
    XDG_CONFIG_HOME=$T/home-admin "$BIN/cairn" kpi list --team kops
expect_match "... plain characters" 'range boundaries +kops +5 +% +green +no +- +- +\.\+~\._\+#_#=$' "$OUT"
expect_exit "kpi history --limit 3" 0 as admin --json kpi history "$RGK" --limit 3
expect_match "... the last 3, oldest first, each with its health" '^\[\{"id":[0-9]+,"value":0.99,"at":"[^"]*","health":"red","author":"root","via":"user","note":""\},\{[^}]*"value":8.01[^}]*"health":"red"[^}]*\},\{[^}]*"value":5,[^}]*"health":"green"[^}]*\}\]$' "$OUT"
expect_exit "kpi history --limit 1001" 7 as admin kpi history "$RGK" --limit 1001
expect_exit "kpi history of a private team's KPI, as an outsider" 5 as kout kpi history "$SECRET"
expect_exit "kpi history of a KPI without readings" 0 as admin --json kpi history "$OTD"
expect_eq "... an empty list" "$OUT" "[]"
expect_exit "kpi history of a missing KPI" 5 as admin kpi history 999999999
expect_match "... answered as missing" 'no KPI 999999999' "$ERR"
expect_exit "kpi history (text)" 0 as admin kpi history "$RGK" --limit 2
expect_match "... a table" '^AT +VALUE +HEALTH +AUTHOR' "$OUT"

v=$(k_field "$OTD" version)
for who in admin klead kanc; do
	expect_exit "kpi edit: $who may" 0 as "$who" --json kpi edit "$OTD" --description "by $who"
	expect_match "kpi edit by $who answers with the new definition" "\"description\":\"by $who\"" "$OUT"
done
expect_eq "each edit bumps the version" "$(k_field "$OTD" version)" "$((v + 3))"
for who in kmem kout kalead kown; do
	expect_exit "kpi edit: $who may not" 4 as "$who" kpi edit "$OTD" --description "by $who"
done
expect_exit "kpi edit of a private team's KPI, as an outsider" 5 as kout kpi edit "$SECRET" --name x
expect_exit "kpi edit --if-version stale" 6 as admin kpi edit "$OTD" --name x --if-version "$v"
expect_exit "kpi edit: amber above green when only amber changes" 7 as admin --json kpi edit "$OTD" --amber 96
expect_match "... names amber" '"field":"amber"' "$ERR"
expect_exit "kpi edit: up to range needs the high thresholds" 7 as admin --json kpi edit "$OTD" --direction range
expect_match "... names green_high" '"field":"green_high"' "$ERR"
expect_exit "kpi edit: up to range" 0 as admin --json kpi edit "$OTD" --direction range --green 95 --amber 90 --green-high 100 --amber-high 100
expect_match "... keeps the high thresholds" '"direction":"range","green":95,"amber":90,"green_high":100,"amber_high":100' "$OUT"
expect_exit "kpi edit: back to down drops them" 0 as admin --json kpi edit "$OTD" --direction down --green 5 --amber 10
expect_match "... gone" '"direction":"down","green":5,"amber":10,"green_high":null,"amber_high":null' "$OUT"
expect_exit "kpi edit: an unknown owner" 5 as admin kpi edit "$OTD" --owner nosuchuser
expect_exit "kpi edit: a name of 201 characters" 7 as admin kpi edit "$OTD" --name "$long201"
expect_exit "kpi edit (text) says the version" 0 as admin kpi edit "$OTD" --owner kown
expect_match "... 'ID: version N'" "^$OTD: version [0-9]+$" "$OUT"
audit=$(psql_cairn -c "SELECT count(*) FROM audit_log WHERE entity_type = 'kpi' AND entity_id = $OTD")
expect_eq "definition changes are audited (create and 6 edits)" "$audit" "7"

for who in kmem kout kown; do
	expect_exit "kpi archive: $who may not" 4 as "$who" kpi archive "$WST"
done
expect_exit "kpi archive: the lead" 0 as klead --json kpi archive "$WST"
expect_match "... archived" '"archived":true' "$OUT"
expect_exit "kpi archive: an ancestor lead" 0 as kanc kpi archive "$DST"
expect_exit "kpi archive: admin" 0 as admin kpi archive "$MST"
n0=$(k_readings "$WST")
expect_exit "an archived KPI takes no readings" 7 as admin --json kpi record "$WST" 1
expect_match "... rule kpi.archived" '"rule":"kpi.archived"' "$ERR"
expect_eq "... nothing stored" "$(k_readings "$WST")" "$n0"
expect_exit "an archived KPI is not edited" 7 as admin kpi edit "$WST" --name x
expect_exit "archiving twice" 7 as admin kpi archive "$WST"
expect_exit "kpi list leaves archived KPIs out" 0 as admin --json kpi list --team kops
case "$OUT" in
*"\"id\":$WST,"*) not_ok "... the archived one is not listed" "$OUT" ;;
*) ok "... the archived one is not listed" ;;
esac

# Key results bound to KPIs --------------------------------------------------

quietly "period kpi-q4" as admin period add kpi-q4 --start 2026-10-01 --end 2026-12-31 &&
    quietly "open kpi-q4" as admin period open kpi-q4
quietly "period kpi-old" as admin period add kpi-old --start 2026-07-01 --end 2026-09-30 &&
    quietly "open kpi-old" as admin period open kpi-old
quietly "objective in kpi-q4" as admin obj add --team kops --period kpi-q4 --owner klead --title 'Ship on time'
OBJ=$OUT
quietly "objective in kpi-old" as admin obj add --team kops --period kpi-old --owner klead --title 'Last quarter'
OBJOLD=$OUT

k_new 'bound' kops up 95 90
BKPI=$NEW
expect_exit "kr add --kpi on a KPI without readings and no --start" 7 as admin --json \
    kr add "$OBJ" --title t --type increase --target 99 --kpi "$BKPI"
expect_match "... E_INVALID naming start" '"field":"start"' "$ERR"
k_rec "$BKPI" 88 --at "$(k_ago '-1 day')"
expect_exit "kr add --kpi: start from the KPI's latest value" 0 as klead --json \
    kr add "$OBJ" --title 'On time' --type increase --target 98 --kpi "$BKPI"
BKR=$(echo "$OUT" | json_field id)
expect_match "... start and current are the latest reading, unit the KPI's, kpi its id" "\"start\":88,.*\"current\":88,\"unit\":\"%\".*\"kpi\":$BKPI" "$OUT"
expect_exit "kr add --kpi --start given" 0 as admin --json kr add "$OBJOLD" \
    --title 'Old' --type increase --target 98 --start 80 --kpi "$BKPI" \
    --owner klead
OLDKR=$(echo "$OUT" | json_field id)
expect_match "... the start given" '"start":80,.*"current":80' "$OUT"
expect_exit "kr add --kpi: a boolean key result cannot follow a KPI" 7 as admin --json \
    kr add "$OBJ" --title b --type boolean --target 1 --kpi "$BKPI"
expect_match "... names type" '"field":"type"' "$ERR"
expect_exit "kr add --kpi: another unit" 7 as admin --json kr add "$OBJ" \
    --title u --type increase --target 99 --kpi "$BKPI" --unit days
expect_match "... names unit" '"field":"unit"' "$ERR"
expect_exit "kr add --kpi: a KPI that does not exist" 5 as admin --json kr add \
    "$OBJ" --title n --type increase --target 99 --kpi 999999
expect_match "... names kpi" '"field":"kpi"' "$ERR"
quietly "objective owned by kmem" as admin obj add --team kops --period kpi-q4 --owner kmem --title 'Members own'
OBJM=$OUT
expect_exit "kr add --kpi: a private team's KPI the caller may not read" 5 as \
    kmem --json kr add "$OBJM" --title n --type increase --target 99 --start 0 \
    --kpi "$SECRET"
expect_match "... names kpi" '"field":"kpi"' "$ERR"
expect_exit "kr add --kpi: an archived KPI" 7 as admin --json kr add "$OBJ" \
    --title n --type increase --target 99 --start 0 --kpi "$WST"
expect_match "... rule kpi.archived" '"rule":"kpi.archived"' "$ERR"
expect_exit "kr add --kpi: the target the wrong way round for the start" 7 as \
    admin --json kr add "$OBJ" --title n --type increase --target 80 --kpi "$BKPI"
expect_exit "kr add without --kpi carries kpi null" 0 as admin --json kr add \
    "$OBJ" --title plain --type increase --target 10 --owner klead
expect_match "... kpi null" '"kpi":null' "$OUT"
PLAIN=$(echo "$OUT" | json_field id)

k_rec "$BKPI" 93
expect_eq "a new reading moves the bound key result" "$(k_kr_field "$BKR" current)" "93"
expect_eq "... and the one in the other open period" "$(k_kr_field "$OLDKR" current)" "93"
expect_eq "... not an unbound one" "$(k_kr_field "$PLAIN" current)" "0"
k_rec "$BKPI" 70 --at "$(k_ago '-2 days')"
expect_eq "an older reading given later does not" "$(k_kr_field "$BKR" current)" "93"
printf 'kpi,value\n%s,94\n%s,96\n' "$BKPI" "$BKPI" > "$T/kpi-bound.csv"
expect_exit "an import moves it to the last reading" 0 as kmem kpi import "$T/kpi-bound.csv"
expect_eq "... 96" "$(k_kr_field "$BKR" current)" "96"
expect_match "... its progress follows (96 of 88 to 98)" '"progress":0.8' "$(as admin --json kr show "$BKR")"
n0=$(psql_cairn -c "SELECT count(*) FROM checkins")
expect_exit "a check-in on a bound key result" 7 as admin --json kr checkin "$BKR" 97
expect_match "... E_RULE kr.bound" '"code":"E_RULE".*"rule":"kr.bound"|"rule":"kr.bound".*"code":"E_RULE"' "$ERR"
expect_exit "... refused by the database too" 1 \
    sh -c "$PGBIN/psql -X -q -h $DATA -U cairn -d cairn -v ON_ERROR_STOP=1 -c \"INSERT INTO checkins (kr_id, value, author_id) SELECT $BKR, 97, id FROM users WHERE login = 'root'\""
expect_match "... kr.bound" "kr.bound" "$ERR"
expect_eq "... no check-in stored" "$(psql_cairn -c "SELECT count(*) FROM checkins")" "$n0"
expect_exit "kr edit --unit on a bound key result" 7 as admin kr edit "$BKR" --unit days

quietly "review kpi-old" as admin period review kpi-old &&
    quietly "close kpi-old" as admin period close kpi-old --auto-grade
n0=$(k_readings "$BKPI")
expect_exit "a reading is taken while a bound key result's period is closed" 0 \
    as admin kpi record "$BKPI" 99
expect_eq "... stored" "$(k_readings "$BKPI")" "$((n0 + 1))"
expect_eq "... the open period's key result follows" "$(k_kr_field "$BKR" current)" "99"
expect_eq "... the closed one's stopped" "$(k_kr_field "$OLDKR" current)" "96"
quietly "review kpi-q4" as admin period review kpi-q4
k_rec "$BKPI" 97
expect_eq "a key result in review still follows" "$(k_kr_field "$BKR" current)" "97"

# Idempotency: a retried kpi.record records once.
n0=$(k_readings "$UPK")
expect_exit "kpi record with an idempotency key" 0 as admin kpi record "$UPK" 77 --idempotency-key kpi-once-1
expect_exit "... the same again" 0 as admin --json kpi record "$UPK" 77 --idempotency-key kpi-once-1
expect_eq "... answered as the first" "$OUT" '{"recorded":1}'
expect_eq "... recorded once" "$(k_readings "$UPK")" "$((n0 + 1))"
expect_exit "... the key reused with another value" 6 as admin kpi record "$UPK" 78 --idempotency-key kpi-once-1
expect_exit "kpi add with an idempotency key, twice" 0 as admin kpi add --team kops \
    --name once --unit u --direction up --green 1 --amber 0 --idempotency-key kpi-add-1
first=$OUT
expect_exit "... the second" 0 as admin kpi add --team kops \
    --name once --unit u --direction up --green 1 --amber 0 --idempotency-key kpi-add-1
expect_eq "... the same KPI" "$OUT" "$first"
expect_eq "... created once" "$(psql_cairn -c "SELECT count(*) FROM kpis WHERE name = 'once'")" "1"

# Racing readings: the bound key result ends at the latest by time, in
# whatever order the requests commit.
pids=
for i in 1 2 3 4 5 6 7 8; do
	as admin kpi record "$BKPI" "$((60 + i))" --at "$(k_ago "+$((i * 20)) seconds")" >/dev/null 2>&1 &
	pids="$pids $!"
done
failed=0
for p in $pids; do wait "$p" || failed=$((failed + 1)); done
expect_eq "8 racing readings are all taken" "$failed" "0"
expect_eq "... the latest by time is the last one's" "$(k_latest "$BKPI")" "68"
expect_eq "... and the bound key result holds it" "$(k_kr_field "$BKR" current)" "68"

# team.not_empty: a team whose only content is a KPI (archived even) stays.
quietly "team kempty" as admin team add kempty --name Empty --parent kdiv
k_new "Lone KPI" kempty up 10 5
quietly "archive the lone KPI" as admin kpi archive "$NEW"
expect_exit "remove a team whose only content is an archived KPI" 7 \
    as admin --json team rm kempty
expect_match "... E_RULE team.not_empty" '"rule":"team.not_empty"' "$ERR"
expect_eq "... the team stays" \
    "$(psql_cairn -c "SELECT count(*) FROM teams WHERE slug = 'kempty'")" "1"
expect_exit "... refused by the database too" 1 \
    sh -c "$PGBIN/psql -X -q -h $DATA -U cairn -d cairn -v ON_ERROR_STOP=1 -c \"DELETE FROM teams WHERE slug = 'kempty'\""
expect_match "... team.not_empty" "team.not_empty" "$ERR"

# Health changes under concurrent writers (event_health_changes, told by
# the sequencer after commit): 6 writers record readings of one KPI that
# cross its thresholds, 15 each, at once.  The kpi.health_changed events
# must form one chain (each "from" the previous "to"), the first from the
# health before, the last to the health now, and no two in a row alike.
k_new "Flip rate" kops up 50 40
KFLIP=$NEW
k_rec "$KFLIP" 60
kflip_pids=
for w in 1 2 3 4 5 6; do
	( for i in $(seq 1 15); do
		v=$(( (w + i) % 3 == 0 ? 10 : (w + i) % 3 == 1 ? 45 : 70 ))
		as admin kpi record "$KFLIP" "$v" >/dev/null 2>&1
	done ) &
	kflip_pids="$kflip_pids $!"
done
# (not a bare wait: cairnd is this shell's background job too)
for p in $kflip_pids; do wait "$p"; done
kflip_done() {	# nothing of it left to number, and its health seen
	[ "$(psql_cairn -c "SELECT count(*) FROM events WHERE seq IS NULL")" = 0 ] &&
	    [ "$(psql_cairn -c "SELECT health_seen = kpi_health(id) FROM kpis WHERE id = $KFLIP")" = t ]
}
eventually 10 kflip_done || true
expect_eq "kpi: concurrent readings' health changes form one chain, from green to the health now" \
    "$(psql_cairn -c "WITH c AS (SELECT seq, data->>'from' AS f,
	data->>'to' AS t, lag(data->>'to') OVER (ORDER BY seq) AS prev
	FROM events WHERE kind = 'kpi.health_changed' AND entity_id = $KFLIP)
    SELECT count(*) FILTER (WHERE prev IS NOT NULL AND f <> prev)
	+ count(*) FILTER (WHERE f = t)
	+ count(*) FILTER (WHERE prev IS NULL AND f <> 'green'),
	count(*) > 0,
	(SELECT t FROM c ORDER BY seq DESC LIMIT 1) =
	(SELECT kpi_health($KFLIP))
    FROM c")" "0|t|t"
expect_eq "kpi: ... and one reading event per recorded reading" \
    "$(psql_cairn -c "SELECT count(*) FROM events WHERE kind = 'reading' AND entity_id = $KFLIP")" 91

# pace.sh's invariant over everything this suite built.
progress_consistent "kpi: stored progress equals objective_progress"
