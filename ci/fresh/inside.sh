#!/bin/bash
# Runs inside the minimal root (ci/fresh/check.sh copies it to /root): what a
# new user does, in order, each step timed; apt's download sizes are noted.
# Writes /root/times.txt; exit 0 only when every step succeeded the first time.
set -uo pipefail
cd /root/hvbench
times=/root/times.txt
: >"$times"
export DEBIAN_FRONTEND=noninteractive

# stamp LOG: shows each line and appends it to LOG with its time (epoch s).
stamp() {
	local l
	while IFS= read -r l; do
		printf '%s\n' "$l"
		printf '%s %s\n' "$EPOCHREALTIME" "$l" >>"$1"
	done
}

# phases T0 T1 < STAMPED-LOG: where the time of a step went. "install" runs
# until the first compiler line, "build" until the first test (== NAME) or
# the suite (hvbench run); each test is its own phase, named after it.
phases() {
	awk -v t0="$1" -v t1="$2" '
	function close_phase(t) { if (name != "") printf "    %-28s %5.0f s\n", name, t - start }
	function open_phase(n, t) { close_phase(t); name = n; start = t }
	BEGIN { name = "install"; start = t0 }
	{ t = $1; $1 = ""; sub(/^ /, "") }
	name == "install" && /^(gcc|aarch64-linux-gnu-gcc|clang[-0-9]*|ar|printf) / { open_phase("build", t) }
	/^== / { open_phase(substr($0, 4), t); next }
	/^\.\/.*hvbench run / { open_phase("suite", t) }
	END { close_phase(t1) }'
}

# step NAME CMD...: runs CMD once, with its output shown and kept (stamped)
# in /root/NAME.log; records its wall time, its phases and the "Need to get"
# lines of every apt-get inside it (the second figure is the whole download,
# the first what was not in the .deb cache yet).
step() {
	local name=$1 t0 t1 rc
	shift
	echo "==== fresh: $name: $*"
	: >"/root/$name.log"
	t0=$EPOCHREALTIME
	"$@" 2>&1 | stamp "/root/$name.log"
	rc=${PIPESTATUS[0]}
	t1=$EPOCHREALTIME
	awk -v n="$name" -v a="$t0" -v b="$t1" -v rc="$rc" \
		'BEGIN {printf "%s: %.0f s, exit %d\n", n, b - a, rc}' >>"$times"
	phases "$t0" "$t1" <"/root/$name.log" >>"$times"
	grep -h 'Need to get' "/root/$name.log" | cut -d' ' -f2- | sed "s/^/  $name apt: /" >>"$times" || true
	if [ "$rc" != 0 ]; then
		echo "==== fresh: $name FAILED (exit $rc)"
		exit 1
	fi
}

# apt-get with its usual output (the "Need to get" line is what we measure).
step install-make bash -c 'apt-get update -q && apt-get install -y make'
step make-run make run
ls results/*.json >/dev/null 2>&1 || { echo "==== fresh: make run wrote no results/*.json"; exit 1; }
step make-check make check
tail -1 /root/make-check.log | cut -d' ' -f2- | grep -Eq '^[0-9]+ passed, 0 failed$' ||
	{ echo "==== fresh: make check's last line is not 'N passed, 0 failed'"; exit 1; }
echo "==== fresh: both commands succeeded the first time"
