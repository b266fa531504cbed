# files.sh: what the client hands a user: CSV a spreadsheet opens, text a
# terminal shows, files it writes (issue 13, items 12 to 14).  Sourced by
# run.sh; needs no other suite (it logs the admin in itself and builds its
# own users, teams, period and objectives).


f_py() {	# f_py FILE EXPR: EXPR over d, the JSON document in FILE
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"
}

f_has() {	# f_has NAME STRING TEXT: TEXT holds STRING, as it is
	if printf '%s' "$3" | grep -qF -- "$2"; then
		ok "$1"
	else
		not_ok "$1" "'$2' not found in: $3"
	fi
}

f_mode() {	# f_mode PATH: its permission bits, octal
	stat -c %a "$1"
}

# The text members write, each a way in: formulas (OWASP's starts), an
# ESC sequence, and format characters that make a title read otherwise.
F_HYPER='=HYPERLINK("http://evil.example/?q=1","click")'
F_CMD="+cmd|' /C calc'!A0"
F_MINUS='-1+2'
F_AT='@SUM(A1:A9)'
F_TAB=$'\tTabbed'
F_CR=$'\rCarriage'
F_ESC=$'Red \x1b[31malert\x1b[0m'
F_ESCEQ=$'\x1b=after escape'
F_BIDI=$'Pay \u202e0001 EUR\u202c to \u2066admin\u2069 now\u200b'
F_BIDI_SHOWN='Pay <U+202E>0001 EUR<U+202C> to <U+2066>admin<U+2069> now<U+200B>'
F_NOTE=$'Went well \u2067quietly\u2069 \u2028 next =1+1'
F_NOTE_SHOWN='Went well <U+2067>quietly<U+2069> <U+2028> next =1+1'

echo "$ADMIN_PW" | as admin login root --password-stdin >/dev/null ||
    not_ok "setup: admin logs in"
for u in flead fmem; do
	quietly "user $u" sh -c "echo 'pw-$u-files' |
	    XDG_CONFIG_HOME=$T/home-admin $BIN/cairn user add $u \
	    --name 'F $u' --password-stdin" &&
	quietly "login $u" sh -c "echo 'pw-$u-files' |
	    XDG_CONFIG_HOME=$T/home-$u $BIN/cairn login $u --password-stdin"
done
FROOT=$(psql_cairn -c "SELECT slug FROM teams WHERE parent_id IS NULL")
if [ -z "$FROOT" ]; then
	quietly "root team" as admin team add froot --name 'Files root'
	FROOT=froot
fi
quietly "team fteam" as admin team add fteam --name 'Files' --parent "$FROOT"
quietly "lead flead" as admin team member add fteam flead --lead
quietly "member fmem" as admin team member add fteam fmem
quietly "period f-q" as admin period add f-q --start "$(date -u -d '-20 days' +%Y-%m-%d)" \
    --end "$(date -u -d '+60 days' +%Y-%m-%d)"
quietly "open f-q" as admin period open f-q
quietly "team fsub" as admin team add fsub --name 'Files sub' --parent fteam
quietly "lead flead of fsub" as admin team member add fsub flead --lead
declare -A F_OBJ=()
F_N=0
for v in F_BIDI F_HYPER F_CMD F_MINUS F_AT F_TAB F_CR F_ESC F_ESCEQ; do
	# Two teams: max_objectives is 5 a team by default.
	F_N=$((F_N + 1))
	quietly "objective $v" as admin obj add --team "$([ $F_N -le 5 ] &&
	    echo fteam || echo fsub)" --period f-q \
	    --owner flead --title "${!v}" --description "${!v}" &&
	    F_OBJ[$v]=$OUT
done
quietly "a key result" as admin kr add "${F_OBJ[F_BIDI]}" --title "$F_BIDI" \
    --type increase --target 10 --owner flead
quietly "kpi" as admin kpi add --team fteam --name "$F_AT" --unit n \
    --direction up --green 10 --amber 5 --owner flead && F_KPI=$OUT
quietly "a negative reading" as admin kpi record "$F_KPI" -5 --note "$F_HYPER"
quietly "a reading with ESC" as admin kpi record "$F_KPI" 7 --note "$F_ESC"
quietly "retro note" as flead retro fteam --period f-q --note "$F_NOTE"
quietly "retro note 2" as flead retro fteam --period f-q --note "$F_MINUS"

# 12. CSV a spreadsheet opens ---------------------------------------------

F_UMASK=$(umask)
umask 022	# as a user's shell has it: the files must not follow it
expect_exit "CSV export of text that starts formulas" 0 \
    as admin export --period f-q --format csv --out "$T/fcsv"
f_csv_check() {	# every cell of every table, as a spreadsheet reads it
	python3 - "$T/fcsv" "$@" <<'PY'
import csv, os, re, sys
num = re.compile(r'-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$')
bad, cells = [], set()
for name in sorted(os.listdir(sys.argv[1])):
    raw = open(os.path.join(sys.argv[1], name), "rb").read()
    if any(b < 0x20 and b not in (9, 10, 13) or b == 0x7f for b in raw):
        bad.append((name, "control byte"))
    for row in csv.reader(open(os.path.join(sys.argv[1], name),
                               newline="", encoding="utf-8")):
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and \
                    not num.match(cell):
                bad.append((name, cell))
            cells.add(cell)
print(bad if bad else "clean")
# Each text given: the cell "'" + text is there (a title and a description).
print("missing:", [v for v in sys.argv[2:] if "'" + v not in cells])
PY
}
F_CHECK=$(f_csv_check "$F_HYPER" "$F_CMD" "$F_MINUS" "$F_AT" "$F_TAB" "$F_CR" \
    "=after escape" 2>&1)
expect_eq "... no cell starts a formula, no control byte in any file" \
    "$(echo "$F_CHECK" | head -1)" clean
expect_eq "... each formula start (=, +, -, @, tab, CR, and = after an ESC) is text, prefixed with '" \
    "$(echo "$F_CHECK" | tail -1)" "missing: []"
f_has "... ESC dropped from the text" '"Red [31malert[0m"' "$(< "$T/fcsv/objectives.csv")"
expect_match "... the negative reading stays a number (-5, unquoted)" \
    '(^|,)-5,' "$(< "$T/fcsv/readings.csv")"
expect_eq "... the directory is 0700, though the umask is 022" "$(f_mode "$T/fcsv")" 700
expect_eq "... its tables 0600" \
    "$(cd "$T/fcsv" && stat -c %a -- *.csv | sort -u | tr '\n' ' ')" "600 "

# The JSON export keeps every character, and goes through import unchanged.
expect_exit "JSON export of the same period" 0 as admin export --period f-q --out "$T/f1.json"
expect_eq "... keeps the titles exactly (no prefix, ESC and format characters kept)" \
    "$(f_py "$T/f1.json" 'sorted(set(o["title"] for o in d["objectives"]) ^ set(sys.argv[3:]))' \
    "$F_HYPER" "$F_CMD" "$F_MINUS" "$F_AT" "$F_TAB" "$F_CR" "$F_ESC" "$F_ESCEQ" "$F_BIDI")" "[]"
quietly "the export as a new period" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["period"]["name"] = "f-q-copy"
json.dump(d, open(sys.argv[2], "w"))' "$T/f1.json" "$T/f1-copy.json"
expect_exit "import of the JSON export into a new period" 0 as admin import "$T/f1-copy.json"
expect_exit "... exported again" 0 as admin export --period f-q-copy --out "$T/f2.json"
quietly "the copy, named back" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["period"]["name"] = "f-q"
json.dump(d, open(sys.argv[1], "w"))' "$T/f2.json"
if out=$(python3 "$HERE/export_cmp.py" "$T/f1.json" "$T/f2.json" 2>&1); then
	ok "... the round trip is unchanged: titles, notes and readings as written"
else
	not_ok "... the round trip is unchanged: titles, notes and readings as written" "$out"
fi

# 13. Text a terminal shows -----------------------------------------------

f_shown() {	# f_shown NAME CMD...: shows the escapes, never the characters
	local name=$1
	shift
	expect_exit "$name" 0 "$@"
	if printf '%s' "$OUT" | python3 -c 'import re, sys; sys.exit(0 if re.search("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\x1b]", sys.stdin.read()) else 1)'; then
		not_ok "... shows no format or control character" "$(printf '%s' "$OUT" | od -c | head -5)"
	else
		ok "... shows no format or control character"
	fi
}
f_shown "tree with a bidi title" as flead tree --period f-q --team fteam
f_has "... shown escaped as <U+XXXX>" "$F_BIDI_SHOWN" "$OUT"
f_shown "obj show with a bidi title" as flead obj show "${F_OBJ[F_BIDI]}"
f_has "... shown escaped as <U+XXXX>" "$F_BIDI_SHOWN" "$OUT"
f_shown "obj show with an ESC title" as flead obj show "${F_OBJ[F_ESC]}"
f_has "... ESC shown as ?" 'Red ?[31malert?[0m' "$OUT"
f_shown "review with bidi titles" as flead review --period f-q --team fteam
f_has "... shown escaped as <U+XXXX>" "$F_BIDI_SHOWN" "$OUT"
f_shown "retro show with a bidi note" as flead retro show fteam --period f-q
f_has "... shown escaped as <U+XXXX>" "$F_NOTE_SHOWN" "$OUT"
expect_exit "obj show --json" 0 as flead --json obj show "${F_OBJ[F_BIDI]}"
expect_eq "... keeps the characters as they are" \
    "$(printf '%s' "$OUT" | python3 -c 'import json, sys; print(json.load(sys.stdin)["title"] == sys.argv[1])' "$F_BIDI")" True
expect_exit "retro show --json" 0 as flead --json retro show fteam --period f-q
expect_eq "... keeps the note as it is" \
    "$(printf '%s' "$OUT" | python3 -c 'import json, sys; print(sys.argv[1] in [n["note"] for n in json.load(sys.stdin)["notes"]])' "$F_NOTE")" True

# 14. Files the client writes ---------------------------------------------

printf 'precious\n' > "$T/f-victim"
chmod 600 "$T/f-victim"
ln -s "$T/f-victim" "$T/f-link.json.tmp"
expect_exit "export --out FILE with a link planted at FILE.tmp" 0 \
    as admin export --period f-q --out "$T/f-link.json"
expect_eq "... the link's target is untouched" "$(< "$T/f-victim")" precious
expect_eq "... the planted link is left as it was" "$(readlink "$T/f-link.json.tmp")" "$T/f-victim"
expect_eq "... FILE holds the export" "$(f_py "$T/f-link.json" 'd["period"]["name"]')" f-q
expect_eq "... FILE is 0600, though the umask is 022" "$(f_mode "$T/f-link.json")" 600
ln -s "$T/f-victim" "$T/f-at.json"
expect_exit "export --out FILE where FILE is a link" 0 \
    as admin export --period f-q --out "$T/f-at.json"
expect_eq "... the link's target is untouched" "$(< "$T/f-victim")" precious
expect_eq "... FILE is now a file of its own, not the link" \
    "$(stat -c %F "$T/f-at.json")" "regular file"
expect_eq "... no temporary file left beside it" \
    "$(ls "$T" | grep -c '^f-at\.json\.tmp')" 0
expect_exit "export --mode 0640" 0 as admin export --period f-q --out "$T/f-640.json" --mode 0640
expect_eq "... gives 0640" "$(f_mode "$T/f-640.json")" 640
expect_exit "CSV export --mode 640" 0 as admin export --period f-q --format csv --out "$T/fcsv640" --mode 640
expect_eq "... the directory 0750, its tables 0640" \
    "$(f_mode "$T/fcsv640") $(cd "$T/fcsv640" && stat -c %a -- *.csv | sort -u | tr '\n' ' ')" "750 640 "
for m in 999 4755 abc 06400 ''; do
	expect_exit "export --mode '$m' is refused" 2 as admin export --period f-q --out "$T/f-bad.json" --mode "$m"
done
expect_eq "... and writes nothing" "$(ls "$T" | grep -c '^f-bad')" 0
mkdir "$T/f-elsewhere"
ln -s "$T/f-elsewhere" "$T/fcsv-link"
expect_exit "CSV export into a link to an empty directory is refused" 1 \
    as admin export --period f-q --format csv --out "$T/fcsv-link"
expect_eq "... and writes nothing where it points" "$(ls "$T/f-elsewhere" | wc -l)" 0
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	mkdir "$T/fcsv-theirs" && chown nobody "$T/fcsv-theirs"
	expect_exit "CSV export into another account's empty directory is refused" 1 \
	    as admin export --period f-q --format csv --out "$T/fcsv-theirs"
	expect_match "... saying whose it is" "not a directory of ours" "$ERR"
fi
expect_exit "report --html" 0 as flead report --period f-q --html "$T/f-report.html"
expect_eq "... written 0600, though the umask is 022" "$(f_mode "$T/f-report.html")" 600
expect_match "... the page escapes what it shows" "Pay" "$(< "$T/f-report.html")"
expect_exit "report --html --mode 0644" 0 as flead report --period f-q --html "$T/f-report2.html" --mode 0644
expect_eq "... gives 0644" "$(f_mode "$T/f-report2.html")" 644
expect_exit "report --mode 8 is refused" 2 as flead report --period f-q --html "$T/f-report3.html" --mode 8
expect_eq "the session file is 0600" "$(f_mode "$T/home-flead/cairn/session")" 600
umask "$F_UMASK"
