#!/bin/bash
# The macrobenchmarks' native twin runs the instructions the guest runs
# (issue 17: "prove native and guest run the same instructions"): each
# macrobench body's two builds, the guest image's object and the native
# target's (Makefile MACRO_NATIVE_OBJS: the guest's code generation), have
# the same functions, each within a few instructions of the other (the
# twin reaches its page through a thread-local pointer, the guest at a
# fixed address), and neither has a vector instruction. x86 objects; ~1 s.
# Usage: ci/test-macro-insns.sh   (after a build)
set -u
cd "$(dirname "$0")/.."
[ "$(uname -m)" = x86_64 ] || { echo "SKIP: x86 objects only (this is $(uname -m))"; exit 0; }
command -v objdump >/dev/null || { echo "SKIP: objdump missing"; exit 0; }
B=build/x86
# Instructions the page access may add or take per function, at most.
SLACK=8
fail=0
n=0
# One line per function: name and instruction count; then the vector count.
count() {
	objdump -d --no-show-raw-insn "$1" | awk '
		/^[0-9a-f]+ <.*>:$/ { fn = $2; gsub(/[<>:]/, "", fn); next }
		/^ +[0-9a-f]+:\t/ { c[fn]++ }
		END { for (f in c) print f, c[f] }' | sort
}
for src in macrobench/*/guest/*.c; do
	g=$B/guest/$src.o
	nat=$B/native/${src%.c}.o
	if [ ! -s "$g" ] || [ ! -s "$nat" ]; then
		echo "FAIL: $src: not built in both forms ($g, $nat): run make first"
		fail=1
		continue
	fi
	n=$((n + 1))
	bad=$(join -a1 -a2 -e MISSING -o 0,1.2,2.2 <(count "$g") <(count "$nat") |
		awk -v s=$SLACK '$2 == "MISSING" || $3 == "MISSING" || $2 - $3 > s || $3 - $2 > s')
	if [ -n "$bad" ]; then
		echo "FAIL: $src: functions that differ between guest and native (function guest native):"
		echo "$bad" | sed 's/^/    /'
		fail=1
	fi
	vec=$(objdump -d "$g" "$nat" | grep -cE '%[xyz]mm[0-9]')
	if [ "$vec" != 0 ]; then
		echo "FAIL: $src: $vec vector instructions in its guest or native build"
		fail=1
	fi
done
# The libraries the bodies link (Makefile ZLIB_*: zlib built for the
# guest and again, alike, for the twin). The twin is position-independent
# (the host binary is a PIE): a switch's jump-table dispatch takes 3 more
# instructions there (zlib's inflate is one big switch), and a PIE's
# static addresses take a register: a library function may differ by
# LIB_SLACK or 2% of its instructions, whichever is more. The hot loops
# (longest_match, deflate_slow, inflate_fast) stay within 8.
LIB_SLACK=12
nlib=0
for g in $B/guest/zlib/*.o; do
	[ -e "$g" ] || continue
	nat=$B/native/macrobench/zlib/$(basename "$g")
	if [ ! -s "$nat" ]; then
		echo "FAIL: $g: no native twin build ($nat)"
		fail=1
		continue
	fi
	nlib=$((nlib + 1))
	bad=$(join -a1 -a2 -e MISSING -o 0,1.2,2.2 <(count "$g") <(count "$nat") |
		awk -v s=$LIB_SLACK '{ m = s; if ($2 != "MISSING" && $2 * 0.02 > m) m = $2 * 0.02 }
			$2 == "MISSING" || $3 == "MISSING" || $2 - $3 > m || $3 - $2 > m')
	if [ -n "$bad" ]; then
		echo "FAIL: $g: library functions that differ between guest and native (function guest native):"
		echo "$bad" | sed 's/^/    /'
		fail=1
	fi
	vec=$(objdump -d "$g" "$nat" | grep -cE '%[xyz]mm[0-9]')
	if [ "$vec" != 0 ]; then
		echo "FAIL: $g: $vec vector instructions in its guest or native build"
		fail=1
	fi
done
[ $fail = 0 ] && echo "ok: $n macrobench bodies and $nlib library objects: the guest's and the native twin's builds have the same functions, each within $SLACK instructions (libraries: $LIB_SLACK or 2%), no vector instruction"
exit $fail
