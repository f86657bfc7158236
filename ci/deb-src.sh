#!/usr/bin/env bash
# ci/deb-src.sh PACKAGE DIR: a Debian 12 source package a macrobenchmark
# builds into the guest (zlib, lz4, zstd), unpacked with its Debian patches into
# DIR (macrobench/compute/README.md). The guest cannot take Debian's
# prebuilt static archives: they were built for a hosted userland (zlib's
# libz.a has SSE registers in deflate, inflate and inffast, the stack
# protector's %fs:0x28 canary, errno and stdio; liblz4.a calls libc's
# memcpy, malloc and the stack protector), and the guest is built without
# SSE, has no libc and no FS base. So the Makefile compiles the library's
# own files from this source with the guest's flags.
#
# Where from: `apt-get source` when a deb-src line is configured, else the
# same three files from Debian's pool over HTTP (deb.debian.org, then
# snapshot.debian.org). Either way the orig and debian tarballs must match
# the SHA-256 sums below (the ones the .dsc lists): nothing else is
# unpacked. Runs once: DIR/.unpacked marks a finished unpack.
set -euo pipefail

pkg=${1:?usage: ci/deb-src.sh zlib|lz4|zstd DIR}
dir=${2:?usage: ci/deb-src.sh zlib|lz4|zstd DIR}
case $pkg in
zlib)
	epoch=1: ver=1.2.13.dfsg-1 pool=z/zlib
	orig=zlib_1.2.13.dfsg.orig.tar.bz2 deb=zlib_1.2.13.dfsg-1.debian.tar.xz
	sum_orig=71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1
	sum_deb=f66cf3d4f2d7defcd4d1fd1fb0a11ee39f1e01b42ec7d059c9dc5c1695133c44 ;;
lz4)
	epoch= ver=1.9.4-1 pool=l/lz4
	orig=lz4_1.9.4.orig.tar.gz deb=lz4_1.9.4-1.debian.tar.xz
	sum_orig=0b0e3aa07c8c063ddf40b082bdf7e37a1562bda40a0ff5272957f3e987e0e54b
	sum_deb=47ceec5b95f42598f7b9280b03df9659f2ee6852720ec181488e83bd643f0e5f ;;
zstd)
	# 1.5.4+dfsg2-5 as the main archive keeps it; bookworm-security's
	# +deb12u1 changes only streaming decompression's memory (the row
	# decompresses whole frames), and its compression output is -5's.
	pkg=libzstd epoch= ver=1.5.4+dfsg2-5 pool=libz/libzstd
	orig=libzstd_1.5.4+dfsg2.orig.tar.xz deb=libzstd_1.5.4+dfsg2-5.debian.tar.xz
	sum_orig=8cf4bbb65e77ec348d052c8d6230eba66d435bddf64c8b5be2fcb16880c19953
	sum_deb=82ce911445772861d0838bd4545f93bc50658bc7f3cefdb17a307dfb8ffca5d8 ;;
*)
	echo "ci/deb-src.sh: no pinned source package '$pkg' (zlib, lz4, zstd)" >&2
	exit 2 ;;
esac
dsc=${pkg}_${ver}.dsc

[ -f "$dir/.unpacked" ] && exit 0
cache=$(dirname "$dir")/$pkg-cache
mkdir -p "$cache"

ok() { [ -f "$cache/$1" ] && echo "$2  $cache/$1" | sha256sum -c --quiet - >/dev/null 2>&1; }
have() { ok "$orig" "$sum_orig" && ok "$deb" "$sum_deb" && [ -s "$cache/$dsc" ]; }

if ! have && grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	(cd "$cache" && apt-get source --download-only -q "$pkg=$epoch$ver" >/dev/null 2>&1) || true
fi
for base in http://deb.debian.org/debian http://snapshot.debian.org/archive/debian/20250520T000000Z; do
	have && break
	for f in "$dsc" "$orig" "$deb"; do
		curl -fsS --retry 2 --connect-timeout 20 -o "$cache/$f.part" "$base/pool/main/$pool/$f" &&
			mv "$cache/$f.part" "$cache/$f" || rm -f "$cache/$f.part"
	done
done
if ! have; then
	echo "ci/deb-src.sh: could not get $pkg $ver's source package (with the pinned SHA-256) into $cache" >&2
	exit 1
fi
rm -rf "$dir.tmp"
# --no-check: the signature needs a keyring this machine may lack; the
# tarballs were checked against the sums above instead.
dpkg-source --no-check -x "$cache/$dsc" "$dir.tmp" >/dev/null
rm -rf "$dir"
mv "$dir.tmp" "$dir"
touch "$dir/.unpacked"
echo "ci/deb-src.sh: $pkg $ver unpacked in $dir"
