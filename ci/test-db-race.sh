#!/usr/bin/env bash
# Importers that create the same new SQLite store at once (issue 18: a fleet
# play imports every host's results at the same time): each must wait for
# the other's set-up, not fail with "database is locked". 10 rounds of 3
# importers on a fresh file, every import stored, the store holding the 3 runs.
# Usage: ci/test-db-race.sh [HVBENCH_BINARY]   (default bin/hvbench; ~3 s)
set -u
cd "$(dirname "$0")/.."
HV=$(realpath "${1:-${HVBENCH:-bin/hvbench}}")
work=$(mktemp -d /tmp/hvbench-db-race.XXXXXX)
trap 'rm -rf "$work"' EXIT
files=(tests/data/analysis/x86-vmx.json tests/data/analysis/pvm-v2.json tests/data/analysis/devices.json)
bad=0
for round in $(seq 1 10); do
	db=$work/r$round.db
	for i in 0 1 2; do
		"$HV" db import -q --db "$db" "${files[$i]}" >"$work/o$i" 2>&1 &
		pids[$i]=$!
	done
	for i in 0 1 2; do
		if ! wait "${pids[$i]}"; then
			echo "FAIL: round $round, importer $i: $(cat "$work/o$i")"
			bad=$((bad + 1))
		fi
	done
	n=$("$HV" db query latest --db "$db" --json 2>/dev/null | jq 'length' 2>/dev/null)
	if [ "${n:-0}" != 3 ]; then
		echo "FAIL: round $round: the store holds $n latest runs, not the 3 imported"
		bad=$((bad + 1))
	fi
done
if [ $bad = 0 ]; then
	echo "ok: 10 rounds of 3 importers creating one new store at once: every import stored"
fi
echo "db-race: $((10 * 3 - bad)) of 30 importers ok, $bad failed"
[ $bad = 0 ]
