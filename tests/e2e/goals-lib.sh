# goals-lib.sh: what the goals suites share (sourced by each; not a
# suite): the callers of the permission matrix, mkperiod, matrix and its
# fixtures, and goals_setup, the organisation every goals suite starts
# from.  goals.sh was one suite of some 1,500 checks (645 s, the whole
# run's length); it is now four that run side by side: goals.sh (values,
# reading, progress, the quarter, the audit), goals-rules.sh (the rules,
# stale versions, team moves, races), goals-perm.sh (the matrix for
# users, periods, settings, teams and the private team, hidden ids) and
# goals-perm-obj.sh (the matrix for objectives and key results).
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

mkperiod() {	# mkperiod NAME START END [open]
	expect_exit "period add $1 ($2 to $3)" 0 as admin --json period add "$1" --start "$2" --end "$3"
	expect_eq "period $1 starts as a draft" "$(echo "$OUT" | json_field state)" "draft"
	if [ "${4:-}" = open ]; then
		expect_exit "period open $1" 0 as admin --json period open "$1"
		expect_eq "period $1 is active" "$(echo "$OUT" | json_field state)" "active"
	fi
}

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


# goals_setup: the users, the team tree, the periods, the members and the
# shared objectives O_CO, O_ENG, O_OPS, each creation checked (cheap next
# to the checks of each suite, and what lets each run alone).
goals_setup() {
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
}
