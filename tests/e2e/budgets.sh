# budgets.sh: per-user write budgets (issue 13 item 8, sql/023; sourced by
# suite.sh: uses lib.sh's as(), mkuser, quietly).
#
# Small budgets are set through settings.set, exhausted, seen refused with
# E_LIMIT naming the budget and its refill time, seen to refill, lifted by
# an admin for one user; a keyed retry takes nothing; a refused write
# changes nothing.  The settings are put back to what they were.

bq() {	# bq SQL: one value from the database
	psql_cairn -c "$1"
}

b_setting() {	# b_setting NAME VALUE
	quietly "budgets: setting $1=$2" as admin settings set "$1" "$2"
}

b_tokens() {	# b_tokens LOGIN BUDGET [KPI]: the bucket's row (tokens|at)
	bq "SELECT b.tokens || '|' || b.at FROM budgets b JOIN users u
	    ON u.id = b.user_id WHERE u.login = '$1' AND b.name = '$2'
	    AND b.kpi_id = ${3:-0}"
}

b_drain() {	# b_drain WHO KR: check in until refused (at most 50 times)
	local i=0
	while [ $i -lt 50 ] && as "$1" kr checkin "$2" 1 >/dev/null 2>&1; do
		i=$((i + 1))
	done
}

b_json_int() {	# b_json_int FIELD TEXT: an integer field of a JSON text
	printf '%s' "$2" | json_all "$1" | tail -1
}

# The defaults, as documented in docs/operations.md.
expect_exit "budgets: settings" 0 as admin --json settings
for kv in budget_writes_rate:600 budget_writes_burst:600 \
    budget_readings_rate:2000 budget_readings_burst:20000 \
    budget_readings_per_kpi_rate:120 budget_readings_per_kpi_burst:5000; do
	expect_match "budgets: default ${kv%%:*} is ${kv#*:}" \
	    "\"${kv%%:*}\":${kv#*:}[,}]" "$OUT"
done
expect_exit "budgets: budget_* settings go up to 1,000,000" 0 \
    as admin settings set budget_readings_burst 1000000
expect_exit "... not beyond" 7 as admin settings set budget_readings_burst 1000001
expect_exit "... others stay within 1,000" 7 as admin settings set max_depth 1001
expect_exit "budgets: the database refuses a budget of 0" 1 \
    psql_cairn -c "UPDATE settings SET value = 0 WHERE name = 'budget_writes_rate'"
expect_exit "... and a max_depth of 5,000" 1 \
    psql_cairn -c "UPDATE settings SET value = 5000 WHERE name = 'max_depth'"
b_setting budget_readings_burst 20000

# A team, a period, a member, an objective with a key result, two KPIs.
root_team=$(bq "SELECT slug FROM teams WHERE parent_id IS NULL")
quietly "budgets: team" as admin team add bud --name Budgets ${root_team:+--parent "$root_team"}
quietly "budgets: period" as admin period add budp --start 2042-01-01 --end 2042-03-31
quietly "budgets: period open" as admin period open budp
mkuser bmem member
mkuser bmem2 member
quietly "budgets: bmem in bud" as admin team member add bud bmem
quietly "budgets: bmem2 in bud" as admin team member add bud bmem2
quietly "budgets: objective" as admin obj add --team bud --period budp --owner bmem --title "Budgeted"
BO=$OUT
quietly "budgets: key result" as admin kr add "$BO" --title "kr" --type increase --target 1000000 --owner bmem
BK=$OUT
quietly "budgets: KPI 1" as admin kpi add --team bud --name "bud one" --unit n --direction up --green 10 --amber 5
BP1=$OUT
quietly "budgets: KPI 2" as admin kpi add --team bud --name "bud two" --unit n --direction up --green 10 --amber 5
BP2=$OUT
quietly "budgets: KPI 3" as admin kpi add --team bud --name "bud three" --unit n --direction up --green 10 --amber 5
BP3=$OUT

# The admin is exempt while the budgets are small: its settings and checks
# must not be refused.
expect_exit "budgets: a member may not lift budgets" 4 as bmem user budget bmem --lift
expect_exit "budgets: user budget needs --lift or --restore" 2 as admin user budget root
expect_exit "budgets: user budget of no user" 5 as admin user budget nosuchuser --lift
expect_exit "budgets: the admin lifts its own budgets" 0 as admin user budget root --lift
expect_eq "... 'root: budgets lifted'" "$OUT" "root: budgets lifted"
expect_eq "... audited" "$(bq "SELECT after->>'budgets_lifted' FROM audit_log WHERE op = 'user.budget' ORDER BY id DESC LIMIT 1")" "true"

# budget.writes: 5 at once, one token a minute.
b_setting budget_writes_rate 1
b_setting budget_writes_burst 5
K1=bud-$$-k1
expect_exit "budgets: a keyed check-in" 0 as bmem --json kr checkin "$BK" 1 --idempotency-key "$K1"
n=1
while [ $n -lt 5 ] && as bmem kr checkin "$BK" $((n + 1)) >/dev/null 2>&1; do
	n=$((n + 1))
done
expect_eq "budgets: five writes pass (the burst)" "$n" 5
ci0=$(bq "SELECT count(*) FROM checkins WHERE kr_id = $BK")
au0=$(bq "SELECT count(*) FROM audit_log")
kr0=$(bq "SELECT current || '|' || version FROM key_results WHERE id = $BK")
tok0=$(b_tokens bmem writes)
expect_exit "budgets: the sixth is refused (E_LIMIT, exit 7)" 7 as bmem --json kr checkin "$BK" 99 --note "refused"
expect_match "... naming budget.writes" '"code":"E_LIMIT"' "$ERR"
expect_match "... in the error map" '"budget":"budget.writes"' "$ERR"
secs=$(b_json_int retry_after "$ERR")
if [ -n "$secs" ] && [ "$secs" -ge 1 ] && [ "$secs" -le 60 ]; then
	ok "... with retry_after in seconds ($secs, at one token a minute)"
else
	not_ok "... with retry_after in seconds" "$ERR"
fi
expect_match "... and says when it refills" "refills enough in $secs s" "$ERR"
expect_exit "... the human message too" 7 as bmem kr checkin "$BK" 99
expect_match "... names the budget and the seconds" "budget.writes exhausted .*refills enough in [0-9]+ s" "$ERR"
expect_eq "... no check-in stored" "$(bq "SELECT count(*) FROM checkins WHERE kr_id = $BK")" "$ci0"
expect_eq "... no audit entry" "$(bq "SELECT count(*) FROM audit_log")" "$au0"
expect_eq "... the key result unchanged" "$(bq "SELECT current || '|' || version FROM key_results WHERE id = $BK")" "$kr0"
expect_eq "... and the bucket untouched" "$(b_tokens bmem writes)" "$tok0"
expect_exit "budgets: other writes are refused too (an objective's edit)" 7 as bmem obj edit "$BO" --title "Refused"
expect_eq "... not made" "$(bq "SELECT count(*) FROM objectives WHERE title = 'Refused'")" 0
expect_exit "budgets: reads are not budgeted" 0 as bmem kr show "$BK"
expect_exit "budgets: another user's budget is their own" 0 as bmem2 kr checkin "$BK" 7

# The keyed retry of a recorded check-in: answered as before, nothing
# taken (the bucket is empty, and its row does not change).
expect_exit "budgets: the keyed check-in retried, bucket empty" 0 as bmem --json kr checkin "$BK" 1 --idempotency-key "$K1"
expect_eq "... answered as the first (the key result)" "$(echo "$OUT" | json_field id)" "$BK"
expect_eq "... nothing taken" "$(b_tokens bmem writes)" "$tok0"
expect_eq "... nothing stored" "$(bq "SELECT count(*) FROM checkins WHERE kr_id = $BK AND author_id = (SELECT id FROM users WHERE login = 'bmem')")" 5

# A write rolled back gives its token back (the budget is taken in the
# write's transaction).
bid=$(bq "SELECT id FROM users WHERE login = 'bmem2'")
tokr=$(b_tokens bmem2 writes)
expect_exit "budgets: a write rolled back" 0 psql_cairn -c "BEGIN;
    INSERT INTO audit_log (user_id, op, entity_type, entity_id)
    VALUES ($bid, 'budgets.test', 'user', $bid); ROLLBACK;"
expect_eq "... takes nothing" "$(b_tokens bmem2 writes)" "$tokr"

# Refill: at 600 a minute the bucket has a token again within a second.
b_setting budget_writes_rate 600
deadline=$(($(date +%s) + 10))
refilled=no
while [ "$(date +%s)" -le "$deadline" ]; do
	if as bmem kr checkin "$BK" 42 >/dev/null 2>&1; then
		refilled=yes
		break
	fi
	sleep 0.2
done
expect_eq "budgets: the bucket refills (600 a minute)" "$refilled" yes
expect_eq "... the check-in stored" "$(bq "SELECT current FROM key_results WHERE id = $BK")" 42

# An admin lifts one user's budgets, and restores them.
b_setting budget_writes_rate 1
b_drain bmem "$BK"
expect_exit "budgets: bmem is out of writes" 7 as bmem kr checkin "$BK" 44
expect_exit "budgets: the admin lifts bmem's budgets" 0 as admin user budget bmem --lift
expect_eq "... audited, by the admin" "$(bq "SELECT u.login || ' ' || (a.before->>'budgets_lifted') || ' ' || (a.after->>'budgets_lifted') FROM audit_log a JOIN users u ON u.id = a.user_id WHERE a.op = 'user.budget' ORDER BY a.id DESC LIMIT 1")" "root false true"
ok_all=yes
for v in 45 46 47 48 49 50 51 52; do
	as bmem kr checkin "$BK" $v >/dev/null 2>&1 || ok_all=no
done
expect_eq "budgets: lifted, bmem writes past the burst" "$ok_all" yes
expect_exit "budgets: bmem2 is still budgeted" 0 as bmem2 kr checkin "$BK" 53
b_drain bmem2 "$BK"
expect_exit "... and refused when out" 7 as bmem2 kr checkin "$BK" 55
expect_exit "budgets: the admin restores bmem's budgets" 0 as admin --json user budget bmem --restore
expect_eq "... lifted false" "$(echo "$OUT" | json_field lifted)" false
# Refused again within the burst: drained first, as a minute may have
# passed since the drain above (the rate is 1 a minute; under ASan on a
# loaded machine these steps take that long) and refilled a token.  A
# user still lifted would never be refused: b_drain would stop at its
# 50 and the check below pass.
b_drain bmem "$BK"
expect_exit "... bmem is refused again" 7 as bmem kr checkin "$BK" 56
b_setting budget_writes_rate 600
b_setting budget_writes_burst 600

# budget.readings_per_kpi: 10 at once per KPI; a batch of N costs N.
b_setting budget_readings_per_kpi_rate 1
b_setting budget_readings_per_kpi_burst 10
b_csv() {	# b_csv KPI N FILE: N readings of KPI
	echo "kpi,value" > "$3"
	for i in $(seq 1 "$2"); do echo "$1,$i"; done >> "$3"
}
b_csv "$BP1" 8 "$T/bud-8.csv"
b_csv "$BP1" 3 "$T/bud-3.csv"
b_csv "$BP1" 2 "$T/bud-2.csv"
b_csv "$BP1" 11 "$T/bud-11.csv"
b_csv "$BP2" 8 "$T/bud-p2.csv"
r0=$(bq "SELECT count(*) FROM kpi_readings WHERE kpi_id = $BP1")
expect_exit "budgets: a batch of 8 readings" 0 as bmem kpi import "$T/bud-8.csv"
expect_exit "budgets: then a batch of 3 is refused" 7 as bmem --json kpi import "$T/bud-3.csv"
expect_match "... naming budget.readings_per_kpi" '"budget":"budget.readings_per_kpi"' "$ERR"
expect_match "... and the KPI" "KPI $BP1" "$ERR"
expect_eq "... none of the 3 stored" "$(bq "SELECT count(*) FROM kpi_readings WHERE kpi_id = $BP1")" "$((r0 + 8))"
expect_exit "budgets: a batch of 2 fits" 0 as bmem kpi import "$T/bud-2.csv"
expect_exit "budgets: another KPI has its own bucket" 0 as bmem kpi import "$T/bud-p2.csv"
expect_exit "budgets: a batch above the burst" 7 as bmem kpi import "$T/bud-11.csv"
expect_match "... says it is more than the burst" "more than its burst of 10" "$ERR"
expect_exit "budgets: one reading more on KPI 1" 7 as bmem kpi record "$BP1" 5
expect_exit "... but bmem2's bucket is its own" 0 as bmem2 kpi record "$BP1" 5
b_setting budget_readings_per_kpi_rate 120
b_setting budget_readings_per_kpi_burst 5000

# budget.readings: all KPIs of a user together.
b_setting budget_readings_rate 1
b_setting budget_readings_burst 3
expect_exit "budgets: budget.readings, 3 at once" 0 as bmem2 kpi record "$BP2" 1
expect_exit "... 2 more" 0 as bmem2 kpi import "$T/bud-2.csv"
expect_exit "... the fourth, on another KPI, refused" 7 as bmem2 --json kpi record "$BP2" 2
expect_match "... naming budget.readings" '"budget":"budget.readings"' "$ERR"
b_setting budget_readings_rate 2000
b_setting budget_readings_burst 20000

# The defaults pass a year of daily readings in one import (a fresh
# bucket: raising a burst adds no tokens, only time does).
echo "kpi,value,at" > "$T/bud-year.csv"
for d in $(seq 1 365); do
	echo "$BP3,$d,$(date -u -d "2025-01-01 + $d days" +%Y-%m-%dT12:00:00Z)"
done >> "$T/bud-year.csv"
expect_exit "budgets: with the defaults, a year of daily readings imports" 0 \
    as bmem kpi import "$T/bud-year.csv"
expect_eq "... 'recorded 365 readings'" "$OUT" "recorded 365 readings"

expect_exit "budgets: the admin's budgets restored" 0 as admin user budget root --restore
expect_eq "budgets: no budget lifted at the end" "$(bq "SELECT count(*) FROM budget_lifts")" 0
expect_exit "budgets: the settings are back to the defaults" 0 as admin --json settings
expect_match "... writes" '"budget_writes_burst":600,"budget_writes_rate":600' "$OUT"
