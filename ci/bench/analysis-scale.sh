#!/usr/bin/env bash
# Benchmark, not a test: compare, report, export, plot and dashboard on
# large result files must stay near-linear, and a hostile one must be
# refused quickly. Generates (from tests/data/analysis/x86-vmx.json) a file
# of 20,000 records with 5 repetitions each and a file whose one record
# holds 10^7 samples, then times each command on them (wall s, peak RSS).
# Usage: ci/bench/analysis-scale.sh [HVBENCH=bin/hvbench]   (~1 min)
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=${HVBENCH:-${1:-bin/hvbench}}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import copy, json, random, sys
out = sys.argv[1]
tpl = json.load(open("tests/data/analysis/x86-vmx.json"))
ok = [b for b in tpl["benchmarks"] if b.get("status") == "ok"][0]
rnd = random.Random(1)
d = copy.deepcopy(tpl)
recs = []
for i in range(20000):
    b = copy.deepcopy(ok)
    b["params"] = dict(b.get("params", {}), mem_mb=16 + i % 3000, batch=1 + i // 3000)
    b["repetitions"] = [{"iterations": 1000, "stopped_by": "min_time",
                         "p50": b["cycles"]["p50"] * (1 + 0.01 * rnd.random()),
                         "mean": b["cycles"]["p50"]} for _ in range(5)]
    b.pop("samples", None)
    recs.append(b)
d["benchmarks"] = recs
json.dump(d, open(f"{out}/records-20k.json", "w"))
d = copy.deepcopy(tpl)
b = copy.deepcopy(ok)
b["samples"] = [round(b["cycles"]["p50"] * (1 + 0.01 * rnd.random()), 1) for _ in range(10**7)]
d["benchmarks"] = [b]
json.dump(d, open(f"{out}/samples-1e7.json", "w"))
PY
mkdir -p "$work/dash" && cp "$work/records-20k.json" "$work/dash/"
t() {
	local what=$1; shift
	/usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>"$work/err"
	local rc=$?
	read -r s kb < <(tail -1 "$work/t")
	printf '%-40s exit %d  %6.2f s  %5d MiB  %s\n' "$what" "$rc" "$s" $((kb / 1024)) "$(tail -1 "$work/err" | cut -c1-90)"
}
t "compare 20,000 records" "$bin" compare "$work/records-20k.json" "$work/records-20k.json"
t "report 20,000 records" "$bin" report "$work/records-20k.json" -o "$work/r.html"
t "export --csv 20,000 records" "$bin" export "$work/records-20k.json" --csv -o "$work/r.csv"
t "plot 20,000 records" "$bin" plot "$work/records-20k.json" -o "$work/plots" --allow-root-tools
t "dashboard 20,000 records" "$bin" dashboard "$work/dash" -o "$work/site"
t "compare 10^7 samples (refused)" "$bin" compare "$work/samples-1e7.json" "$work/samples-1e7.json"
