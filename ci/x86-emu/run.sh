#!/usr/bin/env bash
# Runs x86-64 programs inside an emulated AMD machine (QEMU TCG with SVM and
# nested paging) in which Debian's kernel runs real KVM (kvm_amd), and brings
# back what they wrote.
#
# Usage:
#   ci/x86-emu/run.sh --mode npt|shadow --bin PATH [--bin PATH ...]
#                     [--file SRC:DEST ...] [--out DIR] [--timeout SEC]
#                     [--mem MB] [--smp N] [--no-icount] [--verbose]
#                     -- CMD ARGS...
#
#   --mode npt|shadow kvm_amd is insmod'ed with npt=1 or npt=0 (a module
#                     parameter: the kernel command line does not reach it)
#   --bin PATH        x86-64 executable; goes to /usr/local/bin/<name> in the
#                     guest (on PATH) with every shared library it needs
#   --file SRC:DEST   extra host file or folder; DEST absolute, or relative to
#                     the guest's working folder /work
#   --out DIR         host folder for the results (default build/x86-emu/out/<mode>):
#                       console-<mode>.log, cmd-<mode>.log, timing-<mode>.txt
#                       and every file the command wrote under /out in the
#                       guest (env HVBENCH_OUT)
#   --timeout SEC     hard limit for the whole QEMU run (default 600)
#   --smp N           vCPUs (default 1). With icount only -smp 1 is known to
#                     boot (../shared/HOST.md); N > 1 implies --no-icount
#   --no-icount       drop `-icount shift=0,sleep=off`: MTTCG, the TSC is host
#                     time and nothing is repeatable
#   --verbose         also copy the console to stderr while it runs
#
# With icount (the default) the guest's TSC advances with the emulated
# instruction count, so every figure measured there is instructions.
#
# Exit codes:
#   0..123, 127..   the command's exit code inside the guest
#   124             timeout: QEMU was killed after --timeout seconds
#   125             harness failure: bad usage, missing deps/kernel, QEMU died or
#                   the guest never reported, a file arrived corrupt
#   126             KVM not usable in the guest: no /dev/kvm (command not run),
#                   or nested paging came up other than --mode asked for
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EXIT_TIMEOUT=124 EXIT_HARNESS=125 EXIT_NOKVM=126
die() { echo "ci/x86-emu/run.sh: $*" >&2; exit $EXIT_HARNESS; }
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit $EXIT_HARNESS; }

mode="" out="" timeout_s=600 mem=1024 smp=1 icount=1 verbose=0
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
        -h|--help) usage ;;
        --) shift; cmd=("$@"); break ;;
        *) echo "ci/x86-emu/run.sh: unknown argument: $1" >&2; usage ;;
    esac
done
case $mode in
    npt) npt=1 ;;
    shadow) npt=0 ;;
    *) echo "ci/x86-emu/run.sh: --mode npt|shadow is required" >&2; usage ;;
esac
[ ${#bins[@]} -gt 0 ] || { echo "ci/x86-emu/run.sh: --bin is required" >&2; usage; }
[ ${#cmd[@]} -gt 0 ] || { echo "ci/x86-emu/run.sh: no command after --" >&2; usage; }
[[ $timeout_s =~ ^[0-9]+$ ]] || die "--timeout wants seconds"
[[ $smp =~ ^[0-9]+$ ]] && [ "$smp" -ge 1 ] || die "--smp wants a count"
[ "$smp" -gt 1 ] && icount=0
for t in qemu-system-x86_64 readelf cpio gzip base64 sha256sum timeout dpkg-deb; do
    command -v $t >/dev/null || die "$t not found (run ci/x86-emu/deps.sh)"
done

out=${out:-$EMU_DIR/out/$mode}
mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)

# ---- kernel and busybox -----------------------------------------------------
kdir=$(bash "$(dirname "${BASH_SOURCE[0]}")/kernel.sh") || die "no kernel (ci/x86-emu/kernel.sh failed)"
bbdeb=$(ls -1 "$EMU_CACHE"/busybox-static_*_amd64.deb 2>/dev/null | sort -V | tail -1)
[ -n "$bbdeb" ] || bbdeb=$(fetch_deb busybox-static:amd64) || die "no busybox-static .deb (run ci/x86-emu/deps.sh)"

# ---- initramfs staging ------------------------------------------------------
mkdir -p "$EMU_DIR/tmp"
work=$(mktemp -d "$EMU_DIR/tmp/run-$mode.XXXXXX") || die "mktemp failed"
qpid=""
cleanup() {
    [ -n "$qpid" ] && kill "$qpid" 2>/dev/null
    [ -n "${X86EMU_KEEP:-}" ] && echo "ci/x86-emu: kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,lib/x86_64-linux-gnu,proc,sys,dev,tmp,work,out,hvb,root,etc}
ln -s lib "$root/lib64"

dpkg-deb --fsys-tarfile "$bbdeb" | tar -x -C "$work" ./bin/busybox 2>/dev/null || die "cannot unpack $bbdeb"
mv "$work/bin/busybox" "$root/bin/busybox"
chmod 755 "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
# A passwd with nobody, so hvbench's jail can drop root as on a real host.
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"

libdirs=(/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu)
for b in "${bins[@]}"; do
    [ -f "$b" ] || die "--bin $b: no such file"
    readelf -h "$b" 2>/dev/null | grep -q 'Machine:.*X86-64' || die "--bin $b is not an x86-64 ELF"
    cp -L "$b" "$root/usr/local/bin/" && chmod 755 "$root/usr/local/bin/$(basename "$b")"
    emu_ship_needed "$root" readelf x86_64-linux-gnu "$b" "${libdirs[@]}" || die "cannot ship the libraries of $b"
done
for spec in "${files[@]}"; do
    src=${spec%%:*} dest=${spec#*:}
    [ "$src" != "$spec" ] && [ -n "$dest" ] || die "--file wants SRC:DEST, got $spec"
    [ -e "$src" ] || die "--file $src: no such file"
    case $dest in /*) ;; *) dest=/work/$dest ;; esac
    mkdir -p "$root$(dirname "$dest")"
    cp -rL "$src" "$root$dest" || die "cannot copy $src"
done
mkdir -p "$root/hvb/modules"
cp "$kdir"/modules/*.ko "$kdir/modules/load-order" "$root/hvb/modules/"
cp "$EMU_SHIP" "$root/hvb/ship.sh"

nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
M="@@HVB:$nonce"
echo "$npt" > "$root/hvb/npt"
echo "$M" > "$root/hvb/marker"
emu_quote_cmd "${cmd[@]}" > "$root/hvb/cmd"

cat > "$root/init" <<'INIT'
#!/bin/sh
# hvbench x86-emu harness /init (generated by ci/x86-emu/run.sh)
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root TMPDIR=/tmp HVBENCH_OUT=/out
M=$(cat /hvb/marker); NPT=$(cat /hvb/npt)
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
echo "$M:INIT uptime=$(cut -d' ' -f1 /proc/uptime)"
for m in $(cat /hvb/modules/load-order); do
    p=""; [ "$m" = kvm_amd.ko ] && p="npt=$NPT"
    insmod /hvb/modules/$m $p || echo "$M:WARN insmod $m failed"
done
line=$(dmesg | grep -E 'Nested Paging (enabled|disabled)' | tail -1)
case "$line" in
    *"Nested Paging enabled"*) seen=npt ;;
    *"Nested Paging disabled"*) seen=shadow ;;
    *) seen=none; line=$(dmesg | grep -iE 'kvm|svm' | tail -3 | tr '\n' ' ') ;;
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
emu_cpio "$root" "$initrd" || die "cpio/gzip of the initramfs failed"

# ---- boot ---------------------------------------------------------------------
log="$work/console.log" clog="$out/console-$mode.log"
# cryptomgr.notests: the crypto self-tests cost guest time at every boot and
# test nothing hvbench uses. tsc=reliable: under TCG the clocksource watchdog
# would otherwise distrust the TSC the benchmarks read.
append="console=ttyS0 panic=-1 quiet cryptomgr.notests tsc=reliable"
qemu=(qemu-system-x86_64 -cpu "${X86EMU_CPU:-EPYC,+svm,+npt}" -smp "$smp" -m "$mem"
      -nographic -no-reboot -nic none)
if [ $icount = 1 ]; then
    qemu+=(-accel tcg -icount shift=0,sleep=off)
else
    qemu+=(-accel tcg,thread=multi)
fi
qemu+=(-kernel "$kdir/vmlinuz" -initrd "$initrd" -append "$append")
echo "ci/x86-emu: ${qemu[*]}" >&2

emu_boot
echo "ci/x86-emu: mode=$mode smp=$smp icount=$icount boot=${boot_s}s total=${total_s}s guest-uptime=${guest_up:-?}s kvm: ${kvmline:-(not reported)}" >&2
printf 'mode=%s smp=%s icount=%s boot_s=%s total_s=%s guest_uptime_s=%s kvm=%s\n' \
    "$mode" "$smp" "$icount" "$boot_s" "$total_s" "${guest_up:-}" "${kvmline:-}" > "$out/timing-$mode.txt"

if [ $qrc = 124 ] || [ $qrc = 137 ]; then
    echo "ci/x86-emu: TIMEOUT after ${timeout_s}s (console: $clog)" >&2
    exit $EXIT_TIMEOUT
fi

# ---- results ------------------------------------------------------------------
awk -v m="$M" '
    index($0, m ":CMD-START") == 1 { on = 1; next }
    index($0, m ":CMD-EXIT") == 1 { on = 0 }
    on { print }' "$log" > "$out/cmd-$mode.log"
bad=0
emu_receive "$log" "$M" "$out" "$work" || bad=1
echo "ci/x86-emu: $EMU_NFILES file(s) from the guest's /out -> $out" >&2

if [ -n "$(grep -a "^$M:NOKVM" "$log")" ]; then
    echo "ci/x86-emu: KVM not available in the guest: $(grep -a "^$M:NOKVM" "$log" | cut -d' ' -f2-)" >&2
    exit $EXIT_NOKVM
fi
rcline=$(grep -a "^$M:RC " "$log" | tail -1)
if [ -z "$rcline" ]; then
    echo "ci/x86-emu: the guest never reported an exit code (QEMU rc $qrc; console: $clog)" >&2
    tail -20 "$log" >&2
    exit $EXIT_HARNESS
fi
[ $bad = 0 ] || exit $EXIT_HARNESS
if [ "$seen" != "$mode" ]; then
    echo "ci/x86-emu: asked for $mode but KVM reports: ${kvmline:-nothing}" >&2
    exit $EXIT_NOKVM
fi
rc=$(echo "$rcline" | awk '{print $2}')
exit "$rc"
