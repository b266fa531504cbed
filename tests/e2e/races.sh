# races.sh: rules that two requests at once must not break together (issue
# 6 items 3, 4 and 5), on an organisation of its own, with lib.sh's
# helpers (as, quietly, new_obj, new_kr, add_member, race, ...).  Each race runs the
# opposing operations at once, many times, then checks the invariant in the
# database.

RACE_ROUNDS=${CAIRN_RACE_ROUNDS:-30}

# Its own organisation, as goals.sh builds it: the root team co with eng
# and ops under it, lroot leading co, leng leading eng, spare in no team,
# the open period q1, and goals.sh's generous limits.
quiet_user lroot member
quiet_user leng member
quiet_user spare member
quietly "team co" as admin team add co --name Company
quietly "team eng" as admin team add eng --name Engineering --parent co
quietly "team ops" as admin team add ops --name Operations --parent co
add_member co lroot --lead
add_member eng leng --lead
quietly "period q1" as admin period add q1 --start 2026-01-01 --end 2026-03-31
quietly "open q1" as admin period open q1
setting max_objectives 1000
setting max_key_results 5
setting max_depth 8

quietly "team rc" as admin team add rc --name "Race rules" --parent co
add_member rc lroot --lead

# (1) owner.member: the owner of a KR is a member of the team and a
# contributor to the objective.  Removing the membership and revoking the
# contribution at once must not both pass.
both=0 bad=0 badmsg=
for round in $(seq 1 "$RACE_ROUNDS"); do
	add_member rc spare
	new_obj rc q1 lroot "Owner race $round"
	O=$NEW
	quietly "grant spare" as admin obj grant "$O" spare
	new_kr "$O" spare boolean 1
	K=$NEW
	race "team member rm rc spare" "obj revoke $O spare"
	[ "$RACE" = "0 0 " ] && both=$((both + 1))
	orphans=$(psql_cairn -c "SELECT count(*) FROM key_results k
	    JOIN objectives o ON o.id = k.objective_id WHERE k.id = $K
	    AND NOT EXISTS (SELECT 1 FROM team_members m
		WHERE m.team_id = o.team_id AND m.user_id = k.owner_id)
	    AND NOT EXISTS (SELECT 1 FROM objective_contributors c
		WHERE c.objective_id = o.id AND c.user_id = k.owner_id)")
	if [ "$RACE" != "0 7 " ] || [ "$orphans" != 0 ] ||
	    ! echo "$RACE_ERR" | grep -q '"rule":"owner.member"'; then
		bad=$((bad + 1))
		badmsg="round $round: exits $RACE, KR owner in neither: $orphans; $RACE_ERR"
	fi
	# Done with it: an archived objective keeps nobody in the team.
	quietly "archive $O" as admin obj archive "$O"
done
echo "# owner.member race: both committed in $both of $RACE_ROUNDS rounds"
race_result "$RACE_ROUNDS racing remove-member/revoke pairs: one wins, the KR's owner stays member or contributor"

# (2) period.closed: check-ins racing the period's close.  None may commit
# after the close: every committed check-in's audit entry comes before the
# close's (audit ids follow the order in which the writes took their locks).
CHECKINS=8
late=0 bad=0 badmsg=
for round in $(seq 1 $((RACE_ROUNDS / 2))); do
	pr=pr$$r$round
	quietly "period $pr" as admin period add "$pr" --start 2030-01-01 --end 2030-03-31
	quietly "open $pr" as admin period open "$pr"
	new_obj rc "$pr" lroot "Close race $round"
	O=$NEW
	new_kr "$O" lroot increase 1000
	K=$NEW
	quietly "review $pr" as admin period review "$pr"
	pids=
	for i in $(seq 1 $CHECKINS); do
		XDG_CONFIG_HOME=$T/home-admin "$BIN/cairn" kr checkin "$K" "$i" \
		    >/dev/null 2>"$T/ci.$i" &
		pids="$pids $!"
	done
	XDG_CONFIG_HOME=$T/home-admin "$BIN/cairn" period close "$pr" \
	    --auto-grade >/dev/null 2>"$T/close.err"
	crc=$?
	wait $pids
	n=$(psql_cairn -c "SELECT count(*) FROM audit_log c
	    WHERE c.op = 'kr.checkin' AND c.entity_id = $K
	    AND c.id > (SELECT max(p.id) FROM audit_log p
		WHERE p.op IN ('period.set_state', 'period.close')
		AND p.entity_type = 'period'
		AND p.after->>'name' = '$pr' AND p.after->>'state' = 'closed')")
	rows=$(psql_cairn -c "SELECT count(*) FROM checkins WHERE kr_id = $K")
	logged=$(psql_cairn -c "SELECT count(*) FROM audit_log
	    WHERE op = 'kr.checkin' AND entity_id = $K")
	[ "$n" != 0 ] && late=$((late + 1))
	if [ "$crc" != 0 ] || [ "$n" != 0 ] || [ "$rows" != "$logged" ]; then
		bad=$((bad + 1))
		badmsg="round $round: close exit $crc ($(< "$T/close.err")), $n of $rows check-ins after the close"
	fi
	# After the acknowledged close, a check-in is refused.
	if [ "$round" = 1 ]; then
		refused_rule "a check-in after the close was acknowledged" period.closed admin kr checkin "$K" 5
	fi
done
echo "# period close race: check-ins committed after the close in $late of $((RACE_ROUNDS / 2)) rounds"
race_result "$((RACE_ROUNDS / 2)) rounds of $CHECKINS check-ins racing period close: none commits after it"

# (3) alignment.team: moving a team out of the line while one of its
# objectives is being aligned under an objective of that line.  At most
# one may pass: never the team under ops with R under eng's objective.
quietly "team rmv" as admin team add rmv --name "Race move" --parent eng
add_member rmv lroot
new_obj eng q1 leng "Race move parent"
RP=$NEW
both=0 bad=0 badmsg=
for round in $(seq 1 "$RACE_ROUNDS"); do
	new_obj rmv q1 lroot "Race move child $round"
	R=$NEW
	race "team move rmv --parent ops" "obj align $R --to $RP"
	[ "$RACE" = "0 0 " ] && both=$((both + 1))
	n=$(psql_cairn -c "SELECT count(*) FROM objectives c JOIN teams t ON t.id = c.team_id
	    WHERE c.id = $R AND c.parent_id = $RP AND t.parent_id = (SELECT id FROM teams WHERE slug = 'ops')")
	if [ "$RACE" != "0 7 " ] || [ "$n" != 0 ] ||
	    ! echo "$RACE_ERR" | grep -q '"rule":"alignment.team"'; then
		bad=$((bad + 1))
		badmsg="round $round: exits $RACE, misaligned: $n; $RACE_ERR"
	fi
	quietly "unalign $R" as admin obj unalign "$R"
	quietly "archive $R" as admin obj archive "$R"
	quietly "rmv back under eng" as admin team move rmv --parent eng
done
echo "# team.move racing objective.align: both committed in $both of $RACE_ROUNDS rounds"
race_result "$RACE_ROUNDS racing move/align pairs: one wins, no objective left outside its line"
