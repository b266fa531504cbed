# tiers.sh: where the two tiers join: each team's framework mode
# (framework.kpi_only) and an objective's guardrails, through the real
# cairn command line (sourced by run.sh after cli.sh).
. "$HERE/tiers-lib.sh"

# Framework mode -------------------------------------------------------------

expect_exit "team show has the framework mode" 0 as admin --json team show tops
expect_eq "a new team is hybrid" "$(jget "$OUT" '{framework}')" "hybrid"
expect_exit "team list has the framework mode" 0 as admin --json team list
expect_match "team list: each team's mode" '"slug":"tops"[^}]*"framework":"hybrid"|"framework":"hybrid"[^}]*"slug":"tops"' "$OUT"
expect_exit "team show prints the mode" 0 as tmem team show tops
expect_match "team show: framework line" "^framework: hybrid" "$OUT"

t_quietly "an objective in tops while hybrid" as admin obj add --team tops \
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
t_quietly "okr mode: objectives again" as admin obj add --team tops \
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
	expect_match "the trigger refuses an objective in a kpi team" framework.kpi_only "$(cat "$T/stderr")"
fi
expect_exit "the mode check constraint" 1 psql_cairn -c "UPDATE teams SET framework = 'x' WHERE slug = 'tops'"

# The race: a mode change holds the team row; an objective insert started
# meanwhile waits for it (FOR SHARE) and then sees kpi, instead of reading
# the mode from before the change and slipping through.
psql_cairn -c "UPDATE teams SET framework = 'hybrid' WHERE slug = 'tops'"
( echo "BEGIN; UPDATE teams SET framework = 'kpi' WHERE slug = 'tops';"
  sleep 2; echo "COMMIT;" ) | psql_cairn >/dev/null 2>&1 &
RACE=$!
sleep 0.7
START=$(date +%s%N)
expect_exit "an objective created while the mode changes" 7 as admin --json obj add \
    --team tops --period tq4 --owner tlead --title 'Racing the mode'
expect_eq "it waited for the change and was refused by it" "$(jget "$ERR" '{rule}')" framework.kpi_only
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

if [ -f "$HERE/tiers-guard.sh" ]; then
	. "$HERE/tiers-guard.sh"
fi
