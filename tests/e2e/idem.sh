# idem.sh: idempotency keys on the writes that create things (run alone by
# suite.sh, with the admin logged in).

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
# bob, logged in under home-carol (where cli.sh leaves him).
quietly "idem: user bob" sh -c "echo bob-password-idem | XDG_CONFIG_HOME=$T/home-admin $BIN/cairn user add bob --name Bob --password-stdin"
quietly "idem: bob logs in" sh -c "echo bob-password-idem | XDG_CONFIG_HOME=$T/home-carol $BIN/cairn login bob --password-stdin"
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

# The writes keyed by issue 13 (item 11): assessment.create, roi.set,
# retro.set and import.commit.  A retry with the same key records nothing
# more and gets the same answer; the CLI sends a key of its own when none
# is given (so that its retries after a lost connection are safe).

K=assess-$$-a
A_SET="--set rapid_growth=4 --set cross_functional=3 --set stable=yes"
expect_exit "assess with a key" 0 as admin --json assess idem $A_SET --idempotency-key "$K"
A1=$OUT
expect_exit "assess retried with the same key" 0 as admin --json assess idem $A_SET --idempotency-key "$K"
expect_eq "... the same answer" "$OUT" "$A1"
expect_eq "... one assessment" "$(idem_q "SELECT count(*) FROM assessments a JOIN teams t ON t.id = a.team_id WHERE t.slug = 'idem'")" 1
expect_eq "... one audit entry" "$(idem_q "SELECT count(*) FROM audit_log WHERE op = 'assessment.create' AND after->>'team_id' = (SELECT id::text FROM teams WHERE slug = 'idem')")" 1
expect_exit "the same key with other answers" 6 as admin --json assess idem --set rapid_growth=1 --idempotency-key "$K"
expect_match "... is E_CONFLICT naming the key" '"code":"E_CONFLICT".*"field":"idempotency_key"' "$ERR"
expect_exit "assess without a key" 0 as admin --json assess idem $A_SET
expect_eq "... the CLI sent one of its own" "$(idem_q "SELECT count(*) FROM idempotency_keys k JOIN assessments a ON a.id = k.result_id JOIN teams t ON t.id = a.team_id WHERE k.op = 'assessment.create' AND t.slug = 'idem'")" 2

K=roi-$$-a
expect_exit "roi set with a key" 0 as admin --json roi set idem --period idemp --headcount 7 --hourly-cost 55.5 --idempotency-key "$K"
R1=$OUT
psql_cairn -c "SELECT pg_sleep(1.1)" >/dev/null	# set_at would move
expect_exit "roi set retried with the same key" 0 as admin --json roi set idem --period idemp --headcount 7 --hourly-cost 55.5 --idempotency-key "$K"
expect_eq "... the same answer" "$OUT" "$R1"
expect_eq "... one audit entry" "$(idem_q "SELECT count(*) FROM audit_log WHERE op = 'roi.set' AND entity_id = (SELECT id FROM teams WHERE slug = 'idem')")" 1
expect_eq "... the inputs written once (set_at unchanged)" "$(idem_q "SELECT count(DISTINCT set_at) FROM roi_inputs i JOIN teams t ON t.id = i.team_id WHERE t.slug = 'idem'") $(idem_q "SELECT count(*) FROM roi_inputs i JOIN teams t ON t.id = i.team_id WHERE t.slug = 'idem'")" "1 2"
expect_exit "the same key with another value" 6 as admin --json roi set idem --period idemp --headcount 8 --idempotency-key "$K"
expect_match "... is E_CONFLICT naming the key" '"code":"E_CONFLICT".*"field":"idempotency_key"' "$ERR"
expect_exit "roi set without a key" 0 as admin --json roi set idem --period idemp --headcount 9
expect_eq "... the CLI sent one of its own" "$(idem_q "SELECT count(*) FROM idempotency_keys k JOIN audit_log a ON a.id = k.result_id JOIN teams t ON t.id = a.entity_id WHERE k.op = 'roi.set' AND t.slug = 'idem'")" 2
idem_race 8 as admin --json roi set idem --period idemp --tool-cost 100 --idempotency-key "race-roi-$$"
expect_eq "8 concurrent roi set with one key: one answer" "$(cat "$T"/race.* | sort -u | wc -l)" 1
[ "$(cat "$T"/race.* | sort -u | wc -l)" = 1 ] || cat "$T"/race.*
expect_eq "... one audit entry" "$(idem_q "SELECT count(*) FROM audit_log WHERE op = 'roi.set' AND entity_id = (SELECT id FROM teams WHERE slug = 'idem') AND after->'inputs' ? 'tool_cost'")" 1

K=retro-$$-a
expect_exit "retro with a key" 0 as admin --json retro idem --period idemp --note "retro $$" --idempotency-key "$K"
T1=$OUT
expect_exit "retro retried with the same key" 0 as admin --json retro idem --period idemp --note "retro $$" --idempotency-key "$K"
expect_eq "... the same answer" "$OUT" "$T1"
expect_eq "... one note" "$(idem_q "SELECT count(*) FROM retros WHERE note = 'retro $$'")" 1
expect_exit "retro without a key" 0 as admin --json retro idem --period idemp --note "retro2 $$"
expect_eq "... the CLI sent one of its own" "$(idem_q "SELECT count(*) FROM idempotency_keys k JOIN retros r ON r.id = k.result_id WHERE k.op = 'retro.set' AND r.note LIKE 'retro% $$'")" 2

# import.commit: the period idemp exported, renamed, imported twice with
# one key; the retry is answered from the first commit's counts.
expect_exit "idem: export idemp" 0 as admin export --period idemp --out "$T/idem-x.json"
python3 - "$T/idem-x.json" "idemc-$$" > "$T/idem-x2.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["period"]["name"] = sys.argv[2]
for s in d.values():
    if isinstance(s, list):
        for r in s:
            if isinstance(r, dict) and r.get("period") == "idemp":
                r["period"] = sys.argv[2]
json.dump(d, sys.stdout)
PY
K=import-$$-a
# The CLI retries import.commit alone, with the same import and key, when
# the connection is lost: the same here, over a raw connection, so that
# the retry is exactly the one the CLI would send.
idem_import() {	# idem_import FILE KEY: "ANSWER1\nANSWER2" of two commits
	CL_HERE=$HERE python3 - "$ADDR" "$T/certs/ca.pem" "$ADMIN_PW" "$1" "$2" <<'PY' 2>&1
import json, os, sys
sys.path.insert(0, os.environ["CL_HERE"])
from rawconn import Raw
addr, ca, pw, path, key = sys.argv[1:6]
d = json.load(open(path))
r = Raw(addr, ca, "idem.sh")
assert r.login("root", pw)
b = r.call("import.begin", {"period": d["period"]})
imp = b["result"]["import"]
for name, rows in d.items():
    if isinstance(rows, list) and rows:
        for i in range(0, len(rows), 500):
            x = r.call("import.rows", {"import": imp, "set": name,
                                       "rows": rows[i:i + 500]})
            assert x.get("ok"), x
for _ in range(2):
    c = r.call("import.commit", {"import": imp, "idempotency_key": key})
    print(json.dumps(c.get("result") or c.get("error"), sort_keys=True))
PY
}
out=$(idem_import "$T/idem-x2.json" "$K")
first=$(echo "$out" | sed -n 1p)
expect_match "import.commit with a key" '"objectives": [1-9]' "$first"
expect_eq "import.commit retried with the same key: the same answer" "$(echo "$out" | sed -n 2p)" "$first"
expect_eq "... one import audited" "$(idem_q "SELECT count(*) FROM audit_log a JOIN periods p ON p.id = a.entity_id WHERE a.op = 'import' AND p.name = 'idemc-$$'")" 1
expect_eq "... the objectives once" "$(idem_q "SELECT count(*) FROM objectives o JOIN periods p ON p.id = o.period_id WHERE p.name = 'idemc-$$'")" "$(idem_q "SELECT count(*) FROM objectives o JOIN periods p ON p.id = o.period_id WHERE p.name = 'idemp'")"
expect_eq "... no import left open" "$(idem_q "SELECT count(*) FROM imports")" 0
expect_eq "... the key kept" "$(idem_q "SELECT count(*) FROM idempotency_keys WHERE op = 'import.commit' AND key = '$K'")" 1
python3 - "$T/idem-x2.json" "idemd-$$" > "$T/idem-x3.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
old = d["period"]["name"]
d["period"]["name"] = sys.argv[2]
for s in d.values():
    if isinstance(s, list):
        for r in s:
            if isinstance(r, dict) and r.get("period") == old:
                r["period"] = sys.argv[2]
json.dump(d, sys.stdout)
PY
expect_exit "import without a key" 0 as admin --json import "$T/idem-x3.json"
expect_eq "... the CLI sent one of its own" "$(idem_q "SELECT count(*) FROM idempotency_keys k JOIN audit_log a ON a.id = k.result_id JOIN periods p ON p.id = a.entity_id WHERE k.op = 'import.commit' AND p.name IN ('idemc-$$', 'idemd-$$')")" 2
