#!/bin/bash
# x86 hardware virtualization under emulation (KVM/SVM inside QEMU TCG, NPT on
# and off): ci/x86-emu/check.sh runs configs/x86-emu.json in both modes
# (results/x86-emu/{npt,shadow}.json) and checks them. ~60-90 s.
# Skips (exit 0, "SKIP: ...") only when QEMU, busybox or the amd64 kernel
# cannot be installed or fetched; any other problem fails.
set -u
cd "$(dirname "$0")/.."
if [ "${HVB_SANITIZE:-}" = 1 ]; then
	echo "SKIP: the x86 run under emulation is make check's, not check-sanitize's"
	exit 0
fi
out=$(bash ci/x86-emu/check.sh --bin "${1:-${HVBENCH:-bin/hvbench}}" 2>&1)
rc=$?
echo "$out" | grep -v '^ok: '
if [ $rc = 2 ]; then
	echo "SKIP: x86 emulation harness unavailable: $(echo "$out" | grep '^check-x86emu:' | tail -1)"
	exit 0
fi
exit $rc
