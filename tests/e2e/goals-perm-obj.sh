# goals-perm-obj.sh: the authorization matrix for objectives and key
# results (each row builds a fresh objective and key result per caller),
# through the real cairn command line.  The rest of the matrix is
# goals-perm.sh.
#
# Sourced by suite.sh after login_admin (lib.sh's `as` and the admin session
# in home-admin); the organisation it starts from is goals-lib.sh's
# goals_setup, so that it runs alone, on a cluster of its own.
. "$HERE/goals-lib.sh"
goals_setup

# The authorization matrix ----------------------------------------------------

# spare is in no team (goals-perm.sh's member rows leave it so too).
CALLERS="admin exec1 lweb leng lapp oweb cops mweb mops outsider"
#                                                                   adm exe lead anc sib own con mem oth out
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

# pace.sh's invariant over everything this suite built.
progress_consistent "goals-perm-obj: stored progress equals objective_progress"
