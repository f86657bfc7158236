#!/usr/bin/env bash
# What hvbench's own VMM adds to a user-space exit, to the instruction: in
# the emulated SVM machine of ci/x86-emu (QEMU TCG, icount: every figure is
# an emulated instruction count, repeatable), runs the user-space exit rows
# (pio_user, pio_user_out, mmio_user, msr_user; cpuid as the control: it
# never leaves KVM) with hvbench, jailed and --no-jail, and the same
# operations with ci/bench/bare_kvm_loop.c, the smallest KVM_RUN loop there
# is, built here. Prints both and the difference. Goal: within 1%.
# Usage: ci/bench/x86emu-vmm.sh [HVBENCH] [--mode npt|shadow]  (~1 min)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
hv=${HVBENCH:-bin/hvbench} mode=npt
while [ $# -gt 0 ]; do
	case $1 in
		--mode) mode=$2; shift 2 ;;
		*) hv=$1; shift ;;
	esac
done
[ -x "$hv" ] || { echo "x86emu-vmm.sh: no hvbench binary at $hv (make first)" >&2; exit 2; }
dir=build/x86-emu/bench
mkdir -p "$dir"
gcc -O2 -Wall -o "$dir/bare_kvm_loop" ci/bench/bare_kvm_loop.c -lseccomp -lpthread
bash ci/x86-emu/deps.sh >/dev/null
bash ci/x86-emu/run.sh --mode "$mode" --bin "$hv" --bin "$dir/bare_kvm_loop" \
	--file configs/x86emu-vmm.json:suite.json --out "$dir/run-$mode" --timeout 300 -- sh -c '
	for op in empty cpuid pio_in pio_out mmio_read msr_read; do
		for sc in "" seccomp seccomp-ssb thread thread-unshare; do bare_kvm_loop $op 2000 $sc; done
	done > /out/bare.txt
	hvbench run suite.json -q -o /out/jail.json
	hvbench run suite.json -q --no-jail -o /out/nojail.json' >"$dir/run-$mode.log" 2>&1 ||
	{ echo "x86emu-vmm.sh: the emulated run failed (see $dir/run-$mode.log)" >&2; tail -5 "$dir/run-$mode.log" >&2; exit 1; }
python3 - "$dir/run-$mode" "$mode" <<'PY'
import json, sys, os
d, mode = sys.argv[1], sys.argv[2]
bare = {}
for line in open(os.path.join(d, "bare.txt")):
    f = line.split()
    bare[f[0]] = float(f[2])
def rows(name):
    doc = json.load(open(os.path.join(d, name)))
    return {b["name"]: b for b in doc["benchmarks"]}, doc["host"]
jail, host = rows("jail.json")
nojail, _ = rows("nojail.json")
ops = {"cpuid": "cpuid", "pio_user": "pio_in", "pio_user_out": "pio_out",
       "mmio_user": "mmio_read", "msr_user": "msr_read"}
def p50(r, name):
    return r[name]["cycles"]["p50"] if r[name].get("status") == "ok" else float("nan")
def cost(op, v=""):
    k = lambda o: o + ("+" + v if v else "")
    return bare[k(op)] - bare[k("empty")]
print(f"x86emu-vmm: {mode}, unit {host.get('counter_unit')} ({host.get('counter_unit_source')})")
print("Per op, median, probe pair out. The like-for-like yardstick runs KVM_RUN in a thread of its")
print("own, as hvbench and every VMM do (a second thread costs KVM ~47 instructions per round trip")
print("even in the bare loop); jailed hvbench is set against it plus what the same seccomp")
print("allowlist costs the bare loop.")
print(f"{'row':13} {'bare':>6} {'thread':>6} {'+seccomp':>8} | {'no-jail':>7} {'vs thread':>12} | {'jailed':>6} {'vs thread+sc':>12}")
ctl = None
for name, op in ops.items():
    b, bt, bs = cost(op), cost(op, "thread"), cost(op, "seccomp")
    sc = bs - b
    n, j = p50(nojail, name), p50(jail, name)
    print(f"{name:13} {b:6.0f} {bt:6.0f} {sc:+8.0f} | {n:7.0f} {n - bt:+5.0f} {100 * (n - bt) / bt:+5.1f}% | {j:6.0f} {j - bt - sc:+5.0f} {100 * (j - bt - sc) / (bt + sc):+5.1f}%")
print("cpuid never leaves KVM: its difference is the method's (guest side), not the VMM's.")
print("The bare loop's own variants (main thread, seccomp, seccomp-ssb) are in " + os.path.join(d, "bare.txt"))
PY
