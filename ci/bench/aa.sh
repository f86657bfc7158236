#!/usr/bin/env bash
# A/A acceptance of compare's verdicts on this machine (a benchmark, not a
# test): N back-to-back pairs of runs of configs/default.json (+ one io_path
# row) must flag no row slower or faster; the same pairs with 10% of io_path's
# cost added as device work must flag io_path in at least N-1 of N.
# usage: ci/bench/aa.sh [HVBENCH] [PAIRS]   (or $HVBENCH, $PAIRS; $AA_DIR keeps files)
set -euo pipefail

hv=${1:-${HVBENCH:-build/hvbench}}
pairs=${2:-${PAIRS:-10}}
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${AA_DIR:-$(mktemp -d /tmp/hvbench-aa.XXXXXX)}
mkdir -p "$dir"
command -v jq >/dev/null || { echo "aa.sh: needs jq" >&2; exit 2; }
[ -x "$hv" ] || { echo "aa.sh: no hvbench binary at $hv" >&2; exit 2; }

# The default suite plus io_path (user-space device model, CPL3): the row the
# slowdown is planted in. device_work_cycles busy-waits in the device model,
# so it adds its cycles to every round trip and nothing else.
suite() { # $1 = device_work_cycles
	jq --argjson w "$1" '.name = "aa" | .benchmarks += [{"name": "io_path", "cpl": 3, "device_work_cycles": $w}]' \
		"$root/configs/default.json"
}
suite 0 >"$dir/aa.json"

run() { # $1 = output, $2 = suite
	"$hv" run "$2" -q -o "$1" >/dev/null 2>"$1.err" || {
		echo "aa.sh: run failed, see $1.err" >&2
		exit 1
	}
}

# The planted cost: 10% of io_path's median round trip in a first run.
run "$dir/calib.json" "$dir/aa.json"
p50=$(jq '[.benchmarks[] | select(.name == "io_path")][0].cycles.p50 // .round_trip.p50' "$dir/calib.json")
work=$(jq -n --argjson p "$p50" '($p * 0.10) | round')
echo "io_path p50 $p50 cycles: planting $work cycles of device work (10%)"
suite "$work" >"$dir/planted.json"

verdicts() { # $1 base, $2 new -> "slower faster io_path-verdict flagged-rows"
	"$hv" compare "$1" "$2" --json >"$dir/cmp.json" || true
	jq -r '.comparisons[0] as $c | [$c.slower, $c.faster,
		([$c.rows[] | select(.name == "io_path")][0].verdict),
		([$c.rows[] | select(.verdict == "slower" or .verdict == "faster") | .name] | join(","))] | @tsv' \
		"$dir/cmp.json"
}

aa_flagged=0 planted_hit=0 planted_other=0
for i in $(seq 1 "$pairs"); do
	run "$dir/a$i.json" "$dir/aa.json"
	run "$dir/b$i.json" "$dir/aa.json"
	run "$dir/p$i.json" "$dir/planted.json"
	# Same row key on both sides: the planted run is labelled as the
	# unplanted row (device_work_cycles 0 and its variant name).
	variant=$(jq -c '[.benchmarks[] | select(.name == "io_path")][0].variant' "$dir/b$i.json")
	jq --argjson v "$variant" '(.benchmarks[] | select(.name == "io_path")) |= (.params.device_work_cycles = 0 | .variant = $v)' \
		"$dir/p$i.json" >"$dir/p$i.tmp" && mv "$dir/p$i.tmp" "$dir/p$i.json"
	IFS=$'\t' read -r s f _ rows < <(verdicts "$dir/a$i.json" "$dir/b$i.json")
	[ $((s + f)) -gt 0 ] && aa_flagged=$((aa_flagged + 1))
	IFS=$'\t' read -r ps pf pv prows < <(verdicts "$dir/b$i.json" "$dir/p$i.json")
	[ "$pv" = slower ] && planted_hit=$((planted_hit + 1))
	other=$(echo "$prows" | tr ',' '\n' | grep -cv '^io_path$\|^$' || true)
	planted_other=$((planted_other + other))
	load=$(jq -r '[.host_load.start.other_cpus, .host_load.end.other_cpus] | map(. * 100 | round / 100) | join("/")' "$dir/b$i.json")
	printf 'pair %2d: A/A flagged [%s]  planted: io_path %s, rows flagged [%s]  (other CPUs busy %s)\n' \
		"$i" "$rows" "$pv" "$prows" "$load"
done
# The same runs as two sets (run-level values when each half has >= 4 runs):
# what several runs a side buy against run-to-run variation.
half=$((pairs / 2))
if [ "$half" -ge 4 ]; then
	A=() B=() P=()
	for i in $(seq 1 "$half"); do A+=("$dir/a$i.json"); B+=("$dir/b$i.json"); P+=("$dir/p$i.json"); done
	IFS=$'\t' read -r s f _ rows < <("$hv" compare "${A[@]}" vs "${B[@]}" --json >"$dir/cmp.json" || true
		jq -r '.comparisons[0] as $c | [$c.slower, $c.faster, "-", ([$c.rows[] | select(.verdict == "slower" or .verdict == "faster") | .name] | join(","))] | @tsv' "$dir/cmp.json")
	echo "sets of $half runs, A vs B: flagged [$rows]"
	IFS=$'\t' read -r s f pv rows < <("$hv" compare "${B[@]}" vs "${P[@]}" --json >"$dir/cmp.json" || true
		jq -r '.comparisons[0] as $c | [$c.slower, $c.faster, ([$c.rows[] | select(.name == "io_path")][0] | "\(.verdict) ratio \(.ratio)"), ([$c.rows[] | select(.verdict == "slower" or .verdict == "faster") | .name] | join(","))] | @tsv' "$dir/cmp.json")
	echo "sets of $half runs, B vs planted: io_path $pv; flagged [$rows]"
fi
echo "A/A: $aa_flagged of $pairs pairs flagged a row (want 0)"
echo "planted 10% on io_path: flagged slower in $planted_hit of $pairs pairs (want >= $((pairs - 1))); other rows flagged $planted_other times"
echo "files: $dir"
[ "$aa_flagged" -eq 0 ] && [ "$planted_hit" -ge $((pairs - 1)) ]
