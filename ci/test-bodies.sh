#!/bin/bash
# Every benchmark row has its guest body on each arch it claims: builds the
# x86 and the arm64 guest images (ELF, not the flattened copy), reads the
# bodies each registered (the gbody__<name> symbols that GUEST_BODY leaves in
# the section gbody, hv-core/guest/guest.h) and checks them against the rows
# of `hvbench list --json` and their archs. Also: no name registered twice in
# one image, every name fits the shared page, and the interrupt handlers
# (GUEST_IRQ, section girq) are one per interrupt number and in the arch's
# range, and no row name registered twice (the table finds the first). ~2 s
# after a build.
# Usage: ci/test-bodies.sh [HVBENCH_BINARY]   (default bin/hvbench)
# An arch whose guest image cannot be built here (no cross compiler) is
# skipped with the reason; an image that fails to build fails.
set -u
cd "$(dirname "$0")/.."

HVBENCH=${1:-${HVBENCH:-bin/hvbench}}
if ! command -v python3 >/dev/null || ! command -v readelf >/dev/null; then
	echo "SKIP: python3 or readelf missing"
	exit 0
fi
if [ ! -x "$HVBENCH" ]; then
	echo "FAIL: $HVBENCH not built (run make first)"
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

host=x86
[ "$(uname -m)" = aarch64 ] && host=arm64
elfs=()
for arch in x86 arm64; do
	elf=build/$arch/guest.elf
	if [ $arch != $host ]; then
		if [ $host = arm64 ]; then
			echo "SKIP: x86: the Makefile cross-builds arm64 images only, not x86 ones"
			continue
		fi
		if ! command -v aarch64-linux-gnu-gcc >/dev/null; then
			echo "SKIP: arm64: no cross compiler (aarch64-linux-gnu-gcc) to build its guest image"
			continue
		fi
	fi
	if ! make -s ARCH=$arch "$elf" >"$work/make-$arch.log" 2>&1; then
		echo "FAIL: the $arch guest image does not build:"
		tail -5 "$work/make-$arch.log" | sed 's/^/    /'
		exit 1
	fi
	elfs+=("$arch=$elf")
done
if ! "$HVBENCH" list --json >"$work/list.json" 2>"$work/list.err"; then
	echo "FAIL: $HVBENCH list --json: $(tail -1 "$work/list.err")"
	exit 1
fi
for e in "${elfs[@]}"; do
	readelf -SW "${e#*=}" >"$work/${e%%=*}.sections" &&
		readelf -sW "${e#*=}" >"$work/${e%%=*}.symbols" &&
		readelf -x girq "${e#*=}" >"$work/${e%%=*}.girq" 2>/dev/null || {
		echo "FAIL: readelf ${e#*=}"
		exit 1
	}
done

python3 - "$work" "${elfs[@]}" <<'PY'
import json, re, sys
work, elfs = sys.argv[1], dict(a.split("=", 1) for a in sys.argv[2:])
NAME_MAX = 32   # HV_BODY_NAME_MAX, hv-core/abi.h
fails = 0
def check(ok, what):
    global fails
    print(("ok: " if ok else "FAIL: ") + what)
    fails += not ok

def bodies(arch):
    """Names of the bodies in this image: gbody__<name> symbols in section gbody."""
    idx = None
    for line in open(f"{work}/{arch}.sections"):
        m = re.match(r"\s*\[\s*(\d+)\]\s+(\S+)", line)
        if m and m.group(2) == "gbody":
            idx = m.group(1)
    names = []
    for line in open(f"{work}/{arch}.symbols"):
        f = line.split()
        if len(f) >= 8 and f[7].startswith("gbody__") and f[6] == idx:
            names.append(f[7][len("gbody__"):])
    return idx, names

def irqs(arch):
    """Interrupt numbers of the GUEST_IRQ entries: struct girq is 16 bytes,
    a little-endian uint32 number first, on both archs."""
    data = b""
    for line in open(f"{work}/{arch}.girq"):
        f = line.split()
        if f and f[0].startswith("0x"):
            data += bytes.fromhex("".join(w for w in f[1:5] if re.fullmatch(r"[0-9a-f]{8}", w)))
    return [int.from_bytes(data[i:i + 4], "little") for i in range(0, len(data) - 15, 16)]

IRQ_RANGE = {"x86": range(32, 256), "arm64": range(0, 1020)}   # vectors; INTIDs below the spurious ones

rows = json.load(open(f"{work}/list.json"))["benchmarks"]
check(len(rows) > 0, f"hvbench list names {len(rows)} rows")
names_ = [r["name"] for r in rows]
twice_ = sorted({n for n in names_ if names_.count(n) > 1})
check(not twice_, "every row name is listed once" + (f" (twice: {', '.join(twice_)})" if twice_ else ""))
named = set()
for arch in sorted(elfs):
    idx, names = bodies(arch)
    check(idx is not None, f"{arch}: the guest image has a gbody section")
    dups = sorted({n for n in names if names.count(n) > 1})
    check(not dups, f"{arch}: {len(names)} bodies, none registered twice"
          + (f" (twice: {', '.join(dups)})" if dups else ""))
    missing = []
    for r in rows:
        if arch not in r["archs"]:
            continue
        named.add(r["body"])
        if r["body"] not in names:
            missing.append(f'{r["name"]} (body {r["body"]})')
    claimed = sum(arch in r["archs"] for r in rows)
    check(not missing, f"{arch}: each of the {claimed} rows that claim {arch} has its body"
          + (f"; missing: {', '.join(missing)}" if missing else ""))
    ns = irqs(arch)
    twice = sorted({n for n in ns if ns.count(n) > 1})
    out = sorted({n for n in ns if n not in IRQ_RANGE[arch]})
    check(not twice and not out, f"{arch}: {len(ns)} interrupt handlers ({', '.join(hex(n) for n in ns) or 'none'}), one per interrupt, in range"
          + (f"; twice: {', '.join(map(hex, twice))}" if twice else "")
          + (f"; out of range: {', '.join(map(hex, out))}" if out else ""))
    spare = sorted(set(names) - {r["body"] for r in rows if arch in r["archs"]})
    print(f"info: {arch}: bodies no listed row names (tests, selftest, probes): {', '.join(spare) or 'none'}")
long = [r["name"] for r in rows if len(r["body"]) >= NAME_MAX]
check(not long, f"every row's body name is under {NAME_MAX} bytes" + (f" (not: {', '.join(long)})" if long else ""))
sys.exit(1 if fails else 0)
PY
