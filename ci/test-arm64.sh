#!/bin/bash
# The arm64 backend under emulation (KVM/arm64 inside QEMU TCG, VHE and nVHE):
# ci/arm64/check.sh builds bin/hvbench-arm64, runs configs/arm64-smoke.json in
# both modes (results/arm64-emu/{vhe,nvhe}.json) and checks them. ~25-35 s.
# Skips (exit 0, "SKIP: ...") only when QEMU, the cross toolchain or the arm64
# kernel cannot be installed or fetched; any other problem fails.
set -u
cd "$(dirname "$0")/.."
# make check-sanitize builds the arm64 binary with the sanitizers itself and
# does not repeat make check's emulated run (README: Fuzzing and sanitizers).
if [ "${HVB_SANITIZE:-}" = 1 ]; then
	echo "SKIP: the arm64 run under emulation is make check's, not check-sanitize's"
	exit 0
fi
out=$(bash ci/arm64/check.sh 2>&1)
rc=$?
echo "$out" | grep -v '^ok: '
if [ $rc = 2 ]; then
	echo "SKIP: arm64 emulation harness unavailable: $(echo "$out" | grep '^check-arm64:' | tail -1)"
	exit 0
fi
exit $rc
