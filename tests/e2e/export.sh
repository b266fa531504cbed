# export.sh: cairn export and cairn import (sourced by suite.sh, after login_admin:
# uses lib.sh's `as` and the admin session in home-admin).  The round
# trip runs against a second cairnd on a fresh database of its own (a
# second embedded cluster): export, import there, export again, and the
# two documents must be the same but for ids (export_cmp.py).

x_day() {	# x_day OFFSET: a day relative to today, YYYY-MM-DD
	date -u -d "$1" +%Y-%m-%d
}

x_at() {	# x_at OFFSET: a time relative to now, ISO 8601 UTC
	date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ
}

# The second server: its own port, data directory and cluster.
ADDR2=127.0.0.1:$((PORT + 1))
DATA2=$T/data2
x2() {		# x2 WHO cairn-args...: cairn against the second server
	local who=$1
	shift
	XDG_CONFIG_HOME=$T/home-x2-$who "$BIN/cairn" --server "$ADDR2" "$@"
}
psql2() {
	"$PGBIN/psql" -X -q -t -A -h "$DATA2" -U cairn -d cairn \
	    -v ON_ERROR_STOP=1 "$@"
}
X2_PID=
x_start2() {
	sed -e "s|^listen = .*|listen = $ADDR2|" \
	    -e "s|^data_dir = .*|data_dir = $DATA2|" "$T/cairnd.conf" \
	    > "$T/cairnd-x2.conf"
	echo "$ADMIN_PW" | "$BIN/cairnd" --config "$T/cairnd-x2.conf" \
	    --init-admin root --password-stdin >"$T/init-x2.log" 2>&1 ||
	    { not_ok "setup: a second database" "$(< "$T/init-x2.log")";
	    return 1; }
	"$BIN/cairnd" --config "$T/cairnd-x2.conf" >"$T/cairnd-x2.log" 2>&1 &
	X2_PID=$!
	for i in $(seq 1 300); do
		if x2 admin ping >/dev/null 2>&1 &&
		    grep -q "db: [0-9]* of [0-9]* connections up" \
		    "$T/cairnd-x2.log"; then
			echo "$ADMIN_PW" | x2 admin login root --password-stdin \
			    >/dev/null 2>&1 && return 0
		fi
		sleep 0.1
	done
	not_ok "setup: the second cairnd answers" "$(tail "$T/cairnd-x2.log")"
	return 1
}

# The organisation --------------------------------------------------------

# root
# `-- xorg          lead xlead          objective Y (year), A (quarter)
#     `-- xops      member xmem         B (aligned to A), D (archived), KPI
#         `-- xsec  private, xmem       C (aligned to B)
# xout contributes to B and owns a key result of it; xkpi owns the KPI.
# xops needs sign-off: B is approved by xlead (with a note), D proposed.
for u in xlead xmem xout xkpi; do
	quietly "user $u" sh -c "echo 'pw-$u-export' |
	    XDG_CONFIG_HOME=$T/home-admin $BIN/cairn user add $u \
	    --name 'X $u' --password-stdin" &&
	quietly "login $u" sh -c "echo 'pw-$u-export' |
	    XDG_CONFIG_HOME=$T/home-$u $BIN/cairn login $u --password-stdin"
done
XROOT=$(psql_cairn -c "SELECT slug FROM teams WHERE parent_id IS NULL")
if [ -z "$XROOT" ]; then
	quietly "root team" as admin team add xroot --name 'Export root'
	XROOT=xroot
fi
quietly "team xorg" as admin team add xorg --name 'Org "X"' --parent "$XROOT"
quietly "team xops" as admin team add xops --name Operations --parent xorg
quietly "team xsec" as admin team add xsec --name Secret --parent xops --private
quietly "xlead leads xorg" as admin team member add xorg xlead --lead
quietly "xmem in xops" as admin team member add xops xmem
quietly "xmem in xsec" as admin team member add xsec xmem
quietly "max_objectives" as admin settings set max_objectives 1000
quietly "period x-year" as admin period add x-year --start "$(x_day '-200 days')" \
    --end "$(x_day '+200 days')"
quietly "period x-q1" as admin period add x-q1 --start "$(x_day '-30 days')" \
    --end "$(x_day '+30 days')"
quietly "open x-year" as admin period open x-year
quietly "open x-q1" as admin period open x-q1
quietly "obj Y" as admin obj add --team xorg --period x-year \
    --title 'Year goal' --owner xlead && Y=$OUT
quietly "obj A" as admin obj add --team xorg --period x-q1 \
    --title 'Top "quoted" goal, ünïcode' --owner xlead --parent "$Y" \
    --description "$(printf 'two\nlines, a tab\there')" && A=$OUT
quietly "sign-off in xops" as admin team signoff xops on
quietly "obj B" as admin obj add --team xops --period x-q1 --title 'Ops goal' \
    --owner xmem --parent "$A" --aspirational --weight 2 && B=$OUT
quietly "obj C" as admin obj add --team xsec --period x-q1 \
    --title 'Secret goal' --owner xmem --parent "$B" --rollup children && C=$OUT
quietly "obj D" as admin obj add --team xops --period x-q1 --title 'Archived' \
    --owner xmem && D=$OUT
quietly "archive D" as admin obj archive "$D"
quietly "xout contributes to B" as admin obj grant "$B" xout
quietly "kpi" as admin kpi add --team xops --name Uptime --unit % \
    --direction up --green 99 --amber 95 --owner xkpi && K=$OUT
quietly "reading before the period" as admin kpi record "$K" 90 --at "$(x_at '-40 days')"
quietly "reading 1" as admin kpi record "$K" 97 --at "$(x_at '-10 days')" --note 'first'
quietly "reading 2" as admin kpi record "$K" 99.25 --at "$(x_at '-3 days')"
quietly "kr 1" as admin kr add "$A" --title Revenue --type increase --start 0 \
    --target 100 --unit EUR --owner xlead && K1=$OUT
quietly "kr 2" as admin kr add "$B" --title Launch --type boolean --target 1 \
    --owner xout && K2=$OUT
quietly "kr 3" as admin kr add "$B" --title 'Uptime held' --type above \
    --target 99 --owner xmem --kpi "$K" && K3=$OUT
quietly "kr 4" as admin kr add "$C" --title Tickets --type decrease --start 50 \
    --target 10 --owner xmem && K4=$OUT
quietly "kr 5 (removed)" as admin kr add "$B" --title Gone --type increase \
    --target 5 --owner xmem && K5=$OUT
quietly "rm kr 5" as admin kr rm "$K5"
quietly "checkin 1" as admin kr checkin "$K1" 20 --confidence 7 --note first
quietly "checkin 2" as admin kr checkin "$K1" 45.5 --confidence 6
quietly "checkin 3" as xout kr checkin "$K2" 1
quietly "checkin 4" as admin kr checkin "$K4" 30 --confidence 3 \
    --note "$(printf 'multi\nline "q", done')"
quietly "guard A" as admin obj guard "$A" --kpi "$K"
quietly "retro xops" as admin retro xops --period x-q1 --note "$(printf 'went well\nline 2')"
quietly "xlead approves B" as xlead obj approve "$B" --note 'agreed, "quoted"'
quietly "comment on A" as admin comment add obj "$A" "$(printf 'Top "comment"\nsecond line')"
quietly "comment on K1" as xlead comment add kr "$K1" 'revenue @xmem?' && XC2=$OUT
quietly "edit it" as xlead comment edit "$XC2" 'revenue, @xmem?'
XCI=$(psql_cairn -c "SELECT min(id) FROM checkins WHERE kr_id = $K1")
quietly "comment on a check-in" as admin comment add checkin "$XCI" 'first one'
quietly "comment on the KPI" as xkpi comment add kpi "$K" 'uptime ok'
quietly "comment on C (private)" as xmem comment add obj "$C" 'secret comment'

# Export ------------------------------------------------------------------

expect_exit "export of a period that does not exist" 5 as admin export --period x-none
expect_exit "export to stdout" 0 as admin export --period x-q1
printf '%s\n' "$OUT" > "$T/x-stdout.json"
expect_exit "export --out FILE" 0 as admin export --period x-q1 --out "$T/x1.json"
expect_match "... says what it wrote" "exported to .*x1.json: 1 period" "$OUT"
if [ ! -e "$T/x1.json.tmp" ] && cmp -s "$T/x1.json" "$T/x-stdout.json"; then
	ok "... the same document as on stdout, and no .tmp left"
else
	not_ok "... the same document as on stdout, and no .tmp left"
fi

# What the document holds, read with python (none of it hard-coded but the
# setup above).
x_py() {	# x_py FILE EXPR: print EXPR of the document d
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}
expect_eq "the document names its format and version" \
    "$(x_py "$T/x1.json" 'd["format"], d["version"], d["period"]["name"], d["period"]["state"]')" \
    "cairn-export 1 x-q1 active"
expect_eq "... the four objectives of the period, the archived one too" \
    "$(x_py "$T/x1.json" 'sorted((o["title"], o["archived"]) for o in d["objectives"])')" \
    "[('Archived', True), ('Ops goal', False), ('Secret goal', False), ('Top \"quoted\" goal, ünïcode', False)]"
expect_eq "... parents inside the period by id, the year's by period, team, title" \
    "$(x_py "$T/x1.json" '[(o["parent"], o["parent_period"], o["parent_team"], o["parent_title"]) for o in d["objectives"] if o["id"] in ('"$A,$B"')]')" \
    "[(None, 'x-year', 'xorg', 'Year goal'), ($A, None, None, None)]"
expect_eq "... the key results but the removed one, with their KPI binding" \
    "$(x_py "$T/x1.json" 'sorted((k["title"], k["kpi"]) for k in d["key_results"])')" \
    "[('Launch', None), ('Revenue', None), ('Tickets', None), ('Uptime held', $K)]"
expect_eq "... the check-ins with their authors" \
    "$(x_py "$T/x1.json" '[(c["kr"], c["value"], c["author"]) for c in d["checkins"]]')" \
    "[($K1, 20, 'root'), ($K1, 45.5, 'root'), ($K2, 1, 'xout'), ($K4, 30, 'root')]"
expect_eq "... the readings in the period only" \
    "$(x_py "$T/x1.json" '[(r["value"], r["note"]) for r in d["readings"]]')" \
    "[(97, 'first'), (99.25, '')]"
expect_eq "... contributors and guardrails" \
    "$(x_py "$T/x1.json" '([(c["objective"], c["login"]) for c in d["contributors"]], [(g["objective"], g["kpi"]) for g in d["guardrails"]])')" \
    "([($B, 'xout')], [($A, $K)])"
expect_eq "... the teams of the period and their ancestors" \
    "$(x_py "$T/x1.json" '[t["slug"] for t in d["teams"]]')" \
    "['$XROOT', 'xorg', 'xops', 'xsec']"
expect_eq "... the retrospective notes of its teams" \
    "$(x_py "$T/x1.json" '[(r["team"], r["author"], r["note"]) for r in d["retros"]]')" \
    "[('xops', 'root', 'went well\\nline 2')]"
expect_eq "... the comments, naming their things by the document's ids" \
    "$(x_py "$T/x1.json" '[(c["thing"], c["objective"], c["kr"], c["kpi"], c["checkin_at"] is not None, c["author"], c["text"], c["edited_at"] is not None) for c in d["comments"]]')" \
    "[('objective', $A, None, None, False, 'root', 'Top \"comment\"\\nsecond line', False), ('kr', None, $K1, None, False, 'xlead', 'revenue, @xmem?', True), ('checkin', None, $K1, None, True, 'root', 'first one', False), ('kpi', None, None, $K, False, 'xkpi', 'uptime ok', False), ('objective', $C, None, None, False, 'xmem', 'secret comment', False)]"
expect_eq "... the users it names, by login" \
    "$(x_py "$T/x1.json" '[u["login"] for u in d["users"]]')" \
    "['root', 'xkpi', 'xlead', 'xmem', 'xout']"

expect_exit "a member's export" 0 as xout export --period x-q1 --out "$T/x-out.json"
expect_eq "... leaves out the private team's objective and what hangs on it" \
    "$(x_py "$T/x-out.json" '(sorted(o["title"] for o in d["objectives"]), sorted(k["title"] for k in d["key_results"]), len(d["checkins"]))')" \
    "(['Archived', 'Ops goal', 'Top \"quoted\" goal, ünïcode'], ['Launch', 'Revenue', 'Uptime held'], 3)"
expect_eq "... and the private objective's comments" \
    "$(x_py "$T/x-out.json" 'sorted(c["text"] for c in d["comments"])')" \
    "['Top \"comment\"\\nsecond line', 'first one', 'revenue, @xmem?', 'uptime ok']"

expect_eq "an export asked without parts is E_LIMIT" \
    "$(python3 "$HERE/export_raw.py" "$ADDR" "$T/certs/ca.pem" xlead pw-xlead-export x-q1 2>&1)" E_LIMIT
expect_exit "... and cairnd still serves" 0 as admin ping

expect_exit "CSV to stdout is refused" 2 as admin export --period x-q1 --format csv
expect_exit "an unknown format is refused" 2 as admin export --period x-q1 --format xml
expect_exit "CSV into a directory" 0 as admin export --period x-q1 --format csv --out "$T/xcsv"
expect_eq "... one file per set" "$(cd "$T/xcsv" && ls | tr '\n' ' ')" \
    "checkins.csv comments.csv contributors.csv guardrails.csv key_results.csv kpis.csv objectives.csv period.csv readings.csv retros.csv teams.csv users.csv "
x_csv_same() {	# every CSV table holds the JSON set's rows, cell by cell
	python3 - "$T/x1.json" "$T/xcsv" <<'PY'
import csv, json, sys
d = json.load(open(sys.argv[1]))
def cell(v):
    if v is None: return ""
    if v is True: return "true"
    if v is False: return "false"
    return str(v)
for s, rows in d.items():
    if s in ("format", "version"): continue
    rows = [rows] if s == "period" else rows
    with open("%s/%s.csv" % (sys.argv[2], s), newline="") as f:
        got = list(csv.reader(f))
    want = [list(rows[0].keys())] if rows else None
    if rows and got[0] != want[0]:
        print(s, "header", got[0], want[0]); sys.exit(1)
    for r, g in zip(rows, got[1:]):
        if [cell(v) for v in r.values()] != g:
            print(s, r, g); sys.exit(1)
    if len(got) - 1 != len(rows):
        print(s, len(got) - 1, len(rows)); sys.exit(1)
PY
}
if out=$(x_csv_same 2>&1); then
	ok "... each table the JSON set's rows, quotes and newlines kept"
else
	not_ok "... each table the JSON set's rows, quotes and newlines kept" "$out"
fi
expect_exit "CSV into a directory that is not empty is refused" 1 as admin \
    export --period x-q1 --format csv --out "$T/xcsv"

# Refusals of import -------------------------------------------------------

expect_exit "import by a member is forbidden" 4 as xlead import "$T/x1.json"
expect_exit "import into a period that is not empty" 7 as admin --json import "$T/x1.json"
expect_match "... E_RULE import.period, saying so" '"E_RULE","message":"period x-q1 is not empty","rule":"import.period"' "$ERR"
# An import is its admin's until committed or aborted: each step on one
# that is not open (never begun, aborted) names it, as the CLI never
# shows (it begins its own).
out=$(CL_HERE=$HERE python3 - "$ADDR" "$T/certs/ca.pem" "$ADMIN_PW" "$(x_day '+400 days')" <<'PY' 2>&1
import json, os, sys
sys.path.insert(0, os.environ["CL_HERE"])
from rawconn import Raw
addr, ca, pw, day = sys.argv[1:5]
r = Raw(addr, ca, "export.sh")
assert r.login("root", pw)
def show(x):
    print(json.dumps(x.get("result") if x.get("ok") else x.get("error"),
                     sort_keys=True))
b = r.call("import.begin", {"period": {"name": "x-open", "start_date": day,
                                      "end_date": day, "state": "draft"}})
imp = b["result"]["import"]
show(r.call("import.rows", {"import": imp + 1000, "set": "users",
                            "rows": [{"login": "x-nobody", "name": "N"}]}))
show(r.call("import.rows", {"import": imp, "set": "users",
                            "rows": [{"login": "x-nobody", "name": "N"}]}))
show(r.call("import.abort", {"import": imp}))
show(r.call("import.abort", {"import": imp}))
show(r.call("import.rows", {"import": imp, "set": "users", "rows": []}))
show(r.call("import.commit", {"import": imp}))
print(imp)
PY
)
imp=$(echo "$out" | sed -n 7p)
expect_eq "import.rows into an import never begun: E_NOT_FOUND, named" "$(echo "$out" | sed -n 1p)" '{"code": "E_NOT_FOUND", "field": "import", "message": "no import '$((imp + 1000))' of yours is open"}'
expect_eq "import.rows into one's own: staged" "$(echo "$out" | sed -n 2p)" '{"staged": 1, "total": 1}'
expect_eq "import.abort: aborted" "$(echo "$out" | sed -n 3p)" '{"aborted": true}'
expect_eq "... again: E_NOT_FOUND, named" "$(echo "$out" | sed -n 4p)" '{"code": "E_NOT_FOUND", "field": "import", "message": "no import '"$imp"' of yours is open"}'
expect_eq "import.rows after abort: E_NOT_FOUND" "$(echo "$out" | sed -n 5p)" "$(echo "$out" | sed -n 4p)"
expect_eq "import.commit after abort: E_NOT_FOUND" "$(echo "$out" | sed -n 6p)" "$(echo "$out" | sed -n 4p)"
printf '{"format": "cairn-export", "version": 1, "period": ' > "$T/x-bad.json"
expect_exit "a file that is not JSON" 7 as admin import "$T/x-bad.json"
expect_match "... E_INVALID" "E_INVALID|not JSON" "$ERR"
expect_exit "JSON that is no export" 7 as admin import "$T/cairnd.conf"
echo '{"format": "other", "version": 1}' > "$T/x-bad.json"
expect_exit "a document of another format" 7 as admin import "$T/x-bad.json"
expect_eq "no import left open on the first server" \
    "$(psql_cairn -c 'SELECT count(*) FROM imports')" 0

# Round trip into a fresh database ----------------------------------------

if x_start2; then
	expect_exit "import into a fresh database: users and teams missing" 7 \
	    x2 admin import "$T/x1.json"
	expect_match "... E_RULE import.unknown" "import.unknown" "$ERR"
	expect_match "... naming every missing user" \
	    "unknown users: xkpi, xlead, xmem, xout;" "$ERR"
	for x in "$XROOT" xops xorg xsec; do
		expect_match "... every missing team: $x" "unknown teams: [^;]*$x" "$ERR"
	done
	expect_match "... and the parent outside the period" \
	    "unknown parent objectives: x-year/xorg/Year goal" "$ERR"
	expect_eq "... creating nothing, leaving no stage" \
	    "$(psql2 -c "SELECT (SELECT count(*) FROM periods) + (SELECT count(*) FROM imports)")" 0

	# The users, teams and memberships the export names, and the year's
	# objective, as an operator would set them up (docs/operations.md).
	python3 - "$T/x1.json" > "$T/x2-setup" <<'PY'
import json, shlex, sys
d = json.load(open(sys.argv[1]))
for u in d["users"]:
    if u["login"] != "root":
        print("user add %s --name %s" % (u["login"], shlex.quote(u["name"])))
done, teams = set(), d["teams"]
while len(done) < len(teams):
    for t in teams:
        if t["slug"] not in done and (t["parent"] is None or t["parent"] in done):
            print("team add %s --name %s%s%s" % (t["slug"], shlex.quote(t["name"]),
                " --parent " + t["parent"] if t["parent"] else "",
                " --private" if t["private"] else ""))
            done.add(t["slug"])
PY
	while read -r line; do
		eval "set -- $line"
		case $1 in
		user) quietly "x2 $*" sh -c 'echo pw-x2-user | XDG_CONFIG_HOME='"$T"'/home-x2-admin "$0" --server '"$ADDR2"' "$@" --password-stdin' "$BIN/cairn" "$@";;
		*) quietly "x2 $*" x2 admin "$@";;
		esac
	done < "$T/x2-setup"
	psql_cairn -c "SELECT t.slug || ' ' || u.login || ' ' || m.role
	    FROM team_members m JOIN teams t ON t.id = m.team_id
	    JOIN users u ON u.id = m.user_id
	    WHERE t.slug IN ('$XROOT', 'xorg', 'xops', 'xsec')
	    AND u.login IN ('xlead', 'xmem', 'xout', 'xkpi') ORDER BY 1" |
	while read -r slug login role; do
		if [ "$role" = lead ]; then
			quietly "x2 member $slug $login" x2 admin team member add "$slug" "$login" --lead
		else
			quietly "x2 member $slug $login" x2 admin team member add "$slug" "$login"
		fi
	done
	quietly "x2 period x-year" x2 admin period add x-year \
	    --start "$(x_day '-200 days')" --end "$(x_day '+200 days')"
	quietly "x2 open x-year" x2 admin period open x-year
	quietly "x2 obj Y" x2 admin obj add --team xorg --period x-year \
	    --title 'Year goal' --owner xlead

	# Bad rows: refused naming the row and column, nothing staged.
	python3 - "$T/x1.json" "$T/x-rows" <<'PY'
import copy, json, sys
d = json.load(open(sys.argv[1]))
def put(name, f):
    x = copy.deepcopy(d); f(x); json.dump(x, open(sys.argv[2] + name, "w"))
put("-title.json", lambda x: x["objectives"][1].update(title="t" * 201))
put("-column.json", lambda x: x["key_results"][0].update(colour="red"))
put("-type.json", lambda x: x["key_results"][0].update(type="sideways"))
put("-time.json", lambda x: x["checkins"][0].update(at="yesterday"))
put("-ref.json", lambda x: x["checkins"][0].update(kr=987654321))
put("-set.json", lambda x: x.update(gossip=[{"a": 1}]))
put("-so-state.json", lambda x: x["objectives"][1].update(signoff="maybe"))
put("-so-by.json", lambda x: x["objectives"][1].update(signoff_by=None))
put("-so-who.json", lambda x: x["objectives"][1].update(signoff_by="nobody9"))
put("-so-note.json", lambda x: x["objectives"][1].update(signoff="sent_back", signoff_note=None))
def many(x):
    x["users"] = [dict(login="u%d" % i, name="U") for i in range(1001)]
put("-many.json", many)
PY
	expect_exit "a title over 200 bytes" 7 x2 admin --json import "$T/x-rows-title.json"
	expect_match "... E_LIMIT named by row and column" '"E_LIMIT".*"field":"rows\[1\]\.title"' "$ERR"
	expect_exit "an unknown column" 7 x2 admin --json import "$T/x-rows-column.json"
	expect_match "... E_INVALID, named" '"E_INVALID".*"field":"rows\[0\]\.colour"' "$ERR"
	expect_exit "a key result of no known type" 7 x2 admin --json import "$T/x-rows-type.json"
	expect_match "... E_INVALID naming the choices" '"E_INVALID".*increase.decrease.*"field":"rows\[0\]\.type"' "$ERR"
	expect_exit "a time that is not one" 7 x2 admin --json import "$T/x-rows-time.json"
	expect_match "... named" '"field":"rows\[0\]\.at"' "$ERR"
	expect_exit "a check-in of a key result the document lacks" 7 x2 admin import "$T/x-rows-ref.json"
	expect_match "... E_RULE import.reference" "key result 987654321 .rule import.reference" "$ERR"
	expect_exit "a set no export has" 7 x2 admin import "$T/x-rows-set.json"
	expect_match "... named" "no set gossip" "$ERR"
	expect_exit "a sign-off state that is none" 7 x2 admin --json import "$T/x-rows-so-state.json"
	expect_match "... E_INVALID naming the states" '"E_INVALID".*proposed.approved.sent_back.*"field":"rows\[1\]\.signoff"' "$ERR"
	expect_exit "an approval that names no approver" 7 x2 admin import "$T/x-rows-so-by.json"
	expect_match "... E_RULE import.signoff" "a decision names who and when.*rule import.signoff" "$ERR"
	expect_exit "an approver this database lacks" 7 x2 admin import "$T/x-rows-so-who.json"
	expect_match "... E_RULE import.unknown" "unknown users: nobody9" "$ERR"
	expect_exit "sent back without a note" 7 x2 admin import "$T/x-rows-so-note.json"
	expect_match "... E_RULE import.signoff" "import.signoff" "$ERR"
	expect_exit "a chunk of 1001 rows" 7 x2 admin --json import --chunk 1001 "$T/x-rows-many.json"
	expect_match "... E_LIMIT naming the rows" '"E_LIMIT".*"field":"rows"' "$ERR"
	expect_eq "nothing of the refused imports is in the database" \
	    "$(psql2 -c "SELECT (SELECT count(*) FROM periods WHERE name = 'x-q1') + (SELECT count(*) FROM imports) + (SELECT count(*) FROM checkins)")" 0

	# A refusal of the database's own, in the middle of the apply.
	quietly "x2 max_key_results 1" x2 admin settings set max_key_results 1
	expect_exit "an import past the key result limit" 7 x2 admin import "$T/x1.json"
	expect_match "... E_RULE limit.key_results" "limit.key_results" "$ERR"
	expect_eq "... all or nothing: no period, no objective" \
	    "$(psql2 -c "SELECT (SELECT count(*) FROM periods WHERE name = 'x-q1') + (SELECT count(*) FROM objectives WHERE title <> 'Year goal')")" 0
	quietly "x2 max_key_results 5" x2 admin settings set max_key_results 5

	expect_exit "import into the fresh database" 0 x2 admin --json import --chunk 2 "$T/x1.json"
	expect_match "... counts what it made" '"objectives":4,"key_results":4,"checkins":4,"kpis_created":1,"readings":2' "$OUT"
	expect_exit "export it again" 0 x2 admin export --period x-q1 --out "$T/x2.json"
	if out=$(python3 "$HERE/export_cmp.py" "$T/x1.json" "$T/x2.json" 2>&1); then
		ok "... the same document but for ids"
	else
		not_ok "... the same document but for ids" "$out"
	fi
	if ! cmp -s "$T/x1.json" "$T/x2.json"; then
		ok "... (and the ids did change: the comparison is not empty)"
	else
		not_ok "... (and the ids did change: the comparison is not empty)"
	fi
	# (Stored progress comes with migration 012; before it, progress is
	# computed per read and the round trip above compares it.)
	if [ "$(psql2 -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'objectives' AND column_name = 'progress'")" = 1 ]; then
		expect_eq "stored progress is the computed one after import" \
		    "$(psql2 -c "SELECT count(*) FROM objectives o WHERE abs(o.progress - objective_progress(o.id)) > 1e-9")" 0
	fi
	expect_eq "the bound key result follows its KPI on the new server" \
	    "$(psql2 -c "SELECT k.current FROM key_results k WHERE k.kpi_id IS NOT NULL")" "99.25"
	expect_eq "the check-ins kept their times" \
	    "$(psql2 -c "SELECT string_agg(export_time(at), ',' ORDER BY id) FROM checkins")" \
	    "$(psql_cairn -c "SELECT string_agg(export_time(c.at), ',' ORDER BY c.id) FROM checkins c JOIN key_results k ON k.id = c.kr_id JOIN objectives o ON o.id = k.objective_id JOIN periods p ON p.id = o.period_id WHERE p.name = 'x-q1'")"
	expect_eq "the comments came over, on the same things, recording no mention again" \
	    "$(psql2 -c "SELECT count(*) || ' ' || count(*) FILTER (WHERE via = 'import') || ' ' || (SELECT count(*) FROM comment_mentions) || ' ' || (SELECT count(*) FROM events WHERE entity = 'comment') FROM comments")" "5 5 0 0"
	expect_eq "... the check-in's on the check-in of that time" \
	    "$(psql2 -c "SELECT export_time(ci.at) FROM comments c JOIN checkins ci ON ci.id = c.checkin_id")" \
	    "$(psql_cairn -c "SELECT export_time(at) FROM checkins WHERE id = $XCI")"
	expect_eq "sign-off came over as recorded: B approved by xlead, with its note and time" \
	    "$(psql2 -c "SELECT o.signoff || ' ' || u.login || ' ' || o.signoff_note || ' ' || export_time(o.signoff_at) FROM objectives o JOIN users u ON u.id = o.signoff_by WHERE o.title = 'Ops goal'")" \
	    "$(psql_cairn -c "SELECT o.signoff || ' ' || u.login || ' ' || o.signoff_note || ' ' || export_time(o.signoff_at) FROM objectives o JOIN users u ON u.id = o.signoff_by WHERE o.id = $B")"
	expect_eq "... D still proposed, since the same time" \
	    "$(psql2 -c "SELECT signoff || ' ' || export_time(proposed_at) FROM objectives WHERE title = 'Archived'")" \
	    "$(psql_cairn -c "SELECT signoff || ' ' || export_time(proposed_at) FROM objectives WHERE id = $D")"
	expect_eq "... the team's setting too, audited team.signoff via import" \
	    "$(psql2 -c "SELECT t.signoff || ' ' || a.op || ' ' || a.via FROM teams t JOIN audit_log a ON a.entity_type = 'team' AND a.entity_id = t.id AND a.op = 'team.signoff' WHERE t.slug = 'xops'")" \
	    "true team.signoff import"
	expect_eq "... and nobody asked again to sign off B (approved) or D (archived)" \
	    "$(psql2 -c "SELECT count(*) FROM events WHERE kind LIKE 'signoff.%'")" 0
	expect_eq "the import is in the audit log" \
	    "$(psql2 -c "SELECT count(*) FROM audit_log WHERE op = 'import'")" 1
	expect_exit "a second import into the now full period" 7 x2 admin import "$T/x1.json"
	expect_match "... import.period" "import.period" "$ERR"

	# A period in review comes over in review, with its grades.
	quietly "review x-q1" as admin period review x-q1
	quietly "grade B" as admin grade "$B" 0.75 --note 'most of it'
	quietly "grade C" as admin grade "$C" 0.5
	quietly "export in review" as admin export --period x-q1 --out "$T/x1r.json"
	expect_eq "the export holds the grades and whether they meet" \
	    "$(x_py "$T/x1r.json" '[(o["grade"], o["grade_note"], o["met"]) for o in d["objectives"] if o["id"] in ('"$B,$C"')]')" \
	    "[(0.75, 'most of it', True), (0.5, None, False)]"
	python3 - "$T/x1r.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["period"]["name"] = "x-q1r"
json.dump(d, open(sys.argv[1], "w"))
PY
	quietly "x2 max_objectives 10" x2 admin settings set max_objectives 10
	expect_exit "import of a period in review (under another name)" 0 x2 admin import "$T/x1r.json"
	expect_eq "... lands in review" "$(psql2 -c "SELECT state FROM periods WHERE name = 'x-q1r'")" review
	expect_exit "... and exports again" 0 x2 admin export --period x-q1r --out "$T/x2r.json"
	if out=$(python3 "$HERE/export_cmp.py" "$T/x1r.json" "$T/x2r.json" 2>&1); then
		ok "... the same, grades and all"
	else
		not_ok "... the same, grades and all" "$out"
	fi
	quietly "reopen x-q1" as admin period reopen x-q1
	quietly "export reopened" as admin export --period x-q1 --out "$T/x1g.json"
	python3 - "$T/x1g.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["period"]["name"] = "x-q1g"
json.dump(d, open(sys.argv[1], "w"))
PY
	expect_exit "import of an active period that kept its grades" 0 x2 admin import "$T/x1g.json"
	expect_eq "... active, graded (through review and back)" \
	    "$(psql2 -c "SELECT p.state || ' ' || string_agg(o.grade::text || ':' || o.met, ' ' ORDER BY o.id) FROM periods p JOIN objectives o ON o.period_id = p.id WHERE p.name = 'x-q1g' AND o.grade IS NOT NULL GROUP BY p.state")" \
	    "active 0.75:true 0.5:false"

	# A document far larger than a frame goes up in bounded requests.
	python3 - "$T/x1.json" "$T/x-big.json" <<'PY'
import datetime, json, sys
d = json.load(open(sys.argv[1])); d["period"]["name"] = "x-big"
kr = d["checkins"][0]["kr"]
t0 = datetime.datetime.strptime(d["period"]["start_date"], "%Y-%m-%d")
for i in range(1500):
    at = (t0 + datetime.timedelta(minutes=7 * i)).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    d["checkins"].append(dict(kr=kr, value=i % 100, confidence=None,
        note="bulk %d %s" % (i, "x" * 40), author="root", at=at))
json.dump(d, open(sys.argv[2], "w"))
PY
	big=$(stat -c %s "$T/x-big.json")
	expect_exit "import of a document of $big bytes (max_frame 65536)" 0 \
	    x2 admin --json import "$T/x-big.json"
	expect_match "... every check-in in" '"checkins":1504' "$OUT"
	expect_eq "... the stage dropped" "$(psql2 -c 'SELECT count(*) FROM import_rows')" 0
	if [ "$big" -gt 200000 ]; then ok "... (it is over three frames)"; else not_ok "... (it is over three frames)" "$big"; fi
	expect_exit "its export, in parts" 0 x2 admin export --period x-big --out "$T/x-big2.json"
	if out=$(python3 "$HERE/export_cmp.py" "$T/x-big.json" "$T/x-big2.json" 2>&1); then
		ok "... gives back the document but for ids"
	else
		not_ok "... gives back the document but for ids" "$out"
	fi
	big=$(stat -c %s "$T/x-big2.json")
	if [ "$big" -gt 200000 ]; then ok "... $big bytes through a 64 KiB frame"; else not_ok "... $big bytes through a 64 KiB frame"; fi

	kill -TERM "$X2_PID" 2>/dev/null
	wait "$X2_PID"
	X2_PID=
fi
