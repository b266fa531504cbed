# demo-report.sh: cairn report on the demo organisation, looked at in a
# real browser (sourced by demo.sh, with its demo_as, demo_q, DB, DEMO_Q).
# Headless Chromium (Debian's package, installed by tests/deps.sh) takes a
# screenshot, which must not be blank and must show the status colours of
# the tree's progress bars, and dumps the DOM, which must hold the title of
# every objective of the quarter.

# demo_png FILE: "WIDTH HEIGHT COLOURS" and the status colours found, from
# the PNG decoded here (zlib, the five row filters), no imaging library.
demo_png() {
	python3 - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat = 8, b''
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
assert depth == 8 and ctype in (2, 6), 'unexpected PNG format'
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, colours, i = bytearray(stride), set(), 0
for y in range(h):
    f, row = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = row[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: row[x] = (row[x] + a) & 255
        elif f == 2: row[x] = (row[x] + b) & 255
        elif f == 3: row[x] = (row[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            row[x] = (row[x] + (a if pa <= pb and pa <= pc else
                b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        colours.add(bytes(row[x:x + 3]))
    prev = row
named = {'2e7d32': 'green', 'f9a825': 'amber', 'c62828': 'red',
    '1565c0': 'blue'}
found = sorted(v for k, v in named.items() if bytes.fromhex(k) in colours)
print(w, h, len(colours), ' '.join(found))
PY
}

# Text as the DOM dump serialises it.
demo_html_text() {
	sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'
}

DEMO_HTML=$T/demo-report.html
# A retrospective note (helper cycle's retro), to see it escaped on the page.
if "$BIN/cairn" help 2>&1 | grep -q "^  cairn retro TEAM"; then
	demo_login chen >/dev/null
	expect_exit "a lead writes a retrospective note" 0 demo_as chen retro \
	    service --period "$DEMO_Q" --note "Five objectives & <b>too</b> many"
fi
expect_exit "the executive writes the quarter's report" 0 \
    demo_as erin report --period "$DEMO_Q" --html "$DEMO_HTML"
expect_match "... and says where" "report written to $DEMO_HTML" "$OUT"
DEMO_PAGE=$(cat "$DEMO_HTML" 2>/dev/null)
expect_match "... a whole HTML page" "</html>" "$DEMO_PAGE"
expect_eq "... with no script and nothing loaded from elsewhere" \
    "$(grep -ciE '<script|src=|<link|@import|url\(|href="(https?:)?//' \
	"$DEMO_HTML")" 0
expect_match "... with inline SVG sparklines" "<svg .*<polyline" "$DEMO_PAGE"
expect_match "... and the KPIs' trends as dashed segments" \
    "<line class=\"trend\" [^>]*stroke-dasharray" "$DEMO_PAGE"
if "$BIN/cairn" help 2>&1 | grep -q "^  cairn retro TEAM"; then
	expect_match "... with the retrospective, escaped" \
	    "<blockquote>Five objectives &amp; &lt;b&gt;too&lt;/b&gt; many<" \
	    "$DEMO_PAGE"
fi
expect_exit "a report of a period that does not exist fails" 5 \
    demo_as erin report --period no-such-period --html "$T/none.html"
expect_eq "... and writes nothing" "$(ls "$T"/none.html* 2>/dev/null)" ""

if ! command -v chromium >/dev/null 2>&1; then
	echo "# SKIP: chromium is not installed (tests/deps.sh installs it):" \
	    "the report is not checked in a browser"
else
	# Its own profile, so that runs do not share state.
	demo_chromium() {
		timeout 120 chromium --headless --no-sandbox --disable-gpu \
		    --user-data-dir="$T/chromium" --hide-scrollbars "$@" \
		    2>>"$T/chromium.log"
	}
	rm -f "$T/demo-report.png"
	demo_chromium --screenshot="$T/demo-report.png" \
	    --window-size=1280,1000 "file://$DEMO_HTML" >/dev/null
	if [ -s "$T/demo-report.png" ]; then
		set -- $(demo_png "$T/demo-report.png")
		expect_eq "the screenshot is the window's size" "$1x$2" 1280x1000
		if [ "${3:-0}" -ge 20 ]; then
			ok "the screenshot is not blank ($3 colours)"
		else
			not_ok "the screenshot is not blank" "${3:-0} colours"
		fi
		shift 3
		expect_eq "... it shows the status colours of the tree" \
		    "$*" "amber blue green red"
	else
		not_ok "chromium takes a screenshot" "$(tail -5 "$T/chromium.log")"
	fi
	DEMO_DOM=$(demo_chromium --dump-dom "file://$DEMO_HTML")
	missing=0
	while IFS= read -r title; do
		case $DEMO_DOM in
		*"$(printf '%s' "$title" | demo_html_text)"*) ;;
		*) missing=$((missing + 1)); echo "# not in the DOM: $title";;
		esac
	done <<EOF
$(demo_q $DB "SELECT title FROM objectives o JOIN periods p
    ON p.id = o.period_id WHERE p.name = '$DEMO_Q' ORDER BY o.id")
EOF
	expect_eq "the DOM has the title of every objective of the quarter" \
	    "$missing" 0
	expect_match "... and of the KPIs" "First response time \(&lt; 4 h\)" \
	    "$DEMO_DOM"
fi
