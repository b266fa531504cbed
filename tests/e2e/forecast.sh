# forecast.sh: the forecasts of KPIs and key results (issue 15;
# docs/rules.md, "Forecasts"): least-squares lines through their latest
# readings and their check-ins, checked against numbers worked out by hand,
# through the real cairn command line (sourced by suite.sh, after
# login_admin).

fc_ago() {	# fc_ago SPEC: an ISO 8601 UTC time, e.g. fc_ago '-3 days'
	date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ
}

fc_get() {	# fc_get KPI JQ: a member of kpi show --json's forecast
	as admin --json kpi show "$1" 2>/dev/null | jqr ".forecast | $2"
}

FCROOT=$(psql_cairn -c "SELECT slug FROM teams WHERE parent_id IS NULL")
if [ -z "$FCROOT" ]; then
	quietly "root team" as admin team add fcroot --name 'Forecast root'
	FCROOT=fcroot
fi
quietly "team fc" as admin team add fc --name Forecasts --parent "$FCROOT"
# review reads the active period that contains today.
quietly "period fcq" as admin period add fcq \
    --start "$(date -u -d '-10 days' +%F)" --end "$(date -u -d '+80 days' +%F)" &&
    quietly "period fcq open" as admin period open fcq
quietly "kpi" as admin kpi add --team fc --name 'Line uptime' --unit % \
    --direction up --green 90 --amber 85 --frequency daily
K=$OUT

# The worked example: 100, 98, 96, 94 a day apart, the last now.
quietly "reading 100" as admin kpi record "$K" 100 --at "$(fc_ago '-3 days')"
quietly "reading 98" as admin kpi record "$K" 98 --at "$(fc_ago '-2 days')"
quietly "reading 96" as admin kpi record "$K" 96 --at "$(fc_ago '-1 day')"
expect_eq "three readings: no forecast" "$(fc_get "$K" .)" null
expect_exit "kpi show with no forecast" 0 as admin kpi show "$K"
expect_match "kpi show says why there is none" \
    '^forecast: none \(fewer than 4 readings\)$' "$OUT"
quietly "reading 94" as admin kpi record "$K" 94
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
quietly "reading 93" as admin kpi record "$K" 93
quietly "reading 92" as admin kpi record "$K" 92
expect_exit "forecast_window 4" 0 as admin settings set forecast_window 4
expect_eq "the line goes through the latest 4 readings only" \
    "$(fc_get "$K" .n)" 4
expect_exit "forecast_window back to 8" 0 as admin settings set forecast_window 8
expect_eq "and through all 6 with 8" "$(fc_get "$K" .n)" 6

# Red already: no breach to forecast.
quietly "reading 80" as admin kpi record "$K" 80
expect_eq "the latest reading red: breach_in_days null" \
    "$(fc_get "$K" .breach_in_days)" null
expect_exit "review, the KPI red" 0 as admin --json review
expect_eq "... no breach forecast for it, a kpi_red item instead" \
    "$(printf '%s' "$OUT" | jqr "[.[] | select(.id == $K and (.kind | startswith(\"kpi_\"))) | .kind] | join(\",\")")" \
    kpi_red
expect_eq "but still a value" "$(fc_get "$K" '.value | type')" number

# Readings bunched within a day say nothing of a trend.
quietly "kpi bunched" as admin kpi add --team fc --name 'Bunched' --unit % \
    --direction up --green 90 --amber 85 --frequency daily
B=$OUT
for v in 99 95 91 87; do
	quietly "bunched $v" as admin kpi record "$B" "$v"
done
expect_eq "four readings within a day: no forecast" "$(fc_get "$B" .)" null
# (a day and a minute: fc_ago's whole seconds may fall after the last)
quietly "bunched, a day before" as admin kpi record "$B" 99 \
    --at "$(fc_ago '-1 day -1 minute')"
expect_eq "... one a day earlier: a forecast of 5" "$(fc_get "$B" .n)" 5

# A rising line never turns red.
quietly "kpi rising" as admin kpi add --team fc --name 'Rising' --unit % \
    --direction up --green 90 --amber 85 --frequency daily
R=$OUT
for d in 3 2 1; do
	quietly "rising $d" as admin kpi record "$R" $((100 - d)) \
	    --at "$(fc_ago "-$d days")"
done
quietly "rising now" as admin kpi record "$R" 100
expect_eq "a rising line: no breach" "$(fc_get "$R" .breach_in_days)" null
expect_eq "a rising line: 114 in 14 days" \
    "$(fc_get "$R" '.value * 100 | round')" 11400

# Key results: a line through the check-ins of the period. ------------------
quietly "user fcown" sh -c "echo pw-fcown-forecast | XDG_CONFIG_HOME=$T/home-admin $BIN/cairn user add fcown --name 'F own' --password-stdin"
quietly "fcown in fc" as admin team member add fc fcown
quietly "objective" as admin obj add --team fc --period fcq --owner fcown --title 'Faster answers'
O=$OUT
quietly "kr" as admin kr add "$O" --title 'Answered' --type increase --start 0 --target 100 --owner fcown
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
quietly "check-in now" as admin kr checkin "$KR" 55
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
quietly "kr short" as admin kr add "$O" --title 'Short' --type decrease --start 100 --target 0 --owner fcown
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

# Objectives: the roll-up of their key results' projected progress. --------
# Check-ins at whole days from the period's start (x), so that the lines
# are worked out by hand.  fcq runs 91 days (today - 10 to today + 80):
# the period's end is x = 91.
fc_checkin_x() {	# fc_checkin_x KR VALUE X: a check-in X days after fcq's start
	psql_cairn -c "INSERT INTO checkins (kr_id, value, author_id, at)
	    SELECT $1, $2, u.id, p.start_date::timestamp AT TIME ZONE 'UTC'
	    + interval '$3 days' FROM users u, periods p
	    WHERE u.login = 'fcown' AND p.name = 'fcq'" >/dev/null
}
fc_obj() {	# fc_obj OBJ JQ: a member of obj show --json
	as admin --json obj show "$1" 2>/dev/null | jqr "$2"
}
fc_tree() {	# fc_tree OBJ JQ: a member of OBJ's node in tree --json
	as admin --json tree --period fcq --team fc 2>/dev/null |
	    jqr "[.objectives | .. | objects | select(.id? == $1)] | first | $2"
}
quietly "objective O2" as admin obj add --team fc --period fcq --owner fcown --title 'Projected'
O2=$OUT
# A: increase 0 to 1000, weight 1: 10, 50, 90 at x = 1, 5, 9: 10 a day
# through 0 at x = 0, so 910 at x = 91: progress 0.91 (now 90: 0.09).
quietly "kr A" as admin kr add "$O2" --title 'A' --type increase --start 0 --target 1000 --owner fcown
KA=$OUT
fc_checkin_x "$KA" 10 1
fc_checkin_x "$KA" 50 5
fc_checkin_x "$KA" 90 9
# B: decrease 100 to 0, weight 2: 99.5, 97.5, 95.5 at x = 1, 5, 9: -0.5
# a day through 100, so 54.5 at x = 91: progress 0.455 (now 95.5: 0.045).
quietly "kr B" as admin kr add "$O2" --title 'B' --type decrease --start 100 --target 0 --weight 2 --owner fcown
KB=$OUT
fc_checkin_x "$KB" 99.5 1
fc_checkin_x "$KB" 97.5 5
fc_checkin_x "$KB" 95.5 9
# C: increase 0 to 10, one check-in at 5: no trend, its progress 0.5.
quietly "kr C" as admin kr add "$O2" --title 'C' --type increase --start 0 --target 10 --owner fcown
KC=$OUT
quietly "check-in C" as admin kr checkin "$KC" 5
# (1 x 0.91 + 2 x 0.455 + 1 x 0.5) / 4 = 0.58, progress (0.09 + 2 x 0.045
# + 0.5) / 4 = 0.17.
expect_eq "obj show --json: forecast (0.91 + 2 x 0.455 + 0.5) / 4 = 0.58, 2 of 3 key results" \
    "$(fc_obj "$O2" '[(.forecast.progress * 10000 | round), .forecast.n_krs, .forecast.krs, (.progress * 10000 | round)] | tostring')" \
    '[5800,2,3,1700]'
expect_eq "obj show --json: each key result's forecast (A 0.91, B 0.455, C none)" \
    "$(fc_obj "$O2" '[.key_results[] | .forecast.progress // null | if . then (. * 1000 | round) else . end] | tostring')" \
    '[910,455,null]'
expect_exit "obj show" 0 as admin obj show "$O2"
expect_match "obj show: the forecast in words" \
    "^forecast: 58% at the period's end \\(2 of 3 key results with a trend\\)$" "$OUT"
expect_match "obj show: A's projected progress in the key results' FORECAST column" \
    "^$KA +A +increase +0 +1000 +90 +[^ ]* *9\\.0% +91% " "$OUT"
expect_match "obj show: C has none" "^$KC +C +increase +0 +10 +5 +[^ ]* *50\\.0% +- " "$OUT"
expect_eq "kr show is unchanged: A's forecast value 910 at the period's end" \
    "$(fc_kr "$KA" '.value * 100 | round')" 91000
# A parent rolling up its children: O2 and O3 (no trend, progress 0.2).
quietly "objective P" as admin obj add --team fc --period fcq --owner fcown --title 'Parent' --rollup children
P=$OUT
quietly "objective O3" as admin obj add --team fc --period fcq --owner fcown --title 'No trend' --parent "$P"
O3=$OUT
quietly "kr D" as admin kr add "$O3" --title 'D' --type increase --start 0 --target 10 --owner fcown
quietly "check-in D" as admin kr checkin "$OUT" 2
quietly "align O2 under P" as admin obj align "$O2" --to "$P"
# (0.58 + 0.2) / 2 = 0.39 (a child without a forecast counts with its
# progress); 2 of 4 key results; progress (0.17 + 0.2) / 2 = 0.185.
expect_eq "a parent's forecast: (0.58 + 0.2) / 2 = 0.39, 2 of 4 key results" \
    "$(fc_obj "$P" '[(.forecast.progress * 10000 | round), .forecast.n_krs, .forecast.krs, (.progress * 10000 | round)] | tostring')" \
    '[3900,2,4,1850]'
expect_eq "no key result with a trend: no forecast (O3)" "$(fc_obj "$O3" .forecast)" null
expect_eq "tree --json: P's forecast {progress 0.39, n_krs 2}" \
    "$(fc_tree "$P" '.forecast | [(.progress * 10000 | round), .n_krs] | tostring')" '[3900,2]'
expect_eq "tree --json: O2's {progress 0.58, n_krs 2}" \
    "$(fc_tree "$O2" '.forecast | [(.progress * 10000 | round), .n_krs] | tostring')" '[5800,2]'
expect_eq "tree --json: O3's null" "$(fc_tree "$O3" '.forecast')" null
expect_exit "tree" 0 as admin tree --period fcq --team fc
expect_match "tree: P's line shows its forecast after its progress" \
    "^#$P Parent  fc/fcown  \\[##\\.+\\]  1[89]% → 39%  " "$OUT"
expect_match "tree: O2's, below it" "^  #$O2 Projected  fc/fcown  \\[##\\.+\\]  17% → 58%  " "$OUT"
expect_match "tree: O3's line has none" "^  #$O3 No trend  fc/fcown  \\[##\\.+\\]  20%  [a-z_]+ " "$OUT"
# A check-in at the same value moves no progress but the trend: the
# forecast walks up all the same.  A: 90 again, at x = 8: 4 check-ins
# and a line a little below 10 a day.
fc_checkin_x "$KA" 90 8
expect_eq "a check-in that leaves the value: the forecast moves (A's n 4)" \
    "$(fc_kr "$KA" .n)" 4
expect_eq "... up to P (stored as a rebuild computes it)" \
    "$(fc_obj "$P" '.forecast.progress != 0.39')" true

# The stored trends and forecasts against a recomputation. -----------------
# fc_trends_bad: the key results whose stored sums differ from what the
# check-ins give (n, x range exactly, sums to 1e-9 relative), and the
# objectives whose stored forecast differs from what a rebuild computes
# (rolled back): "TRENDS KRS_WITH_A_TREND BAD_OBJECTIVES".
fc_trends_bad() {
	psql_cairn -c "BEGIN;
	CREATE TEMP TABLE f0 AS SELECT id, forecast, forecast_n, forecast_of
	    FROM objectives;
	SELECT objectives_progress_rebuild();
	WITH w AS (SELECT c.kr_id, c.value AS y,
	    extract(epoch FROM c.at - p.start_date::timestamp
	    AT TIME ZONE 'UTC') / 86400 AS x,
	    p.end_date + 1 - p.start_date AS len
	    FROM checkins c JOIN key_results k ON k.id = c.kr_id
	    JOIN objectives o ON o.id = k.objective_id
	    JOIN periods p ON p.id = o.period_id),
	r AS (SELECT kr_id, count(*) AS n, sum(x) AS sx, sum(y) AS sy,
	    regr_sxx(y, x) AS sxx, regr_syy(y, x) AS syy,
	    regr_sxy(y, x) AS sxy, min(x) AS xlo, max(x) AS xhi
	    FROM w WHERE x >= 0 AND x < len GROUP BY kr_id)
	SELECT (SELECT count(*) FROM r JOIN key_results k ON k.id = r.kr_id
	    WHERE NOT k.removed) || ' ' ||
	(SELECT count(*) FROM key_results k LEFT JOIN r ON r.kr_id = k.id
	    WHERE k.trend_n <> coalesce(r.n, 0)
	    OR k.trend_xlo IS DISTINCT FROM r.xlo
	    OR k.trend_xhi IS DISTINCT FROM r.xhi OR NOT (
	    abs(k.trend_sx - coalesce(r.sx, 0))
		<= 1e-9 * greatest(1, abs(coalesce(r.sx, 0)))
	    AND abs(k.trend_sy - coalesce(r.sy, 0))
		<= 1e-9 * greatest(1, abs(coalesce(r.sy, 0)))
	    AND abs(k.trend_sxx - coalesce(r.sxx, 0))
		<= 1e-9 * greatest(1, coalesce(r.sxx, 0))
	    AND abs(k.trend_syy - coalesce(r.syy, 0))
		<= 1e-9 * greatest(1, coalesce(r.syy, 0))
	    AND abs(k.trend_sxy - coalesce(r.sxy, 0))
		<= 1e-9 * greatest(1, abs(coalesce(r.sxy, 0))))) || ' ' ||
	(SELECT count(*) FROM objectives o JOIN f0 USING (id)
	    WHERE (o.forecast IS NULL) <> (f0.forecast IS NULL)
	    OR abs(o.forecast - f0.forecast) > 1e-9
	    OR o.forecast_n <> f0.forecast_n
	    OR o.forecast_of <> f0.forecast_of);
	ROLLBACK;" | tail -1
}
fc_bad=$(fc_trends_bad)
expect_match "after the check-ins: every stored trend as the check-ins give it, every forecast as a rebuild's" \
    '^[1-9][0-9]* 0 0$' "$fc_bad"

# An import: fcq exported and imported again as fcq-copy (its check-ins
# through checkins_apply, with their own times).
quietly "export fcq" as admin export --period fcq --out "$T/fc.json"
jq '(.. | objects | select(has("period")) | .period) |= (if type == "string" and . == "fcq" then "fcq-copy" else . end)
    | (.. | objects | select(.name? == "fcq") | .name) |= "fcq-copy"' \
    "$T/fc.json" >"$T/fc-copy.json"
quietly "import as fcq-copy" as admin import "$T/fc-copy.json"
FCP=$(psql_cairn -c "SELECT o.id FROM objectives o JOIN periods p ON p.id = o.period_id WHERE p.name = 'fcq-copy' AND o.title = 'Projected'")
expect_eq "the imported O2: the same forecast, as the original's" \
    "$(fc_obj "$FCP" '.forecast | [(.progress * 10000 | round), .n_krs, .krs] | tostring')" \
    "$(fc_obj "$O2" '.forecast | [(.progress * 10000 | round), .n_krs, .krs] | tostring')"
fc_bad=$(fc_trends_bad)
expect_match "after the import: every stored trend and forecast as recomputed" \
    '^[1-9][0-9]* 0 0$' "$fc_bad"

# A carry: the copy's key results keep their values but no check-ins, so
# no trend and no forecast.
quietly "period fcq2" as admin period add fcq2 \
    --start "$(date -u -d '+81 days' +%F)" --end "$(date -u -d '+170 days' +%F)"
quietly "fcq-copy to review" as admin period review fcq-copy
quietly "grade the copy unmet" as admin grade "$FCP" 0.3
quietly "carry" as admin period carry fcq-copy fcq2
FCC=$(psql_cairn -c "SELECT id FROM objectives WHERE carried_from = $FCP")
expect_eq "the carried objective: no forecast (no check-ins in its period)" \
    "$(fc_obj "$FCC" '[.forecast, (.progress * 10000 | round)] | tostring')" \
    "[null,$(fc_obj "$FCP" '.progress * 10000 | round')]"
fc_bad=$(fc_trends_bad)
expect_match "after the carry: every stored trend and forecast as recomputed" \
    '^[1-9][0-9]* 0 0$' "$fc_bad"
