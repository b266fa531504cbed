# comments.sh: comments on objectives, key results, check-ins and KPIs
# (issue 16; sourced by suite.sh, after login_admin: uses lib.sh's as(),
# quiet_user, quietly).  Add, list (paged), edit and remove, each refusal
# seen; the read rule (a private team's comments answered as missing to an
# outsider, in every op, and in no event or mention of theirs; a
# contributor reads them); an idempotent add; @login mentions recorded
# or not (readers only, not the author, unknown or disabled logins, at
# most 20), with their events; the events of comment.add/edit/remove and
# their audience; the audit entries that keep edits and removals; the
# limits, refused with nothing changed; pages; objective.get's count and
# last one; the inbox's functions; an edit racing a removal.  The
# export/import round trip is export.sh's; the demo's comments demo.sh's.

cq() {	# cq SQL: one value from the database
	psql_cairn -c "$1"
}
cjson() {	# cjson WHO cairn-args...: the --json output, or nothing
	as "$@" 2>/dev/null
}

# Fixtures: a public team (cmpub: calice, lead clead) and a private one
# (cmsec: cbob), both under the root; cout in neither; ccon contributes
# to the private objective.  An objective, a key result with a check-in
# and a KPI in each.
croot=$(cq "SELECT slug FROM teams WHERE parent_id IS NULL")
if [ -z "$croot" ]; then
	quietly "comments: root team" as admin team add cmroot --name Root
	croot=cmroot
fi
quietly "team cmpub" as admin team add cmpub --name 'Public comments' --parent "$croot"
quietly "team cmsec" as admin team add cmsec --name 'Secret comments' --parent "$croot" --private
for u in calice cbob cout ccon clead; do
	quiet_user "$u" member
done
add_member cmpub calice
add_member cmpub clead --lead
add_member cmsec cbob
quietly "period" as admin period add cmp --start "$(date -u -d '-30 days' +%Y-%m-%d)" --end "$(date -u -d '+60 days' +%Y-%m-%d)"
quietly "period open" as admin period open cmp
quietly "objective O" as admin obj add --team cmpub --period cmp --owner calice --title 'Ship the "widget"'
O=$OUT
quietly "key result" as admin kr add "$O" --title 'Widgets shipped' --type increase --target 10 --owner calice
KR=$OUT
quietly "check-in" as calice kr checkin "$KR" 3
CI=$(cq "SELECT max(id) FROM checkins WHERE kr_id = $KR")
quietly "KPI" as admin kpi add --team cmpub --name 'Widget uptime' --unit % --direction up --green 99 --amber 95
K=$OUT
quietly "objective S" as admin obj add --team cmsec --period cmp --owner cbob --title 'Secret plan'
S=$OUT
quietly "secret key result" as admin kr add "$S" --title 'Secret KR' --type increase --target 5 --owner cbob
SKR=$OUT
quietly "ccon contributes to S" as admin obj grant "$S" ccon
uid() { cq "SELECT id FROM users WHERE login = '$1'"; }
SEC=$(cq "SELECT id FROM teams WHERE slug = 'cmsec'")
PUB=$(cq "SELECT id FROM teams WHERE slug = 'cmpub'")

# Add and list ---------------------------------------------------------------

expect_exit "a member comments on an objective" 0 as calice comment add obj "$O" 'First thoughts'
C1=$OUT
expect_match "... prints the comment's id" '^[0-9]+$' "$C1"
expect_exit "... the text from standard input (-)" 0 sh -c "printf 'line one\nline two\n' | XDG_CONFIG_HOME=$T/home-calice $BIN/cairn comment add kr $KR -"
C2=$OUT
expect_exit "... from standard input when the text is left out" 0 sh -c "echo 'on the check-in' | XDG_CONFIG_HOME=$T/home-clead $BIN/cairn comment add checkin $CI"
C3=$OUT
expect_exit "... on a KPI" 0 as clead comment add kpi "$K" 'Uptime looks fine'
C4=$OUT
expect_eq "the stored comments are on what was named, by their authors" \
    "$(cq "SELECT string_agg(coalesce(objective_id, 0) || '/' || coalesce(kr_id, 0) || '/' || coalesce(checkin_id, 0) || '/' || coalesce(kpi_id, 0) || ' ' || u.login || ' ' || body, '|' ORDER BY c.id) FROM comments c JOIN users u ON u.id = c.author_id WHERE c.id IN ($C1, $C2, $C3, $C4)")" \
    "$O/0/0/0 calice First thoughts|0/$KR/0/0 calice line one
line two|0/0/$CI/0 clead on the check-in|0/0/0/$K clead Uptime looks fine"
expect_eq "comments obj --json: the thread, with author and text" \
    "$(cjson cout --json comments obj "$O" | jq -c '[.[] | [.id, .on, .thing, .author, .text, .edited_at]]')" \
    "[[$C1,\"objective\",$O,\"calice\",\"First thoughts\",null]]"
expect_exit "comments kr, for people" 0 as cout comments kr "$KR"
expect_match "... '#ID author time', the text indented line by line" \
    "^#$C2 calice [0-9T:Z-]+
  line one
  line two$" "$OUT"
expect_eq "comments checkin, kpi" \
    "$(cjson cout --json comments checkin "$CI" | jq -r '.[0].text') $(cjson cout --json comments kpi "$K" | jq -r '.[0].author')" \
    "on the check-in clead"
expect_exit "an add with an idempotency key" 0 as cout comment add kpi "$K" 'once' --idempotency-key cm-once-1
CK1=$OUT
expect_exit "... retried with the same key" 0 as cout comment add kpi "$K" 'once' --idempotency-key cm-once-1
expect_eq "... answers the same comment, stored once" \
    "$OUT $(cq "SELECT count(*) FROM comments WHERE body = 'once'")" "$CK1 1"
expect_exit "... the key reused for another text is refused" 6 as cout comment add kpi "$K" 'twice' --idempotency-key cm-once-1
quietly "... removed again" as cout comment rm "$CK1"
expect_exit "obj show: the count and the last comment" 0 as cout obj show "$O"
expect_match "... COMMENTS 1, the last by calice" "COMMENTS 1, the last:
#$C1 calice [0-9T:Z-]+
  First thoughts" "$OUT"
expect_eq "... and in --json" "$(cjson cout --json obj show "$O" | jq -c '[.comments.count, .comments.last.id, .comments.last.text]')" \
    "[1,$C1,\"First thoughts\"]"

# Edit and remove: the author's own, kept in the audit ----------------------

expect_exit "another member may not edit it" 4 as cout comment edit "$C1" 'mine now'
expect_match "... E_FORBIDDEN, saying why" "only its author may edit comment $C1" "$ERR"
expect_exit "nor remove it" 4 as cout comment rm "$C1"
expect_exit "not even the team's lead" 4 as clead comment rm "$C1"
expect_exit "its author edits it" 0 as calice comment edit "$C1" 'Second thoughts'
expect_eq "... the text changed, edited_at set" \
    "$(cjson cout --json comments obj "$O" | jq -c '[.[0].text, (.[0].edited_at != null)]')" '["Second thoughts",true]'
expect_eq "... the audit keeps the text before and after" \
    "$(cq "SELECT before->>'text' || ' -> ' || (after->>'text') FROM audit_log WHERE op = 'comment.edit' AND entity_type = 'comment' AND entity_id = $C1")" \
    "First thoughts -> Second thoughts"
expect_exit "its author removes the KPI's" 0 as clead comment rm "$C4"
expect_eq "... gone from the thread" "$(cjson cout --json comments kpi "$K" | jq length)" 0
expect_eq "... the audit keeps what it said" \
    "$(cq "SELECT (before->>'text') || ' ' || (after IS NULL) FROM audit_log WHERE op = 'comment.remove' AND entity_id = $C4")" \
    "Uptime looks fine true"
expect_exit "a removed comment cannot be edited" 5 as clead comment edit "$C4" again
expect_match "... E_NOT_FOUND" "no comment $C4" "$ERR"

# The read rule ---------------------------------------------------------------

expect_exit "a member of the private team comments there" 0 as cbob comment add obj "$S" 'secret words'
CS=$OUT
expect_exit "... and on its key result" 0 as cbob comment add kr "$SKR" 'secret kr words'
CSK=$OUT
expect_exit "an outsider: the private objective's thread is E_NOT_FOUND" 5 as cout --json comments obj "$S"
err_private=$(jq -c '.error | [.code, .field, .message]' <<< "$ERR")
expect_exit "... as a missing objective's is" 5 as cout --json comments obj 987654321
expect_eq "... the same answer but for the id" "$err_private" \
    "$(jq -c '.error | [.code, .field, .message]' <<< "$ERR" | sed "s/987654321/$S/")"
expect_exit "... the key result's thread too" 5 as cout comments kr "$SKR"
expect_exit "... the outsider may not comment there (E_NOT_FOUND)" 5 as cout comment add obj "$S" 'let me in'
expect_match "... named as a missing objective" "no objective $S" "$ERR"
expect_exit "... editing its comment is E_NOT_FOUND, not E_FORBIDDEN" 5 as cout comment edit "$CS" x
expect_exit "... removing it too" 5 as cout comment rm "$CS"
expect_eq "... nothing of theirs was written" \
    "$(cq "SELECT count(*) FROM comments WHERE author_id = $(uid cout)")" 0
expect_exit "a contributor to the private objective reads its thread" 0 as ccon --json comments obj "$S"
expect_eq "... and sees the comment" "$(jq -r '.[0].text' <<< "$OUT")" "secret words"
expect_exit "... and its key result's (the objective's rule)" 0 as ccon comments kr "$SKR"
expect_exit "an admin reads every thread" 0 as admin comments obj "$S"
expect_eq "no event of the private team's comments is readable by the outsider" \
    "$(cq "SELECT count(*) FROM events e WHERE e.entity = 'comment' AND e.team_id = $SEC AND event_readable($(uid cout), 'member', e)")" 0
expect_eq "... while its member reads them all" \
    "$(cq "SELECT count(*) = count(*) FILTER (WHERE event_readable($(uid cbob), 'member', e)) AND count(*) >= 2 FROM events e WHERE e.entity = 'comment' AND e.team_id = $SEC")" t

# Events ------------------------------------------------------------------------

expect_eq "comment.add writes comment.added, audience team, the thing's team and objective" \
    "$(cq "SELECT kind || ' ' || audience || ' ' || (team_id = $PUB) || ' ' || coalesce(objective_id::text, '-') || ' ' || actor_id FROM events WHERE entity = 'comment' AND entity_id = $C1 AND kind = 'comment.added'")" \
    "comment.added team true $O $(uid calice)"
expect_match "... a summary naming the thing, its title and the author" \
    "calice commented on objective $O \"Ship the \"widget\"\"" \
    "$(cq "SELECT summary FROM events WHERE entity = 'comment' AND entity_id = $C1 AND kind = 'comment.added'")"
kr_summary=$(cq "SELECT summary FROM events WHERE entity = 'comment' AND entity_id = $C2 AND kind = 'comment.added'")
expect_match "... on a key result: the key result, not its objective" \
    "^calice commented on key result $KR \"Widgets shipped\"$" "$kr_summary"
expect_eq "a KPI's: its team, no objective" \
    "$(cq "SELECT audience || ' ' || (team_id = $PUB) || ' ' || (objective_id IS NULL) FROM events WHERE entity = 'comment' AND entity_id = $C4 AND kind = 'comment.added'")" \
    "team true true"
expect_eq "comment.edit and comment.remove write their events" \
    "$(cq "SELECT string_agg(kind, ' ' ORDER BY id) FROM events WHERE entity = 'comment' AND entity_id IN ($C1, $C4) AND kind <> 'comment.added'")" \
    "comment.edit comment.remove"
expect_eq "the private comment's event is the private team's" \
    "$(cq "SELECT audience || ' ' || (team_id = $SEC) || ' ' || (objective_id = $S) FROM events WHERE entity = 'comment' AND entity_id = $CS AND kind = 'comment.added'")" \
    "team true true"

# Mentions ------------------------------------------------------------------------

expect_exit "a comment mentioning readers, the author, an unknown login" 0 as calice comment add obj "$O" \
    'ask @cbob and @cout, not @calice nor @nobody-here; email@cout is no mention. @cout.'
CM=$OUT
expect_eq "... records cbob and cout once each (not the author, not the unknown)" \
    "$(cq "SELECT string_agg(u.login, ' ' ORDER BY u.login) FROM comment_mentions m JOIN users u ON u.id = m.user_id WHERE m.comment_id = $CM")" \
    "cbob cout"
expect_eq "... with an event for each, audience user, the mentioned user's alone" \
    "$(cq "SELECT string_agg(u.login || ':' || e.audience, ' ' ORDER BY u.login) FROM events e JOIN users u ON u.id = e.user_id WHERE e.kind = 'comment.mention' AND e.entity_id = $CM")" \
    "cbob:user cout:user"
expect_match "... saying who mentioned them where" "^calice mentioned you on objective $O " \
    "$(cq "SELECT summary FROM events WHERE kind = 'comment.mention' AND entity_id = $CM AND user_id = $(uid cbob)")"
expect_exit "a mention in the private team of an outsider and of a contributor" 0 as cbob comment add obj "$S" 'hey @cout and @ccon'
CSM=$OUT
expect_eq "... records the contributor only" \
    "$(cq "SELECT string_agg(u.login, ' ') FROM comment_mentions m JOIN users u ON u.id = m.user_id WHERE m.comment_id = $CSM")" "ccon"
expect_eq "... and writes the outsider nothing" \
    "$(cq "SELECT count(*) FROM events WHERE user_id = $(uid cout) AND entity_id = $CSM")" 0
expect_exit "an edit that adds a mention" 0 as cbob comment edit "$CSM" 'hey @ccon, and @clead? no, @cbob'
expect_eq "... records nothing twice, nobody who may not read it" \
    "$(cq "SELECT count(*) FROM comment_mentions WHERE comment_id = $CSM") $(cq "SELECT count(*) FROM events WHERE kind = 'comment.mention' AND entity_id = $CSM")" "1 1"
expect_exit "an edit on the public objective adding the lead" 0 as calice comment edit "$CM" 'ask @cbob and @cout and @clead'
expect_eq "... records the lead, once" \
    "$(cq "SELECT string_agg(u.login, ' ' ORDER BY u.login) FROM comment_mentions m JOIN users u ON u.id = m.user_id WHERE m.comment_id = $CM")" \
    "cbob clead cout"

# Bounded: the first 20 distinct logins of a text; a disabled user none.
cq "INSERT INTO users (login, name, role, password_hash) SELECT 'cm' || i, 'M' || i, 'member', '\$argon2id\$unused' FROM generate_series(1, 25) i" >/dev/null
cq "UPDATE users SET enabled = false WHERE login = 'cm1'" >/dev/null
expect_exit "a comment mentioning 25 readers, the first disabled" 0 as calice comment add obj "$O" \
    "$(for i in $(seq 1 25); do printf '@cm%d @cm%d ' "$i" "$i"; done)"
expect_eq "... records the first 20 logins but the disabled one: 19" \
    "$(cq "SELECT count(*) || ' ' || min(u.login) || ' ' || max(u.login) FROM comment_mentions m JOIN users u ON u.id = m.user_id WHERE m.comment_id = $OUT")" \
    "19 cm10 cm9"
expect_eq "... with as many events" \
    "$(cq "SELECT count(*) FROM events WHERE kind = 'comment.mention' AND entity_id = $OUT")" 19

# The inbox's functions
expect_eq "comment_mentions_unseen: cbob's mention, with its thing and author" \
    "$(cq "SELECT string_agg(comment_id || ' ' || thing_kind || ' ' || thing_id || ' ' || author || ' ' || left(excerpt, 9), '|') FROM comment_mentions_unseen($(uid cbob))")" \
    "$CM objective $O calice ask @cbob"
expect_eq "comment_mentions_seen with ids marks those" \
    "$(cq "SELECT comment_mentions_seen($(uid cbob), ARRAY[(SELECT id FROM comment_mentions WHERE user_id = $(uid cbob))])") $(cq "SELECT count(*) FROM comment_mentions_unseen($(uid cbob))")" "1 0"
expect_eq "... with NULL, all of a user's (and nobody else's)" \
    "$(cq "SELECT comment_mentions_seen($(uid cout), NULL)") $(cq "SELECT count(*) FROM comment_mentions_unseen($(uid clead))")" "1 1"
quietly "ccon no longer contributes" as admin obj revoke "$S" ccon
expect_eq "a mention of what its user may no longer read is not listed" \
    "$(cq "SELECT count(*) FROM comment_mentions_unseen($(uid ccon))")" 0

# Limits ---------------------------------------------------------------------------

long=$(head -c 4001 /dev/zero | tr '\0' x)
expect_exit "4001 characters are refused" 7 as calice --json comment add obj "$O" "$long"
expect_match "... E_LIMIT naming the bound" '"E_LIMIT".*at most 4000 characters' "$ERR"
expect_exit "4000 are taken" 0 as calice comment add obj "$O" "${long:1}"
C4K=$OUT
expect_exit "... and removed again" 0 as calice comment rm "$C4K"
expect_exit "2000 characters of two bytes each are taken" 0 as calice comment add obj "$O" "$(printf 'é%.0s' $(seq 1 2000))"
expect_eq "... counted as 2000 characters" "$(cq "SELECT length(body) FROM comments WHERE id = $OUT")" 2000
quietly "... removed again" as calice comment rm "$OUT"
before=$(cq "SELECT count(*) FROM comments")
expect_exit "more bytes than this suite's max_string (4096, lib.sh): refused before anything" 7 as calice --json comment add obj "$O" "$(printf 'é%.0s' $(seq 1 2049))"
expect_match "... E_LIMIT" '"E_LIMIT".*max_string' "$ERR"
expect_exit "a blank text is refused" 7 as calice --json comment add obj "$O" "$(printf ' \n\t ')"
expect_match "... E_INVALID" '"E_INVALID".*blank' "$ERR"
expect_exit "an empty one too" 7 as calice comment add obj "$O" ''
expect_exit "an edit to a blank text is refused" 7 as calice comment edit "$C1" '   '
expect_exit "what a comment may be on: obj, kr, checkin, kpi" 2 as calice comment add team "$O" hi
expect_exit "a thing that does not exist" 5 as calice --json comment add kpi 987654321 hi
expect_match "... named" '"no KPI 987654321"' "$ERR"
expect_exit "a page over 50 is refused" 7 as calice comments obj "$O" --limit 51
out=$(cd "$HERE" && python3 - "$ADDR" "$CAIRN_CA" "$ADMIN_PW" "$O" <<'PY' 2>&1
import sys
from rawconn import Raw
addr, ca, pw, o = sys.argv[1:5]
r = Raw(addr, ca, 'comments.sh')
assert r.login('root', pw)
for args in ({'on': 'team', 'thing': int(o), 'text': 'x'},
             {'on': 'objective', 'thing': 0, 'text': 'x'},
             {'on': 'objective', 'thing': int(o)}):
    x = r.call('comment.add', args)
    print((x.get('error') or {}).get('code'), (x.get('error') or {}).get('field'))
PY
)
expect_eq "the server refuses an unknown kind, a bad id, no text, naming each" \
    "$(echo $out)" "E_INVALID on E_INVALID thing E_BAD_REQUEST text"
out=$(cd "$HERE" && python3 - "$ADDR" "$CAIRN_CA" "$CS" "$C1" <<'PY' 2>&1
import sys
from rawconn import Raw
addr, ca, cs, c1 = sys.argv[1:5]
r = Raw(addr, ca, 'comments.sh')
assert r.login('cout', 'pw-cout-goals')
for c in (cs, '987654321', c1):
    x = r.call('comment.get', {'id': int(c)})
    e = x.get('error') or {}
    print(e.get('code'), e.get('field'), (e.get('message') or '').replace(c, 'N'),
          (x.get('result') or {}).get('author'))
PY
)
expect_eq "comment.get of the private comment, as an outsider: as a missing one" \
    "$(echo "$out" | sed -n 1p)" "$(echo "$out" | sed -n 2p)"
expect_eq "... which is E_NOT_FOUND id; a public one is read" \
    "$(echo "$out" | sed -n '2p;3p' | tr '\n' '|')" "E_NOT_FOUND id no comment N None|None None  calice|"
expect_eq "the refused adds changed nothing" "$(cq "SELECT count(*) FROM comments")" "$before"
expect_match "the table refuses a blank text of its own" "violates check constraint" \
    "$(psql_cairn -c "INSERT INTO comments (objective_id, author_id, body) VALUES ($O, $(uid calice), '  ')" 2>&1)"
expect_match "... and a comment on two things" "violates check constraint" \
    "$(psql_cairn -c "INSERT INTO comments (objective_id, kpi_id, author_id, body) VALUES ($O, $K, $(uid calice), 'x')" 2>&1)"

# Pages ------------------------------------------------------------------------------

for i in 1 2 3 4 5; do
	quietly "KPI comment $i" as clead comment add kpi "$K" "page $i"
done
expect_eq "the last page, oldest first" \
    "$(cjson clead --json comments kpi "$K" --limit 2 | jq -r '[.[].text] | join(",")')" "page 4,page 5"
first=$(cjson clead --json comments kpi "$K" --limit 2 | jq -r '.[0].id')
expect_eq "--before the oldest shown: the page before" \
    "$(cjson clead --json comments kpi "$K" --limit 2 --before "$first" | jq -r '[.[].text] | join(",")')" "page 2,page 3"

# Adds racing a key result's removal: none lands after it -----------------------

quietly "race key result" as admin kr add "$O" --title 'Raced' --type increase --target 10 --owner calice
RKR=$OUT
for round in 1 2 3; do
	pids=
	for i in $(seq 1 12); do
		as calice comment add kr "$RKR" "race add $i" >/dev/null 2>&1 &
		pids="$pids $!"
		[ "$i" = 6 ] && [ "$round" = 3 ] && { as admin kr rm "$RKR" >/dev/null 2>&1 & pids="$pids $!"; }
	done
	wait $pids
done
expect_eq "the key result was removed while comments were added" \
    "$(cq "SELECT removed FROM key_results WHERE id = $RKR") $(cq "SELECT count(*) > 0 FROM comments WHERE kr_id = $RKR")" "t t"
expect_eq "... no comment is later than its removal" \
    "$(cq "SELECT count(*) FROM comments c WHERE c.kr_id = $RKR AND c.created_at > (SELECT at FROM audit_log WHERE op = 'kr.remove' AND entity_id = $RKR)")" 0
expect_exit "... and a new one is refused as on a missing key result" 5 as calice comment add kr "$RKR" late

# An edit racing a removal ---------------------------------------------------------

ids=
for i in $(seq 1 20); do
	quietly "race comment $i" as calice comment add kr "$KR" "race $i"
	ids="$ids $OUT"
done
pids=
for id in $ids; do
	as calice comment edit "$id" "edited $id" >/dev/null 2>&1 &
	pids="$pids $!"
	as calice comment rm "$id" >/dev/null 2>&1 &
	pids="$pids $!"
done
wait $pids	# these only: the suite's cairnd is a job of this shell too
idl=$(echo $ids | tr ' ' ',')
expect_eq "each raced comment is either removed (audited once) or there" \
    "$(cq "SELECT (SELECT count(*) FROM comments WHERE id IN ($idl)) + (SELECT count(*) FROM audit_log WHERE op = 'comment.remove' AND entity_id IN ($idl))")" 20
expect_eq "... the removals and edits both happened" \
    "$(cq "SELECT count(DISTINCT op) FROM audit_log WHERE op IN ('comment.remove', 'comment.edit') AND entity_id IN ($idl)")" 2
expect_eq "... no edit audited after its removal" \
    "$(cq "SELECT count(*) FROM audit_log e JOIN audit_log r ON r.entity_id = e.entity_id AND r.op = 'comment.remove' WHERE e.op = 'comment.edit' AND e.entity_id IN ($idl) AND e.id > r.id")" 0
expect_eq "... a remaining one holds its last audited text" \
    "$(cq "SELECT count(*) FROM comments c WHERE c.id IN ($idl) AND c.body <> coalesce((SELECT after->>'text' FROM audit_log a WHERE a.entity_id = c.id AND a.entity_type = 'comment' ORDER BY a.id DESC LIMIT 1), c.body)")" 0
