# goals.sh: the goal hierarchy (teams, periods, objectives, key results,
# progress, rules, permissions, audit) through the real cairn command line
# (sourced by suite.sh, after login_admin: uses lib.sh's `as` and the admin
# session it left in home-admin).
#
# Every refused request is also checked to have changed nothing: db_state
# is a digest of every goal table, the users and the audit log's size.

N=0	# a counter for fresh names

# Setup: users, the team tree, periods, members ------------------------------

# The callers of the permission matrix, by kind.
declare -A KIND=([admin]="admin" [exec1]="executive"
    [lroot]="lead of the root team" [lweb]="lead of the team"
    [leng]="lead of an ancestor team" [lapp]="lead of a sibling team"
    [oweb]="objective owner" [kweb]="key result owner"
    [cops]="contributor" [mweb]="team member"
    [mops]="member of another team" [outsider]="user in no team"
    [lsec]="lead of the private team" [msec]="member of the private team"
    [lops]="lead of the private team's parent"
    [spare]="user in no team")


mkuser exec1 executive
for u in lroot leng meng lweb oweb kweb mweb lapp lops mops cops lsec msec \
    outsider spare; do
	mkuser "$u" member
done
expect_exit "exec1's whoami" 0 as exec1 --json whoami
expect_eq "exec1 logged in as an executive" "$(echo "$OUT" | json_field role)" "executive"

# co (root)
# |-- eng          lead leng, member meng
# |   |-- web      lead lweb, members oweb kweb mweb
# |   `-- app      lead lapp
# `-- ops          lead lops, members mops cops
#     `-- sec      private: lead lsec, member msec
expect_exit "team add: the root team" 0 as admin --json team add co --name Company
expect_eq "the root team has no parent" "$(echo "$OUT" | json_field parent)" "null"
expect_exit "team add eng under co" 0 as admin team add eng --name Engineering --parent co
expect_exit "team add ops under co" 0 as admin team add ops --name Operations --parent co
expect_exit "team add web under eng" 0 as admin team add web --name Web --parent eng
expect_exit "team add app under eng" 0 as admin team add app --name Apps --parent eng
expect_exit "team add sec under ops, private" 0 as admin --json team add sec --name Security --parent ops --private
expect_eq "sec is private" "$(echo "$OUT" | json_field private)" "true"
expect_eq "sec's parent" "$(echo "$OUT" | json_field parent)" "ops"

add_member co lroot --lead
add_member eng leng --lead
add_member eng meng
add_member web lweb --lead
for u in oweb kweb mweb; do add_member web $u; done
add_member app lapp --lead
add_member ops lops --lead
add_member ops mops
add_member ops cops
add_member sec lsec --lead
add_member sec msec

expect_exit "team list" 0 as admin --json team list
order=" $(echo "$OUT" | json_all slug | while read -r s; do printf ' %s  ' "$s"; done)"
for pair in "co eng" "co ops" "eng web" "eng app" "ops sec"; do
	set -- $pair
	case "$order" in
	*" $1 "*" $2 "*) ok "team list puts $1 before $2" ;;
	*) not_ok "team list puts $1 before $2" "$order" ;;
	esac
done
expect_exit "team show web" 0 as lweb --json team show web
expect_match "web's lead is lweb" '"login":"lweb","name":"User lweb","role":"lead"' "$OUT"
expect_match "mweb is a member of web" '"login":"mweb","name":"User mweb","role":"member"' "$OUT"
expect_exit "team show eng" 0 as admin --json team show eng
expect_match "eng's children are web and app" '"children":\["web","app"\]|"children":\["app","web"\]' "$OUT"

mkperiod() {	# mkperiod NAME START END [open]
	expect_exit "period add $1 ($2 to $3)" 0 as admin --json period add "$1" --start "$2" --end "$3"
	expect_eq "period $1 starts as a draft" "$(echo "$OUT" | json_field state)" "draft"
	if [ "${4:-}" = open ]; then
		expect_exit "period open $1" 0 as admin --json period open "$1"
		expect_eq "period $1 is active" "$(echo "$OUT" | json_field state)" "active"
	fi
}
mkperiod y2026 2026-01-01 2026-12-31 open
mkperiod q1 2026-01-01 2026-03-31 open
mkperiod h1 2026-01-01 2026-06-30 open
mkperiod d27 2027-01-01 2027-03-31
expect_exit "period list" 0 as mweb --json period list
expect_match "period list shows the draft" '"name":"d27","start":"2027-01-01","end":"2027-03-31","state":"draft"' "$OUT"

# Generous limits while building; the limit tests lower them.
setting max_objectives 1000
setting max_key_results 5
setting max_depth 8

# Shared objectives: the company's, engineering's and operations'.
new_obj co y2026 lroot "Company goal"
O_CO=$NEW
new_obj eng y2026 leng "Engineering goal" --parent "$O_CO"
O_ENG=$NEW
new_obj ops q1 lops "Operations goal"
O_OPS=$NEW
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
    '^\[\{"id":[0-9]+,"value":1,"confidence":10,"note":"","author":"root","at":"[^"]+"\},\{"id":[0-9]+,"value":2,"confidence":null,"note":"second","author":"root","at":"[^"]+"\}\]$' "$OUT"
if psql_cairn -c "UPDATE checkins SET value = 9" 2>"$T/psql.err"; then
	not_ok "the database refuses to change a check-in"
else
	expect_match "the database refuses to change a check-in" "checkins.append_only" "$(cat "$T/psql.err")"
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

# The authorization matrix ----------------------------------------------------

# matrix OP SETUP CMD CODE...: for each caller in $CALLERS in turn, run the
# function SETUP (as admin), then CMD (cairn arguments, eval'd: it may use
# $O, $K, $P, $TEAMX, $PERIODX, $N and $who) as that caller, and expect the
# exit code given for that caller: 0 must change the data, others nothing.
matrix() {
	local op=$1 setup=$2 cmd=$3 i=0 who
	local -a codes args
	shift 3
	codes=("$@")
	for who in $CALLERS; do
		N=$((N + 1))
		$setup
		eval "args=($cmd)"
		expect_op "$op as ${KIND[$who]} ($who): exit ${codes[$i]}" \
		    "${codes[$i]}" "$who" "${args[@]}"
		i=$((i + 1))
	done
}

fx_none() { :; }
fx_obj() {	# a fresh objective O in web (owner oweb, contributor cops), KR K
	new_obj web q1 oweb "Matrix $N"
	O=$NEW
	quietly "grant cops" as admin obj grant "$O" cops
	new_kr "$O" kweb increase 10
	K=$NEW
}
fx_obj_granted() {	# fx_obj, and spare contributes
	fx_obj
	quietly "grant spare" as admin obj grant "$O" spare
}
fx_child() {	# fx_obj, aligned under the engineering objective
	fx_obj
	quietly "align $O" as admin obj align "$O" --to "$O_ENG"
}
fx_spare_out() {	# spare is not in web
	as admin team member rm web spare >/dev/null 2>&1
}
fx_spare_in() {
	add_member web spare
}
fx_period() {	# a fresh draft period
	PERIODX=pm$N
	quietly "period $PERIODX" as admin period add "$PERIODX" --start 2030-01-01 --end 2030-03-31
}
fx_team() {	# a fresh empty team under co
	TEAMX=tm$N
	quietly "team $TEAMX" as admin team add "$TEAMX" --name "T $N" --parent co
}
fx_role() {
	quietly "spare is a member" as admin user set-role spare member
}
fx_depth() {
	setting max_depth 8
}
fx_sec() {	# a fresh objective O in the private team sec, KR K (owner msec)
	new_obj sec q1 lsec "Private matrix $N"
	O=$NEW
	new_kr "$O" msec increase 10
	K=$NEW
}

CALLERS="admin exec1 lweb leng lapp oweb cops mweb mops outsider"
#                                                                   adm exe lead anc sib own con mem oth out
matrix "user add"        fx_none  'user add u$N --name U'          0   4   4    4   4   4   4   4   4   4
matrix "user set-role"   fx_role  'user set-role spare executive'  0   4   4    4   4   4   4   4   4   4
matrix "period add"      fx_none  'period add pa$N --start 2031-01-01 --end 2031-03-31' \
                                                                   0   4   4    4   4   4   4   4   4   4
matrix "period open"     fx_period 'period open $PERIODX'          0   4   4    4   4   4   4   4   4   4
matrix "settings set"    fx_depth 'settings set max_depth 7'       0   4   4    4   4   4   4   4   4   4
fx_depth
matrix "team add"        fx_none  'team add ta$N --name T --parent eng' \
                                                                   0   4   4    4   4   4   4   4   4   4
matrix "team move"       fx_team  'team move $TEAMX --parent eng'  0   4   4    4   4   4   4   4   4   4
matrix "team rename"     fx_team  'team rename $TEAMX --name "R $who"' \
                                                                   0   4   4    4   4   4   4   4   4   4
matrix "team rm"         fx_team  'team rm $TEAMX'                 0   4   4    4   4   4   4   4   4   4
matrix "team member add" fx_spare_out 'team member add web spare'  0   4   0    0   4   4   4   4   4   4
matrix "team member rm"  fx_spare_in  'team member rm web spare'   0   4   0    0   4   4   4   4   4   4
fx_spare_out
matrix "obj add"         fx_none  'obj add --team web --period q1 --title "By $who" --owner oweb' \
                                                                   0   4   0    0   4   4   4   4   4   4
matrix "obj edit"        fx_obj   'obj edit $O --title "Edited by $who"' \
                                                                   0   4   0    0   4   0   4   4   4   4
matrix "obj align"       fx_obj   'obj align $O --to $O_ENG'       0   4   0    0   4   0   4   4   4   4
matrix "obj unalign"     fx_child 'obj unalign $O'                 0   4   0    0   4   0   4   4   4   4
matrix "obj archive"     fx_obj   'obj archive $O'                 0   4   0    0   4   0   4   4   4   4
matrix "obj grant"       fx_obj   'obj grant $O spare'             0   4   0    0   4   0   4   4   4   4
matrix "obj revoke"      fx_obj_granted 'obj revoke $O spare'      0   4   0    0   4   0   4   4   4   4
matrix "kr add"          fx_obj   'kr add $O --title "By $who" --type boolean --target 1 --owner kweb' \
                                                                   0   4   0    0   4   0   4   4   4   4
matrix "kr edit"         fx_obj   'kr edit $K --title "Edited by $who"' \
                                                                   0   4   0    0   4   0   4   4   4   4
matrix "kr rm"           fx_obj   'kr rm $K'                       0   4   0    0   4   0   4   4   4   4
matrix "kr checkin"      fx_obj   'kr checkin $K 5'                0   4   0    0   4   0   0   0   4   4
CALLERS="kweb"
matrix "kr checkin"      fx_obj   'kr checkin $K 6'                0
matrix "kr edit"         fx_obj   'kr edit $K --title "Edited by $who"' 4

# The private team: those who may not read its goals get E_NOT_FOUND.
KIND[leng]="lead of an unrelated team"
KIND[mops]="member of the parent team"
CALLERS="admin exec1 lsec lops msec mops leng outsider"
#                                                                   adm exe lead anc mem pmem oth out
matrix "private obj edit"   fx_sec 'obj edit $O --title "Edited by $who"' \
                                                                   0   4   0    0   4   5    5   5
matrix "private obj archive" fx_sec 'obj archive $O'               0   4   0    0   4   5    5   5
matrix "private kr add"     fx_sec 'kr add $O --title k --type boolean --target 1 --owner msec' \
                                                                   0   4   0    0   4   5    5   5
matrix "private kr checkin" fx_sec 'kr checkin $K 3'               0   4   0    0   0   5    5   5
# The team itself is no secret (team show), so creating in it is E_FORBIDDEN.
matrix "private obj add"    fx_none 'obj add --team sec --period q1 --title "By $who" --owner msec' \
                                                                   0   4   0    0   4   4    4   4

# An executive writes where a row allows it, like anyone else.
add_member app exec1 --lead
allowed "an executive who leads app creates there" exec1 obj add --team app --period q1 --title "By an executive" --owner lapp
refused "... but still may not edit eng's" 4 exec1 obj edit "$O_ENG" --title x
refused "... nor web's objectives" 4 exec1 obj add --team web --period q1 --title x --owner oweb
quietly "exec1 leaves app" as admin team member rm app exec1

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

# An unreadable objective reads like a missing one, whatever op names it ------
# (issue 6 item 13).  The whole error (code, message with the id replaced,
# field) must be the same for an id the caller may not read as for one that
# does not exist, and neither request changes anything.

# hidden NAME WHO HIDDEN-ID CMD: CMD (with @ for the id) as WHO, once with
# HIDDEN-ID and once with 999999: both E_NOT_FOUND, the same error.
hidden() {
	local name=$1 who=$2 id=$3 cmd=$4 missing
	refused "$name: a missing id" 5 "$who" ${cmd//@/999999}
	missing=${ERR//999999/ID}
	refused "$name: an unreadable id" 5 "$who" ${cmd//@/$id}
	expect_eq "$name: reads exactly like a missing one" \
	    "${ERR//$id/ID}" "$missing"
}
new_obj sec q1 lsec "Hidden goal"
O_HID=$NEW
new_kr "$O_HID" msec increase 10
K_HID=$NEW
quietly "grant spare on the hidden goal" as admin obj grant "$O_HID" spare
for who in outsider mweb; do
	hidden "obj show as $who" $who "$O_HID" "obj show @"
	hidden "obj edit as $who" $who "$O_HID" "obj edit @ --title x"
	hidden "obj archive as $who" $who "$O_HID" "obj archive @"
	hidden "obj align as $who" $who "$O_HID" "obj align @ --to $O_OPS"
	hidden "obj unalign as $who" $who "$O_HID" "obj unalign @"
	hidden "obj grant as $who" $who "$O_HID" "obj grant @ cops"
	hidden "obj revoke as $who" $who "$O_HID" "obj revoke @ spare"
	hidden "kr add as $who" $who "$O_HID" "kr add @ --title k --type boolean --target 1"
	hidden "kr show as $who" $who "$K_HID" "kr show @"
	hidden "kr edit as $who" $who "$K_HID" "kr edit @ --title x"
	hidden "kr rm as $who" $who "$K_HID" "kr rm @"
	hidden "kr checkin as $who" $who "$K_HID" "kr checkin @ 1"
	hidden "kr history as $who" $who "$K_HID" "kr history @"
done
expect_match "the error names the field" '"field":"id"' "$ERR"
# As a parent: lweb may create and align in web but not read sec.  Today's
# answer was the alignment rule that failed (alignment.team), which tells
# the hidden objective's team line.
new_obj web q1 oweb "Aligned by lweb"
O_LW=$NEW
hidden "obj add --parent as lweb" lweb "$O_HID" "obj add --team web --period q1 --title x --owner oweb --parent @"
expect_match "the error names the parent" '"field":"parent"' "$ERR"
hidden "obj align --to as lweb" lweb "$O_HID" "obj align $O_LW --to @"
expect_match "the error names the parent" '"field":"parent"' "$ERR"
# A reader who may not change it still gets E_FORBIDDEN.
refused "a reader (msec) who may not edit: E_FORBIDDEN" 4 msec obj edit "$O_HID" --title x

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
	expect_match "the database refuses the move too" "alignment.team" "$(cat "$T/psql.err")"
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
expect_match "audit entries: newest first" '^\[\{"id":[0-9]+,"at":"[^"]+","user":"leng","op":"objective.archive"' "$OUT"
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
		expect_match "the database refuses: $sql" "audit_log.append_only" "$(cat "$T/psql.err")"
	fi
done
expect_eq "the audit log is intact" "$(psql_cairn -c "SELECT count(*) FROM audit_log WHERE op <> 'x'")" "$n"

# pace.sh's invariant over everything this suite built.
progress_consistent "goals: stored progress equals objective_progress"
