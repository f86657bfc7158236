#!/usr/bin/env bash
# The timer-interrupt load (issue 17): macro_timer, SHA-256 of KIB KiB
# under the guest's local APIC timer at 0, 100, 1000 and 10000 Hz, cpl 3,
# against the twin without a timer. Prints per rate the interrupts per run,
# the rate they came at, the overhead with its 95% CI, and the cost per
# tick two ways, in the record's unit: the record's (guest median less the
# twin's, over the ticks) and against the guest at 0 Hz (guest median less
# the 0 Hz guest median, over the ticks), which leaves out whatever the
# guest and the twin differ by without a timer. Noisy where ticks are few.
# A benchmark, not a test.
# Usage: ci/bench/macro-timer.sh [HVBENCH] [KIB]   (KIB default 4096)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
hv=${1:-${HVBENCH:-bin/hvbench}}
kib=${2:-4096}
. ci/bench/lib.sh
bench_init macro-timer.sh "$hv"
echo "macro_timer kib=$kib, cpl 3"
printf '%7s %10s %12s %9s %18s %14s %14s  %s\n' hz "ticks/run" "measured Hz" overhead "95% CI" "tick vs twin" "tick vs 0 Hz" unit
g0=""
for hz in 0 100 1000 10000; do
	"$hv" run macro_timer -P hz="$hz" -P kib="$kib" --cpl 3 --min-time 500ms -q -o "$dir/$hz.json" >/dev/null 2>"$dir/$hz.err" ||
		{ echo "hz $hz: hvbench run failed: $(tail -1 "$dir/$hz.err")" >&2; continue; }
	st=$(jq -r '.benchmarks[0].status' "$dir/$hz.json")
	[ "$st" = ok ] || { echo "hz $hz: $st: $(jq -r '.benchmarks[0].reason' "$dir/$hz.json")"; continue; }
	g=$(jq -r '.benchmarks[0].run.guest.p50' "$dir/$hz.json")
	[ "$hz" != 0 ] || g0=$g
	jq -r --arg hz "$hz" --arg g0 "$g0" '.benchmarks[0] |
		[$hz, (.timer.ticks_per_run | . * 100 | round / 100), (.timer.measured_hz // 0 | round),
		 "\(.overhead.of_medians * 10 | round / 10)%",
		 "[\(.overhead.ci95_low // 0 | . * 10 | round / 10)%, \(.overhead.ci95_high // 0 | . * 10 | round / 10)%]",
		 (.timer.cost_per_tick // "-" | if type == "number" then round else . end),
		 (if .timer.ticks_per_run > 0 and $g0 != "" then (.run.guest.p50 - ($g0 | tonumber)) / .timer.ticks_per_run | round else "-" end),
		 .unit, (.timer_note // "")] | @tsv' "$dir/$hz.json" |
		awk -F'\t' '{ printf "%7s %10s %12s %9s %18s %14s %14s  %s %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
done
