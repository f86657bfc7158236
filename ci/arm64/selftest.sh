#!/usr/bin/env bash
# Checks the arm64-under-emulation harness itself: cross-compiles
# ci/arm64/selftest.c (dynamically linked against jansson, hwloc, libpfm4),
# runs it under ci/arm64/run.sh in VHE and nVHE mode, and checks what comes
# back: the exit code, the KVM mode, result.json (KVM API 12, VM + vCPU
# created, MMIO exits seen, the --file input echoed, hwloc and libpfm4 work)
# and a 64 KiB binary file in a subfolder.
# Then checks that a hung guest gives exit code 124.
# Output: build/arm64-emu/selftest/; last line "N passed, N failed".
# Usage: selftest.sh [--modes "vhe nvhe"] [--no-timeout-test]
set -uo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
. "$here/lib.sh"

modes="vhe nvhe" timeout_test=1
while [ $# -gt 0 ]; do
    case $1 in
        --modes) modes=$2; shift 2 ;;
        --no-timeout-test) timeout_test=0; shift ;;
        *) echo "usage: $0 [--modes \"vhe nvhe\"] [--no-timeout-test]" >&2; exit 2 ;;
    esac
done

dir="$ARM64_EMU/selftest"
mkdir -p "$dir"
pass=0 fail=0
ok() { echo "PASS: $*"; pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ $fail = 0 ]; exit $?; }

# -- build ---------------------------------------------------------------------
bin="$dir/selftest"
if aarch64-linux-gnu-gcc -std=gnu11 -O2 -Wall -Wextra -Werror \
        -o "$bin" "$here/selftest.c" -ljansson -lhwloc -lpfm 2>"$dir/build.log" &&
   aarch64-linux-gnu-readelf -d "$bin" | grep -q 'NEEDED.*libjansson' &&
   aarch64-linux-gnu-readelf -d "$bin" | grep -q 'NEEDED.*libhwloc' &&
   aarch64-linux-gnu-readelf -d "$bin" | grep -q 'NEEDED.*libpfm'; then
    ok "build: aarch64 selftest, dynamically linked against jansson, hwloc, libpfm4"
else
    cat "$dir/build.log"
    ko "build: aarch64-linux-gnu-gcc ... -ljansson (run ci/arm64/deps.sh)"
    finish
fi

# The 64 KiB blob the guest writes: xorshift32 from a fixed seed.
expect_blob="$dir/blob.expected"
if ! [ -s "$expect_blob" ]; then
    if command -v python3 >/dev/null; then
        python3 -c '
import struct, sys
x = 2463534242; out = bytearray()
for _ in range(64 * 256):
    x ^= (x << 13) & 0xffffffff; x ^= x >> 17; x ^= (x << 5) & 0xffffffff
    out += struct.pack("<I", x)
sys.stdout.buffer.write(out)' > "$expect_blob"
    else
        printf '#include <stdio.h>\n#include <stdint.h>\nint main(void){uint32_t x=2463534242u;for(int i=0;i<64*256;i++){x^=x<<13;x^=x>>17;x^=x<<5;fwrite(&x,4,1,stdout);}return 0;}\n' > "$dir/blob.c"
        cc -o "$dir/blob" "$dir/blob.c" && "$dir/blob" > "$expect_blob"
    fi
fi
printf '{"from": "host", "nonce": "%s"}\n' "$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')" > "$dir/input.json"
nonce=$(sed -n 's/.*"nonce": "\([0-9a-f]*\)".*/\1/p' "$dir/input.json")

# -- one run per mode --------------------------------------------------------------
for mode in $modes; do
    out="$dir/$mode"
    rm -rf "$out"
    want_rc=7
    start=$(date +%s)
    bash "$here/run.sh" --mode "$mode" --bin "$bin" --timeout 300 \
        --file "$dir/input.json:in/input.json" --out "$out" \
        -- selftest --in in/input.json --exit $want_rc
    rc=$?
    secs=$(($(date +%s) - start))
    [ $rc = $want_rc ] && ok "$mode: exit code $want_rc came back (${secs}s)" ||
        ko "$mode: exit code $rc, wanted $want_rc (console: $out/console-$mode.log)"
    line=$(grep -a ':KVMMODE ' "$out/console-$mode.log" 2>/dev/null | head -1 | cut -d' ' -f2-)
    case $mode in
        vhe) pat="VHE mode initialized successfully" ;;
        nvhe) pat="Hyp mode initialized successfully" ;;
        protected) pat="Protected nVHE mode initialized successfully" ;;
    esac
    case "$line" in
        "$mode "*"$pat"*) ok "$mode: dmesg says '$pat'" ;;
        *) ko "$mode: KVM mode line is '${line:-none}'" ;;
    esac
    r="$out/result.json"
    if [ -s "$r" ] && grep -q '"ok": true' "$r" && grep -q '"api_version": 12' "$r" &&
       grep -q '"create_vm": true' "$r" && grep -q '"vcpu_init": true' "$r" &&
       grep -q '"mmio_exits": 2000' "$r" && grep -q "\"nonce\": \"$nonce\"" "$r" &&
       grep -q '"hwloc_pus": 2' "$r" && grep -q '"pfm_initialize": "success"' "$r"; then
        ok "$mode: result.json arrived: API 12, VM + vCPU, 2000 MMIO exits, input echoed, hwloc 2 PUs, pfm ok ($(sed -n 's/.*"mmio_exit_ticks_avg": \([0-9.]*\).*/\1/p' "$r" | awk '{printf "%.1f", $1}') ticks/exit)"
    else
        ko "$mode: result.json missing or incomplete: $(tr -d '\n' < "$r" 2>/dev/null | cut -c1-300)"
    fi
    if cmp -s "$out/sub/blob.bin" "$expect_blob"; then
        ok "$mode: sub/blob.bin arrived byte-exact (64 KiB)"
    else
        ko "$mode: sub/blob.bin differs from what the guest wrote"
    fi
    grep -q 'KVM_GET_API_VERSION = 12' "$out/cmd-$mode.log" 2>/dev/null &&
        ok "$mode: the command's output is in cmd-$mode.log" ||
        ko "$mode: cmd-$mode.log lacks the command's output"
    [ -s "$out/timing-$mode.txt" ] && echo "  $(cat "$out/timing-$mode.txt")"
done

# -- a guest that never finishes must give 124 ----------------------------------------
if [ $timeout_test = 1 ]; then
    out="$dir/timeout"
    rm -rf "$out"
    bash "$here/run.sh" --mode vhe --bin "$bin" --timeout 4 --out "$out" -- sleep 1000 2>/dev/null
    rc=$?
    [ $rc = 124 ] && ok "timeout: a hung guest gives 124" || ko "timeout: got $rc, wanted 124"
fi
finish
