#!/usr/bin/env bash
# Benchmark, not a test: does the jail (child process, dropped root,
# no_new_privs, seccomp allowlist) change any exit cost beyond noise?
# Runs configs/default.json N times jailed and N times with --no-jail,
# interleaved, then `hvbench compare` run-level (A1..AN vs B1..BN).
# Usage: ci/bench/jail.sh [N=5] [HVBENCH=bin/hvbench]   (~N x 12 s)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-5}
bin=${HVBENCH:-bin/hvbench}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for i in $(seq 1 "$n"); do
	"$bin" run configs/default.json -q -o "$out/jail-$i.json" || true
	"$bin" run configs/default.json -q --no-jail -o "$out/nojail-$i.json" || true
done
a=() b=()
for i in $(seq 1 "$n"); do a+=("$out/nojail-$i.json"); b+=("$out/jail-$i.json"); done
echo "== --no-jail (A) vs jailed (B), $n runs each"
rc=0
"$bin" compare "${a[@]}" vs "${b[@]}" || rc=$?
echo "compare exit code: $rc (0: no row significantly slower in the jail)"
