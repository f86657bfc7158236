#!/usr/bin/env bash
# The libFuzzer harnesses (fuzz/fuzz_*.c), all at once, FUZZ_SECONDS each
# (default 60; make fuzz: 600), from the seed corpora in fuzz/corpus/. Prints
# executions and crashes per harness; fails on any crash, leak, timeout or
# sanitizer report (the input is kept in build/<arch>-fuzz/artifacts/).
# New corpus entries go to build/<arch>-fuzz/corpus/, not into the repo.
# Under make check-sanitize (HVB_SANITIZE=1) it skips: the harnesses are
# sanitized builds already, and make check runs them.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "${HVB_SANITIZE:-}" = 1 ]; then
	echo "SKIP: fuzz harnesses run under make check, not check-sanitize"
	exit 0
fi
secs=${FUZZ_SECONDS:-60}
arch=$( [ "$(uname -m)" = aarch64 ] && echo arm64 || echo x86)
B=build/$arch-fuzz
t0=$(date +%s)

bash ci/deps.sh --fuzz || { echo "test-fuzz: FAIL: cannot install clang (ci/deps.sh --fuzz)"; exit 1; }
if ! make -s fuzz-build -j"$(nproc)" >"$B.log" 2>&1; then
	grep -v 'RWX permissions' "$B.log" | tail -20
	echo "test-fuzz: FAIL: make fuzz-build"
	exit 1
fi
t1=$(date +%s)

# -max_len per harness: the largest real input it should see (suites are a
# few KiB, a shared page 41 KiB in fuzz/shared_layout.h's order, 512 probe
# slots 24 KiB, trimmed result files up to 160 KiB).
declare -A maxlen=([fuzz_suite]=16384 [fuzz_results]=262144
	[fuzz_shared]=49152 [fuzz_iopath]=24609)
names=()
for src in fuzz/fuzz_*.c; do
	names+=("$(basename "$src" .c)")
done
mkdir -p "$B/artifacts" "$B/logs"
declare -A pid
for h in "${names[@]}"; do
	mkdir -p "$B/corpus/$h"
	# -timeout: one input taking 10 s is a hang; -rss_limit_mb: a leak or
	# a huge allocation is a finding too.
	"$B/fuzz/$h" -max_total_time="$secs" -max_len="${maxlen[$h]:-65536}" \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$B/artifacts/$h-" \
		"$B/corpus/$h" "fuzz/corpus/$h" >"$B/logs/$h.log" 2>&1 &
	pid[$h]=$!
done
fail=0 total=0
for h in "${names[@]}"; do
	wait "${pid[$h]}"
	rc=$?
	log=$B/logs/$h.log
	execs=$(awk '/stat::number_of_executed_units:/ {print $2}' "$log" | tail -1)
	crashes=$(ls "$B/artifacts/$h-"* 2>/dev/null | wc -l)
	[ "$rc" != 0 ] && [ "$crashes" = 0 ] && crashes=1
	corpus=$(ls "$B/corpus/$h" "fuzz/corpus/$h" | grep -vc ':$')
	echo "test-fuzz: $h: ${execs:-0} executions in $secs s, $crashes crash(es), corpus $corpus inputs (exit $rc)"
	total=$((total + ${execs:-0}))
	if [ "$rc" != 0 ] || [ "$crashes" != 0 ]; then
		fail=1
		grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$log" | head -8 | sed 's/^/    /'
	fi
done
echo "test-fuzz: $total executions in all; build $((t1 - t0)) s, whole script $(($(date +%s) - t0)) s"
[ $fail = 0 ] && echo "test-fuzz: ok" || echo "test-fuzz: FAIL: a harness crashed (inputs in $B/artifacts/)"
exit $fail
