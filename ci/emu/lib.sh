# Shared helpers for the harnesses that run hvbench inside an emulated machine
# (ci/arm64: KVM/arm64 under TCG; ci/x86-emu: KVM/SVM under TCG). Sourced, not
# run. The caller sets EMU_NAME (the folder under build/, e.g. arm64-emu) and
# EMU_TAG (the prefix of its messages) before sourcing.
#
# What is shared: apt download and cache, the kernel module closure (read from
# each .ko's .modinfo: Debian's package ships no modules.dep), the shared
# library closure of the binaries for the initramfs, and the result transport
# over the serial console (the guest side is ci/emu/ship.sh, the host side
# emu_receive below).

EMU_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
EMU_DIR="$EMU_ROOT/build/${EMU_NAME:?set EMU_NAME before sourcing ci/emu/lib.sh}"
EMU_CACHE="$EMU_DIR/cache"
EMU_TAG=${EMU_TAG:-ci/emu}
EMU_SHIP="$EMU_ROOT/ci/emu/ship.sh"

# As root, apt would try (and fail) to download as _apt into a root-owned dir.
[ "$(id -u)" = 0 ] && EMU_APT_SANDBOX="-o APT::Sandbox::User=root"

emu_die() { echo "$EMU_TAG: $*" >&2; exit 1; }
emu_log() { echo "$EMU_TAG: $*" >&2; }

# pkg_installed NAME[:ARCH] -> 0 when dpkg says "install ok installed".
pkg_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# fetch_deb PKG[:ARCH] -> prints the path of the cached .deb, downloading it
# with `apt-get download` into $EMU_CACHE when not there yet. Works as any
# user (download only, nothing installed).
fetch_deb() {
    local spec=$1 name=${1%%:*} arch=${1##*:} ver deb
    [ "$name" = "$spec" ] && arch=$(dpkg --print-architecture)
    mkdir -p "$EMU_CACHE"
    ver=$(apt-cache policy "$spec" 2>/dev/null | awk '/Candidate:/ {print $2}')
    if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
        # No candidate: reuse whatever is cached (offline), else give up.
        deb=$(ls -1 "$EMU_CACHE/${name}_"*"_${arch}.deb" 2>/dev/null | sort -V | tail -1)
        [ -n "$deb" ] || { emu_log "no apt candidate for $spec (apt-get update run? see the harness's deps.sh)"; return 1; }
        echo "$deb"; return 0
    fi
    deb="$EMU_CACHE/${name}_${ver//:/%3a}_${arch}.deb"
    # Serialise downloads: several run.sh may start at once on a fresh machine.
    exec 8>"$EMU_CACHE/.lock" && flock 8
    if [ ! -s "$deb" ]; then
        emu_log "downloading $spec $ver"
        ( cd "$EMU_CACHE" && apt-get download -q ${EMU_APT_SANDBOX:-} "$spec=$ver" ) >&2 || { emu_log "apt-get download $spec failed"; return 1; }
        [ -s "$deb" ] || deb=$(ls -1 "$EMU_CACHE/${name}_"*"_${arch}.deb" 2>/dev/null | sort -V | tail -1)
        [ -s "$deb" ] || { emu_log "downloaded $spec but cannot find the .deb in $EMU_CACHE"; return 1; }
    fi
    exec 8>&-
    echo "$deb"
}

# apt_update_if_root: refresh the package lists once (as root only). Errors
# from third-party sources are ignored; the caller judges by what it needed.
apt_update_if_root() {
    [ "$(id -u)" = 0 ] || return 1
    [ -n "${EMU_APT_UPDATED:-}" ] && return 1
    EMU_APT_UPDATED=1
    emu_log "apt-get update"
    apt-get update -q >/dev/null 2>&1 || true
}

# emu_modules MODDIR OUTDIR OBJCOPY NAME... : copies each named module and,
# first, every module it depends on (the .modinfo "depends=" line, read with
# OBJCOPY, as the package has no modules.dep) from the unpacked kernel's
# lib/modules/<kver>/ MODDIR to OUTDIR, decompressed, and appends them to
# OUTDIR/load-order dependencies-first. Returns 1 with a message when one is
# missing.
emu_modules() {
    local mdir=$1 odir=$2 objcopy=$3; shift 3
    local -A path=() seen=()
    local f n
    while IFS= read -r f; do
        n=$(basename "$f"); n=${n%%.ko*}; path[${n//-/_}]=$f
    done < <(find "$mdir" -name '*.ko*')
    _emu_add_mod() {
        local n=${1//-/_} f dep ko
        [ -n "${seen[$n]:-}" ] && return 0
        seen[$n]=1
        f=${path[$n]:-}
        [ -n "$f" ] || { emu_log "module $1 not found in $mdir"; return 1; }
        ko="$odir/$n.ko"
        case $f in
            *.ko.xz) xz -dc "$f" > "$ko" ;;
            *.ko.zst) zstd -dcq "$f" > "$ko" ;;
            *) cp "$f" "$ko" ;;
        esac
        for dep in $($objcopy -O binary --only-section=.modinfo "$ko" /dev/stdout |
                     tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '); do
            _emu_add_mod "$dep" || return 1
        done
        echo "$n.ko" >> "$odir/load-order"
    }
    for n in "$@"; do _emu_add_mod "$n" || return 1; done
}

# emu_ship_needed ROOT READELF LIBSUBDIR ELF LIBDIR... : copies into ROOT the
# program interpreter and every shared library ELF needs, recursively, from
# the first LIBDIR that has it, to ROOT/lib/LIBSUBDIR (with a link at the
# interpreter's path). Returns 1 with a message when a library is missing.
declare -A EMU_SHIPPED=()
emu_ship_needed() {
    local root=$1 readelf=$2 sub=$3 elf=$4; shift 4
    local so interp ibase
    interp=$($readelf -lW "$elf" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
    if [ -n "$interp" ] && [ ! -e "$root$interp" ]; then
        ibase=$(basename "$interp")
        _emu_ship_lib "$root" "$readelf" "$sub" "$ibase" "$@" || return 1
        mkdir -p "$root$(dirname "$interp")"
        [ -e "$root$interp" ] || ln -s "/lib/$sub/$ibase" "$root$interp"
    fi
    for so in $($readelf -dW "$elf" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
        _emu_ship_lib "$root" "$readelf" "$sub" "$so" "$@" || return 1
    done
}
_emu_ship_lib() {
    local root=$1 readelf=$2 sub=$3 so=$4 d f=""; shift 4
    [ -n "${EMU_SHIPPED[$so]:-}" ] && return 0
    for d in "$@"; do
        [ -e "$d/$so" ] && { f="$d/$so"; break; }
    done
    [ -n "$f" ] || { emu_log "shared library $so not found in $*"; return 1; }
    EMU_SHIPPED[$so]=1
    mkdir -p "$root/lib/$sub"
    cp -L "$f" "$root/lib/$sub/$so" || return 1
    emu_ship_needed "$root" "$readelf" "$sub" "$f" "$@"
}

# emu_receive LOG MARKER OUTDIR WORKDIR : unpacks every file the guest's
# ship.sh sent between "MARKER:BEGIN size sha256 enc path" and "MARKER:END"
# into OUTDIR, each checked by size and sha256. Sets EMU_NFILES; returns 1
# when a file arrived corrupt or with a path outside OUTDIR.
emu_receive() {
    local log=$1 m=$2 out=$3 b64="$4/b64" bad=0 n size sum enc path unpack
    EMU_NFILES=0
    mkdir -p "$b64"
    # Split the blocks into .b64 files; keep only base64-looking lines.
    awk -v m="$m" -v dir="$b64" '
        index($0, m ":BEGIN ") == 1 {
            n++; split($0, f, " "); size = f[2]; sum = f[3]; enc = f[4]
            p = $0; sub("^[^ ]+ [^ ]+ [^ ]+ [^ ]+ ", "", p)
            cur = dir "/" n ".b64"; printf "" > cur
            print n "\t" size "\t" sum "\t" enc "\t" p > (dir "/manifest"); next }
        index($0, m ":END") == 1 { if (cur != "") close(cur); cur = ""; next }
        cur != "" && /^[A-Za-z0-9+\/=]+$/ { print > cur }' "$log"
    [ -f "$b64/manifest" ] || return 0
    while IFS=$'\t' read -r n size sum enc path; do
        case "/$path/" in */../*|*/./*|//*) emu_log "refusing path '$path'"; bad=1; continue ;; esac
        mkdir -p "$out/$(dirname "$path")"
        case $enc in gz) unpack="gzip -dc" ;; *) unpack=cat ;; esac
        if ! base64 -d "$b64/$n.b64" 2>/dev/null | $unpack > "$out/$path" 2>/dev/null ||
           [ "$(wc -c < "$out/$path")" != "$size" ] ||
           [ "$(sha256sum "$out/$path" | cut -d' ' -f1)" != "$sum" ]; then
            emu_log "$path arrived corrupt (size/sha256 mismatch)"
            bad=1
        else
            EMU_NFILES=$((EMU_NFILES + 1))
        fi
    done < "$b64/manifest"
    return $bad
}

# emu_quote_cmd WORD... : the command as one line for the guest's sh, each
# word single-quoted, prefixed by exec.
emu_quote_cmd() {
    printf 'exec'
    for a in "$@"; do printf " '%s'" "${a//\'/\'\\\'\'}"; done
    printf '\n'
}

# emu_cpio ROOT OUT : the initramfs, owned by root, gzip -1.
emu_cpio() {
    (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) > "$2"
}

# Boot "${qemu[@]}" under `timeout $timeout_s`, its console in $log (copied to
# $clog; $verbose=1 also shows it live), timing the boot by the init's $M:INIT
# line. Sets qrc (timeout's exit code), boot_s, total_s, and what the init
# reported: kvmline (its $M:KVMMODE line), seen (the mode in it), guest_up.
# qpid holds QEMU's pid while it runs, for the caller's cleanup trap.
emu_boot() {
    t0=$(date +%s.%N)
    : > "$log"
    timeout -k 5 "$timeout_s" "${qemu[@]}" </dev/null >"$log" 2>&1 &
    qpid=$!
    tailpid=""
    if [ $verbose = 1 ]; then tail -n +1 -f "$log" --pid=$qpid >&2 & tailpid=$!; fi
    t_boot=""
    while kill -0 $qpid 2>/dev/null; do
        if [ -z "$t_boot" ] && grep -q "$M:INIT" "$log" 2>/dev/null; then t_boot=$(date +%s.%N); fi
        sleep 0.1
    done
    wait $qpid; qrc=$?; qpid=""
    [ -n "$tailpid" ] && wait $tailpid 2>/dev/null
    t1=$(date +%s.%N)
    [ -z "$t_boot" ] && grep -q "$M:INIT" "$log" && t_boot=$t1
    sed -i 's/\r$//' "$log"
    cp "$log" "$clog"

    boot_s=$( [ -n "$t_boot" ] && awk -v a="$t_boot" -v b="$t0" 'BEGIN {printf "%.1f", a - b}' || echo "?")
    total_s=$(awk -v a="$t1" -v b="$t0" 'BEGIN {printf "%.1f", a - b}')
    kvmline=$(grep -a "^$M:KVMMODE" "$log" | head -1 | cut -d' ' -f2-)
    seen=${kvmline%% *}
    guest_up=$(grep -a "^$M:RC" "$log" | sed -n 's/.*uptime=//p')
}
