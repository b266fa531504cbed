# tiers.sh: where the two tiers join: each team's framework mode
# (framework.kpi_only) and an objective's guardrails, through the real
# cairn command line (sourced by suite.sh, after login_admin).
. "$HERE/tiers-lib.sh"

# Framework mode -------------------------------------------------------------

expect_exit "team show has the framework mode" 0 as admin --json team show tops
expect_eq "a new team is hybrid" "$(jget "$OUT" '{framework}')" "hybrid"
expect_exit "team list has the framework mode" 0 as admin --json team list
expect_match "team list: each team's mode" '"slug":"tops"[^}]*"framework":"hybrid"|"framework":"hybrid"[^}]*"slug":"tops"' "$OUT"
expect_exit "team show prints the mode" 0 as tmem team show tops
expect_match "team show: framework line" "^framework: hybrid" "$OUT"

quietly "an objective in tops while hybrid" as admin obj add --team tops \
    --period tq4 --owner tlead --title 'Before kpi mode'
OBJ_BEFORE=$OUT

# Who may set the mode: admin, the team's lead, a lead of an ancestor.
t_allowed "the team's lead sets kpi mode" tlead team framework tops kpi
expect_eq "the reply has the new mode" "$(jget "$OUT" '{framework}')" "kpi"
expect_exit "text output" 0 as tlead team framework tops kpi
expect_eq "team framework prints SLUG: framework MODE" "$OUT" "tops: framework kpi"
t_refused_rule "kpi mode: no new objective (lead)" framework.kpi_only tlead \
    obj add --team tops --period tq4 --owner tlead --title 'Refused'
t_refused_rule "kpi mode: no new objective (admin)" framework.kpi_only admin \
    obj add --team tops --period tq4 --owner tlead --title 'Refused'
expect_exit "the objective made before kpi mode stays" 0 as admin --json obj show "$OBJ_BEFORE"
expect_eq "it is not archived" "$(jget "$OUT" '{archived}')" "false"
expect_exit "and can still be changed" 0 as tlead obj edit "$OBJ_BEFORE" --title 'Before kpi mode, edited'
t_allowed "a lead of an ancestor team sets okr" tldept team framework tops okr
quietly "okr mode: objectives again" as admin obj add --team tops \
    --period tq4 --owner tlead --title 'In okr mode'
t_allowed "admin sets hybrid" admin team framework tops hybrid
expect_exit "the mode change is audited" 0 as admin --json audit --entity team:"$(psql_cairn -c "SELECT id FROM teams WHERE slug = 'tops'")" --limit 3
expect_match "audit: team.framework" '"op":"team.framework"' "$OUT"
t_refused "a member may not set the mode" 4 tmem team framework tops kpi
t_refused "an executive may not set the mode" 4 texec team framework tops kpi
t_refused "a user in no team may not" 4 tout team framework tops kpi
t_refused "the lead of another team may not" 4 tlpriv team framework tops kpi
t_refused "a private team is not found for an outsider" 5 tout team framework tpriv kpi
t_refused "nor for a lead of a sibling" 5 tlead team framework tpriv kpi
t_allowed "the private team's lead sets its mode" tlpriv team framework tpriv okr
t_refused_field "an unknown mode is E_INVALID" 7 mode admin team framework tops both
t_refused_field "an empty mode is refused" 7 mode admin team framework tops ''
t_refused "an unknown team is not found" 5 admin team framework nosuchteam kpi
t_refused "a 41-byte slug is refused" 7 admin team framework "$(printf 'a%.0s' $(seq 41))" kpi
t_refused "a 9-byte mode is refused" 7 admin team framework tops hybridxyz
expect_exit "framework needs both arguments" 2 as admin team framework tops

# The database's own line: an insert that bypasses cairnd is refused too.
psql_cairn -c "UPDATE teams SET framework = 'kpi' WHERE slug = 'tops'"
if psql_cairn -c "INSERT INTO objectives (team_id, period_id, title, owner_id)
    SELECT t.id, p.id, 'direct', u.id FROM teams t, periods p, users u
    WHERE t.slug = 'tops' AND p.name = 'tq4' AND u.login = 'tlead'" \
    >/dev/null 2>"$T/stderr"; then
	not_ok "the trigger refuses an objective in a kpi team"
else
	expect_match "the trigger refuses an objective in a kpi team" framework.kpi_only "$(< "$T/stderr")"
fi
expect_exit "the mode check constraint" 1 psql_cairn -c "UPDATE teams SET framework = 'x' WHERE slug = 'tops'"

# The race: a mode change holds the team row; an objective insert started
# meanwhile waits for it (FOR SHARE) and then sees kpi, instead of reading
# the mode from before the change and slipping through.
psql_cairn -c "UPDATE teams SET framework = 'hybrid' WHERE slug = 'tops'"
( echo "BEGIN; UPDATE teams SET framework = 'kpi' WHERE slug = 'tops';"
  sleep 3; echo "COMMIT;" ) | psql_cairn >/dev/null 2>&1 &
RACE=$!
# Start the insert once the change holds the row (polled, not a guess).
for i in $(seq 1 100); do
	[ "$(psql_cairn -c "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' AND query LIKE 'UPDATE teams SET framework%'")" = 1 ] && break
	sleep 0.05
done
START=$(date +%s%N)
expect_exit "an objective created while the mode changes" 7 as admin --json obj add \
    --team tops --period tq4 --owner tlead --title 'Racing the mode'
expect_eq "it waited for the change and was refused by it" "$(jget "$ERR" '{error,rule}')" framework.kpi_only
WAITED=$(( ($(date +%s%N) - START) / 1000000 ))
wait "$RACE"
if [ "$WAITED" -ge 500 ]; then
	ok "the insert waited for the mode change ($WAITED ms)"
else
	not_ok "the insert waited for the mode change" "$WAITED ms"
fi
expect_eq "no objective slipped in" "$(psql_cairn -c "SELECT count(*) FROM objectives WHERE title = 'Racing the mode'")" 0
psql_cairn -c "UPDATE teams SET framework = 'hybrid' WHERE slug = 'tops'"

# Guardrails ------------------------------------------------------------------

# KPIs and their readings come from the kpi commands (issue 7, KPIs).
# Until a server has the kpi ops (E_UNKNOWN_OP), they are set up through
# SQL instead, so that the guardrails are still tested; the checks below
# are the same either way.
kpi_ops() {
	[ -z "${KPI_OPS:-}" ] && {
		as admin --json kpi list >/dev/null 2>"$T/stderr"
		if grep -q E_UNKNOWN_OP "$T/stderr"; then KPI_OPS=no; else KPI_OPS=yes; fi
	}
	[ "$KPI_OPS" = yes ]
}
# mk_kpi TEAM NAME: a KPI, up, green 95, amber 90; its id in $KPI.
mk_kpi() {
	KPI=
	if kpi_ops; then
		quietly "KPI $2" as admin kpi add --team "$1" --name "$2" \
		    --unit % --direction up --green 95 --amber 90 && KPI=$OUT
	else
		KPI=$(psql_cairn -c "INSERT INTO kpis (team_id, name, unit,
		    direction, green, amber) SELECT id, '$2', '%', 'up', 95, 90
		    FROM teams WHERE slug = '$1' RETURNING id" | head -1)
	fi
}
kpi_record() {	# kpi_record WHO KPI VALUE
	if kpi_ops; then
		quietly "reading $3 of KPI $2" as "$1" kpi record "$2" "$3"
	else
		psql_cairn -c "INSERT INTO kpi_readings (kpi_id, value, author_id)
		    SELECT $2, $3, id FROM users WHERE login = '$(login_of_t "$1")'" >/dev/null
	fi
}
kpi_archive() {	# kpi_archive KPI
	if kpi_ops; then
		quietly "archive KPI $1" as admin kpi archive "$1"
	else
		psql_cairn -c "UPDATE kpis SET archived = true WHERE id = $1"
	fi
}
login_of_t() { if [ "$1" = admin ]; then echo root; else echo "$1"; fi; }
guard_field() {	# guard_field OBJ PATH [WHO]
	jget "$(as "${3:-admin}" --json obj show "$1" 2>/dev/null)" "$2"
}

mk_kpi tops "On-time delivery"; K1=$KPI
mk_kpi tops "Stock cover"; K2=$KPI
mk_kpi tpriv "Private metric"; KP=$KPI
mk_kpi tops "Old metric"; KA=$KPI
kpi_archive "$KA"
quietly "objective to guard" as admin obj add --team tops --period tq4 \
    --owner tlead --title 'Cut cost'
OG=$OUT
quietly "objective owned by a member" as admin obj add --team tops \
    --period tq4 --owner tmem --title 'Owned by a member'
OM=$OUT
quietly "objective in the private team" as admin obj add --team tpriv \
    --period tq4 --owner tlpriv --title 'Private objective'
OP=$OUT

expect_eq "no guardrails at first" "$(guard_field "$OG" '{guardrails}')" "[]"
expect_eq "no breach at first" "$(guard_field "$OG" '{guardrail_breach}')" false
t_allowed "the team's lead guards an objective" tlead obj guard "$OG" --kpi "$K1"
expect_eq "the reply lists the guardrail" "$(jget "$OUT" '{guardrails,0,kpi}') $(jget "$OUT" '{guardrails,0,name}')" "$K1 On-time delivery"
expect_eq "no reading yet: health none" "$(jget "$OUT" '{guardrails,0,health}')" none
expect_eq "none is no breach" "$(jget "$OUT" '{guardrail_breach}')" false
expect_exit "the guard is audited" 0 as admin --json audit --entity objective:"$OG" --limit 1
expect_eq "audit: objective.guard" "$(jget "$OUT" '{0,op}')" objective.guard
t_refused "guarding twice changes nothing" 0 tlead obj guard "$OG" --kpi "$K1"
expect_eq "still one guardrail" "$(jlen "$OUT" '{guardrails}')" 1

# The breach follows the KPI's readings.
kpi_record admin "$K1" 97
expect_eq "green: no breach" "$(guard_field "$OG" '{guardrails,0,health}') $(guard_field "$OG" '{guardrail_breach}')" "green false"
kpi_record tmem "$K1" 80
expect_eq "red: breach" "$(guard_field "$OG" '{guardrails,0,health}') $(guard_field "$OG" '{guardrail_breach}')" "red true"
expect_exit "obj list carries the breach" 0 as tmem --json obj list --team tops
expect_eq "obj list: guardrail_breach true" "$(echo "SELECT e ->> 'guardrail_breach' FROM jsonb_array_elements(:'j'::jsonb) e WHERE e ->> 'id' = '$OG'" | psql_cairn -v j="$OUT")" true
expect_exit "obj show prints the guardrails" 0 as tmem obj show "$OG"
expect_match "obj show: breach line" "^guardrail_breach: yes" "$OUT"
expect_match "obj show: GUARDRAILS section" "GUARDRAILS" "$OUT"
expect_match "obj show: the KPI, its name and health" "^$K1 +On-time delivery +red$" "$OUT"
kpi_record admin "$K1" 92
expect_eq "amber: no breach" "$(guard_field "$OG" '{guardrails,0,health}') $(guard_field "$OG" '{guardrail_breach}')" "amber false"
t_allowed "a second guardrail" admin obj guard "$OG" --kpi "$K2"
expect_eq "two, by KPI id" "$(jget "$OUT" '{guardrails,0,kpi}') $(jget "$OUT" '{guardrails,1,kpi}')" "$K1 $K2"
kpi_record admin "$K2" 10
expect_eq "any red is a breach" "$(guard_field "$OG" '{guardrail_breach}')" true
expect_exit "text output of a guard" 0 as tlead obj guard "$OG" --kpi "$K2"
expect_eq "obj guard prints ID: guardrails" "$OUT" "$OG: guardrails $K1 On-time delivery (amber), $K2 Stock cover (red)"
t_allowed "unguard" tldept obj unguard "$OG" --kpi "$K2"
expect_eq "one left" "$(jget "$OUT" '{guardrails}' | tr -d ' ')" "[{\"kpi\":$K1,\"name\":\"On-timedelivery\",\"health\":\"amber\"}]"
expect_eq "no breach once the red one is gone" "$(jget "$OUT" '{guardrail_breach}')" false
expect_exit "the unguard is audited" 0 as admin --json audit --entity objective:"$OG" --limit 1
expect_eq "audit: objective.unguard" "$(jget "$OUT" '{0,op}')" objective.unguard
t_refused "unguarding what does not guard changes nothing" 0 admin obj unguard "$OG" --kpi "$K2"

# Who may guard: as who may change the objective.
t_allowed "the objective's owner guards it" tmem obj guard "$OM" --kpi "$K1"
t_refused "a member may not guard another's objective" 4 tmem obj guard "$OG" --kpi "$K2"
t_refused "nor unguard it" 4 tmem obj unguard "$OG" --kpi "$K1"
t_refused "an executive may not guard" 4 texec obj guard "$OG" --kpi "$K2"
t_refused "a user in no team may not" 4 tout obj guard "$OG" --kpi "$K2"
t_refused "a private team's objective is not found for an outsider" 5 tout obj guard "$OP" --kpi "$K1"
t_refused_field "a KPI the caller may not read is not found" 5 kpi tlead obj guard "$OG" --kpi "$KP"
t_allowed "the private team's lead guards with its KPI" tlpriv obj guard "$OP" --kpi "$KP"
t_refused_field "an unknown KPI is not found" 5 kpi admin obj guard "$OG" --kpi 999999999
t_refused_field "an unknown objective is not found" 5 id admin obj guard 999999999 --kpi "$K1"
t_refused_rule "an archived KPI guards nothing" kpi.archived admin obj guard "$OG" --kpi "$KA"
t_refused "an id of 0" 2 admin obj guard 0 --kpi "$K1"
t_refused "a KPI id that is no number" 2 admin obj guard "$OG" --kpi x
t_refused "no --kpi" 2 admin obj guard "$OG"

# At most ten guardrails an objective.
quietly "objective for the limit" as admin obj add --team tops --period tq4 \
    --owner tlead --title 'Many guardrails'
OL=$OUT
for i in $(seq 1 10); do
	mk_kpi tops "Limit metric $i"
	quietly "guardrail $i" as admin obj guard "$OL" --kpi "$KPI"
done
mk_kpi tops "Limit metric 11"
t_refused_rule "an eleventh guardrail is refused" limit.guardrails admin obj guard "$OL" --kpi "$KPI"
if psql_cairn -c "INSERT INTO objective_guardrails (objective_id, kpi_id, added_by)
    SELECT $OL, $KPI, id FROM users WHERE login = 'root'" >/dev/null 2>"$T/stderr"; then
	not_ok "the trigger refuses an eleventh guardrail"
else
	expect_match "the trigger refuses an eleventh guardrail" limit.guardrails "$(< "$T/stderr")"
fi
if psql_cairn -c "INSERT INTO objective_guardrails (objective_id, kpi_id, added_by)
    SELECT $OG, $KA, id FROM users WHERE login = 'root'" >/dev/null 2>"$T/stderr"; then
	not_ok "the trigger refuses an archived KPI"
else
	expect_match "the trigger refuses an archived KPI" kpi.archived "$(< "$T/stderr")"
fi

# Nothing changes in a closed period.
quietly "period tclosed" as admin period add tclosed --start 2026-07-01 --end 2026-09-30
quietly "open tclosed" as admin period open tclosed
quietly "objective in tclosed" as admin obj add --team tops --period tclosed \
    --owner tlead --title 'Closed soon'
OC=$OUT
quietly "guard it" as admin obj guard "$OC" --kpi "$K1"
quietly "review tclosed" as admin period review tclosed
quietly "close tclosed" as admin period close tclosed --auto-grade
t_refused_rule "no guard in a closed period" period.closed admin obj guard "$OC" --kpi "$K2"
t_refused_rule "no unguard in a closed period" period.closed admin obj unguard "$OC" --kpi "$K1"
expect_eq "a closed objective still shows its guardrail" "$(guard_field "$OC" '{guardrails,0,kpi}')" "$K1"
if psql_cairn -c "DELETE FROM objective_guardrails WHERE objective_id = $OC" >/dev/null 2>"$T/stderr"; then
	not_ok "the trigger refuses an unguard in a closed period"
else
	expect_match "the trigger refuses an unguard in a closed period" period.closed "$(< "$T/stderr")"
fi
