#!/usr/bin/env bash
# Runs every cmocka test binary, then the script tests, and prints one plain
# summary line ("N passed, N failed") that CI reads.
set -u
dir=${1:?usage: run-tests.sh BUILD/tests}
pass=0
fail=0
failed=()
for t in "$dir"/test_*; do
	[ -x "$t" ] || continue
	echo "== $(basename "$t")"
	if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed+=("$(basename "$t")"); fi
done
for s in ci/test-*.sh; do
	[ -f "$s" ] || continue
	echo "== $s"
	if bash "$s"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed+=("$s"); fi
done
echo
[ "$fail" -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
