# signoff.sh: sign-off by the parent lead (issue 16; docs/rules.md
# "Sign-off"), through the real cairn command line, on an organisation of
# its own: who may turn it on, who may decide and who may not (each
# refusal changing nothing), the states and their transitions, the edits
# that return an objective to proposed, the roll-up and limit decision,
# the review's awaiting_signoff, due, the audit entries and their events,
# carry and import requesting what they leave proposed, the database's own
# refusals, and approve racing edits.

SO_ROUNDS=${CAIRN_RACE_ROUNDS:-30}

# The organisation: co (root, led by lco) > eng (led by leng; powner a
# member) > api (led by lapi; mapi a member), and ops beside eng (led by
# lops); exec1 an executive, spare in no team.
for u in lco leng lapi mapi powner lops spare; do
	quiet_user "$u" member
done
quiet_user exec1 executive
quietly "team co" as admin team add co --name Company
quietly "team eng" as admin team add eng --name Engineering --parent co
quietly "team api" as admin team add api --name API --parent eng
quietly "team ops" as admin team add ops --name Operations --parent co
add_member co lco --lead
add_member eng leng --lead
add_member eng powner
add_member api lapi --lead
add_member api mapi
add_member ops lops --lead
quietly "period q1" as admin period add q1 --start 2026-01-01 --end 2026-12-31
quietly "open q1" as admin period open q1
setting max_objectives 50

# so_state: a digest of everything sign-off touches (teams, objectives,
# key results, audit entries, events; not the alert sweep's, which
# notifyrun.c writes in the background whatever the test does).
so_state() {
	digest "SELECT md5(string_agg(r, E'\n' ORDER BY r)) FROM (
	    SELECT 't' || t::text r FROM teams t
	    UNION ALL SELECT 'o' || o::text FROM objectives o
	    UNION ALL SELECT 'k' || k::text FROM key_results k
	    UNION ALL SELECT 'a' || count(*)::text FROM audit_log
	    UNION ALL SELECT 'e' || count(*)::text FROM events
		WHERE via <> 'alert') x"
	SO_STATE=$DIGEST
}
# so_refused NAME CODE RULE WHO CAIRN-ARGS...: exit CODE (with E_RULE RULE
# unless RULE is -), and nothing changed.
so_refused() {
	local name=$1 code=$2 rule=$3 who=$4 before
	shift 4
	so_state
	before=$SO_STATE
	expect_exit "$name" "$code" as "$who" --json "$@"
	so_state
	expect_eq "$name: nothing changed" "$SO_STATE" "$before"
	[ "$rule" = - ] || expect_match "$name: E_RULE $rule" \
	    "\"rule\":\"$rule\"" "$ERR"
}
so_sql() {	# so_sql SQL: its one value
	psql_cairn -c "$1"
}
signoff_of() {	# signoff_of ID: the stored state ("" when none)
	so_sql "SELECT coalesce(signoff, '') FROM objectives WHERE id = $1"
}
# events_of ID: the sign-off events of objective ID, oldest first.
events_of() {
	so_sql "SELECT coalesce(string_agg(kind, ' ' ORDER BY id), '')
	    FROM events WHERE objective_id = $1 AND kind LIKE 'signoff.%'"
}
# audits_of ID: the objective's sign-off audit ops, oldest first.
audits_of() {
	so_sql "SELECT coalesce(string_agg(op, ' ' ORDER BY id), '')
	    FROM audit_log WHERE entity_type = 'objective' AND entity_id = $1
	    AND op IN ('objective.propose', 'objective.approve',
	    'objective.send_back')"
}

# Who may turn it on -----------------------------------------------------------

so_refused "the team's own lead may not turn sign-off on" 4 - lapi team signoff api on
expect_match "... E_FORBIDDEN" '"code":"E_FORBIDDEN"' "$ERR"
so_refused "a member of the team may not" 4 - mapi team signoff api on
so_refused "an executive may not" 4 - exec1 team signoff api on
so_refused "a lead two levels up may not (only the parent's lead)" 4 - lco team signoff api on
so_refused "a lead of a sibling team may not" 4 - lops team signoff api on
so_refused "a user in no team may not" 4 - spare team signoff api on
so_refused "the root team cannot need sign-off" 7 signoff.root admin team signoff co on
so_refused "on or off, nothing else" 7 - admin team signoff api yes
expect_match "... E_INVALID on mode" '"code":"E_INVALID".*"field":"mode"|"field":"mode".*"code":"E_INVALID"' "$ERR"
so_refused "a team that does not exist" 5 - admin team signoff nosuch on
so_refused "a slug too long is refused before any look-up" 7 - admin team signoff "$(printf 'a%.0s' $(seq 1 41))" on
expect_exit "the lead of the parent team turns it on" 0 as leng team signoff api on
expect_eq "... and says so" "$OUT" "api: sign-off on"
expect_eq "... stored" "$(so_sql "SELECT signoff FROM teams WHERE slug = 'api'")" t
expect_eq "... audited as team.signoff by leng" \
    "$(so_sql "SELECT a.op || ' ' || u.login FROM audit_log a JOIN users u
	ON u.id = a.user_id WHERE a.entity_type = 'team' ORDER BY a.id DESC LIMIT 1")" \
    "team.signoff leng"
expect_exit "an admin turns it off" 0 as admin --json team signoff api off
expect_eq "... the reply says off" "$(echo "$OUT" | json_field signoff)" false
expect_exit "... and on again" 0 as admin team signoff api on
expect_exit "ops too, by co's lead (its parent lead)" 0 as lco team signoff ops on
expect_exit "team show" 0 as mapi team show api
expect_match "team show: sign-off on" "^signoff: on" "$OUT"
expect_exit "team list --json" 0 as mapi --json team list
expect_eq "team list: each team's sign-off" \
    "$(echo "$OUT" | jqr '[.. | objects | select(has("slug")) | "\(.slug)=\(.signoff)"] | sort | join(" ")')" \
    "api=true co=false eng=false ops=true"

# The states --------------------------------------------------------------------

expect_exit "an objective created in api" 0 as lapi --json obj add --team api \
    --period q1 --owner lapi --title "Faster API"
O1=$(echo "$OUT" | json_field id)
expect_eq "... starts proposed" "$(echo "$OUT" | json_field signoff)" proposed
expect_eq "... with when" "$(echo "$OUT" | jqr '.proposed_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")')" true
expect_eq "... audited objective.propose in the same request" "$(audits_of "$O1")" objective.propose
expect_eq "... the event stream has signoff.requested" "$(events_of "$O1")" signoff.requested
expect_exit "one in eng (no sign-off there)" 0 as leng --json obj add --team eng \
    --period q1 --owner leng --title "Platform"
OENG=$(echo "$OUT" | json_field id)
expect_eq "... needs none (null)" "$(echo "$OUT" | jqr '.signoff')" null
expect_eq "... and writes no sign-off audit entry" "$(audits_of "$OENG")" ""
new_kr "$O1" mapi increase 100
K1=$NEW

expect_exit "obj show" 0 as lapi obj show "$O1"
expect_match "obj show: the sign-off line" "^signoff: proposed since 20[0-9-]+T" "$OUT"
expect_exit "obj list" 0 as lapi obj list --team api
expect_match "obj list: a SIGNOFF column" "SIGNOFF" "$OUT"
expect_match "obj list: proposed" "Faster API.*proposed" "$OUT"
expect_exit "obj list --json" 0 as lapi --json obj list --team api
expect_eq "obj list --json: signoff" "$(echo "$OUT" | jqr ".[] | select(.id == $O1) | .signoff")" proposed
expect_exit "tree" 0 as leng tree --period q1
expect_match "tree: the objective marked PROPOSED" "#$O1 Faster API.*PROPOSED" "$OUT"
expect_exit "tree --json" 0 as leng --json tree --period q1
expect_eq "tree --json: signoff" "$(echo "$OUT" | jqr "[.. | objects | select(.id? == $O1)][0].signoff")" proposed
expect_eq "tree --json: none for eng's" "$(echo "$OUT" | jqr "[.. | objects | select(.id? == $OENG)][0].signoff")" null
expect_exit "the report" 0 as leng report --period q1 --html "$T/so-report.html"
expect_match "report: the objective marked proposed" 'Faster API.*mark signoff">proposed' "$(tr -d '\n' < "$T/so-report.html")"
expect_match "report: a card counting them" '<b>1</b>awaiting sign-off' "$(cat "$T/so-report.html")"

# due: the approver's list.
expect_exit "leng's due" 0 as leng --json due
expect_eq "... lists the objective awaiting leng's sign-off" \
    "$(echo "$OUT" | jqr ".[] | select(.kind == \"signoff\") | .id")" "$O1"
expect_match "... naming who proposed it" "proposed by lapi" "$OUT"
expect_exit "leng's due in text" 0 as leng due
expect_match "... says signoff" "signoff" "$OUT"
expect_exit "lapi's due" 0 as lapi --json due
expect_eq "... not the owner's" "$(echo "$OUT" | jqr '[.[] | select(.kind == "signoff")] | length')" 0
expect_exit "lco's due" 0 as lco --json due
expect_eq "... not a lead further up" "$(echo "$OUT" | jqr '[.[] | select(.kind == "signoff")] | length')" 0
expect_eq "signoff_awaiting(leng): the objective, its team and owner" \
    "$(so_sql "SELECT id || ' ' || title || ' ' || team || ' ' || owner
	|| ' ' || (proposed_at IS NOT NULL) FROM signoff_awaiting(
	(SELECT id FROM users WHERE login = 'leng'))")" "$O1 Faster API api lapi true"

# Who may decide ----------------------------------------------------------------

for who in lapi mapi lco exec1 spare lops admin; do
	so_refused "$who may not approve" 7 signoff.approver "$who" obj approve "$O1"
done
so_refused "nor send back" 7 signoff.approver mapi obj send-back "$O1" --note "no"
expect_exit "send-back needs a note (usage)" 2 as leng obj send-back "$O1"
so_refused "a note of 1001 characters is refused" 7 - leng obj send-back "$O1" --note "$(printf 'x%.0s' $(seq 1 1001))"
so_refused "an objective that does not exist" 5 - leng obj approve 999999
so_refused "nor one that needs no sign-off (by its parent team's lead)" 7 signoff.state lco obj approve "$OENG"

expect_exit "the parent lead sends it back" 0 as leng obj send-back "$O1" --note "Which endpoints? Say by when."
expect_eq "... and says so" "$OUT" "$O1: sign-off sent back by leng"
expect_eq "... sent_back" "$(signoff_of "$O1")" sent_back
expect_eq "... with its note" "$(obj_field "$O1" signoff_note)" "Which endpoints? Say by when."
expect_eq "... audited objective.send_back by leng" \
    "$(so_sql "SELECT op || ' ' || (SELECT login FROM users WHERE id = user_id)
	FROM audit_log WHERE entity_id = $O1 AND entity_type = 'objective'
	ORDER BY id DESC LIMIT 1")" "objective.send_back leng"
expect_eq "... event signoff.sent_back" "$(events_of "$O1")" "signoff.requested signoff.sent_back"
expect_eq "signoff_sent_back(lapi): the objective, the note and who" \
    "$(so_sql "SELECT id || '|' || note || '|' || sent_by FROM signoff_sent_back(
	(SELECT id FROM users WHERE login = 'lapi'))")" "$O1|Which endpoints? Say by when.|leng"
expect_exit "obj show says sent back, by whom" 0 as lapi obj show "$O1"
expect_match "... " "^signoff: sent back by leng at 20" "$OUT"
expect_exit "leng's due no longer lists it" 0 as leng --json due
expect_eq "... " "$(echo "$OUT" | jqr '[.[] | select(.kind == "signoff")] | length')" 0
so_refused "a sent-back objective cannot be approved before an edit" 7 signoff.state leng obj approve "$O1"
expect_exit "the owner edits its description" 0 as lapi obj edit "$O1" --description "GET /orders and /items, by May"
expect_eq "... which returns it to proposed" "$(signoff_of "$O1")" proposed
expect_eq "... audited objective.propose" "$(audits_of "$O1")" "objective.propose objective.send_back objective.propose"
expect_exit "the parent lead approves, with a note" 0 as leng obj approve "$O1" --note "Go"
expect_eq "... and says so" "$OUT" "$O1: sign-off approved by leng"
expect_eq "... approved" "$(signoff_of "$O1")" approved
expect_eq "... events: requested, sent back, requested, approved" "$(events_of "$O1")" \
    "signoff.requested signoff.sent_back signoff.requested signoff.approved"
expect_eq "... the events are the objective's, for its team" \
    "$(so_sql "SELECT string_agg(DISTINCT entity || ' ' || audience || ' ' || (team_id = (SELECT id FROM teams WHERE slug = 'api')), ',')
	FROM events WHERE objective_id = $O1 AND kind LIKE 'signoff.%'")" "objective team true"
so_refused "approving again: nothing to decide" 7 signoff.state leng obj approve "$O1"
so_refused "nor send back an approved one" 7 signoff.state leng obj send-back "$O1" --note "changed my mind"
expect_exit "tree: an approved one is not marked" 0 as leng tree --period q1
expect_eq "... " "$(echo "$OUT" | grep -c "#$O1 .*PROPOSED")" 0

# The owner of the objective may not sign off their own, even as a parent lead.
add_member api leng
expect_exit "an api objective owned by leng" 0 as admin --json obj add --team api \
    --period q1 --owner leng --title "Lead's own"
OSELF=$(echo "$OUT" | json_field id)
so_refused "leng may not approve their own" 7 signoff.self leng obj approve "$OSELF"
expect_exit "leng's due does not list their own" 0 as leng --json due
expect_eq "... " "$(echo "$OUT" | jqr "[.[] | select(.id == $OSELF)] | length")" 0

# The owner of the parent objective decides too (aligned).
expect_exit "an eng objective owned by powner (no lead)" 0 as leng --json obj add \
    --team eng --period q1 --owner powner --title "Parent of powner"
OPAR=$(echo "$OUT" | json_field id)
expect_exit "an api objective aligned to it" 0 as lapi --json obj add --team api \
    --period q1 --owner mapi --title "Child of powner's" --parent "$OPAR"
OCH=$(echo "$OUT" | json_field id)
so_refused "powner may not approve one not aligned to theirs" 7 signoff.approver powner obj approve "$O1"
expect_exit "powner's due lists the aligned one" 0 as powner --json due
expect_eq "... " "$(echo "$OUT" | jqr '.[] | select(.kind == "signoff") | .id')" "$OCH"
expect_exit "the parent objective's owner approves" 0 as powner obj approve "$OCH"
expect_eq "... approved" "$(signoff_of "$OCH")" approved

# A private team: the parent objective's owner who may not read the
# objective cannot decide on it, and is told nothing about it.
quietly "private team sec" as admin team add sec --name Security --parent eng --private
add_member sec lapi --lead
quietly "sign-off in sec" as leng team signoff sec on
expect_exit "a sec objective aligned to powner's" 0 as lapi --json obj add --team sec \
    --period q1 --owner lapi --title "Secret child" --parent "$OPAR"
OSEC=$(echo "$OUT" | json_field id)
so_refused "powner may not read it: approve is answered as for a missing one" 5 - powner obj approve "$OSEC"
expect_match "... E_NOT_FOUND" '"code":"E_NOT_FOUND"' "$ERR"
expect_exit "powner's due" 0 as powner --json due
expect_eq "... does not list it" "$(echo "$OUT" | jqr "[.[] | select(.id == $OSEC)] | length")" 0
expect_exit "leng (lead above, so a reader) approves it" 0 as leng obj approve "$OSEC"

# Edits that return it to proposed ---------------------------------------------

so_back() {	# so_back NAME WANT WHO CAIRN-ARGS...: the edit, then the state
	local name=$1 want=$2 who=$3
	shift 3
	expect_exit "$name" 0 as "$who" "$@"
	expect_eq "$name: then $want" "$(signoff_of "$O1")" "$want"
}
so_back "the description of an approved one" approved lapi obj edit "$O1" --description "Still May"
so_back "its title" proposed lapi obj edit "$O1" --title "Faster public API"
expect_eq "... audited objective.propose by lapi" \
    "$(so_sql "SELECT (SELECT login FROM users WHERE id = user_id) FROM audit_log
	WHERE entity_id = $O1 AND op = 'objective.propose' ORDER BY id DESC LIMIT 1")" lapi
quietly "approve" as leng obj approve "$O1"
so_back "a check-in" approved mapi kr checkin "$K1" 20
so_back "a key result's unit" approved lapi kr edit "$K1" --unit ms
so_back "a key result's target" proposed lapi kr edit "$K1" --target 120
quietly "approve" as leng obj approve "$O1"
so_back "a key result added" proposed lapi kr add "$O1" --title "p99 under 200 ms" --type decrease --start 400 --target 200 --owner mapi
K2=$(as admin --json obj show "$O1" | jqr '.key_results[-1].id')
quietly "approve" as leng obj approve "$O1"
so_back "a key result's title" proposed lapi kr edit "$K2" --title "p99 under 180 ms"
quietly "approve" as leng obj approve "$O1"
so_back "a key result removed" proposed lapi kr rm "$K2"
quietly "approve" as leng obj approve "$O1"
so_back "another kind of edit keeps it approved" approved lapi obj edit "$O1" --aspirational
expect_eq "each return wrote signoff.requested" \
    "$(so_sql "SELECT count(*) FROM events WHERE objective_id = $O1 AND kind = 'signoff.requested'")" \
    "$(so_sql "SELECT count(*) FROM audit_log WHERE entity_id = $O1 AND op = 'objective.propose'")"
expect_eq "... seven of them (creation, then six edits)" "$(so_sql "SELECT count(*) FROM audit_log WHERE entity_id = $O1 AND op = 'objective.propose'")" 7

# The database refuses what cairnd would (a statement that skips cairnd).
sql_refused() {	# sql_refused NAME RULE SQL: the statement fails with RULE
	local before
	so_state
	before=$SO_STATE
	if psql_cairn -c "$3" >/dev/null 2>"$T/so-sql.err"; then
		not_ok "$1" "the statement passed"
	else
		expect_match "$1" "$2" "$(cat "$T/so-sql.err")"
	fi
	so_state
	expect_eq "$1: nothing changed" "$SO_STATE" "$before"
}
UID_MAPI=$(so_sql "SELECT id FROM users WHERE login = 'mapi'")
UID_LENG=$(so_sql "SELECT id FROM users WHERE login = 'leng'")
expect_exit "a fresh proposed objective" 0 as lapi --json obj add --team api --period q1 --owner lapi --title "DB rules"
ODB=$(echo "$OUT" | json_field id)
sql_refused "database: a member cannot approve" signoff.approver \
    "UPDATE objectives SET signoff = 'approved', signoff_by = $UID_MAPI WHERE id = $ODB"
sql_refused "database: no approval without an approver" signoff.approver \
    "UPDATE objectives SET signoff = 'approved' WHERE id = $ODB"
sql_refused "database: a send-back has a note" signoff.note \
    "UPDATE objectives SET signoff = 'sent_back', signoff_by = $UID_LENG WHERE id = $ODB"
sql_refused "database: sign-off is not dropped" signoff.state \
    "UPDATE objectives SET signoff = NULL WHERE id = $ODB"
sql_refused "database: nor added to one without" signoff.state \
    "UPDATE objectives SET signoff = 'proposed' WHERE id = $OENG"
sql_refused "database: an approved one is not sent back" signoff.state \
    "UPDATE objectives SET signoff = 'sent_back', signoff_by = $UID_LENG, signoff_note = 'x' WHERE id = $O1"
sql_refused "database: nor its decision rewritten" signoff.state \
    "UPDATE objectives SET signoff_by = $UID_MAPI WHERE id = $O1"
sql_refused "database: nor its title changed while approved" signoff.state \
    "UPDATE objectives SET title = 'Sneaky' WHERE id = $O1"
sql_refused "database: nor its key results' targets" signoff.state \
    "UPDATE key_results SET target = 999 WHERE id = $K1"
sql_refused "database: nor a key result added" signoff.state \
    "INSERT INTO key_results (objective_id, title, type, start_value, target, current, unit, owner_id)
	VALUES ($O1, 'Sneaky', 'increase', 0, 1, 0, '', $UID_MAPI)"
expect_exit "database: an insert's stated sign-off is ignored (the team's setting decides)" 0 \
    psql_cairn -c "INSERT INTO objectives (team_id, period_id, title, owner_id, signoff, signoff_by, signoff_at, proposed_at)
	SELECT (SELECT id FROM teams WHERE slug = 'api'), (SELECT id FROM periods WHERE name = 'q1'),
	'Inserted approved', $UID_MAPI, 'approved', $UID_LENG, now(), now()"
expect_eq "... it is proposed" "$(so_sql "SELECT signoff || ' ' || (signoff_by IS NULL) FROM objectives WHERE title = 'Inserted approved'")" "proposed true"

# Turning it off changes no objective -----------------------------------------

expect_exit "leng turns api's sign-off off" 0 as leng team signoff api off
expect_eq "... the proposed one stays proposed" "$(signoff_of "$ODB")" proposed
expect_exit "... and can still be approved" 0 as leng obj approve "$ODB"
expect_exit "a new one in api" 0 as lapi --json obj add --team api --period q1 --owner lapi --title "After off"
expect_eq "... needs none" "$(echo "$OUT" | jqr .signoff)" null
expect_exit "on again" 0 as leng team signoff api on

# Roll-up and limits (docs/rules.md "Sign-off": a proposed objective counts)
expect_exit "a parent in eng rolling up its children" 0 as leng --json obj add \
    --team eng --period q1 --owner leng --title "Roll-up parent" --rollup children
OP=$(echo "$OUT" | json_field id)
expect_exit "a proposed child in api" 0 as lapi --json obj add --team api \
    --period q1 --owner lapi --title "Roll-up child" --parent "$OP"
OC=$(echo "$OUT" | json_field id)
new_kr "$OC" lapi increase 10
checkin "$NEW" 4
expect_eq "the child is proposed" "$(signoff_of "$OC")" proposed
expect_progress "... and its progress counts in its parent's" "$OP" "$(frac 0.4)"
expect_eq "... in the tree's team mean too" \
    "$(as leng --json tree --period q1 | jqr '.teams[] | .. | objects | select(.slug? == "api") | .objectives')" \
    "$(so_sql "SELECT count(*) FROM objectives o JOIN teams t ON t.id = o.team_id WHERE t.slug = 'api' AND NOT archived")"
expect_exit "a team of its own for the limit" 0 as admin team add lim --name Limits --parent eng
add_member lim lapi --lead
quietly "sign-off in lim" as leng team signoff lim on
setting max_objectives 2
new_obj lim q1 lapi "Limit one"
new_obj lim q1 lapi "Limit two"
expect_eq "both proposed" "$(so_sql "SELECT string_agg(o.signoff, ' ') FROM objectives o JOIN teams t ON t.id = o.team_id WHERE t.slug = 'lim'")" "proposed proposed"
so_refused "proposed objectives count against max_objectives" 7 limit.objectives lapi \
    obj add --team lim --period q1 --owner lapi --title "Limit three"
setting max_objectives 50

# The review: awaiting_signoff after signoff_days -------------------------------

expect_exit "a review with nothing proposed long enough" 0 as admin --json review --period q1
expect_eq "... no awaiting_signoff" "$(echo "$OUT" | jqr '[.[] | select(.kind == "awaiting_signoff")] | length')" 0
# Ten days ago, as if: the trigger keeps proposed_at to itself, so it is
# set with the trigger off, in one transaction.
expect_exit "objective $OC proposed ten days ago (test set-up)" 0 psql_cairn -c "BEGIN;
    ALTER TABLE objectives DISABLE TRIGGER objectives_signoff_check;
    UPDATE objectives SET proposed_at = now() - interval '10 days' WHERE id = $OC;
    ALTER TABLE objectives ENABLE TRIGGER objectives_signoff_check; COMMIT"
expect_exit "the review" 0 as admin --json review --period q1
expect_eq "... lists it as awaiting_signoff" \
    "$(echo "$OUT" | jqr '.[] | select(.kind == "awaiting_signoff") | .id')" "$OC"
expect_eq "... naming the parent team's lead as who is to act" \
    "$(echo "$OUT" | jqr '.[] | select(.kind == "awaiting_signoff") | .owner')" leng
setting signoff_days 30
expect_exit "with signoff_days 30" 0 as admin --json review --period q1
expect_eq "... not yet" "$(echo "$OUT" | jqr '[.[] | select(.kind == "awaiting_signoff")] | length')" 0
setting signoff_days 7
expect_exit "the review of ops (another subtree)" 0 as admin --json review --period q1 --team ops
expect_eq "... does not list it" "$(echo "$OUT" | jqr '[.[] | select(.kind == "awaiting_signoff")] | length')" 0
so_refused "signoff_days 0 is refused" 7 - admin settings set signoff_days 0

# Carry and import: what they leave proposed is requested --------------------

# same_tx ID OP: whether objective ID's objective.propose entry was
# written in the transaction of its audit entry OP (the same xmin).
same_tx() {	# same_tx ID OP
	so_sql "SELECT count(*) FROM audit_log p JOIN audit_log c
	    ON c.xmin = p.xmin AND c.op = '$2' AND c.entity_id = p.entity_id
	    WHERE p.op = 'objective.propose' AND p.entity_id = $1"
}
# in_due WHO ID: whether WHO's due and inbox each list ID to sign off.
in_due() {
	echo "$(as "$1" --json due | jq -r --arg i "$2" \
	    '[.[] | select(.kind == "signoff" and (.id | tostring) == $i)] | length') $(as "$1" --json inbox | jq -r --arg i "$2" \
	    '[.[] | select(.kind == "signoff" and (.id | tostring) == $i)] | length')"
}
quietly "period q0" as admin period add q0 --start 2025-01-01 --end 2025-12-31
quietly "open q0" as admin period open q0
new_obj api q0 lapi "Carried goal"
OC=$NEW
quietly "approve it" as leng obj approve "$OC"
quietly "review q0" as admin period review q0
quietly "grade it unmet" as admin grade "$OC" 0.2
quietly "close q0" as admin period close q0
quietly "period q2" as admin period add q2 --start 2027-01-01 --end 2027-12-31
quietly "open q2" as admin period open q2
expect_exit "carry q0 into q2 (api needs sign-off)" 0 as lapi --json period carry q0 q2 --team api
OCC=$(so_sql "SELECT id FROM objectives WHERE carried_from = $OC")
expect_eq "... the copy starts proposed" "$(signoff_of "$OCC")" proposed
expect_eq "... requested: audited objective.propose" "$(audits_of "$OCC")" objective.propose
expect_eq "... in the carry's transaction" "$(same_tx "$OCC" objective.carry)" 1
expect_eq "... the event stream has signoff.requested" "$(events_of "$OCC")" signoff.requested
expect_eq "... by the carrier, as a user" \
    "$(so_sql "SELECT coalesce(actor, '') || ' ' || source FROM (SELECT u.login AS actor, e.via AS source FROM events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.objective_id = $OCC AND e.kind = 'signoff.requested') x")" \
    "lapi user"
expect_eq "... the approver's due and inbox list it" "$(in_due leng "$OCC")" "1 1"
expect_eq "... nobody else's" "$(in_due lco "$OCC")" "0 0"

# Import: an export of q2 taken back under another name, with one
# objective sent back and one approved beside the carried one.
new_obj api q2 mapi "Sent back goal"
OSB=$NEW
quietly "send it back" as leng obj send-back "$OSB" --note 'needs numbers'
new_obj api q2 mapi "Approved goal"
OAP=$NEW
quietly "approve it" as leng obj approve "$OAP"
expect_exit "export q2" 0 as admin export --period q2 --out "$T/so-q2.json"
expect_eq "the export has api's sign-off and the copy's state" \
    "$(jq -c --arg i "$OCC" '[(.teams[] | select(.slug == "api") | .signoff), (.objectives[] | select((.id | tostring) == $i) | [.signoff, (.proposed_at != null)])]' "$T/so-q2.json")" \
    '[true,["proposed",true]]'
jq '.period.name = "q2i" | .period.start_date = "2028-01-01" | .period.end_date = "2028-12-31"' \
    "$T/so-q2.json" >"$T/so-q2i.json"
expect_exit "import it as q2i" 0 as admin import "$T/so-q2i.json"
q2i_obj() {	# q2i_obj PERIOD TITLE: its id
	so_sql "SELECT o.id FROM objectives o JOIN periods p ON p.id = o.period_id WHERE p.name = '$1' AND o.title = '$2'"
}
OI=$(q2i_obj q2i "Carried goal")
decision_of() {	# decision_of ID: state, who, the note, and when is kept
	so_sql "SELECT o.signoff || ' ' || u.login || ' ' || coalesce(o.signoff_note, '-') FROM objectives o JOIN users u ON u.id = o.signoff_by WHERE o.id = $1"
}
expect_eq "... the one sent back stays sent back, by leng, with its note" \
    "$(decision_of "$(q2i_obj q2i "Sent back goal")")" "sent_back leng needs numbers"
expect_eq "... the approved one stays approved, by leng" \
    "$(decision_of "$(q2i_obj q2i "Approved goal")")" "approved leng -"
expect_eq "... each decided when it was" \
    "$(so_sql "SELECT count(*) FROM objectives a JOIN objectives b ON b.title = a.title AND b.signoff_at = a.signoff_at JOIN periods pa ON pa.id = a.period_id AND pa.name = 'q2' JOIN periods pb ON pb.id = b.period_id AND pb.name = 'q2i'")" 2
expect_eq "... neither is requested again" \
    "$(events_of "$(q2i_obj q2i "Sent back goal")")$(events_of "$(q2i_obj q2i "Approved goal")")" ""
expect_eq "... the imported objective is proposed" "$(signoff_of "$OI")" proposed
expect_eq "... requested: audited objective.propose, via import" \
    "$(so_sql "SELECT op || ' ' || via FROM audit_log WHERE entity_type = 'objective' AND entity_id = $OI AND op = 'objective.propose'")" \
    "objective.propose import"
expect_eq "... in the import's transaction" \
    "$(so_sql "SELECT count(*) FROM audit_log p JOIN audit_log i ON i.xmin = p.xmin AND i.op = 'import' WHERE p.op = 'objective.propose' AND p.entity_id = $OI")" 1
expect_eq "... the event stream has signoff.requested" "$(events_of "$OI")" signoff.requested
expect_eq "... the approver's due and inbox list it" "$(in_due leng "$OI")" "1 1"
# An export from before sign-off (teams without it): the objectives start
# as new ones do, by the team's setting, and are requested the same way.
jq '.period.name = "q2o" | .period.start_date = "2029-01-01" | .period.end_date = "2029-12-31" | .teams |= map(del(.signoff)) | .objectives |= map(del(.signoff, .proposed_at, .signoff_by, .signoff_at, .signoff_note))' \
    "$T/so-q2.json" >"$T/so-q2o.json"
expect_exit "import of an older export (no sign-off in it)" 0 as admin import "$T/so-q2o.json"
OO=$(q2i_obj q2o "Carried goal")
expect_eq "... proposed, as api needs sign-off (the decided ones too)" \
    "$(signoff_of "$OO") $(signoff_of "$(q2i_obj q2o "Approved goal")")" "proposed proposed"
expect_eq "... and requested" "$(events_of "$OO")" signoff.requested
expect_eq "... the approver's due and inbox list it" "$(in_due leng "$OO")" "1 1"

# Races: approve against edits --------------------------------------------------

setting max_objectives 1000

# The consistent ends of approve racing an edit of what was signed off:
# the edit first, then approved (the approval's audit entry after the
# edit's); or the approval first, then proposed again by the edit (an
# objective.propose entry after the approval's).  Never an edit committed
# after the approval with the objective still approved.
race_check() {	# race_check ID EDIT-OP: "" when consistent, else why
	so_sql "WITH a AS (SELECT max(id) FILTER (WHERE op = 'objective.approve') AS ap,
	    max(id) FILTER (WHERE op = 'objective.propose') AS pr
	    FROM audit_log WHERE entity_type = 'objective' AND entity_id = $1),
	    e AS (SELECT max(x.id) AS ed FROM audit_log x WHERE x.op = '$2'
	    AND (x.entity_id = $1 OR (x.entity_type = 'kr' AND x.entity_id IN
	    (SELECT id FROM key_results WHERE objective_id = $1))))
	    SELECT CASE
	    WHEN o.signoff = 'approved' AND a.ap > e.ed
		AND (a.pr IS NULL OR a.pr < a.ap) THEN ''
	    WHEN o.signoff = 'proposed' AND a.pr > a.ap THEN ''
	    ELSE 'state ' || o.signoff || ', approve ' || coalesce(a.ap::text, '-')
		|| ', edit ' || coalesce(e.ed::text, '-') || ', propose '
		|| coalesce(a.pr::text, '-') END
	    FROM objectives o, a, e WHERE o.id = $1"
}
bad=0 badmsg= ends=
for round in $(seq 1 "$SO_ROUNDS"); do
	new_obj api q1 lapi "Race $round"
	O=$NEW
	race_as "obj approve $O" leng "obj edit $O --title Race-$round-edited" lapi
	why=$(race_check "$O" objective.update)
	ends="$ends$(signoff_of "$O") "
	if [ "$RACE" != "0 0 " ] || [ -n "$why" ]; then
		bad=$((bad + 1))
		badmsg="round $round: exits $RACE, $why; $RACE_ERR"
	fi
done
echo "# approve/title races ended: $(echo $ends | tr ' ' '\n' | sort | uniq -c | tr '\n' ' ')"
race_result "$SO_ROUNDS approve/title-edit races: both succeed, the end is consistent every time"

bad=0 badmsg= ends=
for round in $(seq 1 "$SO_ROUNDS"); do
	new_obj api q1 lapi "KR race $round"
	O=$NEW
	new_kr "$O" lapi increase 10
	K=$NEW
	race_as "obj approve $O" leng "kr edit $K --target $((20 + round))" lapi
	why=$(race_check "$O" kr.update)
	ends="$ends$(signoff_of "$O") "
	if [ "$RACE" != "0 0 " ] || [ -n "$why" ]; then
		bad=$((bad + 1))
		badmsg="round $round: exits $RACE, $why; $RACE_ERR"
	fi
done
echo "# approve/target races ended: $(echo $ends | tr ' ' '\n' | sort | uniq -c | tr '\n' ' ')"
race_result "$SO_ROUNDS approve/target-edit races: both succeed, the end is consistent every time"

bad=0 badmsg=
for round in $(seq 1 "$SO_ROUNDS"); do
	new_obj api q1 lapi "Decision race $round"
	O=$NEW
	race_as "obj approve $O" leng "obj send-back $O --note race-$round" leng
	decisions=$(so_sql "SELECT count(*) FROM audit_log WHERE entity_id = $O
	    AND op IN ('objective.approve', 'objective.send_back')")
	st=$(signoff_of "$O")
	if [ "$RACE" != "0 7 " ] || [ "$decisions" != 1 ] ||
	    ! echo "$RACE_ERR" | grep -q '"rule":"signoff.state"'; then
		bad=$((bad + 1))
		badmsg="round $round: exits $RACE, $decisions decisions, $st; $RACE_ERR"
	fi
done
race_result "$SO_ROUNDS approve/send-back races: exactly one decision, the other refused signoff.state"
