#!/bin/bash
# The memory family on hugetlbfs pages, through `hvbench run` (the jail and
# its seccomp filter included: hugetlb memory is a memfd): tlb_walk and
# pf_storm with backing hugetlb_2m (and hugetlb_1g where 1 GiB pages can be
# reserved) run, the guest's tables give the page size asked, KVM maps the
# region with 2 MiB pages, tlb_walk's native twin runs on the same backing;
# and where the pool is too small for a second benchmark while the first
# holds its pages, the second is `unsupported` with the reason, not failed.
# The pools are grown for the test and given back at the end; a host where
# they cannot be grown (not root, no hugetlbfs) skips, saying why.
# Usage: ci/test-hugetlb.sh [HVBENCH_BINARY]   (default bin/hvbench)
set -u
cd "$(dirname "$0")/.."

HVBENCH=${1:-${HVBENCH:-bin/hvbench}}
case $HVBENCH in /*) ;; *) HVBENCH=$PWD/$HVBENCH ;; esac
P2=/sys/kernel/mm/hugepages/hugepages-2048kB
P1=/sys/kernel/mm/hugepages/hugepages-1048576kB
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
if [ ! -d "$P2" ] || [ ! -w "$P2/nr_hugepages" ]; then
	echo "SKIP: cannot grow the 2 MiB hugetlb pool here ($P2/nr_hugepages is not writable: not root, or no hugetlbfs)"
	exit 0
fi
work=$(mktemp -d /tmp/hvbench-test-hugetlb-XXXXXX)
old2=$(cat "$P2/nr_hugepages")
old1=
[ -w "$P1/nr_hugepages" ] && old1=$(cat "$P1/nr_hugepages")
restore() {
	echo "$old2" > "$P2/nr_hugepages"
	[ -n "$old1" ] && echo "$old1" > "$P1/nr_hugepages"
	rm -rf "$work"
}
trap restore EXIT

# Grow a pool by n pages; fails where the kernel cannot find them.
grow() {
	local pool=$1 n=$2 want have
	want=$(( $(cat "$pool/nr_hugepages") + n ))
	echo "$want" > "$pool/nr_hugepages" 2>/dev/null
	have=$(cat "$pool/nr_hugepages")
	[ "$have" -ge "$want" ]
}
run() {	# suite name -> $work/name.json; hvbench's exit code
	"$HVBENCH" run "$work/$1.suite" -q -o "$work/$1.json" >"$work/$1.log" 2>&1
}

# 4 MiB working set on 2 MiB pages: 2 pages for the guest, 2 for the twin;
# pf_storm's 8 pages of 2 MiB.
if ! grow "$P2" 16; then
	echo "SKIP: the kernel could not find 16 free 2 MiB pages for the pool"
	exit 0
fi
cat > "$work/h2.suite" <<'EOF'
{ "name": "hugetlb-2m", "defaults": { "cpl": 3, "min_time_ms": 5, "repetitions": 2, "timeout_ms": 60000 },
  "benchmarks": [
	{ "name": "tlb_walk", "ws_kib": 4096, "page": "2m", "backing": "hugetlb_2m", "per_op": 64 },
	{ "name": "pf_storm", "pages": 8, "page": "2m", "backing": "hugetlb_2m" }
  ] }
EOF
run h2
check "hugetlb_2m suite runs (exit $?; $(tail -1 "$work/h2.log"))" test -s "$work/h2.json"
w='.benchmarks[0]' s='.benchmarks[1]'
check "tlb_walk on hugetlb_2m: ok, not suspect" jqe "$w.status == \"ok\" and ($w.suspect | not)" "$work/h2.json"
check "tlb_walk on hugetlb_2m: the guest's tables map 2 MiB pages" jqe "$w.guest_page == 2097152" "$work/h2.json"
check "tlb_walk on hugetlb_2m: KVM holds 2 MiB mappings (where it counts them)" \
	jqe "($w.kvm_pages | not) or ($w.kvm_pages[\"2m\"] >= 2)" "$work/h2.json"
check "tlb_walk on hugetlb_2m: the native twin ran on the same backing" \
	jqe "($w.per_access.native.p50 > 0) and ($w.native | not)" "$work/h2.json"
check "pf_storm on hugetlb_2m: ok, 2 MiB guest pages" \
	jqe "$s.status == \"ok\" and $s.guest_page == 2097152" "$work/h2.json"

# A pool with room for one benchmark only (where nothing else holds free
# pages): the second, alive beside the first, is unsupported with the
# reason before its vCPUs run.
restore_free=$(cat "$P2/free_hugepages")
echo "$old2" > "$P2/nr_hugepages"
if [ "$(cat "$P2/free_hugepages")" = 0 ] && grow "$P2" 4; then
	cat > "$work/scarce.suite" <<'EOF'
{ "name": "hugetlb-scarce", "defaults": { "cpl": 3, "min_time_ms": 5, "repetitions": 2, "timeout_ms": 60000 },
  "benchmarks": [
	{ "name": "tlb_walk", "ws_kib": 4096, "page": "2m", "backing": "hugetlb_2m", "per_op": 64 },
	{ "name": "tlb_walk", "ws_kib": 4096, "page": "2m", "backing": "hugetlb_2m", "per_op": 32 }
  ] }
EOF
	run scarce
	check "scarce pool: the first benchmark is ok" jqe '.benchmarks[0].status == "ok"' "$work/scarce.json"
	check "scarce pool: the second is unsupported, saying the pages are held" \
		jqe '.benchmarks[1].status == "unsupported" and (.benchmarks[1].reason | test("hugetlb pages: 0 free"))' "$work/scarce.json"
else
	echo "info: the 2 MiB pool has free pages of others ($restore_free before the test): the scarce-pool case is not exercised"
fi

# 1 GiB backing, 2 MiB guest pages (1 GiB guest pages need pdpe1gb).
if [ -n "$old1" ] && grow "$P1" 2; then
	cat > "$work/h1.suite" <<'EOF'
{ "name": "hugetlb-1g", "defaults": { "cpl": 3, "min_time_ms": 5, "repetitions": 1, "timeout_ms": 120000 },
  "benchmarks": [
	{ "name": "tlb_walk", "ws_kib": 65536, "page": "2m", "backing": "hugetlb_1g", "per_op": 64 }
  ] }
EOF
	run h1
	check "tlb_walk on hugetlb_1g: ok, 2 MiB guest pages, the twin ran" \
		jqe '.benchmarks[0].status == "ok" and .benchmarks[0].guest_page == 2097152 and .benchmarks[0].per_access.native.p50 > 0' "$work/h1.json"
else
	echo "info: 1 GiB hugetlb pages cannot be reserved here: hugetlb_1g is not exercised"
fi

echo "test-hugetlb: $pass passed, $fail failed"
[ "$fail" = 0 ]
