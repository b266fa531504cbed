# goals-perm.sh: who may do what, through the real cairn command line:
# the authorization matrix for users, periods, settings, teams and
# members, and for the private team's goals; an executive's writes; an
# unreadable objective reading like a missing one.  The matrix for
# objectives and key results is goals-perm-obj.sh.
#
# Sourced by suite.sh after login_admin (lib.sh's `as` and the admin session
# in home-admin); the organisation it starts from is goals-lib.sh's
# goals_setup, so that it runs alone, on a cluster of its own.
. "$HERE/goals-lib.sh"
goals_setup

# The authorization matrix ----------------------------------------------------

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

# pace.sh's invariant over everything this suite built.
progress_consistent "goals-perm: stored progress equals objective_progress"
