# cycle.sh: the end of the quarterly review (retrospectives, closing a
# graded period, carrying unmet objectives over) through the real cairn
# command line (sourced by suite.sh, after login_admin: uses lib.sh's `as` and
# the admin session it left in home-admin).
#
# Every refusal is checked to name its field or rule and to change nothing
# (cy_state: a digest of every table these ops write).  Expected values are
# read from the database or computed here, never copied from a reply.

cy_q() {	# cy_q SQL: one value from the database
	psql_cairn -c "$1"
}

# What a refusal must leave alone.
cy_state() {	# DIGEST: of every table these ops write
	digest "SELECT md5(string_agg(r, E'\n' ORDER BY r)) FROM (
	    SELECT 'p' || p::text r FROM periods p
	    UNION ALL SELECT 'o' || o::text FROM objectives o
	    UNION ALL SELECT 'k' || k::text FROM key_results k
	    UNION ALL SELECT 'c' || c::text FROM objective_contributors c
	    UNION ALL SELECT 'g' || (g.objective_id, g.kpi_id)::text
		FROM objective_guardrails g
	    UNION ALL SELECT 'i' || count(*)::text FROM checkins
	    UNION ALL SELECT 'r' || r::text FROM retros r
	    UNION ALL SELECT 'y' || y::text FROM period_carries y
	    UNION ALL SELECT 's' || s::text FROM settings s
	    UNION ALL SELECT 'a' || count(*)::text FROM audit_log) x"
}

# cy_refused NAME CODE WHO ARGS...: exit CODE, nothing changed.
cy_refused() {
	local name=$1 code=$2 who=$3 before
	shift 3
	cy_state; before=$DIGEST
	expect_exit "$name" "$code" as "$who" --json "$@"
	cy_state; expect_eq "$name: nothing changed" "$DIGEST" "$before"
}

# cy_rule NAME RULE WHO ARGS...: E_RULE RULE, nothing changed.
cy_rule() {
	local name=$1 rule=$2
	shift 2
	cy_refused "$name" 7 "$@"
	expect_match "$name: rule $rule" "\"rule\":\"$rule\"" "$ERR"
}

# cy_field NAME CODE FIELD WHO ARGS...: refused naming FIELD.
cy_field() {
	local name=$1 code=$2 field=$3
	shift 3
	cy_refused "$name" "$code" "$@"
	expect_match "$name: names $field" "\"field\":\"$field\"" "$ERR"
}

# cy_db_refuses NAME RULE SQL: the database itself refuses with RULE.
cy_db_refuses() {
	local before
	cy_state; before=$DIGEST
	if psql_cairn -c "$3" >/dev/null 2>"$T/cy.err"; then
		not_ok "$1" "the database took it"
	else
		expect_match "$1" "$2" "$(< "$T/cy.err")"
	fi
	cy_state; expect_eq "$1: nothing changed" "$DIGEST" "$before"
}

cy_login() {	# cy_login USER ROLE
	expect_exit "cycle: user $1" 0 sh -c "echo cy-pw-$1 | XDG_CONFIG_HOME=$T/home-admin $BIN/cairn user add $1 --name '$1' --role $2 --password-stdin"
	expect_exit "cycle: $1 logs in" 0 sh -c "echo cy-pw-$1 | XDG_CONFIG_HOME=$T/home-$1 $BIN/cairn login $1 --password-stdin"
}

cy_obj() {	# cy_obj TEAM PERIOD OWNER TITLE [obj add options]: id in $CY
	local team=$1 period=$2 owner=$3 title=$4
	shift 4
	CY=$(as admin obj add --team "$team" --period "$period" \
	    --owner "$owner" --title "$title" "$@" 2>"$T/stderr") ||
	    not_ok "cycle: obj $title" "$(< "$T/stderr")"
}

cy_kr() {	# cy_kr OBJ OWNER TITLE TARGET: id in $CY
	CY=$(as admin kr add "$1" --owner "$2" --title "$3" --type increase \
	    --target "$4" 2>"$T/stderr") ||
	    not_ok "cycle: kr $3" "$(< "$T/stderr")"
}

cy_grade() {	# cy_grade OBJ SCORE: graded by the admin (period in review)
	if "$BIN/cairn" help grade >/dev/null 2>&1; then
		expect_exit "cycle: grade $1 $2" 0 as admin grade "$1" "$2"
	else	# until helper pace's grade lands: the columns directly
		cy_q "UPDATE objectives SET grade = $2 WHERE id = $1" >/dev/null
	fi
}

cy_obj_col() {	# cy_obj_col ID COLUMN
	cy_q "SELECT $2 FROM objectives WHERE id = $1"
}

# Setup ---------------------------------------------------------------------

cy_root=$(cy_q "SELECT slug FROM teams WHERE parent_id IS NULL")
if [ -z "$cy_root" ]; then
	expect_exit "cycle: a root team" 0 as admin team add cy-root --name "Cycle root"
	cy_root=cy-root
fi
cy_login cy-lead member
cy_login cy-up member
cy_login cy-mem member
cy_login cy-exec executive
cy_login cy-out member
expect_exit "cycle: team ops" 0 as admin team add cy-ops --name Operations --parent "$cy_root"
expect_exit "cycle: team eng under ops" 0 as admin team add cy-eng --name Engineering --parent cy-ops
expect_exit "cycle: team web under ops" 0 as admin team add cy-web --name Web --parent cy-ops
expect_exit "cycle: private team sec" 0 as admin team add cy-sec --name Security --parent cy-ops --private
expect_exit "cycle: other team" 0 as admin team add cy-else --name Elsewhere --parent "$cy_root"
expect_exit "cycle: lead of eng" 0 as admin team member add cy-eng cy-lead --lead
expect_exit "cycle: lead of ops" 0 as admin team member add cy-ops cy-up --lead
expect_exit "cycle: member of eng" 0 as admin team member add cy-eng cy-mem
expect_exit "cycle: member of web" 0 as admin team member add cy-web cy-mem
expect_exit "cycle: member of sec" 0 as admin team member add cy-sec cy-lead
expect_exit "cycle: out elsewhere" 0 as admin team member add cy-else cy-out
expect_exit "cycle: lead of else" 0 as admin team member add cy-else cy-out --lead
for p in "cy-q1 2031-01-01 2031-03-31" "cy-q2 2031-04-01 2031-06-30" \
    "cy-q3 2031-07-01 2031-09-30" "cy-yr 2031-01-01 2031-12-31"; do
	set -- $p
	expect_exit "cycle: period $1" 0 as admin period add "$1" --start "$2" --end "$3"
done
expect_exit "cycle: open cy-q1" 0 as admin period open cy-q1
expect_exit "cycle: open cy-yr" 0 as admin period open cy-yr

# Retrospectives ------------------------------------------------------------

expect_exit "retro: the team's lead adds a note" 0 as cy-lead retro cy-eng --period cy-q1 --note "We shipped late: scope grew"
R1=$OUT
expect_eq "retro: stored with its author" "$(cy_q "SELECT u.login || '|' || r.note FROM retros r JOIN users u ON u.id = r.author_id WHERE r.id = ${R1:-0}")" "cy-lead|We shipped late: scope grew"
expect_exit "retro: a lead of an ancestor team adds one" 0 as cy-up --json retro cy-eng --period cy-q1 --note "Ops agrees"
expect_match "retro: the reply is the note" '"author":"cy-up".*"note":"Ops agrees"' "$OUT"
R2=$(echo "$OUT" | json_field id)
expect_exit "retro: the admin adds one" 0 as admin retro cy-eng --period cy-q1 --note "Noted"
expect_exit "retro show: the member reads them" 0 as cy-mem --json retro show cy-eng --period cy-q1
expect_match "retro show: oldest first, appended" "\"id\":$R1.*\"author\":\"cy-lead\".*\"id\":$R2.*\"author\":\"cy-up\".*\"author\":\"root\"" "$OUT"
expect_eq "retro show: three notes" "$(echo "$OUT" | json_all author | wc -l)" 3
expect_exit "retro show: text" 0 as cy-exec retro show cy-eng --period cy-q1
expect_match "retro show: text names author and note" "cy-lead \(#$R1\):" "$OUT"
expect_match "retro show: the note's text" "We shipped late: scope grew" "$OUT"
expect_exit "retro show: none yet" 0 as cy-exec retro show cy-web --period cy-q1
expect_match "retro show: says there are none" "no retrospective notes" "$OUT"

cy_refused "retro: a member may not" 4 cy-mem retro cy-eng --period cy-q1 --note x
cy_refused "retro: an executive may not" 4 cy-exec retro cy-eng --period cy-q1 --note x
cy_refused "retro: the lead of another team may not" 4 cy-out retro cy-eng --period cy-q1 --note x
cy_refused "retro: a lead below may not write above" 4 cy-lead retro cy-ops --period cy-q1 --note x
cy_field "retro: an empty note" 7 note cy-lead retro cy-eng --period cy-q1 --note ""
cy_field "retro: a note over 4000 bytes" 7 note cy-lead retro cy-eng --period cy-q1 --note "$(head -c 4001 /dev/zero | tr '\0' n)"
expect_exit "retro: a note of 4000 bytes" 0 as cy-lead retro cy-eng --period cy-q1 --note "$(head -c 4000 /dev/zero | tr '\0' m)"
cy_field "retro: no such team" 5 team cy-lead retro cy-nope --period cy-q1 --note x
cy_field "retro: no such period" 5 period cy-lead retro cy-eng --period cy-nope --note x
cy_field "retro: a private team is missing to outsiders" 5 team cy-out retro cy-sec --period cy-q1 --note x
cy_refused "retro: --period is required" 2 cy-lead retro cy-eng --note x
cy_field "retro show: a private team is missing to outsiders" 5 team cy-out retro show cy-sec --period cy-q1
cy_field "retro show: no such period" 5 period cy-mem retro show cy-eng --period cy-nope
expect_exit "retro show: an executive reads a private team" 0 as cy-exec retro show cy-sec --period cy-q1

# A retry with the same key adds nothing.
n0=$(cy_q "SELECT count(*) FROM retros")
expect_exit "retro: keyed" 0 as cy-lead retro cy-eng --period cy-q1 --note "Once" --idempotency-key cy-retro-1
K1=$OUT
expect_exit "retro: the same key again" 0 as cy-lead retro cy-eng --period cy-q1 --note "Once" --idempotency-key cy-retro-1
expect_eq "retro: the retry answers the same note" "$OUT" "$K1"
expect_eq "retro: one note stored" "$(cy_q "SELECT count(*) FROM retros")" "$((n0 + 1))"
cy_refused "retro: the key with another note" 6 cy-lead retro cy-eng --period cy-q1 --note "Twice" --idempotency-key cy-retro-1

# The limit: 100 notes per team and period, in cairnd and in the database.
cy_q "INSERT INTO retros (team_id, period_id, author_id, note)
    SELECT t.id, p.id, u.id, 'filler ' || g FROM teams t, periods p, users u,
    generate_series(1, 100 - (SELECT count(*) FROM retros r JOIN teams x
	ON x.id = r.team_id WHERE x.slug = 'cy-eng')) g
    WHERE t.slug = 'cy-eng' AND p.name = 'cy-q1' AND u.login = 'cy-lead'" >/dev/null
expect_eq "retro: 100 notes" "$(cy_q "SELECT count(*) FROM retros r JOIN teams t ON t.id = r.team_id WHERE t.slug = 'cy-eng'")" 100
cy_rule "retro: the 101st" limit.retros cy-lead retro cy-eng --period cy-q1 --note "one more"
cy_db_refuses "retro: the database refuses the 101st" limit.retros \
    "INSERT INTO retros (team_id, period_id, author_id, note) SELECT t.id, p.id, 1, 'x' FROM teams t, periods p WHERE t.slug = 'cy-eng' AND p.name = 'cy-q1'"
cy_db_refuses "retro: notes are never changed" retros.append_only \
    "UPDATE retros SET note = 'rewritten' WHERE id = ${R1:-0}"
cy_db_refuses "retro: the database checks the length" retros_note_check \
    "INSERT INTO retros (team_id, period_id, author_id, note) SELECT t.id, p.id, 1, '' FROM teams t, periods p WHERE t.slug = 'cy-web' AND p.name = 'cy-q1'"
expect_eq "retro: audited" "$(cy_q "SELECT count(*) FROM audit_log WHERE op = 'retro.set' AND entity_id = ${R1:-0}")" 1

# The quarter's objectives ----------------------------------------------------

cy_obj cy-ops cy-yr cy-up "Year: run cheaper"
OY=$CY
cy_obj cy-eng cy-q1 cy-lead "A: cut downtime"
OA=$CY
cy_kr "$OA" cy-lead "A1 uptime" 100
KA1=$CY
cy_kr "$OA" cy-mem "A2 incidents" 10
KA2=$CY
cy_kr "$OA" cy-lead "A3 dropped" 5
KA3=$CY
cy_obj cy-eng cy-q1 cy-lead "B: under A" --parent "$OA"
OB=$CY
cy_obj cy-eng cy-q1 cy-lead "C: met" --aspirational
OC=$CY
cy_kr "$OC" cy-lead "C1" 10
KC1=$CY
cy_obj cy-eng cy-q1 cy-lead "D: archived"
OD=$CY
cy_obj cy-eng cy-q1 cy-lead "E: under the year" --parent "$OY"
OE=$CY
cy_obj cy-ops cy-q1 cy-up "O: ops, met" --aspirational
OO=$CY
cy_obj cy-web cy-q1 cy-mem "F: web, under O" --parent "$OO"
OF=$CY
cy_kr "$OE" cy-lead "E1" 10
KE1=$CY
cy_kr "$OF" cy-mem "F1" 4
KF1=$CY
cy_obj cy-sec cy-q1 cy-lead "S: private"
OS=$CY
expect_exit "cycle: contributor to A" 0 as admin obj grant "$OA" cy-out
expect_exit "cycle: check in A1" 0 as cy-lead kr checkin "$KA1" 40
expect_exit "cycle: check in A2" 0 as cy-mem kr checkin "$KA2" 7
expect_exit "cycle: check in C1" 0 as cy-lead kr checkin "$KC1" 8
expect_exit "cycle: check in E1" 0 as cy-lead kr checkin "$KE1" 3
expect_exit "cycle: check in F1" 0 as cy-mem kr checkin "$KF1" 1
expect_exit "cycle: A3 removed" 0 as admin kr rm "$KA3"
expect_exit "cycle: D archived" 0 as admin obj archive "$OD"

# Closing -------------------------------------------------------------------

cy_rule "close: an active period" period.transition admin period close cy-q1
cy_rule "close: a draft" period.transition admin period close cy-q2
expect_exit "cycle: review cy-q1" 0 as admin period review cy-q1
cy_refused "close: a lead may not" 4 cy-lead period close cy-q1
cy_refused "close: an executive may not" 4 cy-exec period close cy-q1
cy_field "close: no such period" 5 name admin period close cy-nope
cy_rule "close: objectives ungraded" period.ungraded admin period close cy-q1
expect_match "close: names the first ungraded" "#$OA A: cut downtime" "$ERR"
expect_match "close: counts them" "has 7 objectives not graded" "$ERR"
expect_match "close: names five" "#$OA [^#]*#$OB [^#]*#$OC [^#]*#$OE [^#]*#$OO [^#]*, \\.\\.\\." "$ERR"
cy_db_refuses "close: the database refuses while ungraded" period.ungraded \
    "UPDATE periods SET state = 'closed' WHERE name = 'cy-q1'"

cy_grade "$OA" 0.4
cy_grade "$OB" 0.2
cy_grade "$OC" 0.8
cy_grade "$OS" 0.1
cy_grade "$OO" 0.9
cy_rule "close: still two ungraded" period.ungraded admin period close cy-q1
expect_match "close: names the rest only" "#$OE E: under the year, #$OF F: web" "$ERR"
expect_match "close: ... not the graded" "^[^#]*#$OE[^#]*#$OF[^#]*$" "$(echo "$ERR" | json_all message | tail -1)"

prog_e=$(cy_obj_col "$OE" progress)
prog_f=$(cy_obj_col "$OF" progress)
a0=$(cy_q "SELECT count(*) FROM audit_log WHERE op = 'objective.grade'")
expect_exit "close --auto-grade" 0 as admin --json period close cy-q1 --auto-grade
expect_match "close: the reply says closed" '"state":"closed"' "$OUT"
expect_match "close: two graded automatically" '"auto_graded":2' "$OUT"
expect_eq "close: the period is closed" "$(cy_q "SELECT state FROM periods WHERE name = 'cy-q1'")" closed
expect_eq "close: E graded with its progress" "$(cy_obj_col "$OE" "grade = $prog_e")" t
expect_eq "close: F graded with its progress" "$(cy_obj_col "$OF" "grade = $prog_f")" t
expect_eq "close: E's grade is its KR's 3 of 10" "$(cy_obj_col "$OE" "abs(grade - 0.3) < 1e-9")" t
expect_eq "close: F's grade is its KR's 1 of 4" "$(cy_obj_col "$OF" "abs(grade - 0.25) < 1e-9")" t
expect_match "close: the note says automatic" "automatically" "$(cy_obj_col "$OE" grade_note)"
expect_eq "close: met follows the grade" "$(cy_obj_col "$OE" "met = (grade >= 1)")" t
expect_eq "close: grades by hand are kept" "$(cy_obj_col "$OA" grade)" 0.4
expect_eq "close: the archived stays ungraded" "$(cy_obj_col "$OD" "grade IS NULL")" t
expect_eq "close: each automatic grade audited" "$(cy_q "SELECT count(*) FROM audit_log WHERE op = 'objective.grade'")" "$((a0 + 2))"
expect_eq "close: the close audited" "$(cy_q "SELECT count(*) FROM audit_log WHERE op = 'period.close' AND after->>'state' = 'closed' AND after->>'name' = 'cy-q1'")" 1
cy_rule "close: again" period.closed admin period close cy-q1 --auto-grade

# A period with nothing ungraded closes without --auto-grade.
expect_exit "cycle: period cy-empty" 0 as admin period add cy-empty --start 2032-01-01 --end 2032-03-31
expect_exit "cycle: open cy-empty" 0 as admin period open cy-empty
expect_exit "cycle: review cy-empty" 0 as admin period review cy-empty
expect_exit "close: nothing to grade" 0 as admin period close cy-empty
expect_eq "close: text reply" "$OUT" "cy-empty: closed"

# A closed period is read-only -------------------------------------------

expect_exit "cycle: a KPI" 0 as admin --json kpi add --team cy-eng --name "Cy uptime" --unit % --direction up --green 99 --amber 95
CKPI=$(echo "$OUT" | json_field id)
cy_rule "closed: retro" period.closed cy-lead retro cy-eng --period cy-q1 --note late
# Grading has its own rule (only in review): cairnd answers it for a closed
# period too; the database answers period.closed (below).
cy_rule "closed: grade" period.not_review admin grade "$OA" 0.5
cy_rule "closed: obj edit" period.closed admin obj edit "$OA" --title x
cy_rule "closed: obj add" period.closed admin obj add --team cy-eng --period cy-q1 --title x --owner cy-lead
cy_rule "closed: obj align" period.closed admin obj align "$OB" --to "$OC"
cy_rule "closed: obj archive" period.closed admin obj archive "$OB"
cy_rule "closed: obj grant" period.closed admin obj grant "$OB" cy-mem
cy_rule "closed: obj revoke" period.closed admin obj revoke "$OA" cy-out
cy_rule "closed: obj guard" period.closed admin obj guard "$OA" --kpi "$CKPI"
cy_rule "closed: kr add" period.closed admin kr add "$OA" --title x --type increase --target 3 --owner cy-lead
cy_rule "closed: kr add bound to a KPI" period.closed admin kr add "$OA" --title x --type increase --target 3 --owner cy-lead --kpi "$CKPI"
cy_rule "closed: kr edit" period.closed admin kr edit "$KA1" --target 90
cy_rule "closed: kr rm" period.closed admin kr rm "$KA1"
cy_rule "closed: kr checkin" period.closed cy-lead kr checkin "$KA1" 50
cy_db_refuses "closed: the database refuses a grade" period.closed \
    "UPDATE objectives SET grade = 1 WHERE id = $OA"
cy_db_refuses "closed: ... a retro" period.closed \
    "INSERT INTO retros (team_id, period_id, author_id, note) SELECT t.id, p.id, 1, 'x' FROM teams t, periods p WHERE t.slug = 'cy-web' AND p.name = 'cy-q1'"
cy_db_refuses "closed: ... a check-in" period.closed \
    "INSERT INTO checkins (kr_id, value, author_id) VALUES ($KA1, 1, 1)"
cy_db_refuses "closed: ... a key result" period.closed \
    "INSERT INTO key_results (objective_id, title, type, target, current, owner_id) SELECT $OA, 'x', 'increase', 5, 0, id FROM users WHERE login = 'cy-lead'"
cy_db_refuses "closed: ... a contributor" period.closed \
    "INSERT INTO objective_contributors (objective_id, user_id) SELECT $OB, id FROM users WHERE login = 'cy-mem'"
cy_db_refuses "closed: ... a guardrail" period.closed \
    "INSERT INTO objective_guardrails (objective_id, kpi_id, added_by) VALUES ($OA, $CKPI, 1)"
cy_db_refuses "closed: ... an objective" period.closed \
    "INSERT INTO objectives (team_id, period_id, title, owner_id) SELECT t.id, p.id, 'x', u.id FROM teams t, periods p, users u WHERE t.slug = 'cy-eng' AND p.name = 'cy-q1' AND u.login = 'cy-lead'"
cy_db_refuses "closed: ... the state" period.closed \
    "UPDATE periods SET state = 'active' WHERE name = 'cy-q1'"

# Carry-over --------------------------------------------------------------

# Unmet in cy-q1: A (0.4), B (0.2, under A), E (auto, under the year), F
# (auto, in web, under O of ops which was met) and S (private team sec);
# C and O are met; D is archived.
cy_unmet=$(cy_q "SELECT count(*) FROM objectives o JOIN periods p ON p.id = o.period_id WHERE p.name = 'cy-q1' AND NOT o.archived AND NOT o.met")
expect_eq "carry: five unmet" "$cy_unmet" 5

cy_rule "carry: from an active period" carry.from_open admin period carry cy-yr cy-q2
cy_rule "carry: into a closed period" period.closed admin period carry cy-q1 cy-empty
expect_exit "cycle: open cy-q3" 0 as admin period open cy-q3
expect_exit "cycle: review cy-q3" 0 as admin period review cy-q3
cy_rule "carry: into a period in review" period.not_active admin period carry cy-q1 cy-q3
cy_field "carry: into itself" 7 to admin period carry cy-q1 cy-q1
cy_field "carry: no such period (from)" 5 from admin period carry cy-nope cy-q2
cy_field "carry: no such period (to)" 5 to admin period carry cy-q1 cy-nope
cy_field "carry: no such team" 5 team admin period carry cy-q1 cy-q2 --team cy-nope
cy_refused "carry: the whole organisation is the admin's" 4 cy-up period carry cy-q1 cy-q2
cy_refused "carry: a member may not" 4 cy-mem period carry cy-q1 cy-q2 --team cy-eng
cy_refused "carry: a lead below may not carry above" 4 cy-lead period carry cy-q1 cy-q2 --team cy-ops
cy_refused "carry: the lead of another team may not" 4 cy-out period carry cy-q1 cy-q2 --team cy-eng
cy_field "carry: a private team is missing to outsiders" 5 team cy-out period carry cy-q1 cy-q2 --team cy-sec

# The limit: eng has 2 objectives in cy-q2 already; with max_objectives 4,
# eng's three unmet (A, B, E) need one slot too many.
cy_obj cy-eng cy-q2 cy-lead "Q2 own 1"
cy_obj cy-eng cy-q2 cy-lead "Q2 own 2"
cy_max=$(cy_q "SELECT value FROM settings WHERE name = 'max_objectives'")
expect_exit "cycle: max_objectives 4" 0 as admin settings set max_objectives 4
cy_rule "carry: over the limit" limit.objectives admin period carry cy-q1 cy-q2
expect_match "carry: names what does not fit" "cy-eng #$OE" "$ERR"
expect_match "carry: ... and only that" "1 objective would not fit" "$ERR"
cy_rule "carry: over the limit, the team's" limit.objectives cy-up period carry cy-q1 cy-q2 --team cy-ops
cy_db_refuses "carry: the database refuses over the limit" limit.objectives \
    "SELECT period_carry(1, f.id, t.id, NULL, NULL, NULL) FROM periods f, periods t WHERE f.name = 'cy-q1' AND t.name = 'cy-q2'"
expect_exit "cycle: max_objectives 3" 0 as admin settings set max_objectives 3
cy_rule "carry: two do not fit" limit.objectives admin period carry cy-q1 cy-q2 --team cy-eng
expect_match "carry: names each" "cy-eng #$OB, cy-eng #$OE" "$ERR"
expect_exit "cycle: max_objectives back" 0 as admin settings set max_objectives "$cy_max"

# One team's (and its sub-teams'): the lead of ops carries eng's and web's,
# not sec's?  Sec is below ops too: carried as well.
expect_exit "carry: the lead of eng carries eng's" 0 as cy-lead --json period carry cy-q1 cy-q2 --team cy-eng --idempotency-key cy-carry-1
CARRY1=$OUT
expect_match "carry: three copied" '"count":3' "$OUT"
for o in "$OA" "$OB" "$OE"; do
	new=$(cy_q "SELECT id FROM objectives WHERE carried_from = $o AND period_id = (SELECT id FROM periods WHERE name = 'cy-q2')")
	expect_match "carry: #$o copied, the reply lists it" "\"to\":$new,\"from\":$o" "$(echo "$OUT" | tr -d ' ')"
done
nA=$(cy_q "SELECT id FROM objectives WHERE carried_from = $OA")
nB=$(cy_q "SELECT id FROM objectives WHERE carried_from = $OB")
nE=$(cy_q "SELECT id FROM objectives WHERE carried_from = $OE")
expect_eq "carry: the copy keeps title, owner and type" \
    "$(cy_q "SELECT (n.title, n.owner_id, n.type, n.team_id, n.grade IS NULL) = (o.title, o.owner_id, o.type, o.team_id, true) FROM objectives n, objectives o WHERE n.id = $nA AND o.id = $OA")" t
expect_eq "carry: B's copy is under A's copy" "$(cy_obj_col "$nB" parent_id)" "$nA"
expect_eq "carry: E's copy stays under the year's objective" "$(cy_obj_col "$nE" parent_id)" "$OY"
expect_eq "carry: A's key results but the removed one" \
    "$(cy_q "SELECT string_agg(title || '=' || current || '/' || owner_id, ',' ORDER BY id) FROM key_results WHERE objective_id = $nA")" \
    "$(cy_q "SELECT string_agg(title || '=' || current || '/' || owner_id, ',' ORDER BY id) FROM key_results WHERE objective_id = $OA AND NOT removed")"
expect_eq "carry: A's contributors" "$(cy_q "SELECT string_agg(u.login, ',') FROM objective_contributors c JOIN users u ON u.id = c.user_id WHERE c.objective_id = $nA")" cy-out
expect_eq "carry: each copy audited" "$(cy_q "SELECT count(*) FROM audit_log WHERE op = 'objective.carry' AND entity_id IN ($nA, $nB, $nE)")" 3

# Retried with the key: the same answer, nothing copied twice.
before=$(cy_q "SELECT count(*) FROM objectives")
expect_exit "carry: retried with the key" 0 as cy-lead --json period carry cy-q1 cy-q2 --team cy-eng --idempotency-key cy-carry-1
expect_eq "carry: the retry answers as the first" "$OUT" "$CARRY1"
expect_eq "carry: nothing copied twice" "$(cy_q "SELECT count(*) FROM objectives")" "$before"
cy_refused "carry: the key with other arguments" 6 cy-lead period carry cy-q1 cy-q2 --idempotency-key cy-carry-1

# Run again without a key: harmless, nothing left to copy for eng.
expect_exit "carry: again without a key" 0 as cy-lead --json period carry cy-q1 cy-q2 --team cy-eng
expect_match "carry: nothing copied" '"count":0' "$OUT"
expect_eq "carry: ... no objective added" "$(cy_q "SELECT count(*) FROM objectives")" "$before"
cy_db_refuses "carry: the database holds one copy per origin and period" objectives_carried_once \
    "INSERT INTO objectives (team_id, period_id, title, owner_id, archived, carried_from) SELECT team_id, (SELECT id FROM periods WHERE name = 'cy-q2'), title, owner_id, true, id FROM objectives WHERE id = $OA"

# The rest of the organisation: web's F (its parent O met and not carried:
# the copy is unaligned) and sec's S.
expect_exit "carry: the admin carries the rest" 0 as admin period carry cy-q1 cy-q2
expect_match "carry: text lists old -> new" "^ *$OF +[0-9]+ +cy-web +F: web" "$OUT"
expect_match "carry: text counts" "2 objectives carried from cy-q1 to cy-q2" "$OUT"
nF=$(cy_q "SELECT id FROM objectives WHERE carried_from = $OF")
expect_eq "carry: F's copy is unaligned" "$(cy_obj_col "$nF" "parent_id IS NULL")" t
expect_eq "carry: the met and the archived stay behind" "$(cy_q "SELECT count(*) FROM objectives WHERE carried_from IN ($OC, $OD, $OO)")" 0
expect_eq "carry: the source is untouched" "$(cy_q "SELECT state FROM periods WHERE name = 'cy-q1'")" closed

# Two carries racing into a fresh period: each origin is copied once, both
# succeed, and what they report adds up to what was copied.
expect_exit "cycle: period cy-q4" 0 as admin period add cy-q4 --start 2031-10-01 --end 2031-12-31
as admin --json period carry cy-q1 cy-q4 >"$T/cy-race.1" 2>&1 &
cy_p1=$!
as admin --json period carry cy-q1 cy-q4 >"$T/cy-race.2" 2>&1 &
cy_p2=$!
wait $cy_p1; cy_r1=$?
wait $cy_p2; cy_r2=$?
expect_eq "carry race: both succeed" "$cy_r1 $cy_r2" "0 0"
expect_eq "carry race: each unmet objective copied once" \
    "$(cy_q "SELECT count(*) || '/' || count(DISTINCT carried_from) FROM objectives WHERE period_id = (SELECT id FROM periods WHERE name = 'cy-q4')")" \
    "$cy_unmet/$cy_unmet"
cy_n1=$(json_field count <"$T/cy-race.1")
cy_n2=$(json_field count <"$T/cy-race.2")
expect_eq "carry race: the replies add up" "$((cy_n1 + cy_n2))" "$cy_unmet"

# A period closed with everything graded prints how many the close graded.
expect_exit "cycle: open cy-q4" 0 as admin period open cy-q4
expect_exit "cycle: review cy-q4" 0 as admin period review cy-q4
expect_exit "close: text with auto-grade" 0 as admin period close cy-q4 --auto-grade
expect_eq "close: the text counts the grades" "$OUT" "cy-q4: closed ($cy_unmet objectives graded with their progress)"
cy_rule "carry: from cy-q4 into the closed cy-q1" period.closed admin period carry cy-q4 cy-q1

# limit.carry: 2001 unmet objectives are too many for one carry.
expect_exit "cycle: period cy-big" 0 as admin period add cy-big --start 2033-01-01 --end 2033-03-31
expect_exit "cycle: open cy-big" 0 as admin period open cy-big
expect_exit "cycle: max_objectives 1000" 0 as admin settings set max_objectives 1000
cy_q "INSERT INTO objectives (team_id, period_id, title, owner_id)
    SELECT t.id, p.id, 'bulk ' || g, u.id FROM teams t, periods p, users u,
    generate_series(1, 1000) g WHERE p.name = 'cy-big'
    AND ((t.slug = 'cy-eng' AND u.login = 'cy-lead')
	OR (t.slug = 'cy-web' AND u.login = 'cy-mem')
	OR (t.slug = 'cy-ops' AND u.login = 'cy-up' AND g = 1))" >/dev/null
expect_exit "cycle: review cy-big" 0 as admin period review cy-big
cy_q "UPDATE objectives SET grade = 0 WHERE period_id = (SELECT id FROM periods WHERE name = 'cy-big')" >/dev/null
expect_exit "cycle: period cy-next" 0 as admin period add cy-next --start 2033-04-01 --end 2033-06-30
cy_rule "carry: more than 2000 in one carry" limit.carry admin period carry cy-big cy-next
expect_match "carry: says how many" "2001 objectives to carry" "$ERR"
cy_db_refuses "carry: the database refuses more than 2000" limit.carry \
    "SELECT period_carry(1, f.id, t.id, NULL, NULL, NULL) FROM periods f, periods t WHERE f.name = 'cy-big' AND t.name = 'cy-next'"
cy_t0=$(date +%s%N)
expect_exit "carry: team by team, 1000 at once" 0 as admin --json period carry cy-big cy-next --team cy-eng
cy_t1=$(date +%s%N)
expect_match "carry: the 1000 copied" '"count":1000' "$OUT"
echo "# cycle: a carry of 1000 objectives took $(( (cy_t1 - cy_t0) / 1000000 )) ms end to end"
expect_exit "cycle: max_objectives back" 0 as admin settings set max_objectives "$cy_max"

echo "# cycle: $(cy_q "SELECT count(*) FROM objectives WHERE carried_from IS NOT NULL") objectives carried"
