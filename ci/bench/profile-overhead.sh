#!/usr/bin/env bash
# What `hvbench profile -p` costs the VM it watches (issue 15: at most 2%
# of a user-space exit's round trip): PAIRS back-to-back pairs of the same
# pio_user run (CPL3 port write, one exit to the VMM per op, --no-jail so
# the vCPU thread is the process's own), once alone and once with
# `hvbench profile -p` attached for the whole run, alternating which goes
# first. Prints each pair's medians and the overhead, then the median
# overhead over the pairs with its min-max. A benchmark, not a test.
# Where kvm:kvm_exit does not fire (PVM) the profiler's events are open
# on every thread all the same (kvm_exit, kvm_entry sampling,
# kvm_userspace_exit counting): what it costs there is that.
# PROFILE_ARGS adds options to the profiler's command line (--io: the
# I/O breakdown, a record more per I/O exit).
# Usage: [PROFILE_ARGS=--io] ci/bench/profile-overhead.sh [HVBENCH] [PAIRS]   (root; tracefs mounted)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
hv=${1:-${HVBENCH:-bin/hvbench}}
pairs=${2:-${PAIRS:-5}}
command -v jq >/dev/null || { echo "profile-overhead.sh: needs jq" >&2; exit 2; }
[ -x "$hv" ] || { echo "profile-overhead.sh: no hvbench binary at $hv (make first)" >&2; exit 2; }
dir=$(mktemp -d /tmp/hvbench-profile-overhead.XXXXXX)
trap 'rm -rf "$dir"' EXIT
suite='{ "name": "po", "benchmarks": [ { "name": "pio_user", "cpl": 3, "min_time_ms": 400, "repetitions": 5 } ] }'
echo "$suite" >"$dir/suite.json"

alone() { "$hv" run "$dir/suite.json" --no-jail -q -o "$1"; }
watched() {
	"$hv" run "$dir/suite.json" --no-jail -q -o "$1" &
	local vm=$!
	sleep 0.05
	# shellcheck disable=SC2086 # the options, split
	"$hv" profile -p "$vm" --duration 1m ${PROFILE_ARGS:-} >"$1.profile" 2>&1 &
	local prof=$!
	wait "$vm"
	kill -INT "$prof" 2>/dev/null || true
	wait "$prof" || true
	if grep -q "not readable in tracefs\|perf_event_open" "$1.profile"; then
		echo "profile-overhead.sh: the profiler cannot attach here: $(head -1 "$1.profile")" >&2
		exit 2
	fi
}
p50() { jq '.benchmarks[0].cycles.p50' "$1"; }

printf '%-5s %16s %16s %10s\n' pair "alone p50" "profiled p50" overhead
: >"$dir/over"
for i in $(seq 1 "$pairs"); do
	if [ $((i % 2)) = 1 ]; then alone "$dir/a$i.json"; watched "$dir/w$i.json"
	else watched "$dir/w$i.json"; alone "$dir/a$i.json"; fi
	a=$(p50 "$dir/a$i.json") w=$(p50 "$dir/w$i.json")
	o=$(jq -n --argjson a "$a" --argjson w "$w" '($w / $a - 1) * 100')
	echo "$o" >>"$dir/over"
	printf '%-5s %16.0f %16.0f %+9.2f%%\n' "$i" "$a" "$w" "$o"
done
unit=$(jq -r '.benchmarks[0].cycles.unit // .benchmarks[0].unit // "cycles"' "$dir/a1.json")
echo "profiler's last words: $(tail -1 "$dir/w1.json.profile")"
sort -g "$dir/over" | awk -v u="$unit" -v a="${PROFILE_ARGS:+$PROFILE_ARGS }" '{ v[NR] = $1 } END {
	m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	printf "overhead of hvbench profile -p %son pio_user (%d pairs, medians of %s per op): median %+.2f%%, min %+.2f%%, max %+.2f%%\n", a, NR, u, m, v[1], v[NR]
}'
