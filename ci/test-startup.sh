#!/bin/bash
# The real binary's start-up path (issue 12, start-up cost): with a fresh
# cache folder the first `hvbench info` measures and caches, the next uses
# the cache; a corrupt or foreign cache file is measured again; a run's
# result says where its host figures came from; `info` reports the start-up
# figures, in ms, consistent with each other. Correctness, not speed: the
# figures' size is ci/bench/startup.sh's business.
# Usage: ci/test-startup.sh [HVBENCH_BINARY]   (default bin/hvbench)
set -u
cd "$(dirname "$0")/.."

HVBENCH=${1:-${HVBENCH:-bin/hvbench}}
case $HVBENCH in /*) ;; *) HVBENCH=$PWD/$HVBENCH ;; esac
pass=0
fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
jqe() { jq -e "$@" >/dev/null; }

if [ ! -w /dev/kvm ]; then
	echo "SKIP: /dev/kvm is not usable here"
	exit 0
fi
work=$(mktemp -d /tmp/hvbench-test-startup-XXXXXX)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache

info() { "$HVBENCH" info --json >"$work/info.json" 2>"$work/info.err"; }
field() { jq -r "$1" "$work/info.json"; }

info
check "first info: cache miss, figures measured" test "$(field .cache.status)/$(field .cache.used)" = miss/false
check "first info: a cache file was written" test -f "$(field .cache.path)"
check "first info: the start-up probe found the cache warm" test "$(field .startup.host_cache)" = hit
check "start-up: exec -> first sample reported" jqe '.startup.exec_to_first_sample_ms > 0' "$work/info.json"
check "start-up: VM creation -> vCPU start <= -> guest's first call" \
	jqe '.startup.vm_create_to_vcpu_start_ms <= .startup.vm_create_to_guest_ready_ms' "$work/info.json"
check "start-up: the first VM comes after the host is known, the first sample after it" \
	jqe '.startup.exec_to_host_ms <= .startup.exec_to_vm_create_ms and
	       .startup.exec_to_vm_create_ms + .startup.vm_create_to_guest_ready_ms <= .startup.exec_to_first_sample_ms' "$work/info.json"
check "start-up: the exec stamp came from the parent (loading included)" \
	jqe '.startup.exec_source | startswith("execve")' "$work/info.json"
slow=$(field .cpl0_slowdown)
path=$(field .cache.path)

info
check "second info: cache hit" test "$(field .cache.status)/$(field .cache.used)" = hit/true
check "second info: the cached slowdown is the measured one" test "$(field .cpl0_slowdown)" = "$slow"

printf '{"format": "hvbench host cache 1", "tsc_khz": "lots"' >"$path"
info
check "a truncated cache file: corrupt, measured again" test "$(field .cache.status)/$(field .cache.used)" = corrupt/false
info
check "... and rewritten whole" test "$(field .cache.status)" = hit

chmod 0666 "$path"
info
check "a cache file others may write: foreign, not used" test "$(field .cache.status)/$(field .cache.used)" = foreign/false
check "... and left alone" test "$(stat -c %a "$path")" = 666
chmod 0600 "$path"

cat >"$work/one.json" <<'J'
{ "name": "one", "defaults": { "min_time_ms": 1, "repetitions": 1 },
  "benchmarks": [ { "name": "empty" } ] }
J
"$HVBENCH" run -q -o "$work/r.json" "$work/one.json" >/dev/null 2>&1
check "a run's result names the cache it used" \
	jqe '.host.cache.status == "hit" and .host.cache.used and (.host.cpl0_slowdown | type) == "number"' "$work/r.json"

XDG_CACHE_HOME=/proc/hvbench-no-such-place "$HVBENCH" run -q -o "$work/r2.json" "$work/one.json" >/dev/null 2>&1
check "an unusable cache folder: the run still measures and succeeds" \
	jqe '.host.cache.used == false and .benchmarks[0].status == "ok" and (.host.cpl0_slowdown | type) == "number"' "$work/r2.json"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
