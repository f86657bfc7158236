#!/usr/bin/env bash
# Installs what the x86-under-emulation harness needs, and only what is
# missing (dpkg-query first; apt-get runs only when something is):
#   qemu-system-x86 cpio linux-perf (perf stat, beside hvbench profile)
# and downloads (does not install) busybox-static into build/x86-emu/cache/
# (it Conflicts with busybox, which many hosts have; run.sh only needs the
# file inside the .deb).
# Exit 0: all present. Exit 1: one-line reason on stderr. Exit 2: not root and
# something is missing (the exact command is printed).
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PKGS=(qemu-system-x86 cpio linux-perf)
missing=()
for p in "${PKGS[@]}"; do pkg_installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "ci/x86-emu/deps.sh: not root; run:" >&2
        echo "sudo apt-get install -y --no-install-recommends ${missing[*]}"
        exit 2
    fi
    emu_log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    log=$(mktemp)
    if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
        apt_update_if_root
        if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
            tail -20 "$log" >&2
            reason=$(grep -E '^E:' "$log" | head -1)
            rm -f "$log"
            emu_die "apt-get install failed: ${reason:-see output above}"
        fi
    fi
    grep -E '^(Need to get|[0-9]+ upgraded, )' "$log" | sed 's/^/ci\/x86-emu: apt: /' >&2 || true
    rm -f "$log"
    for p in "${PKGS[@]}"; do pkg_installed "$p" || emu_die "$p still not installed after apt-get install"; done
fi
fetch_deb busybox-static:amd64 >/dev/null ||
    { apt_update_if_root && fetch_deb busybox-static:amd64 >/dev/null; } || emu_die "cannot fetch busybox-static (apt-get update? network to the Debian mirror?)"
command -v qemu-system-x86_64 >/dev/null || emu_die "qemu-system-x86_64 not on PATH"
emu_log "deps ok"
