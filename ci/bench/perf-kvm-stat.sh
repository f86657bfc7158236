#!/usr/bin/env bash
# hvbench's exit profile beside `perf kvm stat report` of the same run
# (issue 15): in the emulated SVM machine of ci/x86-emu, where
# kvm:kvm_exit fires, `perf kvm stat record` wraps `hvbench run
# configs/x86-emu-profile.json --profile`, then `perf kvm stat report`
# (VM exits, then I/O ports) reads what it recorded. perf's table covers
# the whole process (preflight, counting runs, warm-up, the call channel's
# own port 0xf00); hvbench's covers each row's measured window, with the
# call channel taken out. Times are emulated (icount: 1 ns per
# instruction). Needs the host's perf (Debian linux-perf) for the guest
# kernel's version.
# Usage: ci/bench/perf-kvm-stat.sh [HVBENCH]   (~40 s; output in build/x86-emu/perf-kvm/)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
hv=${1:-${HVBENCH:-bin/hvbench}}
[ -x "$hv" ] || { echo "perf-kvm-stat.sh: no hvbench binary at $hv (make first)" >&2; exit 2; }
perf=$(command -v perf) || { echo "perf-kvm-stat.sh: no perf here (apt-get install linux-perf)" >&2; exit 2; }
dir=build/x86-emu/perf-kvm
mkdir -p "$dir"
bash ci/x86-emu/deps.sh >/dev/null
bash ci/x86-emu/run.sh --mode npt --bin "$hv" --bin "$perf" --file configs/x86-emu-profile.json:suite.json \
	--out "$dir/run" --timeout 300 -- sh -c '
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
	mount -t debugfs nodev /sys/kernel/debug 2>/dev/null
	perf kvm stat record -o /tmp/perf.data -- hvbench run suite.json --no-jail --profile -o /out/profile.json > /out/hvbench.txt 2>&1
	perf kvm -i /tmp/perf.data stat report > /out/perf-kvm.txt 2>&1
	perf kvm -i /tmp/perf.data stat report --event=ioport >> /out/perf-kvm.txt 2>&1' >"$dir/run.log" 2>&1 ||
	{ echo "perf-kvm-stat.sh: the emulated run failed (see $dir/run.log)" >&2; tail -5 "$dir/run.log" >&2; exit 1; }
echo "== hvbench run --profile (per row, its measured window)"
cat "$dir/run/hvbench.txt"
echo
echo "== perf kvm stat report (the whole process)"
cat "$dir/run/perf-kvm.txt"
