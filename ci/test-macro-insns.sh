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
# The libraries the bodies link (Makefile ZLIB_*, LZ4_*, ZSTD_*: zlib, lz4, zstd
# built for the guest and again, alike, for the twin). The twin is position-independent
# (the host binary is a PIE): a switch's jump-table dispatch takes 3 more
# instructions there (zlib's inflate is one big switch), and a PIE's
# static addresses take a register: a library function may differ by
# LIB_SLACK or 2% of its instructions, whichever is more. The hot loops
# (longest_match, deflate_slow, inflate_fast) stay within 8.
# Only what a body can run is held to that: a function no body reaches
# (lz4's LZ4_compress_destSize, say: PIE register allocation makes it 3.6%
# longer in the twin) is named in a note instead. Reached: the library
# symbols the bodies' guest objects reference, everything a function's
# code or a data table (zlib's configuration_table) of the library refers
# to from there, transitively (the guest objects: no PIE indirection).
LIB_SLACK=12
tmpd=$(mktemp -d)
trap 'rm -rf "$tmpd"' EXIT
nlib=0
nskip=0
# (and, a little wider than needed, what one library object calls in another)
roots=$(ls $B/guest/macrobench/*/guest/*.c.o $B/guest/zlib/*.o $B/guest/lz4/*.o $B/guest/zstd/*.o 2>/dev/null | grep -v '\.raw\.o$' |
	xargs -r nm -u | awk 'NF == 2 { print $2 }' | sort -u)
# name(): a relocation's target as a function name; the assembler writes
# a static function as section+offset (PC-relative ones 4 bytes short).
HEX_AWK='
	function hx(s,   i, v) {
		s = tolower(s); sub(/^0x/, "", s); v = 0
		for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}'
NAME_AWK=$HEX_AWK'
	function name(t, pc,   sec, off) {
		if (t !~ /^\./) { sub(/[-+]0x[0-9a-f]+$/, "", t); return t }
		sec = t; sub(/[-+].*/, "", sec); off = 0
		if (t ~ /\+0x/) { off = t; sub(/.*\+/, "", off); off = hx(off) }
		else if (t ~ /-0x/) { off = t; sub(/.*-/, "", off); off = -hx(off) }
		if (pc) off += 4
		return at[sec " " off]
	}
	BEGIN { while ((getline l < syms) > 0) { split(l, a, " "); at[a[1] " " a[2]] = a[3] } }'
reached() {
	# "section offset name" of every function.
	objdump -t "$1" | awk "$HEX_AWK"'$3 == "F" { print $4, hx($1), $NF }' >"$tmpd/syms"
	# Roots: the bodies' references, and what a data section points to
	# (tables of function pointers).
	local more
	more=$(objdump -r "$1" | awk -v syms="$tmpd/syms" "$NAME_AWK"'
		/^RELOCATION RECORDS FOR \[/ { data = $0 !~ /text|debug|eh_frame/; next }
		data && NF == 3 && $1 ~ /^[0-9a-f]+$/ { print name($3, 0) }')
	objdump -dr "$1" | awk -v roots="$roots $more" -v syms="$tmpd/syms" "$NAME_AWK"'
		/^[0-9a-f]+ <.*>:$/ { fn = $2; gsub(/[<>:]/, "", fn); fns[fn] = 1; next }
		/^Disassembly of section/ { fn = "" }
		fn != "" && / R_[A-Z0-9_]+\t/ { edge[fn] = edge[fn] " " name($NF, $0 ~ /R_X86_64_(PC32|PLT32)/) }
		fn != "" && /\t(call|jmp|j[a-z]+) +[0-9a-f]+ <[^>+]+/ {
			t = $0; sub(/.*</, "", t); sub(/[+>].*/, "", t); edge[fn] = edge[fn] " " t }
		END {
			n = split(roots, r, " ")
			for (i = 1; i <= n; i++) if ((r[i] in fns) && !(r[i] in seen)) { q[++qt] = r[i]; seen[r[i]] = 1 }
			for (h = 1; h <= qt; h++) {
				m = split(edge[q[h]], e, " ")
				for (k = 1; k <= m; k++)
					if ((e[k] in fns) && !(e[k] in seen)) { seen[e[k]] = 1; q[++qt] = e[k] }
			}
			for (f in seen) print f
		}'
}
for g in $B/guest/zlib/*.o $B/guest/lz4/*.o $B/guest/zstd/*.o; do
	[ -e "$g" ] || continue
	case $g in *.raw.o) continue ;; esac	# lz4's before its symbols were renamed
	lib=$(basename "$(dirname "$g")")
	nat=$B/native/macrobench/$lib/$(basename "$g")
	if [ ! -s "$nat" ]; then
		echo "FAIL: $g: no native twin build ($nat)"
		fail=1
		continue
	fi
	nlib=$((nlib + 1))
	diff=$(join -a1 -a2 -e MISSING -o 0,1.2,2.2 <(count "$g") <(count "$nat") |
		awk -v s=$LIB_SLACK '{ m = s; if ($2 != "MISSING" && $2 * 0.02 > m) m = $2 * 0.02 }
			$2 == "MISSING" || $3 == "MISSING" || $2 - $3 > m || $3 - $2 > m')
	live=$(reached "$g" | sort -u)
	bad=$(echo "$diff" | awk 'NR == FNR { live[$1] = 1; next } $1 in live' <(echo "$live") - )
	unreached=$(echo "$diff" | awk 'NR == FNR { live[$1] = 1; next } NF && !($1 in live)' <(echo "$live") - )
	if [ -n "$unreached" ]; then
		echo "note: $g: functions no body reaches differ between guest and native (not held; function guest native):"
		echo "$unreached" | sed 's/^/    /'
		nskip=$((nskip + $(echo "$unreached" | wc -l)))
	fi
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
[ $fail = 0 ] && echo "ok: $n macrobench bodies and $nlib library objects: the guest's and the native twin's builds have the same functions, each within $SLACK instructions (libraries: $LIB_SLACK or 2%, for every function a body reaches; $nskip unreached ones differ more), no vector instruction"
exit $fail
