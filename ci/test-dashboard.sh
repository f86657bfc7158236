#!/bin/bash
# Builds a dashboard from 300 generated result files (5 hosts, x86 and ARM),
# reports how long it took, re-runs it on a larger folder and checks that only
# the new files are read; renders the index in headless Chromium if present.
# Usage: ci/test-dashboard.sh [HVBENCH_BINARY]   (default bin/hvbench)
set -u
cd "$(dirname "$0")/.."

HVBENCH=${1:-${HVBENCH:-bin/hvbench}}
TEMPLATE=tests/data/analysis/x86-vmx.json
pass=0
fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

if [ ! -x "$HVBENCH" ]; then
	echo "FAIL: $HVBENCH not built (run make first)"
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# gen FROM TO: runs FROM..TO-1, one a day per host, derived from a real-shaped
# result file; the newest x86-a run (295) is 10% slower.
gen() {
	python3 - "$TEMPLATE" "$work/results" "$1" "$2" <<'PY'
import copy, datetime, json, os, random, sys
tpl = json.load(open(sys.argv[1]))
out, lo, hi = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
hosts = [("x86-a", "vmx", "x86_64", "cycles", 2.1e9, 1.0),
         ("x86-b", "svm", "x86_64", "cycles", 3.0e9, 0.8),
         ("pvm-c", "pvm", "x86_64", "cycles", 2.1e9, 4.0),
         ("arm-d", "arm64-vhe", "aarch64", "counter_ticks", 2.5e7, 0.05),
         ("qemu-e", "arm64-nvhe", "aarch64", "instructions", 0, 0.4)]
def scale_stats(s, k):
    for key in ("min", "p10", "p50", "p90", "p99", "max", "mean", "stddev", "ci95_low", "ci95_high"):
        if key in s:
            s[key] *= k
for i in range(lo, hi):
    name, backend, arch, unit, hz, k = hosts[i % 5]
    rnd = random.Random(i)
    if i == 295:  # the newest x86-a run
        k *= 1.10
    d = copy.deepcopy(tpl)
    day = datetime.datetime(2026, 1, 1) + datetime.timedelta(days=i // 5)
    d["started"] = d["finished"] = day.strftime("%Y-%m-%dT%H:%M:%SZ")
    d["host"].update(hostname=name, backend=backend, arch=arch, emulated=unit == "instructions")
    for b in d["benchmarks"]:
        if b.get("status") != "ok":
            continue
        b["unit"] = unit
        if hz:
            b["counter_hz"] = hz
        else:
            b.pop("counter_hz", None)
        for blk in ("cycles", "round_trip"):
            if blk in b:
                scale_stats(b[blk], k)
        if "samples" in b:
            b["samples"] = [round(x * k * (1 + rnd.gauss(0, 0.002)), 1) for x in b["samples"]]
        # Verdicts come from repetition-level values: five per run, 1% apart.
        c = b.get("cycles") or b.get("round_trip")
        if c:
            b["repetitions"] = [{"iterations": 1000, "stopped_by": "min_time",
                                 "p50": round(c["p50"] * (1 + rnd.gauss(0, 0.01)), 1),
                                 "mean": round(c.get("mean", c["p50"]) * (1 + rnd.gauss(0, 0.01)), 1)}
                                for _ in range(5)]
    os.makedirs(f"{out}/{name}", exist_ok=True)
    json.dump(d, open(f"{out}/{name}/run-{i:04d}.json", "w"))
PY
}

gen 0 250 && echo '{"not": "a result"}' >"$work/results/notes.json"
start=$(date +%s.%N)
"$HVBENCH" dashboard "$work/results" -o "$work/site" >"$work/out1.txt" 2>"$work/err1.txt"
rc=$?
t1=$(python3 -c "print(round($(date +%s.%N) - $start, 2))")
cat "$work/out1.txt"
[ $rc = 0 ] && ok "dashboard over 251 files exited 0 (${t1}s)" || bad "dashboard exited $rc"
grep -q "skipping .*notes.json" "$work/err1.txt" && ok "non-result JSON skipped with a warning" ||
	bad "no warning for notes.json"
gen 250 300
start=$(date +%s.%N)
"$HVBENCH" dashboard "$work/results" -o "$work/site" >"$work/out2.txt" 2>/dev/null
rc=$?
t2=$(python3 -c "print(round($(date +%s.%N) - $start, 2))")
cat "$work/out2.txt"
[ $rc = 0 ] && ok "re-run over 301 files exited 0 (${t2}s)" || bad "re-run exited $rc"
grep -q "(50 read, 251 from cache)" "$work/out2.txt" && ok "re-run read only the 50 new files" ||
	bad "re-run did not use the cache"
for p in index host-x86-a-vmx-quick host-x86-b-svm-quick host-pvm-c-pvm-quick host-arm-d-arm64-vhe-quick host-qemu-e-arm64-nvhe-quick; do
	[ -s "$work/site/$p.html" ] && ok "$p.html written" || bad "$p.html missing"
done
grep -q "id='regressions-table'" "$work/site/index.html" && ok "regression of x86-a flagged" ||
	bad "no regression table"
grep -q "id='arch-panel'" "$work/site/index.html" && ok "x86 vs ARM panel present" ||
	bad "no x86 vs ARM panel"

grep -q "emulated</span>" "$work/site/index.html" && ok "the emulated host is marked" ||
	bad "no emulated mark"

# One host, two suites: each suite's runs compare among themselves only (an
# io-path run is never "the previous run" of a default-suite run), and a
# host without a hostname gets a name that says what it is.
python3 - "$TEMPLATE" "$work/two" <<'PY'
import copy, json, os, sys
tpl, out = json.load(open(sys.argv[1])), sys.argv[2]
os.makedirs(out)
for i, (suite, day) in enumerate([("quick", 1), ("io-path", 2), ("quick", 3), ("io-path", 4)]):
    d = copy.deepcopy(tpl)
    d["suite"]["name"] = suite
    d["started"] = d["finished"] = "2026-02-%02dT10:00:00Z" % day
    d["host"]["hostname"] = "(none)"
    if suite == "io-path":   # a suite whose runs cost 3x: never a regression of quick's
        for b in d["benchmarks"]:
            for blk in ("cycles", "round_trip"):
                for k in ("min", "p10", "p50", "p90", "p99", "max", "mean", "ci95_low", "ci95_high"):
                    if blk in b and k in b[blk]:
                        b[blk][k] *= 3
            b.get("samples") and b.update(samples=[x * 3 for x in b["samples"]])
            for r in b.get("repetitions", []):
                r["p50"] *= 3
                r["mean"] = r.get("mean", r["p50"]) * 3
    json.dump(d, open(f"{out}/run-{i}.json", "w"))
PY
"$HVBENCH" dashboard "$work/two" -o "$work/site2" >/dev/null 2>&1
n=$(ls "$work/site2"/host-*.html 2>/dev/null | wc -l)
if [ "$n" = 2 ] && ! grep -q "id='regressions-table'" "$work/site2/index.html" &&
   grep -q "unnamed x86_64 host" "$work/site2/index.html" &&
   grep -q "<td>io-path</td>" "$work/site2/index.html" && grep -q "<td>quick</td>" "$work/site2/index.html"; then
	ok "two suites on one host: two groups, no cross-suite regression, a name for a nameless host"
else
	bad "two suites: $n host pages; $(grep -o "regressions-table\|unnamed[^<]*" "$work/site2/index.html" | head -3)"
fi
grep -q "id='arch-panel-empty'" "$work/site2/index.html" && ok "the x86 vs ARM panel says why it is empty" ||
	bad "no reason for the empty x86 vs ARM panel"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROMIUM" ]; then
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$work/profile" --dump-dom \
		"file://$work/site/index.html" >"$work/dom.html" 2>/dev/null
	grep -q 'id="hosts-table"' "$work/dom.html" && ok "index renders in Chromium" ||
		bad "index did not render"
else
	echo "SKIP: chromium not installed; index not rendered"
fi
echo "dashboard: $pass passed, $fail failed"
[ "$fail" = 0 ]
