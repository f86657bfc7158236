#!/usr/bin/env bash
# Installs what hvbench needs from Debian's packages, only what is missing.
# As root it runs apt-get; otherwise it prints the exact command and fails.
# --arm64 adds the cross toolchain and the emulation harness's packages.
set -euo pipefail

pkgs=(build-essential pkg-config libjansson-dev libhwloc-dev libpfm4-dev
	libcmocka-dev gnuplot-nox chromium)
# Qualify with the native arch: once arm64 multiarch copies exist, a bare
# name is ambiguous to dpkg.
arch=$(dpkg --print-architecture)
missing=()
for p in "${pkgs[@]}"; do
	dpkg -s "$p:$arch" >/dev/null 2>&1 || dpkg -s "$p" >/dev/null 2>&1 ||
		missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "hvbench needs: sudo apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
	echo "installing: ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ "${1:-}" = "--arm64" ] && [ -x ci/arm64/deps.sh ]; then
	bash ci/arm64/deps.sh
fi
exit 0
