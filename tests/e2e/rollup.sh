# rollup.sh: the executive roll-up (issue 8): cairn tree, health, review and
# due through the real command line (sourced by suite.sh, after login_admin: uses
# its `as` helper and the admin session in home-admin).  A small
# organisation of its own (teams rl-*, periods rl-*) whose expected trees,
# health parts and review items follow from how it was built, here.

rl_q() {	# rl_q SQL: one value from the database
	psql_cairn -c "$1"
}

# rl_py EXPR: evaluate a Python expression over the JSON in $OUT (as d).
rl_py() {
	printf '%s' "$OUT" | python3 -c "import json, sys
d = json.load(sys.stdin)
print($1)" 2>&1
}

rl_login() {	# rl_login USER ROLE
	expect_exit "rollup: user $1" 0 sh -c "echo rl-pw-$1 | XDG_CONFIG_HOME=$T/home-admin $BIN/cairn user add $1 --name '$1' --role $2 --password-stdin"
	expect_exit "rollup: $1 logs in" 0 sh -c "echo rl-pw-$1 | XDG_CONFIG_HOME=$T/home-$1 $BIN/cairn login $1 --password-stdin"
}

rl_id() {	# rl_id NAME WHO ARGS...: run, expect success, print the id
	local name=$1
	shift
	expect_exit "rollup: $name" 0 as "$@" >&2
	echo "$OUT" | json_field id
}

# Setup ----------------------------------------------------------------------

rl_root=$(rl_q "SELECT slug FROM teams WHERE parent_id IS NULL")
if [ -z "$rl_root" ]; then
	expect_exit "rollup: a root team" 0 as admin team add rl-root --name "Root"
	rl_root=rl-root
fi
rl_login rl-exec executive
rl_login rl-lead member
rl_login rl-mem member
rl_login rl-sec member
rl_login rl-web member
rl_login rl-out member
for t in ops:$rl_root eng:rl-ops web:rl-ops; do
	expect_exit "rollup: team rl-${t%%:*}" 0 as admin team add "rl-${t%%:*}" --name "${t%%:*}" --parent "${t#*:}"
done
expect_exit "rollup: private team rl-sec" 0 as admin team add rl-sec --name sec --parent rl-ops --private
expect_exit "rollup: lead of ops" 0 as admin team member add rl-ops rl-lead --lead
expect_exit "rollup: member of eng" 0 as admin team member add rl-eng rl-mem
expect_exit "rollup: member of sec" 0 as admin team member add rl-sec rl-sec
expect_exit "rollup: member of web" 0 as admin team member add rl-web rl-web

rl_today=$(date -u +%F)
rl_start=$(date -u -d '-10 days' +%F)
rl_end=$(date -u -d '+9 days' +%F)
expect_exit "rollup: period rl-q" 0 as admin period add rl-q --start "$rl_start" --end "$rl_end"
expect_exit "rollup: rl-q active" 0 as admin period open rl-q

o1=$(rl_id "O1 in ops" rl-lead --json obj add --team rl-ops --period rl-q --title "Ops top")
o2=$(rl_id "O2 in eng under O1" rl-lead --json obj add --team rl-eng --period rl-q --title "Eng child" --owner rl-mem --parent "$o1")
o3=$(rl_id "O3 in sec under O1" admin --json obj add --team rl-sec --period rl-q --title "Sec secret" --owner rl-sec --parent "$o1")
o4=$(rl_id "O4 in web, unaligned" rl-lead --json obj add --team rl-web --period rl-q --title "Web orphan" --owner rl-web)
o5=$(rl_id "O5 in eng under O2" rl-lead --json obj add --team rl-eng --period rl-q --title "Eng grandchild" --owner rl-mem --parent "$o2")
k1=$(rl_id "k1 on O1" rl-lead --json kr add "$o1" --title k1 --type increase --target 100 --owner rl-lead)
k2=$(rl_id "k2 on O2" rl-lead --json kr add "$o2" --title k2 --type increase --target 100 --owner rl-mem)
k3=$(rl_id "k3 on O3" admin --json kr add "$o3" --title k3 --type increase --target 100 --owner rl-sec)
k4=$(rl_id "k4 on O4" rl-lead --json kr add "$o4" --title k4 --type increase --target 100 --owner rl-web)
k5=$(rl_id "k5 on O5" rl-lead --json kr add "$o5" --title k5 --type increase --target 100 --owner rl-mem)
k6=$(rl_id "k6 on O1" rl-lead --json kr add "$o1" --title k6 --type boolean --target 1 --owner rl-lead)
expect_exit "rollup: k1 at 80" 0 as rl-lead kr checkin "$k1" 80 --confidence 8
expect_exit "rollup: k6 done" 0 as rl-lead kr checkin "$k6" 1 --confidence 9
expect_exit "rollup: k2 at 10" 0 as rl-mem kr checkin "$k2" 10 --confidence 8
expect_exit "rollup: k3 at 30" 0 as rl-sec kr checkin "$k3" 30 --confidence 8
# k4 never checked in, created a month ago: stale; k6's last check-in ten
# days ago: due (due_days 7) but not stale (stale_days 14).
rl_q "UPDATE key_results SET created_at = now() - interval '30 days' WHERE id = $k4" >/dev/null
rl_q "UPDATE key_results SET checked_at = now() - interval '10 days', created_at = now() - interval '10 days' WHERE id = $k6" >/dev/null
# KPIs of ops: red (guarding O1), amber, and one never read (stale).
kred=$(rl_id "KPI red" rl-lead --json kpi add --team rl-ops --name uptime --unit % --direction up --green 99 --amber 95 --owner rl-lead)
kamb=$(rl_id "KPI amber" rl-lead --json kpi add --team rl-ops --name latency --unit ms --direction down --green 100 --amber 200)
knone=$(rl_id "KPI unread" rl-lead --json kpi add --team rl-ops --name tickets --unit n --direction down --green 10 --amber 20 --owner rl-lead)
expect_exit "rollup: red reading" 0 as rl-lead kpi record "$kred" 90
expect_exit "rollup: amber reading" 0 as rl-lead kpi record "$kamb" 150
expect_exit "rollup: O1 guarded by the red KPI" 0 as rl-lead obj guard "$o1" --kpi "$kred"
# eng's assessment recommends okr; eng runs hybrid.
expect_exit "rollup: eng assessed (okr)" 0 as admin assess rl-eng \
    $(for k in rapid_growth cross_functional innovation alignment_challenges flexibility strategic_alignment focus_on_change engagement short_term cross_departmental aspiration innovation_culture; do printf -- '--set %s=5 ' $k; done)
rl_rec=$(rl_q "SELECT recommendation FROM assessments WHERE team_id = (SELECT id FROM teams WHERE slug = 'rl-eng') ORDER BY id DESC LIMIT 1")
expect_eq "rollup: the assessment recommends okr" "$rl_rec" okr

# The tree ---------------------------------------------------------------------

expect_exit "tree --team as the executive" 0 as rl-exec --json tree --period rl-q --team rl-ops
expect_eq "tree: one top objective, O1" "$(rl_py "[o['id'] for o in d['objectives']]")" "[$o1]"
expect_eq "tree: O1's children are O2 and O3" "$(rl_py "[c['id'] for c in d['objectives'][0]['children']]")" "[$o2, $o3]"
expect_eq "tree: O5 under O2" "$(rl_py "[c['id'] for c in d['objectives'][0]['children'][0]['children']]")" "[$o5]"
expect_eq "tree: only objectives and teams at the top" "$(rl_py "sorted(d.keys())")" "['objectives', 'teams']"
expect_eq "tree: a node's fields" "$(rl_py "sorted(k for k in d['objectives'][0] if k in ('id','title','team','owner','progress','expected','status','stale','guardrail_breach','children'))")" "['children', 'expected', 'guardrail_breach', 'id', 'owner', 'progress', 'stale', 'status', 'team', 'title']"
expect_eq "tree: team and owner" "$(rl_py "(d['objectives'][0]['team'], d['objectives'][0]['owner'])")" "('rl-ops', 'rl-lead')"
expect_eq "tree: the executive reads the private O3" "$(rl_py "d['objectives'][0]['children'][1]['title']")" "Sec secret"
expect_eq "tree: O1 breaches its guardrail" "$(rl_py "d['objectives'][0]['guardrail_breach']")" True
expect_eq "tree: O2 does not" "$(rl_py "d['objectives'][0]['children'][0]['guardrail_breach']")" False
expect_eq "tree: progress is the stored roll-up (O1: k1 0.8, k6 1)" "$(rl_py "float(round(d['objectives'][0]['progress'], 6))")" "$(awk 'BEGIN { printf "%.1f", (0.8 + 1) / 2 }')"
# Status by pace, from the expected progress the tree shows (docs/rules.md).
rl_exp=$(rl_py "d['objectives'][0]['expected']")
rl_status() {	# rl_status PROGRESS MIN_CONFIDENCE
	awk -v p="$1" -v e="$rl_exp" -v c="$2" 'BEGIN {
	    if (p >= 1) print "done"; else if (p < 0.5 * e || c <= 3) print "off_track";
	    else if (p < 0.85 * e || c <= 6) print "at_risk"; else print "on_track" }'
}
expect_eq "tree: O2 (0.1) by pace" "$(rl_py "d['objectives'][0]['children'][0]['status']")" "$(rl_status 0.1 8)"
expect_eq "tree: O3 (0.3) by pace" "$(rl_py "d['objectives'][0]['children'][1]['status']")" "$(rl_status 0.3 8)"
expect_eq "tree: O1 (0.9) by pace" "$(rl_py "d['objectives'][0]['status']")" "$(rl_status 0.9 8)"
expect_eq "tree: the teams: ops, and eng, sec, web under it" "$(rl_py "[d['teams'][0]['slug']] + [c['slug'] for c in d['teams'][0]['children']]")" "['rl-ops', 'rl-eng', 'rl-sec', 'rl-web']"
expect_eq "tree: eng's objectives against the limit" "$(rl_py "(d['teams'][0]['children'][0]['objectives'], d['teams'][0]['children'][0]['limit'])")" "(2, $(rl_q "SELECT value FROM settings WHERE name = 'max_objectives'"))"
expect_eq "tree: ops's KPIs by health" "$(rl_py "sorted(d['teams'][0]['kpis'].items())")" "[('amber', 1), ('green', 0), ('none', 1), ('red', 1)]"
expect_eq "tree: eng's mean progress (O2 0.1, O5 0)" "$(rl_py "float(round(d['teams'][0]['children'][0]['progress'], 6))")" "0.05"
# Whatever pace's reads say of status and staleness, the tree says too.
expect_exit "tree (org) for the comparison" 0 as rl-exec --json tree --period rl-q
rl_tree=$OUT
for o in $o1 $o2 $o3 $o4 $o5; do
	OUT=$rl_tree
	rl_tst=$(rl_py "[n['status'] for n in (lambda f: f(f, d['objectives']))(lambda f, l: [x for n in l for x in [n] + f(f, n['children'])]) if n.get('id') == $o][0]")
	expect_exit "obj show $o" 0 as rl-exec --json obj show "$o"
	rl_st=$(rl_py "d.get('status')")
	[ "$rl_st" = None ] || expect_eq "tree: $o's status is the read's" "$rl_tst" "$rl_st"
done

expect_exit "tree (org) as the executive" 0 as rl-exec --json tree --period rl-q
expect_eq "tree: the organisation's tops are O1 and O4" "$(rl_py "[o['id'] for o in d['objectives']]")" "[$o1, $o4]"
expect_eq "tree: O4's KR is stale" "$(rl_py "d['objectives'][1]['stale']")" True
expect_eq "tree: O1 is not stale" "$(rl_py "d['objectives'][0]['stale']")" False
expect_eq "tree: the team tree starts at the root" "$(rl_py "d['teams'][0]['slug']")" "$rl_root"

expect_exit "tree as an outsider" 0 as rl-out --json tree --period rl-q --team rl-ops
expect_eq "tree: O3 is hidden from an outsider: progress and weight only" "$(rl_py "sorted(d['objectives'][0]['children'][1].keys())")" "['children', 'hidden', 'progress', 'weight']"
expect_eq "tree: the hidden node's progress" "$(rl_py "float(round(d['objectives'][0]['children'][1]['progress'], 6))")" "0.3"
expect_match "tree: no title of O3 in the outsider's tree" "^0$" "$(printf '%s' "$OUT" | grep -c 'Sec secret')"
expect_exit "tree as a member of sec" 0 as rl-sec --json tree --period rl-q --team rl-ops
expect_eq "tree: sec's member reads O3" "$(rl_py "d['objectives'][0]['children'][1].get('title')")" "Sec secret"

expect_exit "tree --depth 1" 0 as rl-exec --json tree --period rl-q --team rl-ops --depth 1
expect_eq "tree --depth 1: O1 alone" "$(rl_py "(len(d['objectives']), d['objectives'][0]['children'], [t['children'] for t in d['teams']])")" "(1, [], [[]])"
expect_exit "tree --depth 2" 0 as rl-exec --json tree --period rl-q --team rl-ops --depth 2
expect_eq "tree --depth 2: O1 and its children, none below" "$(rl_py "[len(c['children']) for c in d['objectives'][0]['children']]")" "[0, 0]"
expect_exit "tree --team rl-eng" 0 as rl-exec --json tree --period rl-q --team rl-eng
expect_eq "tree --team rl-eng: O2 and O5 beneath it" "$(rl_py "[(o['id'], [c['id'] for c in o['children']]) for o in d['objectives']]")" "[($o2, [$o5])]"

expect_exit "tree: --depth 0 is refused" 7 as rl-exec --json tree --period rl-q --depth 0
expect_match "tree: --depth names the field" '"field": *"depth"' "$ERR$OUT"
expect_exit "tree: an unknown period" 5 as rl-exec tree --period rl-nope
expect_match "tree: names the period" "period" "$ERR"
expect_exit "tree: an unknown team" 5 as rl-exec tree --period rl-q --team rl-nope
expect_exit "tree: a period name over 40 bytes" 7 as rl-exec tree --period "$(printf 'p%.0s' $(seq 1 41))"
expect_exit "tree: needs a session" 3 as nobody tree

# Text: indented lines, colours only on a terminal without NO_COLOR.
expect_exit "tree in text" 0 as rl-exec tree --period rl-q --team rl-ops
expect_match "tree text: O5 indented two levels" "^    #$o5 Eng grandchild" "$OUT"
expect_match "tree text: a bar and a percentage" "#$o1 Ops top  rl-ops/rl-lead  \[#########.\]  90%" "$OUT"
expect_match "tree text: the breach is marked" "#$o1 .*GUARDRAIL BREACH" "$OUT"
expect_match "tree text: teams with health" "^  rl-eng .*objectives 2/.*health [0-9]+" "$OUT"
expect_eq "tree text: no escapes when piped" "$(printf '%s' "$OUT" | grep -c $'\033')" 0
rl_tty=$(XDG_CONFIG_HOME=$T/home-rl-exec script -qec "$BIN/cairn tree --period rl-q --team rl-ops" /dev/null </dev/null)
expect_match "tree text: colours on a terminal" $'\033\\[3[123]m' "$rl_tty"
rl_tty=$(NO_COLOR=1 XDG_CONFIG_HOME=$T/home-rl-exec script -qec "$BIN/cairn tree --period rl-q --team rl-ops" /dev/null </dev/null)
expect_match "tree text: the terminal run printed the tree" "Ops top" "$rl_tty"
expect_eq "tree text: none with NO_COLOR" "$(printf '%s' "$rl_tty" | grep -c $'\033\\[')" 0

# The default period: the active one containing today, the shortest.
expect_exit "rollup: a one-day period" 0 as admin period add rl-day --start "$rl_today" --end "$rl_today"
expect_exit "rollup: rl-day active" 0 as admin period open rl-day
expect_exit "tree without --period" 0 as rl-exec tree --team rl-ops
expect_match "tree: the default period is the shortest active one" "^Period rl-day" "$OUT"

# Framework health ------------------------------------------------------------

rl_w() { rl_q "SELECT value FROM settings WHERE name = 'health_w_$1'"; }
# rl_score C K A F S: 100 x the weighted mean of the parts given ("-": n/a).
rl_score() {
	awk -v c="$1" -v k="$2" -v a="$3" -v f="$4" -v s="$5" \
	    -v wc="$(rl_w checkins)" -v wk="$(rl_w kpis)" -v wa="$(rl_w alignment)" \
	    -v wf="$(rl_w focus)" -v ws="$(rl_w assessment)" 'BEGIN {
	    n = 0; w = 0
	    if (c != "-") { n += wc * c; w += wc }
	    if (k != "-") { n += wk * k; w += wk }
	    if (a != "-") { n += wa * a; w += wa }
	    n += wf * f + ws * s; w += wf + ws
	    x = 100 * n / w; printf "%d", x + 0.5 }'
}
expect_exit "health --team rl-ops" 0 as rl-exec --json health --period rl-q --team rl-ops
expect_eq "health: one item per team, in tree order" "$(rl_py "[t['team'] for t in d]")" "['rl-ops', 'rl-eng', 'rl-sec', 'rl-web']"
rl_parts() { rl_py "[tuple(None if t['parts'][k] is None else float(t['parts'][k]) for k in ('checkins', 'kpis', 'alignment', 'focus', 'assessment')) for t in d if t['team'] == '$1'][0]"; }
rl_hscore() { rl_py "[t['score'] for t in d if t['team'] == '$1'][0]"; }
# ops: k1, k6 in time; 3 KPIs, one never read (stale); O1 has no parent;
# within the limit; no assessment.
expect_eq "health: ops's parts" "$(rl_parts rl-ops)" "(1.0, $(awk 'BEGIN { printf "%.4f", 2 / 3 }'), 0.0, 1.0, 0.0)"
expect_eq "health: ops's score" "$(rl_hscore rl-ops)" "$(rl_score 1 0.6667 0 1 0)"
# eng: k2 in time, k5 new; no KPIs; both aligned; fresh okr assessment
# while it runs hybrid.
expect_eq "health: eng's parts" "$(rl_parts rl-eng)" "(1.0, None, 1.0, 1.0, 0.5)"
expect_eq "health: eng's score" "$(rl_hscore rl-eng)" "$(rl_score 1 - 1 1 0.5)"
# web: k4 stale; O4 unaligned.
expect_eq "health: web's parts" "$(rl_parts rl-web)" "(0.0, None, 0.0, 1.0, 0.0)"
expect_eq "health: web's score" "$(rl_hscore rl-web)" "$(rl_score 0 - 0 1 0)"
# The weights are settings: with kpis weighing 200, ops's score moves as
# the formula says.
rl_wk=$(rl_w kpis)
expect_exit "rollup: health_w_kpis 200" 0 as admin settings set health_w_kpis 200
expect_exit "health with another weight" 0 as rl-exec --json health --period rl-q --team rl-ops
expect_eq "health: ops's score with kpis weighing 200" "$(rl_hscore rl-ops)" "$(rl_score 1 0.6667 0 1 0)"
expect_exit "rollup: health_w_kpis back" 0 as admin settings set health_w_kpis "$rl_wk"
expect_exit "rollup: a weight of 0 is refused" 7 as admin settings set health_w_focus 0
expect_exit "health in text" 0 as rl-exec health --period rl-q --team rl-ops
expect_match "health text: web's weakest part" "^rl-web +[0-9]+ +checkins \(0.0%\)" "$OUT"
expect_match "health text: eng's weakest part" "^rl-eng +[0-9]+ +assessment \(50.0%\)" "$OUT"
expect_exit "health: an unknown team" 5 as rl-exec health --period rl-q --team rl-nope

# The review -------------------------------------------------------------------

rl_lim=$(rl_q "SELECT value FROM settings WHERE name = 'max_objectives'")
expect_exit "rollup: max_objectives 1 for a moment" 0 as admin settings set max_objectives 1
expect_exit "review --team rl-ops as the executive" 0 as rl-exec --json review --period rl-q --team rl-ops
rl_rev=$OUT
expect_exit "rollup: max_objectives back" 0 as admin settings set max_objectives "$rl_lim"
OUT=$rl_rev
rl_has() {	# rl_has KIND TEAM ID: such an item is in the list
	rl_py "any(i['kind'] == '$1' and i['team'] == '$2' and i['id'] == $3 for i in d)"
}
expect_eq "review: eng over the limit" "$(rl_has over_limit rl-eng "$(rl_q "SELECT id FROM teams WHERE slug = 'rl-eng'")")" True
expect_eq "review: O4 unaligned" "$(rl_has unaligned rl-web "$o4")" True
expect_eq "review: O1 unaligned (ops is not the root)" "$(rl_has unaligned rl-ops "$o1")" True
expect_eq "review: k4 stale" "$(rl_has stale_kr rl-web "$k4")" True
expect_eq "review: k6 not stale (10 days)" "$(rl_has stale_kr rl-ops "$k6")" False
expect_eq "review: O2 $(rl_status 0.1 8)" "$(rl_has "$(rl_status 0.1 8)" rl-eng "$o2")" True
expect_eq "review: O3 $(rl_status 0.3 8)" "$(rl_has "$(rl_status 0.3 8)" rl-sec "$o3")" True
expect_eq "review: the red KPI" "$(rl_has kpi_red rl-ops "$kred")" True
expect_eq "review: the amber KPI" "$(rl_has kpi_amber rl-ops "$kamb")" True
expect_eq "review: the unread KPI is stale" "$(rl_has kpi_stale rl-ops "$knone")" True
expect_eq "review: O1's guardrail breach" "$(rl_has guardrail_breach rl-ops "$o1")" True
expect_eq "review: web's assessment is due" "$(rl_has assessment_due rl-web "$(rl_q "SELECT id FROM teams WHERE slug = 'rl-web'")")" True
expect_eq "review: eng's mode differs" "$(rl_has mode_mismatch rl-eng "$(rl_q "SELECT id FROM teams WHERE slug = 'rl-eng'")")" True
expect_eq "review: owners named" "$(rl_py "[i['owner'] for i in d if i['kind'] == 'stale_kr' and i['id'] == $k4]")" "['rl-web']"
expect_eq "review: every item has the five fields" "$(rl_py "all(sorted(i) == ['id', 'kind', 'message', 'owner', 'team'] for i in d)")" True
expect_match "review: the pitfall is named" "inadequate tracking" "$(rl_py "[i['message'] for i in d if i['kind'] == 'stale_kr'][0]")"
expect_exit "review as an outsider" 0 as rl-out --json review --period rl-q --team rl-ops
expect_eq "review: the outsider does not see O3's item" "$(rl_has "$(rl_status 0.3 8)" rl-sec "$o3")" False
expect_eq "review: the outsider sees O2's" "$(rl_has "$(rl_status 0.1 8)" rl-eng "$o2")" True
expect_exit "review in text" 0 as rl-exec review --period rl-q --team rl-ops
expect_match "review text: grouped by team" "^rl-web$" "$OUT"
expect_match "review text: an item line" "^  stale_kr #$k4 \(rl-web\): key result 'k4'" "$OUT"

# ungraded: a period in review.
expect_exit "rollup: period rl-rev" 0 as admin period add rl-rev --start "$rl_start" --end "$rl_end"
expect_exit "rollup: rl-rev active" 0 as admin period open rl-rev
orv=$(rl_id "an objective of rl-rev" rl-lead --json obj add --team rl-ops --period rl-rev --title "To grade")
expect_exit "rollup: rl-rev in review" 0 as admin period review rl-rev
expect_exit "review of rl-rev" 0 as rl-exec --json review --period rl-rev --team rl-ops
expect_eq "review: the ungraded objective" "$(rl_has ungraded rl-ops "$orv")" True

# What is due ---------------------------------------------------------------------

expect_exit "due for the lead" 0 as rl-lead --json due
rl_due() { rl_py "any(i['kind'] == '$1' and i['id'] == $2 for i in d)"; }
expect_eq "due: k6's check-in (10 days)" "$(rl_due checkin "$k6")" True
expect_eq "due: not k1 (checked in today)" "$(rl_due checkin "$k1")" False
expect_eq "due: the unread KPI the lead owns" "$(rl_due reading "$knone")" True
expect_eq "due: the red KPI, read today, is not" "$(rl_due reading "$kred")" False
expect_eq "due: the objective to grade" "$(rl_due grade "$orv")" True
expect_exit "due for web's member" 0 as rl-web --json due
expect_eq "due: k4, never checked in" "$(rl_due checkin "$k4")" True
expect_eq "due: nothing of the lead's" "$(rl_due checkin "$k6")" False
expect_exit "due in text" 0 as rl-lead due
expect_match "due text: a line per thing" "^checkin #$k6 \[rl-ops rl-q\] k6: no check-in for 10 days" "$OUT"
expect_exit "due for the outsider" 0 as rl-out due
expect_eq "due: nothing for the outsider" "$OUT" "nothing is due"

# Over parts ----------------------------------------------------------------------
# 800 objectives in a period of their own, chains of 8 under 100 tops: a
# tree of some 150 KiB, more than max_frame (64 KiB here).
rl_raw() {	# rl_raw MODE OP PERIOD
	python3 "$HERE/rollup_raw.py" "$ADDR" "$T/certs/ca.pem" root "$ADMIN_PW" "$@"
}
expect_exit "rollup: period rl-big" 0 as admin period add rl-big --start "$rl_start" --end "$rl_end"
expect_exit "rollup: rl-big active" 0 as admin period open rl-big
rl_lim=$(rl_q "SELECT value FROM settings WHERE name = 'max_objectives'")
expect_exit "rollup: max_objectives 1000 for the load" 0 as admin settings set max_objectives 1000
rl_q "DO \$\$ DECLARE lvl int; BEGIN
    FOR lvl IN 0..7 LOOP
	INSERT INTO objectives (team_id, period_id, title, owner_id, parent_id)
	SELECT t.id, p.id, 'big ' || lvl || '.' || g, u.id,
	    (SELECT x.id FROM objectives x WHERE x.period_id = p.id
		AND x.title = 'big ' || (lvl - 1) || '.' || g)
	FROM generate_series(1, 100) g, teams t, periods p, users u
	WHERE t.slug = 'rl-eng' AND p.name = 'rl-big' AND u.login = 'rl-mem';
    END LOOP;
    PERFORM objectives_progress_rebuild(); END \$\$" >/dev/null
expect_exit "rollup: max_objectives back" 0 as admin settings set max_objectives "$rl_lim"
expect_eq "rollup: 800 objectives in rl-big" "$(rl_q "SELECT count(*) FROM objectives WHERE period_id = (SELECT id FROM periods WHERE name = 'rl-big')")" 800
rl_out=$(rl_raw parts tree rl-big)
rl_parts=$(echo "$rl_out" | sed -n 's/^parts //p')
if [ -n "$rl_parts" ] && [ "$rl_parts" -ge 3 ]; then
	ok "tree: in parts ($rl_parts)"
else
	not_ok "tree: in parts" "$rl_out"
fi
expect_eq "tree: the objectives, then the teams" "$(echo "$rl_out" | sed -n '2,3p' | cut -d' ' -f1 | tr '\n' ' ')" "objectives teams "
expect_match "tree: every objective came" "^objectives 800$" "$rl_out"
rl_max=$(echo "$rl_out" | sed -n 's/^max //p')
if [ -n "$rl_max" ] && [ "$rl_max" -le 65536 ]; then
	ok "tree: each frame within max_frame ($rl_max bytes)"
else
	not_ok "tree: each frame within max_frame" "$rl_out"
fi
expect_match "tree: the final result has server_ms" "^server_ms [0-9]+$" "$rl_out"
expect_eq "tree: without parts, E_LIMIT" "$(rl_raw whole tree rl-big)" E_LIMIT
expect_exit "tree over parts through cairn" 0 as rl-exec --json tree --period rl-big
expect_eq "tree: cairn nests the 800 in 100 chains of 8" "$(rl_py "(len(d['objectives']), (lambda f: f(f, d['objectives'][0]))(lambda f, n: 1 + (f(f, n['children'][0]) if n['children'] else 0)))")" "(100, 8)"
expect_eq "review: small enough for one frame" "$(rl_raw whole review rl-q)" "ok items $(rl_q "SELECT count(*) FROM review_items((SELECT id FROM users WHERE login = 'root'), 'admin', (SELECT id FROM periods WHERE name = 'rl-q'), NULL)")"
