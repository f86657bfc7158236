#!/usr/bin/env bash
# make check-fresh: the README's two commands, the first time, on a minimal
# Debian 12 that has only make. Builds (once, cached) a debootstrap minbase root,
# clones this repository's HEAD into a fresh copy of it, installs make there,
# then runs `make run` and `make check` inside it; each must succeed at once.
#
# Cached under build/fresh/ (git-ignored):
#   minbase-bookworm-amd64.tar  the debootstrap result, untouched: the root
#                               every run starts from (delete it to rebuild)
#   apt-archives/               apt's .deb cache, bind-mounted into the root,
#                               so a re-run downloads nothing it already has
#   root/                       this run's root (replaced by the next run)
#   times.txt, run.log          phase times and apt's "Need to get" lines;
#                               the whole output
# Mounts (/proc, /sys, /dev/pts, /dev/shm, /dev/kvm) live in a private mount
# namespace (unshare), so they vanish with it even if the run is killed.
# Needs root and debootstrap (make deps-fresh). Exit 0 pass, 1 fail.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
F=$repo/build/fresh
tar=$F/minbase-bookworm-amd64.tar
R=$F/root
mkdir -p "$F/apt-archives/partial"
# One check-fresh at a time: they would share root/.
exec 9>"$F/.lock"
flock -n 9 || { echo "check-fresh: another check-fresh is running (build/fresh/.lock)" >&2; exit 1; }

die() { echo "check-fresh: $*" >&2; exit 1; }
log() { echo "check-fresh: $*"; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts)"
command -v debootstrap >/dev/null || die "debootstrap missing: make deps-fresh"
[ -c /dev/kvm ] || log "no /dev/kvm on this host: the VM tests inside will skip"

# The Debian mirror and any proxy the host's apt uses: this machine may reach
# nothing else.
mirror=$(awk '/^URIs:/ && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
proxy=$(apt-config dump 2>/dev/null | awk -F'"' '/^Acquire::http::Proxy /{print $2; exit}')
[ -n "$proxy" ] && export http_proxy=$proxy

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f", b - a}'; }
: >"$F/times.txt"
t0=$(now)

if [ ! -s "$tar" ]; then
	log "building the minimal root: debootstrap --variant=minbase bookworm ($mirror)"
	rm -rf "$F/stage"
	if ! debootstrap --variant=minbase bookworm "$F/stage" "$mirror" >"$F/debootstrap.log" 2>&1; then
		tail -20 "$F/debootstrap.log" >&2
		die "debootstrap failed (log: $F/debootstrap.log)"
	fi
	tar -C "$F/stage" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
	rm -rf "$F/stage"
	echo "debootstrap: $(secs "$t0" "$(now)") s" >>"$F/times.txt"
fi

# A fresh copy of the cached root. Nothing may be mounted below it (mounts
# only ever exist inside the namespace below), but check before rm -rf.
if [ -d "$R" ]; then
	findmnt -rn -o TARGET | grep -q "^$R/" && die "something is mounted under $R; refusing to delete it"
	rm -rf "$R"
fi
mkdir -p "$R"
tar -C "$R" -xf "$tar"

# apt reaches the same mirror as the host: its sources and the apt.conf.d
# files that set how to fetch (Acquire::..., e.g. a proxy), nothing else.
mkdir -p "$R/etc/apt/sources.list.d" "$R/etc/apt/apt.conf.d"
rm -f "$R/etc/apt/sources.list"
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$R/etc/apt/"
for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && cp "$f" "$R/etc/apt/sources.list.d/"
done
for f in /etc/apt/apt.conf.d/*; do
	[ -f "$f" ] && grep -q 'Acquire::' "$f" && cp "$f" "$R/etc/apt/apt.conf.d/"
done
cp -L /etc/resolv.conf "$R/etc/resolv.conf"
# Keep the downloaded .debs for the next run (the cache is bind-mounted).
echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' >"$R/etc/apt/apt.conf.d/90check-fresh-keep-debs"
# A chroot must never start the host's services from a package's postinst.
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
chmod +x "$R/usr/sbin/policy-rc.d"
touch "$R/dev/kvm"

# The fresh clone: HEAD of this repository, no build products, no git inside.
git clone -q --no-hardlinks "$repo" "$R/root/hvbench"
log "clone of $(git -C "$R/root/hvbench" rev-parse --short HEAD) in $R/root/hvbench"

cp ci/fresh/inside.sh "$R/root/inside.sh"
rc=0
# A hang must not eat CI's 90 minutes (a run takes ~4 min; 25 is the limit).
timeout --kill-after=30 1500 unshare --mount --propagation private bash -euc '
	R=$1
	mount -t proc proc "$R/proc"
	mount -t sysfs sysfs "$R/sys"
	mount -t tracefs tracefs "$R/sys/kernel/tracing" 2>/dev/null || true
	mount -t devpts -o newinstance,ptmxmode=0666 devpts "$R/dev/pts"
	mount -t tmpfs -o mode=1777 tmpfs "$R/dev/shm"
	[ -c /dev/kvm ] && mount --bind /dev/kvm "$R/dev/kvm"
	mount --bind "$2" "$R/var/cache/apt/archives"
	exec chroot "$R" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root TERM=dumb LANG=C.UTF-8 bash /root/inside.sh
' _ "$R" "$F/apt-archives" 2>&1 | tee "$F/run.log" || rc=$?
[ -f "$R/root/times.txt" ] && cat "$R/root/times.txt" >>"$F/times.txt"
echo "total: $(secs "$t0" "$(now)") s" >>"$F/times.txt"
echo
echo "check-fresh: times (also in build/fresh/times.txt):"
sed 's/^/  /' "$F/times.txt"
[ "$rc" = 0 ] || die "FAILED (exit $rc); the whole output is in $F/run.log"
log "PASS: make run and make check succeeded the first time in a minimal Debian 12 root"
rm -rf "$R"   # ~2 GB; kept only when a run failed, to look into
