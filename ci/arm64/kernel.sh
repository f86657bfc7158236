#!/usr/bin/env bash
# Fetches Debian's arm64 kernel (the version linux-image-arm64:arm64 depends on)
# with `apt-get download`, caches the .deb under build/arm64-emu/cache/, and
# extracts it to build/arm64-emu/kernel/<kver>/:
#   Image          the kernel for `qemu-system-aarch64 -kernel` (Debian's
#                  arm64 vmlinuz is an uncompressed, EFI-stub Image; the signed
#                  package boots under -kernel exactly like -unsigned)
#   config         its /boot/config-*
#   modules/       .ko files needed because a required option is =m (empty on
#                  Debian 12: CONFIG_KVM=y), with modules/load-order listing
#                  them dependencies-first for /init to insmod
# Prints the kernel directory on stdout. Reuses everything when present.
# Usage: kernel.sh [--version KVER]  (e.g. 6.1.0-56; default: the metapackage's)
#        ARM64_EXTRA_MODULES="mod1 mod2" adds modules by name.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

kver=""
while [ $# -gt 0 ]; do
    case $1 in
        --version) kver=$2; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) arm64_die "kernel.sh: unknown argument $1" ;;
    esac
done

meta_dep() {
    apt-cache depends linux-image-arm64:arm64 2>/dev/null |
        awk '/Depends: linux-image-[0-9].*-arm64/ {sub(":arm64","",$2); print $2; exit}'
}
if [ -z "$kver" ]; then
    pkg=$(meta_dep)
    if [ -z "$pkg" ] && apt_update_if_root; then pkg=$(meta_dep); fi
    if [ -z "$pkg" ]; then
        # Offline / no arm64 lists: fall back to the newest cached kernel deb.
        deb=$(ls -1 "$ARM64_CACHE"/linux-image-[0-9]*-arm64_*_arm64.deb 2>/dev/null | sort -V | tail -1 || true)
        [ -n "$deb" ] || arm64_die "cannot resolve linux-image-arm64:arm64 (run ci/arm64/deps.sh, which adds arm64 and runs apt-get update)"
        pkg=$(basename "$deb"); pkg=${pkg%%_*}
    fi
else
    pkg=linux-image-$kver-arm64
fi
kver=${pkg#linux-image-}            # 6.1.0-56-arm64
kdir="$ARM64_EMU/kernel/$kver"
mkdir -p "$ARM64_EMU/kernel"
exec 9>"$ARM64_EMU/kernel/.lock" && flock 9   # parallel run.sh: extract once

if [ ! -s "$kdir/Image" ] || [ ! -f "$kdir/modules/load-order" ]; then
    deb=$(ls -1 "$ARM64_CACHE/${pkg}_"*"_arm64.deb" 2>/dev/null | sort -V | tail -1 || true)
    [ -n "$deb" ] || deb=$(fetch_deb "$pkg:arm64") || arm64_die "cannot download $pkg:arm64"
    arm64_log "extracting $(basename "$deb")"
    tmp=$(mktemp -d "$ARM64_EMU/kx.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    dpkg-deb -x "$deb" "$tmp"
    img=$(ls -1 "$tmp"/boot/vmlinuz-* | head -1)
    cfg=$(ls -1 "$tmp"/boot/config-* | head -1)
    [ -s "$img" ] && [ -s "$cfg" ] || arm64_die "$deb has no /boot/vmlinuz-* or config-*"
    rm -rf "$kdir.new"; mkdir -p "$kdir.new/modules"
    case $(file -b "$img") in
        *gzip*) gunzip -c "$img" > "$kdir.new/Image" ;;
        *) cp "$img" "$kdir.new/Image" ;;
    esac
    cp "$cfg" "$kdir.new/config"

    # Options the harness needs and the module that provides each when =m.
    mods=()
    for pair in KVM:kvm DEVTMPFS: SERIAL_AMBA_PL011_CONSOLE: BLK_DEV_INITRD: RD_GZIP: TMPFS: \
                ARM_GIC_V3: VIRTUALIZATION:; do
        opt=${pair%%:*} mod=${pair#*:}
        val=$(grep -E "^CONFIG_$opt=" "$kdir.new/config" | cut -d= -f2 || true)
        case "$val" in
            y) ;;
            m) [ -n "$mod" ] || arm64_die "CONFIG_$opt=m but it must be built in"
               mods+=("$mod") ;;
            *) arm64_die "$kver: CONFIG_$opt is not set; this kernel cannot run the harness" ;;
        esac
    done
    for m in ${ARM64_EXTRA_MODULES:-}; do mods+=("$m"); done

    : > "$kdir.new/modules/load-order"
    if [ ${#mods[@]} -gt 0 ]; then
        mdir=$(ls -d "$tmp"/lib/modules/*/ | head -1)
        # The package ships no modules.dep (depmod runs at install time):
        # ci/emu/lib.sh reads each module's "depends=" from .modinfo.
        emu_modules "$mdir" "$kdir.new/modules" aarch64-linux-gnu-objcopy "${mods[@]}" ||
            arm64_die "module closure failed in $pkg"
        arm64_log "modules for the initramfs: $(tr '\n' ' ' < "$kdir.new/modules/load-order")"
    fi
    rm -rf "$kdir"; mv "$kdir.new" "$kdir"
fi
echo "$kdir"
