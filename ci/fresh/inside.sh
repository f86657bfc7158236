#!/bin/bash
# Runs inside the minimal root (ci/fresh/check.sh copies it to /root): what a
# new user does, in order, each step timed; apt's download sizes are noted.
# Writes /root/times.txt; exit 0 only when every step succeeded the first time.
set -uo pipefail
cd /root/hvbench
times=/root/times.txt
: >"$times"
export DEBIAN_FRONTEND=noninteractive

# step NAME CMD...: runs CMD once, with its output shown and kept in
# /root/NAME.log; records its wall time and the "Need to get" lines of every
# apt-get inside it (the second figure is the whole download, the first what
# was not in the .deb cache yet).
step() {
	local name=$1 t0 t1 rc
	shift
	echo "==== fresh: $name: $*"
	t0=$(date +%s.%N)
	"$@" 2>&1 | tee "/root/$name.log"
	rc=${PIPESTATUS[0]}
	t1=$(date +%s.%N)
	awk -v n="$name" -v a="$t0" -v b="$t1" -v rc="$rc" \
		'BEGIN {printf "%s: %.0f s, exit %d\n", n, b - a, rc}' >>"$times"
	grep -h 'Need to get' "/root/$name.log" | sed "s/^/  $name apt: /" >>"$times" || true
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
tail -1 /root/make-check.log | grep -Eq '^[0-9]+ passed, 0 failed$' ||
	{ echo "==== fresh: make check's last line is not 'N passed, 0 failed'"; exit 1; }
echo "==== fresh: both commands succeeded the first time"
