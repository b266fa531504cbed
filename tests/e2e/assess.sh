# assess.sh: the assessment (the guide's decision matrix and KPI
# checklist) through the real cairn command line (sourced by suite.sh, after login_admin).  Expected indices are computed here, by hand, from the guide's
# weights as the issue lists them, never read back from the server.
. "$HERE/tiers-lib.sh"

SCEN="rapid_growth cross_functional innovation alignment_challenges
    flexibility strategic_alignment focus_on_change engagement short_term
    cross_departmental aspiration innovation_culture"
CHECK="stable compliance resource_focus maintenance monitoring incremental"
declare -A W=([rapid_growth]=5 [cross_functional]=4 [innovation]=5
    [alignment_challenges]=3 [flexibility]=4 [strategic_alignment]=5
    [focus_on_change]=5 [engagement]=4 [short_term]=5 [cross_departmental]=4
    [aspiration]=5 [innovation_culture]=5)

# sets VALUE KEYS...: "--set KEY=VALUE" for each key.
sets() {
	local v=$1 k
	shift
	for k in "$@"; do
		printf -- '--set %s=%s ' "$k" "$v"
	done
}

# expect_3 NAME GOT WANT: the same to 3 decimals.
expect_3() {
	expect_eq "$1" "$(printf '%.3f' "$2")" "$(printf '%.3f' "$3")"
}

# assess_ok NAME TEAM ARGS...: as admin; the result in $OUT.
assess_ok() {
	local name=$1 team=$2
	shift 2
	t_allowed "$name" admin assess "$team" "$@"
}

# The questions ----------------------------------------------------------------

expect_exit "assess questions" 0 as tmem --json assess questions
expect_eq "eighteen questions" "$(jlen "$OUT" '{}')" 18
i=0
for k in $SCEN; do
	expect_eq "scenario $k: key, kind and the guide's weight" \
	    "$(jget "$OUT" "{$i,key}") $(jget "$OUT" "{$i,kind}") $(jget "$OUT" "{$i,weight}")" \
	    "$k scenario ${W[$k]}"
	i=$((i + 1))
done
for k in $CHECK; do
	expect_eq "checklist $k: key, kind, weight 1" \
	    "$(jget "$OUT" "{$i,key}") $(jget "$OUT" "{$i,kind}") $(jget "$OUT" "{$i,weight}")" \
	    "$k checklist 1"
	i=$((i + 1))
done
expect_eq "the guide's wording (decision matrix)" "$(jget "$OUT" '{2,wording}')" "Innovation-Driven Improvements"
expect_eq "the guide's wording (checklist)" "$(jget "$OUT" '{12,wording}')" "Are operations stable?"
expect_exit "assess questions, as a table" 0 as tmem assess questions
expect_match "the table lists each with its weight" "rapid_growth +scenario +5 +Rapid Growth" "$OUT"

# The four corners ---------------------------------------------------------------

# shellcheck disable=SC2046
assess_ok "all scenarios 5, no checklist yes" tops $(sets 5 $SCEN) $(sets no $CHECK)
expect_eq "gives okr" "$(jget "$OUT" '{recommendation}')" okr
expect_3 "okr_index 1" "$(jget "$OUT" '{okr_index}')" 1
expect_3 "kpi_index 0" "$(jget "$OUT" '{kpi_index}')" 0
expect_eq "drivers: the three heaviest scenarios, in question order" \
    "$(jget "$OUT" '{drivers,0,key}') $(jget "$OUT" '{drivers,1,key}') $(jget "$OUT" '{drivers,2,key}')" \
    "rapid_growth innovation strategic_alignment"
expect_eq "nothing unanswered" "$(jlen "$OUT" '{unanswered}')" 0
expect_eq "the author" "$(jget "$OUT" '{author}')" root
expect_match "the time" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T' "$(jget "$OUT" '{at}')"
expect_eq "the answers as given" "$(jget "$OUT" '{answers,scenarios,aspiration}') $(jget "$OUT" '{answers,checklist,stable}')" "5 false"
expect_eq "not applied: the mode stays" "$(jget "$OUT" '{applied}') $(jget "$OUT" '{framework}')" "false hybrid"

assess_ok "all scenarios 0, every checklist yes" tops $(sets 0 $SCEN) $(sets yes $CHECK)
expect_eq "gives kpi" "$(jget "$OUT" '{recommendation}')" kpi
expect_3 "okr_index 0" "$(jget "$OUT" '{okr_index}')" 0
expect_3 "kpi_index 1" "$(jget "$OUT" '{kpi_index}')" 1
expect_eq "drivers: the first three yes answers" \
    "$(jget "$OUT" '{drivers,0,key}') $(jget "$OUT" '{drivers,1,key}') $(jget "$OUT" '{drivers,2,key}')" \
    "stable compliance resource_focus"

assess_ok "everything full" tops $(sets 5 $SCEN) $(sets yes $CHECK)
expect_eq "gives hybrid" "$(jget "$OUT" '{recommendation}')" hybrid
expect_3 "okr_index 1" "$(jget "$OUT" '{okr_index}')" 1
expect_3 "kpi_index 1" "$(jget "$OUT" '{kpi_index}')" 1
# Hybrid: the top scenario and the top yes, then the largest share left: a
# yes is 1/6 of the KPI index, more than any scenario's 25/270.
expect_eq "drivers: both tiers" \
    "$(jget "$OUT" '{drivers,0,key}') $(jget "$OUT" '{drivers,1,key}') $(jget "$OUT" '{drivers,2,key}')" \
    "stable compliance rapid_growth"

# A mixed case, by hand.  innovation_culture and incremental unanswered.
MIX="--set rapid_growth=4 --set cross_functional=3 --set innovation=5
    --set alignment_challenges=2 --set flexibility=0 --set strategic_alignment=5
    --set focus_on_change=4 --set engagement=3 --set short_term=5
    --set cross_departmental=1 --set aspiration=2
    --set stable=yes --set compliance=no --set resource_focus=yes
    --set maintenance=y --set monitoring=true"
SUM=$(( 5*4 + 4*3 + 5*5 + 3*2 + 4*0 + 5*5 + 5*4 + 4*3 + 5*5 + 4*1 + 5*2 ))
SUMW=0
for k in $SCEN; do SUMW=$((SUMW + ${W[$k]})); done
expect_eq "by hand: the weights sum to 54" "$SUMW" 54
OKR=$(awk "BEGIN { print $SUM / (5 * $SUMW) }")	# 159/270 = 0.589
KPI=$(awk 'BEGIN { print 4 / 6 }')
# shellcheck disable=SC2086
assess_ok "a mixed case" tops $MIX
expect_3 "okr_index = 159/270" "$(jget "$OUT" '{okr_index}')" "$OKR"
expect_eq "okr_index to 3 decimals" "$(printf '%.3f' "$(jget "$OUT" '{okr_index}')")" 0.589
expect_3 "kpi_index = 4/6" "$(jget "$OUT" '{kpi_index}')" "$KPI"
expect_eq "hybrid (okr below 0.6, kpi not with okr below 0.4)" "$(jget "$OUT" '{recommendation}')" hybrid
expect_eq "unanswered, in question order" "$(jget "$OUT" '{unanswered}')" '["innovation_culture", "incremental"]'
expect_eq "drivers: the top scenario (innovation, 25), the yes answers" \
    "$(jget "$OUT" '{drivers,0,key}') $(jget "$OUT" '{drivers,1,key}') $(jget "$OUT" '{drivers,2,key}')" \
    "stable resource_focus innovation"
expect_3 "a driver's share is its part of its index" "$(jget "$OUT" '{drivers,2,share}')" "$(awk 'BEGIN { print 25 / 270 }')"
expect_exit "text output of a result" 0 as admin assess tops $MIX
expect_match "okr_index to 3 decimals" "^okr_index: 0\.589$" "$OUT"
expect_match "the recommendation" "^recommendation: hybrid$" "$OUT"
expect_match "the drivers" "^drivers: stable yes, resource_focus yes, innovation 5 x 5$" "$OUT"
expect_match "the unanswered" "^unanswered: innovation_culture, incremental$" "$OUT"

# The boundaries, exactly: 2/3 and 0.4, 0.6 and 0.5.
FOUR="--set stable=yes --set compliance=yes --set resource_focus=yes --set maintenance=yes"
assess_ok "okr_index 105/270 (< 0.4), kpi_index 4/6" tops $(sets 2 $(echo $SCEN | sed 's/alignment_challenges//')) --set alignment_challenges=1 $FOUR
expect_3 "okr_index" "$(jget "$OUT" '{okr_index}')" "$(awk 'BEGIN { print 105 / 270 }')"
expect_eq "kpi at exactly 2/3" "$(jget "$OUT" '{recommendation}')" kpi
assess_ok "okr_index exactly 0.4, kpi_index 4/6" tops $(sets 2 $SCEN) $FOUR
expect_eq "hybrid: okr_index is not below 0.4" "$(jget "$OUT" '{recommendation}')" hybrid
assess_ok "okr_index exactly 0.6, kpi_index 2/6" tops $(sets 3 $SCEN) --set stable=yes --set compliance=yes
expect_eq "okr at exactly 0.6" "$(jget "$OUT" '{recommendation}')" okr
assess_ok "okr_index exactly 0.6, kpi_index exactly 0.5" tops $(sets 3 $SCEN) --set stable=yes --set compliance=yes --set monitoring=yes
expect_eq "hybrid: kpi_index is not below 0.5" "$(jget "$OUT" '{recommendation}')" hybrid
assess_ok "nothing answered" tops --set stable=no
expect_eq "hybrid" "$(jget "$OUT" '{recommendation}')" hybrid
expect_eq "seventeen unanswered" "$(jlen "$OUT" '{unanswered}')" 17
expect_eq "no drivers" "$(jlen "$OUT" '{drivers}')" 0

# --answers FILE, and - for standard input.
cat > "$T/answers.json" <<'JSON'
{"scenarios": {"rapid_growth": 5, "innovation": 4},
 "checklist": {"stable": true, "compliance": false}}
JSON
assess_ok "--answers FILE" tops --answers "$T/answers.json"
expect_3 "okr_index (25 + 20) / 270" "$(jget "$OUT" '{okr_index}')" "$(awk 'BEGIN { print 45 / 270 }')"
expect_3 "kpi_index 1/6" "$(jget "$OUT" '{kpi_index}')" "$(awk 'BEGIN { print 1 / 6 }')"
expect_exit "--answers - reads standard input" 0 sh -c "XDG_CONFIG_HOME=$T/home-admin $BIN/cairn --json assess tops --answers - < $T/answers.json"
expect_3 "the same result" "$(jget "$OUT" '{okr_index}')" "$(awk 'BEGIN { print 45 / 270 }')"

# --apply: the team's mode becomes the recommendation, audited.
assess_ok "--apply" tops $(sets 0 $SCEN) $(sets yes $CHECK) --apply
expect_eq "applied, the mode is kpi" "$(jget "$OUT" '{applied}') $(jget "$OUT" '{framework}')" "true kpi"
expect_exit "team show" 0 as admin --json team show tops
expect_eq "the team is in kpi mode" "$(jget "$OUT" '{framework}')" kpi
expect_exit "audit" 0 as admin --json audit --entity team:"$(psql_cairn -c "SELECT id FROM teams WHERE slug = 'tops'")" --limit 1
expect_eq "the mode change is audited" "$(jget "$OUT" '{0,op}')" team.framework
expect_eq "the assessment is audited" "$(psql_cairn -c "SELECT count(*) FROM audit_log WHERE op = 'assessment.create'")" \
    "$(psql_cairn -c "SELECT count(*) FROM assessments")"
t_allowed "--apply back to hybrid" admin assess tops $(sets 5 $SCEN) $(sets yes $CHECK) --apply
expect_eq "the mode is hybrid" "$(jget "$OUT" '{framework}')" hybrid

# History ------------------------------------------------------------------------

NTOPS=$(psql_cairn -c "SELECT count(*) FROM assessments a JOIN teams t ON t.id = a.team_id WHERE t.slug = 'tops'")
expect_exit "assess show --history" 0 as tmem --json assess show tops --history
expect_eq "every assessment of the team is kept" "$(jlen "$OUT" '{}')" "$NTOPS"
expect_eq "newest first" "$(jget "$OUT" '{0,applied}') $(jget "$OUT" '{0,recommendation}')" "true hybrid"
expect_eq "the first one is last" "$(jget "$OUT" "{$((NTOPS - 1)),recommendation}")" okr
expect_exit "assess show: the latest" 0 as tmem --json assess show tops
expect_eq "the latest is the newest" "$(jget "$OUT" '{id}')" "$(psql_cairn -c "SELECT max(id) FROM assessments")"
for f in okr_index kpi_index recommendation drivers unanswered answers author at; do
	expect_match "assess show has $f" "\"$f\":" "$OUT"
done
expect_exit "assess show, text" 0 as tmem assess show tops --history
expect_match "a table, newest first" "^AT +AUTHOR +OKR +KPI +RECOMMENDATION +APPLIED" "$OUT"
expect_exit "assessments are append-only" 1 psql_cairn -c "DELETE FROM assessments"
expect_exit "a team with none" 5 as admin --json assess show tdept
expect_eq "no assessment: not found, naming the team" "$(jget "$ERR" '{error,field}')" team
expect_exit "history of a team with none is empty" 0 as admin --json assess show tdept --history
expect_eq "an empty list" "$OUT" "[]"

# Weights: an admin changes one; results from then on use it --------------------

t_allowed "admin changes a weight" admin assess weight rapid_growth 1
expect_eq "the new weight" "$(jget "$OUT" '{weight}')" 1
expect_exit "the change is audited" 0 as admin --json audit --limit 1
expect_eq "audit: assessment.set_weight" "$(jget "$OUT" '{0,op}')" assessment.set_weight
BEFORE_HIST=$(as admin --json assess show tops --history)
assess_ok "scored with the new weight" tops --set rapid_growth=5
expect_3 "okr_index 1 x 5 / (5 x 50)" "$(jget "$OUT" '{okr_index}')" "$(awk 'BEGIN { print 5 / 250 }')"
expect_eq "the weights it used are kept with it" "$(jget "$OUT" '{weights,rapid_growth}')" 1
AFTER_HIST=$(as admin --json assess show tops --history)
expect_eq "earlier results keep their scores" "$(jget "$AFTER_HIST" '{1}')" "$(jget "$BEFORE_HIST" '{0}')"
t_refused "a lead may not change a weight" 4 tlead assess weight rapid_growth 3
t_refused "an executive may not" 4 texec assess weight rapid_growth 3
t_refused_field "weight 0 is refused" 7 weight admin assess weight rapid_growth 0
t_refused_field "weight 11 is refused" 7 weight admin assess weight rapid_growth 11
t_refused_field "an unknown question" 5 key admin assess weight nosuch 3
t_refused "a 41-byte key" 7 admin assess weight "$(printf 'k%.0s' $(seq 41))" 3
t_allowed "admin restores the weight" admin assess weight rapid_growth 5

# Who may assess, and who may read ---------------------------------------------------

t_allowed "the team's lead assesses" tlead assess tops --set stable=yes
t_allowed "a lead of an ancestor assesses" tldept assess tops --set stable=yes
t_refused "a member may not assess" 4 tmem assess tops --set stable=yes
t_refused "an executive may not assess" 4 texec assess tops --set stable=yes
t_refused "a user in no team may not" 4 tout assess tops --set stable=yes
t_refused "a private team is not found for an outsider" 5 tout assess tpriv --set stable=yes
t_refused "nor for a lead of a sibling team" 5 tlead assess tpriv --set stable=yes
t_allowed "the private team's lead assesses it" tlpriv assess tpriv --set stable=yes
expect_exit "a member reads the result" 0 as tmem --json assess show tops
expect_exit "a user in no team reads a public team's" 0 as tout --json assess show tops
expect_exit "an executive reads a private team's" 0 as texec --json assess show tpriv
expect_exit "the private team's member reads it" 0 as tmpriv --json assess show tpriv
expect_exit "an outsider does not find a private team's" 5 as tout --json assess show tpriv
expect_exit "nor its history" 5 as tout --json assess show tpriv --history
expect_exit "a sibling's lead does not find it" 5 as tlead --json assess show tpriv
expect_exit "an unknown team" 5 as admin --json assess show nosuchteam

# Every input limit -------------------------------------------------------------------

t_refused_field "an unknown scenario" 7 scenarios.nosuch admin assess tops --set nosuch=3
t_refused_field "an unknown checklist question" 7 checklist.nosuch admin assess tops --set nosuch=yes
t_refused_field "a scenario above 5" 7 scenarios.rapid_growth admin assess tops --set rapid_growth=6
t_refused "a scenario answered yes" 2 admin assess tops --set rapid_growth=yes
t_refused "a checklist question answered 3" 2 admin assess tops --set stable=3
t_refused "a negative answer" 2 admin assess tops --set rapid_growth=-1
t_refused "--set without =" 2 admin assess tops --set rapid_growth
t_refused "the same key twice" 2 admin assess tops --set stable=yes --set stable=no
t_refused "--set and --answers together" 2 admin assess tops --set stable=yes --answers "$T/answers.json"
echo '{"scenarios": {"rapid_growth": 2.5}}' > "$T/bad1.json"
t_refused_field "a fractional answer" 7 scenarios.rapid_growth admin assess tops --answers "$T/bad1.json"
echo '{"checklist": {"stable": 1}}' > "$T/bad2.json"
t_refused_field "a checklist answer that is no boolean" 7 checklist.stable admin assess tops --answers "$T/bad2.json"
echo '{"scenarios": {"rapid_growth": -1}}' > "$T/bad3.json"
t_refused_field "a negative answer in a file" 7 scenarios.rapid_growth admin assess tops --answers "$T/bad3.json"
echo '{"scenarios": [5]}' > "$T/bad4.json"
t_refused_field "scenarios that are no map" 1 scenarios admin assess tops --answers "$T/bad4.json"
echo '{"scenarios": {}, "other": 1}' > "$T/bad5.json"
t_refused "a file with other members" 2 admin assess tops --answers "$T/bad5.json"
echo 'not json' > "$T/bad6.json"
t_refused "a file that is not JSON" 2 admin assess tops --answers "$T/bad6.json"
t_refused "a file that does not exist" 2 admin assess tops --answers "$T/nosuch.json"
head -c 70000 /dev/zero | tr '\0' ' ' > "$T/big.json"
t_refused "a file over 64 KiB" 2 admin assess tops --answers "$T/big.json"
LONGKEY=$(printf 'k%.0s' $(seq 41))
echo "{\"scenarios\": {\"$LONGKEY\": 1}}" > "$T/bad7.json"
t_refused_field "a 41-byte key" 7 "scenarios" admin assess tops --answers "$T/bad7.json"
awk 'BEGIN { printf "{\"checklist\": {"; for (i = 0; i < 65; i++)
    printf "%s\"k%d\": true", i ? ", " : "", i; print "}}" }' > "$T/bad8.json"
t_refused_field "more than 64 checklist answers" 7 checklist admin assess tops --answers "$T/bad8.json"
t_refused "a 41-byte team slug" 7 admin assess "$(printf 't%.0s' $(seq 41))" --set stable=yes
t_refused "an unknown team" 5 admin assess nosuchteam --set stable=yes

# At the terminal ----------------------------------------------------------------------

expect_exit "without a terminal and without answers: refused" 2 setsid -w sh -c "XDG_CONFIG_HOME=$T/home-admin $BIN/cairn assess tops </dev/null"
expect_match "it says how to answer instead" "no terminal.*--set KEY=VALUE or --answers FILE" "$ERR"
# A pseudo-terminal (script(1)): 18 answers, an empty one skipping, and a
# wrong one asked again.
if command -v script >/dev/null 2>&1; then
	t_db_state; before=$DIGEST
	OUT=$( { printf '5\n'; for i in $(seq 2 9); do printf '0\n'; done
	    printf '\n9\n4\n0\n'; printf 'yes\n'; printf 'maybe\nno\n'
	    for i in 1 2 3 4; do printf 'no\n'; done; sleep 2; } |
	    script -qec "XDG_CONFIG_HOME=$T/home-admin $BIN/cairn assess tops" /dev/null 2>&1)
	expect_match "the terminal asks with the guide's wording" "Rapid Growth \(weight 5\)" "$OUT"
	expect_match "and the checklist's" "Are operations stable\? \(yes/no\)" "$OUT"
	expect_match "a wrong answer is asked again" "a number from 0 to 5, please" "$OUT"
	# rapid_growth 5, cross_departmental skipped, aspiration 9 (asked
	# again) then 4, the rest 0: (5*5 + 5*4) / 270.
	expect_match "the result is printed" "okr_index: $(awk 'BEGIN { printf "%.3f", 45 / 270 }')" "$OUT"
	expect_match "the skipped one is unanswered" "unanswered: cross_departmental" "$OUT"
	t_db_state; if [ "$DIGEST" != "$before" ]; then ok "the terminal's answers are stored"
	else not_ok "the terminal's answers are stored"; fi
fi
