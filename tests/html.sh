#!/bin/sh
# SPDX-License-Identifier: MIT
# html.sh BIN TMPDIR -- a finding's HTML picture in a real browser: headless
# Chromium (Debian's chromium package) loads the page from disk, its DOM is
# read back (the header, the finding, every row of the diagram) and a
# screenshot is taken, which must be far from blank.  Skips, saying so, when
# Chromium is not installed (CI does not install it).
BIN=$1
T=$2/html
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}
if [ -z "$CHROMIUM" ]; then
	echo "skip tests/html.sh: chromium is not installed (apt-get install chromium to run it)"
	exit 0
fi
mkdir -p "$T"
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

"$BIN" run -q --out "$T/o" scenarios/punch-hole-vs-read.yaml >/dev/null
P=$T/o/punch-hole-vs-read.stale-read.html
[ -s "$P" ] || { bad "no picture $P"; exit 1; }
abs=$(cd "$(dirname "$P")" && pwd)/$(basename "$P")
# --no-sandbox: CI and this test may run as root; the page is our own file.
chrome() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--hide-scrollbars --user-data-dir="$T/profile" "$@" 2>/dev/null
}
chrome --dump-dom "file://$abs" > "$T/dom.html"
rows=$(grep -c '<tr' "$P")
if grep -q '<h1>punch-hole-vs-read: stale-read</h1>' "$T/dom.html" &&
   grep -q 'stale-read: read(a, 4096, 4096) by reader' "$T/dom.html" &&
   [ "$(grep -c '<tr' "$T/dom.html")" -eq "$rows" ]; then
	ok "chromium reads the page: header, finding, all $rows rows"
else
	bad "chromium's DOM of $P lacks the header, the finding or rows"
fi
rm -f "$T/shot.png"
chrome --window-size=1200,1400 --screenshot="$T/shot.png" "file://$abs" >/dev/null
# A blank page of this size is about 8 KB; the diagram is many times that.
size=$(wc -c < "$T/shot.png" 2>/dev/null || echo 0)
if [ "$(head -c 4 "$T/shot.png" 2>/dev/null | od -An -c | tr -d ' ')" = "211PNG" ] &&
   [ "$size" -gt 40000 ]; then
	ok "chromium's screenshot of the page: $T/shot.png ($size bytes, not blank)"
else
	bad "chromium's screenshot of $P is missing or blank ($size bytes)"
fi
exit $fail
