#!/bin/bash
# `hvbench run` without writing a suite (issue 19), on the real binary:
# benchmarks named on the command line run as a suite of their own, with the
# same checks and messages as a file's values ("command line: ..."), exit 2
# for every bad setting; settings win over a suite file's values; -P sweeps;
# --filter/--exclude pick entries by label; --dry-run says every parameter's
# value and where it came from, runs nothing and writes no file; on a
# terminal a progress line says step k of n, elapsed and time left.
# Usage: ci/test-run-cli.sh [HVBENCH_BINARY]   (default bin/hvbench)
set -u
cd "$(dirname "$0")/.."

HVBENCH=${1:-${HVBENCH:-bin/hvbench}}
case $HVBENCH in /*) ;; *) HVBENCH=$PWD/$HVBENCH ;; esac
pass=0
fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
work=$(mktemp -d /tmp/hvbench-test-run-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT

# expect CODE WHAT PATTERN -- ARGS...: exit code and a one-line message
expect() {
	local code=$1 what=$2 pat=$3
	shift 4
	"$HVBENCH" run "$@" >"$work/o" 2>"$work/e"
	local rc=$?
	if [ $rc = "$code" ] && grep -Eq -- "$pat" "$work/e" && [ "$(wc -l <"$work/e")" -le 1 ]; then
		ok "$what (exit $rc)"
	else
		bad "$what: exit $rc, stderr: $(cat "$work/e")"
	fi
}

expect 2 "an unknown benchmark named" '^command line: unknown benchmark "cpuidd"; did you mean "cpuid"\?' -- cpuidd
expect 2 "a bad --cpl" '^command line: cpl must be' -- cpuid --cpl 2
expect 2 "a bad --min-time" '^hvbench run: --min-time 5parsecs: not a duration' -- cpuid --min-time 5parsecs
expect 2 "a -P without =" '^hvbench run: -P ws_kib: expected NAME=VALUE' -- tlb_walk -P ws_kib
expect 2 "a family parameter no benchmark named takes" '^command line: no benchmark of this run takes a parameter "ws_kib"' -- cpuid -P ws_kib=64
expect 2 "a family parameter's own check" '^command line: ws_kib must be an integer' -- tlb_walk -P ws_kib=1
expect 2 "a suite file and names at once" 'one suite file, or benchmark names, not both' -- configs/quick.json cpuid
expect 2 "a setting a suite's benchmarks refuse" '^configs/quick.json with the command line.s settings: ' -- configs/quick.json --batch 9999
expect 2 "a bad --filter regex" '^--filter \(: ' -- configs/io-path.json --filter '(' --dry-run
expect 2 "a --filter that leaves nothing" 'leave none of its 26 benchmarks' -- configs/io-path.json --filter nothing-matches --dry-run
expect 4 "a suite file that is not there" 'cannot open suite file' -- "$work/none.json"

# --dry-run: every entry, sources, nothing run, no file
cd "$work" || exit 1
"$HVBENCH" run "$OLDPWD/configs/io-path.json" --repetitions 3 --filter 'device_model=kernel' --exclude 'device_work_cycles=10000' --dry-run >"$work/d" 2>&1
rc=$?
cd "$OLDPWD" || exit 1
n=$(grep -c '^\[[0-9]*/[0-9]*\] ' "$work/d")
if [ $rc = 0 ] && [ "$n" = 4 ] && ! grep -q 'device_work_cycles=10000' "$work/d" &&
   grep -Eq '^    repetitions +3 +command line$' "$work/d" &&
   grep -Eq '^    min_time_ms +60 +defaults$' "$work/d" &&
   grep -Eq '^    device_model +"kernel" +entry$' "$work/d" &&
   grep -Eq '^    per_op|^    probes +true +default$' "$work/d" &&
   grep -Eq '^4 benchmarks, at least 0\.7 s of measuring$' "$work/d" &&
   [ ! -e "$work/results" ]; then
	ok "--dry-run with --filter/--exclude: 4 entries, each value's source, the time, no result file"
else
	bad "--dry-run: exit $rc, $n entries: $(head -40 "$work/d")"
fi
"$HVBENCH" run cpuid --cpl auto --dry-run >"$work/d2" 2>&1
if grep -Eq '^    cpl +[03] +command line; auto: [03], ' "$work/d2"; then
	ok "--dry-run: the level auto picks and why"
else
	bad "--dry-run auto: $(cat "$work/d2")"
fi

# names on the command line, a -P sweep, settings: a real run (pio_user, which every
# x86 host runs at CPL3; cpuid there needs CPUID faulting under PVM)
if [ -w /dev/kvm ]; then
	"$HVBENCH" run pio_user tlb_walk -P 'ws_kib=[16, 64]' -P per_op=8 --cpl 3 --min-time 5ms \
		--repetitions 2 -o "$work/r.json" >"$work/out" 2>&1
	rc=$?
	if [ $rc = 0 ] && jq -e '.suite.name == "command line" and (.benchmarks | length) == 3 and
	      ([.benchmarks[] | .params.cpl] | all(. == 3)) and
	      ([.benchmarks[] | .params.repetitions] | all(. == 2)) and
	      ([.benchmarks[] | select(.name == "tlb_walk") | .params.ws_kib] == [16, 64]) and
	      ([.benchmarks[] | .status] | all(. == "ok"))' "$work/r.json" >/dev/null; then
		ok "named benchmarks, a -P sweep and settings: 3 records as asked"
	else
		bad "named run: exit $rc: $(cat "$work/out")"
	fi
	# the progress line: on a terminal (script(1) gives a pty), k of n,
	# elapsed and time left; none with NO_COLOR, none into a pipe
	if command -v script >/dev/null; then
		script -qc "'$HVBENCH' run cpuid rdtsc --cpl 3 --min-time 50ms --repetitions 2 -o '$work/p.json'" "$work/tty" >/dev/null 2>&1
		if grep -aEq '\[1/4\] cpuid, repetition 1 of 2 \.\.\. \([0-9]+ s\)' "$work/tty" &&
		   grep -aEq '\[4/4\] rdtsc, repetition 2 of 2 \.\.\. \([0-9]+ s, [0-9]+ s left\)' "$work/tty"; then
			ok "progress on a terminal: step k of n, elapsed, time left"
		else
			bad "progress on a terminal: $(tr '\r' '\n' <"$work/tty" | head -5)"
		fi
		NO_COLOR=1 script -qc "'$HVBENCH' run cpuid --cpl 3 --min-time 20ms --repetitions 1 -o '$work/p2.json'" "$work/tty2" >/dev/null 2>&1
		if grep -aq 'cpuid ' "$work/tty2" && ! grep -aq '\[1/1\]' "$work/tty2"; then
			ok "NO_COLOR: no progress line"
		else
			bad "NO_COLOR: $(tr '\r' '\n' <"$work/tty2" | head -3)"
		fi
	fi
	# export --csv into a pipe is data: CRLF line ends, never escaped
	if "$HVBENCH" export "$work/r.json" --csv | head -1 | grep -q $'\r$' &&
	   ! "$HVBENCH" export "$work/r.json" --csv | grep -q 'u000d'; then
		ok "export --csv into a pipe: CRLF as data, not escaped"
	else
		bad "export --csv into a pipe: $("$HVBENCH" export "$work/r.json" --csv | head -1 | tail -c 20 | od -c | head -2)"
	fi
	# the PLE family's curves (issue 16): a -P sweep of vcpus, plotted
	if "$HVBENCH" run spinlock -P 'vcpus=[1, 2]' -P 'variant=["ticket", "tas"]' --cpl 3 --min-time 20ms \
		--repetitions 1 -q -o "$work/s.json" >/dev/null 2>&1 &&
	   "$HVBENCH" plot "$work/s.json" -o "$work/sp" --format svg >/dev/null 2>&1 &&
	   grep -q "spinlock: acquisitions per second against vCPUs" "$work/sp/s-spinlock-rate.svg" &&
	   grep -q "ticket, PLE on" "$work/sp/s-spinlock-rate.svg" &&
	   grep -q "the acquire latency" "$work/sp/s-spinlock-p99.svg"; then
		ok "plot: the spinlock curves, a line per variant"
	else
		bad "plot: no spinlock curves ($(ls "$work/sp" 2>&1 | tr '\n' ' '))"
	fi
	# compare lines up PLE-on with PLE-off runs when told to leave ple out of
	# the match (issue 16), and says each side's value in the row
	if "$HVBENCH" run spinlock -P vcpus=2 -P ple=off --cpl 3 --min-time 20ms \
		--repetitions 1 -q -o "$work/off.json" >/dev/null 2>&1 &&
	   jq -e '.benchmarks[0].status == "ok" or .benchmarks[0].status == "unsupported"' "$work/off.json" >/dev/null; then
		"$HVBENCH" run spinlock -P vcpus=2 -P ple=on --cpl 3 --min-time 20ms \
			--repetitions 1 -q -o "$work/on.json" >/dev/null 2>&1
		"$HVBENCH" compare "$work/on.json" "$work/off.json" --json >"$work/c0.json" 2>/dev/null
		"$HVBENCH" compare "$work/on.json" "$work/off.json" --ignore-param ple --json >"$work/c1.json" 2>/dev/null
		if jq -e '[.comparisons[0].rows[] | select(.name == "spinlock")] | length == 2' "$work/c0.json" >/dev/null &&
		   jq -e '[.comparisons[0].rows[] | select(.name == "spinlock")] as $r | ($r | length) == 1 and
			  ($r[0].base.status == "ok") and ($r[0].new != null) and
			  (if $r[0].new.status == "ok" then ($r[0].note | test("ple on vs off")) else true end)' "$work/c1.json" >/dev/null; then
			ok "compare --ignore-param ple: PLE on and off in one row, each side's value said"
		else
			bad "compare --ignore-param ple: $(head -c 600 "$work/c1.json")"
		fi
	else
		bad "spinlock ple=off: $(jq -c '.benchmarks[0] | {status, reason}' "$work/off.json" 2>&1)"
	fi
	# arm64's WFE wait asked for on x86: refused before the VM runs, saying why
	"$HVBENCH" run spinlock -P wait=wfe --cpl 3 --min-time 5ms --repetitions 1 -q \
		-o "$work/wfe.json" >/dev/null 2>&1
	if jq -e '.benchmarks[0].status == "unsupported" and (.benchmarks[0].reason | test("wait=wfe is arm64")) and
		  .benchmarks[0].cycles == null' "$work/wfe.json" >/dev/null 2>&1; then
		ok "spinlock wait=wfe on x86: unsupported, the reason said"
	else
		bad "spinlock wait=wfe on x86: $(jq -c '.benchmarks[0] | {status, reason}' "$work/wfe.json" 2>&1)"
	fi
	"$HVBENCH" compare "$work/s.json" "$work/s.json" --ignore-param plee >/dev/null 2>"$work/e"
	rc=$?
	if [ $rc = 2 ] && grep -q "^compare: --ignore-param plee: no record of these files has that parameter$" "$work/e"; then
		ok "compare --ignore-param with a name no record has: exit 2, says so"
	else
		bad "compare --ignore-param plee: exit $rc: $(cat "$work/e")"
	fi
	if ! grep -aq '\[1/' "$work/out"; then
		ok "into a pipe: no progress line"
	else
		bad "into a pipe: a progress line: $(head -3 "$work/out")"
	fi
else
	echo "SKIP (part): /dev/kvm is not usable here: the named run is not exercised"
fi
# Every suite the project ships parses and resolves (a suite is checked
# whole before anything runs: a bad one would fail its user at once).
for f in configs/*.json; do
	if "$HVBENCH" run "$f" --dry-run >"$work/o" 2>"$work/e"; then
		ok "$f: --dry-run resolves every entry"
	else
		bad "$f: --dry-run: $(head -1 "$work/e")"
	fi
done
echo "test-run-cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
