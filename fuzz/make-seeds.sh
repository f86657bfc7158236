#!/usr/bin/env bash
# make fuzz-seeds: refreshes fuzz/corpus/<harness>/ from real files and runs.
#   fuzz_suite    every suite in configs/ and tests/data/suites/
#   fuzz_results  tests/data/analysis/*.json and a fresh run of configs/quick.json
#   fuzz_shared   the shared page every VM of that run (and of selftest and
#                 configs/io-path.json) left behind, written by
#                 fuzz/snapshot.c (the CLI built with -Wl,--wrap)
#   fuzz_iopath   the io-path probe rings of that io-path run
# Usage: fuzz/make-seeds.sh SNAPSHOT_BIN. Needs /dev/kvm. Takes ~1-2 min.
set -euo pipefail
cd "$(dirname "$0")/.."
snap=${1:?usage: make-seeds.sh SNAPSHOT_BIN}
C=fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/fuzz_shared "$tmp"/fuzz_iopath
rm -rf "$C"/fuzz_suite "$C"/fuzz_results "$C"/fuzz_shared "$C"/fuzz_iopath
mkdir -p "$C"/fuzz_suite "$C"/fuzz_results "$C"/fuzz_shared "$C"/fuzz_iopath
cp configs/*.json tests/data/suites/*.json "$C"/fuzz_suite/
cp tests/data/analysis/*.json "$C"/fuzz_results/
# A short suite (one repetition of each quick row) keeps the result seed small.
HVB_SNAPSHOT_DIR=$tmp "$snap" run configs/quick.json --no-jail -q -o "$tmp/quick.json" || true
HVB_SNAPSHOT_DIR=$tmp "$snap" run configs/io-path.json --no-jail -q -o "$tmp/io-path.json" || true
HVB_SNAPSHOT_DIR=$tmp "$snap" selftest >/dev/null || true
# Inputs past the harness's -max_len are cut (ci/test-fuzz.sh): the run
# files keep 8 records and 32 samples each, under 64 KiB.
for f in "$tmp"/quick.json "$tmp"/io-path.json; do
	[ -s "$f" ] || continue
	python3 - "$f" "$C/fuzz_results/run-$(basename "$f")" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["benchmarks"] = d["benchmarks"][:8]
for b in d["benchmarks"]:
    if "samples" in b:
        b["samples"] = b["samples"][:32]
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
done
# At most 4 seeds per benchmark (8 rings), one per distinct content, named
# by its hash.
declare -A kept
for h in fuzz_shared fuzz_iopath; do
	max=4; [ $h = fuzz_iopath ] && max=8
	for f in "$tmp/$h"/*; do
		[ -f "$f" ] || continue
		name=$(basename "$f" | sed 's/-[0-9]*-[0-9]*$//')
		[ "${kept[$h/$name]:-0}" -lt $max ] || continue
		kept[$h/$name]=$((${kept[$h/$name]:-0} + 1))
		cp "$f" "$C/$h/$name-$(sha1sum <"$f" | cut -c1-12)"
	done
done
for h in fuzz_suite fuzz_results fuzz_shared fuzz_iopath; do
	echo "fuzz-seeds: $h: $(ls "$C/$h" | wc -l) files, $(du -sk "$C/$h" | cut -f1) KiB"
done
