# pace.sh: status by pace, stale key results, the stored roll-up under
# races, and grading (issue 8), through the real cairn and PostgreSQL
# (sourced by suite.sh, after login_admin: uses lib.sh's `as` and the admin session it
# left in home-admin; its other helpers are its own, prefixed pace_).
#
# The stored objectives.progress must equal objective_progress(id), the
# recursive computation from sql/006, for every objective, after whatever
# ran before this suite (goals, kpi) and after every race here.

# Helpers ----------------------------------------------------------------

pace_state() {	# DIGEST: of what a pace_refused request must not change
	digest "SELECT md5(string_agg(r, E'\n' ORDER BY r)) FROM (
	    SELECT 'o' || o::text r FROM objectives o
	    UNION ALL SELECT 'k' || k::text FROM key_results k
	    UNION ALL SELECT 'i' || count(*)::text FROM idempotency_keys
	    UNION ALL SELECT 'a' || count(*)::text FROM audit_log) x"
}

pace_refused() {	# pace_refused NAME CODE WHO ARGS...: fails, changes nothing
	local name=$1 code=$2 who=$3 before
	shift 3
	pace_state; before=$DIGEST
	expect_exit "$name" "$code" as "$who" --json "$@"
	pace_state; expect_eq "$name: nothing changed" "$DIGEST" "$before"
}

pace_refused_rule() {	# pace_refused_rule NAME RULE WHO ARGS...
	local name=$1 rule=$2
	shift 2
	pace_refused "$name" 7 "$@"
	expect_match "$name: E_RULE $rule" "\"rule\":\"$rule\"" "$ERR"
	expect_match "$name: E_RULE" '"code":"E_RULE"' "$ERR"
}

pace_allowed() {	# pace_allowed NAME WHO ARGS...: succeeds, changes something
	local name=$1 who=$2 before
	shift 2
	pace_state; before=$DIGEST
	expect_exit "$name" 0 as "$who" --json "$@"
	pace_state; if [ "$DIGEST" != "$before" ]; then
		ok "$name: the change is stored"
	else
		not_ok "$name: the change is stored" "the database did not change"
	fi
}

pace_new_kr() {	# pace_new_kr OBJ OWNER TYPE TARGET [args]: id in NEW
	local obj=$1 owner=$2 type=$3 target=$4
	shift 4
	NEW=
	quietly "key result on $obj" as admin kr add "$obj" \
	    --title "kr $type" --type "$type" --target "$target" \
	    --owner "$owner" "$@" && NEW=$OUT
}

pace_setting() {	# pace_setting NAME VALUE
	quietly "pace_setting $1=$2" as admin settings set "$1" "$2"
}

pace_expect_num() {	# pace_expect_num NAME GOT WANT: within 1e-9
	if awk -v g="$2" -v w="$3" 'BEGIN { d = g - w
	    exit !(g ~ /^-?[0-9][0-9.eE+-]*$/ && d < 1e-9 && d > -1e-9) }'; then
		ok "$1"
	else
		not_ok "$1" "got '$2', want $3"
	fi
}



pace_day() {	# pace_day OFFSET: today + OFFSET days, YYYY-MM-DD (UTC)
	date -u -d "today $1 days" +%F
}

pace_field() {	# pace_field ID FIELD [WHO]: an objective's top-level field
	as "${3:-admin}" --json obj show "$1" 2>/dev/null | json_field "$2"
}

pace_kr_field() {	# pace_kr_field KR FIELD
	as admin --json kr show "$1" 2>/dev/null | json_field "$2"
}

pace_mkuser() {	# pace_mkuser LOGIN
	quietly "user $1" sh -c "echo 'pw-$1-pace' |
	    XDG_CONFIG_HOME=$T/home-admin $BIN/cairn --json user add $1 \
	    --name 'User $1' --role member --password-stdin" &&
	quietly "login $1" sh -c "echo 'pw-$1-pace' |
	    XDG_CONFIG_HOME=$T/home-$1 $BIN/cairn login $1 --password-stdin"
}

echo "== pace: what the suites before left"
# (goals.sh and kpi.sh check the same at their ends, over what they built.)
progress_consistent "stored progress equals objective_progress after goals/kpi"

pace_setting max_objectives 1000
pace_setting max_key_results 5
pace_setting max_depth 8

# The team line: the root team, pace-p (lead pcplead), under it pace-t (lead
# pctlead, members pctowner, pctmem), and pace-o elsewhere (member pcomem).
PACE_ROOT=$(psql_cairn -c "SELECT slug FROM teams WHERE parent_id IS NULL")
if [ -z "$PACE_ROOT" ]; then
	quietly "root team" as admin team add pace-root --name Root
	PACE_ROOT=pace-root
fi
for u in pcplead pctlead pctowner pctmem pcomem; do pace_mkuser "$u"; done
quietly "team pace-p" as admin team add pace-p --name "Pace parent" \
    --parent "$PACE_ROOT"
quietly "team pace-t" as admin team add pace-t --name "Pace team" \
    --parent pace-p
quietly "team pace-o" as admin team add pace-o --name "Pace other" \
    --parent "$PACE_ROOT"
quietly "pcplead leads pace-p" as admin team member add pace-p pcplead --lead
quietly "pctlead leads pace-t" as admin team member add pace-t pctlead --lead
quietly "pctowner in pace-t" as admin team member add pace-t pctowner
quietly "pctmem in pace-t" as admin team member add pace-t pctmem
quietly "pcomem in pace-o" as admin team member add pace-o pcomem

# An active period 30 days old with 60 to go (91 days, end inclusive), a
# draft, and one that goes to review.
quietly "period pace-act" as admin period add pace-act \
    --start "$(pace_day -30)" --end "$(pace_day +60)"
quietly "open pace-act" as admin period open pace-act
quietly "period pace-draft" as admin period add pace-draft \
    --start "$(pace_day +100)" --end "$(pace_day +190)"
quietly "period pace-rev" as admin period add pace-rev \
    --start "$(pace_day -80)" --end "$(pace_day -1)"
quietly "open pace-rev" as admin period open pace-rev

echo "== pace: expected progress and status"
new_obj pace-t pace-act pctowner "Pace goal"
PO=$NEW
pace_new_kr "$PO" pctowner increase 100
PK=$NEW
PEXP=$(pace_field "$PO" expected)
if awk -v e="$PEXP" 'BEGIN { exit !(e >= 30/91 && e <= 31/91) }'; then
	ok "expected is the elapsed fraction of the period (30 of 91 days: $PEXP)"
else
	not_ok "expected is the elapsed fraction of the period" "got '$PEXP'"
fi
expect_eq "no progress at a third of the period: off_track" \
    "$(pace_field "$PO" status)" off_track

# progress against 0.5 and 0.85 of expected (about 0.33): the thresholds.
pace_status_after() {	# pace_status_after NAME VALUE [CONF] WANT
	local name=$1 v=$2 conf= want
	if [ $# = 4 ]; then conf="--confidence $3"; want=$4; else want=$3; fi
	quietly "check-in $v" as pctowner kr checkin "$PK" "$v" $conf
	expect_eq "$name" "$(pace_field "$PO" status)" "$want"
}
pace_status_after "progress 0.2 (under 0.85 x expected): at_risk" 20 at_risk
pace_status_after "progress 0.15 (under 0.5 x expected): off_track" 15 off_track
pace_status_after "progress 0.4 (ahead of pace): on_track" 40 on_track
pace_status_after "ahead, but confidence 3: off_track" 40 3 off_track
pace_status_after "ahead, confidence 6: at_risk" 40 6 at_risk
pace_status_after "ahead, confidence 7: on_track" 40 7 on_track
pace_status_after "progress 1 with confidence 2: done" 100 2 done
pace_status_after "back to 0.4, confidence 2 stays the latest: off_track" \
    40 off_track
expect_exit "obj list --json carries status and expected" 0 \
    as admin --json obj list --team pace-t
expect_match "obj list: status of the goal" \
    "\"id\":$PO,[^}]*\"expected\":[0-9.]+,\"status\":\"off_track\"" "$OUT"
expect_match "obj list: grade and met nil before grading" \
    "\"id\":$PO,[^}]*\"grade\":null,\"grade_note\":null,\"met\":null" "$OUT"
expect_exit "obj list shows a STATUS column" 0 as admin obj list --team pace-t
expect_match "obj list: STATUS" "STATUS" "$OUT"
expect_match "obj list: off_track" "off_track" "$OUT"
expect_exit "obj show prints the status" 0 as admin obj show "$PO"
expect_match "obj show: status line" "^status: off_track" "$(echo "$OUT" | grep '^status')"

# The factors are settings.
quietly "check-in 40, confidence 8" as pctowner kr checkin "$PK" 40 \
    --confidence 8
expect_eq "settings as shipped: on_track" "$(pace_field "$PO" status)" \
    on_track
pace_setting pace_risk_pct 200
expect_eq "pace_risk_pct 200: at_risk" "$(pace_field "$PO" status)" at_risk
pace_setting pace_risk_pct 85
pace_setting pace_risk_confidence 9
expect_eq "pace_risk_confidence 9: confidence 8 is at_risk" \
    "$(pace_field "$PO" status)" at_risk
pace_setting pace_risk_confidence 6
pace_refused "settings set pace_off_pct 0 is refused" 7 admin settings set \
    pace_off_pct 0

echo "== pace: stale key results"
expect_eq "a new key result is not stale" "$(pace_kr_field "$PK" stale)" false
pace_new_kr "$PO" pctowner increase 10
PK2=$NEW
psql_cairn -c "UPDATE key_results SET created_at = now() - interval '15 days'
    WHERE id = $PK2" >/dev/null
expect_eq "created 15 days ago, never checked in: stale" \
    "$(pace_kr_field "$PK2" stale)" true
expect_exit "obj show lists the KR as stale" 0 as admin --json obj show "$PO"
expect_match "obj show: key result stale" "\"id\":$PK2,[^}]*\"stale\":true" "$OUT"
pace_setting stale_days 30
expect_eq "stale_days 30: not stale" "$(pace_kr_field "$PK2" stale)" false
pace_setting stale_days 14
expect_exit "a check-in" 0 as pctowner --json kr checkin "$PK2" 5
expect_match "the check-in's reply says not stale" '"stale":false' "$OUT"
expect_eq "checked in: not stale" "$(pace_kr_field "$PK2" stale)" false
expect_eq "checked_at is the check-in's time" "$(psql_cairn -c "SELECT
    k.checked_at = c.at FROM key_results k JOIN checkins c ON c.kr_id = k.id
    WHERE k.id = $PK2 ORDER BY c.id DESC LIMIT 1")" t
# A check-in written with a past time (a loader's) leaves it stale.
psql_cairn -c "INSERT INTO checkins (kr_id, value, author_id, at) SELECT
    $PK2, 6, id, now() - interval '20 days' FROM users WHERE login = 'pctowner'" \
    >/dev/null
expect_eq "a check-in 20 days old: stale" "$(pace_kr_field "$PK2" stale)" true
new_obj pace-t pace-draft pctowner "Draft goal"
pace_new_kr "$NEW" pctowner increase 10
PKD=$NEW
psql_cairn -c "UPDATE key_results SET created_at = now() - interval '40 days'
    WHERE id = $PKD" >/dev/null
expect_eq "a draft period's key result is never stale" \
    "$(pace_kr_field "$PKD" stale)" false

# Bound: the KPI's latest reading is its check-in.
quietly "kpi" as admin kpi add --team pace-t --name "Pace KPI" --unit x \
    --direction up --green 80 --amber 50
PKPI=$OUT
new_obj pace-t pace-act pctowner "Bound goal" --parent "$PO"
PB=$NEW
expect_exit "kpi record, 20 days ago" 0 as admin kpi record "$PKPI" 10 \
    --at "$(pace_day -20)"
pace_new_kr "$PB" pctowner increase 100 --kpi "$PKPI" --start 0
PKB=$NEW
expect_eq "bound to a KPI last read 20 days ago: stale" \
    "$(pace_kr_field "$PKB" stale)" true
expect_exit "kpi record" 0 as admin kpi record "$PKPI" 60
expect_eq "bound, a reading now: not stale" "$(pace_kr_field "$PKB" stale)" \
    false
expect_eq "a bound KR's checked_at is the reading's time" "$(psql_cairn -c "
    SELECT k.checked_at = r.at FROM key_results k JOIN kpi_readings r
    ON r.kpi_id = k.kpi_id WHERE k.id = $PKB ORDER BY r.id DESC LIMIT 1")" t
pace_expect_num "the reading rolls up into the bound objective" \
    "$(pace_field "$PB" progress)" 0.6
progress_consistent "stored progress after status, staleness and a reading"

echo "== pace: the roll-up under races"
# A chain of six under pace-act's goal, four leaves under the deepest, and
# three key results on each chain node and leaf.
pace_setting max_key_results 10
PCHAIN=()
par=$PO
for i in 1 2 3 4 5; do
	new_obj pace-t pace-act pctowner "Chain $i" --parent "$par" \
	    --rollup both --weight "$i"
	PCHAIN+=("$NEW")
	par=$NEW
done
PLEAVES=()
for i in 1 2 3 4; do
	new_obj pace-t pace-act pctowner "Leaf $i" --parent "$par" --weight "$i"
	PLEAVES+=("$NEW")
done
PKRS=()
for o in "${PCHAIN[@]}" "${PLEAVES[@]}"; do
	for w in 1 2 3; do
		pace_new_kr "$o" pctowner increase 100 --weight "$w"
		PKRS+=("$NEW")
	done
done
progress_consistent "stored progress after building the chain"

# pace_try WHO ARGS...: as, again when the connection itself failed (exit
# 8: a TLS handshake that timed out on a loaded machine is no answer of
# the server's); any answer counts.
pace_try() {
	local i rc
	for i in 1 2 3; do
		as "$@"
		rc=$?
		[ "$rc" = 8 ] || return "$rc"
		sleep 1
	done
	return "$rc"
}

pace_race_round() {	# one round: check-ins, alignments and weights at once
	local i pids= fails=0 n=0 k v o to
	for i in $(seq 1 24); do
		k=${PKRS[$((RANDOM % ${#PKRS[@]}))]}
		v=$((RANDOM % 110))
		pace_try pctowner kr checkin "$k" "$v" >/dev/null 2>"$T/pace.$n" &
		pids="$pids $!"
		n=$((n + 1))
	done
	for i in 1 2 3; do
		o=${PLEAVES[$((RANDOM % ${#PLEAVES[@]}))]}
		to=${PCHAIN[$((RANDOM % ${#PCHAIN[@]}))]}
		pace_try pctlead obj align "$o" --to "$to" \
		    --weight $((1 + RANDOM % 5)) \
		    >/dev/null 2>"$T/pace.$n" &
		pids="$pids $!"
		n=$((n + 1))
	done
	o=${PCHAIN[$((RANDOM % ${#PCHAIN[@]}))]}
	pace_try pctlead obj edit "$o" --rollup \
	    "$( (echo krs; echo children; echo both; echo auto) |
	    sed -n "$((1 + RANDOM % 4))p")" >/dev/null 2>"$T/pace.$n" &
	pids="$pids $!"
	for p in $pids; do
		wait "$p" || fails=$((fails + 1))
	done
	PACE_FAILS=$((PACE_FAILS + fails))
	[ "$fails" = 0 ] || PACE_ERR=$(cat "$T"/pace.* | head -3)
}
PACE_FAILS=0
PACE_ERR=
for round in 1 2 3 4 5 6; do
	pace_race_round
done
expect_eq "6 rounds of 28 racing check-ins and alignments all succeed \
(no deadlock, no lost update) $PACE_ERR" "$PACE_FAILS" 0
progress_consistent "stored progress equals objective_progress after the races"
pace_expect_num "the top goal's stored progress, as obj show reads it" \
    "$(pace_field "$PO" progress)" \
    "$(psql_cairn -c "SELECT objective_progress($PO)")"
# Sibling check-ins alone, all on the four leaves at once.
pids=
for i in $(seq 1 32); do
	o=$((RANDOM % 4))
	k=${PKRS[$((15 + o * 3 + RANDOM % 3))]}
	pace_try pctowner kr checkin "$k" $((RANDOM % 100)) >/dev/null 2>&1 &
	pids="$pids $!"
done
fails=0
for p in $pids; do wait "$p" || fails=$((fails + 1)); done
expect_eq "32 racing check-ins on sibling leaves all succeed" "$fails" 0
progress_consistent "stored progress after racing sibling check-ins"
# The check can fail: a corrupted stored value is seen, and the rebuild
# restores it.
psql_cairn -c "UPDATE objectives SET progress = 0.5" >/dev/null
pace_mismatch_n=$(progress_mismatch)
case "$pace_mismatch_n" in
"0 of "*) not_ok "the check sees a corrupted stored progress" "$pace_mismatch_n" ;;
*) ok "the check sees a corrupted stored progress ($pace_mismatch_n)" ;;
esac
psql_cairn -c "SELECT objectives_progress_rebuild()" >/dev/null
progress_consistent "objectives_progress_rebuild restores every objective"

echo "== pace: grading"
new_obj pace-t pace-rev pctowner "Aspirational goal" --aspirational
PGA=$NEW
pace_new_kr "$PGA" pctowner increase 100
PGAK=$NEW
quietly "check-in" as pctowner kr checkin "$PGAK" 64
new_obj pace-t pace-rev pctowner "Committed goal"
PGC=$NEW
new_obj pace-o pace-rev pcomem "Other team's goal"
PGO=$NEW
pace_refused_rule "grade while the period is active: period.not_review" \
    period.not_review pctowner grade "$PGA" 0.8
expect_exit "obj show while active: no suggested grade" 0 as admin obj show "$PGA"
expect_eq "no suggested grade line while active" \
    "$(echo "$OUT" | grep -c '^suggested grade')" 0
quietly "review pace-rev" as admin period review pace-rev
expect_exit "obj show in review" 0 as admin obj show "$PGA"
expect_match "obj show in review: the suggested grade is the progress" \
    "^suggested grade: 0.64$" "$(echo "$OUT" | grep '^suggested grade')"
pace_expect_num "suggested_grade in --json" "$(pace_field "$PGA" suggested_grade)" \
    0.64
pace_refused "grade 1.5: E_INVALID" 7 pctowner grade "$PGA" 1.5
expect_match "grade 1.5 names the field score" '"field":"score"' "$ERR"
expect_match "grade 1.5 is E_INVALID" '"code":"E_INVALID"' "$ERR"
pace_refused "grade 1.0001: E_INVALID" 7 pctowner grade "$PGA" 1.0001
pace_refused "grade with a note over 2000 characters" 7 pctowner grade "$PGA" 0.5 \
    --note "$(head -c 2001 /dev/zero | tr '\0' x)"
pace_refused "grade by a team member who does not own it: E_FORBIDDEN" 4 \
    pctmem grade "$PGA" 0.8
pace_refused "grade by a member of another team: E_FORBIDDEN" 4 \
    pcomem grade "$PGA" 0.8
pace_refused "grade by the lead of a sibling team's line: E_FORBIDDEN" 4 \
    pctlead grade "$PGO" 0.8
pace_refused "grade of no such objective: E_NOT_FOUND" 5 admin grade 999999999 0.5
pace_refused "grade with a stale version: E_CONFLICT" 6 pctowner grade "$PGA" 0.5 \
    --if-version 999

pace_allowed "grade by the owner" pctowner grade "$PGA" 0.7 --note "nearly there"
expect_match "the reply has the grade" '"grade":0.7' "$OUT"
expect_match "aspirational 0.7 is met" '"met":true' "$OUT"
expect_match "the reply has the note" '"grade_note":"nearly there"' "$OUT"
pace_allowed "regrade by the team's lead" pctlead grade "$PGA" 0.69
expect_eq "aspirational 0.69 is not met" "$(pace_field "$PGA" met)" false
expect_eq "a regrade without --note keeps the note" \
    "$(pace_field "$PGA" grade_note)" "nearly there"
pace_allowed "grade by the lead of the parent team" pcplead grade "$PGC" 0.99 \
    --note ""
expect_eq "committed 0.99 is not met" "$(pace_field "$PGC" met)" false
expect_eq "--note \"\" leaves no note" "$(pace_field "$PGC" grade_note)" null
pace_allowed "grade by an admin" admin grade "$PGC" 1
expect_eq "committed 1.0 is met" "$(pace_field "$PGC" met)" true
expect_exit "cairn grade prints grade and met" 0 as pcomem grade "$PGO" 0.3
expect_eq "cairn grade's line" "$OUT" "$PGO: grade 0.3, met no"
expect_eq "committed 0.8 is not met" "$(psql_cairn -c "
    UPDATE objectives SET grade = 0.8 WHERE id = $PGO RETURNING met")" f
expect_eq "an objective's type change re-derives met" "$(psql_cairn -c "
    UPDATE objectives SET type = 'aspirational' WHERE id = $PGO
    RETURNING met")" t
expect_eq "met cannot be set by hand" "$(psql_cairn -c "
    UPDATE objectives SET met = false WHERE id = $PGC RETURNING met")" t
expect_eq "the audit log has the grade" "$(psql_cairn -c "SELECT count(*)
    FROM audit_log WHERE op = 'objective.grade' AND entity_id = $PGA")" 2

# Idempotency.
a0=$(psql_cairn -c "SELECT count(*) FROM audit_log")
expect_exit "grade with an idempotency key" 0 as pctowner --json grade "$PGA" \
    0.75 --idempotency-key pace-grade-1
first=$OUT
expect_exit "the same request again" 0 as pctowner --json grade "$PGA" 0.75 \
    --idempotency-key pace-grade-1
expect_eq "a retry is answered as the first" \
    "$(echo "$OUT" | json_field version)" "$(echo "$first" | json_field version)"
expect_eq "a retry writes nothing" "$(psql_cairn -c "SELECT count(*)
    FROM audit_log")" "$((a0 + 1))"
pace_refused "the key with another score: E_CONFLICT" 6 pctowner grade "$PGA" 0.2 \
    --idempotency-key pace-grade-1

# The database's own line: no grade outside review, whoever writes it.
PACT_ERR=$(psql_cairn -c "UPDATE objectives SET grade = 0.5 WHERE id = $PO" 2>&1)
expect_match "the database refuses a grade in an active period" \
    "period.not_review" "$PACT_ERR"
expect_eq "and stores none" "$(psql_cairn -c "SELECT grade IS NULL
    FROM objectives WHERE id = $PO")" t
PACT_ERR=$(psql_cairn -c "UPDATE objectives SET grade = 2 WHERE id = $PGA" 2>&1)
expect_match "the database refuses a grade over 1" "check constraint" \
    "$PACT_ERR"
progress_consistent "stored progress after grading"
