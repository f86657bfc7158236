#!/usr/bin/env bash
# ci/zlib-src.sh DIR: Debian 12's zlib source package (1:1.2.13.dfsg-1),
# unpacked with its Debian patches into DIR, for the compression workload
# (macrobench/compute/README.md). The guest cannot take Debian's prebuilt
# libz.a: it was built for a hosted userland (SSE registers in deflate,
# inflate and inffast, the stack protector's %fs:0x28 canary in inflate,
# trees and inftrees, errno and stdio for the gz* files), and the guest is
# built without SSE and has no FS base. So the Makefile compiles the
# library's own files from this source with the guest's flags.
#
# Where from: `apt-get source` when a deb-src line is configured, else the
# same three files from Debian's pool over HTTP (deb.debian.org, then
# snapshot.debian.org). Either way the orig and debian tarballs must match
# the SHA-256 sums below (the ones the .dsc lists): nothing else is
# unpacked. Runs once: DIR/.unpacked marks a finished unpack.
set -euo pipefail

dir=${1:?usage: ci/zlib-src.sh DIR}
ver=1.2.13.dfsg-1
orig=zlib_1.2.13.dfsg.orig.tar.bz2
deb=zlib_1.2.13.dfsg-1.debian.tar.xz
dsc=zlib_${ver}.dsc
sum_orig=71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1
sum_deb=f66cf3d4f2d7defcd4d1fd1fb0a11ee39f1e01b42ec7d059c9dc5c1695133c44

[ -f "$dir/.unpacked" ] && exit 0
cache=$(dirname "$dir")/zlib-cache
mkdir -p "$cache"

ok() { [ -f "$cache/$1" ] && echo "$2  $cache/$1" | sha256sum -c --quiet - >/dev/null 2>&1; }
have() { ok "$orig" "$sum_orig" && ok "$deb" "$sum_deb" && [ -s "$cache/$dsc" ]; }

if ! have && grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	(cd "$cache" && apt-get source --download-only -q "zlib=1:$ver" >/dev/null 2>&1) || true
fi
for base in http://deb.debian.org/debian http://snapshot.debian.org/archive/debian/20250520T000000Z; do
	have && break
	for f in "$dsc" "$orig" "$deb"; do
		curl -fsS --retry 2 --connect-timeout 20 -o "$cache/$f.part" "$base/pool/main/z/zlib/$f" &&
			mv "$cache/$f.part" "$cache/$f" || rm -f "$cache/$f.part"
	done
done
if ! have; then
	echo "ci/zlib-src.sh: could not get zlib $ver's source package (with the pinned SHA-256) into $cache" >&2
	exit 1
fi
rm -rf "$dir.tmp"
# --no-check: the signature needs a keyring this machine may lack; the
# tarballs were checked against the sums above instead.
dpkg-source --no-check -x "$cache/$dsc" "$dir.tmp" >/dev/null
rm -rf "$dir"
mv "$dir.tmp" "$dir"
touch "$dir/.unpacked"
echo "ci/zlib-src.sh: zlib $ver unpacked in $dir"
