#!/bin/bash
# Renders `hvbench report` in headless Chromium and checks the page: expected
# elements in the DOM, nothing loaded from the network, a non-blank screenshot.
# Usage: ci/test-report.sh [HVBENCH_BINARY]   (default bin/hvbench)
# Skips (exit 0, "SKIP: ...") only when Chromium cannot be installed.
set -u
cd "$(dirname "$0")/.."

HVBENCH=${1:-${HVBENCH:-bin/hvbench}}
DATA=tests/data/analysis/x86-vmx.json
pass=0
fail=0

ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

find_chromium() {
	command -v chromium || command -v chromium-browser || true
}

CHROMIUM=$(find_chromium)
if [ -z "$CHROMIUM" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	echo "chromium missing: installing Debian's chromium"
	(apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq chromium) >/dev/null 2>&1
	CHROMIUM=$(find_chromium)
fi
if [ -z "$CHROMIUM" ]; then
	echo "SKIP: chromium is not installed and could not be installed; HTML report not rendered"
	exit 0
fi
if [ ! -x "$HVBENCH" ]; then
	echo "FAIL: $HVBENCH not built (run make first)"
	exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chrome() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--disable-quic --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync \
		--user-data-dir="$work/profile" "$@" 2>"$work/chromium.log"
}

if "$HVBENCH" report "$DATA" -o "$work/report.html" >/dev/null; then
	ok "report written"
else
	bad "hvbench report $DATA exited $?"
	echo "$pass passed, $fail failed"
	exit 1
fi

# Self-contained: no external URL may be fetched (SVG's xmlns is a name,
# not a fetch, so only src= / href= / url( count).
if grep -Eq "(src|href)=['\"]?(https?:)?//|url\\(['\"]?https?:" "$work/report.html"; then
	bad "report references the network"
else
	ok "no network references"
fi

chrome --dump-dom "file://$work/report.html" >"$work/dom.html"
for want in "id=\"host-table\"" "id=\"summary\"" "id=\"table-exit-cost\"" \
	"class=\"suspect\"" "id=\"suspects\"" "id=\"io-breakdown\"" \
	"id=\"not-measured\"" "<svg"; do
	if grep -q -- "$want" "$work/dom.html"; then
		ok "DOM has $want"
	else
		bad "DOM lacks $want"
	fi
done

chrome --screenshot="$work/shot.png" --window-size=1280,2000 \
	"file://$work/report.html" >/dev/null
if [ -n "${KEEP_SCREENSHOT:-}" ]; then
	cp "$work/shot.png" "$KEEP_SCREENSHOT"
fi
if python3 ci/png_nonblank.py "$work/shot.png"; then
	ok "screenshot is not blank"
else
	bad "screenshot looks blank"
fi

echo "report: $pass passed, $fail failed"
[ "$fail" = 0 ]
