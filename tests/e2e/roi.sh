# roi.sh: the framework's ROI per team and period (roi set, roi show) through
# the real cairn command line (sourced by suite.sh, after login_admin: uses lib.sh's `as` and the admin session it left in home-admin).  Expected figures are
# computed here from the inputs (roi_expect, in awk), never copied from a
# reply.

roi_q() {	# roi_q SQL: one value from the database
	psql_cairn -c "$1"
}

# What a refusal must leave alone: the inputs and the audit log's size.
roi_state() {	# DIGEST: of the ROI inputs and the audit log's size
	digest "SELECT md5(coalesce(string_agg(i::text, ',' ORDER BY team_id,
	    period_id, name), '') || (SELECT count(*) FROM audit_log)::text)
	    FROM roi_inputs i"
}

# roi_refused NAME CODE WHO ARGS...: fails with exit CODE, changes nothing.
roi_refused() {
	local name=$1 code=$2 who=$3 before
	shift 3
	roi_state; before=$DIGEST
	expect_exit "$name" "$code" as "$who" --json "$@"
	roi_state; expect_eq "$name: nothing changed" "$DIGEST" "$before"
}

# A number from a flat JSON object (a top-level member).
jnum() {	# jnum KEY: from $OUT
	echo "$OUT" | json_field "$1"
}

# expect_cents NAME GOT WANT: equal to the cent.
expect_cents() {
	if awk -v g="$2" -v w="$3" 'BEGIN { d = g - w
	    exit !(g ~ /^-?[0-9][0-9.eE+-]*$/ && d < 0.005 && d > -0.005) }'
	then
		ok "$1"
	else
		not_ok "$1" "got '$2', want $3"
	fi
}

# roi_expect DAYS HC RATE OUT PROD SAVED RET REPL EFF FW TOOL: the parts by
# the issue's formulas, each to the cent, as
# "productivity time_savings engagement efficiency benefits cost net".
roi_expect() {
	awk -v days="$1" -v hc="$2" -v rate="$3" -v out="$4" -v prod="$5" \
	    -v saved="$6" -v ret="$7" -v repl="$8" -v eff="$9" -v fw="${10}" \
	    -v tool="${11}" 'function c(x) { return sprintf("%.2f", x) }
	BEGIN { w = days / 7
		p = c(out * prod / 100); t = c(saved * w * hc * rate)
		e = c(ret / 100 * hc * repl); f = c(eff)
		cost = c(fw * w * hc * rate + tool)
		b = c(p + t + e + f)
		print p, t, e, f, b, cost, c(b - cost) }'
}

# roi_login USER ROLE: create the user and log them in (home-USER).
roi_login() {
	expect_exit "roi: user $1" 0 sh -c "echo roi-pw-$1 | XDG_CONFIG_HOME=$T/home-admin $BIN/cairn user add $1 --name '$1' --role $2 --password-stdin"
	expect_exit "roi: $1 logs in" 0 sh -c "echo roi-pw-$1 | XDG_CONFIG_HOME=$T/home-$1 $BIN/cairn login $1 --password-stdin"
}

# Setup ---------------------------------------------------------------------

root_team=$(roi_q "SELECT slug FROM teams WHERE parent_id IS NULL")
if [ -z "$root_team" ]; then
	expect_exit "roi: a root team" 0 as admin team add roi-root --name "ROI root"
	root_team=roi-root
fi
roi_login roi-lead member
roi_login roi-up member
roi_login roi-mem member
roi_login roi-exec executive
roi_login roi-out member
expect_exit "roi: team ops" 0 as admin team add roi-ops --name Operations --parent "$root_team"
expect_exit "roi: team eng under ops" 0 as admin team add roi-eng --name Engineering --parent roi-ops
expect_exit "roi: team web under ops" 0 as admin team add roi-web --name Web --parent roi-ops
expect_exit "roi: private team sec under ops" 0 as admin team add roi-sec --name Security --parent roi-ops --private
expect_exit "roi: lead of eng" 0 as admin team member add roi-eng roi-lead --lead
expect_exit "roi: lead of sec" 0 as admin team member add roi-sec roi-lead --lead
expect_exit "roi: lead of ops" 0 as admin team member add roi-ops roi-up --lead
expect_exit "roi: member of eng" 0 as admin team member add roi-eng roi-mem
expect_exit "roi: the 91-day period" 0 as admin period add roi-q4 --start 2026-10-01 --end 2026-12-30
expect_exit "roi: period open" 0 as admin period open roi-q4
expect_exit "roi: a 30-day period" 0 as admin period add roi-oct --start 2026-10-01 --end 2026-10-30

# The worked example of the issue --------------------------------------------

EX="40 50 2000000 20 4 2 30000 50000 1.5 5000"
expect_exit "roi set: the lead sets the worked example" 0 as roi-lead --json roi set roi-eng --period roi-q4 \
    --headcount 40 --hourly-cost 50 --output-value 2000000 --productivity-pct 20 \
    --hours-saved-per-week 4 --retention-change-pct 2 --replacement-cost 30000 \
    --efficiency-savings 50000 --framework-hours-per-week 1.5 --tool-cost 5000
# shellcheck disable=SC2086
set -- $(roi_expect 91 $EX)
expect_eq "... by hand: 400,000 + 104,000 + 24,000 + 50,000 = 578,000; cost 44,000" "$*" \
    "400000.00 104000.00 24000.00 50000.00 578000.00 44000.00 534000.00"
expect_cents "... productivity" "$(jnum productivity)" "$1"
expect_cents "... time savings" "$(jnum time_savings)" "$2"
expect_cents "... engagement" "$(jnum engagement)" "$3"
expect_cents "... efficiency" "$(jnum efficiency)" "$4"
expect_cents "... benefits" "$(jnum benefits)" "$5"
expect_cents "... cost" "$(jnum cost)" "$6"
expect_cents "... net" "$(jnum net)" "$7"
expect_num "... roi = net / cost (12.136...)" "$(jnum roi)" "$(frac "$7 / $6")"
expect_num "... weeks" "$(jnum weeks)" 13
expect_match "... nothing missing" '"missing":\[\]' "$OUT"
expect_match "... each input with who set it" '"headcount":\{[^}]*"set_by":"roi-lead"' "$OUT"
expect_match "... and when" '"tool_cost":\{[^}]*"set_at":"20[0-9-]+T[0-9:]+Z"' "$OUT"
expect_eq "... ten inputs stored by the lead" "$(roi_q "SELECT count(*) FROM roi_inputs i JOIN users u ON u.id = i.set_by WHERE u.login = 'roi-lead'")" 10
expect_eq "... one audit entry, with the values" "$(roi_q "SELECT count(*) FROM audit_log WHERE op = 'roi.set' AND entity_type = 'team' AND entity_id = (SELECT id FROM teams WHERE slug = 'roi-eng') AND after -> 'inputs' ->> 'framework_hours_per_week' = '1.5'")" 1
expect_exit "roi show: the table" 0 as roi-lead roi show roi-eng --period roi-q4
expect_match "... ROI as a percentage" "ROI +1213\.64%" "$OUT"
expect_match "... net" "net +534000\.00" "$OUT"
expect_match "... observed hours beside the entered 1.5" "framework hours +1\.5 entered, [0-9.]+ observed" "$OUT"
expect_exit "roi show --json" 0 as roi-lead --json roi show roi-eng --period roi-q4
expect_cents "... the same net" "$(jnum net)" "$7"

# Who may set ----------------------------------------------------------------

expect_exit "roi set: an ancestor team's lead may" 0 as roi-up --json roi set roi-eng --period roi-q4 --tool-cost 5000
expect_eq "... tool_cost now set by them" "$(roi_q "SELECT u.login FROM roi_inputs i JOIN users u ON u.id = i.set_by WHERE i.name = 'tool_cost' AND i.team_id = (SELECT id FROM teams WHERE slug = 'roi-eng')")" roi-up
expect_match "... and the reply says so" '"tool_cost":\{[^}]*"set_by":"roi-up"' "$OUT"
expect_match "... the others still the lead's" '"headcount":\{[^}]*"set_by":"roi-lead"' "$OUT"
expect_cents "... the same cost" "$(jnum cost)" "$6"
expect_exit "roi set: an admin may" 0 as admin --json roi set roi-eng --period roi-q4 --efficiency-savings 50000
expect_eq "... audited twice more" "$(roi_q "SELECT count(*) FROM audit_log WHERE op = 'roi.set'")" 3
expect_match "... the audit entry has the value before" '"efficiency_savings": 50000[,}]' "$(roi_q "SELECT before::text FROM audit_log WHERE op = 'roi.set' ORDER BY id DESC LIMIT 1")"
roi_refused "roi set: a member of the team may not" 4 roi-mem roi set roi-eng --period roi-q4 --tool-cost 1
expect_match "... E_FORBIDDEN" '"code":"E_FORBIDDEN"' "$ERR"
roi_refused "roi set: an executive may not" 4 roi-exec roi set roi-eng --period roi-q4 --tool-cost 1
roi_refused "roi set: an outsider may not" 4 roi-out roi set roi-eng --period roi-q4 --tool-cost 1
roi_refused "roi set: a private team is missing to an outsider" 5 roi-out roi set roi-sec --period roi-q4 --tool-cost 1
expect_match "... E_NOT_FOUND" '"code":"E_NOT_FOUND"' "$ERR"
roi_refused "roi set: a sub-team's lead may not set the parent's" 4 roi-lead roi set roi-ops --period roi-q4 --tool-cost 1
roi_refused "roi set: no such team" 5 admin roi set roi-nope --period roi-q4 --tool-cost 1
roi_refused "roi set: no such period" 5 admin roi set roi-eng --period roi-nope --tool-cost 1
expect_match "... naming the period" '"field":"period"' "$ERR"
roi_refused "roi set: no input at all" 7 admin roi set roi-eng --period roi-q4
expect_match "... E_INVALID" '"code":"E_INVALID"' "$ERR"

expect_exit "roi show: a period nobody set anything for" 0 as roi-up --json roi show roi-web --period roi-oct
expect_match "... every input missing" '"missing":\["headcount","hourly_cost","output_value","productivity_pct","hours_saved_per_week","retention_change_pct","replacement_cost","efficiency_savings","framework_hours_per_week","tool_cost"\]' "$OUT"
expect_match "... roi nil" '"roi":null' "$OUT"

# Who may read ---------------------------------------------------------------

expect_exit "roi show: the lead" 0 as roi-lead --json roi show roi-eng --period roi-q4
expect_exit "roi show: the ancestor's lead" 0 as roi-up --json roi show roi-eng --period roi-q4
expect_exit "roi show: an executive" 0 as roi-exec --json roi show roi-eng --period roi-q4
expect_cents "... sees the net" "$(jnum net)" "$7"
expect_exit "roi show: an admin" 0 as admin --json roi show roi-eng --period roi-q4
expect_exit "roi show: a member of the team may not" 4 as roi-mem --json roi show roi-eng --period roi-q4
expect_match "... E_FORBIDDEN" '"code":"E_FORBIDDEN"' "$ERR"
expect_exit "roi show: an outsider may not" 4 as roi-out --json roi show roi-eng --period roi-q4
expect_exit "roi show: a private team is missing to an outsider" 5 as roi-out --json roi show roi-sec --period roi-q4
expect_exit "roi show: its lead reads it" 0 as roi-lead --json roi show roi-sec --period roi-q4
expect_exit "roi show: an executive reads it" 0 as roi-exec --json roi show roi-sec --period roi-q4
expect_exit "roi show: neither a team nor --org" 7 as admin --json roi show --period roi-q4
expect_exit "roi show: both a team and --org" 7 as admin --json roi show roi-eng --org --period roi-q4
expect_exit "roi show: no such period" 5 as admin --json roi show roi-eng --period roi-nope

# The organisation: each team's parts summed -----------------------------------

WEB="10 80 500000 5 2 1 20000 10000 1 2000"
expect_exit "roi set: a second team" 0 as roi-up --json roi set roi-web --period roi-q4 \
    --headcount 10 --hourly-cost 80 --output-value 500000 --productivity-pct 5 \
    --hours-saved-per-week 2 --retention-change-pct 1 --replacement-cost 20000 \
    --efficiency-savings 10000 --framework-hours-per-week 1 --tool-cost 2000
# shellcheck disable=SC2086
W=$(roi_expect 91 $WEB)
# shellcheck disable=SC2086
E=$(roi_expect 91 $EX)
ORG=$(printf '%s\n%s\n' "$E" "$W" | awk '{ for (i = 1; i <= 7; i++) s[i] += $i }
    END { printf "%.2f %.2f %.2f %.2f %.2f %.2f %.2f", s[1], s[2], s[3], s[4], s[5], s[6], s[7] }')
# shellcheck disable=SC2086
set -- $ORG
expect_exit "roi show --org: an executive" 0 as roi-exec --json roi show --org --period roi-q4
expect_cents "... productivity summed" "$(jnum productivity)" "$1"
expect_cents "... time savings summed" "$(jnum time_savings)" "$2"
expect_cents "... engagement summed" "$(jnum engagement)" "$3"
expect_cents "... efficiency summed" "$(jnum efficiency)" "$4"
expect_cents "... benefits summed" "$(jnum benefits | tail -1)" "$5"
expect_cents "... cost summed" "$(jnum cost)" "$6"
expect_cents "... net summed" "$(jnum net)" "$7"
expect_num "... roi = sum of net / sum of cost" "$(jnum roi)" "$(frac "$7 / $6")"
expect_num "... headcount summed" "$(jnum headcount)" 50
expect_match "... both teams listed" '"team":"roi-eng".*"team":"roi-web"' "$OUT"
expect_exit "roi show --org: the table" 0 as admin roi show --org --period roi-q4
expect_match "... a row per team" "roi-web +10 " "$OUT"
expect_match "... the organisation's ROI" "ROI +$(awk -v n="$7" -v c="$6" 'BEGIN { printf "%.2f", n / c * 100 }')%" "$OUT"
expect_exit "roi show --org: a lead may not" 4 as roi-up --json roi show --org --period roi-q4
expect_exit "roi show --org: a member may not" 4 as roi-mem --json roi show --org --period roi-q4

# Missing inputs, zero cost, a period that is not whole weeks -----------------

expect_exit "roi set: two inputs only" 0 as roi-lead --json roi set roi-eng --period roi-oct --output-value 1000 --productivity-pct 10
expect_match "... the missing ones named" '"missing":\["headcount","hourly_cost","hours_saved_per_week","retention_change_pct","replacement_cost","efficiency_savings","framework_hours_per_week","tool_cost"\]' "$OUT"
expect_match "... a missing input is nil" '"headcount":null' "$OUT"
expect_match "... zero cost: roi nil" '"roi":null' "$OUT"
expect_match "... with a clear message" '"roi_message":"the cost is 0, so the ROI is undefined[^"]*"' "$OUT"
expect_match "... observed per person nil without a headcount" '"observed_hours":null' "$OUT"
expect_exit "roi show: the message in the table" 0 as roi-lead roi show roi-eng --period roi-oct
expect_match "... ROI -" "ROI +-" "$OUT"
expect_match "... and why" "the cost is 0" "$OUT"
expect_exit "roi set: 30 days are not whole weeks" 0 as roi-lead --json roi set roi-eng --period roi-oct --headcount 3 --hourly-cost 33.33 --hours-saved-per-week 1 --framework-hours-per-week 0.5
set -- $(roi_expect 30 3 33.33 1000 10 1 0 0 0 0.5 0)
expect_cents "... time savings to the cent (1 x 30/7 x 3 x 33.33)" "$(jnum time_savings)" "$2"
expect_cents "... cost to the cent" "$(jnum cost)" "$6"
expect_num "... roi" "$(jnum roi)" "$(frac "$7 / $6")"

# Observed hours follow what happens ----------------------------------------------

obs() {	# obs KEY: from the observed map of $OUT
	echo "$OUT" | json_all observed | tail -1 | json_field "$1"
}
setting() {
	roi_q "SELECT value FROM settings WHERE name = '$1'"
}
expect_exit "roi: before any goal" 0 as roi-lead --json roi show roi-eng --period roi-q4
C0=$(obs checkins); E0=$(obs edits); M0=$(obs minutes)
expect_exit "roi: an objective" 0 as roi-lead obj add --team roi-eng --period roi-q4 --title "ROI goal"
OBJ=$OUT
expect_exit "roi: a key result" 0 as roi-lead kr add "$OBJ" --title "ROI kr" --type increase --target 10
KR=$OUT
for v in 1 2 3; do
	expect_exit "roi: check-in $v" 0 as roi-mem kr checkin "$KR" "$v"
done
expect_exit "roi show: after three check-ins" 0 as roi-lead --json roi show roi-eng --period roi-q4
expect_eq "... three more check-ins seen" "$(obs checkins)" "$((C0 + 3))"
expect_eq "... the objective's creation seen as an edit" "$(obs edits)" "$((E0 + 1))"
WANT_M=$((M0 + 3 * $(setting roi_minutes_checkin) + $(setting roi_minutes_edit)))
expect_eq "... minutes at the settings' rates" "$(obs minutes)" "$WANT_M"
expect_num "... total hours" "$(jnum observed_hours_total)" "$(awk -v m="$WANT_M" 'BEGIN { printf "%.2f", m / 60 }')"
expect_num "... per person per week (/ 40 / 13)" "$(jnum observed_hours)" "$(awk -v m="$WANT_M" 'BEGIN { printf "%.4f", m / 60 / 40 / 13 }')"
expect_exit "roi: check-ins cost 30 minutes now" 0 as admin settings set roi_minutes_checkin 30
expect_exit "roi show: after the setting" 0 as roi-lead --json roi show roi-eng --period roi-q4
expect_eq "... minutes follow the setting" "$(obs minutes)" "$((M0 + 3 * 30 + $(setting roi_minutes_edit)))"
expect_exit "roi: back to 5" 0 as admin settings set roi_minutes_checkin 5
expect_exit "roi: settings refuse an unknown name" 7 as admin --json settings set roi_minutes_nap 5
# Assessments: rows of the assessments table (sql/009) once it exists,
# else audit entries assessment.create on team:ID; two in the period, one
# after it (written in SQL, with the times the test needs).
EID=$(roi_q "SELECT id FROM teams WHERE slug = 'roi-eng'")
if [ -n "$(roi_q "SELECT to_regclass('assessments')")" ]; then
	roi_q "INSERT INTO assessments (team_id, author_id, answers, at)
	    SELECT $EID, u.id, '{}', a::timestamptz FROM users u,
	    (VALUES ('2026-11-15T10:00:00Z'), ('2026-12-30T23:59:00Z'),
	    ('2026-12-31T00:00:00Z')) x (a) WHERE u.login = 'roi-lead'" >/dev/null
else
	roi_q "INSERT INTO audit_log (user_id, op, entity_type, entity_id, at) VALUES
	    (NULL, 'assessment.create', 'team', $EID, '2026-11-15T10:00:00Z'),
	    (NULL, 'assessment.create', 'team', $EID, '2026-12-30T23:59:00Z'),
	    (NULL, 'assessment.create', 'team', $EID, '2026-12-31T00:00:00Z')" >/dev/null
fi
expect_exit "roi show: after assessments" 0 as roi-lead --json roi show roi-eng --period roi-q4
expect_eq "... the two in the period counted" "$(obs assessments)" 2
expect_eq "... at roi_minutes_assessment each" "$(obs minutes)" "$((WANT_M + 2 * $(setting roi_minutes_assessment)))"
expect_exit "roi: the org sees them too" 0 as admin --json roi show --org --period roi-q4
expect_eq "... check-ins summed" "$(obs checkins)" "$((C0 + 3))"

# KPI readings, once the KPI tables (sql/007) are there: written here in
# SQL (what the kpi helper's ops write), in the period and outside it.
if [ -n "$(roi_q "SELECT to_regclass('kpi_readings')")" ]; then
	expect_exit "roi show: before readings" 0 as roi-lead --json roi show roi-eng --period roi-q4
	R0=$(obs readings); M1=$(obs minutes)
	roi_q "WITH k AS (INSERT INTO kpis (team_id, name, direction, green, amber)
	    VALUES ($EID, 'ROI kpi', 'up', 10, 5) RETURNING id)
	    INSERT INTO kpi_readings (kpi_id, value, at, author_id)
	    SELECT k.id, v, a::timestamptz, (SELECT id FROM users WHERE login = 'roi-mem')
	    FROM k, (VALUES (7, '2026-10-01T00:00:00Z'), (8, '2026-11-30T09:00:00Z'),
	    (9, '2026-09-30T23:59:59Z')) r (v, a)" >/dev/null
	expect_exit "roi show: after readings" 0 as roi-lead --json roi show roi-eng --period roi-q4
	expect_eq "... the two taken in the period seen" "$(obs readings)" "$((R0 + 2))"
	expect_eq "... at roi_minutes_reading each" "$(obs minutes)" "$((M1 + 2 * $(setting roi_minutes_reading)))"
	# Through the kpi commands, in a period around today (a reading is
	# taken now unless told otherwise).
	expect_exit "roi: a period around today" 0 as admin period add roi-now \
	    --start "$(date -u -d '-10 days' +%F)" --end "$(date -u -d '+10 days' +%F)"
	expect_exit "roi set: its headcount" 0 as roi-lead --json roi set roi-eng --period roi-now --headcount 2
	R0=$(obs readings)
	expect_exit "roi: kpi add" 0 as roi-lead kpi add --team roi-eng --name "ROI cycle time" --unit h --direction down --green 4 --amber 8
	KPI=$OUT
	expect_exit "roi: kpi record" 0 as roi-mem kpi record "$KPI" 3
	expect_exit "roi: kpi record again" 0 as roi-mem kpi record "$KPI" 5
	expect_exit "roi show: after two recorded readings" 0 as roi-lead --json roi show roi-eng --period roi-now
	expect_eq "... both seen" "$(obs readings)" "$((R0 + 2))"
	expect_num "... per person per week" "$(jnum observed_hours)" "$(awk -v m="$(obs minutes)" -v d="$(jnum days)" 'BEGIN { printf "%.4f", m * 7 / (60 * 2 * d) }')"
else
	echo "# no KPI tables in this build: KPI readings not tested"
fi

# Every limit refuses, naming the field ----------------------------------------

for f in headcount hourly-cost output-value productivity-pct hours-saved-per-week \
    retention-change-pct replacement-cost efficiency-savings framework-hours-per-week tool-cost; do
	key=$(echo "$f" | tr - _)
	roi_refused "roi set: negative $key" 7 roi-lead roi set roi-eng --period roi-q4 "--$f" -1
	expect_match "... E_INVALID naming $key" "\"code\":\"E_INVALID\".*\"field\":\"$key\"|\"field\":\"$key\".*\"code\":\"E_INVALID\"" "$ERR"
done
for fv in headcount:1000001 hourly-cost:1000000000001 output-value:2e12 productivity-pct:1000.5 \
    hours-saved-per-week:168.01 retention-change-pct:100.1 replacement-cost:1e13 \
    efficiency-savings:1.5e12 framework-hours-per-week:169 tool-cost:1000000000000.01; do
	f=${fv%%:*} v=${fv#*:} key=$(echo "${fv%%:*}" | tr - _)
	roi_refused "roi set: $key $v is over its limit" 7 roi-lead roi set roi-eng --period roi-q4 "--$f" "$v"
	expect_match "... naming $key" "\"field\":\"$key\"" "$ERR"
done
for fv in headcount:40.5 hourly-cost:50.123 output-value:0.001 productivity-pct:20.00001 \
    hours-saved-per-week:4.001 retention-change-pct:2.00001 replacement-cost:30000.005 \
    efficiency-savings:1.111 framework-hours-per-week:1.555 tool-cost:0.5001; do
	f=${fv%%:*} v=${fv#*:} key=$(echo "${fv%%:*}" | tr - _)
	roi_refused "roi set: $key $v is finer than it keeps" 7 roi-lead roi set roi-eng --period roi-q4 "--$f" "$v"
	expect_match "... naming $key" "\"field\":\"$key\"" "$ERR"
done
roi_refused "roi set: one bad input refuses the good ones too" 7 roi-lead roi set roi-eng --period roi-q4 --tool-cost 1 --headcount -5
expect_exit "roi set: the limits themselves are allowed" 0 as roi-lead --json roi set roi-eng --period roi-oct \
    --headcount 1000000 --hourly-cost 1000000000000 --productivity-pct 1000 --hours-saved-per-week 168 \
    --retention-change-pct 100 --framework-hours-per-week 0 --tool-cost 0.01
expect_match "... stored to the cent" '"tool_cost":\{"value":0.01' "$OUT"
expect_exit "roi set: the largest amount short of the limit" 0 as roi-lead --json roi set roi-eng --period roi-oct --output-value 999999999999.99 --hourly-cost 0.07
expect_eq "... stored exactly, not as the nearest double" "$(roi_q "SELECT string_agg(value::text, ' ' ORDER BY name) FROM roi_inputs WHERE name IN ('output_value', 'hourly_cost') AND period_id = (SELECT id FROM periods WHERE name = 'roi-oct') AND team_id = (SELECT id FROM teams WHERE slug = 'roi-eng')")" "0.07 999999999999.99"
expect_exit "roi set: an unknown option is a usage error" 2 as roi-lead --json roi set roi-eng --period roi-q4 --bogus 1
roi_state; before=$DIGEST
if roi_q "INSERT INTO roi_inputs (team_id, period_id, name, value, set_by) SELECT t.id, p.id, 'headcount', 1.5, 1 FROM teams t, periods p WHERE t.slug = 'roi-web' AND p.name = 'roi-oct'" 2>/dev/null; then
	not_ok "the database refuses headcount 1.5" "the insert passed"
else
	ok "the database refuses headcount 1.5"
fi
if roi_q "INSERT INTO roi_inputs (team_id, period_id, name, value, set_by) SELECT t.id, p.id, 'bogus', 1, 1 FROM teams t, periods p WHERE t.slug = 'roi-web' AND p.name = 'roi-oct'" 2>/dev/null; then
	not_ok "the database refuses an unknown input" "the insert passed"
else
	ok "the database refuses an unknown input"
fi
roi_state; expect_eq "... nothing stored" "$DIGEST" "$before"

# A closed period is read-only --------------------------------------------------

expect_exit "roi: a period to close" 0 as admin period add roi-old --start 2026-07-01 --end 2026-09-30
expect_exit "roi: open it" 0 as admin period open roi-old
expect_exit "roi set: while it is open" 0 as roi-lead --json roi set roi-eng --period roi-old --tool-cost 100
expect_exit "roi: review" 0 as admin period review roi-old
expect_exit "roi: close" 0 as admin period close roi-old --auto-grade
roi_refused "roi set: a closed period refuses" 7 roi-lead roi set roi-eng --period roi-old --tool-cost 200
expect_match "... E_RULE period.closed" '"rule":"period.closed"' "$ERR"
expect_exit "roi show: a closed period still reads" 0 as roi-lead --json roi show roi-eng --period roi-old
expect_cents "... its cost" "$(jnum cost)" 100
if roi_q "UPDATE roi_inputs SET value = 300 WHERE name = 'tool_cost' AND period_id = (SELECT id FROM periods WHERE name = 'roi-old')" 2>/dev/null; then
	not_ok "the database refuses a change in a closed period" "the update passed"
else
	ok "the database refuses a change in a closed period"
fi

# A team removed (team.not_empty allows it: no members, sub-teams or
# objectives) takes its inputs with it; their history stays in the log.
expect_exit "roi: a team to remove" 0 as admin team add roi-tmp --name Temporary --parent roi-ops
expect_exit "roi set: its inputs" 0 as admin --json roi set roi-tmp --period roi-q4 --tool-cost 10
expect_exit "roi: team rm" 0 as admin team rm roi-tmp
expect_eq "... its inputs are gone" "$(roi_q "SELECT count(*) FROM roi_inputs i WHERE NOT EXISTS (SELECT 1 FROM teams t WHERE t.id = i.team_id)")" 0
expect_eq "... the audit entry stays" "$(roi_q "SELECT count(*) FROM audit_log WHERE op = 'roi.set' AND after -> 'inputs' ->> 'tool_cost' = '10'")" 1
expect_exit "roi show --org: without it" 0 as admin --json roi show --org --period roi-q4
expect_eq "... two teams still" "$(echo "$OUT" | json_all team | sort -u | tr '\n' ' ')" 'roi-eng roi-web '
