# Shared helpers for the ci/arm64 scripts (sourced, not run).
# Everything cached lives under build/arm64-emu/ (repo-relative, git-ignored).

ARM64_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ARM64_EMU="$ARM64_ROOT/build/arm64-emu"
ARM64_CACHE="$ARM64_EMU/cache"

# As root, apt would try (and fail) to download as _apt into a root-owned dir.
[ "$(id -u)" = 0 ] && ARM64_APT_SANDBOX="-o APT::Sandbox::User=root"

arm64_die() { echo "ci/arm64: $*" >&2; exit 1; }
arm64_log() { echo "ci/arm64: $*" >&2; }

# pkg_installed NAME[:ARCH] -> 0 when dpkg says "install ok installed".
pkg_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# fetch_deb PKG:ARCH -> prints the path of the cached .deb, downloading it with
# `apt-get download` into build/arm64-emu/cache/ when not there yet. Works as
# any user (download only, nothing installed).
fetch_deb() {
    local spec=$1 name=${1%%:*} arch=${1##*:} ver deb
    [ "$name" = "$spec" ] && arch=$(dpkg --print-architecture)
    mkdir -p "$ARM64_CACHE"
    ver=$(apt-cache policy "$spec" 2>/dev/null | awk '/Candidate:/ {print $2}')
    if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
        # No candidate: reuse whatever is cached (offline), else give up.
        deb=$(ls -1 "$ARM64_CACHE/${name}_"*"_${arch}.deb" 2>/dev/null | sort -V | tail -1)
        [ -n "$deb" ] || { arm64_log "no apt candidate for $spec (is arm64 added and apt-get update run? see ci/arm64/deps.sh)"; return 1; }
        echo "$deb"; return 0
    fi
    deb="$ARM64_CACHE/${name}_${ver//:/%3a}_${arch}.deb"
    # Serialise downloads: several run.sh may start at once on a fresh machine.
    exec 8>"$ARM64_CACHE/.lock" && flock 8
    if [ ! -s "$deb" ]; then
        arm64_log "downloading $spec $ver"
        ( cd "$ARM64_CACHE" && apt-get download -q ${ARM64_APT_SANDBOX:-} "$spec=$ver" ) >&2 || { arm64_log "apt-get download $spec failed"; return 1; }
        [ -s "$deb" ] || deb=$(ls -1 "$ARM64_CACHE/${name}_"*"_${arch}.deb" 2>/dev/null | sort -V | tail -1)
        [ -s "$deb" ] || { arm64_log "downloaded $spec but cannot find the .deb in $ARM64_CACHE"; return 1; }
    fi
    exec 8>&-
    echo "$deb"
}

# apt_update_if_root: refresh the package lists once (as root only), e.g. when
# the arm64 lists are missing or stale. Errors from third-party sources are
# ignored; the caller judges by what it needed.
apt_update_if_root() {
    [ "$(id -u)" = 0 ] || return 1
    [ -n "${ARM64_APT_UPDATED:-}" ] && return 1
    ARM64_APT_UPDATED=1
    arm64_log "apt-get update"
    apt-get update -q >/dev/null 2>&1 || true
}
