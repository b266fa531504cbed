# goals.sh: the goal hierarchy (teams, periods, objectives, key results)
# through the real cairn command line: defaults and values, reading a
# private team, members, objective types and filters, progress, a whole
# quarter and the audit log.  Its siblings: goals-rules.sh, goals-perm.sh,
# goals-perm-obj.sh (goals-lib.sh says what each holds).
#
# Sourced by suite.sh after login_admin (lib.sh's `as` and the admin session
# in home-admin); the organisation it starts from is goals-lib.sh's
# goals_setup, so that it runs alone, on a cluster of its own.
. "$HERE/goals-lib.sh"
goals_setup

expect_obj "objective parent is stored" "$O_ENG" parent "$O_CO"
expect_obj "objective owner is stored" "$O_ENG" owner leng
expect_obj "objective type defaults to committed" "$O_ENG" type committed
expect_obj "objective rollup defaults to auto" "$O_ENG" rollup auto
expect_obj "objective alignment weight defaults to 1" "$O_ENG" weight 1
expect_obj "objective starts at version 1" "$O_ENG" version 1
expect_obj "objective is not archived" "$O_ENG" archived false

# Validation: slugs, weights, confidence, KR shapes.
refused "team slug of one character is invalid" 7 admin team add x --name X --parent co
refused "team slug with capitals is invalid" 7 admin team add Bad --name X --parent co
refused "team slug of 41 characters is invalid" 7 admin team add "$(printf 'a%.0s' $(seq 41))" --name X --parent co
allowed "team slug of 40 characters is valid" admin team add "$(printf 'b%.0s' $(seq 40))" --name X --parent co
allowed "team slug of 2 characters is valid" admin team add z9 --name Z --parent co
refused "a duplicate slug is E_CONFLICT" 6 admin team add eng --name Again --parent co
refused "a duplicate period name is E_CONFLICT" 6 admin period add q1 --start 2026-01-01 --end 2026-03-31
refused "a period ending before it starts" 7 admin period add bad --start 2026-02-01 --end 2026-01-31
refused "a KR weight of 0 is refused" 7 admin kr add "$O_ENG" --title w --type boolean --target 1 --weight 0 --owner leng
refused "a negative KR weight is refused" 7 admin kr add "$O_ENG" --title w --type boolean --target 1 --weight -1 --owner leng
refused "an increase KR needs target > start" 7 admin kr add "$O_ENG" --title w --type increase --start 5 --target 5 --owner leng
refused "a decrease KR needs target < start" 7 admin kr add "$O_ENG" --title w --type decrease --start 5 --target 6 --owner leng
refused "an alignment weight of 0 is refused" 7 admin obj add --team eng --period y2026 --title w --owner leng --parent "$O_CO" --weight 0
new_kr "$O_ENG" leng increase 10
K_ENG=$NEW
refused "confidence 11 is refused" 7 admin kr checkin "$K_ENG" 1 --confidence 11
refused "confidence 0 is refused" 7 admin kr checkin "$K_ENG" 1 --confidence 0
allowed "confidence 10 is accepted" admin kr checkin "$K_ENG" 1 --confidence 10
expect_eq "the check-in sets the confidence" "$(kr_field "$K_ENG" confidence)" 10
expect_eq "the check-in sets the current value" "$(kr_field "$K_ENG" current)" 1
allowed "a check-in without confidence" admin kr checkin "$K_ENG" 2 --note second
expect_eq "... keeps the confidence" "$(kr_field "$K_ENG" confidence)" 10
expect_exit "kr history" 0 as leng --json kr history "$K_ENG"
expect_match "kr history: oldest first, with notes and authors" \
    '^\[\{"id":[0-9]+,"value":1,"confidence":10,"note":"","author":"root","via":"user","at":"[^"]+"\},\{"id":[0-9]+,"value":2,"confidence":null,"note":"second","author":"root","via":"user","at":"[^"]+"\}\]$' "$OUT"
if psql_cairn -c "UPDATE checkins SET value = 9" 2>"$T/psql.err"; then
	not_ok "the database refuses to change a check-in"
else
	expect_match "the database refuses to change a check-in" "checkins.append_only" "$(< "$T/psql.err")"
fi

# Reading a private team -----------------------------------------------------

new_obj sec q1 lsec "Secret goal" --parent "$O_OPS" --weight 3
O_SEC=$NEW
new_kr "$O_SEC" msec boolean 1
K_SEC=$NEW
checkin "$K_SEC" 1
new_obj ops q1 mops "Public ops child" --parent "$O_OPS"
for who in admin exec1 lsec msec lops lroot; do
	expect_exit "obj show of a private team's objective: ${KIND[$who]} ($who) reads it" 0 as $who --json obj show "$O_SEC"
done
expect_match "exec1 sees the private objective's title" '"title":"Secret goal"' "$(obj_json "$O_SEC" exec1)"
for who in outsider mops leng mweb; do
	expect_exit "obj show of a private team's objective: $who gets E_NOT_FOUND" 5 as $who --json obj show "$O_SEC"
	expect_exit "kr show of a private team's KR: $who gets E_NOT_FOUND" 5 as $who --json kr show "$K_SEC"
	expect_exit "kr history of a private team's KR: $who gets E_NOT_FOUND" 5 as $who --json kr history "$K_SEC"
	expect_exit "obj list --team sec as $who" 0 as $who --json obj list --team sec
	expect_eq "obj list --team sec as $who is empty" "$OUT" "[]"
	expect_exit "obj list as $who" 0 as $who --json obj list
	if echo "$OUT" | grep -q "Secret goal"; then
		not_ok "obj list as $who leaves out the private objective" "$OUT"
	else
		ok "obj list as $who leaves out the private objective"
	fi
done
expect_exit "obj show of a missing objective" 5 as outsider --json obj show 999999
missing=${ERR//999999/ID}
expect_exit "obj show of the private one" 5 as outsider --json obj show "$O_SEC"
expect_eq "... reads exactly like a missing one" "${ERR//$O_SEC/ID}" "$missing"
expect_exit "obj list --team sec as msec" 0 as msec --json obj list --team sec
expect_match "obj list --team sec as msec shows it" "\"id\":$O_SEC,\"team\":\"sec\"" "$OUT"
expect_exit "obj list as exec1" 0 as exec1 --json obj list --team sec
expect_match "an executive lists the private objective" "\"id\":$O_SEC," "$OUT"
# The parent shows the hidden child's progress but not its id or title.
kids=$(obj_children "$O_OPS" outsider)
expect_match "the parent shows a hidden child to an outsider" '\{"hidden":true,"progress":1,"weight":3\}' "$kids"
if echo "$kids" | grep -q "Secret goal\|\"id\":$O_SEC[,}]"; then
	not_ok "the hidden child has neither id nor title" "$kids"
else
	ok "the hidden child has neither id nor title"
fi
expect_match "the public child is shown in full" '"title":"Public ops child","team":"ops","progress":0,"weight":1' "$kids"
expect_progress "the hidden child counts in the outsider's roll-up (3*1+1*0)/4" "$O_OPS" 0.75 outsider
expect_progress "the same roll-up for the admin" "$O_OPS" 0.75
expect_match "the parent's lead sees the child in full" "\"id\":$O_SEC,\"title\":\"Secret goal\",\"team\":\"sec\"" "$(obj_children "$O_OPS" lops)"

# Members: re-adding changes the role.
allowed "re-adding mweb as lead" lweb team member add web mweb --lead
expect_match "... mweb leads web" '"login":"mweb","name":"User mweb","role":"lead"' "$(as admin --json team show web)"
allowed "re-adding mweb as member" lweb team member add web mweb
expect_match "... mweb is a member again" '"login":"mweb","name":"User mweb","role":"member"' "$(as admin --json team show web)"

# Objective type, description, and the list filters.
allowed "an aspirational objective" lweb obj add --team web --period q1 --title Moonshot --owner mweb --aspirational --description "far away"
OA=$NEW
expect_obj "... type aspirational" "$OA" type aspirational
expect_obj "... description" "$OA" description "far away"
allowed "made committed" mweb obj edit "$OA" --committed --description "nearer"
expect_obj "... type committed" "$OA" type committed
expect_obj "... description changed" "$OA" description nearer
expect_exit "obj list --mine" 0 as mweb --json obj list --mine
expect_eq "obj list --mine: only mweb's" "$(echo "$OUT" | json_all owner | sort -u)" mweb
expect_exit "obj list --owner" 0 as lweb --json obj list --owner mweb --team web --period q1
expect_match "obj list --owner: the aspirational one is there" "\"id\":$OA," "$OUT"
expect_eq "obj list --owner: only mweb's" "$(echo "$OUT" | json_all owner | sort -u)" mweb

# Progress -------------------------------------------------------------------

# kr_case NAME KR VALUE PROGRESS ATTAINMENT: check in VALUE, compare.
kr_case() {
	expect_exit "check in $3 ($1)" 0 as admin --json kr checkin "$2" "$3"
	expect_num "$1: progress" "$(echo "$OUT" | json_field progress)" "$4"
	expect_num "$1: attainment" "$(echo "$OUT" | json_field attainment)" "$5"
	expect_num "$1: kr show agrees" "$(kr_field "$2" progress)" "$4"
}
new_obj eng y2026 leng "KR types"
OT=$NEW
new_kr "$OT" leng increase 200
kr_case "increase 0->200 at 250: clamped" "$NEW" 250 1 1.25
kr_case "increase 0->200 at 50" "$NEW" 50 0.25 0.25
new_kr "$OT" leng increase 100
kr_case "increase 0->100 at -20: clamped at 0" "$NEW" -20 0 -0.2
new_kr "$OT" leng increase 60 --start 10
kr_case "increase 10->60 at 35" "$NEW" 35 0.5 0.5
new_kr "$OT" leng decrease 50 --start 100
KDEC=$NEW
kr_case "decrease 100->50 at 75" "$KDEC" 75 0.5 0.5
kr_case "decrease 100->50 at 40: clamped" "$KDEC" 40 1 1.2
kr_case "decrease 100->50 at 120: clamped" "$KDEC" 120 0 -0.4
setting max_key_results 10
new_kr "$OT" leng above 10
KAB=$NEW
kr_case "above 10 at 9" "$KAB" 9 0 0
kr_case "above 10 at 10" "$KAB" 10 1 1
kr_case "above 10 at 11" "$KAB" 11 1 1
new_kr "$OT" leng below 5
KBE=$NEW
kr_case "below 5 at 6" "$KBE" 6 0 0
kr_case "below 5 at 5" "$KBE" 5 1 1
kr_case "below 5 at -3" "$KBE" -3 1 1
new_kr "$OT" leng boolean 1
KBO=$NEW
expect_num "boolean starts at 0" "$(kr_field "$KBO" progress)" 0
kr_case "boolean at 1" "$KBO" 1 1 1
kr_case "boolean back at 0" "$KBO" 0 0 0
refused "a boolean check-in of 2 is refused" 7 admin kr checkin "$KBO" 2
setting max_key_results 5

# X (krs): increase w2 at 1, decrease w1 at .5, above w1 at 0 -> 2.5/4.
new_obj eng y2026 leng "X" --rollup krs --parent "$O_ENG" --weight 3
X=$NEW
expect_obj "rollup krs is stored" "$X" rollup krs
new_kr "$X" leng increase 200 --weight 2
XI=$NEW
checkin "$XI" 250
new_kr "$X" leng decrease 50 --start 100
checkin "$NEW" 75
new_kr "$X" leng above 10
XA=$NEW
checkin "$XA" 9
expect_progress "krs: weighted mean (2*1 + .5 + 0)/4" "$X" 0.625
# Z (auto with KRs = krs): boolean w1 at 1, below w3 at 0 -> 1/4.
new_obj eng y2026 leng "Z"
Z=$NEW
new_kr "$Z" leng boolean 1
checkin "$NEW" 1
new_kr "$Z" leng below 5 --weight 3
checkin "$NEW" 6
expect_progress "auto with KRs is krs: (1 + 3*0)/4" "$Z" 0.25
expect_obj "... shown as auto" "$Z" rollup auto
# Y (children): X with alignment weight 3, Z with 1, W (5, at 1) archived.
new_obj eng y2026 leng "Y" --rollup children
Y=$NEW
expect_progress "children with no children: 0" "$Y" 0
allowed "align X under Y, weight 3" admin obj align "$X" --to "$Y" --weight 3
allowed "align Z under Y" admin obj align "$Z" --to "$Y"
expect_obj "alignment weight defaults to 1" "$Z" weight 1
new_obj eng y2026 leng "W" --parent "$Y" --weight 5
W=$NEW
new_kr "$W" leng boolean 1
checkin "$NEW" 1
expect_progress "children: (3*.625 + .25 + 5*1)/9" "$Y" "$(frac "(3*.625 + .25 + 5) / 9")"
allowed "archive W" admin obj archive "$W"
expect_progress "children leaves out archived ones: (3*.625 + .25)/4" "$Y" 0.53125
kids=$(obj_children "$Y")
expect_eq "Y lists two children" "$(echo "$kids" | json_all progress | wc -l)" 2
expect_match "... X with weight 3" "\{\"id\":$X,\"title\":\"X\",\"team\":\"eng\",\"progress\":0.625,\"weight\":3\}" "$kids"
expect_match "... Z with weight 1" "\{\"id\":$Z,\"title\":\"Z\",\"team\":\"eng\",\"progress\":0.25,\"weight\":1\}" "$kids"
new_kr "$Y" leng above 1 --weight 2
YK=$NEW
checkin "$YK" 1
expect_progress "children ignores the own KRs" "$Y" 0.53125
allowed "Y to both" admin obj edit "$Y" --rollup both
expect_progress "both: (2*1 + 3*.625 + 1*.25)/6" "$Y" 0.6875
allowed "Y to krs" admin obj edit "$Y" --rollup krs
expect_progress "krs ignores the children" "$Y" 1
allowed "Y to auto" admin obj edit "$Y" --rollup auto
expect_obj "... shown as auto" "$Y" rollup auto
expect_progress "auto with KRs is krs" "$Y" 1
allowed "remove Y's KR" admin kr rm "$YK"
expect_progress "auto without KRs is children" "$Y" 0.53125
# Up the chain: G (auto, no KRs) over Y.
new_obj eng y2026 leng "G"
G=$NEW
allowed "align Y under G" admin obj align "$Y" --to "$G" --weight 2
expect_progress "G follows Y" "$G" 0.53125
allowed "X's above KR reaches its target" admin kr checkin "$XA" 10
expect_progress "X: (2 + .5 + 1)/4" "$X" 0.875
expect_progress "Y: (3*.875 + .25)/4" "$Y" 0.71875
expect_progress "G: Y" "$G" 0.71875
expect_num "G lists Y's progress" "$(obj_children "$G" | json_field progress)" 0.71875
allowed "change X's alignment weight to 1" admin obj align "$X" --to "$Y" --weight 1
expect_progress "Y: (.875 + .25)/2" "$Y" 0.5625
allowed "KR weight 2 -> 6 on X's increase KR" admin kr edit "$XI" --weight 6
expect_progress "X: (6 + .5 + 1)/8" "$X" 0.9375
allowed "unalign Z" admin obj unalign "$Z"
expect_progress "Y: X alone" "$Y" 0.9375
expect_obj "Z has no parent" "$Z" parent null

# A whole quarter ---------------------------------------------------------------

mkperiod q3 2026-07-01 2026-09-30 open
allowed "lroot sets the company goal for the year" lroot obj add --team co --period y2026 --title "Grow"
CO1=$NEW
allowed "leng aligns engineering's quarter to it" leng obj add --team eng --period q3 --title "Ship" --parent "$CO1"
E1=$NEW
allowed "lweb adds web's objective under it, weight 2" lweb obj add --team web --period q3 --title "Fast site" --owner oweb --parent "$E1" --weight 2
W1=$NEW
allowed "leng adds another web objective" leng obj add --team web --period q3 --title "Launch" --owner mweb
W2=$NEW
refused "kweb may not align it" 4 kweb obj align "$W2" --to "$E1"
allowed "lweb aligns it" lweb obj align "$W2" --to "$E1"
allowed "oweb adds a KR to her objective" oweb kr add "$W1" --title "Pages under 1s" --type increase --target 10 --unit pages --owner kweb
WK1=$NEW
allowed "lweb adds a boolean KR" lweb kr add "$W2" --title "Launched" --type boolean --target 1 --owner mweb
WK2=$NEW
allowed "oweb lets cops contribute" oweb obj grant "$W1" cops
expect_progress "nothing checked in: 0" "$CO1" 0
allowed "kweb checks in 5 of 10" kweb kr checkin "$WK1" 5 --confidence 6 --note halfway
expect_progress "web: .5" "$W1" 0.5
expect_progress "eng: (2*.5 + 0)/3" "$E1" "$(frac "1/3")"
expect_progress "company: eng's" "$CO1" "$(frac "1/3")"
allowed "mweb checks in launched" mweb kr checkin "$WK2" 1
expect_progress "eng: (2*.5 + 1)/3" "$E1" "$(frac "2/3")"
expect_progress "company: eng's" "$CO1" "$(frac "2/3")"
allowed "the quarter goes to review" admin period review q3
allowed "cops checks in 10 during the review" cops kr checkin "$WK1" 10 --confidence 9
expect_progress "eng: 1" "$E1" 1
expect_progress "company: 1" "$CO1" 1
allowed "reopened for a late fix" admin period reopen q3
allowed "kweb checks in 8" kweb kr checkin "$WK1" 8
expect_progress "company: (2*.8 + 1)/3" "$CO1" "$(frac "2.6/3")"
allowed "review again" admin period review q3
allowed "closed" admin period close q3 --auto-grade
expect_eq "q3 is closed" "$(echo "$OUT" | json_field state)" closed
expect_exit "kr history after the quarter" 0 as lweb --json kr history "$WK1"
expect_eq "three check-ins, by kweb, cops, kweb" "$(echo "$OUT" | json_all author | tr '\n' ' ')" 'kweb cops kweb '
refused_rule "closed: obj edit" period.closed admin obj edit "$W1" --title x
refused_rule "closed: obj edit by the owner" period.closed oweb obj edit "$W1" --rollup krs
refused_rule "closed: obj unalign" period.closed admin obj unalign "$W1"
refused_rule "closed: obj unalign from an open period's parent" period.closed admin obj unalign "$E1"
refused_rule "closed: obj align" period.closed admin obj align "$W2" --to "$W1"
refused_rule "closed: obj archive" period.closed admin obj archive "$W2"
refused_rule "closed: obj grant" period.closed admin obj grant "$W1" spare
refused_rule "closed: obj revoke" period.closed admin obj revoke "$W1" cops
refused_rule "closed: obj add" period.closed admin obj add --team web --period q3 --title x --owner oweb
refused_rule "closed: kr add" period.closed admin kr add "$W1" --title x --type boolean --target 1 --owner kweb
refused_rule "closed: kr edit" period.closed admin kr edit "$WK1" --target 20
refused_rule "closed: kr rm" period.closed admin kr rm "$WK2"
refused_rule "closed: kr checkin" period.closed kweb kr checkin "$WK1" 9
refused_rule "closed: period reopen" period.closed admin period reopen q3
expect_progress "the company goal still counts the closed quarter" "$CO1" "$(frac "2.6/3")"
allowed "the company goal itself still changes" lroot obj edit "$CO1" --title "Grow more"

# The audit log -----------------------------------------------------------------

audited "user add" user.create user admin user add aud1 --name Aud
AU=$AUDIT_ID
audited "user set-role" user.set_role user admin user set-role aud1 executive
audited "user disable" user.disable user admin user disable aud1
audited "user enable" user.enable user admin user enable aud1
expect_eq "... all on the same user" "$AUDIT_ID" "$AU"
audited "passwd" user.set_password user admin passwd aud1 --password-stdin <<<"aud1-new-password"
audited "team add" team.create team admin team add aud --name Aud --parent co
AT=$AUDIT_ENTITY
audited "team rename" team.rename team admin team rename aud --name Audited
audited "team move" team.move team admin team move aud --parent eng
audited "team member add" team.add_member team lroot team member add aud aud1 --lead
audited "team member rm" team.remove_member team leng team member rm aud aud1
audited "team rm" team.remove team admin team rm aud
expect_eq "... all on the same team" "$AUDIT_ENTITY" "$AT"
audited "period add" period.create period admin period add aud27 --start 2027-04-01 --end 2027-06-30
audited "period open" period.set_state period admin period open aud27
audited "settings set" settings.set setting admin settings set max_depth 9
setting max_depth 8
audited "obj add" objective.create objective leng obj add --team eng --period q1 --title Audited --owner meng
AO=$AUDIT_ID
audited "obj edit" objective.update objective meng obj edit "$AO" --title "Audited, edited"
audited "obj align" objective.align objective meng obj align "$AO" --to "$O_ENG"
audited "obj unalign" objective.unalign objective meng obj unalign "$AO"
audited "obj grant" objective.grant objective meng obj grant "$AO" cops
audited "kr add" kr.create kr meng kr add "$AO" --title k --type increase --target 4 --owner cops
AK=$AUDIT_ID
audited "kr edit" kr.update kr meng kr edit "$AK" --owner meng
audited "kr checkin" kr.checkin kr cops kr checkin "$AK" 2
audited "obj revoke" objective.revoke objective meng obj revoke "$AO" cops
audited "kr rm" kr.remove kr meng kr rm "$AK"
audited "obj archive" objective.archive objective leng obj archive "$AO"
expect_eq "... all on the same objective" "$AUDIT_ID" "$AO"
expect_eq "the edit's before and after in the database" \
    "$(psql_cairn -c "SELECT before->>'title', after->>'title' FROM audit_log WHERE op = 'objective.update' AND entity_id = $AO")" \
    "Audited|Audited, edited"
expect_exit "audit --entity" 0 as admin --json audit --entity "objective:$AO"
expect_eq "audit --entity lists the objective's 7 entries" "$(echo "$OUT" | json_all entity | grep -cx "objective:$AO")" 7
expect_match "audit entries: newest first" '^\[\{"id":[0-9]+,"at":"[^"]+","user":"leng","via":"user","op":"objective.archive"' "$OUT"
expect_match "audit before/after are maps" '"before":\{.*"after":\{' "$OUT"
expect_exit "audit --user cops --entity kr:ID" 0 as admin --json audit --user cops --entity "kr:$AK"
expect_eq "cops made one change to the KR" "$(echo "$OUT" | json_all op | tr '\n' ' ')" 'kr.checkin '
for who in exec1 lroot mweb; do
	refused "audit as ${KIND[$who]} ($who)" 4 $who audit
done
n=$(psql_cairn -c "SELECT count(*) FROM audit_log")
for sql in "UPDATE audit_log SET op = 'x'" "DELETE FROM audit_log" "TRUNCATE audit_log"; do
	if psql_cairn -c "$sql" 2>"$T/psql.err"; then
		not_ok "the database refuses: $sql"
	else
		expect_match "the database refuses: $sql" "audit_log.append_only" "$(< "$T/psql.err")"
	fi
done
expect_eq "the audit log is intact" "$(psql_cairn -c "SELECT count(*) FROM audit_log WHERE op <> 'x'")" "$n"

# pace.sh's invariant over everything this suite built.
progress_consistent "goals: stored progress equals objective_progress"
