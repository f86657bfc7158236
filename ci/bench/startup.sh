#!/usr/bin/env bash
# Benchmark, not a test: what starting a run costs. Runs the start-up probe
# (`hvbench info --startup-probe`: host set-up, load window, one jailed VM of
# the "empty" benchmark, as `hvbench run` does) N times with a warm host
# cache and N times with a cold one, each exec'd with a CLOCK_MONOTONIC stamp
# taken right before execve (HVBENCH_EXEC_NS), and prints median, quartiles
# and range of:
#   exec -> first sample        (targets: <= 50 ms warm)
#   VM creation -> vCPU threads entering KVM_RUN (the guest's first
#     instruction follows; target <= 5 ms)
#   VM creation -> the guest's first call (an upper bound on the above)
# Usage: ci/bench/startup.sh [N=20] [HVBENCH=bin/hvbench]   (~N x 0.5 s)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-20}
bin=${HVBENCH:-bin/hvbench}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

probe() { # probe XDG_CACHE_HOME -> one JSON line
	XDG_CACHE_HOME=$1 python3 -c '
import os, sys, time
os.environ["HVBENCH_EXEC_NS"] = str(time.clock_gettime_ns(time.CLOCK_MONOTONIC))
os.execv(sys.argv[1], [sys.argv[1], "info", "--startup-probe"])' "$bin"
}

mkdir -p "$work/warm"
probe "$work/warm" >/dev/null	# fills the cache
for i in $(seq 1 "$n"); do
	probe "$work/warm" >>"$work/warm.jsonl"
	rm -rf "$work/cold" && mkdir -p "$work/cold"
	probe "$work/cold" >>"$work/cold.jsonl"
done
python3 - "$work/warm.jsonl" "$work/cold.jsonl" <<'PY'
import json, statistics, sys
keys = [("exec_to_first_sample_ms", "exec -> first sample"),
        ("vm_create_to_vcpu_start_ms", "VM creation -> vCPUs enter KVM_RUN"),
        ("vm_create_to_guest_ready_ms", "VM creation -> guest's first call"),
        ("exec_to_host_ms", "exec -> host known")]
for path, label in zip(sys.argv[1:], ["warm cache", "cold cache"]):
    rows = [json.loads(l) for l in open(path) if l.strip()]
    caches = sorted({r.get("host_cache") for r in rows})
    errs = [r["error"] for r in rows if "error" in r]
    print(f"== {label}: {len(rows)} runs, host cache {'/'.join(map(str, caches))}"
          + (f", {len(errs)} errors: {errs[0]}" if errs else ""))
    for k, name in keys:
        v = sorted(r[k] for r in rows if k in r)
        if not v:
            continue
        q = statistics.quantiles(v, n=4) if len(v) > 1 else [v[0]] * 3
        print(f"  {name:36s} median {statistics.median(v):7.2f} ms  "
              f"IQR {q[0]:.2f}..{q[2]:.2f}  range {v[0]:.2f}..{v[-1]:.2f} ms")
PY
