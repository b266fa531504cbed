# leaks.sh: nothing of a private team reaches a reader who may not read it,
# by any read or link (issue 13, items 1 to 3; docs/rules.md "Reading:
# private teams", docs/protocol.md "export").  Sourced by suite.sh, after login_admin (lib.sh's `as` and admin session); its own helpers otherwise.
#
# A private team lkp has a public sub-team lks.  What no reader below may
# learn is marked LKSECRET in its title, name or note, and the private
# KPI's readings are values found nowhere else (987.25, 986.5):
#   lkp  private: year objective PY (LKSECRET), quarter objective PQ under
#        it (granted to lkcon), its KR and check-in, KPI PK (LKSECRET,
#        red), a KPI PL owned by lkleft, a retrospective note (LKSECRET)
#   lks  public, under lkp: SQ aligned under PY (a parent in another
#        period), SQ2 under PQ, SQ guarded by PK, KR BK on SQ bound to PK
# Readers: lkout (in no team), lksub (member of lks), lkcon (contributor
# to PQ only), lkleft (member of lkp, who then leaves).  Each assertion is
# paired with one that the admin does see the private end, so that none
# can pass by showing nothing.

lk_py() {	# lk_py EXPR: EXPR of the JSON document d read from $OUT
	printf '%s' "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); print(($1))" 2>&1
}
# The tree's objectives, nested by children, as one list (for lk_py).
LK_NODES='(lambda f: f(f, d["objectives"]))(lambda f, l: [x for n in l for x in [n] + f(f, n.get("children", []))])'
lk_secret() {	# lk_secret NAME: $OUT holds no private title, note or value
	local hit
	hit=$(printf '%s' "$OUT" | grep -oE 'LKSECRET[^"]*|987\.25|986\.5' | sort -u | tr '\n' ' ')
	if [ -z "$hit" ]; then ok "$1: nothing private"; else not_ok "$1: nothing private" "found: $hit"; fi
}
lk_user() {	# lk_user LOGIN: a member, created by the admin, logged in
	quietly "user $1" sh -c "echo 'pw-$1-leaks' | XDG_CONFIG_HOME=$T/home-admin \
	    $BIN/cairn user add $1 --name 'User $1' --role member --password-stdin"
	quietly "login $1" sh -c "echo 'pw-$1-leaks' |
	    XDG_CONFIG_HOME=$T/home-$1 $BIN/cairn login $1 --password-stdin"
}

for u in lkout lksub lkcon lkleft; do lk_user "$u"; done
# Under the root team (another suite's, or one of our own).
LKROOT=$(psql_cairn -c "SELECT slug FROM teams WHERE parent_id IS NULL")
if [ -z "$LKROOT" ]; then
	quietly "root team" as admin team add lkroot --name Root
	LKROOT=lkroot
fi
quietly "team lkp" as admin team add lkp --name "Private ops" --parent "$LKROOT" --private
quietly "team lks" as admin team add lks --name "Public sub-team" --parent lkp
# root owns the objectives and key results (owner.member).
quietly "root in lkp" as admin team member add lkp root
quietly "root in lks" as admin team member add lks root
quietly "lksub in lks" as admin team member add lks lksub
quietly "lkleft in lkp" as admin team member add lkp lkleft
quietly "period lk-y" as admin period add lk-y --start 2026-01-01 --end 2026-12-31
quietly "period lk-y open" as admin period open lk-y
quietly "period lk-q" as admin period add lk-q --start 2026-10-01 --end 2026-12-31
quietly "period lk-q open" as admin period open lk-q

quietly "PY" as admin obj add --team lkp --period lk-y --owner root --title "LKSECRET year objective"
PY=$OUT
quietly "PQ" as admin obj add --team lkp --period lk-q --owner root --title "lk granted objective" --parent "$PY"
PQ=$OUT
quietly "PQ's KR" as admin kr add "$PQ" --title "lk granted kr" --type increase --target 10 --owner root
PQK=$OUT
quietly "PQ's check-in" as admin kr checkin "$PQK" 3 --note "lk granted checkin"
quietly "grant PQ to lkcon" as admin obj grant "$PQ" lkcon
quietly "PK" as admin kpi add --team lkp --name "LKSECRET kpi" --unit ms --direction up --green 1000 --amber 995
PK=$OUT
quietly "PK reading" as admin kpi record "$PK" 987.25 --note "LKSECRET reading"
quietly "PL, owned by lkleft, never read" as admin kpi add --team lkp --name "LKSECRET left kpi" --unit ms --direction up --green 10 --amber 5 --owner lkleft
PL=$OUT
quietly "retro of lkp" as admin retro lkp --period lk-q --note "LKSECRET retro note"

quietly "SQ" as admin obj add --team lks --period lk-q --owner root --title "lk public objective" --parent "$PY"
SQ=$OUT
quietly "SQ2" as admin obj add --team lks --period lk-q --owner root --title "lk public child" --parent "$PQ"
SQ2=$OUT
quietly "SQ guarded by PK" as admin obj guard "$SQ" --kpi "$PK"
quietly "BK bound to PK (start: its reading)" as admin kr add "$SQ" --title "lk bound kr" --type increase --target 2000 --unit ms --owner root --kpi "$PK"
BK=$OUT
quietly "a second PK reading (BK's current)" as admin kpi record "$PK" 986.5
quietly "a public KPI" as admin kpi add --team lks --name "lk public kpi" --unit ms --direction up --green 10 --amber 5
SK=$OUT
quietly "its reading" as admin kpi record "$SK" 42

# The admin reads every end: the links exist, so the checks below can fail.
expect_exit "admin: obj show SQ" 0 as admin --json obj show "$SQ"
expect_eq "admin: SQ's parent, guardrail and bound KR name the private ends" \
    "$(lk_py 'd["parent"], d["parent_hidden"], [g["kpi"] for g in d["guardrails"]], d["guardrail_breach"], [(k["kpi"], k["kpi_hidden"], k["start"], k["current"]) for k in d["key_results"]]')" \
    "($PY, False, [$PK], True, [($PK, False, 987.25, 986.5)])"
expect_exit "admin: export lk-q" 0 as admin export --period lk-q
expect_eq "admin: the export holds the private notes, parents and KPI" \
    "$(lk_py '[r["note"] for r in d["retros"]], sorted(o["parent_title"] or "" for o in d["objectives"]), [k["name"] for k in d["kpis"] if k["id"] == '"$PK"']')" \
    "(['LKSECRET retro note'], ['', 'LKSECRET year objective', 'LKSECRET year objective'], ['LKSECRET kpi'])"

# Item 1: export, as each reader -------------------------------------------

for who in lkout lksub lkcon; do
	expect_exit "$who: export lk-q" 0 as "$who" export --period lk-q
	lk_secret "$who: export"
	expect_eq "$who: export: no retrospective note of the private team (retro.get's rule)" \
	    "$(lk_py '[r["team"] for r in d["retros"] if r["team"] == "lkp"]')" "[]"
	expect_eq "$who: export: SQ's parent, a private year objective, is hidden (no id, period, team, title)" \
	    "$(lk_py '[(o["parent"], o["parent_period"], o["parent_team"], o["parent_title"]) for o in d["objectives"] if o["id"] == '"$SQ"']')" \
	    "[(None, None, None, None)]"
	expect_eq "$who: export: no private objective but those granted (objective.get's rule)" \
	    "$(lk_py 'sorted(o["id"] for o in d["objectives"] if o["team"] == "lkp")')" \
	    "$([ "$who" = lkcon ] && echo "[$PQ]" || echo "[]")"
	expect_eq "$who: export: no private KPI, reading, guardrail or binding (kpi.get's rule)" \
	    "$(lk_py '[k["id"] for k in d["kpis"] if k["team"] == "lkp"], [r["kpi"] for r in d["readings"] if r["kpi"] in ('"$PK,$PL"')], [g["kpi"] for g in d["guardrails"]], [k["id"] for k in d["key_results"] if k["id"] == '"$BK"' or k["kpi"] == '"$PK"']')" \
	    "([], [], [], [])"
	expect_eq "$who: export: the public KPI and its reading are there" \
	    "$(lk_py '[k["id"] for k in d["kpis"]], [r["value"] for r in d["readings"]]')" "([$SK], [42])"
done
expect_eq "lkcon: export: PQ's parent, the private year objective, is hidden" \
    "$(lk_py '[(o["parent"], o["parent_period"], o["parent_team"], o["parent_title"]) for o in d["objectives"] if o["id"] == '"$PQ"']')" \
    "[(None, None, None, None)]"
expect_eq "lkcon: export: SQ2's parent PQ, which lkcon reads, by id" \
    "$(lk_py '[o["parent"] for o in d["objectives"] if o["id"] == '"$SQ2"']')" "[$PQ]"
expect_eq "lkcon: export: PQ's KR and check-in, which lkcon reads" \
    "$(lk_py '[k["title"] for k in d["key_results"] if k["objective"] == '"$PQ"'], [c["note"] for c in d["checkins"]]')" \
    "(['lk granted kr'], ['lk granted checkin'])"

# Item 3: links, in every read that returns them ---------------------------

for who in lkout lksub lkcon; do
	expect_exit "$who: obj show SQ" 0 as "$who" --json obj show "$SQ"
	lk_secret "$who: obj show SQ"
	expect_eq "$who: obj show SQ: parent hidden, no id" \
	    "$(lk_py 'd["parent"], d["parent_hidden"]')" "(None, True)"
	expect_eq "$who: obj show SQ: the guardrail is hidden (no id, name, health), its breach not counted" \
	    "$(lk_py 'd["guardrails"], d["guardrail_breach"]')" "([{'hidden': True}], False)"
	expect_eq "$who: obj show SQ: the bound KR shows no KPI, start, current, progress or staleness" \
	    "$(lk_py '[(k["kpi"], k["kpi_hidden"], k["start"], k["current"], k["progress"], k["attainment"], k["stale"], k["target"]) for k in d["key_results"]]')" \
	    "[(None, True, None, None, None, None, None, 2000)]"
	expect_exit "$who: obj list lk-q" 0 as "$who" --json obj list --period lk-q
	lk_secret "$who: obj list"
	expect_eq "$who: obj list: SQ's parent and guardrail hidden" \
	    "$(lk_py '[(o["parent"], o["parent_hidden"], o["guardrails"], o["guardrail_breach"]) for o in d if o["id"] == '"$SQ"']')" \
	    "[(None, True, [{'hidden': True}], False)]"
	expect_exit "$who: kr show BK" 0 as "$who" --json kr show "$BK"
	lk_secret "$who: kr show BK"
	expect_eq "$who: kr show BK: no KPI id, no value" \
	    "$(lk_py 'd["kpi"], d["kpi_hidden"], d["start"], d["current"], d["progress"], d["stale"]')" "(None, True, None, None, None, None)"
	expect_exit "$who: review lk-q" 0 as "$who" --json review --period lk-q
	lk_secret "$who: review"
	expect_eq "$who: review: no guardrail breach of a KPI they may not read, no private KPI item" \
	    "$(lk_py '[(i["kind"], i["id"]) for i in d if i["kind"] == "guardrail_breach" or (i["kind"].startswith("kpi_") and i["id"] in ('"$PK,$PL"'))]')" "[]"
	expect_exit "$who: tree lk-q" 0 as "$who" --json tree --period lk-q
	lk_secret "$who: tree"
	expect_eq "$who: tree: SQ shows no parent id and no breach of a hidden guardrail" \
	    "$(lk_py '[(n["parent"], n["guardrail_breach"]) for n in '"$LK_NODES"' if n.get("id") == '"$SQ"']')" \
	    "[(None, False)]"
	expect_exit "$who: tree --team lks" 0 as "$who" --json tree --period lk-q --team lks
	lk_secret "$who: tree --team lks"
	expect_eq "$who: tree --team lks: the same" \
	    "$(lk_py '[(n["parent"], n["guardrail_breach"]) for n in '"$LK_NODES"' if n.get("id") == '"$SQ"']')" \
	    "[(None, False)]"
	expect_exit "$who: obj show SQ (human)" 0 as "$who" obj show "$SQ"
	expect_match "$who: obj show SQ (human): the parent reads (hidden)" '^parent: \(hidden\)$' "$OUT"
	expect_match "$who: obj show SQ (human): so does the guardrail" '^\(hidden\) +\(hidden\)' "$OUT"
done
expect_exit "lkcon: obj show PQ" 0 as lkcon --json obj show "$PQ"
lk_secret "lkcon: obj show PQ"
expect_eq "lkcon: PQ (granted) shows its private parent hidden" \
    "$(lk_py 'd["parent"], d["parent_hidden"], d["title"]')" "(None, True, 'lk granted objective')"
expect_exit "lkcon: obj show SQ2" 0 as lkcon --json obj show "$SQ2"
expect_eq "lkcon: SQ2's parent PQ, which lkcon reads, by id" "$(lk_py 'd["parent"], d["parent_hidden"]')" "($PQ, False)"
expect_exit "lkout: obj show SQ2" 0 as lkout --json obj show "$SQ2"
expect_eq "lkout: SQ2's parent PQ hidden" "$(lk_py 'd["parent"], d["parent_hidden"]')" "(None, True)"
expect_exit "admin: review lk-q" 0 as admin --json review --period lk-q
expect_match "admin: review names the breach of PK on SQ" "LKSECRET kpi" "$OUT"
expect_exit "admin: tree lk-q" 0 as admin --json tree --period lk-q
expect_eq "admin: tree: SQ's parent and breach" \
    "$(lk_py '[(n["parent"], n["guardrail_breach"]) for n in '"$LK_NODES"' if n.get("id") == '"$SQ"']')" \
    "[($PY, True)]"

# Item 2: due after leaving the private team ------------------------------

expect_exit "lkleft: due while in lkp" 0 as lkleft --json due
expect_match "lkleft: due names PL while a member" "LKSECRET left kpi" "$OUT"
quietly "lkleft leaves lkp" as admin team member rm lkp lkleft
expect_exit "lkleft: kpi show PL after leaving" 5 as lkleft --json kpi show "$PL"
expect_exit "lkleft: due after leaving" 0 as lkleft --json due
lk_secret "lkleft: due after leaving"
expect_eq "lkleft: due: no item of the private team" \
    "$(lk_py '[(i["kind"], i["id"]) for i in d if i["team"] == "lkp"]')" "[]"
