#!/usr/bin/env bash
# Runs an aarch64 program inside an emulated arm64 machine (QEMU TCG with EL2)
# in which real KVM/arm64 runs, and brings back what it wrote.
#
# Usage:
#   ci/arm64/run.sh --mode vhe|nvhe|protected --bin PATH [--bin PATH ...]
#                   [--file SRC:DEST ...] [--out DIR] [--timeout SEC]
#                   [--mem MB] [--smp N] [--no-icount] [--verbose]
#                   -- CMD ARGS...
#
#   --bin PATH        aarch64 executable; goes to /usr/local/bin/<name> in the
#                     guest (on PATH) with every shared library it needs
#   --file SRC:DEST   extra host file or folder; DEST absolute, or relative to
#                     the guest's working folder /work
#   --out DIR         host folder for the results (default build/arm64-emu/out/<mode>):
#                       console-<mode>.log   the whole serial console
#                       cmd-<mode>.log       the command's own stdout+stderr
#                       <files>              every file the command wrote under
#                                            /out in the guest (env HVBENCH_OUT)
#   --timeout SEC     hard limit for the whole QEMU run (default 600)
#   --no-icount       drop `-icount shift=0` (faster boot, counter not repeatable)
#   --append ARGS     extra kernel command-line arguments
#   --verbose         also copy the console to stderr while it runs
#
# Exit codes:
#   0..123, 127..   the command's exit code inside the guest
#   124             timeout: QEMU was killed after --timeout seconds
#   125             harness failure: bad usage, missing deps/kernel, QEMU died or
#                   the guest never reported, a file arrived corrupt
#   126             KVM not usable in the guest: no /dev/kvm, or KVM came up in
#                   another mode than --mode asked for (the command is not run
#                   when /dev/kvm is missing)
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EXIT_TIMEOUT=124 EXIT_HARNESS=125 EXIT_NOKVM=126
die() { echo "ci/arm64/run.sh: $*" >&2; exit $EXIT_HARNESS; }
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit $EXIT_HARNESS; }

mode="" out="" extra_append="" timeout_s=600 mem=1024 smp=2 icount=1 verbose=0
bins=() files=() cmd=()
while [ $# -gt 0 ]; do
    case $1 in
        --mode) mode=${2:-}; shift 2 ;;
        --bin) bins+=("${2:-}"); shift 2 ;;
        --file) files+=("${2:-}"); shift 2 ;;
        --out) out=${2:-}; shift 2 ;;
        --timeout) timeout_s=${2:-}; shift 2 ;;
        --mem) mem=${2:-}; shift 2 ;;
        --smp) smp=${2:-}; shift 2 ;;
        --no-icount) icount=0; shift ;;
        --verbose) verbose=1; shift ;;
        --append) extra_append+=" ${2:-}"; shift 2 ;;
        -h|--help) usage ;;
        --) shift; cmd=("$@"); break ;;
        *) echo "ci/arm64/run.sh: unknown argument: $1" >&2; usage ;;
    esac
done
case $mode in
    vhe) append_mode="" ;;
    nvhe) append_mode=" kvm-arm.mode=nvhe" ;;
    protected) append_mode=" kvm-arm.mode=protected" ;;
    *) echo "ci/arm64/run.sh: --mode vhe|nvhe|protected is required" >&2; usage ;;
esac
[ ${#bins[@]} -gt 0 ] || { echo "ci/arm64/run.sh: --bin is required" >&2; usage; }
[ ${#cmd[@]} -gt 0 ] || { echo "ci/arm64/run.sh: no command after --" >&2; usage; }
[[ $timeout_s =~ ^[0-9]+$ ]] || die "--timeout wants seconds"
for t in qemu-system-aarch64 aarch64-linux-gnu-readelf cpio gzip base64 sha256sum timeout dpkg-deb; do
    command -v $t >/dev/null || die "$t not found (run ci/arm64/deps.sh)"
done

out=${out:-$ARM64_EMU/out/$mode}
mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)

# ---- kernel and busybox -----------------------------------------------------
kdir=$(bash "$(dirname "${BASH_SOURCE[0]}")/kernel.sh") || die "no kernel (ci/arm64/kernel.sh failed)"
bbdeb=$(ls -1 "$ARM64_CACHE"/busybox-static_*_arm64.deb 2>/dev/null | sort -V | tail -1)
[ -n "$bbdeb" ] || bbdeb=$(fetch_deb busybox-static:arm64) || die "no busybox-static:arm64 .deb (run ci/arm64/deps.sh)"

# ---- initramfs staging ------------------------------------------------------
mkdir -p "$ARM64_EMU/tmp"
work=$(mktemp -d "$ARM64_EMU/tmp/run-$mode.XXXXXX") || die "mktemp failed"
qpid=""
cleanup() {
    [ -n "$qpid" ] && kill "$qpid" 2>/dev/null
    [ -n "${ARM64_KEEP:-}" ] && echo "ci/arm64: kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,lib/aarch64-linux-gnu,proc,sys,dev,tmp,work,out,hvb,root,etc}
ln -s lib "$root/lib64"

dpkg-deb --fsys-tarfile "$bbdeb" | tar -x -C "$work" ./bin/busybox 2>/dev/null ||
    dpkg-deb -x "$bbdeb" "$work/bb" || die "cannot unpack $bbdeb"
if [ -f "$work/bin/busybox" ]; then mv "$work/bin/busybox" "$root/bin/busybox"
else cp "$work/bb/bin/busybox" "$root/bin/busybox"; fi
chmod 755 "$root/bin/busybox"
ln -s busybox "$root/bin/sh"

libdirs=(/usr/lib/aarch64-linux-gnu /lib/aarch64-linux-gnu /usr/aarch64-linux-gnu/lib)
for b in "${bins[@]}"; do
    [ -f "$b" ] || die "--bin $b: no such file"
    aarch64-linux-gnu-readelf -h "$b" 2>/dev/null | grep -q 'Machine:.*AArch64' || die "--bin $b is not an aarch64 ELF"
    cp -L "$b" "$root/usr/local/bin/" && chmod 755 "$root/usr/local/bin/$(basename "$b")"
    emu_ship_needed "$root" aarch64-linux-gnu-readelf aarch64-linux-gnu "$b" "${libdirs[@]}" ||
        die "cannot ship the libraries of $b (missing :arm64 package?)"
done
for spec in "${files[@]}"; do
    src=${spec%%:*} dest=${spec#*:}
    [ "$src" != "$spec" ] && [ -n "$dest" ] || die "--file wants SRC:DEST, got $spec"
    [ -e "$src" ] || die "--file $src: no such file"
    case $dest in /*) ;; *) dest=/work/$dest ;; esac
    mkdir -p "$root$(dirname "$dest")"
    cp -rL "$src" "$root$dest" || die "cannot copy $src"
done
if [ -s "$kdir/modules/load-order" ]; then
    mkdir -p "$root/hvb/modules"
    cp "$kdir"/modules/*.ko "$kdir/modules/load-order" "$root/hvb/modules/"
fi
cp "$EMU_SHIP" "$root/hvb/ship.sh"

nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
M="@@HVB:$nonce"
echo "$mode" > "$root/hvb/mode"
echo "$M" > "$root/hvb/marker"
emu_quote_cmd "${cmd[@]}" > "$root/hvb/cmd"

cat > "$root/init" <<'INIT'
#!/bin/sh
# hvbench arm64 harness /init (generated by ci/arm64/run.sh)
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null || {
    /bin/busybox mount -t tmpfs -o mode=0755 tmpfs /dev
    /bin/busybox mknod -m 600 /dev/console c 5 1
    /bin/busybox mknod -m 666 /dev/null c 1 3
    /bin/busybox mknod -m 666 /dev/kvm c 10 232
}
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root TMPDIR=/tmp HVBENCH_OUT=/out
M=$(cat /hvb/marker); MODE=$(cat /hvb/mode)
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
echo "$M:INIT uptime=$(cut -d' ' -f1 /proc/uptime)"
if [ -f /hvb/modules/load-order ]; then
    for m in $(cat /hvb/modules/load-order); do insmod /hvb/modules/$m || echo "$M:WARN insmod $m failed"; done
fi
line=$(dmesg | grep -E 'kvm \[[0-9]+\]: .*(mode initialized successfully|Hyp mode)' | tail -1)
case "$line" in
    *"Protected nVHE mode initialized successfully"*) seen=protected ;;
    *"]: VHE mode initialized successfully"*) seen=vhe ;;
    *"Hyp mode initialized successfully"*) seen=nvhe ;;
    *) seen=none; line=$(dmesg | grep -i 'kvm' | tail -3 | tr '\n' ' ') ;;
esac
echo "$M:KVMMODE $seen ${line:-no kvm lines in dmesg}"
[ -c /dev/kvm ] || [ ! -e /sys/class/misc/kvm/dev ] || mknod -m 666 /dev/kvm c $(tr ':' ' ' < /sys/class/misc/kvm/dev)
if [ ! -c /dev/kvm ]; then
    echo "$M:NOKVM /dev/kvm missing"
    rc=126
else
    cd /work
    echo "$M:CMD-START"
    sh /hvb/cmd
    rc=$?
    echo "$M:CMD-EXIT $rc"
fi
sh /hvb/ship.sh "$M"
echo "$M:RC $rc uptime=$(cut -d' ' -f1 /proc/uptime)"
sync
poweroff -f
INIT
chmod 755 "$root/init"
[ "$(id -u)" = 0 ] && mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null

initrd="$work/initrd.cpio.gz"
emu_cpio "$root" "$initrd" ||
    die "cpio/gzip of the initramfs failed"

# ---- boot ---------------------------------------------------------------------
# The console goes to a private file first (a concurrent run with the same
# --out cannot mix into it), then to OUT/console-<mode>.log.
log="$work/console.log" clog="$out/console-$mode.log"
# cryptomgr.notests: the crypto self-tests cost ~0.5 s of guest time (~3 s wall
# under TCG) at every boot and test nothing hvbench uses.
append="console=ttyAMA0 panic=-1 quiet cryptomgr.notests$append_mode$extra_append"
qemu=(qemu-system-aarch64 -M "${ARM64_MACHINE:-virt,virtualization=on,gic-version=3}" -cpu max
      -smp "$smp" -m "$mem" -nographic -no-reboot -nic none)
[ $icount = 1 ] && qemu+=(-icount shift=0)
qemu+=(-kernel "$kdir/Image" -initrd "$initrd" -append "$append")
echo "ci/arm64: ${qemu[*]}" >&2

emu_boot
echo "ci/arm64: mode=$mode boot=${boot_s}s total=${total_s}s guest-uptime=${guest_up:-?}s kvm: ${kvmline:-(not reported)}" >&2
printf 'mode=%s icount=%s boot_s=%s total_s=%s guest_uptime_s=%s kvm=%s\n' \
    "$mode" "$icount" "$boot_s" "$total_s" "${guest_up:-}" "${kvmline:-}" > "$out/timing-$mode.txt"

if [ $qrc = 124 ] || [ $qrc = 137 ]; then
    echo "ci/arm64: TIMEOUT after ${timeout_s}s (console: $clog)" >&2
    exit $EXIT_TIMEOUT
fi

# ---- results ------------------------------------------------------------------
awk -v m="$M" '
    index($0, m ":CMD-START") == 1 { on = 1; next }
    index($0, m ":CMD-EXIT") == 1 { on = 0 }
    on { print }' "$log" > "$out/cmd-$mode.log"

bad=0
emu_receive "$log" "$M" "$out" "$work" || bad=1
nfiles=$EMU_NFILES
echo "ci/arm64: $nfiles file(s) from the guest's /out -> $out" >&2

if [ -n "$(grep -a "^$M:NOKVM" "$log")" ]; then
    echo "ci/arm64: KVM not available in the guest: $(grep -a "^$M:NOKVM" "$log" | cut -d' ' -f2-)" >&2
    exit $EXIT_NOKVM
fi
rcline=$(grep -a "^$M:RC " "$log" | tail -1)
if [ -z "$rcline" ]; then
    echo "ci/arm64: the guest never reported an exit code (QEMU rc $qrc; console: $clog)" >&2
    tail -20 "$log" >&2
    exit $EXIT_HARNESS
fi
[ $bad = 0 ] || exit $EXIT_HARNESS
if [ "$seen" != "$mode" ]; then
    echo "ci/arm64: asked for $mode but KVM reports: ${kvmline:-nothing}" >&2
    exit $EXIT_NOKVM
fi
rc=$(echo "$rcline" | awk '{print $2}')
exit "$rc"
