#!/bin/bash
# `hvbench profile -p PID` and `-- COMMAND` (issue 15, exit-reason
# profiles) on the real binary: its command-line errors exit 2 with a
# message; on a VM process
# that hvbench itself runs (--no-jail, so the vCPU threads are that
# process's), what the host's capabilities imply: where kvm:kvm_exit fires
# (VT-x/SVM) a table with the benchmark's io exits, and valid JSON with
# --json; under PVM "unsupported: kvm:kvm_exit does not fire" and exit 6;
# without tracefs or perf permission exit 6 saying which; a COMMAND's
# vCPU threads, which start after the profile does, are traced. And `run
# --profile` prints a table under the benchmark's line, and a suite entry's
# "profile": true under its own.
# Usage: ci/test-profile.sh [HVBENCH_BINARY]   (default bin/hvbench)
set -u
cd "$(dirname "$0")/.."

HVBENCH=${1:-${HVBENCH:-bin/hvbench}}
pass=0
fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
work=$(mktemp -d /tmp/hvbench-test-profile-XXXXXX)
vm=""
trap '[ -n "$vm" ] && kill "$vm" 2>/dev/null; rm -rf "$work"' EXIT

# exit code and the message it must say
expect() {
	local want=$1 pat=$2 what=$3; shift 3
	"$HVBENCH" "$@" >"$work/out" 2>"$work/err"
	local rc=$?
	if [ "$rc" -eq "$want" ] && grep -q -- "$pat" "$work/out" "$work/err"; then
		ok "$what: exit $rc, says '$pat'"
	else
		bad "$what: exit $rc (want $want), output: $(head -c 300 "$work/err" "$work/out")"
	fi
}
expect 2 "expected -p PID" "no -p" profile
expect 2 "process id" "-p not a number" profile -p abc
expect 2 "want e.g. 5s" "a bad duration" profile -p 1 --duration 5x
expect 2 "up to 1h" "a duration over 1h" profile -p 1 --duration 2h
expect 2 "no running process" "a pid that is no process" profile -p 4000000
expect 0 "exit: 0 done" "--help" profile --help
expect 2 "one of them" "both -p and a COMMAND" profile -p 1 -- true
expect 2 "cannot run '/nonexistent/hvbench-x': No such file" "a COMMAND that is no program" profile -- /nonexistent/hvbench-x
expect 2 "cannot run '/etc/passwd': Permission denied" "a COMMAND that is not executable" profile -- /etc/passwd

if [ ! -w /dev/kvm ]; then
	echo "SKIP: /dev/kvm is not usable here: no VM to profile"
	# a workload's Xentrace table (issue 17): under its line, and in the report
"$HVBENCH" run macro_sha256 -P kib=256 --cpl 3 --min-time 20ms --repetitions 6 \
	-o "$work/m.json" >"$work/mout" 2>&1
if grep -Eq '^      Xentrace table: guest [0-9.]+[KMG]? vs native [0-9.]+[KMG]? (cycles|instructions) per run \(medians\), overhead [-+][0-9.]+%' "$work/mout" &&
   grep -Eq '^      exit reason +seen by +count/run +% of exits +(cycles|instructions)/run +% of overhead$' "$work/mout" &&
   "$HVBENCH" report "$work/m.json" -o "$work/m.html" >/dev/null 2>&1 &&
   grep -q "<section id='xentrace'>" "$work/m.html" && grep -q "<h3>macro_sha256</h3>" "$work/m.html"; then
	ok "macro_sha256: the Xentrace table under its line and in the report"
else
	bad "Xentrace table: $(cat "$work/mout")"
fi
echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
fi
backend=$("$HVBENCH" info --json 2>/dev/null | jq -r '.backend // empty')
cat >"$work/long.json" <<'EOF'
{ "name": "long", "benchmarks": [ { "name": "pio_user", "cpl": 3, "min_time_ms": 4000, "repetitions": 1 } ] }
EOF
"$HVBENCH" run "$work/long.json" --no-jail -q -o "$work/long.out.json" &
vm=$!
sleep 1
"$HVBENCH" profile -p "$vm" --duration 1s >"$work/out" 2>"$work/err"
rc=$?
msg=$(cat "$work/err" "$work/out")
if grep -q "kvm_exit not readable in tracefs\|perf_event_open" "$work/err"; then
	# no tracefs or no permission: said, as unsupported
	[ "$rc" -eq 6 ] && ok "tracefs or perf unavailable here: exit 6, $msg" || bad "unavailable but exit $rc: $msg"
elif [ "$backend" = vmx ] || [ "$backend" = svm ]; then
	if [ "$rc" -eq 0 ] && grep -Eq '^  (io|IO_INSTRUCTION) +[0-9]+' "$work/out"; then
		ok "backend $backend: the table has the guest's port writes"
	else
		bad "backend $backend: exit $rc, $msg"
	fi
	"$HVBENCH" profile -p "$vm" --duration 300ms --json >"$work/p.json" 2>"$work/err"
	if jq -e '.method == "tracepoints" and .unit == "ns" and (.reasons | length) > 0' "$work/p.json" >/dev/null; then
		ok "--json: the exit_profile block, method tracepoints"
	else
		bad "--json: $(head -c 300 "$work/p.json" "$work/err")"
	fi
elif [ "$backend" = pvm ]; then
	if [ "$rc" -eq 6 ] && grep -q "unsupported: kvm:kvm_exit does not fire on this host (PVM)" "$work/err"; then
		ok "PVM: exit 6, $(cat "$work/err")"
	else
		bad "PVM: exit $rc (want 6 and 'does not fire'), $msg"
	fi
else
	[ "$rc" -eq 0 ] || [ "$rc" -eq 6 ] && ok "backend '$backend': exit $rc, $msg" || bad "backend '$backend': exit $rc, $msg"
fi
wait "$vm"
vm=""

# profile -- COMMAND: hvbench starts the VM process itself and follows every
# thread and child process it starts (the jail's child runs the VM, its vCPU
# thread a thread of that child), until the command ends
"$HVBENCH" profile --io --duration 20s -- "$HVBENCH" run pio_user --cpl 3 --min-time 300ms --repetitions 2 \
	-q -o "$work/cmd.json" >"$work/out" 2>"$work/err"
rc=$?
msg=$(cat "$work/err" "$work/out")
if grep -q "kvm_exit not readable in tracefs\|perf_event_open" "$work/err"; then
	[ "$rc" -eq 6 ] && ok "-- COMMAND, tracefs or perf unavailable here: exit 6" || bad "-- COMMAND unavailable but exit $rc: $msg"
elif [ "$backend" = vmx ] || [ "$backend" = svm ]; then
	if [ "$rc" -eq 0 ] && grep -Eq '^  (io|IO_INSTRUCTION) +[0-9]+' "$work/out" &&
	   grep -Eq '^    pio +0x22e +in, 1 bytes +[1-9][0-9]* ' "$work/out" &&
	   grep -Eq 'threads: [1-9][0-9]* wrote records, every thread and child process followed from its start; the command exited 0' "$work/out"; then
		ok "-- COMMAND, backend $backend: the port writes of the vCPU thread of the command's jailed child"
	else
		bad "-- COMMAND, backend $backend: exit $rc, $msg"
	fi
elif [ "$backend" = pvm ]; then
	if [ "$rc" -eq 6 ] && grep -q "does not fire on this host (PVM).*while kvm:kvm_userspace_exit saw its VM exit" "$work/err" &&
	   grep -Eq "exited 0; [1-9][0-9]* threads wrote records \(every thread and child process followed from its start\)" "$work/err" &&
	   grep -Eq '^    pio +0x22e +in, 1 bytes +[1-9][0-9]* ' "$work/out"; then
		ok "-- COMMAND, PVM: exit 6; the vCPU thread of the command's jailed child was followed (its kvm_userspace_exit fired), and kvm:kvm_pio shows where pio_user's exits went: port 0x22e, in"
	else
		bad "-- COMMAND, PVM: exit $rc, $msg"
	fi
else
	[ "$rc" -eq 0 ] || [ "$rc" -eq 6 ] && ok "-- COMMAND, backend '$backend': exit $rc" || bad "-- COMMAND, backend '$backend': exit $rc, $msg"
fi
[ -s "$work/cmd.json" ] || grep -q "not readable in tracefs\|perf_event_open" "$work/err" &&
	ok "-- COMMAND: the command ran to its end (its result file is there)" || bad "-- COMMAND: no result file from the command: $msg"

# run --profile: a table under the line, units in its header
printf '{ "name": "p", "benchmarks": [ { "name": "pio_user", "cpl": 3, "min_time_ms": 20 } ] }\n' >"$work/p.json"
"$HVBENCH" run "$work/p.json" --profile -o "$work/r.json" >"$work/out" 2>&1
if grep -Eq 'exits \((vmm_counters|tracepoints)\) +count/op +mean (cycles|ns|instructions)/exit +p99 (cycles|ns|instructions)/exit +share' "$work/out" &&
   grep -Eq '^        (io|IO_INSTRUCTION) +1\.0[0-9]{2} ' "$work/out"; then
	ok "run --profile: the table, io 1.0 per op"
else
	bad "run --profile: $(cat "$work/out")"
fi
# a suite entry's "profile": true does the same for that entry alone (the second entry is
# one every x86 host runs: CPL3 cpuid needs CPUID faulting under PVM)
printf '{ "name": "p2", "benchmarks": [ { "name": "pio_user", "cpl": 3, "min_time_ms": 20, "profile": true }, { "name": "mmio_user", "cpl": 3, "min_time_ms": 20 } ] }\n' >"$work/p2.json"
"$HVBENCH" run "$work/p2.json" -o "$work/r2.json" >"$work/out2" 2>&1
if [ "$(grep -Ec 'exits \((vmm_counters|tracepoints)\) +count/op' "$work/out2")" = 1 ] &&
   grep -A3 ' pio_user ' "$work/out2" | grep -Eq '^        (io|IO_INSTRUCTION) +1\.0[0-9]{2} ' &&
   jq -e '.benchmarks[0].params.profile == true and .benchmarks[1].exit_profile != null' "$work/r2.json" >/dev/null; then
	ok "suite \"profile\": true: the table under that entry only, every record stores its profile"
else
	bad "suite profile: $(cat "$work/out2")"
fi
# the report draws it: a table of every record's profile
if "$HVBENCH" report "$work/r.json" -o "$work/r.html" >/dev/null 2>&1 &&
   grep -q "<section id='exit-profiles'>" "$work/r.html" &&
   grep -Eq "<td>(io|IO_INSTRUCTION)</td><td class='num'>1(\.0+)?</td>" "$work/r.html"; then
	ok "report: the exit profiles section, io 1 per op"
else
	bad "report: no exit profile table ($(grep -o "exit-profiles.\{0,200\}" "$work/r.html" | head -1))"
fi
# a workload's Xentrace table (issue 17): under its line, and in the report
"$HVBENCH" run macro_sha256 -P kib=256 --cpl 3 --min-time 20ms --repetitions 6 \
	-o "$work/m.json" >"$work/mout" 2>&1
if grep -Eq '^      Xentrace table: guest [0-9.]+[KMG]? vs native [0-9.]+[KMG]? (cycles|instructions) per run \(medians\), overhead [-+][0-9.]+%' "$work/mout" &&
   grep -Eq '^      exit reason +seen by +count/run +% of exits +(cycles|instructions)/run +% of overhead$' "$work/mout" &&
   "$HVBENCH" report "$work/m.json" -o "$work/m.html" >/dev/null 2>&1 &&
   grep -q "<section id='xentrace'>" "$work/m.html" && grep -q "<h3>macro_sha256</h3>" "$work/m.html"; then
	ok "macro_sha256: the Xentrace table under its line and in the report"
else
	bad "Xentrace table: $(cat "$work/mout")"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
