#!/bin/sh
# Guest side of the result transport (ci/emu/lib.sh emu_receive is the host
# side): sends every file under /out on the console, gzip'd then base64'd (the
# serial line moves only ~150-300 KB/s under TCG+icount), between
# "MARKER:BEGIN size sha256 gz path" and "MARKER:END". Usage: ship.sh MARKER
M=$1
# Quiet the kernel so nothing lands mid-line.
echo 1 > /proc/sys/kernel/printk
cd /out || exit 0
find . -type f | sed 's|^\./||' | while IFS= read -r f; do
    echo "$M:BEGIN $(wc -c < "$f") $(sha256sum "$f" | cut -d' ' -f1) gz $f"
    gzip -1 -c "$f" | base64
    echo "$M:END"
done
