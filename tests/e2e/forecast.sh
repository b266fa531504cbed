# forecast.sh: the forecasts of KPIs and key results (issue 15;
# docs/rules.md, "Forecasts"): least-squares lines through their latest
# readings and their check-ins, checked against numbers worked out by hand,
# through the real cairn command line (sourced by suite.sh, after
# login_admin).

fc_quiet() {	# fc_quiet NAME CMD...: a setup step; prints only when it fails
	local name=$1
	shift
	OUT=$("$@" 2>"$T/stderr") && return 0
	not_ok "setup: $name" "$(< "$T/stderr")"
	return 1
}

fc_ago() {	# fc_ago SPEC: an ISO 8601 UTC time, e.g. fc_ago '-3 days'
	date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ
}

fc_get() {	# fc_get KPI JQ: a member of kpi show --json's forecast
	as admin --json kpi show "$1" 2>/dev/null | jqr ".forecast | $2"
}

FCROOT=$(psql_cairn -c "SELECT slug FROM teams WHERE parent_id IS NULL")
if [ -z "$FCROOT" ]; then
	fc_quiet "root team" as admin team add fcroot --name 'Forecast root'
	FCROOT=fcroot
fi
fc_quiet "team fc" as admin team add fc --name Forecasts --parent "$FCROOT"
# review reads the active period that contains today.
fc_quiet "period fcq" as admin period add fcq \
    --start "$(date -u -d '-10 days' +%F)" --end "$(date -u -d '+80 days' +%F)" &&
    fc_quiet "period fcq open" as admin period open fcq
fc_quiet "kpi" as admin kpi add --team fc --name 'Line uptime' --unit % \
    --direction up --green 90 --amber 85 --frequency daily
K=$OUT

# The worked example: 100, 98, 96, 94 a day apart, the last now.
fc_quiet "reading 100" as admin kpi record "$K" 100 --at "$(fc_ago '-3 days')"
fc_quiet "reading 98" as admin kpi record "$K" 98 --at "$(fc_ago '-2 days')"
fc_quiet "reading 96" as admin kpi record "$K" 96 --at "$(fc_ago '-1 day')"
expect_eq "three readings: no forecast" "$(fc_get "$K" .)" null
expect_exit "kpi show with no forecast" 0 as admin kpi show "$K"
expect_match "kpi show says why there is none" \
    '^forecast: none \(fewer than 4 readings\)$' "$OUT"
fc_quiet "reading 94" as admin kpi record "$K" 94
expect_eq "four readings: n" "$(fc_get "$K" .n)" 4
expect_eq "a straight line: r2 1" "$(fc_get "$K" '.r2 * 100 | round')" 100
# The slope is -2 a day and the trend's value now 94: in 14 days 66.
expect_eq "the value in forecast_horizon (14) days: 94 - 2 x 14 = 66" \
    "$(fc_get "$K" '.value * 100 | round')" 6600
# Red below amber 85: 94 - 2d < 85 first for d = 5.
expect_eq "red in 5 days (94 - 2 x 5 = 84 < 85)" \
    "$(fc_get "$K" .breach_in_days)" 5
fc_at=$(fc_get "$K" .at)
fc_want=$(date -u -d '+14 days' +%Y-%m-%d)
if [ "${fc_at%%T*}" = "$fc_want" ] ||
    [ "${fc_at%%T*}" = "$(date -u -d '+14 days -1 minute' +%Y-%m-%d)" ]; then
	ok "at: 14 days from now ($fc_at)"
else
	not_ok "at: 14 days from now" "got $fc_at, want $fc_want"
fi
expect_exit "kpi show" 0 as admin kpi show "$K"
expect_match "kpi show: the forecast in words" \
    '^forecast: 66 at [0-9T:Z-]+, red in 5 days \(4 readings, r2 1\.00\)$' "$OUT"
expect_exit "kpi list" 0 as admin kpi list --team fc
expect_match "kpi list: a RED IN column" 'RED IN' "$OUT"
expect_match "kpi list: red in 5" "^$K +Line uptime +fc +94 +% +green +no +5 " "$OUT"

expect_exit "review" 0 as admin --json review
expect_eq "review: a kpi_breach_forecast item for the KPI" \
    "$(printf '%s' "$OUT" | jqr ".[] | select(.kind == \"kpi_breach_forecast\" and .id == $K) | .message")" \
    "KPI 'Line uptime' will turn red in about 5 days at its current trend"

# The settings.
expect_exit "forecast_horizon 3" 0 as admin settings set forecast_horizon 3
expect_eq "in 3 days 88: not red, no breach" \
    "$(fc_get "$K" '[(.value * 100 | round), .breach_in_days]' | tr -d ' \n')" \
    '[8800,null]'
expect_exit "forecast_horizon back to 14" 0 as admin settings set forecast_horizon 14
expect_exit "forecast_window 3 is refused" 7 as admin settings set forecast_window 3
expect_match "and says why" 'forecast_window must be from 4' "$ERR"
if psql_cairn -c "UPDATE settings SET value = 3 WHERE name = 'forecast_window'" \
    >/dev/null 2>&1; then
	not_ok "the database refuses forecast_window 3 too"
else
	ok "the database refuses forecast_window 3 too"
fi
fc_quiet "reading 93" as admin kpi record "$K" 93
fc_quiet "reading 92" as admin kpi record "$K" 92
expect_exit "forecast_window 4" 0 as admin settings set forecast_window 4
expect_eq "the line goes through the latest 4 readings only" \
    "$(fc_get "$K" .n)" 4
expect_exit "forecast_window back to 8" 0 as admin settings set forecast_window 8
expect_eq "and through all 6 with 8" "$(fc_get "$K" .n)" 6

# Red already: no breach to forecast.
fc_quiet "reading 80" as admin kpi record "$K" 80
expect_eq "the latest reading red: breach_in_days null" \
    "$(fc_get "$K" .breach_in_days)" null
expect_exit "review, the KPI red" 0 as admin --json review
expect_eq "... no breach forecast for it, a kpi_red item instead" \
    "$(printf '%s' "$OUT" | jqr "[.[] | select(.id == $K and (.kind | startswith(\"kpi_\"))) | .kind] | join(\",\")")" \
    kpi_red
expect_eq "but still a value" "$(fc_get "$K" '.value | type')" number

# Readings bunched within a day say nothing of a trend.
fc_quiet "kpi bunched" as admin kpi add --team fc --name 'Bunched' --unit % \
    --direction up --green 90 --amber 85 --frequency daily
B=$OUT
for v in 99 95 91 87; do
	fc_quiet "bunched $v" as admin kpi record "$B" "$v"
done
expect_eq "four readings within a day: no forecast" "$(fc_get "$B" .)" null
# (a day and a minute: fc_ago's whole seconds may fall after the last)
fc_quiet "bunched, a day before" as admin kpi record "$B" 99 \
    --at "$(fc_ago '-1 day -1 minute')"
expect_eq "... one a day earlier: a forecast of 5" "$(fc_get "$B" .n)" 5

# A rising line never turns red.
fc_quiet "kpi rising" as admin kpi add --team fc --name 'Rising' --unit % \
    --direction up --green 90 --amber 85 --frequency daily
R=$OUT
for d in 3 2 1; do
	fc_quiet "rising $d" as admin kpi record "$R" $((100 - d)) \
	    --at "$(fc_ago "-$d days")"
done
fc_quiet "rising now" as admin kpi record "$R" 100
expect_eq "a rising line: no breach" "$(fc_get "$R" .breach_in_days)" null
expect_eq "a rising line: 114 in 14 days" \
    "$(fc_get "$R" '.value * 100 | round')" 11400

# Key results: a line through the check-ins of the period. ------------------
fc_quiet "user fcown" sh -c "echo pw-fcown-forecast | XDG_CONFIG_HOME=$T/home-admin $BIN/cairn user add fcown --name 'F own' --password-stdin"
fc_quiet "fcown in fc" as admin team member add fc fcown
fc_quiet "objective" as admin obj add --team fc --period fcq --owner fcown --title 'Faster answers'
O=$OUT
fc_quiet "kr" as admin kr add "$O" --title 'Answered' --type increase --start 0 --target 100 --owner fcown
KR=$OUT
fc_checkin_at() {	# fc_checkin_at KR VALUE DAYS_AGO: a check-in in the past
	psql_cairn -c "INSERT INTO checkins (kr_id, value, author_id, at)
	    SELECT $1, $2, id, now() - interval '$3 days' FROM users
	    WHERE login = 'fcown'" >/dev/null
}
fc_kr() {	# fc_kr KR JQ: a member of kr show --json's forecast
	as admin --json kr show "$1" 2>/dev/null | jqr ".forecast | $2"
}
fc_checkin_at "$KR" 10 9
fc_checkin_at "$KR" 25 6
expect_eq "two check-ins: no forecast" "$(fc_kr "$KR" .)" null
fc_checkin_at "$KR" 40 3
fc_quiet "check-in now" as admin kr checkin "$KR" 55
# 10, 25, 40, 55 at 9, 6, 3 and 0 days ago: 5 a day, 55 now; the target
# 100 in (100 - 55) / 5 = 9 days; the period's end 81 days away at most.
expect_eq "four check-ins: n 4, r2 1" "$(fc_kr "$KR" '[.n, (.r2 * 100 | round)]' | tr -d ' \n')" '[4,100]'
expect_eq "reaches the target in 9 days" "$(fc_kr "$KR" .reaches_target_on)" \
    "$(date -u -d '+9 days' +%F)"
expect_eq "at the period's end: progress 1 (capped)" "$(fc_kr "$KR" .progress)" 1
expect_eq "... and the value past the target, 55 + 5 x days left" \
    "$(fc_kr "$KR" '.value > 400')" true
expect_exit "kr show" 0 as admin kr show "$KR"
expect_match "kr show: the forecast in words" \
    "^forecast: 100% at the period's end \\([0-9.]+\\), target on $(date -u -d '+9 days' +%F) \\(4 check-ins, r2 1\\.00\\)$" "$OUT"
expect_eq "a check-in's reply carries no forecast (computed for kr show)" \
    "$(as admin --json kr checkin "$KR" 56 | jqr 'has("forecast")')" false
# Too short a span: three check-ins within a week.
fc_quiet "kr short" as admin kr add "$O" --title 'Short' --type decrease --start 100 --target 0 --owner fcown
KS=$OUT
fc_checkin_at "$KS" 94 5
fc_checkin_at "$KS" 93 3
fc_checkin_at "$KS" 92 1
expect_eq "check-ins spanning less than 7 days: no forecast" "$(fc_kr "$KS" .)" null
fc_checkin_at "$KS" 95 9
# 95, 94, 93, 92 at 9, 5, 3, 1 days ago: -13/35 a day, about 91.8 now, so
# 0 in about 247 days, after the period's end (81 days at most): no date.
expect_eq "a falling line that misses the target: no date" \
    "$(fc_kr "$KS" '[.n, .reaches_target_on] | tostring')" '[4,null]'
