#!/bin/bash
# Hostile result files against the real binary and the real gnuplot: a corpus
# of attack strings (backticks, system(), newlines, quotes, escapes, $(..), @,
# binary bytes, 5,000 characters) in every string field of a result file and
# in its file name, through every chart of `plot` and through report,
# dashboard, export, compare. No command may run (a marker never appears),
# every chart must still render, no control byte may reach the terminal, and
# under root gnuplot runs as an unprivileged user. ~1-2 min.
# Usage: ci/test-hostile-files.sh [HVBENCH_BINARY]   (default bin/hvbench)
set -u
cd "$(dirname "$0")/.."

HVBENCH=${1:-${HVBENCH:-bin/hvbench}}
HVBENCH=$(realpath "$HVBENCH" 2>/dev/null || echo "$HVBENCH")
TEMPLATE=tests/data/analysis/x86-vmx.json
pass=0
fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

if [ ! -x "$HVBENCH" ]; then
	echo "FAIL: $HVBENCH not built (run make first)"
	exit 1
fi
if ! command -v python3 >/dev/null; then
	echo "SKIP: python3 missing (the hostile files are generated with it)"
	exit 0
fi
if ! command -v gnuplot >/dev/null; then
	echo "SKIP: gnuplot missing (make deps installs gnuplot-nox)"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# World-writable, so a command that ran as the unprivileged tool user would
# leave its marker too.
mark=$work/mark
mkdir -m 1777 "$mark"
chmod 755 "$work"
export HVB_MARK=$mark/OWNED

# The corpus, and hostile copies of the template: one file per payload with
# the payload in every free-text field, one with every string field at once
# (enum fields included: the loader may refuse it, but nothing may run).
python3 - "$TEMPLATE" "$work/in" <<'PY'
import json, os, sys
tpl, out = sys.argv[1], sys.argv[2]
os.makedirs(out)
M = "$HVB_MARK"
corpus = [
    "`touch " + M + "-bt`",
    'x" . system("touch ' + M + '-sys") . "',
    "x' . system('touch " + M + "-sq') . '",
    "line1\nsystem(\"touch " + M + "-nl\")\nplot '-'",
    "a; system(\"touch " + M + "-semi\"); b",
    "\\\"; `touch " + M + "-esc` \\",
    "$(touch " + M + "-dollar)",
    "@GPVAL_PWD @x `touch " + M + "-at`",
    "literal \\n and \\t and \\\\ and \\x41",
    "bin \x01\x07\x08\x0b\x0c\x0d\x1b[2J\x1b]0;title\x07\x7f\u0085\u009b31m\u00e9\u2028 end",
    "<script>alert(1)</script> & =cmd|' /C calc'!A0",
    "A" * 5000 + "`touch " + M + "-long`",
]
ENUMS = {"schema", "status", "unit", "exit_stat", "started", "finished"}

def walk(v, fn, key=None):
    if isinstance(v, dict):
        return {k: walk(x, fn, k) for k, x in v.items()}
    if isinstance(v, list):
        return [walk(x, fn, key) for x in v]
    if isinstance(v, str):
        return fn(key, v)
    return v

doc = json.load(open(tpl))
def dump(name, d):
    # surrogates (lone \ud800) are written as the invalid UTF-8 they encode
    data = json.dumps(d, indent=1, ensure_ascii=False).encode("utf-8", "surrogatepass")
    open(os.path.join(out, name), "wb").write(data)
for i, p in enumerate(corpus):
    # free text: names keep a per-record suffix so records stay distinct
    d = walk(doc, lambda k, v: v if k in ENUMS else p + " " + v)
    for seg_b in d["benchmarks"]:
        for s in seg_b.get("segments", []) or []:
            if isinstance(s, dict) and "name" in s:
                s["name"] = p + s["name"]
        # exit reasons are keys: they reach the profile charts' legend
        ep = seg_b.get("exit_profile")
        if isinstance(ep, dict) and isinstance(ep.get("reasons"), dict):
            ep["reasons"] = {p + k: v for k, v in ep["reasons"].items()}
    dump("payload-%02d.json" % i, d)
d = walk(doc, lambda k, v: corpus[0] + v)
dump("all-strings.json", d)
# JSON is UTF-8: a lone surrogate is invalid UTF-8, which the loader refuses
d = walk(doc, lambda k, v: v if k in ENUMS else "\ud800\x1b[2J" + v)
os.makedirs(os.path.join(out, "bad"))
dump(os.path.join("bad", "invalid-utf8.json"), d)
# file names: the payloads that can be a name (no '/', no NUL)
names = ["`touch $HVB_MARK-fn`.json", "$(touch $HVB_MARK-fn2).json",
         "a'b\"c;system(\"touch $HVB_MARK-fn3\").json",
         "nl\nsystem(\"touch $HVB_MARK-fn4\").json", "\x1b[2Jesc\x9b.json"]
for n in names:
    os.makedirs(os.path.join(out, "names"), exist_ok=True)
    dump(os.path.join("names", n), doc)
PY

# No byte below 0x20 but \n and \t, no DEL, no ESC, no C1 (as UTF-8 or raw)
# in what a command printed.
clean_output() {
	python3 - "$1" <<'PY'
import re, sys
b = open(sys.argv[1], "rb").read()
bad = re.search(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", b)
try:
    b.decode("utf-8")
except UnicodeDecodeError as e:
    print("invalid UTF-8 at byte %d" % e.start)
    sys.exit(1)
if bad:
    print("control byte %r at %d" % (bad.group(0), bad.start()))
    sys.exit(1)
PY
}

no_marker() {
	if [ -n "$(ls -A "$mark")" ]; then
		bad "$1: a command ran: $(ls "$mark" | tr '\n' ' ')"
		rm -f "$mark"/*
	else
		ok "$1: no command ran"
	fi
}

# Every chart plot can draw: per file medians, cdf, exits, io-breakdown (the
# template has 0x22e records), profile and profile-share (its exit
# profiles, reason names hostile too); for two files compare-medians,
# compare-ratio.
CHARTS="medians cdf exits io-breakdown profile profile-share"
check_charts() { # DIR STEM...
	local dir=$1 missing=""
	shift
	for stem in "$@"; do
		for c in $CHARTS; do
			for f in png svg; do
				[ -s "$dir/$stem-$c.$f" ] || missing="$missing $stem-$c.$f"
			done
		done
	done
	for c in medians ratio; do
		for f in png svg; do
			[ -s "$dir/compare-$c.$f" ] || missing="$missing compare-$c.$f"
		done
	done
	echo "$missing"
}

# Sees which user gnuplot runs as, then runs it.
cat >"$work/gp-wrap" <<EOF
#!/bin/sh
id -u >>"$mark/../uids" 2>/dev/null || true
exec gnuplot "\$@"
EOF
chmod 755 "$work/gp-wrap"
touch "$work/uids"
chmod 666 "$work/uids"

for f in "$work"/in/payload-*.json; do
	n=$(basename "$f" .json)
	out="$work/plot-$n"
	# a twin, so the comparison charts have benchmarks in common
	cp "$f" "$work/in/twin-$n.json"
	HVBENCH_GNUPLOT="$work/gp-wrap" "$HVBENCH" plot "$f" "$work/in/twin-$n.json" \
		-o "$out" >"$work/o" 2>"$work/e"
	rc=$?
	rm -f "$work/in/twin-$n.json"
	no_marker "plot $n"
	missing=$(check_charts "$out" "$n" "twin-$n")
	if [ $rc = 0 ] && [ -z "$missing" ]; then
		ok "plot $n: every chart rendered"
	else
		bad "plot $n: exit $rc, missing:$missing; $(head -c 300 "$work/e")"
	fi
	cat "$work/o" "$work/e" >"$work/oe"
	if msg=$(clean_output "$work/oe"); then
		ok "plot $n: no control byte printed"
	else
		bad "plot $n: $msg"
	fi
done

"$HVBENCH" plot "$work/in/all-strings.json" -o "$work/plot-all" >"$work/o" 2>"$work/e"
rc=$?
no_marker "plot with every string field hostile (exit $rc)"
cat "$work/o" "$work/e" >"$work/oe"
if msg=$(clean_output "$work/oe"); then ok "plot all-strings: clean output"; else bad "plot all-strings: $msg"; fi

for f in "$work"/in/names/*; do
	"$HVBENCH" plot "$f" "$TEMPLATE" -o "$work/plot-names" >"$work/o" 2>"$work/e"
	rc=$?
	no_marker "plot of a hostile file name"
	[ $rc = 0 ] && ok "plot of a hostile file name: exit 0" ||
		bad "plot of a hostile file name: exit $rc: $(head -c 300 "$work/e")"
	cat "$work/o" "$work/e" >"$work/oe"
	if msg=$(clean_output "$work/oe"); then ok "hostile file name: clean output"; else bad "hostile file name: $msg"; fi
done

# Who ran gnuplot: under root never uid 0.
if [ "$(id -u)" = 0 ]; then
	if [ -s "$work/uids" ] && ! grep -qx 0 "$work/uids"; then
		ok "under root, gnuplot ran as uid $(sort -u "$work/uids" | tr '\n' ' ')"
	else
		bad "gnuplot ran as root (uids: $(sort -u "$work/uids" | tr '\n' ' '))"
	fi
	: >"$work/uids"
	HVBENCH_TOOL_USER=no-such-user-hvb HVBENCH_GNUPLOT="$work/gp-wrap" \
		"$HVBENCH" plot "$TEMPLATE" -o "$work/plot-nouser" >"$work/o" 2>"$work/e"
	rc=$?
	if [ $rc = 5 ] && grep -q "refusing to run gnuplot as root" "$work/e" &&
		[ ! -s "$work/uids" ]; then
		ok "no unprivileged user: refused with exit 5, gnuplot not started"
	else
		bad "no unprivileged user: exit $rc, uids $(cat "$work/uids"): $(cat "$work/e")"
	fi
	HVBENCH_TOOL_USER=no-such-user-hvb HVBENCH_GNUPLOT="$work/gp-wrap" \
		"$HVBENCH" plot --allow-root-tools "$TEMPLATE" -o "$work/plot-root" \
		>"$work/o" 2>"$work/e"
	rc=$?
	if [ $rc = 0 ] && grep -qx 0 "$work/uids" && [ -s "$work/plot-root/x86-vmx-medians.png" ]; then
		ok "--allow-root-tools: gnuplot ran as root on request"
	else
		bad "--allow-root-tools: exit $rc: $(cat "$work/e")"
	fi
else
	echo "note: not root, the privilege drop is not exercised"
fi

# The other commands that read result files: nothing runs, nothing raw is
# printed, the HTML has no live markup from the file.
for f in "$work"/in/payload-*.json "$work/in/all-strings.json"; do
	n=$(basename "$f" .json)
	"$HVBENCH" report "$f" -o "$work/r-$n.html" >"$work/o" 2>"$work/e"
	rc1=$?
	"$HVBENCH" export "$f" --csv -o "$work/x-$n.csv" >>"$work/o" 2>>"$work/e"
	"$HVBENCH" compare "$TEMPLATE" "$f" >>"$work/o" 2>>"$work/e"
	"$HVBENCH" compare "$f" "$f" >>"$work/o" 2>>"$work/e"
	cat "$work/o" "$work/e" >"$work/oe"
	if msg=$(clean_output "$work/oe"); then ok "report/export/compare $n: clean output"; else bad "report/export/compare $n: $msg"; fi
	if [ "$n" != all-strings ]; then
		[ $rc1 = 0 ] && ok "report $n: written" || bad "report $n: exit $rc1: $(head -c 300 "$work/e")"
		if grep -q "<script" "$work/r-$n.html"; then bad "report $n: raw <script> from the file"; else ok "report $n: markup escaped"; fi
	fi
done
for c in plot report export compare; do
	if [ $c = plot ]; then
		"$HVBENCH" plot "$work/in/bad/invalid-utf8.json" -o "$work/plot-bad" >"$work/o" 2>"$work/e"
	elif [ $c = compare ]; then
		"$HVBENCH" compare "$TEMPLATE" "$work/in/bad/invalid-utf8.json" >"$work/o" 2>"$work/e"
	elif [ $c = export ]; then
		"$HVBENCH" export "$work/in/bad/invalid-utf8.json" --csv -o "$work/bad.csv" >"$work/o" 2>"$work/e"
	else
		"$HVBENCH" report "$work/in/bad/invalid-utf8.json" -o "$work/bad.html" >"$work/o" 2>"$work/e"
	fi
	rc=$?
	cat "$work/o" "$work/e" >"$work/oe"
	if [ $rc = 2 ] && msg=$(clean_output "$work/oe"); then
		ok "$c: invalid UTF-8 refused (exit 2), message clean"
	else
		bad "$c: invalid UTF-8: exit $rc ${msg:-}"
	fi
done
mkdir -p "$work/dash-in"
cp "$work"/in/payload-*.json "$work/dash-in/"
cp "$work"/in/names/* "$work/dash-in/"
"$HVBENCH" dashboard "$work/dash-in" -o "$work/site" >"$work/o" 2>"$work/e"
rc=$?
[ $rc = 0 ] && ok "dashboard over hostile files: exit 0" || bad "dashboard: exit $rc: $(head -c 300 "$work/e")"
cat "$work/o" "$work/e" >"$work/oe"
if msg=$(clean_output "$work/oe"); then ok "dashboard: clean output"; else bad "dashboard: $msg"; fi
if grep -rq --include='*.html' --include='*.svg' "<script" "$work/site" 2>/dev/null; then bad "dashboard: raw <script> from a file"; else ok "dashboard: markup escaped"; fi
no_marker "report, export, compare, dashboard"

# Suite files: a FIFO is refused at once (exit 4), a missing file is 4, a
# malformed one 2; the suite's name with ESC sequences prints escaped.
mkfifo "$work/suite.fifo"
timeout 10 "$HVBENCH" run "$work/suite.fifo" >"$work/o" 2>"$work/e"
rc=$?
if [ $rc = 4 ] && grep -q "not a regular file" "$work/e"; then
	ok "run with a FIFO as suite: refused at once, exit 4"
else
	bad "run with a FIFO as suite: exit $rc (124 = hung): $(cat "$work/e")"
fi
"$HVBENCH" run "$work/no-such-suite.json" >"$work/o" 2>"$work/e"
rc=$?
[ $rc = 4 ] && ok "missing suite: exit 4" || bad "missing suite: exit $rc"
printf '{"name": "s", "benchmarks": [\n' >"$work/bad-suite.json"
"$HVBENCH" run "$work/bad-suite.json" >"$work/o" 2>"$work/e"
rc=$?
[ $rc = 2 ] && ok "malformed suite: exit 2" || bad "malformed suite: exit $rc"
printf '{"name": "s\\u001b[2J\\u009b\\u0007x", "benchmarks": [{"name": "bad\\u001b[2J"}]}\n' \
	>"$work/esc-suite.json"
"$HVBENCH" run "$work/esc-suite.json" >"$work/o" 2>"$work/e"
rc=$?
cat "$work/o" "$work/e" >"$work/oe"
if [ $rc = 2 ] && msg=$(clean_output "$work/oe"); then
	ok "suite with ESC in names: refused (exit 2), nothing raw printed"
else
	bad "suite with ESC in names: exit $rc ${msg:-}"
fi

# Two runs started at once pick the same default name (host + second):
# both results must be kept, in two files.
if "$HVBENCH" info >/dev/null 2>&1; then
	mkdir -p "$work/runs"
	printf '{"name": "tiny", "defaults": {"repetitions": 4, "min_time_ms": 5}, "benchmarks": [{"name": "empty"}]}\n' \
		>"$work/runs/tiny.json"
	printf '{"name": "esc\\u001b[2J\\u009bname", "defaults": {"repetitions": 4, "min_time_ms": 5}, "benchmarks": [{"name": "empty"}]}\n' \
		>"$work/runs/esc.json"
	(cd "$work/runs" && "$HVBENCH" run tiny.json >a.out 2>&1 & \
	 cd "$work/runs" && "$HVBENCH" run tiny.json >b.out 2>&1 & wait)
	n=$(ls "$work/runs/results" 2>/dev/null | grep -c '\.json$')
	if [ "$n" = 2 ]; then
		ok "two runs started at once: two result files ($(ls "$work/runs/results" | tr '\n' ' '))"
	else
		bad "two runs started at once: $n result files: $(cat "$work/runs/a.out" "$work/runs/b.out" | tail -4)"
	fi
	(cd "$work/runs" && "$HVBENCH" run esc.json -o esc-result.json >"$work/o" 2>"$work/e")
	rc=$?
	cat "$work/o" "$work/e" >"$work/oe"
	if [ $rc = 0 ] && msg=$(clean_output "$work/oe") && grep -q 'esc\\u001b\[2J\\u009bname' "$work/o"; then
		ok "run: a suite name with ESC and C1 prints escaped"
	else
		bad "run with ESC in the suite name: exit $rc ${msg:-} $(head -c 300 "$work/o")"
	fi
else
	echo "note: /dev/kvm unusable, the concurrent-run check is skipped"
fi

# compare's table: a variant holding a newline stays on its row, as the
# two characters \n (a reader's columns and a script's lines hold)
"$HVBENCH" compare tests/data/analysis/devices.json tests/data/analysis/devices.json >"$work/cmp" 2>&1
if grep -q 'pwned.*\\n<script>x</script>\] .*cycles' "$work/cmp" && ! grep -q '^<script>' "$work/cmp"; then
	ok "compare: a variant's newline is escaped inside its row"
else
	bad "compare: a hostile variant broke its row: $(grep -A1 pwned "$work/cmp" | head -2)"
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
