#!/usr/bin/env bash
# Fetches Debian's amd64 kernel (the version linux-image-amd64 depends on) with
# `apt-get download`, caches the .deb under build/x86-emu/cache/, and extracts
# it to build/x86-emu/kernel/<kver>/:
#   vmlinuz        the bzImage for `qemu-system-x86_64 -kernel`
#   config         its /boot/config-*
#   modules/       kvm-amd.ko and what it depends on (kvm, ccp, irqbypass on
#                  Debian 12), decompressed, with modules/load-order listing
#                  them dependencies-first for /init to insmod
# Prints the kernel directory on stdout. Reuses everything when present.
# Usage: kernel.sh [--version KVER]  (e.g. 6.1.0-57; default: the metapackage's)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

kver=""
while [ $# -gt 0 ]; do
    case $1 in
        --version) kver=$2; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) emu_die "kernel.sh: unknown argument $1" ;;
    esac
done

meta_dep() {
    apt-cache depends linux-image-amd64:amd64 2>/dev/null |
        awk '/Depends: linux-image-[0-9].*-amd64/ {sub(":amd64","",$2); print $2; exit}'
}
if [ -z "$kver" ]; then
    pkg=$(meta_dep)
    if [ -z "$pkg" ] && apt_update_if_root; then pkg=$(meta_dep); fi
    if [ -z "$pkg" ]; then
        deb=$(ls -1 "$EMU_CACHE"/linux-image-[0-9]*-amd64_*_amd64.deb 2>/dev/null | sort -V | tail -1 || true)
        [ -n "$deb" ] || emu_die "cannot resolve linux-image-amd64 (apt-get update?)"
        pkg=$(basename "$deb"); pkg=${pkg%%_*}
    fi
else
    pkg=linux-image-$kver-amd64
fi
kver=${pkg#linux-image-}            # 6.1.0-57-amd64
kdir="$EMU_DIR/kernel/$kver"
mkdir -p "$EMU_DIR/kernel"
exec 9>"$EMU_DIR/kernel/.lock" && flock 9   # parallel run.sh: extract once

if [ ! -s "$kdir/vmlinuz" ] || [ ! -s "$kdir/modules/load-order" ]; then
    deb=$(ls -1 "$EMU_CACHE/${pkg}_"*"_amd64.deb" 2>/dev/null | sort -V | tail -1 || true)
    [ -n "$deb" ] || deb=$(fetch_deb "$pkg:amd64") || emu_die "cannot download $pkg"
    emu_log "extracting $(basename "$deb")"
    tmp=$(mktemp -d "$EMU_DIR/kx.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    # Only the kernel, its config and the modules KVM needs: the whole
    # package is 400 MB unpacked.
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/*' \
        './lib/modules/*/kernel/arch/x86/kvm/*' './lib/modules/*/kernel/virt/lib/*' \
        './lib/modules/*/kernel/drivers/crypto/ccp/*' 2>/dev/null || true
    img=$(ls -1 "$tmp"/boot/vmlinuz-* 2>/dev/null | head -1)
    cfg=$(ls -1 "$tmp"/boot/config-* 2>/dev/null | head -1)
    [ -s "$img" ] && [ -s "$cfg" ] || emu_die "$deb has no /boot/vmlinuz-* or config-*"
    rm -rf "$kdir.new"; mkdir -p "$kdir.new/modules"
    cp "$img" "$kdir.new/vmlinuz"
    cp "$cfg" "$kdir.new/config"
    for opt in DEVTMPFS SERIAL_8250_CONSOLE BLK_DEV_INITRD RD_GZIP TMPFS VIRTUALIZATION; do
        grep -qE "^CONFIG_$opt=y" "$kdir.new/config" || emu_die "$kver: CONFIG_$opt is not built in"
    done
    grep -qE '^CONFIG_KVM_AMD=[ym]' "$kdir.new/config" || emu_die "$kver: no CONFIG_KVM_AMD"
    : > "$kdir.new/modules/load-order"
    mdir=$(ls -d "$tmp"/lib/modules/*/ | head -1)
    emu_modules "$mdir" "$kdir.new/modules" objcopy kvm_amd || emu_die "module closure of kvm_amd failed"
    emu_log "modules for the initramfs: $(tr '\n' ' ' < "$kdir.new/modules/load-order")"
    rm -rf "$kdir"; mv "$kdir.new" "$kdir"
fi
echo "$kdir"
