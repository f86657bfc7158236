#!/usr/bin/env bash
# The memory family's vCPU-scaling series (issue 13, VMware's EPT study
# chart): mmu_mix, a kernel-compile-like mix of fork-like address spaces,
# faults, page-table updates and compute, on 1/2/4/8 vCPUs, in the emulated
# SVM machine of ci/x86-emu with nested paging on (npt) and off (shadow),
# then `hvbench compare` (the gain per row) and `hvbench plot` (the bars,
# normalised to 1 vCPU on the shadow run). Prints each point's median per
# operation and its value normalised to shadow at 1 vCPU.
#
# What it can and cannot show: under icount every figure is an emulated
# instruction count (repeatable), and QEMU runs the guest's vCPUs one after
# another on one emulated CPU (-smp 1): a point is the whole work of one
# operation over all vCPUs, not parallel wall time. The shadow MMU's extra
# work (traps, emulated page-table writes, resyncs) grows with the vCPUs
# that share an address space; NPT's does not. A real host's parallel
# speed-up comes on top: run configs/x86-emu-mmu-scaling.json there with
# kvm_amd npt=0/1 or kvm_intel ept=0/1.
# Usage: ci/bench/mmu-scaling.sh [HVBENCH]   (~2-4 min; results in build/x86-emu/scaling/)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
hv=${1:-${HVBENCH:-bin/hvbench}}
[ -x "$hv" ] || { echo "mmu-scaling.sh: no hvbench binary at $hv (make first)" >&2; exit 2; }
dir=build/x86-emu/scaling
mkdir -p "$dir"
bash ci/x86-emu/deps.sh >/dev/null
for mode in npt shadow; do
	bash ci/x86-emu/run.sh --mode $mode --bin "$hv" --file configs/x86-emu-mmu-scaling.json:suite.json \
		--out "$dir/run-$mode" --timeout 400 -- sh -c "hvbench run suite.json -q -o /out/$mode.json" \
		>"$dir/run-$mode.log" 2>&1 ||
		{ echo "mmu-scaling.sh: the $mode run failed (see $dir/run-$mode.log)" >&2; tail -5 "$dir/run-$mode.log" >&2; exit 1; }
	cp "$dir/run-$mode/$mode.json" "$dir/$mode.json"
done
python3 - "$dir" <<'PY'
import json, os, sys
d = sys.argv[1]
pts = {}
for mode in ("npt", "shadow"):
    doc = json.load(open(os.path.join(d, mode + ".json")))
    for b in doc["benchmarks"]:
        if b["name"] == "mmu_mix" and b.get("status") == "ok":
            c = b["cycles"]
            pts[(mode, b["params"]["vcpus"])] = (c["p50"], c["p10"], c["p90"], c["n"], b["unit"])
base = pts.get(("shadow", 1))
if not base:
    sys.exit("mmu-scaling.sh: no shadow point at 1 vCPU")
print(f"mmu_mix per operation (8 tasks), median [p10, p90] n, {base[4]}; norm = / shadow at 1 vCPU")
print(f"{'vCPUs':>5}  {'npt':>28} {'norm':>6}  {'shadow':>28} {'norm':>6}  npt/shadow")
for v in (1, 2, 4, 8):
    n, s = pts.get(("npt", v)), pts.get(("shadow", v))
    f = lambda p: f"{p[0]:>10.0f} [{p[1]:.0f}, {p[2]:.0f}] n={p[3]}" if p else "—"
    g = lambda p: f"{p[0] / base[0]:6.3f}" if p else "     —"
    r = f"{n[0] / s[0]:.3f}" if n and s else "—"
    print(f"{v:>5}  {f(n):>28} {g(n)}  {f(s):>28} {g(s)}  {r}")
PY
"$hv" compare "$dir/npt.json" "$dir/shadow.json" || true
"$hv" plot "$dir/shadow.json" "$dir/npt.json" -o "$dir/plots" >/dev/null && echo "plots: $dir/plots"
