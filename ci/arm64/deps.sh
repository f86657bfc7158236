#!/usr/bin/env bash
# Installs what the arm64-under-emulation harness needs, and only what is
# missing (checked with dpkg first; apt-get runs only when something is).
#
#   host (amd64):  qemu-system-arm gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu cpio
#   arm64 multiarch (after `dpkg --add-architecture arm64`):
#                  libc6:arm64 libc6-dev:arm64 libjansson-dev:arm64 libseccomp-dev:arm64
#                  libhwloc-dev:arm64 libpfm4-dev:arm64 libsqlite3-dev:arm64 (the store;
#                  libpq-dev is not co-installable across architectures:
#                  the arm64 build goes without PostgreSQL)
#   cached, not installed: busybox-static:arm64 .deb in build/arm64-emu/cache/
#
# busybox-static is NOT installed: it is not Multi-Arch, it Conflicts with
# busybox (which initramfs-tools pulls in on many hosts) and it would put an
# aarch64 /bin/busybox on the amd64 host. run.sh only needs the file inside
# the .deb, so it is fetched with `apt-get download` instead.
#
# Multi-arch note (Debian 12): the -dev packages are Multi-Arch: same and
# co-install with the amd64 ones, but M-A: same forces identical versions on
# both architectures. libhwloc15:arm64 pulls libudev1:arm64 and libc6-dev
# pulls libssl3/krb5/libcom-err2:arm64, so apt also upgrades the amd64 twins
# (libudev1 -> systemd, libssl3, libkrb5*, e2fsprogs libs, linux-libc-dev) to
# the current point release. That is expected; nothing is removed.
#
# Exit 0: all present. Exit 1: one-line reason on stderr. Exit 2: not root and
# something is missing (the exact command is printed).
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HOST_PKGS=(qemu-system-arm gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu cpio)
ARM64_PKGS=(libc6:arm64 libc6-dev:arm64 libjansson-dev:arm64 libhwloc-dev:arm64 libpfm4-dev:arm64 libseccomp-dev:arm64 libsqlite3-dev:arm64 zlib1g-dev:arm64 liblz4-dev:arm64 libzstd-dev:arm64)

missing=()
for p in "${HOST_PKGS[@]}" "${ARM64_PKGS[@]}"; do
    pkg_installed "$p" || missing+=("$p")
done
need_arch=0
dpkg --print-foreign-architectures | grep -qx arm64 || need_arch=1

if [ ${#missing[@]} -gt 0 ] || [ $need_arch = 1 ]; then
    if [ "$(id -u)" != 0 ]; then
        cmd=""
        [ $need_arch = 1 ] && cmd="sudo dpkg --add-architecture arm64 && "
        cmd+="sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
        echo "ci/arm64/deps.sh: not root; run:" >&2
        echo "$cmd"
        exit 2
    fi
    if [ $need_arch = 1 ]; then
        dpkg --add-architecture arm64 || arm64_die "dpkg --add-architecture arm64 failed"
    fi
    arm64_log "installing: ${missing[*]:-(arm64 architecture only)}"
    export DEBIAN_FRONTEND=noninteractive
    # A third-party source that cannot be reached makes `update` exit non-zero
    # while Debian's lists are fine: judge by the install below instead.
    apt_update_if_root
    if [ ${#missing[@]} -gt 0 ]; then
        log=$(mktemp)
        if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
            tail -20 "$log" >&2
            reason=$(grep -E '^E:' "$log" | head -1)
            rm -f "$log"
            arm64_die "apt-get install failed: ${reason:-see output above}"
        fi
        # How much this first install pulled in (README, "Two commands").
        grep -E '^(Need to get|[0-9]+ upgraded, )' "$log" | sed 's/^/ci\/arm64: apt: /' >&2 || true
        rm -f "$log"
    fi
    for p in "${HOST_PKGS[@]}" "${ARM64_PKGS[@]}"; do
        pkg_installed "$p" || arm64_die "$p still not installed after apt-get install"
    done
fi

# busybox-static:arm64, downloaded (see above), reused when cached.
fetch_deb busybox-static:arm64 >/dev/null ||
    { apt_update_if_root && fetch_deb busybox-static:arm64 >/dev/null; } || arm64_die "cannot fetch busybox-static:arm64 (apt-get update? network to the Debian mirror?)"

command -v qemu-system-aarch64 >/dev/null || arm64_die "qemu-system-aarch64 not on PATH"
command -v aarch64-linux-gnu-gcc >/dev/null || arm64_die "aarch64-linux-gnu-gcc not on PATH"
arm64_log "deps ok"
