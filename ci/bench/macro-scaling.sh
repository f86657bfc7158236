#!/usr/bin/env bash
# vCPU scaling of the parallel macrobenchmarks (issue 17): macro_matmul
# (C's rows in N bands), macro_join (the probe of S in N bands, after
# vCPU 0 built the table), macro_sha256 (N segments, then the digest of
# their digests), macro_sort (every radix pass in N bands), macro_bfs
# (every level's frontier in N bands), macro_lz4 / macro_zstd (N bands of
# whole 256 KiB blocks), one band per guest vCPU and natively one per
# host thread (the twin's secondaries), for N = 1 2 4 8 at cpl 3. Prints
# per N the median run in the guest and natively (ms, wall), the speed-up
# over N = 1 on each side, and the overhead with its 95% CI. Past the
# host's CPUs (nproc) the vCPUs and threads take turns: the barrier each
# run ends on then waits for a descheduled band, in the guest and
# natively. A benchmark, not a test.
# Usage: ci/bench/macro-scaling.sh [HVBENCH] [ROW] [-P NAME=VALUE ...]
#   ROW: matmul (default), join, sha256, sort, bfs, lz4, zstd, each at
#   its defaults unless -P says otherwise
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
hv=${1:-${HVBENCH:-bin/hvbench}}
row=macro_${2:-matmul}
shift $(($# < 2 ? $# : 2))
. ci/bench/lib.sh
bench_init macro-scaling.sh "$hv"
case $row in macro_matmul | macro_join | macro_sha256 | macro_sort | macro_bfs | macro_lz4 | macro_zstd) ;;
*) echo "macro-scaling.sh: $row: want matmul, join, sha256, sort, bfs, lz4 or zstd" >&2; exit 2 ;; esac
echo "$row ${*:-(defaults)}, cpl 3; host CPUs: $(nproc)"
printf '%6s %12s %12s %10s %10s %10s %22s\n' vcpus "guest ms" "native ms" "guest x" "native x" overhead "95% CI"
g1="" n1=""
for v in 1 2 4 8; do
	"$hv" run "$row" "$@" --vcpus "$v" --cpl 3 --min-time 300ms -q -o "$dir/$v.json" >/dev/null 2>"$dir/$v.err" ||
		{ echo "vcpus $v: hvbench run failed: $(tail -1 "$dir/$v.err")" >&2; continue; }
	read -r st g nat o lo hi <<<"$(jq -r '.benchmarks[0] | [.status, .run_ms.guest, .run_ms.native,
		(.overhead.of_medians // "nan"), (.overhead.ci95_low // "nan"), (.overhead.ci95_high // "nan")] | @tsv' "$dir/$v.json")"
	[ "$st" = ok ] || { echo "vcpus $v: $st: $(jq -r '.benchmarks[0].reason' "$dir/$v.json")"; continue; }
	[ -n "$g1" ] || { g1=$g; n1=$nat; }
	awk -v v="$v" -v g="$g" -v n="$nat" -v g1="$g1" -v n1="$n1" -v o="$o" -v lo="$lo" -v hi="$hi" 'BEGIN {
		printf "%6d %12.3f %12.3f %9.2fx %9.2fx %+9.1f%% %10s\n", v, g, n, g1 / g, n1 / n, o,
			sprintf("[%+.1f%%, %+.1f%%]", lo, hi) }'
done
