#!/bin/bash
# docs/results-schema.md and the files hvbench really writes are one truth:
# runs a small suite (ok, unsupported and failed records, the io-path study,
# batch, PMU events, two repetitions), an interrupted run and
# `hvbench selftest --json` (guest faults), then ci/schema_check.py checks
# each file against the doc's key tables both ways and each record against
# its own metrics/headline/flags, plus the arm64 files in
# results/arm64-emu/ when `make check-arm64` left them. ~10 s.
# Usage: ci/test-schema.sh [HVBENCH_BINARY]   (default bin/hvbench)
# Without a usable /dev/kvm only the doc and the arm64 files are checked.
set -u
cd "$(dirname "$0")/.."

HVBENCH=${1:-${HVBENCH:-bin/hvbench}}
pass=0
fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

if ! command -v python3 >/dev/null; then
	echo "SKIP: python3 missing (ci/schema_check.py needs it)"
	exit 0
fi
if [ ! -x "$HVBENCH" ]; then
	echo "FAIL: $HVBENCH not built (run make first)"
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One check of the doc alone, so a broken table is named even without files.
if python3 ci/schema_check.py >"$work/doc.log" 2>&1; then
	ok "doc tables parse ($(tail -1 "$work/doc.log" | cut -d, -f1 | sed 's/schema_check: //'))"
else
	bad "doc tables"
	cat "$work/doc.log"
fi

checks=()
kvm=1
"$HVBENCH" info >/dev/null 2>&1
[ $? = 3 ] && kvm=0
if [ $kvm = 1 ]; then
	# Rows that end ok, unsupported (by host or by parameters) and failed
	# on any x86 host; arm64 has its own smaller set.
	if [ "$(uname -m)" = aarch64 ]; then
		rows='{"name": "empty"}, {"name": "counter_read"},
			{"name": "mmio_user", "pmu_events": ["cycles"]},
			{"name": "hypercall"}, {"name": "pf_first_touch"}'
	else
		rows='{"name": "empty"}, {"name": "cpuid", "cpl": 3},
			{"name": "pio_user", "pmu_events": ["cycles"]},
			{"name": "mmio_user", "batch": 4}, {"name": "hypercall"},
			{"name": "io_path", "cpl": 3}, {"name": "io_path", "cpl": 0},
			{"name": "io_path", "cpl": 3, "device_model": "thread", "device_cpu": "same"},
			{"name": "io_path", "cpl": 3, "device_model": "kernel", "direction": "out"},
			{"name": "io_path", "cpl": 3, "device_model": "kernel", "direction": "in"},
			{"name": "io_path", "cpl": 3, "size": 3},
			{"name": "io_path", "cpl": 3, "probes": false},
			{"name": "nic", "cpl": 3, "model": "emulated", "fault": "length"},
			{"name": "nic", "cpl": 3, "model": "virtio"},
			{"name": "nic", "cpl": 3, "model": "emulated", "regs": "pio"},
			{"name": "nic", "cpl": 3, "model": "native"}, {"name": "vfio_map"},
			{"name": "io_latency_out", "cpl": 3}, {"name": "io_latency_in", "cpl": 3},
			{"name": "io_latency_in", "cpl": 0, "max_iters": 40},
			{"name": "spinlock", "cpl": 3, "vcpus": 2},
			{"name": "ple_probe", "cpl": 3, "turns": 4096},
			{"name": "macro_sha256", "cpl": 3, "kib": 256},
			{"name": "macro_sort", "cpl": 3, "keys": 1000, "corrupt": true},
			{"name": "macro_zlib", "cpl": 3, "kib": 64, "level": 9},
			{"name": "macro_syscall", "cpl": 3, "kib": 16}'
	fi
	cat >"$work/suite.json" <<-EOF
	{"name": "schema-check",
	 "defaults": {"min_time_ms": 20, "warmup_iters": 50, "repetitions": 2, "max_iters": 2000},
	 "benchmarks": [$rows]}
	EOF
	"$HVBENCH" run --quiet "$work/suite.json" -o "$work/run.json" >"$work/run.log" 2>&1
	rc=$?
	if [ -s "$work/run.json" ] && { [ $rc = 0 ] || [ $rc = 1 ]; }; then
		ok "suite ran (exit $rc)"
		checks+=(--result "$work/run.json")
		got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["suite"].get("sha256", ""))' "$work/run.json")
		want=$(sha256sum "$work/suite.json" | cut -d' ' -f1)
		[ "$got" = "$want" ] && ok "suite.sha256 is sha256sum of the suite file" ||
			bad "suite.sha256 $got, sha256sum says $want"
		statuses=$(python3 -c 'import json,sys; print(" ".join(sorted({b["status"] for b in json.load(open(sys.argv[1]))["benchmarks"]})))' "$work/run.json")
		echo "   statuses in the file: $statuses"
	else
		bad "hvbench run exited $rc"
		tail -5 "$work/run.log"
	fi

	# Interrupted: the record that was running and the file say so.
	cat >"$work/long.json" <<-EOF
	{"name": "schema-interrupt", "benchmarks": [{"name": "empty", "min_time_ms": 20000, "max_iters": 1000000000}]}
	EOF
	"$HVBENCH" run --quiet "$work/long.json" -o "$work/int.json" >"$work/int.log" 2>&1 &
	pid=$!
	sleep 2
	kill -INT $pid
	wait $pid
	rc=$?
	if [ $rc = 130 ] && [ -s "$work/int.json" ]; then
		ok "interrupted run saved (exit 130)"
		checks+=(--result "$work/int.json")
	else
		bad "interrupted run: exit $rc, file $( [ -s "$work/int.json" ] && echo written || echo missing)"
	fi

	"$HVBENCH" selftest --json >"$work/selftest.json" 2>"$work/selftest.log"
	rc=$?
	if [ $rc = 0 ] || [ $rc = 1 ]; then
		ok "selftest records (guest faults) produced"
		checks+=(--records "$work/selftest.json")
	else
		bad "hvbench selftest --json exited $rc"
	fi
else
	echo "SKIP: /dev/kvm unusable here: no run, only the doc and stored arm64 files are checked"
fi

# The emulated arm64 and x86 runs of `make check-arm64` / `make check-x86emu`,
# when this machine has them.
for f in results/arm64-emu/vhe.json results/arm64-emu/nvhe.json; do
	[ -s "$f" ] && checks+=(--result "$f")
done
# ci/test-x86emu.sh runs after this test in make check: its files are read
# only when this binary wrote them (newer than it), not a previous build's.
for f in results/x86-emu/npt.json results/x86-emu/shadow.json; do
	[ -s "$f" ] && [ "$f" -nt "$HVBENCH" ] && checks+=(--result "$f")
done
for f in results/arm64-emu/run-*/selftest.json; do
	[ -s "$f" ] && checks+=(--records "$f")
done

# Stored files of the previous schema version (an older build's) are read
# by the loader, not described by this doc: left out, and said so.
kept=()
for ((i = 0; i < ${#checks[@]}; i += 2)); do
	f=${checks[i + 1]}
	v=$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(d.get("schema", "") if "schema" in d else "records")' "$f" 2>/dev/null)
	if [ "$v" = "hvbench-result/2" ] || [ "$v" = records ]; then
		kept+=("${checks[i]}" "$f")
	else
		echo "   skipped $f: schema ${v:-unreadable}, not this doc's"
	fi
done
checks=("${kept[@]}")
if [ ${#checks[@]} -gt 0 ]; then
	if python3 ci/schema_check.py "${checks[@]}" --unseen >"$work/check.log" 2>&1; then
		ok "every key in the files is documented, every required one present: $(grep '^schema_check:' "$work/check.log" | sed 's/schema_check: //')"
	else
		bad "files and docs/results-schema.md disagree:"
		grep -v '^documented, in none' "$work/check.log" | sed 's/^/    /'
	fi
	grep '^documented, in none' "$work/check.log" | sed 's/^/   /'
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
