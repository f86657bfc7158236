#!/bin/bash
# Every picture a user looks at is looked at here (issue 19): each PNG
# `hvbench plot` draws from real-shaped results (exit-cost and io-path rows,
# exit profiles, the devices family, a sweep, a second file for the compare
# charts) is decoded and must not be blank (ci/png_nonblank.py: distinct
# colours, pixels off the background); the dashboard's index and a host
# page are rendered in headless Chromium, screenshotted (not blank) and their
# DOM holds the element each page is for. The HTML report has its own
# (ci/test-report.sh).
# Usage: ci/test-pictures.sh [HVBENCH_BINARY]   (default bin/hvbench)
set -u
cd "$(dirname "$0")/.."

HVBENCH=${1:-${HVBENCH:-bin/hvbench}}
pass=0
fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
work=$(mktemp -d /tmp/hvbench-test-pictures-XXXXXX)
trap 'rm -rf "$work"' EXIT

if ! command -v gnuplot >/dev/null; then
	echo "FAIL: gnuplot is missing (make deps installs gnuplot-nox)"
	exit 1
fi
T=tests/data/analysis
# a second run of the template, 10% slower, for the compare charts
python3 - "$T/x86-vmx.json" "$work/later.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["started"] = d["finished"] = "2026-12-01T00:00:00Z"
for b in d["benchmarks"]:
    for blk in ("cycles", "round_trip"):
        for k, v in list(b.get(blk, {}).items()):
            if k != "n" and isinstance(v, (int, float)):
                b[blk][k] = v * 1.1
json.dump(d, open(sys.argv[2], "w"))
PY
files=("$T/x86-vmx.json" "$work/later.json")
[ -f "$T/devices.json" ] && files+=("$T/devices.json")
if "$HVBENCH" plot "${files[@]}" -o "$work/plots" --format png >"$work/plot.log" 2>&1; then
	ok "plot drew $(ls "$work/plots"/*.png | wc -l) charts"
else
	bad "plot: $(tail -3 "$work/plot.log")"
fi
for png in "$work/plots"/*.png; do
	# a chart is mostly white: a few colours (anti-aliasing adds more) and
	# a little ink are enough to tell it from an empty canvas
	if out=$(python3 ci/png_nonblank.py "$png" 8 0.003 2>&1); then
		ok "not blank: $(basename "$png")"
	else
		bad "blank or unreadable: $out"
	fi
done
for c in medians cdf exits profile compare-medians compare-ratio; do
	ls "$work/plots"/*"$c"*.png >/dev/null 2>&1 && ok "a $c chart is among them" || bad "no $c chart"
done
# The Xentrace charts (issue 17) of workloads that really ran in the guest
# and natively: overhead with its CI, exits per run by reason.
if [ -w /dev/kvm ]; then
	"$HVBENCH" run macro_sha256 macro_lz4 -P kib=256 --cpl 3 --min-time 20ms --repetitions 4 \
		-q -o "$work/macro.json" >"$work/macro.log" 2>&1
	if "$HVBENCH" plot "$work/macro.json" -o "$work/mplots" --format png >"$work/mplot.log" 2>&1; then
		for c in xentrace xentrace-exits; do
			png="$work/mplots/macro-$c.png"
			if [ -f "$png" ] && out=$(python3 ci/png_nonblank.py "$png" 8 0.003 2>&1); then
				ok "the $c chart of two workloads, not blank"
			else
				bad "$c chart: ${out:-missing}; $(cat "$work/mplot.log")"
			fi
		done
		grep -q "xentrace-time skipped\|macro-xentrace-time" "$work/mplot.log" &&
			ok "xentrace-time drawn or its absence said" || bad "xentrace-time: $(cat "$work/mplot.log")"
	else
		bad "plot of the macro run: $(tail -3 "$work/mplot.log") ($(tail -3 "$work/macro.log"))"
	fi
else
	echo "SKIP (part): /dev/kvm is not usable here: no workload run for the Xentrace charts"
fi

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	echo "SKIP (part): chromium is not installed (make deps installs it): the dashboard is not rendered"
else
	mkdir -p "$work/results"
	cp "$T/x86-vmx.json" "$work/results/a.json"
	cp "$work/later.json" "$work/results/b.json"
	"$HVBENCH" dashboard "$work/results" -o "$work/site" >/dev/null 2>&1 || bad "dashboard failed"
	chrome() {
		timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
			--no-first-run --disable-background-networking --disable-component-update \
			--disable-sync --user-data-dir="$work/profile" "$@" 2>>"$work/chromium.log"
	}
	host=$(ls "$work/site"/host-*.html | head -1)
	for page in "$work/site/index.html:hosts-table" "$host:trends"; do
		f=${page%%:*} want=${page##*:}
		chrome --dump-dom "file://$f" >"$work/dom.html"
		grep -q "id=\"$want\"" "$work/dom.html" && ok "$(basename "$f") renders with #$want" ||
			bad "$(basename "$f"): no #$want in the DOM"
		chrome --screenshot="$work/shot.png" --window-size=1280,1600 "file://$f" >/dev/null
		if out=$(python3 ci/png_nonblank.py "$work/shot.png" 30 0.02 2>&1); then
			ok "$(basename "$f") screenshot is not blank"
		else
			bad "$(basename "$f") screenshot: $out"
		fi
	done
fi
echo "test-pictures: $pass passed, $fail failed"
[ "$fail" = 0 ]
