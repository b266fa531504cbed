# idem.sh: idempotency keys on the writes that create things (sourced by
# run.sh, after cli.sh: uses its as() and the admin's session).

idem_q() {	# idem_q SQL: one value from the database
	psql_cairn -c "$1"
}

# Under the root team if an earlier suite made one (there is only one).
root_team=$(psql_cairn -c "SELECT slug FROM teams WHERE parent_id IS NULL")
expect_exit "idem: team" 0 as admin team add idem --name Idempotency ${root_team:+--parent "$root_team"}
expect_exit "idem: admin in the team" 0 as admin team member add idem root --lead
expect_exit "idem: period" 0 as admin period add idemp --start 2041-01-01 --end 2041-03-31
expect_exit "idem: period open" 0 as admin period open idemp

K=obj-$$-a
expect_exit "obj add with a key" 0 as admin obj add --team idem --period idemp --title "idem obj $$" --idempotency-key "$K"
O=$OUT
expect_match "... prints the id" "^[0-9]+$" "$O"
expect_exit "obj add retried with the same key" 0 as admin obj add --team idem --period idemp --title "idem obj $$" --idempotency-key "$K"
expect_eq "... answers with the same id" "$OUT" "$O"
expect_eq "... one objective" "$(idem_q "SELECT count(*) FROM objectives WHERE title = 'idem obj $$'")" 1
expect_eq "... one audit entry" "$(idem_q "SELECT count(*) FROM audit_log WHERE op = 'objective.create' AND entity_id = $O")" 1
expect_exit "obj add without a key twice" 0 as admin obj add --team idem --period idemp --title "idem nokey $$"
expect_exit "... second" 0 as admin obj add --team idem --period idemp --title "idem nokey $$"
expect_eq "... creates two (the CLI sends a fresh key each time)" "$(idem_q "SELECT count(*) FROM objectives WHERE title = 'idem nokey $$'")" 2
expect_eq "... and the keys are stored" "$(idem_q "SELECT count(*) FROM idempotency_keys k JOIN objectives o ON o.id = k.result_id WHERE k.op = 'objective.create' AND o.title = 'idem nokey $$'")" 2

K=kr-$$-a
expect_exit "kr add with a key" 0 as admin kr add "$O" --title "idem kr" --type increase --target 100 --idempotency-key "$K"
KR=$OUT
expect_exit "kr add retried" 0 as admin kr add "$O" --title "idem kr" --type increase --target 100 --idempotency-key "$K"
expect_eq "... same id" "$OUT" "$KR"
expect_eq "... one key result" "$(idem_q "SELECT count(*) FROM key_results WHERE objective_id = $O")" 1
expect_eq "... one audit entry" "$(idem_q "SELECT count(*) FROM audit_log WHERE op = 'kr.create' AND entity_id = $KR")" 1

K=ci-$$-a
expect_exit "kr checkin with a key" 0 as admin --json kr checkin "$KR" 5 --note "first" --idempotency-key "$K"
V1=$(echo "$OUT" | json_field version)
expect_exit "kr checkin retried with the same key" 0 as admin --json kr checkin "$KR" 5 --note "first" --idempotency-key "$K"
expect_eq "... answers with the key result" "$(echo "$OUT" | json_field id)" "$KR"
expect_eq "... its version unchanged (nothing written)" "$(echo "$OUT" | json_field version)" "$V1"
expect_eq "... one check-in" "$(idem_q "SELECT count(*) FROM checkins WHERE kr_id = $KR")" 1
expect_eq "... one audit entry" "$(idem_q "SELECT count(*) FROM audit_log WHERE op = 'kr.checkin' AND entity_id = $KR")" 1
expect_exit "the same key with another value" 6 as admin --json kr checkin "$KR" 6 --note "first" --idempotency-key "$K"
expect_match "... is E_CONFLICT" '"code":"E_CONFLICT"' "$ERR"
expect_match "... naming the key" '"field":"idempotency_key"' "$ERR"
expect_exit "the same key for another op" 6 as admin --json obj add --team idem --period idemp --title "other $$" --idempotency-key "$K"
expect_match "... is E_CONFLICT naming the op" '"code":"E_CONFLICT".*kr.checkin|kr.checkin.*"code":"E_CONFLICT"' "$ERR"
expect_eq "... and creates nothing" "$(idem_q "SELECT count(*) FROM objectives WHERE title = 'other $$'") $(idem_q "SELECT count(*) FROM checkins WHERE kr_id = $KR")" "0 1"
# cli.sh leaves bob logged in under home-carol.
expect_exit "idem: bob leads the team" 0 as admin team member add idem bob --lead
expect_exit "another user's same key is their own" 0 as carol obj add --team idem --period idemp --title "bob's $$" --idempotency-key "$K"
expect_eq "... bob's objective exists" "$(idem_q "SELECT count(*) FROM objectives WHERE title = 'bob''s $$'")" 1
expect_exit "a check-in with a fresh key" 0 as admin --json kr checkin "$KR" 7
expect_eq "... a second check-in" "$(idem_q "SELECT count(*) FROM checkins WHERE kr_id = $KR")" 2

long=$(printf 'k%.0s' $(seq 1 65))
expect_exit "a 65-byte key is refused" 7 as admin --json kr checkin "$KR" 1 --idempotency-key "$long"
expect_match "... E_INVALID" '"code":"E_INVALID"' "$ERR"
expect_match "... naming the field" '"field":"idempotency_key"' "$ERR"
expect_exit "a key with a space is refused" 7 as admin --json kr checkin "$KR" 1 --idempotency-key "a b"
expect_match "... naming the field" '"field":"idempotency_key"' "$ERR"
expect_exit "an empty key is refused" 7 as admin --json kr checkin "$KR" 1 --idempotency-key ""
expect_match "... naming the field" '"field":"idempotency_key"' "$ERR"
expect_eq "... none of them wrote" "$(idem_q "SELECT count(*) FROM checkins WHERE kr_id = $KR")" 2
expect_exit "a 64-byte key is taken" 0 as admin kr checkin "$KR" 1 --idempotency-key "${long:1}"

# Ten identical requests at once: one creates, the others wait on the
# key's unique index and answer with its result.
idem_race() {	# idem_race N CMD...: N copies at once; outputs in $T/race.N
	local n=$1 i pids=
	shift
	rm -f "$T"/race.*
	for i in $(seq 1 "$n"); do
		"$@" >"$T/race.$i" 2>&1 &
		pids="$pids $!"
	done
	wait $pids	# not cairnd, also a child of this shell
}
before=$(idem_q "SELECT count(*) FROM checkins WHERE kr_id = $KR")
idem_race 10 as admin kr checkin "$KR" 42 --note "race $$" --idempotency-key "race-$$"
expect_eq "10 concurrent check-ins with one key: all answered" "$(cat "$T"/race.* | grep -c "^$KR: current 42")" 10
[ "$(cat "$T"/race.* | grep -c "^$KR: current 42")" = 10 ] || cat "$T"/race.* | grep -v "^$KR: current 42"
expect_eq "... one check-in recorded" "$(idem_q "SELECT count(*) FROM checkins WHERE note = 'race $$'")" 1
expect_eq "... one audit entry" "$(idem_q "SELECT count(*) FROM audit_log WHERE op = 'kr.checkin' AND after->>'note' = 'race $$'")" 1
# With room for exactly one more, so that the twins that lose the race
# also meet the count limit the winner reached (in cairnd's check or in
# the trigger): they must still get the winner's result, not E_RULE.
setting_of() {
	psql_cairn -c "SELECT value FROM settings WHERE name = '$1'"
}
old_max_o=$(setting_of max_objectives)
old_max_k=$(setting_of max_key_results)
n=$(idem_q "SELECT count(*) FROM objectives o JOIN teams t ON t.id = o.team_id JOIN periods p ON p.id = o.period_id WHERE t.slug = 'idem' AND p.name = 'idemp' AND NOT o.archived")
expect_exit "idem: room for one more objective" 0 as admin settings set max_objectives $((n + 1))
idem_race 10 as admin obj add --team idem --period idemp --title "race obj $$" --idempotency-key "race-obj-$$"
expect_eq "10 concurrent obj add with one key at the limit: one id" "$(cat "$T"/race.* | sort -u | wc -l) $(cat "$T"/race.* | sort -u | grep -c '^[0-9][0-9]*$')" "1 1"
[ "$(cat "$T"/race.* | sort -u | wc -l)" = 1 ] || cat "$T"/race.*
expect_eq "... one objective" "$(idem_q "SELECT count(*) FROM objectives WHERE title = 'race obj $$'")" 1
expect_exit "... and the limit holds for another key" 7 as admin obj add --team idem --period idemp --title "race obj $$"
n=$(idem_q "SELECT count(*) FROM key_results WHERE objective_id = $O AND NOT removed")
expect_exit "idem: room for one more key result" 0 as admin settings set max_key_results $((n + 1))
idem_race 10 as admin kr add "$O" --title "race kr $$" --type boolean --target 1 --idempotency-key "race-kr-$$"
expect_eq "10 concurrent kr add with one key at the limit: one id" "$(cat "$T"/race.* | sort -u | wc -l) $(cat "$T"/race.* | sort -u | grep -c '^[0-9][0-9]*$')" "1 1"
[ "$(cat "$T"/race.* | sort -u | wc -l)" = 1 ] || cat "$T"/race.*
expect_eq "... one key result" "$(idem_q "SELECT count(*) FROM key_results WHERE title = 'race kr $$'")" 1
expect_exit "idem: max_objectives back" 0 as admin settings set max_objectives "$old_max_o"
expect_exit "idem: max_key_results back" 0 as admin settings set max_key_results "$old_max_k"

# Retention: keys older than a day are removed by later keyed writes, a
# bounded number each time; younger ones are kept.
psql_cairn -c "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'obj-$$-a'" >/dev/null
expect_exit "a keyed write after a key expired" 0 as admin kr checkin "$KR" 2
expect_eq "... removed the expired key" "$(idem_q "SELECT count(*) FROM idempotency_keys WHERE key = 'obj-$$-a'")" 0
expect_eq "... kept the younger ones" "$(idem_q "SELECT count(*) FROM idempotency_keys WHERE key = 'kr-$$-a'")" 1

# Raw frames: keys of other types, and a retry encoded differently.
if CAIRN_TEST_ADDR=$ADDR CAIRN_TEST_CA=$T/certs/ca.pem CAIRN_TEST_ADMIN=root \
    CAIRN_TEST_ADMIN_PW=$ADMIN_PW CAIRN_TEST_KR=$KR "$BIN/test_idem"; then
	ok "idempotency keys over raw frames (test_idem)"
else
	not_ok "idempotency keys over raw frames (test_idem)"
fi
