#!/bin/bash
# The trend charts' x axis names the host's kernel (issue 18: "the kernel /
# git commit on the trend axis"), from each run's host block, in the
# dashboard of a folder and in the dashboard of the store (--db, SQLite),
# and a hostile kernel string (markup, quotes, control bytes, 300 bytes)
# reaches the page escaped, cut short, with its whole text as the tooltip.
# Eight runs of one host from tests/data/analysis/x86-vmx.json: more than
# the last DASH_HISTORY + 1 a comparison reads, so the oldest run's label
# comes from the store's tables where --db reads only those in full. ~1 s.
# Usage: ci/test-dashboard-kernel.sh [HVBENCH_BINARY]   (default bin/hvbench)
set -u
cd "$(dirname "$0")/.."

HVBENCH=${1:-${HVBENCH:-bin/hvbench}}
pass=0
fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

if ! command -v python3 >/dev/null; then
	echo "SKIP: python3 missing (it writes the result files)"
	exit 0
fi
if [ ! -x "$HVBENCH" ]; then
	echo "FAIL: $HVBENCH not built (run make first)"
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# oldest: markup; then plain ones; latest: quotes, '&', a BEL, then 300 bytes
python3 - tests/data/analysis/x86-vmx.json "$work/results" <<'PY'
import copy, json, os, sys
tpl, out = json.load(open(sys.argv[1])), sys.argv[2]
os.makedirs(out)
kernels = (["6.1.0-old<script>alert(1)</script>"] + ["6.5.0-mid%d" % i for i in range(6)] +
           ["6.8.0-new'&\"\u0007" + "x" * 300])
for i, k in enumerate(kernels):
    d = copy.deepcopy(tpl)
    d["started"] = d["finished"] = "2026-03-%02dT10:00:00Z" % (i + 1)
    d["host"]["hostname"] = "kern-host"
    d["host"]["kernel"] = k
    d.setdefault("tool", {})["git"] = "abcdef1234567890"
    json.dump(d, open(f"{out}/run-{i}.json", "w"))
PY

# check SITE WHAT: the host page's trend axis in SITE
check() {
	local page
	page=$(ls "$1"/host-kern-host-*.html 2>/dev/null | head -n 1)
	if [ -z "$page" ]; then
		bad "$2: no host page"
		return
	fi
	# the oldest run's kernel, cut at 28 bytes, escaped
	grep -qF '>kernel 6.1.0-old&lt;script&gt;alert(1)&lt;/s...</text>' "$page" &&
		ok "$2: the oldest run's kernel labels the axis's left end, escaped and cut" ||
		bad "$2: no escaped kernel at the left end"
	# the latest's: quotes and '&' escaped, the BEL a '?', its whole text the tooltip
	grep -qF "<title>6.8.0-new&#39;&amp;&quot;?xxxx" "$page" &&
		grep -qF ">kernel 6.8.0-new&#39;&amp;&quot;?xxxxxxxxxxxxxxx...</text>" "$page" &&
		ok "$2: the latest run's kernel labels the right end, escaped, the whole as tooltip" ||
		bad "$2: no escaped kernel at the right end"
	grep -qF '2026-03-08, hvbench abcdef123456' "$page" &&
		ok "$2: the day and the commit are still there" || bad "$2: no day and commit"
	if grep -q '<script\|</script\|\x07' "$page"; then
		bad "$2: the hostile kernel reached the page unescaped"
	else
		ok "$2: no markup or control byte of the kernel strings on the page"
	fi
}

"$HVBENCH" dashboard "$work/results" -o "$work/site" >/dev/null 2>"$work/err1" ||
	bad "dashboard of the folder failed: $(head -c 300 "$work/err1")"
check "$work/site" "folder"
"$HVBENCH" db import -q --db "$work/store.db" "$work/results" >/dev/null 2>"$work/err2" ||
	bad "db import failed: $(head -c 300 "$work/err2")"
"$HVBENCH" dashboard --db "$work/store.db" -o "$work/site-db" >/dev/null 2>"$work/err3" ||
	bad "dashboard --db failed: $(head -c 300 "$work/err3")"
check "$work/site-db" "--db"
echo "dashboard kernel axis: $pass passed, $fail failed"
[ "$fail" = 0 ]
