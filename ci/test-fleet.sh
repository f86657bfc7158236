#!/usr/bin/env bash
# fleet/site.yml run for real (issue 18): two inventory hosts on this
# machine (ansible_connection=local, each its own hvbench_dir), a tiny
# suite, a SQLite store; the play twice. The store must then hold two runs,
# then four, each once, and the fetched files be the hosts' own. Over ssh:
# ci/test-fleet-ssh.sh (three network namespaces). ~30-60 s.
# Usage: ci/test-fleet.sh [HVBENCH_BINARY]   (default bin/hvbench)
set -u
cd "$(dirname "$0")/.."
HV=$(realpath "${1:-${HVBENCH:-bin/hvbench}}")
if ! command -v ansible-playbook >/dev/null; then
	echo "SKIP: ansible-playbook missing (Debian package ansible or ansible-core)"
	exit 0
fi
if [ ! -x "$HV" ]; then
	echo "FAIL: $HV not built (run make first)"
	exit 1
fi
if ! "$HV" info >/dev/null 2>&1; then
	echo "SKIP: hvbench info says /dev/kvm is not usable here (the play runs a suite)"
	exit 0
fi
work=$(mktemp -d /tmp/hvbench-fleet.XXXXXX)
trap 'rm -rf "$work"' EXIT
printf '[hvbench_hosts]\nlocal-a ansible_connection=local hvbench_dir=%s/a\nlocal-b ansible_connection=local hvbench_dir=%s/b\n' \
	"$work" "$work" >"$work/inventory"
printf '{"name": "fleet", "defaults": {"min_time_ms": 5, "repetitions": 4}, "benchmarks": [{"name": "empty"}]}\n' >"$work/suite.json"
pass=0
fail=0
check() {
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; pass=$((pass + 1)); else echo "FAIL: $what"; fail=$((fail + 1)); fi
}
play() {
	ANSIBLE_PYTHON_INTERPRETER=$(command -v python3) ANSIBLE_NOCOLOR=1 \
		ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_RETRY_FILES_ENABLED=False \
		ansible-playbook -i "$work/inventory" fleet/site.yml \
		-e "hvbench_binary=$HV" -e "hvbench_store=$work/store.db" \
		-e "hvbench_suite=$work/suite.json" -e "hvbench_results=$work/fetched" \
		>"$work/play$1.log" 2>&1
}
runs() { "$HV" db query --db "$work/store.db" --json latest >/dev/null 2>&1 &&
	"$HV" db export --db "$work/store.db" -o "$work/exp$1" >/dev/null 2>&1 &&
	ls "$work/exp$1" | wc -l; }

play 1
rc=$?
check "the play runs on both hosts (exit $rc)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || tail -n 20 "$work/play1.log"
check "each host's result was fetched to its own folder" \
	[ "$(ls "$work/fetched/local-a" | wc -l)" -eq 1 -a "$(ls "$work/fetched/local-b" | wc -l)" -eq 1 ]
check "the store holds the two runs" [ "$(runs 1)" -eq 2 ]
play 2
rc=$?
check "the play runs again (exit $rc)" [ "$rc" -eq 0 ]
check "the store holds four runs: the two new ones, the old ones once" [ "$(runs 2)" -eq 4 ]
check "the hosts' folders are the hosts' own" [ -x "$work/a/hvbench" -a -x "$work/b/hvbench" ]
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
