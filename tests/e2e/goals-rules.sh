# goals-rules.sh: the goal rules (alignment, limits, owners, teams, the
# last admin, periods), stale versions, team moves that would break a
# line, and the races on alignment and limits, through the real cairn
# command line.
#
# Sourced by suite.sh after login_admin (lib.sh's `as` and the admin session
# in home-admin); the organisation it starts from is goals-lib.sh's
# goals_setup, so that it runs alone, on a cluster of its own.
. "$HERE/goals-lib.sh"
goals_setup

# The rules -----------------------------------------------------------------

# alignment.team: the parent is in the child's team or an ancestor team.
new_obj web q1 oweb "Web goal"
O_WEB=$NEW
new_obj web q1 mweb "Web goal 2"
O_WEB2=$NEW
new_obj app q1 lapp "App goal"
O_APP=$NEW
refused_rule "align under a sub-team's objective" alignment.team admin obj align "$O_ENG" --to "$O_WEB"
expect_obj "... parent unchanged" "$O_ENG" parent "$O_CO"
refused_rule "align under a sibling team's objective" alignment.team admin obj align "$O_WEB" --to "$O_APP"
expect_obj "... still unaligned" "$O_WEB" parent null
refused_rule "create under a sibling team's objective" alignment.team admin obj add --team web --period q1 --title x --owner oweb --parent "$O_APP"
allowed "align under the same team's objective" admin obj align "$O_WEB2" --to "$O_WEB"
expect_obj "... parent set" "$O_WEB2" parent "$O_WEB"
allowed "align under a grandparent team's objective" admin obj align "$O_WEB" --to "$O_CO"
expect_obj "... parent set" "$O_WEB" parent "$O_CO"

# alignment.period: the parent's period contains the child's, by dates.
mkperiod q2 2026-04-01 2026-06-30 open
mkperiod q2x 2026-04-01 2026-07-01 open
new_obj eng h1 leng "Half-year goal"
O_H1=$NEW
new_obj eng q1 leng "Quarter goal"
O_Q1=$NEW
new_obj eng q2x meng "Overlong quarter goal"
O_Q2X=$NEW
refused_rule "a year's objective under a quarter's" alignment.period admin obj align "$O_ENG" --to "$O_Q1"
expect_obj "... parent unchanged" "$O_ENG" parent "$O_CO"
refused_rule "a period ending one day later" alignment.period admin obj align "$O_Q2X" --to "$O_H1"
expect_obj "... still unaligned" "$O_Q2X" parent null
refused_rule "create in a later period under a quarter" alignment.period admin obj add --team eng --period q2 --title x --owner leng --parent "$O_Q1"
allowed "same start date: q1 under h1" admin obj align "$O_Q1" --to "$O_H1"
allowed "same end date: a q2 objective created under h1" admin obj add --team eng --period q2 --title "Q2 under H1" --owner leng --parent "$O_H1"
allowed "same period: h1 under h1" admin obj add --team eng --period h1 --title "H1 under H1" --owner leng --parent "$O_H1"
allowed "a quarter under the year" admin obj align "$O_H1" --to "$O_ENG"

# alignment.cycle
new_obj eng q1 leng "Cycle A"
CA=$NEW
new_obj eng q1 leng "Cycle B" --parent "$CA"
CB=$NEW
new_obj eng q1 leng "Cycle C" --parent "$CB"
CC=$NEW
refused_rule "A under its child B" alignment.cycle admin obj align "$CA" --to "$CB"
refused_rule "A under its grandchild C" alignment.cycle admin obj align "$CA" --to "$CC"
refused_rule "A under itself" alignment.cycle admin obj align "$CA" --to "$CA"
expect_obj "... A is still a root" "$CA" parent null
allowed "C directly under A is no cycle" admin obj align "$CC" --to "$CA"
expect_obj "... C's parent is A" "$CC" parent "$CA"

# alignment.depth: at most max_depth levels.
setting max_depth 3
new_obj eng q1 leng "Depth 1"
D1=$NEW
new_obj eng q1 leng "Depth 2" --parent "$D1"
D2=$NEW
allowed "a third level is allowed (max_depth 3)" admin obj add --team eng --period q1 --title "Depth 3" --owner leng --parent "$D2"
D3=$NEW
refused_rule "a fourth level is refused" alignment.depth admin obj add --team eng --period q1 --title "Depth 4" --owner leng --parent "$D3"
new_obj eng q1 leng "Subtree top"
S1=$NEW
new_obj eng q1 leng "Subtree leaf" --parent "$S1"
refused_rule "a two-level subtree under level 2" alignment.depth admin obj align "$S1" --to "$D2"
expect_obj "... still unaligned" "$S1" parent null
allowed "a two-level subtree under level 1" admin obj align "$S1" --to "$D1"
expect_obj "... aligned" "$S1" parent "$D1"
setting max_depth 8

# limit.objectives: max_objectives non-archived per team and period.
setting max_objectives 3
for i in 1 2 3; do
	allowed "objective $i of 3 in app/h1" admin obj add --team app --period h1 --title "Limit $i" --owner lapp
done
L3=$NEW
refused_rule "a fourth objective in app/h1" limit.objectives admin obj add --team app --period h1 --title "Limit 4" --owner lapp
refused_rule "... also by the team's lead" limit.objectives lapp obj add --team app --period h1 --title "Limit 4" --owner lapp
expect_eq "app/h1 holds 3 objectives" "$(as admin --json obj list --team app --period h1 | json_all id | wc -l)" 3
allowed "another period is counted apart" admin obj add --team app --period q2 --title "Other period" --owner lapp
allowed "another team is counted apart" admin obj add --team eng --period h1 --title "Other team" --owner leng
allowed "archive one of the 3" admin obj archive "$L3"
allowed "an archived objective frees its place" admin obj add --team app --period h1 --title "Limit 4" --owner lapp
expect_eq "3 non-archived objectives in app/h1" \
    "$(count_sql "team_id = (SELECT id FROM teams WHERE slug = 'app') AND period_id = (SELECT id FROM periods WHERE name = 'h1') AND NOT archived")" 3
expect_eq "obj list leaves out archived ones" "$(as admin --json obj list --team app --period h1 | json_all id | wc -l)" 3
expect_eq "obj list --archived shows them" "$(as admin --json obj list --team app --period h1 --archived | json_all id | wc -l)" 4
setting max_objectives 1000

# limit.key_results: max_key_results per objective.
setting max_key_results 2
new_obj eng q1 leng "Two KRs"
OK2=$NEW
allowed "key result 1 of 2" admin kr add "$OK2" --title k1 --type boolean --target 1 --owner leng
allowed "key result 2 of 2" admin kr add "$OK2" --title k2 --type boolean --target 1 --owner leng
K2=$NEW
refused_rule "a third key result" limit.key_results leng kr add "$OK2" --title k3 --type boolean --target 1 --owner leng
allowed "remove one" admin kr rm "$K2"
allowed "a removed key result frees its place" leng kr add "$OK2" --title k3 --type boolean --target 1 --owner leng
expect_exit "kr show of a removed key result" 5 as admin kr show "$K2"
setting max_key_results 5

# owner.member
refused_rule "objective owner from another team" owner.member admin obj add --team eng --period q1 --title x --owner mweb
refused_rule "objective owner in no team" owner.member leng obj add --team eng --period q1 --title x --owner outsider
new_obj eng q1 meng "Owned by meng"
OM=$NEW
refused_rule "give the objective to a non-member" owner.member admin obj edit "$OM" --owner outsider
expect_obj "... owner unchanged" "$OM" owner meng
refused_rule "meng leaves eng while owning an objective" owner.member admin team member rm eng meng
allowed "give the objective to another member" admin obj edit "$OM" --owner leng
expect_obj "... owner changed" "$OM" owner leng
refused_rule "KR owner neither member nor contributor" owner.member admin kr add "$OM" --title x --type boolean --target 1 --owner outsider
allowed "grant outsider" admin obj grant "$OM" outsider
expect_match "the contributor is listed" '"contributors":\["outsider"\]' "$(obj_json "$OM")"
allowed "a contributor may own a KR" admin kr add "$OM" --title x --type boolean --target 1 --owner outsider
KO=$NEW
refused_rule "revoke a contributor who owns a KR" owner.member admin obj revoke "$OM" outsider
refused_rule "hand the KR to a non-member" owner.member admin kr edit "$KO" --owner mops
allowed "hand the KR back to a member" admin kr edit "$KO" --owner meng
allowed "then the contributor may go" admin obj revoke "$OM" outsider
expect_match "no contributors left" '"contributors":\[\]' "$(obj_json "$OM")"

# team.cycle, team.root
refused_rule "move eng under its sub-team" team.cycle admin team move eng --parent web
refused_rule "move eng under itself" team.cycle admin team move eng --parent eng
refused_rule "a second root team" team.root admin team add top2 --name Top
refused_rule "move the root team" team.root admin team move co --parent ops
expect_eq "co is still the root" "$(as admin --json team show co | json_field parent)" null
allowed "move app under ops" admin team move app --parent ops
expect_eq "app's parent is ops" "$(as admin --json team show app | json_field parent)" ops
allowed "and back under eng" admin team move app --parent eng

# team.not_empty
refused_rule "remove a team with members" team.not_empty admin team rm app
refused_rule "remove a team with sub-teams" team.not_empty admin team rm ops
quietly "team e1" as admin team add e1 --name E1 --parent co
quietly "team e2" as admin team add e2 --name E2 --parent e1
refused_rule "remove a team whose only content is a sub-team" team.not_empty admin team rm e1
add_member e2 spare
new_obj e2 q1 spare "Only objective"
quietly "archive it" as admin obj archive "$NEW"
allowed "the member of an archived objective's team may leave" admin team member rm e2 spare
refused_rule "remove a team whose only content is an archived objective" team.not_empty admin team rm e2
allowed "a team e3 without content" admin team add e3 --name E3 --parent e1
allowed "... removed" admin team rm e3
expect_exit "... gone" 5 as admin team show e3

# user.last_admin
refused_rule "make the last admin an executive" user.last_admin admin user set-role root executive
refused_rule "disable the last admin" user.last_admin admin user disable root
allowed "a second admin" admin user set-role spare admin
allowed "an admin who is not the last may be demoted" admin user set-role spare member
refused_rule "root is the last admin again" user.last_admin admin user set-role root member

# period.transition
mkperiod p3 2028-01-01 2028-03-31
refused_rule "draft to review" period.transition admin period review p3
refused_rule "draft to closed" period.transition admin period close p3
allowed "draft to active" admin period open p3
refused_rule "active to closed" period.transition admin period close p3
allowed "active to review" admin period review p3
allowed "review back to active (reopen)" admin period reopen p3
expect_eq "p3 is active again" "$(as admin --json period list | jqr '.[] | select(.name == "p3") | .state')" active
allowed "active to review again" admin period review p3
allowed "review to closed" admin period close p3
refused_rule "closed back to active" period.closed admin period reopen p3
refused_rule "closed to review" period.closed admin period review p3

# period.not_active: no check-ins in a draft; no new objectives or KRs in review.
allowed "an objective in a draft period" admin obj add --team eng --period d27 --title "Draft goal" --owner leng
OD=$NEW
allowed "a key result in a draft period" admin kr add "$OD" --title k --type increase --target 10 --owner leng
KD=$NEW
refused_rule "a check-in in a draft period" period.not_active leng kr checkin "$KD" 4
expect_eq "... current unchanged" "$(kr_field "$KD" current)" 0
mkperiod r1 2026-07-01 2026-09-30 open
new_obj eng r1 leng "Reviewed goal"
OR=$NEW
new_kr "$OR" leng increase 10
KR1=$NEW
allowed "r1 to review" admin period review r1
refused_rule "a new objective in review" period.not_active leng obj add --team eng --period r1 --title x --owner leng
refused_rule "a new key result in review" period.not_active leng kr add "$OR" --title x --type boolean --target 1
allowed "a check-in in review" leng kr checkin "$KR1" 7
expect_eq "... current set" "$(kr_field "$KR1" current)" 7
allowed "an edit in review" leng obj edit "$OR" --title "Reviewed goal, edited"
allowed "reopen r1" admin period reopen r1
allowed "a new objective once active again" leng obj add --team eng --period r1 --title "After review" --owner leng

# Stale versions: E_CONFLICT.
new_obj eng q1 leng "Versioned"
OV=$NEW
new_kr "$OV" leng increase 10
KV=$NEW
allowed "edit at version 1" leng obj edit "$OV" --title v2 --if-version 1
expect_obj "... now version 2" "$OV" version 2
refused "edit at stale version 1" 6 leng obj edit "$OV" --title stale --if-version 1
expect_obj "... title kept" "$OV" title v2
refused "align at a stale version" 6 leng obj align "$OV" --to "$O_ENG" --if-version 1
refused "archive at a stale version" 6 leng obj archive "$OV" --if-version 1
allowed "align at the current version" leng obj align "$OV" --to "$O_ENG" --if-version 2
refused "unalign at a stale version" 6 leng obj unalign "$OV" --if-version 2
allowed "unalign at the current version" leng obj unalign "$OV" --if-version 3
expect_obj "... unaligned" "$OV" parent null
refused "kr edit at a stale version" 6 leng kr edit "$KV" --title stale --if-version 2
allowed "kr edit at the current version" leng kr edit "$KV" --title fresh --if-version 1
expect_eq "... KR at version 2" "$(kr_field "$KV" version)" 2

# team.move keeps every objective in its team's line (issue 6 item 4) ------
#
# mv1 (under eng) holds M1, aligned under eng's O_ENG; its sub-team mv2
# holds M2 (under O_ENG too) and M3 (under M1, inside the moved subtree).
quietly "team mv1" as admin team add mv1 --name Mv1 --parent eng
quietly "team mv2" as admin team add mv2 --name Mv2 --parent mv1
add_member mv1 lroot
add_member mv2 lroot
new_obj mv1 q1 lroot "M1" --parent "$O_ENG"
M1=$NEW
new_obj mv2 q1 lroot "M2" --parent "$O_ENG"
M2=$NEW
new_obj mv2 q1 lroot "M3" --parent "$M1"
M3=$NEW
refused_rule "move mv1 out of eng's line" alignment.team admin team move mv1 --parent ops
expect_match "... names M1 and M2, not M3 (its parent moves with it)" "objectives $M1, $M2 aligned" "$ERR"
expect_eq "... mv1 is still under eng" "$(as admin --json team show mv1 | json_field parent)" eng
refused_rule "move mv2 out of mv1's line" alignment.team admin team move mv2 --parent eng
expect_match "... names M3 only" "objective $M3 aligned" "$ERR"
refused_rule "move mv2 under ops" alignment.team admin team move mv2 --parent ops
expect_match "... names M2 and M3" "objectives $M2, $M3 aligned" "$ERR"
allowed "move mv1 under web: eng stays in its line" admin team move mv1 --parent web
allowed "... and back under eng" admin team move mv1 --parent eng
db_state; before=$DB_STATE
if psql_cairn -c "UPDATE teams SET parent_id = (SELECT id FROM teams WHERE slug = 'ops') WHERE slug = 'mv1'" 2>"$T/psql.err"; then
	not_ok "the database refuses the move too"
else
	expect_match "the database refuses the move too" "alignment.team" "$(< "$T/psql.err")"
fi
db_state; expect_eq "... nothing changed" "$DB_STATE" "$before"
quietly "unalign M1" as admin obj unalign "$M1"
quietly "unalign M2" as admin obj unalign "$M2"
allowed "with only M3 aligned (inside the subtree), mv1 moves under ops" admin team move mv1 --parent ops
quietly "mv1 back under eng" as admin team move mv1 --parent eng

# The races -------------------------------------------------------------------



# (a) A under B and B under A at once: one wins, no cycle.
bad=0 badmsg=
for round in $(seq 1 20); do
	new_obj eng q1 leng "Race A $round"
	RA=$NEW
	new_obj eng q1 leng "Race B $round"
	RB=$NEW
	race "obj align $RA --to $RB" "obj align $RB --to $RA"
	links=$(count_sql "(id = $RA AND parent_id = $RB) OR (id = $RB AND parent_id = $RA)")
	if [ "$RACE" != "0 7 " ] || [ "$links" != 1 ] ||
	    ! echo "$RACE_ERR" | grep -q '"rule":"alignment.cycle"'; then
		bad=$((bad + 1))
		badmsg="round $round: exits $RACE, links $links, $RACE_ERR"
	fi
done
race_result "20 racing alignment pairs: exactly one of each wins (alignment.cycle)"
expect_eq "no objective is its own ancestor" \
    "$(count_sql "id IN (SELECT o.id FROM objectives o, objective_ancestors(o.parent_id) a WHERE a.id = o.id)")" 0

# (b) two creations for the last place: one wins, the limit holds.
quietly "team race" as admin team add race --name Race --parent co
add_member race lroot
bad=0 badmsg=
for round in $(seq 1 20); do
	setting max_objectives "$round"
	race "obj add --team race --period q1 --title R$round-a --owner lroot" \
	    "obj add --team race --period q1 --title R$round-b --owner lroot"
	n=$(count_sql "team_id = (SELECT id FROM teams WHERE slug = 'race') AND NOT archived")
	if [ "$RACE" != "0 7 " ] || [ "$n" != "$round" ] ||
	    ! echo "$RACE_ERR" | grep -q '"rule":"limit.objectives"'; then
		bad=$((bad + 1))
		badmsg="round $round: exits $RACE, $n objectives, $RACE_ERR"
	fi
done
race_result "20 racing creations for one place: exactly one wins (limit.objectives)"
setting max_objectives 1000

# pace.sh's invariant over everything this suite built.
progress_consistent "goals-rules: stored progress equals objective_progress"
