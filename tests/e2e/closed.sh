# closed.sh: readings dated in a closed period are refused (issue 13, item
# 9; docs/rules.md "period.closed"), in cairnd with a friendly error and
# in the database under the period's lock, raced against period.close;
# and times as RFC 3339 writes them (item 10: offsets taken and stored in
# UTC, 2026-02-30 refused naming the field), through the real cairn
# command line and a raw connection.  Sourced by suite.sh, after login_admin (lib.sh's `as` helper and admin session); makes its own users, teams and periods.

cl_q() {	# cl_q SQL: one value from the database
	psql_cairn -c "$1"
}

cl_quiet() {	# cl_quiet NAME CMD...: a setup step, $OUT its output
	local name=$1
	shift
	OUT=$("$@" 2>"$T/stderr") && return 0
	not_ok "closed: setup: $name" "$(< "$T/stderr")"
	return 1
}

cl_login() {	# cl_login USER ROLE
	cl_quiet "user $1" sh -c "echo cl-pw-$1 | XDG_CONFIG_HOME=$T/home-admin $BIN/cairn user add $1 --name '$1' --role $2 --password-stdin"
	cl_quiet "login $1" sh -c "echo cl-pw-$1 | XDG_CONFIG_HOME=$T/home-$1 $BIN/cairn login $1 --password-stdin"
}

cl_count() {	# cl_count KPI: its readings
	cl_q "SELECT count(*) FROM kpi_readings WHERE kpi_id = $1"
}

cl_kpi() {	# cl_kpi TEAM NAME: id in $CL
	cl_quiet "kpi $2" as admin kpi add --team "$1" --name "$2" --unit '%' \
	    --direction up --green 90 --amber 80 && CL=$OUT
}

# cl_refused NAME KPI AT [WHO]: kpi record refused E_RULE period.closed
# naming readings[0].at, nothing recorded.
cl_refused() {
	local before
	before=$(cl_count "$2")
	expect_exit "$1" 7 as "${4:-cl-lead}" --json kpi record "$2" 1 --at "$3"
	expect_match "$1: rule period.closed" '"rule":"period.closed"' "$ERR"
	expect_match "$1: names the time" '"field":"readings\[0\]\.at"' "$ERR"
	expect_eq "$1: nothing recorded" "$(cl_count "$2")" "$before"
}

cl_taken() {	# cl_taken NAME KPI AT [WHO]
	local before
	before=$(cl_count "$2")
	expect_exit "$1" 0 as "${4:-cl-lead}" --json kpi record "$2" 1 --at "$3"
	expect_eq "$1: recorded" "$(cl_count "$2")" "$((before + 1))"
}

# Setup ---------------------------------------------------------------------

cl_root=$(cl_q "SELECT slug FROM teams WHERE parent_id IS NULL")
if [ -z "$cl_root" ]; then
	cl_quiet "a root team" as admin team add cl-root --name "Closed root"
	cl_root=cl-root
fi
cl_login cl-lead member
cl_login cl-admin admin
for t in cl-ops cl-free cl-bind cl-other; do
	cl_quiet "team $t" as admin team add "$t" --name "$t" --parent "$cl_root"
	cl_quiet "lead of $t" as admin team member add "$t" cl-lead --lead
done
cl_kpi cl-ops "Ops uptime"; K_OPS=$CL		# its team has an objective
cl_kpi cl-free "Free uptime"; K_FREE=$CL	# tied to no closed period
cl_kpi cl-other "Bound uptime"; K_BOUND=$CL	# bound by cl-bind's KR
cl_kpi cl-other "Guard uptime"; K_GUARD=$CL	# guards cl-bind's objective
cl_quiet "period cl-q" as admin period add cl-q --start 2025-04-01 --end 2025-06-30
cl_quiet "open cl-q" as admin period open cl-q
cl_quiet "obj ops" as admin obj add --team cl-ops --period cl-q --owner cl-lead --title "Ops Q"
cl_quiet "obj bind" as admin obj add --team cl-bind --period cl-q --owner cl-lead --title "Bind Q"
O_BIND=$OUT
cl_quiet "kr bound" as admin kr add "$O_BIND" --title "Bound" --type above --target 90 --owner cl-lead --kpi "$K_BOUND" --start 0
cl_quiet "guard" as admin obj guard "$O_BIND" --kpi "$K_GUARD"

# While the period is open, its days take readings.
cl_taken "closed: an open period takes a backdated reading" "$K_OPS" 2025-05-02T10:00:00Z
cl_quiet "review cl-q" as admin period review cl-q
cl_quiet "close cl-q" as admin period close cl-q --auto-grade
cl_x() {	# what the closed quarter's export holds of readings (cl-free's
		# KPI is in no export of cl-q)
	cl_q "SELECT md5(string_agg(r::text, ',' ORDER BY r.id)) FROM kpi_readings r WHERE r.at >= '2025-04-01Z' AND r.at < '2025-07-01Z' AND r.kpi_id <> $K_FREE"
}
X_BEFORE=$(cl_x)

# The refusals --------------------------------------------------------------

cl_refused "closed: a reading in a closed quarter of the KPI's team" "$K_OPS" 2025-05-10T12:00:00Z
cl_refused "closed: ... as a date" "$K_OPS" 2025-05-10
cl_refused "closed: ... its first instant" "$K_OPS" 2025-04-01T00:00:00Z
cl_refused "closed: ... its last second" "$K_OPS" 2025-06-30T23:59:59.999999Z
cl_refused "closed: ... the admin too" "$K_OPS" 2025-06-01T00:00:00Z admin
cl_refused "closed: a KPI a key result of the period binds" "$K_BOUND" 2025-05-10T12:00:00Z
cl_refused "closed: a KPI guarding an objective of the period" "$K_GUARD" 2025-05-10T12:00:00Z
# "Falls in" is in UTC: 00:30+01:00 on 1 July is still 30 June.
cl_refused "closed: in UTC, 2025-07-01T00:30:00+01:00 is in June" "$K_OPS" 2025-07-01T00:30:00+01:00
cl_taken "closed: the day after its last" "$K_OPS" 2025-07-01T00:00:00Z
cl_refused "closed: in UTC, 2025-03-31T23:30:00-01:00 is in April" "$K_OPS" 2025-03-31T23:30:00-01:00
cl_taken "closed: in UTC, 2025-04-01T00:30:00+01:00 is in March" "$K_OPS" 2025-04-01T00:30:00+01:00
cl_taken "closed: the day before its first" "$K_OPS" 2025-03-31T23:59:59Z
cl_taken "closed: a KPI tied to no closed period takes it" "$K_FREE" 2025-05-10T12:00:00Z
expect_match "closed: the refusal says which period" "period cl-q" \
    "$(as cl-lead kpi record "$K_OPS" 1 --at 2025-05-10T12:00:00Z 2>&1)"

# A batch is all or nothing, and names the refused reading.
before=$(cl_count "$K_OPS")
expect_exit "closed: kpi import, a refused row" 7 as cl-lead kpi import - <<EOF
kpi,value,at
$K_OPS,1,2025-08-01T00:00:00Z
$K_FREE,2,2025-05-01T00:00:00Z
$K_OPS,3,2025-05-20T00:00:00+02:00
$K_OPS,4,2025-08-02T00:00:00Z
EOF
expect_match "closed: kpi import names line 4" "line 4 refused" "$ERR"
expect_match "closed: kpi import says why" "period.closed|period cl-q" "$ERR"
expect_eq "closed: kpi import recorded nothing of the batch" "$(cl_count "$K_OPS")" "$before"

# The database refuses it too, for any writer.
cl_uid=$(cl_q "SELECT id FROM users WHERE login = 'cl-lead'")
if psql_cairn -c "INSERT INTO kpi_readings (kpi_id, value, at, author_id) VALUES ($K_OPS, 1, '2025-05-11T00:00:00Z', $cl_uid)" >/dev/null 2>"$T/cl.err"; then
	not_ok "closed: the database refuses a backdated reading" "it took it"
else
	expect_match "closed: the database refuses a backdated reading" "period.closed" "$(< "$T/cl.err")"
fi
if psql_cairn -c "INSERT INTO kpi_readings (kpi_id, value, at, author_id) SELECT $K_BOUND, 1, g, $cl_uid FROM generate_series('2025-07-05'::timestamptz, '2025-09-01', '1 day') g UNION ALL SELECT $K_BOUND, 2, '2025-06-15T12:00:00Z', $cl_uid" >/dev/null 2>"$T/cl.err"; then
	not_ok "closed: ... one reading of a bulk insert" "it took it"
else
	expect_match "closed: ... one reading of a bulk insert" "period.closed" "$(< "$T/cl.err")"
fi
expect_eq "closed: the closed quarter's readings did not change" "$(cl_x)" "$X_BEFORE"

# The race: period.close against backdated readings ------------------------
#
# A test-only trigger notes, inside each close, how many readings of the
# KPI the period then holds; after the race, a period must hold exactly
# those.  A reading that committed after the close (the bug) shows as one
# more.  The close waits for readings holding the period's lock, so its
# count includes them; later ones must be refused.
cl_q "CREATE TABLE cl_close_seen (period_id bigint, readings bigint);
CREATE FUNCTION cl_close_seen() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
	IF NEW.state = 'closed' AND OLD.state <> 'closed' THEN
		INSERT INTO cl_close_seen SELECT NEW.id, count(*)
		    FROM kpi_readings r WHERE r.kpi_id = $K_OPS
		    AND r.at >= NEW.start_date::timestamp AT TIME ZONE 'UTC'
		    AND r.at < (NEW.end_date + 1)::timestamp AT TIME ZONE 'UTC';
	END IF;
	RETURN NULL;
END \$\$;
CREATE TRIGGER cl_close_seen AFTER UPDATE ON periods
    FOR EACH ROW EXECUTE FUNCTION cl_close_seen();" >/dev/null
CL_ROUNDS=${CL_ROUNDS:-10}
cl_ok=0
cl_refusals=0
for i in $(seq 1 "$CL_ROUNDS"); do
	m=$(printf %02d "$i")
	p=cl-r$m
	cl_quiet "period $p" as admin period add "$p" --start "2024-$m-01" --end "2024-$m-28" &&
	cl_quiet "open $p" as admin period open "$p" &&
	cl_quiet "obj $p" as admin obj add --team cl-ops --period "$p" --owner cl-lead --title "Race $m" &&
	cl_quiet "review $p" as admin period review "$p" || continue
	# Eight readings spread over the close: some before, some after.
	pids=
	for j in 1 2 3 4 5 6 7 8; do
		( sleep "0.0$j"; as cl-lead --json kpi record "$K_OPS" "$j" \
		    --at "2024-$m-1${j}T12:00:00Z" >"$T/cl-race-$j.out" 2>&1
		  echo $? >"$T/cl-race-$j.rc" ) &
		pids="$pids $!"
	done
	( sleep 0.04; as admin period close "$p" --auto-grade >"$T/cl-race-close.out" 2>&1 ) &
	# Not a bare wait: cairnd is a child of this shell too.
	wait $pids $!
	for j in 1 2 3 4 5 6 7 8; do
		case $(< "$T/cl-race-$j.rc") in
		0) cl_ok=$((cl_ok + 1)) ;;
		7) grep -q '"rule":"period.closed"' "$T/cl-race-$j.out" &&
		    cl_refusals=$((cl_refusals + 1)) ;;
		esac
	done
done
expect_eq "closed: race: every period was closed" \
    "$(cl_q "SELECT count(*) FROM periods WHERE name LIKE 'cl-r%' AND state = 'closed'")" "$CL_ROUNDS"
expect_eq "closed: race: every reading taken or refused period.closed" \
    "$((cl_ok + cl_refusals))" "$((CL_ROUNDS * 8))"
expect_eq "closed: race: no reading of a closed period committed after its close" \
    "$(cl_q "SELECT count(*) FROM cl_close_seen s JOIN periods p ON p.id = s.period_id WHERE s.readings <> (SELECT count(*) FROM kpi_readings r WHERE r.kpi_id = $K_OPS AND r.at >= p.start_date::timestamp AT TIME ZONE 'UTC' AND r.at < (p.end_date + 1)::timestamp AT TIME ZONE 'UTC')")" 0
expect_eq "closed: race: the close noted every period" \
    "$(cl_q "SELECT count(*) FROM cl_close_seen")" "$CL_ROUNDS"
echo "# closed: race: $cl_ok readings taken before a close, $cl_refusals refused after it"
cl_q "DROP TRIGGER cl_close_seen ON periods; DROP FUNCTION cl_close_seen(); DROP TABLE cl_close_seen" >/dev/null

# Times: RFC 3339 with offsets, stored in UTC (item 10) ---------------------

cl_taken "times: an offset is taken" "$K_FREE" 2026-12-05T08:00:00+01:00
expect_eq "times: ... stored as its UTC instant" \
    "$(cl_q "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') FROM kpi_readings WHERE kpi_id = $K_FREE ORDER BY id DESC LIMIT 1")" \
    2026-12-05T07:00:00
expect_exit "times: kpi history" 0 as cl-lead --json kpi history "$K_FREE"
expect_match "times: ... reads back as the Z time" '"at":"2026-12-05T07:00:00Z"' "$OUT"
cl_taken "times: a negative offset, lowercase t" "$K_FREE" 2026-12-04t20:00:00.25-10:30
expect_eq "times: ... stored as its UTC instant" \
    "$(cl_q "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS') FROM kpi_readings WHERE kpi_id = $K_FREE ORDER BY id DESC LIMIT 1")" \
    2026-12-05T06:30:00.250
expect_exit "times: kpi import with offsets" 0 as cl-lead kpi import - <<EOF
kpi,value,at
$K_FREE,7,2026-11-02T09:00:00+05:30
EOF
expect_eq "times: ... stored in UTC" \
    "$(cl_q "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') FROM kpi_readings WHERE kpi_id = $K_FREE AND value = 7")" \
    2026-11-02T03:30:00
before=$(cl_count "$K_FREE")
expect_exit "times: an offset beyond +14:00" 7 as cl-lead --json kpi record "$K_FREE" 1 --at 2026-11-02T09:00:00+14:30
expect_match "times: ... names the field" '"field":"readings\[0\]\.at"' "$ERR"
expect_exit "times: no offset" 7 as cl-lead --json kpi record "$K_FREE" 1 --at 2026-11-02T09:00:00
expect_match "times: ... says to give one" '"code":"E_INVALID".*offset' "$ERR"
expect_exit "times: a leap second" 7 as cl-lead --json kpi record "$K_FREE" 1 --at 2016-12-31T23:59:60Z
expect_exit "times: 2026-02-30 in a time" 7 as cl-lead --json kpi record "$K_FREE" 1 --at 2026-02-30T08:00:00+01:00
expect_match "times: ... is no such day" '"code":"E_INVALID".*no such day' "$ERR"
expect_eq "times: nothing of those recorded" "$(cl_count "$K_FREE")" "$before"

# The server's own date check, past the client's (a raw connection): the
# calendar, naming the field.
cl_raw() {	# cl_raw OP ARGS-PYTHON: "CODE FIELD" or "ok"
	python3 - "$ADDR" "$T/certs/ca.pem" "$1" "$2" <<'PY' 2>&1
import sys
import os
sys.path.insert(0, os.environ['CL_HERE'])
from rawconn import Raw
r = Raw(sys.argv[1], sys.argv[2], 'closed.sh')
assert r.login('cl-admin', 'cl-pw-cl-admin')
res = r.call(sys.argv[3], eval(sys.argv[4]))
err = res.get('error')
print('%s %s' % (err.get('code'), err.get('field')) if err else 'ok')
PY
}
export CL_HERE=$HERE
expect_eq "dates: period.create 2026-02-30 refused naming start" \
    "$(cl_raw period.create "{'name': 'cl-feb', 'start': '2026-02-30', 'end': '2026-03-31'}")" "E_INVALID start"
expect_eq "dates: period.create 2026-04-31 refused naming end" \
    "$(cl_raw period.create "{'name': 'cl-apr', 'start': '2026-04-01', 'end': '2026-04-31'}")" "E_INVALID end"
expect_eq "dates: audit.list since 2026-02-29 refused naming since" \
    "$(cl_raw audit.list "{'since': '2026-02-29'}")" "E_INVALID since"
expect_eq "dates: nothing created" "$(cl_q "SELECT count(*) FROM periods WHERE name IN ('cl-feb', 'cl-apr')")" 0
expect_eq "dates: 2028-02-29 is a day" \
    "$(cl_raw period.create "{'name': 'cl-leap', 'start': '2028-02-29', 'end': '2028-03-31'}")" ok
expect_eq "times: a raw kpi.record with an offset" \
    "$(cl_raw kpi.record "{'readings': [{'kpi': $K_FREE, 'value': 3, 'at': '2026-12-01T23:30:00-02:00'}]}")" ok
expect_eq "times: ... stored in UTC" \
    "$(cl_q "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') FROM kpi_readings WHERE kpi_id = $K_FREE AND value = 3")" \
    2026-12-02T01:30:00
