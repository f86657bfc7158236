#!/usr/bin/env bash
# Writes N synthetic result files for the results store's test and
# benchmark (ci/test-db-pg.sh, ci/bench/db-scale.sh): each is
# tests/data/analysis/x86-vmx.json (a real-shaped file, 300 samples per
# record) with 15-30 records (its ok records repeated with distinct
# mem_mb, 5 repetitions each), on one of HOSTS hosts, an hour apart, the kernel changing every
# HOSTS runs; host 1's repetitions 10% slower in the second half (a
# regression for `db query slower` to find). One jq process, one line per
# file (split), so 10,000 files take seconds, not 10,000 processes.
# Usage: ci/bench/db-synth.sh N OUTDIR [HOSTS=8] [PREFIX=run]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:?usage: db-synth.sh N OUTDIR [HOSTS] [PREFIX]}
out=${2:?usage: db-synth.sh N OUTDIR [HOSTS] [PREFIX]}
hosts=${3:-8}
prefix=${4:-run}
mkdir -p "$out"
jq -c --argjson n "$n" --argjson hosts "$hosts" --arg prefix "$prefix" '
  . as $t
  | ($t.benchmarks | map(select(.status == "ok"))) as $ok
  | range(0; $n) as $i
  | (if ($i % $hosts) == 1 and $i >= ($n / 2) then 1.10 else 1 end) as $f
  | $t
  | .host.hostname = "\($prefix)-host-\($i % $hosts)"
  | .host.kernel = "6.\((($i / $hosts) | floor) % 7).0"
  | .started = (1764000000 + $i * 3600 | todate)
  | .finished = (1764000000 + $i * 3600 + 60 | todate)
  | .benchmarks = [range(0; 15 + ($i % 16)) as $j
      | $ok[$j % ($ok | length)]
      | .params.mem_mb = 16 + $j
      | (.cycles.p50 // 1000) as $m
      | .repetitions = [range(0; 5) as $k
          | ($m * $f * (1 + 0.004 * $k + 0.002 * (($i + $j) % 3))) as $v
          | {iterations: 1000, p50: $v, mean: $v, stopped_by: "min_time",
             ended_ms: (100 * $k)}]]
' tests/data/analysis/x86-vmx.json |
	split -l 1 -a 5 -d --additional-suffix=.json - "$out/$prefix-"
