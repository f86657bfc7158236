#!/usr/bin/env bash
# Installs what hvbench needs from Debian's packages, only what is missing.
# As root it runs apt-get; otherwise it prints the exact command and fails.
# --arm64 adds the cross toolchain and the emulation harness's packages;
# --fresh installs only debootstrap, for `make check-fresh` (ci/fresh/);
# --fuzz only clang, for the fuzz harnesses (fuzz/).
# apt's output is kept out of the way and printed only when apt fails.
# openssh-server is there for its sshd binary (ci/test-fleet-ssh.sh starts
# its own, one per network namespace); on a machine that runs systemd,
# Debian's package also enables and starts its ssh service (port 22, keys
# only for root): `systemctl disable --now ssh` where that is not wanted.
set -euo pipefail

pkgs=(build-essential pkg-config libjansson-dev libhwloc-dev libpfm4-dev libseccomp-dev
	libcmocka-dev zlib1g-dev liblz4-dev libzstd-dev curl gnuplot-nox chromium jq help2man libsqlite3-dev libpq-dev postgresql ansible-core
	openssh-server openssh-client iproute2)
[ "${1:-}" = "--fresh" ] && pkgs=(debootstrap)
# --fuzz: clang and its libFuzzer/sanitizer runtimes, for make fuzz and
# ci/test-fuzz.sh only.
[ "${1:-}" = "--fuzz" ] && pkgs=(clang-14 libclang-rt-14-dev)

# apt_quiet CMD...: runs CMD with its output in a log; on success prints
# only apt's size lines (how many packages, how much to download), on failure
# the log's tail (the apt error), and fails.
apt_quiet() {
	local log rc=0
	log=$(mktemp)
	DEBIAN_FRONTEND=noninteractive "$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "ci/deps.sh: '$*' failed (exit $rc):" >&2
		tail -n 25 "$log" >&2
	else
		grep -E '^(Need to get|[0-9]+ upgraded, )' "$log" | sed 's/^/  apt: /' || true
	fi
	rm -f "$log"
	return "$rc"
}

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
	# A third-party source that cannot be reached makes `update` fail while
	# Debian's lists are fine: the install below is what decides.
	apt_quiet apt-get update || echo "ci/deps.sh: apt-get update failed; trying the install anyway" >&2
	apt_quiet apt-get install -y "${missing[@]}"
fi
if [ "${1:-}" = "--arm64" ] && [ -x ci/arm64/deps.sh ]; then
	bash ci/arm64/deps.sh
fi
exit 0
